// Recording activities without a connection (plain ES2020, no dependencies).
//
// The activity form posts to the server when the phone is online. When it is offline
// (navigator.onLine is false, or the request fails), the activity is kept in this
// phone's localStorage with a client_uuid and sent to the sync API when the connection
// returns (the `online` event, and every page load). An item leaves the queue only
// after the server answers 200/201; the server ignores a client_uuid it already stored,
// so sending an item again never creates a second activity.
(() => {
  "use strict";
  const box = document.querySelector("[data-community-queue]");
  if (!box) return;
  const key = `cqs-community-queue-${box.dataset.user}`;
  const text = JSON.parse(document.getElementById("community-queue-text").textContent);
  const lengthEl = box.querySelector("[data-queue-length]");
  const statusEl = box.querySelector("[data-queue-status]");
  const listEl = box.querySelector("[data-queue-list]");
  let sending = false;
  box.hidden = false;  // without JavaScript there is no queue to show

  const load = () => {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch { return []; }
  };
  const save = (items) => {
    if (items.length) localStorage.setItem(key, JSON.stringify(items));
    else localStorage.removeItem(key);
    show(items);
  };
  const say = (message) => { statusEl.textContent = message || ""; };
  // A request that hangs on a weak signal counts as failed after 20 s: the activity is
  // kept and sent again later (a resend of a stored one changes nothing).
  function post(url, options) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 20000);
    return fetch(url, { ...options, method: "POST", credentials: "same-origin", signal: abort.signal })
      .finally(() => clearTimeout(timer));
  }

  function newUuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));  // not a secure context (plain http)
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function show(items = load()) {
    lengthEl.textContent = String(items.length);
    box.classList.toggle("queue-empty", items.length === 0);
    listEl.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const day = item.day.split("-").reverse().join("/");
      li.textContent = `${day} · ${text.categories[item.category] || item.category} · ${item.people_reached}`;
      if (item.error) {
        const err = document.createElement("p");
        err.className = "field-error";
        err.textContent = item.error;
        const drop = document.createElement("button");
        drop.type = "button";
        drop.className = "btn btn-small";
        drop.textContent = text.drop;
        drop.addEventListener("click", () => {
          if (confirm(text.confirmDrop)) save(load().filter((x) => x.client_uuid !== item.client_uuid));
        });
        li.append(err, drop);
      }
      return li;
    }));
  }

  function queue(item) {
    const items = load().filter((x) => x.client_uuid !== item.client_uuid);
    items.push(item);
    save(items);
    say(text.saved);
  }

  const messagesOf = (body) => Object.values((body && body.errors) || {}).flat().join(" ")
    || (body && body.detail) || text.refused;

  async function send() {
    if (sending || !navigator.onLine) return;
    sending = true;
    try {
      for (const item of load()) {
        if (item.error) continue;
        let response;
        try {
          response = await post(box.dataset.api, {
            headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
            body: JSON.stringify(item),
          });
        } catch {
          say(text.waiting);  // still no connection: try again later
          return;
        }
        if (response.status === 200 || response.status === 201) {
          save(load().filter((x) => x.client_uuid !== item.client_uuid));
          say(text.sent);
        } else if (response.status === 400) {
          const body = await response.json().catch(() => null);
          save(load().map((x) => (x.client_uuid === item.client_uuid ? { ...x, error: messagesOf(body) } : x)));
        } else {
          say(response.status === 401 ? text.login : response.status === 403 ? text.forbidden : text.waiting);
          return;  // try again later (after logging in, or when the server is back)
        }
      }
    } finally {
      sending = false;
    }
  }

  const form = document.querySelector("form[data-offline-form]");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const uuid = form.elements.client_uuid;
      if (!uuid.value) uuid.value = newUuid();
      const data = new FormData(form);
      const item = {
        client_uuid: uuid.value, day: data.get("day"), category: data.get("category") || "",
        people_reached: data.get("people_reached"), place: data.get("place") || "",
        note: data.get("note") || "",
      };
      const recorded = () => { form.reset(); uuid.value = ""; form.elements.day.value = item.day; };
      if (!navigator.onLine) { queue(item); recorded(); return; }
      const button = form.querySelector("button[type=submit]");
      let response;
      button.disabled = true;
      try {
        response = await post(form.action, { body: data, headers: { "X-Offline-Form": "1" } });
      } catch {
        queue(item); recorded(); return;
      } finally {
        button.disabled = false;
      }
      const json = (response.headers.get("Content-Type") || "").includes("json");
      if (json && (response.status === 201 || response.status === 200)) {
        window.location.assign((await response.json()).next);  // shows the server's message
      } else if (response.status === 401 || response.status >= 500) {
        queue(item); recorded();
        if (response.status === 401) say(text.login);
      } else {
        form.submit();  // the page shows the server's answer (errors); same client_uuid, no duplicate
      }
    });
  }

  window.addEventListener("online", send);
  window.addEventListener("offline", () => say(text.offline));
  show();
  if (!navigator.onLine) say(text.offline);
  send();
  setInterval(() => { if (load().some((x) => !x.error)) send(); }, 60000);
})();
