"""Every change to an official document: the outgoing flow (draft → review → approved →
signed → numbered → issued, recall) and the incoming flow (received → registered →
assigned → processing → done, or returned).

Each function runs in one transaction: it locks the document, checks the state, then the
actor's right, changes the document and writes a DocumentEvent and the audit log.
A step not allowed from the current state raises TransitionNotAllowed (HTTP 409); one the
actor may not perform raises PermissionDenied (HTTP 403); bad input raises ValidationError.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chinhquyenso.core.services import record_audit
from chinhquyenso.org.models import Agency, Role
from chinhquyenso.org.permissions import require, roles_of

from .errors import TransitionNotAllowed
from .files import PDF_MAGIC, store_document_file
from .models import (
    Confidentiality,
    DocumentEvent,
    DocumentFile,
    DocumentType,
    IncomingChannel,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    SeriesKind,
    SignerCapacity,
    Urgency,
)
from .numbering import notation_for, series_for, take_number

__all__ = [
    "TransitionNotAllowed",
    "approve_for_signature", "assign_incoming", "complete_incoming", "create_draft",
    "issue_document", "mark_signed", "number_document", "recall_document", "receive_external",
    "register_incoming", "return_incoming", "send_back_for_revision", "start_processing",
    "submit_for_review",
]

ACTION_LABELS = {
    "submit": gettext_lazy("submit for review"),
    "send_back": gettext_lazy("send back for revision"),
    "approve": gettext_lazy("approve for signature"),
    "sign": gettext_lazy("sign"),
    "number": gettext_lazy("give a number"),
    "issue": gettext_lazy("issue"),
    "recall": gettext_lazy("recall"),
    "register": gettext_lazy("register"),
    "assign": gettext_lazy("assign"),
    "start": gettext_lazy("start processing"),
    "complete": gettext_lazy("complete"),
    "return": gettext_lazy("return to the sender"),
}


# --- helpers -------------------------------------------------------------------------------

def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _lock_outgoing(document_id: int) -> OutgoingDocument:
    return (OutgoingDocument.objects.select_for_update(of=("self",))
            .select_related("agency__unit", "drafting_unit", "document_type")
            .get(pk=document_id))


def _lock_incoming(document_id: int) -> IncomingDocument:
    return (IncomingDocument.objects.select_for_update(of=("self",))
            .select_related("agency__unit", "lead_unit", "outgoing")
            .get(pk=document_id))


def _label(document) -> str:
    if isinstance(document, OutgoingDocument):
        return document.notation or _("draft no. %(id)s") % {"id": document.pk}
    if document.incoming_number:
        return _("incoming no. %(number)s/%(year)s") % {"number": document.incoming_number,
                                                         "year": document.year}
    return document.original_notation or f"#{document.pk}"


def _require_state(document, allowed: set[str], action: str) -> None:
    if document.state not in allowed:
        raise TransitionNotAllowed(
            _("Document %(document)s is “%(state)s”: “%(action)s” is not possible now.")
            % {"document": _label(document), "state": document.get_state_display(),
               "action": ACTION_LABELS.get(action, action)})


def _is_system_admin(actor) -> bool:
    return Role.SYSTEM_ADMIN in roles_of(actor)


def _official_agency_id(actor) -> int | None:
    official = getattr(actor, "official", None)
    return official.agency_id if official is not None else None


def _works_for(actor, agency: Agency) -> bool:
    """An official of the agency or of one of its offices (a specialist of the Văn phòng
    drafts documents the People's Committee issues)."""
    own = _official_agency_id(actor)
    if own is None:
        return False
    return own == agency.pk or Agency.objects.filter(pk=own, parent=agency).exists()


def _require_right(actor, action: str, agency: Agency) -> None:
    require(actor, action, agency.unit)
    if not _is_system_admin(actor) and not _works_for(actor, agency):
        raise PermissionDenied(_("You do not work for %(agency)s.") % {"agency": agency.name})


def _require_lead_unit(actor, document: IncomingDocument, action: str) -> None:
    require(actor, action, document.agency.unit)
    if not _is_system_admin(actor) and _official_agency_id(actor) != document.lead_unit_id:
        raise PermissionDenied(_("Only the lead unit %(unit)s handles this document.")
                               % {"unit": document.lead_unit.name})


def _units_of(agency: Agency, units: Iterable[Agency], field: str) -> list[Agency]:
    """The agency itself or its offices; anything else is refused."""
    units = list(units)
    for unit in units:
        if unit.pk != agency.pk and unit.parent_id != agency.pk:
            raise ValidationError({field: [_("%(unit)s is not part of %(agency)s.")
                                           % {"unit": unit.name, "agency": agency.name}]})
    return units


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _record(document, *, actor, action: str, from_state: str, at: datetime, note: str = "",
            extra: dict | None = None) -> None:
    outgoing = isinstance(document, OutgoingDocument)
    DocumentEvent.objects.create(
        outgoing=document if outgoing else None, incoming=None if outgoing else document,
        at=at, actor=_actor_or_none(actor), action=action, from_state=from_state,
        to_state=document.state, note=note)
    record_audit(actor=actor, action=f"document.{'outgoing' if outgoing else 'incoming'}.{action}",
                 obj=document, before={"state": from_state},
                 after={"state": document.state, "note": note[:500], **(extra or {})})


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [message]})
    return reason


def _local_date(moment: datetime) -> date:
    return timezone.localdate(moment)


# --- outgoing documents ------------------------------------------------------------------------

def create_draft(*, agency: Agency, actor, document_type: DocumentType, subject: str,
                 drafting_unit: Agency | None = None, is_legal_normative: bool = False,
                 urgency: str = Urgency.NORMAL, confidentiality: str = Confidentiality.NORMAL,
                 place: str = "", signer_name: str = "", signer_capacity: str = SignerCapacity.OWN,
                 signer_position: str = "", internal_recipients: Iterable[Agency] = (),
                 external_recipients: str = "", page_count: int = 0, attachment_count: int = 0,
                 deadline: date | None = None, draft: tuple[str, bytes] | None = None,
                 at: datetime | None = None) -> OutgoingDocument:
    """Start a document `agency` will issue. `draft` is an optional (file name, bytes)."""
    at = _now(at)
    with transaction.atomic():
        _require_right(actor, "documents.draft", agency)
        errors: dict[str, list[str]] = {}
        if not document_type.is_active:
            errors["document_type"] = [_("This document type is no longer used.")]
        if drafting_unit is not None:
            _units_of(agency, [drafting_unit], "drafting_unit")
        elif document_type.is_letter:
            errors["drafting_unit"] = [_("A letter needs its drafting unit: its notation names it.")]
        if is_legal_normative and not document_type.can_be_legal_normative:
            errors["is_legal_normative"] = [
                _("A %(type)s cannot be a legal normative document.") % {"type": document_type.name}]
        if is_legal_normative and confidentiality != Confidentiality.NORMAL:
            errors["confidentiality"] = [_("Legal normative documents are public: they cannot be confidential.")]
        if errors:
            raise ValidationError(errors)
        document = OutgoingDocument(
            agency=agency, drafting_unit=drafting_unit, document_type=document_type,
            is_legal_normative=is_legal_normative, subject=(subject or "").strip(), place=place.strip(),
            signer_name=signer_name.strip(), signer_capacity=signer_capacity,
            signer_position=signer_position.strip(), urgency=urgency, confidentiality=confidentiality,
            external_recipients=external_recipients.strip(), page_count=page_count,
            attachment_count=attachment_count, deadline=deadline, state=OutgoingState.DRAFT,
            created_by=actor)
        document.series = series_for(document)
        document.full_clean()
        document.save()
        document.internal_recipients.set(list(internal_recipients))
        if draft is not None:
            name, data = draft
            store_document_file(data=data, name=name, kind=DocumentFile.Kind.DRAFT, outgoing=document,
                                created_by=actor)
        _record(document, actor=actor, action="create", from_state="", at=at,
                extra={"type": document_type.code, "series": document.series})
    return document


@transaction.atomic
def submit_for_review(*, document_id: int, actor, at: datetime | None = None) -> OutgoingDocument:
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.DRAFT}, "submit")
    _require_right(actor, "documents.draft", document.agency)
    document.state = OutgoingState.IN_REVIEW
    document.save(update_fields=["state", "updated_at"])
    _record(document, actor=actor, action="submit", from_state=OutgoingState.DRAFT, at=at)
    return document


@transaction.atomic
def send_back_for_revision(*, document_id: int, actor, reason: str,
                           at: datetime | None = None) -> OutgoingDocument:
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.IN_REVIEW}, "send_back")
    _require_right(actor, "documents.review", document.agency)
    reason = _reason(reason, _("Say what must be revised."))
    document.state = OutgoingState.DRAFT
    document.save(update_fields=["state", "updated_at"])
    _record(document, actor=actor, action="send_back", from_state=OutgoingState.IN_REVIEW, at=at,
            note=reason)
    return document


@transaction.atomic
def approve_for_signature(*, document_id: int, actor, note: str = "",
                          at: datetime | None = None) -> OutgoingDocument:
    """The head of the drafting unit approves the draft: it goes to the signer."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.IN_REVIEW}, "approve")
    _require_right(actor, "documents.review", document.agency)
    document.state = OutgoingState.APPROVED
    document.save(update_fields=["state", "updated_at"])
    _record(document, actor=actor, action="approve", from_state=OutgoingState.IN_REVIEW, at=at,
            note=note.strip())
    return document


@transaction.atomic
def mark_signed(*, document_id: int, actor, signed_file_bytes: bytes, file_name: str = "",
                at: datetime | None = None) -> OutgoingDocument:
    """Record the competent person's signature: keep the signed revision byte for byte.

    The entry point for the signing module, which checks the signature itself."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.APPROVED}, "sign")
    _require_right(actor, "documents.sign", document.agency)
    if not signed_file_bytes or not bytes(signed_file_bytes).startswith(PDF_MAGIC):
        raise ValidationError({"file": [_("The signed document must be a PDF file.")]})
    stored = store_document_file(
        data=bytes(signed_file_bytes), name=file_name or f"van-ban-{document.pk}-da-ky.pdf",
        kind=DocumentFile.Kind.SIGNED, outgoing=document, content_type="application/pdf",
        created_by=actor)
    official = getattr(actor, "official", None)
    if official is not None:
        document.signer_name = document.signer_name or official.full_name
        document.signer_position = document.signer_position or official.title
    document.state = OutgoingState.SIGNED
    document.signed_at = at
    document.save(update_fields=["state", "signed_at", "signer_name", "signer_position", "updated_at"])
    _record(document, actor=actor, action="sign", from_state=OutgoingState.APPROVED, at=at,
            extra={"file_id": stored.pk, "sha256": stored.sha256})
    return document


@transaction.atomic
def number_document(*, document_id: int, actor, at: datetime | None = None) -> OutgoingDocument:
    """The clerk gives the signed document the next number of its series for the year of
    issue, and its notation. The date of issue is the day of numbering."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.SIGNED}, "number")
    _require_right(actor, "documents.register", document.agency)
    document.issued_on = _local_date(at)
    document.year = document.issued_on.year
    document.series = series_for(document)
    # Taken last: the counter row stays locked only until the end of this transaction.
    document.number = take_number(agency=document.agency, year=document.year, series=document.series)
    document.notation = notation_for(document)
    document.state = OutgoingState.NUMBERED
    document.numbered_at = at
    document.save(update_fields=["issued_on", "year", "series", "number", "notation", "state",
                                 "numbered_at", "updated_at"])
    _record(document, actor=actor, action="number", from_state=OutgoingState.SIGNED, at=at,
            extra={"number": document.number, "notation": document.notation, "series": document.series,
                   "year": document.year})
    return document


@transaction.atomic
def issue_document(*, document_id: int, actor, at: datetime | None = None) -> OutgoingDocument:
    """Issue the numbered document: each recipient agency on the platform receives it at
    once, as an incoming document to register."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.NUMBERED}, "issue")
    _require_right(actor, "documents.register", document.agency)
    document.state = OutgoingState.ISSUED
    document.issued_at = at
    document.save(update_fields=["state", "issued_at", "updated_at"])
    recipients = list(document.internal_recipients.order_by("pk"))
    for recipient in recipients:
        incoming = IncomingDocument.objects.create(
            agency=recipient, channel=IncomingChannel.INTERNAL, received_at=at,
            from_agency=document.agency, sender_name=document.agency.name,
            original_number=document.number, original_notation=document.notation,
            original_date=document.issued_on, document_type=document.document_type,
            subject=document.subject, urgency=document.urgency,
            confidentiality=document.confidentiality, deadline=document.deadline,
            state=IncomingState.RECEIVED, outgoing=document)
        _record(incoming, actor=actor, action="receive", from_state="", at=at,
                extra={"from": document.agency.code, "notation": document.notation})
    _record(document, actor=actor, action="issue", from_state=OutgoingState.NUMBERED, at=at,
            extra={"delivered_to": [r.code for r in recipients]})
    return document


@transaction.atomic
def recall_document(*, document_id: int, actor, reason: str,
                    at: datetime | None = None) -> OutgoingDocument:
    """Recall an issued document; its recipients on the platform see the recall."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.ISSUED}, "recall")
    _require_right(actor, "documents.recall", document.agency)
    reason = _reason(reason, _("Give the reason for the recall."))
    document.state = OutgoingState.RECALLED
    document.recalled_at = at
    document.recall_reason = reason
    document.save(update_fields=["state", "recalled_at", "recall_reason", "updated_at"])
    for incoming in IncomingDocument.objects.select_for_update().filter(outgoing=document).order_by("pk"):
        incoming.sender_recalled_at = at
        incoming.save(update_fields=["sender_recalled_at", "updated_at"])
        _record(incoming, actor=actor, action="sender_recall", from_state=incoming.state, at=at,
                note=reason)
    _record(document, actor=actor, action="recall", from_state=OutgoingState.ISSUED, at=at, note=reason)
    return document


# --- incoming documents ------------------------------------------------------------------------

def receive_external(*, agency: Agency, actor, subject: str, channel: str = IncomingChannel.PAPER,
                     from_agency: Agency | None = None, sender_name: str = "",
                     original_number: int | None = None, original_notation: str = "",
                     original_date: date | None = None, document_type: DocumentType | None = None,
                     urgency: str = Urgency.NORMAL, confidentiality: str = Confidentiality.NORMAL,
                     deadline: date | None = None, files: Iterable[tuple[str, bytes]] = (),
                     at: datetime | None = None) -> IncomingDocument:
    """The clerk records a document that came on paper (with its scan) or from another
    system. `files` are (file name, bytes), kept byte for byte."""
    at = _now(at)
    if channel not in (IncomingChannel.PAPER, IncomingChannel.ELECTRONIC):
        raise ValidationError({"channel": [_("Documents from the platform arrive by themselves.")]})
    with transaction.atomic():
        _require_right(actor, "documents.register", agency)
        if from_agency is None and not sender_name.strip():
            raise ValidationError({"sender_name": [_("Enter the sender.")]})
        document = IncomingDocument(
            agency=agency, channel=channel, received_at=at, from_agency=from_agency,
            sender_name=sender_name.strip() or (from_agency.name if from_agency else ""),
            original_number=original_number, original_notation=original_notation.strip(),
            original_date=original_date, document_type=document_type, subject=(subject or "").strip(),
            urgency=urgency, confidentiality=confidentiality, deadline=deadline,
            state=IncomingState.RECEIVED, received_by=_actor_or_none(actor))
        document.full_clean()
        document.save()
        kind = DocumentFile.Kind.SCAN if channel == IncomingChannel.PAPER else DocumentFile.Kind.ATTACHMENT
        stored = [store_document_file(data=data, name=name, kind=kind, incoming=document, created_by=actor)
                  for name, data in files]
        _record(document, actor=actor, action="receive", from_state="", at=at,
                extra={"channel": channel, "files": [f.sha256 for f in stored]})
    return document


@transaction.atomic
def register_incoming(*, document_id: int, actor, at: datetime | None = None) -> IncomingDocument:
    """Give the document the agency's next incoming number (số đến) of the year."""
    at = _now(at)
    document = _lock_incoming(document_id)
    _require_state(document, {IncomingState.RECEIVED}, "register")
    _require_right(actor, "documents.register", document.agency)
    document.year = _local_date(at).year
    document.incoming_number = take_number(agency=document.agency, year=document.year,
                                           series=SeriesKind.INCOMING)
    document.state = IncomingState.REGISTERED
    document.registered_at = at
    if document.received_by_id is None:
        document.received_by = _actor_or_none(actor)
    document.save(update_fields=["year", "incoming_number", "state", "registered_at", "received_by",
                                 "updated_at"])
    _record(document, actor=actor, action="register", from_state=IncomingState.RECEIVED, at=at,
            extra={"incoming_number": document.incoming_number, "year": document.year})
    return document


@transaction.atomic
def assign_incoming(*, document_id: int, actor, lead_unit: Agency, co_units: Iterable[Agency] = (),
                    deadline: date | None = None, note: str = "",
                    at: datetime | None = None) -> IncomingDocument:
    """The leader names the lead unit, the co-operating units and the deadline
    (again, to change them while nobody has started)."""
    at = _now(at)
    document = _lock_incoming(document_id)
    _require_state(document, {IncomingState.REGISTERED, IncomingState.ASSIGNED}, "assign")
    _require_right(actor, "documents.assign", document.agency)
    _units_of(document.agency, [lead_unit], "lead_unit")
    co_units = [u for u in _units_of(document.agency, co_units, "co_units") if u.pk != lead_unit.pk]
    if deadline is not None and deadline < _local_date(document.received_at):
        raise ValidationError({"deadline": [_("The deadline cannot be before the document was received.")]})
    from_state = document.state
    document.lead_unit = lead_unit
    document.deadline = deadline
    document.state = IncomingState.ASSIGNED
    document.assigned_at = at
    document.save(update_fields=["lead_unit", "deadline", "state", "assigned_at", "updated_at"])
    document.co_units.set(co_units)
    _record(document, actor=actor, action="assign", from_state=from_state, at=at, note=note.strip(),
            extra={"lead_unit": lead_unit.code, "co_units": [u.code for u in co_units],
                   "deadline": deadline})
    return document


@transaction.atomic
def start_processing(*, document_id: int, actor, at: datetime | None = None) -> IncomingDocument:
    at = _now(at)
    document = _lock_incoming(document_id)
    _require_state(document, {IncomingState.ASSIGNED}, "start")
    _require_lead_unit(actor, document, "documents.process")
    document.state = IncomingState.PROCESSING
    document.save(update_fields=["state", "updated_at"])
    _record(document, actor=actor, action="start", from_state=IncomingState.ASSIGNED, at=at)
    return document


@transaction.atomic
def complete_incoming(*, document_id: int, actor, note: str = "",
                      at: datetime | None = None) -> IncomingDocument:
    at = _now(at)
    document = _lock_incoming(document_id)
    _require_state(document, {IncomingState.PROCESSING}, "complete")
    _require_lead_unit(actor, document, "documents.process")
    document.state = IncomingState.DONE
    document.completed_at = at
    document.save(update_fields=["state", "completed_at", "updated_at"])
    _record(document, actor=actor, action="complete", from_state=IncomingState.PROCESSING, at=at,
            note=note.strip())
    return document


@transaction.atomic
def return_incoming(*, document_id: int, actor, reason: str,
                    at: datetime | None = None) -> IncomingDocument:
    """Return a misdirected or invalid document to its sender, with the reason. A sender
    on the platform sees the return in its document's history."""
    at = _now(at)
    document = _lock_incoming(document_id)
    _require_state(document, {IncomingState.RECEIVED, IncomingState.REGISTERED}, "return")
    _require_right(actor, "documents.register", document.agency)
    reason = _reason(reason, _("Give the reason for returning the document."))
    from_state = document.state
    document.state = IncomingState.RETURNED
    document.returned_at = at
    document.return_reason = reason
    document.save(update_fields=["state", "returned_at", "return_reason", "updated_at"])
    _record(document, actor=actor, action="return", from_state=from_state, at=at, note=reason)
    if document.outgoing is not None:
        outgoing = document.outgoing
        DocumentEvent.objects.create(
            outgoing=outgoing, at=at, actor=_actor_or_none(actor), action="returned_by_recipient",
            from_state=outgoing.state, to_state=outgoing.state,
            note=f"{document.agency.name}: {reason}")
    return document
