"""Officials' pages for official documents: the work queues by role, the outgoing and
incoming registers (with their Excel exports), a new draft, the document pages with the
actions an official may take now, and file downloads.

Pages are thin: reads come from queries.py, every change goes through services.py, and
the services have the last word — a step the state does not allow answers 409, a
missing right 403, bad input the field errors, each shown in the page.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from chinhquyenso.org.models import Agency
from chinhquyenso.org.permissions import can

from . import exports, queries, services
from .errors import TransitionNotAllowed
from .files import read_document_file
from .forms import AssignForm, DraftForm, put_errors
from .models import (
    DocumentFile,
    DocumentType,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    Urgency,
)

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


def _page(request, template: str, context: dict, status: int = 200):
    context["can_draft"] = can(request.user, "documents.draft")
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
    }


@login_required
def outgoing_register(request):
    """Sổ văn bản đi: the outgoing documents of the official's agency and its offices."""
    _require_documents_role(request.user)
    filters = queries.RegisterFilters.from_query(request.GET, OutgoingState.values, Urgency.values)
    documents = queries.outgoing_register(request.user, filters).prefetch_related(
        Prefetch("internal_recipients", queryset=Agency.objects.order_by("name")))
    page = Paginator(documents, PER_PAGE).get_page(request.GET.get("page"))
    return _page(request, "documents/register_outgoing.html",
                  _register_context(request, "outgoing", filters, page))


@login_required
def incoming_register(request):
    """Sổ văn bản đến: the incoming documents of the official's agency and its offices."""
    _require_documents_role(request.user)
    filters = queries.RegisterFilters.from_query(request.GET, IncomingState.values, Urgency.values)
    page = Paginator(queries.incoming_register(request.user, filters), PER_PAGE).get_page(
        request.GET.get("page"))
    return _page(request, "documents/register_incoming.html",
                  _register_context(request, "incoming", filters, page))


def _xlsx_response(write, documents, name: str) -> FileResponse:
    """Written to a temporary file, then streamed: the rows are read in chunks and the
    workbook never sits whole in the process's memory."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    write(documents, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=exports.XLSX)


@login_required
def outgoing_register_xlsx(request):
    _require_documents_role(request.user)
    filters = queries.RegisterFilters.from_query(request.GET, OutgoingState.values, Urgency.values)
    name = f"so-van-ban-di-{filters.year or 'tat-ca'}.xlsx"
    return _xlsx_response(exports.write_outgoing_register,
                          queries.outgoing_register(request.user, filters), name)


@login_required
def incoming_register_xlsx(request):
    _require_documents_role(request.user)
    filters = queries.RegisterFilters.from_query(request.GET, IncomingState.values, Urgency.values)
    name = f"so-van-ban-den-{filters.year or 'tat-ca'}.xlsx"
    return _xlsx_response(exports.write_incoming_register,
                          queries.incoming_register(request.user, filters), name)


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

def _events(document):
    events = list(document.events.select_related("actor__official"))
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
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


def _outgoing_page(request, document: OutgoingDocument, *, failed=None, errors=None, values=None,
                   message="", status=200):
    insider = queries.works_for(request.user, document.agency)
    files = document.files.select_related("created_by__official")
    if not insider:
        files = files.exclude(kind=DocumentFile.Kind.DRAFT)
    actions = queries.outgoing_actions(request.user, document)
    return _page(request, "documents/outgoing.html", {
        "document": document, "files": files, "events": _events(document), "insider": insider,
        "recipients": document.internal_recipients.order_by("name"),
        "external_recipients": [r for r in document.external_recipients.splitlines() if r.strip()],
        "deliveries": document.deliveries.select_related("agency").order_by("agency__name"),
        "actions": _action_forms(actions, OUTGOING_FIELDS, failed, errors, values),
        "error_message": message, "loose_errors": _loose_errors(actions, failed, errors),
    }, status=status)


def _incoming_page(request, document: IncomingDocument, *, failed=None, errors=None, values=None,
                   message="", status=200, assign_form=None):
    actions = queries.incoming_actions(request.user, document)
    context = {
        "document": document, "files": queries.files_of_incoming(document), "events": _events(document),
        "co_units": document.co_units.order_by("name"),
        "days_late": queries.days_late(document),
        "actions": _action_forms(actions, INCOMING_FIELDS, failed, errors, values),
        "error_message": message, "loose_errors": _loose_errors(actions, failed, errors),
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
    document = get_object_or_404(queries.visible_outgoing(request.user), pk=pk)
    return _outgoing_page(request, document)


@login_required
def incoming(request, pk: int):
    document = get_object_or_404(queries.visible_incoming(request.user), pk=pk)
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
    document = get_object_or_404(queries.visible_outgoing(request.user), pk=pk)
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
    document = get_object_or_404(queries.visible_incoming(request.user), pk=pk)
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
