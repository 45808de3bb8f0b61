"""Officials' API for official documents under /api/v1/documents/: registers, each step of
the outgoing and incoming flows, signing (in one step with a key held by the server, or
in two phases with a token or phone), edXML exchange and search.

The services are the judges: a step the state does not allow answers 409, one the role
or scope does not allow 403, bad input 400 with the fields' errors (see chinhquyenso.api).
A document outside the caller's agencies answers 404, like one that does not exist.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from chinhquyenso.org.models import Agency

from . import queries, services
from .files import read_document_file
from .models import DocumentFile, DocumentType, ExchangeMessage, IncomingDocument, OutgoingDocument
from .search import KINDS, MAX_LIMIT

router = Router(tags=["documents"], auth=django_auth)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class FileOut(Schema):
    id: int
    kind: str
    original_name: str
    size: int
    sha256: str
    created_at: datetime


class EventOut(Schema):
    at: datetime
    action: str
    from_state: str
    to_state: str
    note: str


class OutgoingOut(Schema):
    id: int
    agency: str
    drafting_unit: str | None
    document_type: str
    notation: str
    number: int | None
    issued_on: date | None
    subject: str
    state: str
    urgency: str
    confidentiality: str
    signer_name: str
    signer_capacity: str
    signer_position: str
    deadline: date | None
    recipients: list[str]


class OutgoingDetailOut(OutgoingOut):
    files: list[FileOut]
    events: list[EventOut]


class IncomingOut(Schema):
    id: int
    agency: str
    channel: str
    incoming_number: int | None
    year: int | None
    received_at: datetime
    sender: str
    original_notation: str
    original_date: date | None
    subject: str
    state: str
    lead_unit: str | None
    co_units: list[str]
    deadline: date | None
    signature_verdict: str


class IncomingDetailOut(IncomingOut):
    files: list[FileOut]
    events: list[EventOut]


def outgoing_out(document: OutgoingDocument, *, detail: bool = False) -> dict:
    readable = getattr(document, "readable", True)
    body = {
        "id": document.pk, "agency": document.agency.code,
        "drafting_unit": document.drafting_unit.code if document.drafting_unit_id else None,
        "document_type": document.document_type.code, "notation": document.notation, "number": document.number,
        "issued_on": document.issued_on, "subject": document.subject if readable else queries.CONFIDENTIAL_MARK,
        "state": document.state, "urgency": document.urgency, "confidentiality": document.confidentiality,
        "signer_name": document.signer_name, "signer_capacity": document.signer_capacity,
        "signer_position": document.signer_position, "deadline": document.deadline,
        "recipients": [a.code for a in document.internal_recipients.all()],
    }
    if detail:
        body["files"] = list(document.files.all()) if readable else []
        body["events"] = _events(document, readable)
    return body


def _events(document, readable: bool) -> list:
    """A confidential document's history without its notes for those who may not read it."""
    events = list(document.events.all())
    if not readable:
        for event in events:
            event.note = ""
    return events


def incoming_out(document: IncomingDocument, *, detail: bool = False) -> dict:
    readable = getattr(document, "readable", True)
    body = {
        "id": document.pk, "agency": document.agency.code, "channel": document.channel,
        "incoming_number": document.incoming_number, "year": document.year, "received_at": document.received_at,
        "sender": document.sender_name, "original_notation": document.original_notation,
        "original_date": document.original_date,
        "subject": document.subject if readable else queries.CONFIDENTIAL_MARK, "state": document.state,
        "lead_unit": document.lead_unit.code if document.lead_unit_id else None,
        "co_units": [a.code for a in document.co_units.all()], "deadline": document.deadline,
        "signature_verdict": document.signature_verdict,
    }
    if detail:
        body["files"] = queries.files_of_incoming(document) if readable else []
        body["events"] = _events(document, readable)
    return body


def _outgoing(request, document_id: int) -> OutgoingDocument:
    return get_object_or_404(queries.with_readable(queries.visible_outgoing(request.user), request.user),
                             pk=document_id)


def _incoming(request, document_id: int) -> IncomingDocument:
    return get_object_or_404(queries.with_readable(queries.visible_incoming(request.user), request.user),
                             pk=document_id)


def _page(limit: int, offset: int) -> slice:
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    return slice(offset, offset + limit)


# --- outgoing ----------------------------------------------------------------------------------

FROM_DAY = Query(None, alias="from")  # `from` is a Python keyword
TO_DAY = Query(None, alias="to")


def _behind_number(documents, kind: str, set_name: str, unit: int | None, start: date | None, end: date | None):
    """The dashboard's filters, as the registers apply them (documents.queries.behind_number):
    a set of documents the indicators count, a unit (with the units below it and merged
    into it), local days on the set's moment (issue, registration or completion)."""
    sets = queries.OUTGOING_SETS if kind == "outgoing" else queries.INCOMING_SETS
    if set_name and set_name not in sets:
        raise HttpError(400, _("Unknown set of documents; known: %(sets)s.") % {"sets": ", ".join(sets)})
    if start and end and end < start:
        raise HttpError(400, _("The period ends before it starts."))
    filters = queries.RegisterFilters(start=start, end=end, unit_id=unit, set_name=set_name)
    return queries.behind_number(documents, filters, kind) if filters.behind_a_number else documents


@router.get("outgoing", response={200: list[OutgoingOut], 400: ErrorOut}, summary="Outgoing documents the caller sees",
            description="`set` (issued, issued_signed), `unit` (an administrative unit's id) and `from`/`to` "
                        "(local days, on the moment of the set; without a set, of issue) select the documents "
                        "behind a number of the indicators' dashboard.")
def list_outgoing(request, state: str = "", year: int | None = None, type: str = "",  # noqa: A002
                  limit: int = 100, offset: int = 0, set: str = "", unit: int | None = None,  # noqa: A002
                  start: date | None = FROM_DAY, end: date | None = TO_DAY):
    documents = queries.with_readable(queries.visible_outgoing(request.user), request.user).prefetch_related(
        "internal_recipients")
    documents = _behind_number(documents, "outgoing", set, unit, start, end)
    if state:
        documents = documents.filter(state=state)
    if year:
        documents = documents.filter(year=year)
    if type:
        documents = documents.filter(document_type__code=type)
    return [outgoing_out(d) for d in documents.order_by("-created_at", "-pk")[_page(limit, offset)]]


@router.get("outgoing/{document_id}", response={200: OutgoingDetailOut, 401: ErrorOut, 404: ErrorOut},
            summary="One outgoing document with its files and history")
def outgoing_detail(request, document_id: int):
    return outgoing_out(_outgoing(request, document_id), detail=True)


@router.post("outgoing", response={201: OutgoingOut, **ERRORS},
             summary="Start a draft (multipart: agency, document_type, subject, drafting_unit, "
                     "recipients (agency codes, repeated), urgency, confidentiality, deadline, "
                     "signer_capacity, signer_position, is_legal_normative; the PDF as `draft`)")
def create_outgoing(request):
    data = request.POST
    agency = get_object_or_404(Agency, code=data.get("agency", ""), is_active=True)
    document_type = get_object_or_404(DocumentType, code=data.get("document_type", ""))
    drafting_unit = (get_object_or_404(Agency, code=data["drafting_unit"]) if data.get("drafting_unit")
                     else None)
    recipients = list(Agency.objects.filter(code__in=data.getlist("recipients"), is_active=True))
    upload = request.FILES.get("draft")
    try:
        deadline = date.fromisoformat(data["deadline"]) if data.get("deadline") else None
    except ValueError:
        return Status(400, {"detail": _("Please correct the errors."),
                            "errors": {"deadline": [_("Enter a date as YYYY-MM-DD.")]}})
    document = services.create_draft(
        agency=agency, actor=request.user, document_type=document_type, subject=data.get("subject", ""),
        drafting_unit=drafting_unit, is_legal_normative=data.get("is_legal_normative") in ("1", "true", "on"),
        urgency=data.get("urgency") or "thuong", confidentiality=data.get("confidentiality") or "thuong",
        place=data.get("place", ""), signer_capacity=data.get("signer_capacity", ""),
        signer_position=data.get("signer_position", ""), internal_recipients=recipients,
        external_recipients=data.get("external_recipients", ""), deadline=deadline,
        draft=(upload.name, upload.read()) if upload is not None else None)
    return Status(201, outgoing_out(document))


class StepIn(Schema):
    reason: str = ""
    note: str = ""
    passphrase: str = ""


OUTGOING_STEPS = {
    "submit": lambda pk, u, b: services.submit_for_review(document_id=pk, actor=u),
    "send_back": lambda pk, u, b: services.send_back_for_revision(document_id=pk, actor=u, reason=b.reason),
    "approve": lambda pk, u, b: services.approve_for_signature(document_id=pk, actor=u, note=b.note),
    "sign": lambda pk, u, b: services.sign_document(document_id=pk, actor=u, passphrase=b.passphrase),
    "number": lambda pk, u, b: services.number_document(document_id=pk, actor=u),
    "issue": lambda pk, u, b: services.issue_document(document_id=pk, actor=u),
    "recall": lambda pk, u, b: services.recall_document(document_id=pk, actor=u, reason=b.reason),
}


@router.post("outgoing/{document_id}/actions/{action}", response={200: OutgoingOut, **ERRORS},
             summary="A step of the outgoing flow: submit, send_back, approve, sign (with the key's "
                     "passphrase), number (applies the agency's seal), issue, recall")
def outgoing_step(request, document_id: int, action: str, body: StepIn):
    document = _outgoing(request, document_id)
    try:
        step = OUTGOING_STEPS[action]
    except KeyError as exc:
        raise HttpError(404, _("Unknown action %(action)s.") % {"action": action}) from exc
    return outgoing_out(step(document.pk, request.user, body))


@router.post("outgoing/{document_id}/draft", response={200: OutgoingOut, **ERRORS},
             summary="Replace the draft file while the document is a draft (multipart field `draft`)")
def replace_draft(request, document_id: int):
    document = _outgoing(request, document_id)
    upload = request.FILES.get("draft")
    if upload is None:
        return Status(400, {"detail": _("Choose the draft file."), "errors": {"draft": [_("Choose the draft file.")]}})
    return outgoing_out(services.replace_draft(document_id=document.pk, actor=request.user, name=upload.name,
                                               data=upload.read()))


class PreparedOut(Schema):
    pending_id: int
    digest: str
    digest_algorithm: str
    signature_algorithm: str
    certificate: str
    expires_at: datetime


@router.post("outgoing/{document_id}/signature", response={201: PreparedOut, **ERRORS},
             summary="Phase one of a signature on the signer's device: what the device signs")
def prepare_signature(request, document_id: int):
    from .signing import PreparedSignature

    document = _outgoing(request, document_id)
    pending = services.prepare_remote_signature(document_id=document.pk, actor=request.user)
    prepared = PreparedSignature.from_dict(pending.prepared)
    return Status(201, {"pending_id": pending.pk, "digest": base64.b64encode(prepared.digest_to_sign).decode(),
                        "digest_algorithm": prepared.md_algorithm,
                        "signature_algorithm": prepared.signature_algorithm,
                        "certificate": base64.b64encode(prepared.certificate).decode(),
                        "expires_at": pending.expires_at})


class SignatureIn(Schema):
    signature: str


@router.post("signatures/{pending_id}", response={200: OutgoingOut, **ERRORS},
             summary="Phase two: the signature of the digest (base64; raw, or a CMS from a "
                     "remote-signing service)")
def complete_signature(request, pending_id: int, body: SignatureIn):
    try:
        signature = base64.b64decode(body.signature, validate=True)
    except (binascii.Error, ValueError):
        return Status(400, {"detail": _("The signature must be base64."),
                            "errors": {"signature": [_("The signature must be base64.")]}})
    from .models import PendingSignature

    pending = get_object_or_404(PendingSignature, pk=pending_id, created_by=request.user)
    document = services.complete_remote_signature(pending_id=pending.pk, actor=request.user, signature=signature)
    return outgoing_out(document)


@router.post("outgoing/{document_id}/edxml", response={201: None, **ERRORS},
             summary="Package an issued document as edXML for another system; answers the file")
def export_edxml(request, document_id: int):
    document = _outgoing(request, document_id)
    message = services.export_edxml(document_id=document.pk, actor=request.user)
    return _xml_response(message, status=201)


# --- incoming ----------------------------------------------------------------------------------

@router.get("incoming", response={200: list[IncomingOut], 400: ErrorOut},
            summary="Incoming documents of the caller's agencies",
            description="`set` (registered, handled, completed, completed_on_time), `unit` and `from`/`to` "
                        "select the documents behind a number of the indicators' dashboard, as for outgoing "
                        "documents (without a set, the days are those of registration).")
def list_incoming(request, state: str = "", year: int | None = None, limit: int = 100, offset: int = 0,
                  set: str = "", unit: int | None = None,  # noqa: A002
                  start: date | None = FROM_DAY, end: date | None = TO_DAY):
    documents = queries.with_readable(queries.visible_incoming(request.user), request.user).prefetch_related(
        "co_units")
    documents = _behind_number(documents, "incoming", set, unit, start, end)
    if state:
        documents = documents.filter(state=state)
    if year:
        documents = documents.filter(year=year)
    return [incoming_out(d) for d in documents.order_by("-received_at", "-pk")[_page(limit, offset)]]


@router.get("incoming/{document_id}", response={200: IncomingDetailOut, 401: ErrorOut, 404: ErrorOut},
            summary="One incoming document with its files and history")
def incoming_detail(request, document_id: int):
    return incoming_out(_incoming(request, document_id), detail=True)


class AssignIn(Schema):
    lead_unit: str
    co_units: list[str] = []
    deadline: date | None = None
    note: str = ""


@router.post("incoming/{document_id}/assign", response={200: IncomingOut, **ERRORS},
             summary="The leader names the lead unit, co-operating units and the deadline")
def assign(request, document_id: int, body: AssignIn):
    document = _incoming(request, document_id)
    lead = get_object_or_404(Agency, code=body.lead_unit)
    co_units = list(Agency.objects.filter(code__in=body.co_units))
    return incoming_out(services.assign_incoming(document_id=document.pk, actor=request.user, lead_unit=lead,
                                                 co_units=co_units, deadline=body.deadline, note=body.note))


INCOMING_STEPS = {
    "register": lambda pk, u, b: services.register_incoming(document_id=pk, actor=u),
    "start": lambda pk, u, b: services.start_processing(document_id=pk, actor=u),
    "complete": lambda pk, u, b: services.complete_incoming(document_id=pk, actor=u, note=b.note),
    "return": lambda pk, u, b: services.return_incoming(document_id=pk, actor=u, reason=b.reason),
}


@router.post("incoming/{document_id}/actions/{action}", response={200: IncomingOut, **ERRORS},
             summary="A step of the incoming flow: register, start, complete, return (with reason)")
def incoming_step(request, document_id: int, action: str, body: StepIn):
    document = _incoming(request, document_id)
    try:
        step = INCOMING_STEPS[action]
    except KeyError as exc:
        raise HttpError(404, _("Unknown action %(action)s.") % {"action": action}) from exc
    return incoming_out(step(document.pk, request.user, body))


def _acting_agency(request, code: str) -> Agency:
    agency = get_object_or_404(Agency, code=code, is_active=True)
    agencies = queries.agencies_of(request.user)
    if agencies is not None and agency.pk not in {a.pk for a in agencies}:
        raise HttpError(404, _("Not found."))
    return agency


@router.post("exchange/packages", response={201: IncomingOut, **ERRORS},
             summary="Receive an edXML package (multipart: `agency` code, `file`); refused whole "
                     "with the reason when it is malformed, misdirected or its attachments do not match")
def import_edxml(request):
    agency = _acting_agency(request, request.POST.get("agency", ""))
    upload = request.FILES.get("file")
    if upload is None:
        return Status(400, {"detail": _("Choose the edXML file."), "errors": {"file": [_("Choose the edXML file.")]}})
    return Status(201, incoming_out(services.import_edxml(agency=agency, actor=request.user, data=upload.read())))


class MessageOut(Schema):
    id: int
    agency: str
    direction: str
    kind: str
    document_ref: str
    counterpart: str
    status_code: str
    created_at: datetime
    sent_at: datetime | None


def message_out(message: ExchangeMessage) -> dict:
    return {"id": message.pk, "agency": message.agency.code, "direction": message.direction,
            "kind": message.kind, "document_ref": message.document_ref, "counterpart": message.counterpart,
            "status_code": message.status_code, "created_at": message.created_at, "sent_at": message.sent_at}


@router.post("exchange/status", response={201: MessageOut, **ERRORS},
             summary="A status message about a document the agency sent (multipart: `agency`, `file`)")
def import_status(request):
    agency = _acting_agency(request, request.POST.get("agency", ""))
    upload = request.FILES.get("file")
    if upload is None:
        return Status(400, {"detail": _("Choose the edXML file."), "errors": {"file": [_("Choose the edXML file.")]}})
    return Status(201, message_out(services.import_status(agency=agency, actor=request.user, data=upload.read())))


@router.get("exchange/outbox", response=list[MessageOut],
            summary="edXML files waiting to be sent (packages and status messages)")
def outbox(request, include_sent: bool = False, limit: int = 100):
    ids = queries.acting_agency_ids(request.user, "documents.register")
    messages = ExchangeMessage.objects.select_related("agency").filter(direction=ExchangeMessage.Direction.OUT)
    if ids is not None:
        messages = messages.filter(agency__in=ids)
    if not include_sent:
        messages = messages.filter(sent_at__isnull=True)
    return [message_out(m) for m in messages.order_by("created_at", "pk")[: max(1, min(limit, 500))]]


def _xml_response(message: ExchangeMessage, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(services.read_message(message), content_type="application/xml", status=status)
    response["Content-Disposition"] = f'attachment; filename="{message.kind}-{message.pk}.edxml"'
    response["X-Message-Id"] = str(message.pk)
    return response


@router.get("exchange/messages/{message_id}", response={200: None, 401: ErrorOut, 404: ErrorOut},
            summary="The file of one exchange message")
def message_file(request, message_id: int):
    ids = queries.acting_agency_ids(request.user, "documents.register")
    message = get_object_or_404(ExchangeMessage.objects.filter(**({} if ids is None else {"agency__in": ids})),
                                pk=message_id)
    return _xml_response(message)


class SentIn(Schema):
    ids: list[int]


class SentOut(Schema):
    marked: int


@router.post("exchange/outbox/sent", response={200: SentOut, **ERRORS},
             summary="Mark outbox files as fetched by the exchange")
def mark_sent(request, body: SentIn):
    return {"marked": services.mark_outbox_sent(message_ids=body.ids, actor=request.user)}


# --- files and search --------------------------------------------------------------------------

@router.get("files/{file_id}", response={200: None, 401: ErrorOut, 404: ErrorOut},
            summary="A document's file, byte for byte")
def download(request, file_id: int):
    stored = get_object_or_404(DocumentFile, pk=file_id)
    if not queries.may_download(request.user, stored):
        raise HttpError(404, _("Not found."))
    response = HttpResponse(read_document_file(stored), content_type=stored.content_type)
    response["Content-Disposition"] = f'attachment; filename="file-{stored.pk}"'
    response["X-Content-SHA256"] = stored.sha256
    return response


class HitOut(Schema):
    kind: str
    id: int
    rank: float
    title: str
    snippet: str


class SearchOut(Schema):
    total: int
    hits: list[HitOut]


@router.get("search", response={200: SearchOut, 400: ErrorOut, 401: ErrorOut},
            summary="Accent-insensitive full-text search over metadata and the documents' text")
def search(request, q: str = "", kind: str | None = None, type: str | None = None,  # noqa: A002
           year: int | None = None, state: str | None = None, limit: int = 50, offset: int = 0):
    if kind is not None and kind not in KINDS:
        return Status(400, {"detail": _("kind is “out” or “in”.")})
    agencies = queries.agencies_of(request.user) if queries.handles_documents(request.user) else []
    if agencies == []:
        return {"total": 0, "hits": []}
    agency_ids = None if agencies is None else [a.pk for a in agencies]
    # Confidential documents the caller may not read are never found (their words would
    # lead to them): the best matches are read up to a cap and filtered.
    hits = queries.readable_hits(request.user, queries.search_hits(
        q, kind=kind, agency_ids=agency_ids, type_code=type, year=year, state=state))
    page = hits[max(0, offset): max(0, offset) + max(1, min(limit, MAX_LIMIT))]
    return {"total": len(hits),
            "hits": [{"kind": h.kind, "id": h.id, "rank": float(h.rank or 0), "title": h.title,
                      "snippet": str(h.snippet)} for h in page]}
