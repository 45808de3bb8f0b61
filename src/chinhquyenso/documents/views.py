"""Officials' pages for official documents: the work queues by role, the outgoing and
incoming registers (with their Excel exports, which are logged), a new draft, the
document pages with the actions an official may take now (the signature in its three
ways: a key kept on the server, a PDF signed with a token, two phases on a device;
the edXML package of an issued document), file downloads, the signing certificates
of officials and the seals of agencies, and the clerk's pages: paper documents, edXML
packages received, and the exchange outbox.

Pages are thin: reads come from queries.py, every change goes through services.py, and
the services have the last word — a step the state does not allow answers 409, a
missing right 403, bad input the field errors, each shown in the page.
"""

from __future__ import annotations

import base64
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from chinhquyenso.org.models import Agency
from chinhquyenso.org.permissions import can

from . import edxml, exports, keys, queries, services
from .errors import TransitionNotAllowed
from .external_signer import signature_algorithm_for
from .files import read_document_file
from .forms import (
    AssignForm,
    DeviceSignatureForm,
    DraftForm,
    ExchangeFileForm,
    ExportForm,
    ExternalCertificateForm,
    KeyFileForm,
    PaperDocumentForm,
    RejectPackageForm,
    ReplaceDraftForm,
    SignedPdfForm,
    put_errors,
    read_upload,
)
from .models import (
    DocumentFile,
    DocumentType,
    ExchangeMessage,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    PendingSignature,
    SigningCredential,
    Urgency,
)
from .verification import VERDICT_SENTENCES

PER_PAGE = 50

# What each action asks for, in the order the forms show them.
OUTGOING_FIELDS: dict[str, tuple[str, ...]] = {
    "submit": (), "approve": ("note",), "send_back": ("reason",), "sign": ("passphrase",),
    "number": (), "issue": (), "recall": ("reason",),
}
INCOMING_FIELDS: dict[str, tuple[str, ...]] = {
    "register": (), "assign": ("assign_form",), "start": (),
    "complete": ("note",), "return": ("reason",),
}
ASSIGN_KEYS = ("lead_unit", "co_units", "deadline", "note")  # shown by the assignment form itself
EVENT_LABELS = {
    **services.ACTION_LABELS,
    "create": gettext_lazy("drafted"),
    "receive": gettext_lazy("received"),
    "sender_recall": gettext_lazy("recalled by the sender"),
    "returned_by_recipient": gettext_lazy("returned by a recipient"),
}
#: The sentence the incoming page says about the signatures checked on arrival.
ARRIVAL_SENTENCES = {
    **VERDICT_SENTENCES,
    "": gettext_lazy("No PDF file came with this document: there was no signature to check."),
}


def _page(request, template: str, context: dict, status: int = 200):
    user = request.user
    context["can_draft"] = can(user, "documents.draft")
    context["can_register"] = can(user, "documents.register")
    context["can_sign"] = can(user, "documents.sign")
    context["confidential_mark"] = queries.CONFIDENTIAL_MARK
    return render(request, template, context, status=status)


def _require_documents_role(user) -> None:
    if not queries.handles_documents(user):
        raise PermissionDenied(_("Your role does not include official documents."))


# --- queues ----------------------------------------------------------------------------------

def queues(request):
    """The official's work queues, with counts: a drafter's drafts, a leader's documents
    to review, sign and assign and the overdue assignments, a clerk's documents to
    number, issue and register, a unit's incoming documents to process.

    /van-ban/ is also in the main navigation for everyone: without a documents role it
    says what this part of the platform does and where anyone verifies a document."""
    if not queries.handles_documents(request.user):
        from chinhquyenso.core.areas import AREA_BY_SLUG

        return _page(request, "documents/overview.html", {"area": AREA_BY_SLUG["van-ban"]})
    today = timezone.localdate()
    available = queries.queues_for(request.user)
    counts = queries.queue_counts(request.user, available, today)
    keys = [q.key for q in available]
    key = request.GET.get("queue", "")
    if key not in keys:  # the first queue with work in it
        key = next((k for k in keys if counts.get(k)), keys[0] if keys else "")
    queue = queries.QUEUE_BY_KEY.get(key)
    page = rows = None
    if queue is not None:
        page = Paginator(queries.queue_documents(request.user, queue, today), PER_PAGE).get_page(
            request.GET.get("page"))
        rows = [(d, queries.days_late(d, today) if queue.kind == "incoming" else 0) for d in page]
    return _page(request, "documents/queues.html", {
        "queues": [(q, counts.get(q.key, 0)) for q in available], "queue": queue, "page": page,
        "rows": rows, "today": today,
    })


# --- registers -------------------------------------------------------------------------------

def _years(model, user) -> list[int]:
    ids = queries.agencies_of(user)
    documents = model.objects.all() if ids is None else model.objects.filter(agency__in=ids)
    years = set(documents.exclude(year=None).values_list("year", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def _register_context(request, kind: str, filters: queries.RegisterFilters, page) -> dict:
    model, states = ((OutgoingDocument, OutgoingState) if kind == "outgoing"
                     else (IncomingDocument, IncomingState))
    query = {k: v for k, v in filters.as_query().items() if v}
    return {
        "kind": kind, "page": page, "filters": filters.as_query(), "query": query,
        "years": _years(model, request.user), "types": DocumentType.objects.filter(is_active=True),
        "states": states.choices, "urgencies": Urgency.choices,
        # The documents behind a number of the indicators' dashboard: said, and cleared.
        "shown": queries.shown_filter(request.user, filters, kind),
        "clear_query": filters.without_number(),
    }


def _register_filters(request, kind: str) -> queries.RegisterFilters:
    if kind == "outgoing":
        return queries.RegisterFilters.from_query(request.GET, OutgoingState.values, Urgency.values,
                                                  queries.OUTGOING_SETS)
    return queries.RegisterFilters.from_query(request.GET, IncomingState.values, Urgency.values,
                                              queries.INCOMING_SETS)


@login_required
def outgoing_register(request):
    """Sổ văn bản đi: the outgoing documents of the official's agency and its offices."""
    _require_documents_role(request.user)
    filters = _register_filters(request, "outgoing")
    documents = queries.outgoing_register(request.user, filters).prefetch_related(
        Prefetch("internal_recipients", queryset=Agency.objects.order_by("name")))
    page = Paginator(documents, PER_PAGE).get_page(request.GET.get("page"))
    return _page(request, "documents/register_outgoing.html",
                  _register_context(request, "outgoing", filters, page))


@login_required
def incoming_register(request):
    """Sổ văn bản đến: the incoming documents of the official's agency and its offices."""
    _require_documents_role(request.user)
    filters = _register_filters(request, "incoming")
    page = Paginator(queries.incoming_register(request.user, filters), PER_PAGE).get_page(
        request.GET.get("page"))
    return _page(request, "documents/register_incoming.html",
                  _register_context(request, "incoming", filters, page))


def _xlsx_response(request, register: str, write, documents, filters: queries.RegisterFilters,
                   name: str) -> FileResponse:
    """Written to a temporary file, then streamed: the rows are read in chunks and the
    workbook never sits whole in the process's memory. The export is logged."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    rows = write(documents, handle)
    exports.record_register_export(actor=request.user, register=register, filters=filters.as_query(), rows=rows)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=exports.XLSX)


@login_required
def outgoing_register_xlsx(request):
    _require_documents_role(request.user)
    filters = _register_filters(request, "outgoing")
    name = f"so-van-ban-di-{filters.year or 'tat-ca'}.xlsx"
    return _xlsx_response(request, "outgoing", exports.write_outgoing_register,
                          queries.outgoing_register(request.user, filters), filters, name)


@login_required
def incoming_register_xlsx(request):
    _require_documents_role(request.user)
    filters = _register_filters(request, "incoming")
    name = f"so-van-ban-den-{filters.year or 'tat-ca'}.xlsx"
    return _xlsx_response(request, "incoming", exports.write_incoming_register,
                          queries.incoming_register(request.user, filters), filters, name)


# --- a new draft -----------------------------------------------------------------------------

def _issuers(user):
    """The agencies the official may draft for: their own and, for an office, its
    People's Committee (as the services decide it)."""
    own = queries.own_agency(user)
    if queries.is_system_admin(user):
        return Agency.objects.filter(is_active=True)
    if own is None:
        return Agency.objects.none()
    ids = [a.pk for a in (own, own.parent) if a is not None
           and can(user, "documents.draft", a.unit)]
    return Agency.objects.filter(pk__in=ids).order_by("parent_id", "name")


@login_required
def new_draft(request):
    if not can(request.user, "documents.draft"):
        raise PermissionDenied(_("Your role does not include drafting documents."))
    issuers = _issuers(request.user)
    home = queries.home_agency(request.user)
    own = queries.own_agency(request.user)
    units = (Agency.objects.filter(pk=home.pk) | Agency.objects.filter(parent=home)
             if home is not None else Agency.objects.filter(is_active=True))
    initial = {"agency": home if home is not None and issuers.filter(pk=home.pk).exists() else issuers.first(),
               "drafting_unit": own}
    form = DraftForm(request.POST or None, request.FILES or None, issuers=issuers,
                     units=units.order_by("parent_id", "name"), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                document = services.create_draft(actor=request.user, **form.service_arguments())
            except ValidationError as error:
                put_errors(form, _on_form(error, {"draft": "file"}))
            except PermissionDenied as error:
                form.add_error(None, str(error))
                status = 403
            else:
                messages.success(request, _("The draft has been saved. Submit it for review when it is ready."))
                return redirect("documents:outgoing", pk=document.pk)
        status = status if status != 200 else 400
    return _page(request, "documents/draft_form.html", {"form": form}, status=status)


def _on_form(error: ValidationError, renamed: dict[str, str]) -> ValidationError:
    """A service's field names as the form's (the service calls the file "draft")."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({renamed.get(k, k): v for k, v in error.error_dict.items()})


# --- document pages --------------------------------------------------------------------------

def _event_label(action: str):
    if action.startswith(queries.RECIPIENT_STATUS):
        return _("status from a recipient: %(status)s") % {
            "status": queries.status_label(action.removeprefix(queries.RECIPIENT_STATUS))}
    return EVENT_LABELS.get(action, action)


def _events(document):
    events = list(document.events.select_related("actor__official"))
    for event in events:
        event.label = _event_label(event.action)
        official = getattr(event.actor, "official", None) if event.actor else None
        event.who = official.full_name if official else (event.actor.get_username() if event.actor else "")
    return events


def _action_forms(actions, fields_of, failed=None, errors=None, values=None) -> list[dict]:
    """One form per action offered; the one that just failed keeps its errors and what
    was typed (never a passphrase)."""
    forms = []
    for action in actions:
        fields = fields_of[action]
        own = (errors or {}) if action == failed else {}
        forms.append({
            "action": action, "label": services.ACTION_LABELS[action], "fields": fields,
            "errors": own, "values": (values or {}) if action == failed else {},
            "other_errors": [m for k, v in own.items() if k not in fields and k not in ASSIGN_KEYS
                             for m in v],
        })
    return forms


def _loose_errors(actions, failed, errors) -> list[str]:
    """Field errors of an action whose form is not shown (any more): in the message."""
    if not errors or failed in actions:
        return []
    return [m for messages_ in errors.values() for m in messages_]


def _visible_outgoing(user):
    return queries.with_readable(queries.visible_outgoing(user), user)


def _visible_incoming(user):
    return queries.with_readable(queries.visible_incoming(user), user)


#: The forms of the outgoing page besides the steps of the flow, by the key a refusal
#: names to show its errors in the right form.
SIGN_UPLOAD, SIGN_PREPARE, SIGN_COMPLETE, REPLACE_DRAFT, EXPORT = (
    "upload_signed", "prepare_signature", "complete_signature", "replace_draft", "export")


#: The digest algorithm of a prepared signature, told by its digest's size in bytes.
DIGEST_BY_SIZE = {32: "sha256", 48: "sha384", 64: "sha512"}


def _signing_panel(request, document: OutgoingDocument, credential, bound: dict) -> dict:
    """What the one who may sign sees: the certificate a signature would use, the two
    ways to sign outside the server (a PDF signed with the token's software, two phases
    on a device) and the signature prepared for their device, while it lasts."""
    pending = queries.open_pending_signature(request.user, document)
    panel = {
        "credential": credential,
        "draft_file": document.files.filter(kind=DocumentFile.Kind.DRAFT).order_by("-created_at", "-pk").first(),
        "upload_form": bound.get(SIGN_UPLOAD) or SignedPdfForm(prefix="signed"),
        "pending": pending,
    }
    if pending is not None:
        certificate = keys.credential_certificate(pending.credential)
        panel.update({
            "digest": base64.b64encode(bytes.fromhex(pending.digest)).decode(),
            "digest_algorithm": DIGEST_BY_SIZE.get(len(pending.digest) // 2, ""),
            "signature_algorithm": signature_algorithm_for(certificate),
            "complete_form": bound.get(SIGN_COMPLETE) or DeviceSignatureForm(prefix="device"),
        })
    return panel


def _outgoing_page(request, document: OutgoingDocument, *, failed=None, errors=None, values=None,
                   message="", status=200, bound: dict | None = None):
    """The outgoing document's page. `bound` holds the form of this page that was just
    refused, with its errors (by the keys above)."""
    user, bound = request.user, bound or {}
    insider = queries.works_for(user, document.agency)
    readable = getattr(document, "readable", True)
    files = document.files.select_related("created_by__official")
    if not insider:
        files = files.exclude(kind=DocumentFile.Kind.DRAFT)
    actions = queries.outgoing_actions(user, document)
    credential = queries.active_personal_credential(user) if "sign" in actions else None
    external = credential is not None and credential.source == SigningCredential.Source.EXTERNAL
    # A key only on the signer's device signs there (below), not with the “sign” step; an
    # external signer the server asks needs no passphrase.
    shown = [a for a in actions if not (a == "sign" and external and not credential.signer_url)]
    fields_of = {**OUTGOING_FIELDS, "sign": ()} if external else OUTGOING_FIELDS
    may_exchange = queries.may_exchange(user, document.agency)
    extra = set()
    context = {
        "document": document, "readable": readable, "files": files if readable else [],
        "events": _events(document), "insider": insider,
        "recipients": document.internal_recipients.order_by("name"),
        "external_recipients": [r for r in document.external_recipients.splitlines() if r.strip()],
        "deliveries": document.deliveries.select_related("agency").order_by("agency__name"),
        "actions": _action_forms(shown, fields_of, failed, errors, values),
        "error_message": message,
    }
    if "sign" in actions:
        context["signing"] = _signing_panel(request, document, credential, bound)
        context["signing"]["with_stored_key"] = "sign" in shown
        extra |= {SIGN_UPLOAD, SIGN_PREPARE, SIGN_COMPLETE}
    if queries.may_replace_draft(user, document):
        context["replace_form"] = bound.get(REPLACE_DRAFT) or ReplaceDraftForm(prefix="replace")
        extra.add(REPLACE_DRAFT)
    if insider:
        context["exchange_messages"] = queries.exchange_messages_of(document)
        context["may_exchange"] = may_exchange
        context["recipient_statuses"] = queries.recipient_statuses(document)
    if document.state == OutgoingState.ISSUED and may_exchange:
        context["export_form"] = bound.get(EXPORT) or ExportForm(prefix="export")
        extra.add(EXPORT)
    context["loose_errors"] = _loose_errors([*shown, *extra], failed, errors)
    return _page(request, "documents/outgoing.html", context, status=status)


def _incoming_page(request, document: IncomingDocument, *, failed=None, errors=None, values=None,
                   message="", status=200, assign_form=None):
    actions = queries.incoming_actions(request.user, document)
    readable = getattr(document, "readable", True)
    context = {
        "document": document, "readable": readable,
        "files": queries.files_of_incoming(document) if readable else [], "events": _events(document),
        "co_units": document.co_units.order_by("name"),
        "days_late": queries.days_late(document),
        "actions": _action_forms(actions, INCOMING_FIELDS, failed, errors, values),
        "error_message": message, "loose_errors": _loose_errors(actions, failed, errors),
        "verdict_sentence": ARRIVAL_SENTENCES.get(document.signature_verdict, ""),
        "exchange_messages": queries.exchange_messages_of(document),
        "may_exchange": queries.may_exchange(request.user, document.agency),
    }
    if "assign" in actions:
        units = Agency.objects.filter(pk=document.agency_id) | Agency.objects.filter(parent=document.agency_id)
        context["assign_form"] = assign_form or AssignForm(
            units=units.order_by("parent_id", "name"), prefix="assign",
            initial={"lead_unit": document.lead_unit_id, "co_units": [u.pk for u in context["co_units"]],
                     "deadline": document.deadline})
    return _page(request, "documents/incoming.html", context, status=status)


@login_required
def outgoing(request, pk: int):
    document = get_object_or_404(_visible_outgoing(request.user), pk=pk)
    return _outgoing_page(request, document)


@login_required
def incoming(request, pk: int):
    document = get_object_or_404(_visible_incoming(request.user), pk=pk)
    return _incoming_page(request, document)


def _failure(error: Exception) -> tuple[int, str, dict]:
    """(HTTP status, message, field errors) for what a service refused."""
    if isinstance(error, TransitionNotAllowed):
        return 409, str(error), {}
    if isinstance(error, PermissionDenied):
        return 403, str(error) or _("You do not have permission to do this."), {}
    if hasattr(error, "error_dict"):
        fields = {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}
        general = fields.pop("__all__", [])
        return 400, " ".join(general) or _("Correct the fields below."), fields
    return 400, " ".join(error.messages), {}


@sensitive_variables("passphrase")
def _run_outgoing(action: str, document_id: int, user, post) -> None:
    common = {"document_id": document_id, "actor": user}
    if action == "submit":
        services.submit_for_review(**common)
    elif action == "approve":
        services.approve_for_signature(**common, note=post.get("note", ""))
    elif action == "send_back":
        services.send_back_for_revision(**common, reason=post.get("reason", ""))
    elif action == "sign":
        credential = queries.active_personal_credential(user)
        if (credential is not None and credential.source == SigningCredential.Source.EXTERNAL
                and not credential.signer_url):
            raise ValidationError({"__all__": [_("The key of your certificate is on your device: "
                                                 "sign on your device or upload the PDF your token signed.")]})
        passphrase = post.get("passphrase", "")
        services.sign_document(**common, passphrase=passphrase)
    elif action == "number":
        services.number_document(**common)
    elif action == "issue":
        services.issue_document(**common)
    elif action == "recall":
        services.recall_document(**common, reason=post.get("reason", ""))


@login_required
@require_POST
@sensitive_post_parameters("passphrase")
def outgoing_act(request, pk: int, action: str):
    document = get_object_or_404(_visible_outgoing(request.user), pk=pk)
    if action not in OUTGOING_FIELDS:
        raise Http404
    try:
        _run_outgoing(action, document.pk, request.user, request.POST)
    except (TransitionNotAllowed, PermissionDenied, ValidationError) as error:
        status, message, fields = _failure(error)
        document.refresh_from_db()
        typed = {k: request.POST.get(k, "") for k in ("note", "reason")}  # never the passphrase
        return _outgoing_page(request, document, failed=action, errors=fields, values=typed,
                              message=message, status=status)
    messages.success(request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS[action]})
    return redirect("documents:outgoing", pk=document.pk)


@login_required
@require_POST
def incoming_act(request, pk: int, action: str):
    document = get_object_or_404(_visible_incoming(request.user), pk=pk)
    if action not in INCOMING_FIELDS:
        raise Http404
    post, common = request.POST, {"document_id": document.pk, "actor": request.user}
    assign_form = None
    try:
        if action == "register":
            services.register_incoming(**common)
        elif action == "assign":
            units = Agency.objects.filter(pk=document.agency_id) | Agency.objects.filter(parent=document.agency_id)
            assign_form = AssignForm(post, units=units.order_by("parent_id", "name"), prefix="assign")
            if not assign_form.is_valid():
                raise ValidationError(assign_form.errors.as_data())
            data = assign_form.cleaned_data
            services.assign_incoming(**common, lead_unit=data["lead_unit"], co_units=list(data["co_units"]),
                                     deadline=data["deadline"], note=data["note"])
        elif action == "start":
            services.start_processing(**common)
        elif action == "complete":
            services.complete_incoming(**common, note=post.get("note", ""))
        elif action == "return":
            services.return_incoming(**common, reason=post.get("reason", ""))
    except (TransitionNotAllowed, PermissionDenied, ValidationError) as error:
        status, message, fields = _failure(error)
        if assign_form is not None and fields and assign_form.is_bound:
            for field, errors in fields.items():
                if field in assign_form.fields and field not in assign_form.errors:
                    assign_form.add_error(field, errors)
        document.refresh_from_db()
        typed = {k: post.get(k, "") for k in ("note", "reason")}
        return _incoming_page(request, document, failed=action, errors=fields, values=typed, message=message,
                              status=status, assign_form=assign_form)
    messages.success(request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS[action]})
    return redirect("documents:incoming", pk=document.pk)


# --- files -----------------------------------------------------------------------------------

@login_required
def download(request, file_id: int):
    """A document's file exactly as stored (checked against its SHA-256): for the
    officials of its agency, and of a recipient agency once it is issued."""
    stored = get_object_or_404(DocumentFile, pk=file_id)
    if not queries.may_download(request.user, stored):
        raise Http404
    try:
        data = read_document_file(stored)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
    response = HttpResponse(data, content_type=stored.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True,
                                                                 filename=stored.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the outgoing page's other forms: the draft, signatures made outside, edXML ---------------

REFUSALS = (TransitionNotAllowed, PermissionDenied, ValidationError)


def _refused_outgoing(request, document: OutgoingDocument, key: str, error: Exception, form=None,
                      renamed: dict[str, str] | None = None):
    """The page again, the refusal in it: field errors on `form` (named as the form
    names them), the rest at the top."""
    status, message, fields = _failure(error)
    if form is not None and fields:
        put_errors(form, ValidationError({(renamed or {}).get(k, k): v for k, v in fields.items()}))
    elif fields:  # a form without fields: its errors are the message
        message = " ".join(m for v in fields.values() for m in v)
    document.refresh_from_db()
    return _outgoing_page(request, document, failed=key, message=message, status=status, bound={key: form})


def _invalid_form(request, document: OutgoingDocument, key: str, form):
    return _outgoing_page(request, document, failed=key, message=_("Correct the fields below."), status=400,
                          bound={key: form})


@login_required
@require_POST
def outgoing_replace_draft(request, pk: int):
    """A new version of the draft file, while the document is a draft."""
    document = get_object_or_404(_visible_outgoing(request.user), pk=pk)
    form = ReplaceDraftForm(request.POST, request.FILES, prefix="replace")
    if not form.is_valid():
        return _invalid_form(request, document, REPLACE_DRAFT, form)
    name, data = read_upload(form.cleaned_data["file"])
    try:
        services.replace_draft(document_id=document.pk, actor=request.user, name=name, data=data)
    except REFUSALS as error:
        return _refused_outgoing(request, document, REPLACE_DRAFT, error, form, {"draft": "file"})
    messages.success(request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS["replace_draft"]})
    return redirect("documents:outgoing", pk=document.pk)


@login_required
@require_POST
def outgoing_upload_signed(request, pk: int):
    """The approved draft signed with the software of the signer's token, uploaded back."""
    document = get_object_or_404(_visible_outgoing(request.user), pk=pk)
    form = SignedPdfForm(request.POST, request.FILES, prefix="signed")
    if not form.is_valid():
        return _invalid_form(request, document, SIGN_UPLOAD, form)
    name, data = read_upload(form.cleaned_data["file"])
    try:
        services.mark_signed(document_id=document.pk, actor=request.user, signed_file_bytes=data, file_name=name)
    except REFUSALS as error:
        return _refused_outgoing(request, document, SIGN_UPLOAD, error, form)
    messages.success(request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS["sign"]})
    return redirect("documents:outgoing", pk=document.pk)


@login_required
@require_POST
def outgoing_prepare_signature(request, pk: int):
    """Phase one of a signature on the signer's device: the page then shows what the
    device signs."""
    document = get_object_or_404(_visible_outgoing(request.user), pk=pk)
    try:
        services.prepare_remote_signature(document_id=document.pk, actor=request.user)
    except REFUSALS as error:
        return _refused_outgoing(request, document, SIGN_PREPARE, error)
    messages.success(request, _("The signature is prepared: sign the digest below on your device, then paste "
                                "its answer."))
    return redirect(reverse("documents:outgoing", kwargs={"pk": document.pk}) + "#sign-on-device")


@login_required
@require_POST
def outgoing_complete_signature(request, pk: int, pending_id: int):
    """Phase two: the signature the device returned, embedded and checked."""
    document = get_object_or_404(_visible_outgoing(request.user), pk=pk)
    pending = get_object_or_404(PendingSignature, pk=pending_id, document=document, created_by=request.user)
    form = DeviceSignatureForm(request.POST, prefix="device")
    if not form.is_valid():
        return _invalid_form(request, document, SIGN_COMPLETE, form)
    try:
        services.complete_remote_signature(pending_id=pending.pk, actor=request.user,
                                           signature=form.cleaned_data["signature"])
    except REFUSALS as error:
        return _refused_outgoing(request, document, SIGN_COMPLETE, error, form)
    messages.success(request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS["sign"]})
    return redirect("documents:outgoing", pk=document.pk)


@login_required
@require_POST
def outgoing_export(request, pk: int):
    """The issued document as an edXML package for a system outside the platform: kept
    in the agency's outbox and downloaded at once."""
    document = get_object_or_404(_visible_outgoing(request.user), pk=pk)
    form = ExportForm(request.POST, prefix="export")
    if not form.is_valid():
        return _invalid_form(request, document, EXPORT, form)
    try:
        message = services.export_edxml(document_id=document.pk, actor=request.user,
                                        recipients=form.cleaned_data["recipients"])
    except REFUSALS as error:
        return _refused_outgoing(request, document, EXPORT, error, form)
    return _exchange_file_response(message, f"{(document.notation or str(document.pk)).replace('/', '-')}.edxml")


# --- signing certificates ----------------------------------------------------------------------

def _official_or_403(user):
    official = getattr(user, "official", None)
    if official is None:
        raise PermissionDenied(_("Signing certificates are for officials."))
    return official


def _certificates_page(request, *, key_form=None, external_form=None, message="", status=200):
    official = _official_or_403(request.user)
    return _page(request, "documents/certificates.html", {
        "official": official, "credentials": queries.personal_credentials(official),
        "key_form": key_form or KeyFileForm(prefix="key"),
        "external_form": external_form or ExternalCertificateForm(prefix="external"),
        "error_message": message, "seal_agencies": queries.register_agencies(request.user).exists(),
    }, status=status)


@login_required
def my_certificates(request):
    """“My signing certificate”: the official's certificates, with a key file to add
    (kept encrypted, opened by its passphrase at each signature) or the certificate of
    a key that stays on a token or a phone."""
    return _certificates_page(request)


def _key_file_passphrase_error(fields: dict) -> dict:
    """A key file that does not open is most often a mistyped passphrase: said there."""
    if "pkcs12" in fields:
        fields = {**fields, "passphrase": fields.pop("pkcs12")}
    return fields


@login_required
@require_POST
@sensitive_post_parameters("key-passphrase")
@sensitive_variables("passphrase", "data")
def my_certificate_add_key(request):
    official = _official_or_403(request.user)
    form = KeyFileForm(request.POST, request.FILES, prefix="key")
    if form.is_valid():
        passphrase = form.cleaned_data["passphrase"]
        _name, data = read_upload(form.cleaned_data["pkcs12"])
        try:
            credential = services.add_signing_credential(actor=request.user, official=official, pkcs12=data,
                                                         passphrase=passphrase)
        except REFUSALS as error:
            status, message, fields = _failure(error)
            put_errors(form, ValidationError(_key_file_passphrase_error(fields) or {"__all__": [message]}))
            return _certificates_page(request, key_form=form, message=message, status=status)
        messages.success(request, _("Your signing certificate is registered: %(subject)s.")
                         % {"subject": credential.subject})
        return redirect("documents:my_certificates")
    return _certificates_page(request, key_form=form, message=_("Correct the fields below."), status=400)


@login_required
@require_POST
def my_certificate_add_external(request):
    official = _official_or_403(request.user)
    form = ExternalCertificateForm(request.POST, request.FILES, prefix="external")
    if form.is_valid():
        chain = form.cleaned_data["chain"]
        try:
            credential = services.add_external_credential(
                actor=request.user, official=official, certificate=read_upload(form.cleaned_data["certificate"])[1],
                chain=read_upload(chain)[1] if chain else b"", signer_url=form.cleaned_data["signer_url"].strip())
        except REFUSALS as error:
            status, message, fields = _failure(error)
            put_errors(form, ValidationError(fields or {"__all__": [message]}))
            return _certificates_page(request, external_form=form, message=message, status=status)
        messages.success(request, _("Your signing certificate is registered: %(subject)s.")
                         % {"subject": credential.subject})
        return redirect("documents:my_certificates")
    return _certificates_page(request, external_form=form, message=_("Correct the fields below."), status=400)


@login_required
@require_POST
def certificate_withdraw(request, pk: int):
    """Withdraw one's own certificate, or a seal of an agency whose registers one keeps."""
    credential = get_object_or_404(SigningCredential.objects.select_related("agency"), pk=pk)
    official = getattr(request.user, "official", None)
    if credential.agency_id is not None:
        if not queries.register_agencies(request.user).filter(pk=credential.agency_id).exists():
            raise Http404
        back = redirect("documents:agency_seals", agency_id=credential.agency_id)
    elif queries.is_system_admin(request.user) or (official is not None and credential.official_id == official.pk):
        back = redirect("documents:my_certificates")
    else:
        raise Http404
    try:
        services.withdraw_credential(credential_id=credential.pk, actor=request.user)
    except REFUSALS as error:
        _status, message, _fields = _failure(error)
        messages.error(request, message)
        return back
    messages.success(request, _("The certificate %(subject)s is withdrawn: it signs nothing any more.")
                     % {"subject": credential.subject})
    return back


@login_required
def seals(request):
    """The agencies whose seal certificates the official manages: a clerk's own, every
    agency for the IT department."""
    agencies = list(queries.register_agencies(request.user))
    if not agencies:
        raise PermissionDenied(_("Only the agency's clerks and the IT department manage its seal."))
    if len(agencies) == 1:
        return redirect("documents:agency_seals", agency_id=agencies[0].pk)
    now = timezone.now()
    sealed = set(SigningCredential.objects.filter(agency__in=agencies, is_active=True, not_before__lte=now,
                                                  not_after__gte=now).values_list("agency_id", flat=True))
    return _page(request, "documents/seals.html", {"agencies": [(a, a.pk in sealed) for a in agencies]})


@login_required
@sensitive_post_parameters("key-passphrase")
@sensitive_variables("passphrase", "data")
def agency_seals(request, agency_id: int):
    """An agency's seal certificates: the platform applies the one in use when the clerk
    numbers a document. A new key file replaces the one in use."""
    agency = get_object_or_404(Agency, pk=agency_id)
    if not queries.register_agencies(request.user).filter(pk=agency.pk).exists():
        raise PermissionDenied(_("Only the agency's clerks and the IT department manage its seal."))
    form = KeyFileForm(request.POST or None, request.FILES or None, prefix="key")
    status, message = 200, ""
    if request.method == "POST":
        if form.is_valid():
            passphrase = form.cleaned_data["passphrase"]
            _name, data = read_upload(form.cleaned_data["pkcs12"])
            try:
                credential = services.add_signing_credential(actor=request.user, agency=agency, pkcs12=data,
                                                             passphrase=passphrase)
            except REFUSALS as error:
                status, message, fields = _failure(error)
                put_errors(form, ValidationError(_key_file_passphrase_error(fields) or {"__all__": [message]}))
            else:
                messages.success(request, _("The seal certificate of %(agency)s is registered: %(subject)s.")
                                 % {"agency": agency.name, "subject": credential.subject})
                return redirect("documents:agency_seals", agency_id=agency.pk)
        else:
            status, message = 400, _("Correct the fields below.")
    return _page(request, "documents/agency_seals.html", {
        "agency": agency, "credentials": queries.seal_credentials(agency), "key_form": form,
        "error_message": message,
    }, status=status)


# --- the clerk's pages: paper documents, edXML packages, the exchange outbox -------------------------

def _register_agencies_or_403(user):
    agencies = queries.register_agencies(user)
    if not agencies.exists():
        raise PermissionDenied(_("Only clerks record incoming documents."))
    return agencies


def _initial_agency(user, agencies):
    home = queries.home_agency(user)
    return home if home is not None and agencies.filter(pk=home.pk).exists() else agencies.first()


@login_required
def paper_new(request):
    """Record a document that came on paper, with its scan."""
    agencies = _register_agencies_or_403(request.user)
    form = PaperDocumentForm(request.POST or None, request.FILES or None, agencies=agencies,
                             initial={"agency": _initial_agency(request.user, agencies)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                document = services.receive_external(actor=request.user, **form.service_arguments())
            except REFUSALS as error:
                status, message, fields = _failure(error)
                put_errors(form, ValidationError(fields or {"__all__": [message]}))
            else:
                messages.success(request, _("The document is recorded: register it to give it its incoming number."))
                return redirect("documents:incoming", pk=document.pk)
    return _page(request, "documents/paper_form.html", {"form": form}, status=status)


def _rejectable(agency: Agency, data: bytes) -> bool:
    """Can the sender be answered with a rejection? Its header must be readable, and a
    package already received is not rejected."""
    try:
        package = edxml.parse_package(data, require_digest=False)
    except edxml.EdxmlError:
        return False
    return not IncomingDocument.objects.filter(agency=agency, external_id=package.document_id).exists()


def _package_page(request, agencies, *, form=None, reject_form=None, message="", status=200):
    initial = {"agency": _initial_agency(request.user, agencies)}
    return _page(request, "documents/package_form.html", {
        "form": form or ExchangeFileForm(agencies=agencies, prefix="package", initial=initial),
        "reject_form": reject_form, "error_message": message,
    }, status=status)


@login_required
def package_receive(request):
    """Receive an edXML package from another system: checked whole before anything is
    kept; when it is refused, the sender can be answered with a rejection."""
    agencies = _register_agencies_or_403(request.user)
    if request.method != "POST":
        return _package_page(request, agencies)
    form = ExchangeFileForm(request.POST, request.FILES, agencies=agencies, prefix="package")
    if not form.is_valid():
        return _package_page(request, agencies, form=form, message=_("Correct the fields below."), status=400)
    agency = form.cleaned_data["agency"]
    _name, data = read_upload(form.cleaned_data["file"])
    try:
        document = services.import_edxml(agency=agency, actor=request.user, data=data)
    except REFUSALS as error:
        status, message, fields = _failure(error)
        put_errors(form, ValidationError(fields or {"__all__": [message]}))
        reject_form = None
        if status == 400 and _rejectable(agency, data):
            reject_form = RejectPackageForm(agencies=agencies, prefix="reject", initial={"agency": agency})
        return _package_page(request, agencies, form=form, reject_form=reject_form,
                             message=_("The package was not received: %(reason)s")
                             % {"reason": " ".join(m for v in fields.values() for m in v) or message},
                             status=status)
    messages.success(request, _("The document is received; the sender is told it arrived."))
    return redirect("documents:incoming", pk=document.pk)


@login_required
@require_POST
def package_reject(request):
    """Answer a package that cannot be received with a “rejected” status for its sender."""
    agencies = _register_agencies_or_403(request.user)
    reject_form = RejectPackageForm(request.POST, request.FILES, agencies=agencies, prefix="reject")
    if not reject_form.is_valid():
        return _package_page(request, agencies, reject_form=reject_form,
                             message=_("Correct the fields below."), status=400)
    _name, data = read_upload(reject_form.cleaned_data["file"])
    try:
        services.reject_edxml(agency=reject_form.cleaned_data["agency"], actor=request.user, data=data,
                              reason=reject_form.cleaned_data["reason"])
    except REFUSALS as error:
        status, message, fields = _failure(error)
        put_errors(reject_form, ValidationError(fields or {"__all__": [message]}))
        return _package_page(request, agencies, reject_form=reject_form, message=message, status=status)
    messages.success(request, _("The rejection is in the exchange outbox, to be sent to the sender."))
    return redirect("documents:outbox")


def _outbox_page(request, agencies, *, status_form=None, message="", status=200):
    include_sent = request.GET.get("da-gui") == "1"
    page = Paginator(queries.outbox(request.user, include_sent=include_sent), PER_PAGE).get_page(
        request.GET.get("page"))
    page.object_list = queries.with_status_labels(page.object_list)
    return _page(request, "documents/outbox.html", {
        "page": page, "include_sent": include_sent, "query": {"da-gui": "1"} if include_sent else {},
        "status_form": status_form or ExchangeFileForm(
            agencies=agencies, prefix="status", initial={"agency": _initial_agency(request.user, agencies)}),
        "error_message": message,
    }, status=status)


@login_required
def outbox(request):
    """The exchange outbox: the packages and status messages waiting for the exchange,
    to download and mark as sent; and status messages received from recipients."""
    return _outbox_page(request, _register_agencies_or_403(request.user))


@login_required
@require_POST
def outbox_mark_sent(request):
    _register_agencies_or_403(request.user)
    ids = [int(v) for v in request.POST.getlist("message") if v.isdigit()]
    if not ids:
        messages.error(request, _("Tick the files the exchange has fetched."))
        return redirect("documents:outbox")
    try:
        marked = services.mark_outbox_sent(message_ids=ids, actor=request.user)
    except REFUSALS as error:
        _status, message, _fields = _failure(error)
        messages.error(request, message)
        return redirect("documents:outbox")
    messages.success(request, _("%(count)s file(s) marked as sent.") % {"count": marked})
    return redirect("documents:outbox")


@login_required
@require_POST
def status_upload(request):
    """A status message a recipient outside the platform sent about a document of ours:
    it shows in the document's history."""
    agencies = _register_agencies_or_403(request.user)
    form = ExchangeFileForm(request.POST, request.FILES, agencies=agencies, prefix="status")
    if not form.is_valid():
        return _outbox_page(request, agencies, status_form=form, message=_("Correct the fields below."), status=400)
    _name, data = read_upload(form.cleaned_data["file"])
    try:
        message = services.import_status(agency=form.cleaned_data["agency"], actor=request.user, data=data)
    except REFUSALS as error:
        status, text, fields = _failure(error)
        put_errors(form, ValidationError(fields or {"__all__": [text]}))
        return _outbox_page(request, agencies, status_form=form, message=text, status=status)
    messages.success(request, _("The recipient's status is recorded: %(status)s.")
                     % {"status": edxml.Status(message.status_code).label})
    return redirect("documents:outgoing", pk=message.outgoing_id)


def _exchange_file_response(message: ExchangeMessage, name: str) -> HttpResponse:
    response = HttpResponse(services.read_message(message), content_type="application/xml")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def exchange_file(request, message_id: int):
    """One exchange file, byte for byte, for the clerks of its agency."""
    message = queries.exchange_message_for(request.user, message_id)
    if message is None:
        raise Http404
    try:
        return _exchange_file_response(message, f"{message.kind}-{message.pk}.edxml")
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
