"""Verdicts on signed PDFs for people who receive them: the public verification page,
its API, and the page a printed QR code on an issued document opens.

:func:`verify_upload` checks every signature with :func:`.signing.verify_pdf` against
the trust store (:func:`.trust.trust_roots`) and sums the result up in one of five
verdicts a citizen can act on.

Each signature
--------------
* ``intact``: the signed bytes are unchanged and the signature value verifies.
* ``modification_level``: ``"none"`` (the signature covers the whole file),
  ``"form_filling_or_signatures"`` (later revisions only add signatures or fill in
  forms, which PAdES allows: the agency's seal after the leader's signature),
  ``"disallowed"`` (anything else was changed after signing).
* ``trusted``: the signer's certificate chains to a trusted root. Time is left out of
  this question: a certificate that expired since is still trusted if its chain was
  valid at the reference time below (pyHanko is asked again at that moment).
* ``expired``: the certificate was not valid at the reference time — the time
  certified by a valid RFC 3161 timestamp, else the time the signer declared — or,
  without a certified timestamp, it has expired by now (nothing then proves the
  signature was made while the certificate was valid).

A timestamp that cannot be validated only means the signing time is not certified.
A revoked certificate counts as not trusted.

The document's verdict, by precedence
-------------------------------------
1. ``"unsigned"``: no signature at all.
2. ``"tampered"``: some signature is not intact, or was followed by changes that are
   not allowed. Whatever else is true, the content cannot be relied on.
3. ``"untrusted"``: some signer's certificate does not chain to a trusted root. Who
   signed is unknown, which outweighs a validity period.
4. ``"expired"``: every signer is trusted, but some certificate was out of its
   validity period (as above).
5. ``"valid"``: otherwise.

Issued documents and their QR code
----------------------------------
:func:`issued_document_token` gives ``"<id>-<16 characters>"``: the document's id and a
truncated HMAC-SHA256 of it keyed with ``settings.SECRET_KEY`` (96 bits, URL-safe
base64). It is printed as a QR code linking to ``/xac-thuc/van-ban/<token>/``. Tokens
made with a key in ``settings.SECRET_KEY_FALLBACKS`` stay valid, so **keep the old key
among the fallbacks when rotating SECRET_KEY**, or every printed QR code stops working.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from dataclasses import dataclass, field

from cryptography import x509
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Verdict
from .signing import SignatureVerdict, SigningError, verify_pdf
from .trust import trust_roots

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MODIFICATION_LABELS",
    "VERDICTS",
    "VERDICT_SENTENCES",
    "FileTooLarge",
    "NotAPdf",
    "SignatureReport",
    "UnverifiableUpload",
    "VerificationReport",
    "document_for_token",
    "issued_document_token",
    "latest_signed_file",
    "verify_document",
    "verify_upload",
]

logger = logging.getLogger(__name__)

#: Largest PDF the public page and API accept.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PDF_HEADER = b"%PDF-"

#: The five verdicts (``models.Verdict``, the values of the public contract).
VERDICTS = tuple(Verdict.values)

VERDICT_SENTENCES: dict[str, Promise] = {
    "valid": _("The signatures are valid: the document has not been changed since it was "
               "signed, and every signer's certificate comes from a trusted certification "
               "authority."),
    "tampered": _("Warning: the document was changed after it was signed. Do not rely on "
                  "its content."),
    "untrusted": _("The document has not been changed since it was signed, but a signer's "
                   "certificate does not come from a trusted certification authority: who "
                   "signed it cannot be confirmed."),
    "expired": _("The document has not been changed since it was signed, but a signer's "
                 "certificate was not valid when it was signed, or has expired without a "
                 "timestamp proving the signature was made in time."),
    "unsigned": _("This PDF file carries no digital signature."),
}

MODIFICATION_LABELS: dict[str, Promise] = {
    "none": _("No change after signing"),
    "form_filling_or_signatures": _("Only further signatures or form filling were added after signing"),
    "disallowed": _("Changes that are not allowed were made after signing"),
}

_EXPIRY_MESSAGES: dict[str, Promise] = {
    "not_valid_at_signing": _("The signer's certificate was not valid at the time of signing."),
    "expired_without_timestamp": _("The signer's certificate has expired and no timestamp "
                                   "proves that the document was signed while it was valid."),
    "expired_since": _("The signer's certificate has expired since; the timestamp proves the "
                       "document was signed while it was valid."),
}


class UnverifiableUpload(ValueError):
    """The uploaded bytes cannot be verified; ``reason`` is a translatable sentence."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


class NotAPdf(UnverifiableUpload):
    """Empty, not a PDF, or a PDF that cannot be read."""


class FileTooLarge(UnverifiableUpload):
    """Larger than :data:`MAX_UPLOAD_BYTES`."""


def too_large_reason() -> str:
    return str(_("The file is larger than %(size)s MB: it cannot be checked here.")
               % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})


@dataclass(frozen=True)
class SignatureReport:
    """One signature as the page and the API show it."""

    field_name: str
    signer_name: str
    signer_organisation: str
    signer_title: str
    issuer_name: str
    signed_at: dt.datetime | None
    time_certified: bool
    intact: bool
    trusted: bool
    expired: bool
    modification_level: str
    status: str  # this signature's own verdict: valid, tampered, untrusted or expired
    messages: tuple[Promise, ...] = ()
    verdict: SignatureVerdict | None = field(default=None, repr=False, compare=False)

    @property
    def signer(self) -> str:
        """Common name, and the organisation when it says more."""
        if self.signer_organisation and self.signer_organisation != self.signer_name:
            return f"{self.signer_name}, {self.signer_organisation}"
        return self.signer_name

    @property
    def modification_label(self) -> Promise:
        return MODIFICATION_LABELS[self.modification_level]

    def as_dict(self) -> dict:
        """The public API's shape (a contract: keep it)."""
        return {"signer": self.signer, "signed_at": self.signed_at, "intact": self.intact,
                "trusted": self.trusted, "modification_level": self.modification_level}


@dataclass(frozen=True)
class VerificationReport:
    verdict: str
    signatures: tuple[SignatureReport, ...]

    @property
    def sentence(self) -> Promise:
        return VERDICT_SENTENCES[self.verdict]

    def as_dict(self) -> dict:
        """The public API's shape (a contract: keep it)."""
        return {"verdict": self.verdict, "signatures": [s.as_dict() for s in self.signatures]}


# ------------------------------------------------------------------ verifying


def verify_upload(data: bytes) -> VerificationReport:
    """Check a PDF someone uploaded. Raises :class:`NotAPdf` (empty, not a PDF,
    unreadable) or :class:`FileTooLarge`; otherwise returns the report."""
    data = bytes(data)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(too_large_reason())
    return _verify_pdf_bytes(data)


def _verify_pdf_bytes(data: bytes) -> VerificationReport:
    if not data:
        raise NotAPdf(_("The file is empty."))
    if PDF_HEADER not in data[:1024]:
        raise NotAPdf(_("This file is not a PDF document."))
    roots = trust_roots()
    try:
        verdicts = verify_pdf(data, trust_roots=roots)
    except SigningError as exc:
        raise NotAPdf(_("This PDF file is damaged and cannot be read.")) from exc
    except Exception as exc:  # a malformed file must not become a server error
        logger.info("Unreadable PDF upload: %s", type(exc).__name__)
        raise NotAPdf(_("This PDF file is damaged and cannot be read.")) from exc
    return _report(data, verdicts, roots)


def _report(data: bytes, verdicts: list[SignatureVerdict],
            roots: list[x509.Certificate]) -> VerificationReport:
    if not verdicts:
        return VerificationReport(verdict="unsigned", signatures=())
    now = timezone.now()
    certificates = _signer_certificates(data)
    signatures = tuple(_signature_report(v, certificates.get(v.certificate_sha256), data, roots, now)
                       for v in verdicts)
    statuses = {s.status for s in signatures}
    for verdict in ("tampered", "untrusted", "expired"):
        if verdict in statuses:
            return VerificationReport(verdict=verdict, signatures=signatures)
    return VerificationReport(verdict="valid", signatures=signatures)


def _modification_level(v: SignatureVerdict) -> str:
    if v.covers_whole_document:
        return "none"
    if v.covers_own_revision and v.changes_allowed is True:
        return "form_filling_or_signatures"
    return "disallowed"


def _signature_report(v: SignatureVerdict, cert: x509.Certificate | None, data: bytes,
                      roots: list[x509.Certificate], now: dt.datetime) -> SignatureReport:
    unreadable = "unreadable" in v.problems
    intact = v.intact and v.signature_valid and not unreadable
    level = "disallowed" if unreadable else _modification_level(v)
    revoked = "revoked" in v.problems
    reference = (v.timestamp_time if v.signing_time_certified else v.signing_time) or now

    expiry: str | None = None
    if cert is not None:
        start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
        if not start <= reference <= end:
            expiry = "not_valid_at_signing"
        elif now > end:
            expiry = "expired_since" if v.signing_time_certified else "expired_without_timestamp"

    trusted = bool(v.valid)
    if not trusted and not revoked and not unreadable and cert is not None:
        # pyHanko judged the chain now; ask again at a moment the certificate was valid,
        # so that an expired certificate is not mistaken for an unknown one.
        moment = min(max(reference, cert.not_valid_before_utc), cert.not_valid_after_utc)
        trusted = _trusted_at(data, v.field_name, roots, moment)

    if not intact or level == "disallowed":
        status = "tampered"
    elif not trusted:
        status = "untrusted"
    elif expiry in ("not_valid_at_signing", "expired_without_timestamp"):
        status = "expired"
    else:
        status = "valid"

    messages = list(v.messages)
    codes = [*v.problems, *v.notes]
    if len(codes) == len(messages):  # SignatureVerdict lists problems', then notes' texts
        messages = [m for code, m in zip(codes, messages, strict=True)
                    if not (code == "untrusted" and trusted)]
    if expiry is not None and intact:
        messages.insert(0, _EXPIRY_MESSAGES[expiry])
    return SignatureReport(
        field_name=v.field_name, signer_name=v.signer_name,
        signer_organisation=v.signer_organisation, signer_title=v.signer_title,
        issuer_name=v.issuer_name, signed_at=v.signing_time,
        time_certified=v.signing_time_certified, intact=intact, trusted=trusted and not revoked,
        expired=status == "expired", modification_level=level, status=status,
        messages=tuple(messages), verdict=v)


def _signer_certificates(data: bytes) -> dict[str, x509.Certificate]:
    """The signers' certificates by SHA-256 (hex): verify_pdf gives only their hash."""
    from cryptography.hazmat.primitives import hashes
    from pyhanko.pdf_utils.reader import PdfFileReader

    result: dict[str, x509.Certificate] = {}
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        for emb in reader.embedded_regular_signatures:
            try:
                cert = x509.load_der_x509_certificate(emb.signer_cert.dump())
                result[cert.fingerprint(hashes.SHA256()).hex()] = cert
            except Exception:  # noqa: BLE001, S112  (a garbage CMS: verify_pdf reported it)
                continue
    except Exception:  # noqa: BLE001
        return result
    return result


def _trusted_at(data: bytes, field_name: str, roots: list[x509.Certificate],
                moment: dt.datetime) -> bool:
    """Whether pyHanko finds a valid path to a trusted root for this signature's
    certificate, validating at ``moment`` instead of now."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from .signing import _run

    if not roots:
        return False
    anchors = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in roots]

    async def check() -> bool:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        emb = next(e for e in reader.embedded_regular_signatures if str(e.field_name) == field_name)
        status = await async_validate_pdf_signature(
            emb,
            signer_validation_context=ValidationContext(
                trust_roots=anchors, moment=moment, allow_fetching=False,
                revocation_mode="soft-fail"),
            ts_validation_context=ValidationContext(
                trust_roots=anchors, allow_fetching=False, revocation_mode="soft-fail"),
            skip_diff=True,
        )
        return bool(status.trusted)

    try:
        return _run(check())
    except Exception:  # noqa: BLE001  (no path: not trusted)
        return False


# ------------------------------------------------------------------ issued documents

_TOKEN_SALT = "chinhquyenso.documents.verification.issued-document"
_TOKEN_MAC_LENGTH = 16


def _token_mac(document_id: int, secret) -> str:
    digest = salted_hmac(_TOKEN_SALT, str(document_id), secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:_TOKEN_MAC_LENGTH]


def issued_document_token(document) -> str:
    """``"<id>-<16 URL-safe characters>"`` for the QR code printed on an issued document."""
    return f"{document.pk}-{_token_mac(document.pk, settings.SECRET_KEY)}"


def document_for_token(token: str):
    """The issued OutgoingDocument this token names, or None (bad token, document not
    issued — still in the flow, or recalled —, or confidential: a public page never
    shows a confidential document, whoever holds the paper)."""
    from .models import Confidentiality, OutgoingDocument, OutgoingState

    id_part, _sep, mac = (token or "").partition("-")
    if not id_part.isdigit() or len(id_part) > 18 or len(mac) != _TOKEN_MAC_LENGTH:
        return None
    document_id = int(id_part)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(constant_time_compare(mac, _token_mac(document_id, s)) for s in secrets if s):
        return None
    return (OutgoingDocument.objects.select_related("agency", "document_type")
            .filter(pk=document_id, state=OutgoingState.ISSUED,
                    confidentiality=Confidentiality.NORMAL)
            .first())


def latest_signed_file(document):
    """The document's latest stored signed revision (DocumentFile), or None."""
    from .models import DocumentFile

    return (document.files.filter(kind=DocumentFile.Kind.SIGNED)
            .order_by("-created_at", "-pk").first())


def verify_document(document) -> VerificationReport | None:
    """The verdict on an issued document's latest signed file; None without one.

    A stored file whose bytes no longer match the SHA-256 recorded when it was stored
    is reported as tampered (with no signature detail: those bytes are not the
    document's)."""
    from django.core.exceptions import ValidationError

    from .files import read_document_file

    record = latest_signed_file(document)
    if record is None:
        return None
    try:
        data = read_document_file(record)
    except ValidationError:
        logger.warning("Stored signed file %s of outgoing document %s was altered",
                       record.pk, document.pk)
        return VerificationReport(verdict="tampered", signatures=())
    try:
        return _verify_pdf_bytes(data)
    except UnverifiableUpload:
        return VerificationReport(verdict="tampered", signatures=())
