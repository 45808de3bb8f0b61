"""edXML (QCVN 102:2016/BTTTT): the envelope official documents travel in between systems.

Vietnamese document-management systems exchange documents, and the status of
their handling, as edXML messages in the namespace
``http://www.mic.gov.vn/TBT/QCVN_102_2016``. This module turns a document to
send into such a package and back, and does the same for status messages. It
is a pure library: no database, no network; the exchange services call it.

Package layout produced by :func:`build_package` (``edXML:`` and the default
namespace are the same namespace, as in the messages other systems send)::

    <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
      <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
        <edXML:edXMLHeader>
          <edXML:MessageHeader>
            <edXML:From> OrganId, OrganName </edXML:From>
            <edXML:To> OrganId, OrganName </edXML:To>            (one per recipient)
            <edXML:Code> CodeNumber, CodeNotation </edXML:Code>
            <edXML:PromulgationInfo> Place, PromulgationDate </edXML:PromulgationInfo>
            <edXML:DocumentType> Type, TypeName </edXML:DocumentType>
            <edXML:Subject/> <edXML:Content/>
            <edXML:SignerInfo> Competence, Position, FullName </edXML:SignerInfo>
            <edXML:DueDate/>                                     (only when there is one)
            <edXML:OtherInfo> Priority, SphereOfPromulgation, PageAmount,
                              Appendixes/Appendix* </edXML:OtherInfo>
            <edXML:SteeringType/> <edXML:DocumentId/>
          </edXML:MessageHeader>
          <edXML:TraceHeaderList>
            <edXML:TraceHeader> OrganId, Timestamp, BussinessDocType </edXML:TraceHeader>*
            <edXML:Bussiness> BussinessDocType, BussinessDocReason </edXML:Bussiness>
          </edXML:TraceHeaderList>
        </edXML:edXMLHeader>
        <edXML:edXMLBody>
          <edXML:edXMLManifest version="1.0">
            <edXML:Reference> ContentId ("cid:attachment-N"), AttachmentName, ContentType,
                              Description, Digest Algorithm="SHA-256" </edXML:Reference>*
          </edXML:edXMLManifest>
        </edXML:edXMLBody>
      </edXML:edXMLEnvelope>
      <AttachmentEncoded>
        <Attachment> ContentId ("attachment-N"), AttachmentName, ContentType, Description,
                     ContentTransferEncoded (base64) </Attachment>*
      </AttachmentEncoded>
    </edXML>

Dates are written ``yyyy/MM/dd`` and timestamps ``yyyy/MM/dd HH:mm:ss`` in
Vietnam time (UTC+7, no daylight saving), with second precision; the parser
also accepts ``dd/MM/yyyy`` and ISO 8601, which other systems send. The
output is UTF-8 and depends only on the input: the same package gives the same
bytes (content ids are numbered, nothing is timestamped at build time).

No ``DigitalSignature`` element is written: the attached PDF carries the PAdES
signatures of the signer and of the issuing organisation, which survive any
re-packaging; a signature over the XML would add nothing the receiver checks.

Status message layout produced by :func:`build_status`::

    <edXML><edXML:edXMLEnvelope><edXML:edXMLHeader>
      <edXML:Status>
        <edXML:ResponseFor> OrganId (the original sender, who receives the status),
                            Code ("number/notation"), PromulgationDate, DocumentId
        </edXML:ResponseFor>
        <edXML:From> OrganId, OrganName </edXML:From>
        <edXML:To> OrganId, OrganName </edXML:To>
        <edXML:StatusCode/> <edXML:Description/> <edXML:Timestamp/>
        <edXML:StaffInfo> Department, Staff </edXML:StaffInfo>
      </edXML:Status>
    </edXML:edXMLHeader><edXML:edXMLBody/></edXML:edXMLEnvelope></edXML>

What follows the standard and what was not verified
----------------------------------------------------
The official XSD of QCVN 102:2016 was not available. The namespace, the
``edXML`` / ``edXMLEnvelope`` / ``edXMLHeader`` / ``edXMLBody`` nesting, the
``MessageHeader`` element names, ``TraceHeaderList`` with ``TraceHeader`` and
``Bussiness`` (spelled so), the manifest ``Reference`` elements, the
``AttachmentEncoded`` block after the envelope with ``ContentTransferEncoded``
base64 content, the ``Status`` element names, the date formats and the
``DocumentId`` convention of :func:`make_document_id` agree with several
independent public implementations that exchange with the national document
axis; none of them is the standard itself. Not verified, or our own:

* ``Digest`` in a manifest ``Reference`` (SHA-256 of the decoded attachment) is
  this platform's addition so the receiver can check integrity before opening
  the PDF. Packages from systems that do not write it are refused unless the
  caller passes ``require_digest=False``.
* ``BussinessDocType`` inside each ``TraceHeader`` is our addition, so every
  hop keeps its own business type; the standard's ``Bussiness`` element carries
  the type of the latest hop, and a trace entry without its own type takes it.
* ``DocumentType/Type`` carries the platform's type abbreviation (QĐ, TB...);
  in the standard ``Type`` and ``TypeDetail`` appear to be numeric codes from a
  national list, which a receiver may have to map. ``TypeDetail``, ``ToPlaces``,
  ``OrganizationInCharge``, ``TyperNotation`` and ``PromulgationAmount`` are
  not written.
* ``Priority`` 0..4 is read as 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc,
  4 hỏa tốc hẹn giờ (timed flash, mapped back to ``hoa_toc``).
* The ``TraceHeaderList`` attributes seen elsewhere (id, version,
  mustUnderstand, actor) and the ``xlink`` attributes of ``Reference`` are not
  written; which of them the standard requires is unknown.
* The status message's ``To`` element is ours (the ResponseFor ``OrganId``
  already names the addressee; ``To`` adds its name), and the envelope nesting
  of status messages varies between implementations.
* Status codes are those listed in the project's domain notes; only 01–06, 13,
  15 and 16 are accepted.

Hardened parsing: the input is read as UTF-8 (what edXML uses), with no network
access, no DTD loading and no entity expansion; a message containing a DOCTYPE
is refused before the XML parser sees it, which stops "billion laughs" and
external-entity (XXE) inputs. libxml2's safety limits stay on (``huge_tree``
off), which caps one text node at 10,000,000 characters: one attachment can hold
at most :data:`MAX_ATTACHMENT_BYTES` (7.5 MB) and larger ones are refused, at
build time as well as when receiving.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

__all__ = [
    "DEFAULT_MAX_PACKAGE_BYTES",
    "DEFAULT_MAX_STATUS_BYTES",
    "EXCHANGE_TIMEZONE",
    "MAX_ATTACHMENT_BYTES",
    "NAMESPACE",
    "Attachment",
    "BusinessType",
    "DocumentPackage",
    "DocumentType",
    "EdxmlError",
    "Organ",
    "Priority",
    "Status",
    "StatusMessage",
    "TraceEntry",
    "build_package",
    "build_status",
    "make_document_id",
    "parse_package",
    "parse_status",
    "priority_for_urgency",
    "urgency_for_priority",
]

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PREFIX = "edXML"
DEFAULT_MAX_PACKAGE_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_STATUS_BYTES = 1024 * 1024
# libxml2 refuses a text node longer than 10,000,000 characters unless huge_tree
# is on; base64 turns 3 bytes into 4 characters.
MAX_ENCODED_CHARS = 10_000_000
MAX_ATTACHMENT_BYTES = MAX_ENCODED_CHARS // 4 * 3
EXCHANGE_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DIGEST_ALGORITHM = "SHA-256"

_DATE_FORMAT = "%Y/%m/%d"
_TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
_DATE_INPUT_FORMATS = ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d")
_TIMESTAMP_INPUT_FORMATS = ("%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


class EdxmlError(ValueError):
    """A message that cannot be built or accepted; ``code`` says which rule it broke.

    ``str(error)`` is a translated, human-readable reason with the detail that
    lets the sender fix the message (the field, the attachment, the value)."""

    MALFORMED = "malformed"
    NAMESPACE = "namespace"
    MISSING_FIELD = "missing_field"
    BAD_VALUE = "bad_value"
    MISSING_ATTACHMENT = "missing_attachment"
    HASH_MISMATCH = "hash_mismatch"
    TOO_LARGE = "too_large"
    NO_ATTACHMENT = "no_attachment"

    def __init__(self, reason: str, *, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Priority(enum.IntEnum):
    """edXML ``OtherInfo/Priority`` (độ khẩn)."""

    NORMAL = 0
    URGENT = 1
    VERY_URGENT = 2
    FLASH = 3
    FLASH_TIMED = 4


# The urgency codes of chinhquyenso.documents.models.Urgency.
_PRIORITY_BY_URGENCY = {
    "thuong": Priority.NORMAL,
    "khan": Priority.URGENT,
    "thuong_khan": Priority.VERY_URGENT,
    "hoa_toc": Priority.FLASH,
}


def priority_for_urgency(urgency: str) -> Priority:
    """The edXML priority of one of the platform's urgency codes (``Urgency`` values)."""
    try:
        return _PRIORITY_BY_URGENCY[urgency]
    except KeyError:
        raise EdxmlError(
            _("Unknown urgency %(value)r: expected one of %(choices)s.")
            % {"value": urgency, "choices": ", ".join(_PRIORITY_BY_URGENCY)},
            code=EdxmlError.BAD_VALUE,
        ) from None


def urgency_for_priority(priority: int) -> str:
    """The platform's urgency code for an edXML priority (a timed flash is a flash)."""
    value = _coerce_priority(priority)
    if value == Priority.FLASH_TIMED:
        return "hoa_toc"
    return next(code for code, p in _PRIORITY_BY_URGENCY.items() if p == value)


class BusinessType(enum.IntEnum):
    """edXML ``BussinessDocType``: what this sending does to the document."""

    NEW = 0
    RECALL = 1
    UPDATE = 2
    REPLACE = 3


class Status(models.TextChoices):
    """Status codes of edXML status messages (handling of a received document)."""

    RECEIVED = "01", gettext_lazy("Arrived")
    REJECTED = "02", gettext_lazy("Rejected")
    REGISTERED = "03", gettext_lazy("Registered")
    ASSIGNED = "04", gettext_lazy("Assigned")
    PROCESSING = "05", gettext_lazy("Processing")
    DONE = "06", gettext_lazy("Done")
    RECALL_REQUESTED = "13", gettext_lazy("Recall requested")
    RECALL_ACCEPTED = "15", gettext_lazy("Recall accepted")
    RECALL_REFUSED = "16", gettext_lazy("Recall refused")


@dataclass(frozen=True)
class Organ:
    """An organisation in the exchange, by its organ id (e.g. ``000.01.01.H08``)."""

    id: str
    name: str = ""


@dataclass(frozen=True)
class DocumentType:
    """The type of the document: the platform's abbreviation (``QĐ``) and its name."""

    code: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file carried in the package; the first one of a package is the signed PDF."""

    name: str
    content_type: str
    data: bytes
    description: str = ""

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of ``data``, written into the manifest for the receiver to check."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class TraceEntry:
    """One hop of the document: who sent it, when, and what the sending did."""

    organ_id: str
    timestamp: datetime
    business_type: int = BusinessType.NEW

    def __post_init__(self):
        object.__setattr__(self, "timestamp", _normalize_timestamp(self.timestamp, "Timestamp"))
        object.__setattr__(self, "business_type", _coerce_business_type(self.business_type))


@dataclass(kw_only=True)
class DocumentPackage:
    """An official document as sent to other organisations.

    ``priority`` takes 0..4 or one of the platform's urgency codes (``thuong``,
    ``khan``, ``thuong_khan``, ``hoa_toc``) and is kept as a :class:`Priority`.
    ``document_id`` is the sender's unique id of the document (see
    :func:`make_document_id`). Timestamps are kept to the second, in Vietnam time.
    """

    from_organ: Organ
    to_organs: list[Organ]
    code_number: str
    code_notation: str
    promulgation_date: date
    subject: str
    document_id: str
    attachments: list[Attachment]
    promulgation_place: str = ""
    document_type: DocumentType = field(default_factory=lambda: DocumentType(""))
    content: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_full_name: str = ""
    due_date: date | None = None
    priority: int | str = Priority.NORMAL
    sphere: str = ""
    page_amount: int = 0
    appendixes: list[str] = field(default_factory=list)
    steering_type: int = 0
    trace: list[TraceEntry] = field(default_factory=list)
    business_reason: str = ""

    def __post_init__(self):
        self.priority = _coerce_priority(self.priority)
        self.to_organs = list(self.to_organs)
        self.attachments = list(self.attachments)
        self.appendixes = list(self.appendixes)
        self.trace = list(self.trace)
        self.page_amount = _coerce_int(self.page_amount, "PageAmount", minimum=0)
        self.steering_type = _coerce_int(self.steering_type, "SteeringType", minimum=0)
        _check_date(self.promulgation_date, "PromulgationDate")
        if self.due_date is not None:
            _check_date(self.due_date, "DueDate")

    @property
    def main_attachment(self) -> Attachment | None:
        """The signed PDF: the first attachment."""
        return self.attachments[0] if self.attachments else None


@dataclass(kw_only=True)
class StatusMessage:
    """The handling status of a received document, sent back to its sender.

    ``from_organ`` sends the status (the receiver of the document); ``to_organ``
    is the document's sender. ``status_code`` takes a :class:`Status` or its code.
    """

    from_organ: Organ
    to_organ: Organ
    document_id: str
    code_number: str
    code_notation: str
    status_code: Status | str
    description: str
    timestamp: datetime
    staff_name: str = ""
    department: str = ""
    promulgation_date: date | None = None

    def __post_init__(self):
        self.status_code = _coerce_status(self.status_code)
        self.timestamp = _normalize_timestamp(self.timestamp, "Timestamp")


def make_document_id(organ_id: str, promulgation_date: date, code_number: str,
                     code_notation: str) -> str:
    """The sender's document id in the form other systems use:
    ``organ id,yyyy/MM/dd,number/notation`` (e.g. ``000.01.01.H08,2026/03/02,12/QĐ-UBND``)."""
    return f"{organ_id},{promulgation_date.strftime(_DATE_FORMAT)},{code_number}/{code_notation}"


# --------------------------------------------------------------------------- building


def build_package(pkg: DocumentPackage, *, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES) -> bytes:
    """The edXML package of ``pkg`` as UTF-8 bytes, identical for identical input.

    Raises :class:`EdxmlError` when the package would be refused by a receiver
    applying :func:`parse_package` (a required field empty, no attachment, an
    attachment or the whole package too large)."""
    _check_package(pkg)
    root = etree.Element(_q("edXML"), nsmap={None: NAMESPACE})
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={PREFIX: NAMESPACE})
    header = _sub(envelope, "edXMLHeader")

    message = _sub(header, "MessageHeader")
    _organ(message, "From", pkg.from_organ)
    for organ in pkg.to_organs:
        _organ(message, "To", organ)
    code = _sub(message, "Code")
    _sub(code, "CodeNumber", pkg.code_number)
    _sub(code, "CodeNotation", pkg.code_notation)
    promulgation = _sub(message, "PromulgationInfo")
    _sub(promulgation, "Place", pkg.promulgation_place)
    _sub(promulgation, "PromulgationDate", pkg.promulgation_date.strftime(_DATE_FORMAT))
    doc_type = _sub(message, "DocumentType")
    _sub(doc_type, "Type", pkg.document_type.code)
    _sub(doc_type, "TypeName", pkg.document_type.name)
    _sub(message, "Subject", pkg.subject)
    _sub(message, "Content", pkg.content)
    signer = _sub(message, "SignerInfo")
    _sub(signer, "Competence", pkg.signer_competence)
    _sub(signer, "Position", pkg.signer_position)
    _sub(signer, "FullName", pkg.signer_full_name)
    if pkg.due_date is not None:
        _sub(message, "DueDate", pkg.due_date.strftime(_DATE_FORMAT))
    other = _sub(message, "OtherInfo")
    _sub(other, "Priority", str(int(pkg.priority)))
    _sub(other, "SphereOfPromulgation", pkg.sphere)
    _sub(other, "PageAmount", str(pkg.page_amount))
    appendixes = _sub(other, "Appendixes")
    for appendix in pkg.appendixes:
        _sub(appendixes, "Appendix", appendix)
    _sub(message, "SteeringType", str(pkg.steering_type))
    _sub(message, "DocumentId", pkg.document_id)

    traces = _sub(header, "TraceHeaderList")
    for entry in pkg.trace:
        trace = _sub(traces, "TraceHeader")
        _sub(trace, "OrganId", entry.organ_id)
        _sub(trace, "Timestamp", entry.timestamp.strftime(_TIMESTAMP_FORMAT))
        _sub(trace, "BussinessDocType", str(int(entry.business_type)))
    business = _sub(traces, "Bussiness")
    latest = pkg.trace[-1].business_type if pkg.trace else BusinessType.NEW
    _sub(business, "BussinessDocType", str(int(latest)))
    _sub(business, "BussinessDocReason", pkg.business_reason)

    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _sub(root, "AttachmentEncoded")
    for number, attachment in enumerate(pkg.attachments, start=1):
        content_id = f"attachment-{number}"
        reference = _sub(manifest, "Reference")
        _sub(reference, "ContentId", f"cid:{content_id}")
        _sub(reference, "AttachmentName", attachment.name)
        _sub(reference, "ContentType", attachment.content_type)
        _sub(reference, "Description", attachment.description)
        _sub(reference, "Digest", attachment.sha256).set("Algorithm", DIGEST_ALGORITHM)
        item = _sub(encoded, "Attachment")
        _sub(item, "ContentId", content_id)
        _sub(item, "AttachmentName", attachment.name)
        _sub(item, "ContentType", attachment.content_type)
        _sub(item, "Description", attachment.description)
        _sub(item, "ContentTransferEncoded", base64.b64encode(attachment.data).decode("ascii"))

    data = _serialize(root)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    return data


def build_status(msg: StatusMessage) -> bytes:
    """The edXML status message of ``msg`` as UTF-8 bytes, identical for identical input."""
    _require_value(msg.from_organ.id, "Status/From/OrganId")
    _require_value(msg.to_organ.id, "Status/ResponseFor/OrganId")
    _require_value(msg.document_id, "Status/ResponseFor/DocumentId")
    if "/" in msg.code_number:
        raise EdxmlError(
            _("%(field)s must not contain '/': %(value)r.")
            % {"field": "CodeNumber", "value": msg.code_number},
            code=EdxmlError.BAD_VALUE,
        )
    root = etree.Element(_q("edXML"), nsmap={None: NAMESPACE})
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={PREFIX: NAMESPACE})
    status = _sub(_sub(envelope, "edXMLHeader"), "Status")
    response_for = _sub(status, "ResponseFor")
    _sub(response_for, "OrganId", msg.to_organ.id)
    code = f"{msg.code_number}/{msg.code_notation}" if msg.code_number or msg.code_notation else ""
    _sub(response_for, "Code", code)
    if msg.promulgation_date is not None:
        _sub(response_for, "PromulgationDate", msg.promulgation_date.strftime(_DATE_FORMAT))
    _sub(response_for, "DocumentId", msg.document_id)
    _organ(status, "From", msg.from_organ)
    _organ(status, "To", msg.to_organ)
    _sub(status, "StatusCode", str(msg.status_code.value))
    _sub(status, "Description", msg.description)
    _sub(status, "Timestamp", msg.timestamp.strftime(_TIMESTAMP_FORMAT))
    staff = _sub(status, "StaffInfo")
    _sub(staff, "Department", msg.department)
    _sub(staff, "Staff", msg.staff_name)
    _sub(envelope, "edXMLBody")
    return _serialize(root)


def _check_package(pkg: DocumentPackage) -> None:
    _require_value(pkg.from_organ.id, "MessageHeader/From/OrganId")
    if not pkg.to_organs:
        raise _missing("MessageHeader/To")
    for organ in pkg.to_organs:
        _require_value(organ.id, "MessageHeader/To/OrganId")
    _require_value(pkg.code_number, "MessageHeader/Code/CodeNumber")
    _require_value(pkg.code_notation, "MessageHeader/Code/CodeNotation")
    _require_value(pkg.subject, "MessageHeader/Subject")
    _require_value(pkg.document_id, "MessageHeader/DocumentId")
    for entry in pkg.trace:
        _require_value(entry.organ_id, "TraceHeaderList/TraceHeader/OrganId")
    if not pkg.attachments:
        raise EdxmlError(_("The package has no attachment: a document is sent with its signed PDF."),
                         code=EdxmlError.NO_ATTACHMENT)
    for attachment in pkg.attachments:
        _require_value(attachment.name, "Reference/AttachmentName")
        if not attachment.data:
            raise EdxmlError(_("Attachment %(name)r is empty.") % {"name": attachment.name},
                             code=EdxmlError.MISSING_ATTACHMENT)
        if len(attachment.data) > MAX_ATTACHMENT_BYTES:
            raise EdxmlError(
                _("Attachment %(name)r has %(size)d bytes; an edXML package carries at most "
                  "%(limit)d bytes per attachment.")
                % {"name": attachment.name, "size": len(attachment.data),
                   "limit": MAX_ATTACHMENT_BYTES},
                code=EdxmlError.TOO_LARGE,
            )


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _sub(parent, name: str, text: str | None = None):
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        try:
            element.text = text
        except ValueError:
            raise EdxmlError(
                _("%(field)s contains characters that XML cannot carry: %(value)r.")
                % {"field": name, "value": text[:80]},
                code=EdxmlError.BAD_VALUE,
            ) from None
    return element


def _organ(parent, name: str, organ: Organ) -> None:
    element = _sub(parent, name)
    _sub(element, "OrganId", organ.id)
    _sub(element, "OrganName", organ.name)


def _serialize(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- parsing


def parse_package(data: bytes, *, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES,
                  require_digest: bool = True) -> DocumentPackage:
    """Read an edXML package, check every attachment against its digest, return it.

    Raises :class:`EdxmlError` (see its ``code``) for anything a receiver must
    not register: malformed or oversized input, a DTD, another root or
    namespace, a required field missing, a bad value, an attachment missing,
    undecodable or altered, or no attachment at all. With
    ``require_digest=False`` attachments without a ``Digest`` (from systems that
    do not write one) are accepted unchecked."""
    root = _parse_xml(data, max_bytes)
    envelope = _required_child(root, "edXMLEnvelope", "edXML")
    header = _required_child(envelope, "edXMLHeader", "edXMLEnvelope")
    message = _required_child(header, "MessageHeader", "edXMLHeader")

    from_organ = _read_organ(_required_child(message, "From", "MessageHeader"),
                             "MessageHeader/From")
    to_organs = [_read_organ(element, "MessageHeader/To")
                 for element in message.findall(_q("To"))]
    if not to_organs:
        raise _missing("MessageHeader/To")
    code = _required_child(message, "Code", "MessageHeader")
    promulgation = _required_child(message, "PromulgationInfo", "MessageHeader")
    doc_type = _child(message, "DocumentType")
    signer = _child(message, "SignerInfo")
    other = _child(message, "OtherInfo")
    appendixes = _child(other, "Appendixes")
    due_date = _text(message, "DueDate").strip()

    trace, business_reason = _read_trace(_child(header, "TraceHeaderList"))
    attachments = _read_attachments(root, envelope, require_digest=require_digest)

    return DocumentPackage(
        from_organ=from_organ,
        to_organs=to_organs,
        code_number=_required_text(code, "CodeNumber", "MessageHeader/Code"),
        code_notation=_required_text(code, "CodeNotation", "MessageHeader/Code"),
        promulgation_place=_text(promulgation, "Place"),
        promulgation_date=_parse_date(
            _required_text(promulgation, "PromulgationDate", "MessageHeader/PromulgationInfo"),
            "PromulgationDate"),
        document_type=DocumentType(_text(doc_type, "Type"), _text(doc_type, "TypeName")),
        subject=_required_text(message, "Subject", "MessageHeader"),
        content=_text(message, "Content"),
        signer_competence=_text(signer, "Competence"),
        signer_position=_text(signer, "Position"),
        signer_full_name=_text(signer, "FullName"),
        due_date=_parse_date(due_date, "DueDate") if due_date else None,
        priority=_read_int(other, "Priority", default=0),
        sphere=_text(other, "SphereOfPromulgation"),
        page_amount=_read_int(other, "PageAmount", default=0),
        appendixes=[element.text or "" for element in _children(appendixes, "Appendix")],
        steering_type=_read_int(message, "SteeringType", default=0),
        document_id=_required_text(message, "DocumentId", "MessageHeader"),
        trace=trace,
        business_reason=business_reason,
        attachments=attachments,
    )


def parse_status(data: bytes, *, max_bytes: int = DEFAULT_MAX_STATUS_BYTES) -> StatusMessage:
    """Read an edXML status message; raises :class:`EdxmlError` like :func:`parse_package`."""
    root = _parse_xml(data, max_bytes)
    envelope = _required_child(root, "edXMLEnvelope", "edXML")
    header = _required_child(envelope, "edXMLHeader", "edXMLEnvelope")
    status = _required_child(header, "Status", "edXMLHeader")
    response_for = _required_child(status, "ResponseFor", "Status")
    from_organ = _read_organ(_required_child(status, "From", "Status"), "Status/From")
    to_id = _required_text(response_for, "OrganId", "Status/ResponseFor")
    to_element = _child(status, "To")
    to_name = ""
    if to_element is not None:
        named = _text(to_element, "OrganId").strip()
        if named and named != to_id:
            raise EdxmlError(
                _("Status/To/OrganId %(to)r differs from Status/ResponseFor/OrganId %(rf)r.")
                % {"to": named, "rf": to_id},
                code=EdxmlError.BAD_VALUE,
            )
        to_name = _text(to_element, "OrganName")
    code_number, _slash, code_notation = _text(response_for, "Code").partition("/")
    if not _slash:
        code_number, code_notation = "", code_number
    promulgation_date = _text(response_for, "PromulgationDate").strip()
    staff = _child(status, "StaffInfo")
    status_code = _required_text(status, "StatusCode", "Status").strip()
    if status_code.isdigit() and len(status_code) == 1:
        status_code = status_code.zfill(2)
    return StatusMessage(
        from_organ=from_organ,
        to_organ=Organ(to_id, to_name),
        document_id=_required_text(response_for, "DocumentId", "Status/ResponseFor"),
        code_number=code_number,
        code_notation=code_notation,
        status_code=status_code,
        description=_text(status, "Description"),
        timestamp=_parse_timestamp(_required_text(status, "Timestamp", "Status"), "Timestamp"),
        staff_name=_text(staff, "Staff"),
        department=_text(staff, "Department"),
        promulgation_date=(_parse_date(promulgation_date, "PromulgationDate")
                           if promulgation_date else None),
    )


def _parse_xml(data: bytes, max_bytes: int):
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"edXML input must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data.strip():
        raise EdxmlError(_("The message is empty."), code=EdxmlError.MALFORMED)
    # The parser reads the input as UTF-8 whatever it declares, so this byte search
    # sees every DTD before libxml2 does (a DOCTYPE is refused even inside a comment).
    if b"<!DOCTYPE" in data:
        raise _dtd_refused()
    parser = etree.XMLParser(
        encoding="utf-8",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if "Text node too long" in str(exc) or "Resource limit exceeded" in str(exc):
            raise EdxmlError(
                _("The message exceeds the XML parser's limits (%(detail)s); an attachment "
                  "can hold at most %(limit)d bytes.")
                % {"detail": exc.msg, "limit": MAX_ATTACHMENT_BYTES},
                code=EdxmlError.TOO_LARGE,
            ) from None
        raise EdxmlError(_("The message is not well-formed XML: %(detail)s")
                         % {"detail": exc.msg}, code=EdxmlError.MALFORMED) from None
    docinfo = root.getroottree().docinfo
    if (docinfo.internalDTD is not None or docinfo.doctype or docinfo.system_url
            or docinfo.public_id):
        raise _dtd_refused()
    if next(root.iter(etree.Entity), None) is not None:
        raise EdxmlError(_("The message uses entity references, which are refused."),
                         code=EdxmlError.MALFORMED)
    if root.tag != _q("edXML"):
        qname = etree.QName(root)
        raise EdxmlError(
            _("Expected the root element edXML in namespace %(expected)s, found %(name)s in "
              "namespace %(namespace)s.")
            % {"expected": NAMESPACE, "name": qname.localname,
               "namespace": qname.namespace or _("(none)")},
            code=EdxmlError.NAMESPACE,
        )
    return root


def _child(parent, name: str):
    if parent is None:
        return None
    return parent.find(_q(name))


def _children(parent, name: str) -> list:
    return [] if parent is None else parent.findall(_q(name))


def _text(parent, name: str) -> str:
    element = _child(parent, name)
    return "" if element is None or element.text is None else element.text


def _required_child(parent, name: str, where: str):
    element = _child(parent, name)
    if element is None:
        raise _missing(f"{where}/{name}")
    return element


def _required_text(parent, name: str, where: str) -> str:
    value = _text(parent, name)
    if not value.strip():
        raise _missing(f"{where}/{name}")
    return value


def _read_organ(element, where: str) -> Organ:
    return Organ(_required_text(element, "OrganId", where).strip(), _text(element, "OrganName"))


def _read_int(parent, name: str, *, default: int) -> int:
    value = _text(parent, name).strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise _bad_value(name, value) from None


def _read_trace(element) -> tuple[list[TraceEntry], str]:
    if element is None:
        return [], ""
    business = _child(element, "Bussiness")
    latest = _text(business, "BussinessDocType").strip()
    entries = []
    for trace in _children(element, "TraceHeader"):
        own = _text(trace, "BussinessDocType").strip() or latest or "0"
        try:
            business_type = int(own)
        except ValueError:
            raise _bad_value("BussinessDocType", own) from None
        entries.append(TraceEntry(
            organ_id=_required_text(trace, "OrganId", "TraceHeaderList/TraceHeader").strip(),
            timestamp=_parse_timestamp(
                _required_text(trace, "Timestamp", "TraceHeaderList/TraceHeader"), "Timestamp"),
            business_type=business_type,
        ))
    return entries, _text(business, "BussinessDocReason")


def _content_key(value: str) -> str:
    value = value.strip()
    if value[:4].lower() == "cid:":
        value = value[4:]
    return value.strip("<>")


def _read_attachments(root, envelope, *, require_digest: bool) -> list[Attachment]:
    manifest = _child(_child(envelope, "edXMLBody"), "edXMLManifest")
    references = _children(manifest, "Reference")
    encoded = {}
    for block in _lenient_children(root, "AttachmentEncoded"):
        for item in _lenient_children(block, "Attachment"):
            key = _content_key(_lenient_text(item, "ContentId"))
            if not key:
                raise _missing("AttachmentEncoded/Attachment/ContentId")
            if key in encoded:
                raise EdxmlError(_("Two attachments share the content id %(id)r.") % {"id": key},
                                 code=EdxmlError.BAD_VALUE)
            encoded[key] = item
    if not references and not encoded:
        raise EdxmlError(_("The package has no attachment: a document is sent with its "
                           "signed PDF."), code=EdxmlError.NO_ATTACHMENT)

    attachments = []
    listed = set()
    for reference in references:
        key = _content_key(_required_text(reference, "ContentId", "edXMLManifest/Reference"))
        name = _text(reference, "AttachmentName")
        label = name or key
        if key in listed:
            raise EdxmlError(_("Two attachments share the content id %(id)r.") % {"id": key},
                             code=EdxmlError.BAD_VALUE)
        listed.add(key)
        item = encoded.get(key)
        payload = "" if item is None else _lenient_text(item, "ContentTransferEncoded")
        if not payload.strip():
            raise EdxmlError(
                _("Attachment %(name)r is listed in the manifest but its content is missing.")
                % {"name": label}, code=EdxmlError.MISSING_ATTACHMENT)
        try:
            content = base64.b64decode("".join(payload.split()), validate=True)
        except (binascii.Error, ValueError):
            raise EdxmlError(_("Attachment %(name)r is not valid base64.") % {"name": label},
                             code=EdxmlError.BAD_VALUE) from None
        digest = _child(reference, "Digest")
        if digest is None or not (digest.text or "").strip():
            if require_digest:
                raise _missing("edXMLManifest/Reference/Digest")
        else:
            algorithm = digest.get("Algorithm", DIGEST_ALGORITHM)
            if algorithm.upper() != DIGEST_ALGORITHM:
                raise _bad_value("Digest/@Algorithm", algorithm)
            actual = hashlib.sha256(content).hexdigest()
            if not hmac.compare_digest(actual, digest.text.strip().lower()):
                raise EdxmlError(
                    _("Attachment %(name)r does not match its SHA-256 digest: it was altered or "
                      "damaged on the way (expected %(expected)s, got %(actual)s).")
                    % {"name": label, "expected": digest.text.strip(), "actual": actual},
                    code=EdxmlError.HASH_MISMATCH)
        attachments.append(Attachment(
            name=name or _lenient_text(item, "AttachmentName"),
            content_type=_text(reference, "ContentType") or _lenient_text(item, "ContentType"),
            data=content,
            description=_text(reference, "Description") or _lenient_text(item, "Description"),
        ))
    unlisted = sorted(set(encoded) - listed)
    if unlisted:
        raise EdxmlError(
            _("Attachment content %(ids)s is not listed in the manifest, so it cannot be "
              "checked.") % {"ids": ", ".join(unlisted)},
            code=EdxmlError.BAD_VALUE)
    return attachments


# Some senders write the AttachmentEncoded block without a namespace.
def _lenient_children(parent, name: str) -> list:
    return [child for child in parent
            if isinstance(child.tag, str) and child.tag in (_q(name), name)]


def _lenient_text(parent, name: str) -> str:
    found = _lenient_children(parent, name)
    return (found[0].text or "") if found else ""


def _parse_date(value: str, name: str) -> date:
    value = value.strip()
    for fmt in _DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise _bad_value(name, value)


def _parse_timestamp(value: str, name: str) -> datetime:
    value = value.strip()
    for fmt in _TIMESTAMP_INPUT_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=EXCHANGE_TIMEZONE)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad_value(name, value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=EXCHANGE_TIMEZONE)
    return parsed


# --------------------------------------------------------------------------- values


def _normalize_timestamp(value, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise EdxmlError(
            _("%(field)s must be a timezone-aware datetime, not %(value)r.")
            % {"field": name, "value": value},
            code=EdxmlError.BAD_VALUE)
    return value.astimezone(EXCHANGE_TIMEZONE).replace(microsecond=0)


def _check_date(value, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise EdxmlError(_("%(field)s must be a date, not %(value)r.")
                         % {"field": name, "value": value}, code=EdxmlError.BAD_VALUE)


def _coerce_int(value, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _bad_value(name, value)
    return value


def _coerce_priority(value) -> Priority:
    if isinstance(value, str) and not value.strip().isdigit():
        return priority_for_urgency(value)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _bad_value("Priority", value) from None
    if isinstance(value, bool) or number not in Priority._value2member_map_:
        raise _bad_value("Priority", value)
    return Priority(number)


def _coerce_business_type(value) -> BusinessType:
    if isinstance(value, bool) or not isinstance(value, int) or (
            value not in BusinessType._value2member_map_):
        raise _bad_value("BussinessDocType", value)
    return BusinessType(value)


def _coerce_status(value) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise EdxmlError(
            _("Unknown status code %(value)r: expected one of %(choices)s.")
            % {"value": value, "choices": ", ".join(Status.values)},
            code=EdxmlError.BAD_VALUE) from None


def _require_value(value: str, path: str) -> None:
    if not (value or "").strip():
        raise _missing(path)


def _missing(path: str) -> EdxmlError:
    return EdxmlError(_("Required field %(field)s is missing or empty.") % {"field": path},
                      code=EdxmlError.MISSING_FIELD)


def _bad_value(name: str, value) -> EdxmlError:
    return EdxmlError(_("Invalid value for %(field)s: %(value)r.")
                      % {"field": name, "value": value}, code=EdxmlError.BAD_VALUE)


def _dtd_refused() -> EdxmlError:
    return EdxmlError(_("The message declares a DTD (<!DOCTYPE>); DTDs and entity declarations "
                        "are refused."), code=EdxmlError.MALFORMED)


def _too_large(size: int, limit: int) -> EdxmlError:
    return EdxmlError(_("The message has %(size)d bytes, more than the limit of %(limit)d bytes.")
                      % {"size": size, "limit": limit}, code=EdxmlError.TOO_LARGE)
