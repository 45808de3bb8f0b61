/* Plans: a form the server refuses (400, 403, 409) comes back with the form and why it
   was refused; show it, where htmx would leave error responses out. A refusal that does
   not hold the part of the page that was asked for (the platform's "not allowed" page)
   takes the place of the page's main content instead. */
(function () {
  if (window.plansShowRefusals) { return; }
  window.plansShowRefusals = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (!source || !source.closest || !source.closest("[data-plans-htmx]")) { return; }
    if ([400, 403, 409].indexOf(detail.xhr.status) < 0) { return; }
    detail.shouldSwap = true;
    detail.isError = false;
    var target = detail.target;
    var body = String(detail.serverResponse || "");
    if (target && target.id && body.indexOf('id="' + target.id + '"') < 0 && document.getElementById("main")) {
      detail.target = document.getElementById("main");
      detail.swapOverride = "outerHTML";
      detail.selectOverride = "#main";
    }
  });
})();
