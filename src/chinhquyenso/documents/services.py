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
from datetime import date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chinhquyenso.core.services import record_audit
from chinhquyenso.indicators import record_tallies
from chinhquyenso.org.models import Agency, Role
from chinhquyenso.org.permissions import require, roles_of

from . import edxml, keys, pki, search, signing
from .conversion import ConversionUnavailable, needs_conversion, to_pdf
from .errors import TransitionNotAllowed
from .files import PDF_MAGIC, read_document_file, sha256_of, store_document_file
from .models import (
    Confidentiality,
    DocumentEvent,
    DocumentFile,
    DocumentType,
    ExchangeMessage,
    IncomingChannel,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    PendingSignature,
    SeriesKind,
    SignerCapacity,
    SigningCredential,
    Urgency,
)
from .numbering import next_number, notation_for, series_for, take_number
from .text_extraction import document_text
from .verification import UnverifiableUpload, verify_upload

__all__ = [
    "TransitionNotAllowed",
    "add_external_credential", "add_signing_credential", "complete_remote_signature",
    "prepare_remote_signature", "sign_document", "withdraw_credential",
    "export_edxml", "import_edxml", "import_status", "mark_outbox_sent", "reject_edxml",
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
    "replace_draft": gettext_lazy("replace the draft file"),
    "register": gettext_lazy("register"),
    "assign": gettext_lazy("assign"),
    "start": gettext_lazy("start processing"),
    "complete": gettext_lazy("complete"),
    "export": gettext_lazy("package for another system"),
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
            extra: dict | None = None, text: str | None = None) -> None:
    outgoing = isinstance(document, OutgoingDocument)
    DocumentEvent.objects.create(
        outgoing=document if outgoing else None, incoming=None if outgoing else document,
        at=at, actor=_actor_or_none(actor), action=action, from_state=from_state,
        to_state=document.state, note=note)
    record_audit(actor=actor, action=f"document.{'outgoing' if outgoing else 'incoming'}.{action}",
                 obj=document, before={"state": from_state},
                 after={"state": document.state, "note": note[:500], **(extra or {})})
    if text is None and action in _NEW_TEXT:
        text = document_text(document)
    search.index_document(document, text=text)
    if not outgoing:
        _send_status(document, action, actor=actor, at=at, note=note)


#: Steps after which the document's text is extracted again for the search index. A
#: signature adds a revision with an annotation, not page text: the draft's text stays.
_NEW_TEXT = {"create", "replace_draft", "receive"}


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
            name, data = _draft_pdf(*draft)
            store_document_file(data=data, name=name, kind=DocumentFile.Kind.DRAFT, outgoing=document,
                                content_type="application/pdf", created_by=actor)
        _record(document, actor=actor, action="create", from_state="", at=at,
                extra={"type": document_type.code, "series": document.series})
    return document


def _draft_pdf(name: str, data: bytes) -> tuple[str, bytes]:
    """A draft is signed as PDF: Word files are converted when the server can."""
    data = bytes(data or b"")
    if not data:
        raise ValidationError({"draft": [_("The draft file is empty.")]})
    if needs_conversion(name):
        try:
            return to_pdf(name, data)
        except ConversionUnavailable as exc:
            raise ValidationError({"draft": [str(exc)]}) from exc
    if not data.startswith(PDF_MAGIC):
        raise ValidationError({"draft": [_("The draft must be a PDF file (or a Word file when the server converts them).")]})
    return name, data


@transaction.atomic
def replace_draft(*, document_id: int, actor, name: str, data: bytes,
                  at: datetime | None = None) -> OutgoingDocument:
    """A new version of the draft file, while the document is a draft. Earlier versions
    are kept."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.DRAFT}, "replace_draft")
    _require_right(actor, "documents.draft", document.agency)
    name, data = _draft_pdf(name, data)
    stored = store_document_file(data=data, name=name, kind=DocumentFile.Kind.DRAFT, outgoing=document,
                                 content_type="application/pdf", created_by=actor)
    document.save(update_fields=["updated_at"])
    _record(document, actor=actor, action="replace_draft", from_state=document.state, at=at,
            extra={"file_id": stored.pk, "sha256": stored.sha256})
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


# --- signing keys and signatures -------------------------------------------------------------

SIGNATURE_FIELD = "ChuKyNguoiCoThamQuyen"
SEAL_FIELD = "ChuKyCoQuan"
#: Lower left of the last page: the agency's seal with the number it gave.
SEAL_BOX = (40, 60, 290, 135)
PENDING_SIGNATURE_LIFETIME = timedelta(minutes=15)


def _credential_fields(cert) -> dict:
    facts = keys.certificate_facts(cert)
    return {"subject": facts.subject, "issuer": facts.issuer, "serial_number": facts.serial_number,
            "fingerprint": facts.fingerprint, "not_before": facts.not_before, "not_after": facts.not_after}


def _check_usable_certificate(cert, at: datetime) -> None:
    if not (cert.not_valid_before_utc <= at <= cert.not_valid_after_utc):
        raise ValidationError({"certificate": [
            _("The certificate is valid from %(start)s to %(end)s: it cannot sign now.")
            % {"start": timezone.localtime(cert.not_valid_before_utc).strftime("%d/%m/%Y"),
               "end": timezone.localtime(cert.not_valid_after_utc).strftime("%d/%m/%Y")}]})


def _require_credential_right(actor, *, official, agency) -> None:
    if _is_system_admin(actor):
        return
    if official is not None:
        if getattr(actor, "official", None) is None or actor.official.pk != official.pk:
            raise PermissionDenied(_("Only the holder or the IT department adds a personal signing certificate."))
        return
    _require_right(actor, "documents.register", agency)


def _retire_older(credential: SigningCredential, actor, at: datetime) -> None:
    older = SigningCredential.objects.select_for_update().filter(
        official=credential.official, agency=credential.agency, is_active=True).exclude(pk=credential.pk)
    for old in older:
        old.is_active = False
        old.deactivated_at = at
        old.save(update_fields=["is_active", "deactivated_at"])
        record_audit(actor=actor, action="document.credential.replace", obj=old,
                     before={"active": True}, after={"active": False, "replaced_by": credential.fingerprint})


def _save_credential(credential: SigningCredential, actor, at: datetime) -> SigningCredential:
    holder = {"official": credential.official_id, "agency": credential.agency_id}
    if SigningCredential.objects.filter(fingerprint=credential.fingerprint, **holder).exists():
        raise ValidationError({"certificate": [_("This certificate is already registered.")]})
    credential.save()
    _retire_older(credential, actor, at)
    record_audit(actor=actor, action="document.credential.add", obj=credential,
                 after={"source": credential.source, "subject": credential.subject,
                        "fingerprint": credential.fingerprint, "not_after": credential.not_after,
                        "agency": credential.agency_id, "official": credential.official_id})
    return credential


def add_signing_credential(*, actor, pkcs12: bytes, passphrase: str, official=None, agency: Agency | None = None,
                           at: datetime | None = None) -> SigningCredential:
    """Register a key file (PKCS#12) for a person (``official``) or an agency's seal
    (``agency``). The passphrase opens the file once here and is never stored: a
    person types it again at each signature; an agency's key is kept under the server
    secret so the platform can seal what the clerk numbers."""
    at = _now(at)
    if (official is None) == (agency is None):
        raise ValueError("A signing certificate belongs to one official or one agency.")
    with transaction.atomic():
        _require_credential_right(actor, official=official, agency=agency)
        try:
            certified = pki.load_pkcs12(bytes(pkcs12 or b""), passphrase or "")
        except pki.Pkcs12Error as exc:
            raise ValidationError({"pkcs12": [_("The key file cannot be opened: wrong passphrase or damaged file.")]}) from exc
        cert = certified.certificate
        _check_usable_certificate(cert, at)
        if agency is not None:
            blob = keys.seal_blob(certified.private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        else:
            blob = pki.encrypt_at_rest(bytes(pkcs12))
        credential = SigningCredential(
            official=official, agency=agency, source=SigningCredential.Source.PKCS12,
            certificate=cert.public_bytes(serialization.Encoding.DER),
            chain=keys.chain_pem(certified.chain), key_blob=blob,
            created_by=_actor_or_none(actor), **_credential_fields(cert))
        return _save_credential(credential, actor, at)


def add_external_credential(*, actor, official, certificate: bytes, signer_url: str = "",
                            chain: bytes = b"", at: datetime | None = None) -> SigningCredential:
    """Register a person's certificate whose key stays on their token or phone. With
    ``signer_url`` the platform asks that signer (a token helper or a remote-signing
    service, see ``external_signer``); without it the person signs in two phases."""
    at = _now(at)
    with transaction.atomic():
        _require_credential_right(actor, official=official, agency=None)
        try:
            data = bytes(certificate)
            cert = (x509.load_pem_x509_certificate(data) if data.lstrip().startswith(b"-----")
                    else x509.load_der_x509_certificate(data))
            issuers = x509.load_pem_x509_certificates(bytes(chain)) if bytes(chain or b"").strip() else []
        except ValueError as exc:
            raise ValidationError({"certificate": [_("This is not a certificate file (PEM or DER).")]}) from exc
        _check_usable_certificate(cert, at)
        if signer_url and not signer_url.startswith(("https://", "http://")):
            raise ValidationError({"signer_url": [_("The signer address must start with https://.")]})
        credential = SigningCredential(
            official=official, source=SigningCredential.Source.EXTERNAL,
            certificate=cert.public_bytes(serialization.Encoding.DER), chain=keys.chain_pem(issuers),
            signer_url=signer_url, created_by=_actor_or_none(actor), **_credential_fields(cert))
        return _save_credential(credential, actor, at)


@transaction.atomic
def withdraw_credential(*, credential_id: int, actor, at: datetime | None = None) -> SigningCredential:
    at = _now(at)
    credential = SigningCredential.objects.select_for_update(of=("self",)).select_related(
        "official", "agency__unit").get(pk=credential_id)
    _require_credential_right(actor, official=credential.official, agency=credential.agency)
    if not credential.is_active:
        return credential
    credential.is_active = False
    credential.deactivated_at = at
    credential.save(update_fields=["is_active", "deactivated_at"])
    record_audit(actor=actor, action="document.credential.withdraw", obj=credential,
                 before={"active": True}, after={"active": False})
    return credential


def _active_credential(*, at: datetime, official=None, agency: Agency | None = None) -> SigningCredential | None:
    holder = {"official": official} if official is not None else {"agency": agency}
    return (SigningCredential.objects.filter(is_active=True, not_before__lte=at, not_after__gte=at, **holder)
            .order_by("-not_after", "-pk").first())


def _personal_credential(actor, at: datetime) -> SigningCredential:
    official = getattr(actor, "official", None)
    credential = _active_credential(at=at, official=official) if official is not None else None
    if credential is None:
        raise ValidationError({"passphrase": [
            _("You have no valid signing certificate: add yours under “My signing certificate” first.")]})
    return credential


def _latest_file(document: OutgoingDocument, *kinds: str) -> DocumentFile | None:
    return document.files.filter(kind__in=kinds).order_by("-created_at", "-pk").first()


def _draft_bytes(document: OutgoingDocument) -> bytes:
    draft = _latest_file(document, DocumentFile.Kind.DRAFT)
    if draft is None:
        raise ValidationError({"draft": [_("Upload the draft PDF before it is signed.")]})
    return read_document_file(draft)


def _personal_stamp(document: OutgoingDocument, actor, at: datetime) -> signing.StampText:
    official = actor.official
    capacity = document.signer_capacity
    if capacity == "TM.":
        capacity_line = f"TM. {_collective_name(document.agency)}"
    elif capacity:
        capacity_line = f"{capacity} {(document.signer_position or official.title)}".strip()
    else:
        capacity_line = ""
    return signing.StampText(name=official.full_name, title=official.title, capacity=capacity_line.upper(),
                             signed_at=at)


def _collective_name(agency: Agency) -> str:
    """“ỦY BAN NHÂN DÂN” for “Ủy ban nhân dân phường Tích Sơn”: the collective signs."""
    name = agency.name
    for word in (" thành phố", " phường", " xã", " tỉnh", " quận", " huyện", " thị trấn"):
        index = name.lower().find(word)
        if index > 0:
            return name[:index]
    return name


def _signing_failed(exc: Exception) -> ValidationError:
    return ValidationError({"__all__": [_("The signature could not be made: %(reason)s")
                                        % {"reason": exc}]})


def _store_signature(document: OutgoingDocument, *, actor, signed: bytes, at: datetime,
                     credential: SigningCredential, how: str, text: str | None = None) -> OutgoingDocument:
    stored = store_document_file(
        data=signed, name=f"van-ban-{document.pk}-da-ky.pdf", kind=DocumentFile.Kind.SIGNED,
        outgoing=document, content_type="application/pdf", created_by=actor)
    official = getattr(actor, "official", None)
    if official is not None:
        document.signer_name = official.full_name
        document.signer_position = document.signer_position or official.title
    document.state = OutgoingState.SIGNED
    document.signed_at = at
    document.save(update_fields=["state", "signed_at", "signer_name", "signer_position", "updated_at"])
    _record(document, actor=actor, action="sign", from_state=OutgoingState.APPROVED, at=at, text=text,
            extra={"file_id": stored.pk, "sha256": stored.sha256, "certificate": credential.fingerprint,
                   "how": how})
    return document


def sign_document(*, document_id: int, actor, passphrase: str = "",
                  at: datetime | None = None) -> OutgoingDocument:
    """The competent person signs the approved draft with the key registered for them:
    a visible stamp (name, position, time) on the last page, PAdES, timestamped when a
    timestamp authority is configured. A key file needs its passphrase; an external
    signer is asked over HTTP.

    The signature is computed before the document is locked (an external signer may
    take a while, and signatures of different documents proceed in parallel); the
    transaction that records it checks again that nothing changed meanwhile."""
    at = _now(at)
    document = (OutgoingDocument.objects.select_related("agency__unit", "drafting_unit", "document_type")
                .get(pk=document_id))
    _require_state(document, {OutgoingState.APPROVED}, "sign")
    _require_right(actor, "documents.sign", document.agency)
    credential = _personal_credential(actor, at)
    source = _draft_bytes(document)
    try:
        signer = keys.signer_for(credential, passphrase)
    except keys.KeyUnavailable as exc:
        raise ValidationError({"passphrase": [str(exc)]}) from exc
    try:
        signed = signing.sign_pdf(
            source, signer, field_name=SIGNATURE_FIELD, stamp=_personal_stamp(document, actor, at),
            page=-1, timestamper=signing.timestamper_from_settings(), signed_at=at,
            location=document.place or None)
    except (signing.SigningError, signing.ExternalSignerError) as exc:
        raise _signing_failed(exc) from exc
    with transaction.atomic():
        document = _lock_outgoing(document_id)
        _require_state(document, {OutgoingState.APPROVED}, "sign")
        if signing.sha256_hex(_draft_bytes(document)) != signing.sha256_hex(source):
            raise TransitionNotAllowed(_("The draft changed while it was being signed: sign it again."))
        return _store_signature(document, actor=actor, signed=signed, at=at, credential=credential,
                                how=credential.source)


@transaction.atomic
def prepare_remote_signature(*, document_id: int, actor, at: datetime | None = None) -> PendingSignature:
    """Phase one of a signature made on the signer's own device: the platform adds the
    signature revision with its stamp and returns what the device signs
    (``pending.digest``, hex). Phase two is :func:`complete_remote_signature`."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.APPROVED}, "sign")
    _require_right(actor, "documents.sign", document.agency)
    credential = _personal_credential(actor, at)
    try:
        prepared = signing.prepare_signature(
            _draft_bytes(document), field_name=SIGNATURE_FIELD,
            signer_cert=keys.credential_certificate(credential), chain=keys.credential_chain(credential),
            stamp=_personal_stamp(document, actor, at), page=-1, signed_at=at,
            location=document.place or None, timestamped=signing.timestamper_from_settings() is not None)
    except signing.SigningError as exc:
        raise _signing_failed(exc) from exc
    pending = PendingSignature.objects.create(
        document=document, credential=credential, purpose=PendingSignature.Purpose.PERSONAL,
        prepared=prepared.to_dict(), digest=prepared.digest_to_sign.hex(), created_at=at,
        expires_at=at + PENDING_SIGNATURE_LIFETIME, created_by=actor)
    record_audit(actor=actor, action="document.outgoing.prepare_signature", obj=document,
                 after={"pending": pending.pk, "certificate": credential.fingerprint})
    return pending


@transaction.atomic
def complete_remote_signature(*, pending_id: int, actor, signature: bytes,
                              at: datetime | None = None) -> OutgoingDocument:
    """Phase two: embed the signature the device returned (raw, or a CMS from a
    remote-signing service), check it, and record the signed revision."""
    at = _now(at)
    pending = PendingSignature.objects.select_related("credential").get(pk=pending_id)
    document = _lock_outgoing(pending.document_id)
    pending = PendingSignature.objects.select_for_update().select_related("credential").get(pk=pending_id)
    if pending.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("This signature was prepared for someone else."))
    if pending.completed_at is not None:
        raise TransitionNotAllowed(_("This signature has already been completed."))
    if pending.expires_at < at:
        raise TransitionNotAllowed(_("The prepared signature has expired: prepare it again."))
    _require_state(document, {OutgoingState.APPROVED}, "sign")
    _require_right(actor, "documents.sign", document.agency)
    prepared = signing.PreparedSignature.from_dict(pending.prepared)
    if prepared.original_sha256 != signing.sha256_hex(_draft_bytes(document)):
        raise TransitionNotAllowed(_("The draft changed after the signature was prepared: prepare it again."))
    try:
        signed = signing.complete_signature(prepared, bytes(signature or b""),
                                            timestamper=signing.timestamper_from_settings())
    except signing.SigningError as exc:
        raise ValidationError({"signature": [_("The signature was refused: %(reason)s") % {"reason": exc}]}) from exc
    pending.completed_at = at
    pending.save(update_fields=["completed_at"])
    return _store_signature(document, actor=actor, signed=signed, at=at, credential=pending.credential,
                            how="two_phase")


@transaction.atomic
def mark_signed(*, document_id: int, actor, signed_file_bytes: bytes, file_name: str = "",
                at: datetime | None = None) -> OutgoingDocument:
    """Record a draft the competent person signed outside the platform (with the signing
    software of their token): the file must be the draft with one more signature
    revision, intact, by a certificate registered for them."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.APPROVED}, "sign")
    _require_right(actor, "documents.sign", document.agency)
    data = bytes(signed_file_bytes or b"")
    if not data.startswith(PDF_MAGIC):
        raise ValidationError({"file": [_("The signed document must be a PDF file.")]})
    if not signing.is_incremental_update(_draft_bytes(document), data):
        raise ValidationError({"file": [_("This file is not the approved draft with a signature added.")]})
    try:
        verdicts = signing.verify_pdf(data, trust_roots=[])
    except signing.SigningError as exc:
        raise ValidationError({"file": [_("The signed file cannot be read.")]}) from exc
    official = getattr(actor, "official", None)
    fingerprints = set(SigningCredential.objects.filter(official=official).values_list("fingerprint", flat=True)) \
        if official is not None else set()
    last = verdicts[-1] if verdicts else None
    if last is None or not (last.intact and last.signature_valid and last.covers_whole_document):
        raise ValidationError({"file": [_("The file holds no intact signature over the draft.")]})
    if last.certificate_sha256 not in fingerprints:
        raise ValidationError({"file": [_("The signature is not made with a certificate registered for you.")]})
    credential = SigningCredential.objects.get(official=official, fingerprint=last.certificate_sha256)
    return _store_signature(document, actor=actor, signed=data, at=at, credential=credential, how="upload")


def _seal_bytes(document: OutgoingDocument, signed: DocumentFile, *, credential: SigningCredential,
                notation: str, at: datetime) -> bytes:
    """The agency's signature as a further revision of the signed PDF, leaving the
    person's signature valid; its stamp shows the number the clerk gave."""
    try:
        return signing.sign_pdf(
            read_document_file(signed), keys.signer_for(credential), field_name=SEAL_FIELD,
            stamp=signing.StampText(name=document.agency.name, capacity=f"Số: {notation}", signed_at=at),
            page=-1, box=SEAL_BOX, timestamper=signing.timestamper_from_settings(), signed_at=at,
            location=document.place or None)
    except (keys.KeyUnavailable, signing.SigningError, signing.ExternalSignerError) as exc:
        raise _signing_failed(exc) from exc


def _file_stem(notation: str) -> str:
    return notation.replace("/", "-") or "van-ban"


def _numbered_as(document: OutgoingDocument, at: datetime, number: int) -> OutgoingDocument:
    """The document's issue date, year, series, number and notation if numbered at `at`."""
    document.issued_on = _local_date(at)
    document.year = document.issued_on.year
    document.series = series_for(document)
    document.number = number
    document.notation = notation_for(document)
    return document


def number_document(*, document_id: int, actor, at: datetime | None = None) -> OutgoingDocument:
    """The clerk gives the signed document the next number of its series for the year of
    issue, and its notation, and the platform applies the agency's seal with that number
    as a further signature revision. The date of issue is the day of numbering.

    The seal is made before the counter is locked, for the number the series will give
    next; in the transaction that takes the number, a different number (another clerk
    was quicker) means sealing again. So the counter, which every numbering of the
    series waits for, stays locked for a few writes, not for a signature."""
    at = _now(at)
    document = (OutgoingDocument.objects.select_related("agency__unit", "drafting_unit", "document_type")
                .get(pk=document_id))
    _require_state(document, {OutgoingState.SIGNED}, "number")
    _require_right(actor, "documents.register", document.agency)
    seal = _active_credential(at=at, agency=document.agency)
    if seal is None:
        raise ValidationError({"__all__": [
            _("%(agency)s has no valid certificate for its seal: the IT department adds one before documents are numbered.")
            % {"agency": document.agency.name}]})
    signed = _latest_file(document, DocumentFile.Kind.SIGNED)
    if signed is None:
        raise ValidationError({"__all__": [_("The signed file of this document is missing.")]})
    expected = _numbered_as(document, at, next_number(agency=document.agency, year=_local_date(at).year,
                                                      series=series_for(document)))
    notation = expected.notation
    sealed = _seal_bytes(document, signed, credential=seal, notation=notation, at=at)
    with transaction.atomic():
        document = _lock_outgoing(document_id)
        _require_state(document, {OutgoingState.SIGNED}, "number")
        latest = _latest_file(document, DocumentFile.Kind.SIGNED)
        year, series = _local_date(at).year, series_for(document)
        # Taken last: the counter row stays locked only until the end of this transaction.
        _numbered_as(document, at, take_number(agency=document.agency, year=year, series=series))
        if document.notation != notation or latest.pk != signed.pk:
            sealed = _seal_bytes(document, latest, credential=seal, notation=document.notation, at=at)
        document.state = OutgoingState.NUMBERED
        document.numbered_at = at
        document.save(update_fields=["issued_on", "year", "series", "number", "notation", "state",
                                     "numbered_at", "updated_at"])
        stored = store_document_file(
            data=sealed, name=f"{_file_stem(document.notation)}.pdf", kind=DocumentFile.Kind.SIGNED,
            outgoing=document, content_type="application/pdf", created_by=actor)
        _record(document, actor=actor, action="number", from_state=OutgoingState.SIGNED, at=at,
                extra={"number": document.number, "notation": document.notation, "series": document.series,
                       "year": document.year, "seal": seal.fingerprint, "file_id": stored.pk,
                       "sha256": stored.sha256})
    return document


def issue_document(*, document_id: int, actor, at: datetime | None = None) -> OutgoingDocument:
    """Issue the numbered document: each recipient agency on the platform receives it at
    once, as an incoming document to register, with the verdict of its signatures.

    The signatures are verified and the text extracted once, before the document is
    locked; the transaction checks that the sealed file is still the latest."""
    at = _now(at)
    document = OutgoingDocument.objects.select_related("agency__unit").get(pk=document_id)
    _require_state(document, {OutgoingState.NUMBERED}, "issue")
    _require_right(actor, "documents.register", document.agency)
    sealed = _latest_file(document, DocumentFile.Kind.SIGNED)
    has_recipients = document.internal_recipients.exists()
    verdict = _verdict_of(sealed) if has_recipients else ""
    delivered_text = document_text(document) if has_recipients else ""  # once for every recipient
    with transaction.atomic():
        return _issue_locked(document_id, actor=actor, at=at, sealed=sealed, verdict=verdict,
                             delivered_text=delivered_text)


def _issue_locked(document_id: int, *, actor, at: datetime, sealed, verdict: str,
                  delivered_text: str) -> OutgoingDocument:
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.NUMBERED}, "issue")
    latest = _latest_file(document, DocumentFile.Kind.SIGNED)
    if getattr(latest, "pk", None) != getattr(sealed, "pk", None):
        verdict, delivered_text = _verdict_of(latest), document_text(document)
    before = record_tallies.snapshot(document)
    document.state = OutgoingState.ISSUED
    document.issued_at = at
    document.save(update_fields=["state", "issued_at", "updated_at"])
    record_tallies.on_change(document, before=before)
    recipients = list(document.internal_recipients.order_by("pk"))
    for recipient in recipients:
        incoming = IncomingDocument.objects.create(
            signature_verdict=verdict, signature_checked_at=at if verdict else None,
            agency=recipient, channel=IncomingChannel.INTERNAL, received_at=at,
            from_agency=document.agency, sender_name=document.agency.name,
            original_number=document.number, original_notation=document.notation,
            original_date=document.issued_on, document_type=document.document_type,
            subject=document.subject, urgency=document.urgency,
            confidentiality=document.confidentiality, deadline=document.deadline,
            state=IncomingState.RECEIVED, outgoing=document)
        _record(incoming, actor=actor, action="receive", from_state="", at=at, text=delivered_text,
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
    _package_recalls(document, actor=actor, reason=reason, at=at)
    return document


def _package_recalls(document: OutgoingDocument, *, actor, reason: str, at: datetime) -> None:
    """A recall package (business type 1) for each package of the document that went to
    another system, in the outbox like the package itself."""
    sent = document.exchange_messages.filter(direction=ExchangeMessage.Direction.OUT,
                                             kind=ExchangeMessage.Kind.PACKAGE).order_by("pk")
    for message in sent:
        package = edxml.parse_package(read_message(message))
        if package.trace and package.trace[-1].business_type == edxml.BusinessType.RECALL:
            continue
        package.trace = [*package.trace, edxml.TraceEntry(document.agency.code, at, edxml.BusinessType.RECALL)]
        package.business_reason = reason
        recall = _store_message(
            agency=document.agency, direction=ExchangeMessage.Direction.OUT, kind=ExchangeMessage.Kind.PACKAGE,
            data=edxml.build_package(package), document_ref=package.document_id, at=at, actor=actor,
            outgoing=document, counterpart=message.counterpart, description=reason)
        record_audit(actor=actor, action="document.outgoing.export_recall", obj=document,
                     after={"message": recall.pk, "to": message.counterpart})


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
        first_pdf = next((data for _name, data in files if bytes(data).startswith(PDF_MAGIC)), None)
        _check_arrival(document, first_pdf, at)
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
    before = record_tallies.snapshot(document)
    document.state = IncomingState.REGISTERED
    document.registered_at = at
    if document.received_by_id is None:
        document.received_by = _actor_or_none(actor)
    document.save(update_fields=["year", "incoming_number", "state", "registered_at", "received_by",
                                 "updated_at"])
    record_tallies.on_change(document, before=before)
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
    before = record_tallies.snapshot(document)
    document.lead_unit = lead_unit
    document.deadline = deadline
    document.state = IncomingState.ASSIGNED
    document.assigned_at = at
    document.save(update_fields=["lead_unit", "deadline", "state", "assigned_at", "updated_at"])
    record_tallies.on_change(document, before=before)
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
    before = record_tallies.snapshot(document)
    document.state = IncomingState.DONE
    document.completed_at = at
    document.save(update_fields=["state", "completed_at", "updated_at"])
    record_tallies.on_change(document, before=before)
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


# --- exchange with other systems (edXML, QCVN 102:2016) ----------------------------------------

#: The status an incoming document's step sends back to its sender outside the platform.
STATUS_OF_STEP = {
    "receive": edxml.Status.RECEIVED,
    "register": edxml.Status.REGISTERED,
    "assign": edxml.Status.ASSIGNED,
    "start": edxml.Status.PROCESSING,
    "complete": edxml.Status.DONE,
    "return": edxml.Status.REJECTED,
    "sender_recall": edxml.Status.RECALL_ACCEPTED,
}


def _organ(agency: Agency) -> edxml.Organ:
    return edxml.Organ(id=agency.code, name=agency.name)


def _split_notation(document: OutgoingDocument) -> tuple[str, str]:
    number, _sep, rest = document.notation.partition("/")
    return number, rest


def _store_message(*, agency: Agency, direction: str, kind: str, data: bytes, document_ref: str,
                   at: datetime, actor, outgoing=None, incoming=None, counterpart: str = "",
                   status_code: str = "", description: str = "") -> ExchangeMessage:
    message = ExchangeMessage(
        agency=agency, direction=direction, kind=kind, outgoing=outgoing, incoming=incoming,
        document_ref=document_ref[:200], counterpart=counterpart[:300], status_code=status_code,
        description=description, sha256=sha256_of(data), created_at=at, created_by=_actor_or_none(actor))
    name = f"{kind}-{direction}-{message.sha256[:16]}.xml"
    message.payload.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            message.save()
    except BaseException:
        message.payload.delete(save=False)
        raise
    return message


def read_message(message: ExchangeMessage) -> bytes:
    with message.payload.open("rb") as handle:
        data = handle.read()
    if sha256_of(data) != message.sha256:
        raise ValidationError(_("The stored exchange file has been altered."), code="altered")
    return data


@transaction.atomic
def export_edxml(*, document_id: int, actor, recipients: Iterable[edxml.Organ] | None = None,
                 at: datetime | None = None) -> ExchangeMessage:
    """Package an issued document for agencies outside the platform: an edXML file with
    its sealed PDF, kept in the agency's outbox. ``recipients`` default to the
    document's recipients on the platform (for a round trip through files)."""
    at = _now(at)
    document = _lock_outgoing(document_id)
    _require_state(document, {OutgoingState.ISSUED}, "export")
    _require_right(actor, "documents.register", document.agency)
    signed = _latest_file(document, DocumentFile.Kind.SIGNED)
    if signed is None:
        raise ValidationError({"__all__": [_("The signed file of this document is missing.")]})
    to_organs = list(recipients) if recipients is not None else [
        _organ(a) for a in document.internal_recipients.order_by("code")]
    if not to_organs:
        raise ValidationError({"recipients": [_("Name at least one recipient organisation.")]})
    number, notation = _split_notation(document)
    document_ref = edxml.make_document_id(document.agency.code, document.issued_on, number, notation)
    package = edxml.DocumentPackage(
        from_organ=_organ(document.agency), to_organs=to_organs, code_number=number,
        code_notation=notation, promulgation_date=document.issued_on, subject=document.subject,
        document_id=document_ref, promulgation_place=document.place,
        document_type=edxml.DocumentType(document.document_type.code, document.document_type.name),
        signer_competence=document.signer_capacity, signer_position=document.signer_position,
        signer_full_name=document.signer_name, due_date=document.deadline, priority=document.urgency,
        page_amount=document.page_count,
        trace=[edxml.TraceEntry(document.agency.code, document.issued_at or at, edxml.BusinessType.NEW)],
        attachments=[edxml.Attachment(f"{_file_stem(document.notation)}.pdf", "application/pdf",
                                      read_document_file(signed))])
    try:
        data = edxml.build_package(package)
    except edxml.EdxmlError as exc:
        raise ValidationError({"__all__": [str(exc)]}) from exc
    message = _store_message(
        agency=document.agency, direction=ExchangeMessage.Direction.OUT, kind=ExchangeMessage.Kind.PACKAGE,
        data=data, document_ref=document_ref, at=at, actor=actor, outgoing=document,
        counterpart=", ".join(o.id for o in to_organs))
    DocumentEvent.objects.create(outgoing=document, at=at, actor=_actor_or_none(actor), action="export",
                                 from_state=document.state, to_state=document.state,
                                 note=", ".join(o.name or o.id for o in to_organs))
    record_audit(actor=actor, action="document.outgoing.export", obj=document,
                 after={"message": message.pk, "sha256": message.sha256, "to": [o.id for o in to_organs]})
    return message


def import_edxml(*, agency: Agency, actor, data: bytes, at: datetime | None = None) -> IncomingDocument:
    """Receive an edXML package addressed to ``agency``: checked whole (XML, fields,
    attachments and their SHA-256) before anything is stored; then an incoming document
    with its files, its signatures verified, and a “received” status for the sender."""
    at = _now(at)
    data = bytes(data or b"")
    with transaction.atomic():
        _require_right(actor, "documents.register", agency)
        try:
            package = edxml.parse_package(data)
        except edxml.EdxmlError as exc:
            raise ValidationError({"file": [str(exc)]}, code=exc.code) from exc
        if package.trace and package.trace[-1].business_type == edxml.BusinessType.RECALL:
            return _receive_recall(agency=agency, actor=actor, package=package, data=data, at=at)
        if agency.code not in {o.id for o in package.to_organs}:
            raise ValidationError({"file": [_("This package is addressed to %(to)s, not to %(agency)s.")
                                            % {"to": ", ".join(o.name or o.id for o in package.to_organs),
                                               "agency": agency.name}]}, code="misdirected")
        if IncomingDocument.objects.filter(agency=agency, external_id=package.document_id).exists():
            raise ValidationError({"file": [_("This document (%(ref)s) has already been received.")
                                            % {"ref": package.document_id}]}, code="duplicate")
        sender = Agency.objects.filter(code=package.from_organ.id).first()
        type_code = package.document_type.code if package.document_type else ""
        document = IncomingDocument(
            agency=agency, channel=IncomingChannel.ELECTRONIC, received_at=at, from_agency=sender,
            sender_name=(package.from_organ.name or (sender.name if sender else package.from_organ.id))[:250],
            original_number=int(package.code_number) if package.code_number.isdigit() else None,
            original_notation=f"{package.code_number}/{package.code_notation}"[:100],
            original_date=package.promulgation_date,
            document_type=DocumentType.objects.filter(code=type_code).first() if type_code else None,
            subject=package.subject, urgency=edxml.urgency_for_priority(package.priority),
            deadline=package.due_date, state=IncomingState.RECEIVED, received_by=_actor_or_none(actor),
            external_id=package.document_id[:200])
        document.full_clean()
        document.save()
        for attachment in package.attachments:
            store_document_file(data=attachment.data, name=attachment.name, kind=DocumentFile.Kind.ATTACHMENT,
                                incoming=document, content_type=attachment.content_type, created_by=actor)
        main = package.main_attachment
        _check_arrival(document, main.data if main is not None else None, at)
        _store_message(agency=agency, direction=ExchangeMessage.Direction.IN, kind=ExchangeMessage.Kind.PACKAGE,
                       data=data, document_ref=package.document_id, at=at, actor=actor, incoming=document,
                       counterpart=package.from_organ.id)
        _record(document, actor=actor, action="receive", from_state="", at=at,
                extra={"channel": IncomingChannel.ELECTRONIC, "from": package.from_organ.id,
                       "ref": package.document_id, "verdict": document.signature_verdict})
    return document


def _receive_recall(*, agency: Agency, actor, package: edxml.DocumentPackage, data: bytes,
                    at: datetime) -> IncomingDocument:
    """The sender recalls a document it sent by exchange: the received copy is marked
    recalled (its handling stops being due) and the sender gets “recall accepted”."""
    document = (IncomingDocument.objects.select_for_update(of=("self",)).select_related("agency__unit", "lead_unit")
                .filter(agency=agency, external_id=package.document_id).first())
    if document is None:
        raise ValidationError({"file": [_("This recall concerns a document (%(ref)s) that was never received.")
                                        % {"ref": package.document_id}]}, code="unknown_document")
    if document.sender_recalled_at is not None:
        return document
    document.sender_recalled_at = at
    document.save(update_fields=["sender_recalled_at", "updated_at"])
    _store_message(agency=agency, direction=ExchangeMessage.Direction.IN, kind=ExchangeMessage.Kind.PACKAGE,
                   data=data, document_ref=package.document_id, at=at, actor=actor, incoming=document,
                   counterpart=package.from_organ.id, description=package.business_reason)
    _record(document, actor=actor, action="sender_recall", from_state=document.state, at=at,
            note=package.business_reason)
    return document


def reject_edxml(*, agency: Agency, actor, data: bytes, reason: str, at: datetime | None = None) -> ExchangeMessage:
    """Answer a package that cannot be received (misdirected, invalid) with a “rejected”
    status for its sender; the package itself is not stored. Needs a readable header."""
    at = _now(at)
    reason = _reason(reason, _("Give the reason for returning the document."))
    with transaction.atomic():
        _require_right(actor, "documents.register", agency)
        try:
            package = edxml.parse_package(bytes(data or b""), require_digest=False)
        except edxml.EdxmlError as exc:
            raise ValidationError({"file": [str(exc)]}, code=exc.code) from exc
        status = edxml.StatusMessage(
            from_organ=_organ(agency), to_organ=package.from_organ, document_id=package.document_id,
            code_number=package.code_number, code_notation=package.code_notation,
            status_code=edxml.Status.REJECTED, description=reason, timestamp=at,
            staff_name=_staff_name(actor), promulgation_date=package.promulgation_date)
        message = _store_message(
            agency=agency, direction=ExchangeMessage.Direction.OUT, kind=ExchangeMessage.Kind.STATUS,
            data=edxml.build_status(status), document_ref=package.document_id, at=at, actor=actor,
            counterpart=package.from_organ.id, status_code=edxml.Status.REJECTED, description=reason)
        record_audit(actor=actor, action="document.exchange.reject", obj=message,
                     after={"ref": package.document_id, "to": package.from_organ.id, "reason": reason[:500]})
    return message


def _staff_name(actor) -> str:
    official = getattr(actor, "official", None)
    return official.full_name if official is not None else ""


def _send_status(document: IncomingDocument, step: str, *, actor, at: datetime, note: str = "") -> None:
    """A status message for the sender of an electronically received document."""
    code = STATUS_OF_STEP.get(step)
    if code is None or not document.external_id:
        return
    original = document.exchange_messages.filter(direction=ExchangeMessage.Direction.IN,
                                                 kind=ExchangeMessage.Kind.PACKAGE).first()
    sender_id = original.counterpart if original is not None else (
        document.from_agency.code if document.from_agency else "")
    number, _sep, notation = document.original_notation.partition("/")
    status = edxml.StatusMessage(
        from_organ=_organ(document.agency), to_organ=edxml.Organ(sender_id, document.sender_name),
        document_id=document.external_id, code_number=number, code_notation=notation, status_code=code,
        description=note or str(code.label), timestamp=at, staff_name=_staff_name(actor),
        department=document.lead_unit.name if document.lead_unit_id else "",
        promulgation_date=document.original_date)
    _store_message(agency=document.agency, direction=ExchangeMessage.Direction.OUT,
                   kind=ExchangeMessage.Kind.STATUS, data=edxml.build_status(status),
                   document_ref=document.external_id, at=at, actor=actor, incoming=document,
                   counterpart=sender_id, status_code=code, description=note)


def import_status(*, agency: Agency, actor, data: bytes, at: datetime | None = None) -> ExchangeMessage:
    """A status message about a document ``agency`` sent: recorded in the document's
    history (received, rejected, registered, assigned, processing, done, recall)."""
    at = _now(at)
    data = bytes(data or b"")
    with transaction.atomic():
        _require_right(actor, "documents.register", agency)
        try:
            status = edxml.parse_status(data)
        except edxml.EdxmlError as exc:
            raise ValidationError({"file": [str(exc)]}, code=exc.code) from exc
        if status.to_organ.id != agency.code:
            raise ValidationError({"file": [_("This status message is for %(to)s, not for %(agency)s.")
                                            % {"to": status.to_organ.name or status.to_organ.id,
                                               "agency": agency.name}]}, code="misdirected")
        sent = (ExchangeMessage.objects.filter(agency=agency, direction=ExchangeMessage.Direction.OUT,
                                               kind=ExchangeMessage.Kind.PACKAGE,
                                               document_ref=status.document_id)
                .select_related("outgoing").first())
        if sent is None or sent.outgoing is None:
            raise ValidationError({"file": [_("No document sent by %(agency)s has the id %(ref)s.")
                                            % {"agency": agency.name, "ref": status.document_id}]},
                                  code="unknown_document")
        outgoing = _lock_outgoing(sent.outgoing_id)
        message = _store_message(
            agency=agency, direction=ExchangeMessage.Direction.IN, kind=ExchangeMessage.Kind.STATUS, data=data,
            document_ref=status.document_id, at=at, actor=actor, outgoing=outgoing,
            counterpart=status.from_organ.id, status_code=str(status.status_code),
            description=status.description)
        label = edxml.Status(status.status_code).label
        DocumentEvent.objects.create(
            outgoing=outgoing, at=status.timestamp, actor=_actor_or_none(actor),
            action=f"recipient_status_{status.status_code}", from_state=outgoing.state, to_state=outgoing.state,
            note=f"{status.from_organ.name or status.from_organ.id}: {label}"
                 + (f" – {status.description}" if status.description and status.description != label else ""))
        record_audit(actor=actor, action="document.exchange.status", obj=outgoing,
                     after={"from": status.from_organ.id, "status": str(status.status_code), "message": message.pk})
    return message


@transaction.atomic
def mark_outbox_sent(*, message_ids: Iterable[int], actor, at: datetime | None = None) -> int:
    """The exchange fetched these files from the outbox."""
    at = _now(at)
    messages = list(ExchangeMessage.objects.select_for_update(of=("self",)).select_related("agency__unit")
                    .filter(pk__in=list(message_ids), direction=ExchangeMessage.Direction.OUT, sent_at__isnull=True))
    for message in messages:
        _require_right(actor, "documents.register", message.agency)
        message.sent_at = at
        message.save(update_fields=["sent_at"])
        record_audit(actor=actor, action="document.exchange.sent", obj=message, after={"sent_at": at})
    return len(messages)


# --- on arrival: signatures checked, text indexed ----------------------------------------------

def _check_arrival(document: IncomingDocument, pdf: bytes | None, at: datetime) -> None:
    """Verify the signatures of the PDF a document arrived with; the verdict stays with it."""
    if not pdf:
        return
    try:
        document.signature_verdict = verify_upload(pdf).verdict
    except UnverifiableUpload:
        document.signature_verdict = ""
        return
    document.signature_checked_at = at
    document.save(update_fields=["signature_verdict", "signature_checked_at", "updated_at"])


def _verdict_of(record: DocumentFile | None) -> str:
    if record is None:
        return ""
    try:
        return verify_upload(read_document_file(record)).verdict
    except (UnverifiableUpload, ValidationError):
        return ""


def check_pending_arrivals(*, limit: int = 100, at: datetime | None = None) -> tuple[int, int]:
    """Verify the signatures of up to ``limit`` incoming documents that arrived on the
    platform without a verdict; each sent document is verified once for all its
    recipients. Returns (checked, still waiting)."""
    at = _now(at)
    pending = (IncomingDocument.objects.filter(signature_checked_at__isnull=True, outgoing__isnull=False,
                                               channel=IncomingChannel.INTERNAL)
               .order_by("outgoing_id", "pk"))
    batch = list(pending.values_list("pk", "outgoing_id")[:limit])
    verdicts: dict[int, str] = {}
    for _pk, outgoing_id in batch:
        if outgoing_id not in verdicts:
            sent = OutgoingDocument.objects.get(pk=outgoing_id)
            verdicts[outgoing_id] = _verdict_of(_latest_file(sent, DocumentFile.Kind.SIGNED))
    for pk, outgoing_id in batch:
        with transaction.atomic():
            document = (IncomingDocument.objects.select_for_update()
                        .filter(pk=pk, signature_checked_at__isnull=True).first())
            if document is None:
                continue
            document.signature_verdict = verdicts[outgoing_id]
            document.signature_checked_at = at
            document.save(update_fields=["signature_verdict", "signature_checked_at", "updated_at"])
            record_audit(action="document.incoming.check_arrival", obj=document,
                         after={"verdict": document.signature_verdict})
    return len(batch), pending.count()
