"""PAdES signing and verification of official documents, with pyHanko.

A pure library on bytes and keys; the document services store the results.

Signing in two phases
---------------------
Officials sign with a USB token or a phone, so the platform never needs their key:

1. :func:`prepare_signature` appends an incremental revision to the PDF holding
   the signature field, its visible stamp (or none) and a signature dictionary
   with a zero-filled ``/Contents`` placeholder, computes the digest of the
   ``/ByteRange`` (everything but the placeholder) and builds the CMS signed
   attributes (PAdES baseline: content type, message digest, signing-certificate-v2;
   the signing time is the dictionary's ``/M``, shown on the stamp too). It returns
   a :class:`PreparedSignature`; ``prepared.digest_to_sign`` (the hash of the DER
   signed attributes) is what the signer's device signs.
2. The signer returns a raw signature (or a complete CMS).
3. :func:`complete_signature` checks the signature against the certificate,
   wraps it in a CMS SignedData (adding an RFC 3161 signature timestamp when a
   timestamper is given: PAdES B-T), writes it into the placeholder and checks the
   result once more. The output is the prepared bytes with the placeholder filled
   in: it starts with the original PDF byte-for-byte.

:func:`sign_pdf` does all three with a :class:`Signer` (server-held key, external
HTTP signer, PKCS#11 token). Signing an already signed PDF (the agency's seal after
the leader's signature) adds another incremental revision and leaves the first
signature valid. :func:`verify_pdf` reports one :class:`SignatureVerdict` per
signature.

What a PreparedSignature holds (``to_dict`` / ``from_dict``, JSON-safe)
-------------------------------------------------------------------------
``pdf`` (the prepared PDF with the placeholder, a few tens of KiB larger than the
original), ``reserved_region_start`` / ``reserved_region_end`` (byte offsets of the
hex placeholder, i.e. the hole in the ``/ByteRange``), ``document_digest`` (the
byte-range hash), ``signed_attributes`` (DER), ``md_algorithm``, the signer's
``certificate`` and ``chain`` (DER), ``field_name``, ``signed_at`` and
``original_sha256``. Keep it server-side (cache, session, database) between the
"prepare" and the "complete" requests: only ``digest_to_sign`` (and optionally the
signed attributes and document digest) go to the signer's device. Nothing in it is
secret, but it must not be altered: a changed PDF or attribute set makes the
completion fail its checks.

Stamp font
----------
The visible stamp is drawn with DejaVu Sans (``core/fonts/DejaVuSans.ttf``) through
pyHanko's OpenType/HarfBuzz engine, which embeds a subset of the font
(``/FontFile2``), so Vietnamese diacritics display in any reader.

Async note: pyHanko's API is asynchronous; these functions are synchronous and run
it on a private event loop (in a worker thread when called from a running loop).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import hashlib
import io
import logging
import os
import tempfile
import threading
import unicodedata
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable
from zoneinfo import ZoneInfo

from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from fontTools import subset
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import attributes as pyhanko_attributes
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import ExternalSigner, PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from chinhquyenso.core.pdf import FONT_DIR

from .external_signer import ExternalHttpSigner, ExternalSignerError, signature_algorithm_for
from .pki import CertifiedKey, PrivateKey, decrypt_at_rest, load_pkcs12

__all__ = [
    "DEFAULT_STAMP_BOX",
    "ExternalHttpSigner",
    "ExternalSignerError",
    "Pkcs11Signer",
    "PreparedSignature",
    "ServerKeySigner",
    "SignatureRejectedError",
    "SignatureVerdict",
    "Signer",
    "SigningError",
    "StampText",
    "complete_signature",
    "format_signing_time",
    "http_timestamper",
    "is_incremental_update",
    "local_timestamper",
    "prepare_signature",
    "sha256_hex",
    "sign_pdf",
    "stamp_style",
    "timestamper_from_settings",
    "verify_pdf",
]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# fontTools logs every glyph of the stamp's font subset (INFO) and harmless dropped tables (WARNING).
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
# pyHanko logs a full traceback for every untrusted or expired signature it validates;
# the verdict says it, and the public verification page would fill the logs.
logging.getLogger("pyhanko.sign.validation").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)
STAMP_FONT = FONT_DIR / "DejaVuSans.ttf"
#: Lower right of an A4 page (points: x1, y1, x2, y2), where the signature block sits.
DEFAULT_STAMP_BOX: tuple[int, int, int, int] = (315, 60, 565, 135)
#: Room kept for a signature timestamp token (hex characters) when estimating.
TIMESTAMP_RESERVE = 16_384

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

T = TypeVar("T")


class SigningError(Exception):
    """Preparing or completing a signature failed."""


class SignatureRejectedError(SigningError):
    """The signature (or CMS) returned by the signer does not fit the prepared revision."""


# ------------------------------------------------------------------- helpers


_thread_loops = threading.local()


def _run(coro: Awaitable[T]) -> T:
    """Run a pyHanko coroutine from synchronous code (even inside a running loop).

    Each thread keeps one event loop: ``asyncio.run`` makes a new loop and installs
    a SIGINT handler every time, and formatting that handler's repr (which holds the
    coroutine and its ASN.1 arguments) cost ~10 ms per call."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_thread_loops, "loop", None)
        if loop is None or loop.is_closed():
            loop = _thread_loops.loop = asyncio.new_event_loop()
        return loop.run_until_complete(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _as_crypto(cert: x509.Certificate | asn1_x509.Certificate | bytes) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    if isinstance(cert, asn1_x509.Certificate):
        return x509.load_der_x509_certificate(cert.dump())
    return x509.load_der_x509_certificate(bytes(cert))


def _as_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(_der(cert))


def _hash_cls(algorithm: str) -> type[hashes.HashAlgorithm]:
    try:
        return _HASHES[algorithm.lower()]
    except KeyError:
        raise SigningError(f"Unsupported digest algorithm {algorithm!r}") from None


def _digest(data: bytes, algorithm: str) -> bytes:
    h = hashes.Hash(_hash_cls(algorithm)())
    h.update(data)
    return h.finalize()


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of a file's bytes (what the services store next to an original)."""
    return hashlib.sha256(data).hexdigest()


def is_incremental_update(original: bytes, updated: bytes) -> bool:
    """Whether ``updated`` only appends to ``original`` (an incremental revision)."""
    return len(updated) > len(original) and updated.startswith(original)


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return ""
    value = values[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# ------------------------------------------------------------------- signers


@runtime_checkable
class Signer(Protocol):
    """Something that can sign a prepared digest with the key of ``certificate``.

    ``sign_digest`` receives the digest of the CMS signed attributes (already
    hashed with ``algorithm``) and returns the raw signature value: RSA PKCS#1 v1.5,
    or ECDSA (DER or raw r||s). A signer may also offer
    ``sign_prepared(prepared) -> bytes`` returning a raw signature or a whole CMS;
    :func:`sign_pdf` uses it when present.
    """

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> Sequence[x509.Certificate]: ...

    def sign_digest(self, digest: bytes, algorithm: str) -> bytes: ...


def sign_prehashed(key: PrivateKey, digest: bytes, algorithm: str) -> bytes:
    """Raw signature of an already computed digest (what a token does)."""
    algo = Prehashed(_hash_cls(algorithm)())
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), algo)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(digest, ec.ECDSA(algo))
    raise SigningError("Only RSA and ECDSA keys can sign")


class ServerKeySigner:
    """Signs with a key held by the server, loaded from a PKCS#12.

    Used for the agency's seal and for the demo. Build it for the duration of a
    signing operation from the encrypted blob and the passphrase the user typed
    (:meth:`from_stored_pkcs12`); do not keep it around.
    """

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: PrivateKey,
        chain: Sequence[x509.Certificate] = (),
    ):
        self._certificate = certificate
        self._key = private_key
        self._chain = tuple(chain)

    @classmethod
    def from_certified_key(cls, ck: CertifiedKey) -> ServerKeySigner:
        return cls(ck.certificate, ck.private_key, ck.chain)

    @classmethod
    def from_pkcs12(cls, data: bytes, passphrase: str | bytes) -> ServerKeySigner:
        return cls.from_certified_key(load_pkcs12(data, passphrase))

    @classmethod
    def from_stored_pkcs12(
        cls, blob: bytes, passphrase: str | bytes, *, key_material: str | bytes | None = None
    ) -> ServerKeySigner:
        """From a blob made by :func:`.pki.encrypt_at_rest` of a PKCS#12."""
        return cls.from_pkcs12(decrypt_at_rest(blob, key_material=key_material), passphrase)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    def sign_digest(self, digest: bytes, algorithm: str) -> bytes:
        return sign_prehashed(self._key, digest, algorithm)


_DIGEST_INFO_PREFIX = {
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}


class Pkcs11Signer:
    """Signs with a key on a PKCS#11 token (USB token, HSM) through python-pkcs11.

    python-pkcs11 is an optional dependency that this deployment does not install;
    without it (or without the token) the constructor raises ``NotImplementedError``
    with an explanation. The file-based path (:class:`ServerKeySigner` from a
    PKCS#12) and the :class:`.ExternalHttpSigner` (a token helper on the official's
    computer) are the supported ones. The token code below follows python-pkcs11's
    API but has not been exercised against a real token here.
    """

    def __init__(
        self,
        *,
        library_path: str,
        token_label: str,
        pin: str,
        key_label: str | None = None,
        key_id: bytes | None = None,
        certificate: x509.Certificate | None = None,
        chain: Sequence[x509.Certificate] = (),
    ):
        try:
            import pkcs11  # noqa: F401  (optional dependency)
        except ImportError:
            raise NotImplementedError(
                "PKCS#11 signing needs the optional python-pkcs11 package, which is not "
                "installed. Upload a PKCS#12 file (server-held key) or use the external "
                "signer (token helper / remote-signing service) instead."
            ) from None
        if key_label is None and key_id is None:
            raise ValueError("Give the key's label or id on the token")
        self.library_path = library_path
        self.token_label = token_label
        self._pin = pin
        self.key_label = key_label
        self.key_id = key_id
        self._chain = tuple(chain)
        self._certificate = certificate or self._read_certificate()

    def _open(self):
        import pkcs11

        lib = pkcs11.lib(self.library_path)
        try:
            token = lib.get_token(token_label=self.token_label)
        except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned) as exc:
            raise NotImplementedError(
                f"PKCS#11 token {self.token_label!r} is not available: {exc}"
            ) from exc
        return token.open(user_pin=self._pin)

    def _lookup(self) -> dict[Any, Any]:
        from pkcs11 import Attribute

        attrs: dict[Any, Any] = {}
        if self.key_label is not None:
            attrs[Attribute.LABEL] = self.key_label
        if self.key_id is not None:
            attrs[Attribute.ID] = self.key_id
        return attrs

    def _read_certificate(self) -> x509.Certificate:
        from pkcs11 import Attribute, ObjectClass

        with self._open() as session:
            query = {Attribute.CLASS: ObjectClass.CERTIFICATE, **self._lookup()}
            for obj in session.get_objects(query):
                return x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
        raise SigningError("No certificate for this key on the PKCS#11 token")

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    def sign_digest(self, digest: bytes, algorithm: str) -> bytes:
        from pkcs11 import KeyType, Mechanism, ObjectClass

        with self._open() as session:
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, **_pkcs11_kwargs(self))
            if key.key_type == KeyType.RSA:
                prefix = _DIGEST_INFO_PREFIX[algorithm.lower()]
                return bytes(key.sign(prefix + digest, mechanism=Mechanism.RSA_PKCS))
            if key.key_type == KeyType.EC:
                raw = bytes(key.sign(digest, mechanism=Mechanism.ECDSA))
                return _ecdsa_to_der(raw)
        raise SigningError("Unsupported key type on the PKCS#11 token")


def _pkcs11_kwargs(signer: Pkcs11Signer) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if signer.key_label is not None:
        kwargs["label"] = signer.key_label
    if signer.key_id is not None:
        kwargs["id"] = signer.key_id
    return kwargs


def _ecdsa_to_der(raw: bytes) -> bytes:
    half = len(raw) // 2
    return encode_dss_signature(
        int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    )


# --------------------------------------------------------------------- stamp


def format_signing_time(when: dt.datetime) -> str:
    """``14:05:09 26/11/2026`` in Vietnam time."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(VN_TZ).strftime("%H:%M:%S %d/%m/%Y")


@dataclass(frozen=True)
class StampText:
    """What the visible stamp says. Empty lines are left out.

    ``capacity`` is the signing authority line (``TM. ỦY BAN NHÂN DÂN``,
    ``KT. CHỦ TỊCH``…); ``organisation`` is used for the agency's seal.
    ``signed_at`` defaults to the moment of preparation.
    """

    name: str
    title: str = ""
    capacity: str = ""
    signed_at: dt.datetime | None = None
    organisation: str = ""

    def render(self, signed_at: dt.datetime) -> str:
        lines = []
        if self.capacity:
            lines.append(self.capacity)
        lines.append(f"Ký bởi: {self.name}")
        if self.title:
            lines.append(f"Chức vụ: {self.title}")
        if self.organisation:
            lines.append(f"Cơ quan: {self.organisation}")
        lines.append(f"Thời gian ký: {format_signing_time(signed_at)}")
        text = "\n".join(" ".join(line.split()) for line in lines)
        return unicodedata.normalize("NFC", text)


#: What the stamp can say: ASCII, the Vietnamese letters (precomposed: Latin-1's accented
#: vowels, ă â đ ê ô ơ ư ĩ ũ, and the Latin Extended Additional block), a few marks of
#: punctuation. Every glyph kept costs time when the font is embedded in a signature.
_STAMP_CODEPOINTS = (
    *range(0x20, 0x7F), *range(0xC0, 0x100), 0x102, 0x103, 0x110, 0x111, 0x128, 0x129, 0x168,
    0x169, 0x1A0, 0x1A1, 0x1AF, 0x1B0, *range(0x1EA0, 0x1EFA),
    0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026,
)
_stamp_font_lock = threading.Lock()
_stamp_font: Path | None = None


def stamp_font_path() -> Path:
    """DejaVu Sans cut down to the stamp's characters, without its layout tables.

    The full font's GPOS/GSUB tables made every signature spend ~150 ms decompiling
    them to embed a subset; the cut-down font (~50 KiB) is made once per machine in the
    temporary directory (named by the source's digest) and embeds in a few ms. Stamp
    text is NFC, so Vietnamese letters are single glyphs and need no mark positioning.
    """
    global _stamp_font
    with _stamp_font_lock:
        if _stamp_font is not None and _stamp_font.exists():
            return _stamp_font
        source = STAMP_FONT.read_bytes()
        digest = hashlib.sha256(source + repr(_STAMP_CODEPOINTS).encode()).hexdigest()[:16]
        target = Path(tempfile.gettempdir()) / f"chinhquyenso-stamp-{digest}.ttf"
        if not target.exists():
            options = subset.Options()
            options.layout_features = []
            options.name_IDs = ["*"]
            options.hinting = False
            options.notdef_outline = True
            font = subset.load_font(str(STAMP_FONT), options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=_STAMP_CODEPOINTS)
            subsetter.subset(font)
            partial = target.with_suffix(f".{os.getpid()}.part")
            subset.save_font(font, str(partial), options)
            os.replace(partial, target)
        _stamp_font = target
        return target


def stamp_style(*, font_path: str | Path | None = None, font_size: int = 9) -> TextStampStyle:
    """The signature stamp: a thin red frame around dark text in DejaVu Sans (embedded)."""
    font = GlyphAccumulatorFactory(str(font_path or stamp_font_path()), font_size=font_size)
    return TextStampStyle(
        stamp_text="%(cqs_stamp)s",
        text_box_style=TextBoxStyle(
            font=font,
            font_size=font_size,
            leading=int(font_size * 1.35),
            text_color=(0.05, 0.1, 0.45),
        ),
        border_width=1,
        border_color=(0.75, 0.1, 0.1),
        background=None,
    )


# ----------------------------------------------------------- the two phases


def _b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64d(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


@dataclass(frozen=True)
class PreparedSignature:
    """A PDF revision waiting for its signature (see the module docstring)."""

    pdf: bytes = field(repr=False)
    field_name: str
    md_algorithm: str
    document_digest: bytes
    reserved_region_start: int
    reserved_region_end: int
    signed_attributes: bytes = field(repr=False)
    certificate: bytes = field(repr=False)
    chain: tuple[bytes, ...] = field(repr=False, default=())
    signed_at: dt.datetime | None = None
    original_sha256: str = ""

    @property
    def digest_to_sign(self) -> bytes:
        """Hash of the DER signed attributes: the value the signer's key signs."""
        return _digest(self.signed_attributes, self.md_algorithm)

    @property
    def signer_certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificate)

    @property
    def signature_algorithm(self) -> str:
        return signature_algorithm_for(self.signer_certificate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "pdf": _b64e(self.pdf),
            "field_name": self.field_name,
            "md_algorithm": self.md_algorithm,
            "document_digest": _b64e(self.document_digest),
            "reserved_region_start": self.reserved_region_start,
            "reserved_region_end": self.reserved_region_end,
            "signed_attributes": _b64e(self.signed_attributes),
            "certificate": _b64e(self.certificate),
            "chain": [_b64e(c) for c in self.chain],
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "original_sha256": self.original_sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreparedSignature:
        if data.get("version") != 1:
            raise SigningError("Unknown prepared-signature format")
        signed_at = data.get("signed_at")
        return cls(
            pdf=_b64d(data["pdf"]),
            field_name=str(data["field_name"]),
            md_algorithm=str(data["md_algorithm"]),
            document_digest=_b64d(data["document_digest"]),
            reserved_region_start=int(data["reserved_region_start"]),
            reserved_region_end=int(data["reserved_region_end"]),
            signed_attributes=_b64d(data["signed_attributes"]),
            certificate=_b64d(data["certificate"]),
            chain=tuple(_b64d(c) for c in data.get("chain", [])),
            signed_at=dt.datetime.fromisoformat(signed_at) if signed_at else None,
            original_sha256=str(data.get("original_sha256", "")),
        )


def _default_reserve(cert: x509.Certificate, chain: Sequence[x509.Certificate],
                     timestamped: bool = True) -> int:
    certs = sum(len(_der(c)) for c in (cert, *chain))
    # hex doubles the DER size; 2 KiB covers the signed attributes and the signature
    return 2 * (certs + 2048) + (TIMESTAMP_RESERVE if timestamped else 0)


def prepare_signature(
    pdf_bytes: bytes,
    *,
    field_name: str,
    signer_cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    stamp: StampText | None = None,
    page: int = 0,
    box: tuple[int, int, int, int] | None = None,
    md_algorithm: str = "sha256",
    reason: str | None = None,
    location: str | None = None,
    bytes_reserved: int | None = None,
    font_path: str | Path | None = None,
    signed_at: dt.datetime | None = None,
    timestamped: bool = True,
) -> PreparedSignature:
    """Phase 1: add the signature revision and compute what must be signed.

    ``stamp`` makes the signature visible in ``box`` (default
    :data:`DEFAULT_STAMP_BOX`) on ``page`` (0-based, negative counts from the end);
    without it the signature is invisible. An existing empty signature field named
    ``field_name`` is used if the PDF has one. ``bytes_reserved`` is the size of
    the ``/Contents`` placeholder in hex characters (default: enough for the
    certificates, the signature and, unless ``timestamped`` is false, a timestamp
    token: the placeholder is read back after embedding, so a needless 16 KiB costs
    time on every signature). The signing time (``/M``,
    and the stamp's) is ``signed_at``, else ``stamp.signed_at``, else now.
    """
    md_algorithm = md_algorithm.lower()
    _hash_cls(md_algorithm)
    signed_at = (
        signed_at or (stamp.signed_at if stamp is not None else None) or dt.datetime.now(dt.UTC)
    )
    if signed_at.tzinfo is None:
        raise SigningError("signed_at must be timezone-aware")
    signed_at = signed_at.replace(microsecond=0)
    asn1_cert = _as_asn1(signer_cert)
    registry = SimpleCertificateStore.from_certs([_as_asn1(c) for c in chain])
    ext = ExternalSigner(signing_cert=asn1_cert, cert_registry=registry)
    meta = PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=md_algorithm,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    field_spec = SigFieldSpec(
        sig_field_name=field_name,
        on_page=page,
        box=(box or DEFAULT_STAMP_BOX) if stamp is not None else None,
    )
    pdf_signer = PdfSigner(
        meta,
        ext,
        stamp_style=stamp_style(font_path=font_path) if stamp is not None else None,
        new_field_spec=field_spec,
    )
    text_params = {"cqs_stamp": stamp.render(signed_at)} if stamp is not None else None
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
        session = pdf_signer.init_signing_session(writer)
        session.system_time = signed_at
        tbs = session.prepare_tbs_document(
            validation_info=None,
            bytes_reserved=bytes_reserved or _default_reserve(signer_cert, chain, timestamped),
            appearance_text_params=text_params,
        )
        prepared_digest, output = tbs.digest_tbs_document()
        signed_attrs = _run(
            ext.signed_attrs(
                prepared_digest.document_digest,
                md_algorithm,
                attr_settings=PdfCMSSignedAttributes(signing_time=signed_at),
                use_pades=True,
            )
        )
    except (PdfError, PyHankoSigningError) as exc:
        raise SigningError(f"Could not prepare the signature: {exc}") from exc
    return PreparedSignature(
        pdf=output.getvalue(),
        field_name=field_name,
        md_algorithm=md_algorithm,
        document_digest=prepared_digest.document_digest,
        reserved_region_start=prepared_digest.reserved_region_start,
        reserved_region_end=prepared_digest.reserved_region_end,
        signed_attributes=signed_attrs.dump(),
        certificate=_der(signer_cert),
        chain=tuple(_der(c) for c in chain),
        signed_at=signed_at,
        original_sha256=sha256_hex(pdf_bytes),
    )


def _load_cms(data: bytes) -> asn1_cms.ContentInfo | None:
    """The CMS if ``data`` is a DER SignedData ContentInfo, else None (a raw signature)."""
    if not data or data[0] != 0x30:
        return None
    try:
        info = asn1_cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            return None
        info["content"]["signer_infos"]  # noqa: B018  (forces parsing)
    except (ValueError, TypeError, KeyError):
        return None
    return info


def _normalise_signature(signature: bytes, cert: x509.Certificate) -> bytes:
    public = cert.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        try:
            r, s = decode_dss_signature(signature)
            if encode_dss_signature(r, s) == signature:
                return signature
        except ValueError:
            pass
        size = (public.curve.key_size + 7) // 8
        if len(signature) == 2 * size:
            return _ecdsa_to_der(signature)
        raise SignatureRejectedError("Malformed ECDSA signature")
    return signature


def _check_raw_signature(prepared: PreparedSignature, signature: bytes) -> None:
    cert = prepared.signer_certificate
    public = cert.public_key()
    hash_algo = _hash_cls(prepared.md_algorithm)()
    from cryptography.exceptions import InvalidSignature

    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, prepared.signed_attributes, padding.PKCS1v15(), hash_algo)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, prepared.signed_attributes, ec.ECDSA(hash_algo))
        else:
            raise SignatureRejectedError("Unsupported key type")
    except InvalidSignature:
        raise SignatureRejectedError(
            "The returned signature does not match the prepared document and certificate"
        ) from None


async def _timestamp_attribute(
    signature: bytes, md_algorithm: str, timestamper: TimeStamper
) -> asn1_cms.CMSAttribute:
    provider = pyhanko_attributes.TSTProvider(
        digest_algorithm=md_algorithm, data_to_ts=signature, timestamper=timestamper
    )
    return await provider.get_attribute()


def _complete_external_cms(
    prepared: PreparedSignature, info: asn1_cms.ContentInfo, timestamper: TimeStamper | None
) -> asn1_cms.ContentInfo:
    """Accept a CMS built by a remote service; add a signature timestamp if asked."""
    signed_data = info["content"]
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise SignatureRejectedError("The CMS must hold exactly one signer")
    sid = signer_infos[0]["sid"]
    cert = prepared.signer_certificate
    expected = _as_asn1(cert)
    if sid.name == "issuer_and_serial_number" and (
        sid.chosen["serial_number"].native != cert.serial_number
        or sid.chosen["issuer"].dump() != expected.issuer.dump()
    ):
        raise SignatureRejectedError("The CMS was signed with another certificate")
    if timestamper is None or (
        signer_infos[0]["unsigned_attrs"].native
        and any(
            a["type"].native == "signature_time_stamp_token"
            for a in signer_infos[0]["unsigned_attrs"]
        )
    ):
        return info
    old = signer_infos[0]
    attr = _run(_timestamp_attribute(old["signature"].native, prepared.md_algorithm, timestamper))
    existing = list(old["unsigned_attrs"]) if old["unsigned_attrs"].native else []
    new_info = asn1_cms.SignerInfo(
        {
            "version": old["version"],
            "sid": old["sid"],
            "digest_algorithm": old["digest_algorithm"],
            "signed_attrs": old["signed_attrs"],
            "signature_algorithm": old["signature_algorithm"],
            "signature": old["signature"],
            "unsigned_attrs": asn1_cms.CMSAttributes([*existing, attr]),
        }
    )
    new_sd = asn1_cms.SignedData(
        {
            "version": signed_data["version"],
            "digest_algorithms": signed_data["digest_algorithms"],
            "encap_content_info": signed_data["encap_content_info"],
            "certificates": signed_data["certificates"],
            "signer_infos": asn1_cms.SignerInfos([new_info]),
        }
    )
    return asn1_cms.ContentInfo({"content_type": "signed_data", "content": new_sd})


def complete_signature(
    prepared: PreparedSignature,
    signature_or_cms: bytes,
    *,
    timestamper: TimeStamper | None = None,
    read_back: bool = True,
) -> bytes:
    """Phase 2: embed the signer's answer and return the signed PDF bytes.

    ``signature_or_cms`` is either the raw signature of ``prepared.digest_to_sign``
    (checked against the certificate before use) or a DER CMS SignedData over the
    document digest. With ``timestamper`` the CMS gets an RFC 3161 signature
    timestamp. The result is checked (hash and signature) before it is returned;
    :class:`SignatureRejectedError` otherwise. ``read_back=False`` skips reading the
    result back, for a raw signature made by a key of this server: it is verified
    against the certificate before embedding either way.
    """
    data = bytes(signature_or_cms)
    cert = prepared.signer_certificate
    info = _load_cms(data)
    cms_given = info is not None
    try:
        if info is None:
            signature = _normalise_signature(data, cert)
            _check_raw_signature(prepared, signature)
            ext = ExternalSigner(
                signing_cert=_as_asn1(cert),
                cert_registry=SimpleCertificateStore.from_certs(
                    [asn1_x509.Certificate.load(c) for c in prepared.chain]
                ),
                signature_value=signature,
            )
            info = _run(
                ext.async_sign_prescribed_attributes(
                    prepared.md_algorithm,
                    asn1_cms.CMSAttributes.load(prepared.signed_attributes),
                    timestamper=timestamper,
                )
            )
        else:
            info = _complete_external_cms(prepared, info, timestamper)
        output = io.BytesIO(prepared.pdf)
        PdfTBSDocument.resume_signing(
            output,
            PreparedByteRangeDigest(
                document_digest=prepared.document_digest,
                reserved_region_start=prepared.reserved_region_start,
                reserved_region_end=prepared.reserved_region_end,
            ),
            info,
        )
    except PyHankoSigningError as exc:
        raise SigningError(f"Could not embed the signature: {exc}") from exc
    signed = output.getvalue()
    if read_back or cms_given:
        _check_embedded(signed, prepared.field_name)
    return signed


def _check_embedded(pdf_bytes: bytes, field_name: str) -> None:
    """Read the signed PDF back: the new signature must be intact, verify and cover
    the whole file. (Trust is :func:`verify_pdf`'s business.)"""
    reader = PdfFileReader(io.BytesIO(pdf_bytes))
    matches = [s for s in reader.embedded_regular_signatures if s.field_name == field_name]
    if len(matches) != 1:
        raise SignatureRejectedError("The signature field is missing after embedding")
    emb = matches[0]
    emb.compute_integrity_info(skip_diff=True)
    coverage = emb.summarise_integrity_info().get("coverage")
    intact, valid = validate_sig_integrity(
        emb.signer_info, emb.signer_cert, "data", emb.compute_digest()
    )
    if not intact:
        raise SignatureRejectedError("The signed CMS does not cover this document revision")
    if not valid:
        raise SignatureRejectedError("The signature value does not verify")
    if coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SignatureRejectedError("The signature does not cover the whole new revision")


def sign_pdf(
    pdf_bytes: bytes,
    signer: Signer,
    *,
    field_name: str,
    stamp: StampText | None = None,
    page: int = 0,
    box: tuple[int, int, int, int] | None = None,
    timestamper: TimeStamper | None = None,
    md_algorithm: str = "sha256",
    reason: str | None = None,
    location: str | None = None,
    signed_at: dt.datetime | None = None,
) -> bytes:
    """Prepare, sign with ``signer`` and complete in one go (see the two phases)."""
    prepared = prepare_signature(
        pdf_bytes,
        field_name=field_name,
        signer_cert=signer.certificate,
        chain=signer.chain,
        stamp=stamp,
        page=page,
        box=box,
        md_algorithm=md_algorithm,
        reason=reason,
        location=location,
        signed_at=signed_at,
        timestamped=timestamper is not None,
    )
    sign_prepared = getattr(signer, "sign_prepared", None)
    if callable(sign_prepared):
        answer = sign_prepared(prepared)
    else:
        answer = signer.sign_digest(prepared.digest_to_sign, prepared.md_algorithm)
    return complete_signature(prepared, answer, timestamper=timestamper,
                              read_back=not isinstance(signer, ServerKeySigner))


# ---------------------------------------------------------------- timestamps


def http_timestamper(
    url: str, *, timeout: float = 10, auth: str | None = None, headers: dict | None = None
) -> HTTPTimeStamper:
    """An RFC 3161 client for a TSA at ``url`` (``auth``: value of Authorization)."""
    return HTTPTimeStamper(url, timeout=timeout, auth=auth, headers=headers)


def timestamper_from_settings() -> TimeStamper | None:
    """The configured TSA (``settings.CQS_TSA_URL``, optional ``CQS_TSA_AUTH``), or None."""
    from django.conf import settings

    url = getattr(settings, "CQS_TSA_URL", "")
    if not url:
        return None
    return http_timestamper(url, auth=getattr(settings, "CQS_TSA_AUTH", None) or None)


def local_timestamper(tsa: CertifiedKey, *, fixed_time: dt.datetime | None = None) -> TimeStamper:
    """A timestamp authority running in-process with ``tsa``'s key (issue it with
    ``kind="tsa"``): for tests and the demo, when no RFC 3161 server is configured."""
    key_der = tsa.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return DummyTimeStamper(
        tsa_cert=_as_asn1(tsa.certificate),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=SimpleCertificateStore.from_certs([_as_asn1(c) for c in tsa.chain]),
        fixed_dt=fixed_time,
    )


# -------------------------------------------------------------- verification

_PROBLEM_MESSAGES: dict[str, Promise] = {
    "not_intact": _("The document was changed after it was signed: the signed content no longer matches."),
    "signature_invalid": _("The signature value does not verify with the signer's certificate."),
    "untrusted": _("The signer's certificate does not chain to a trusted root certificate."),
    "revoked": _("The signer's certificate has been revoked."),
    "disallowed_changes": _("The document was modified after signing in a way that is not allowed."),
    "timestamp_invalid": _("The signature timestamp is not valid or its authority is not trusted."),
    "unreadable": _("The signature could not be checked."),
}

_NOTE_MESSAGES: dict[str, Promise] = {
    "later_revisions": _("Later revisions were added after this signature (for example, another signature); this signature covers its own revision."),
    "covers_document": _("The signature covers the whole document."),
    "timestamped": _("The signing time is certified by a timestamp authority."),
    "not_timestamped": _("The signing time is the one declared by the signer (no timestamp)."),
}


@dataclass(frozen=True)
class SignatureVerdict:
    """The outcome of checking one signature of a PDF.

    * ``intact``: the signed bytes hash to the signed digest (content unchanged).
    * ``signature_valid``: the signature value verifies with the embedded certificate.
    * ``valid``: intact, cryptographically valid and the certificate chains to one
      of the trusted roots (and is not revoked as far as known).
    * ``covers_whole_document``: nothing was appended after this signature;
      otherwise ``modified_after`` is true and ``changes_allowed`` says whether the
      later revisions are only signatures / form filling (pyHanko's difference
      analysis).
    * ``timestamp_present`` / ``timestamp_valid``: an RFC 3161 signature timestamp,
      validated against the same trust roots.
    * ``ok``: everything above that matters holds.

    ``problems`` and ``notes`` are stable codes; ``messages`` gives the
    translatable texts (English msgids).
    """

    field_name: str
    revision: int | None
    signer_name: str
    signer_organisation: str
    signer_title: str
    issuer_name: str
    certificate_sha256: str
    signing_time: dt.datetime | None
    signing_time_certified: bool
    intact: bool
    signature_valid: bool
    valid: bool
    covers_whole_document: bool
    covers_own_revision: bool
    modified_after: bool
    changes_allowed: bool | None
    timestamp_present: bool
    timestamp_valid: bool
    timestamp_time: dt.datetime | None
    ok: bool
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    detail: str = ""

    @property
    def summary(self) -> Promise:
        if self.ok:
            return _("Valid signature")
        if not self.intact or not self.signature_valid:
            return _("Invalid signature: the document or the signature was altered")
        if not self.valid:
            return _("Signature intact, but the signer is not trusted")
        return _("Signature intact, with problems")

    @property
    def messages(self) -> list[Promise]:
        return [_PROBLEM_MESSAGES[p] for p in self.problems] + [
            _NOTE_MESSAGES[n] for n in self.notes
        ]


def _certs_for_context(certs: Iterable[Any]) -> list[asn1_x509.Certificate]:
    return [_as_asn1(_as_crypto(c)) for c in certs]


def _verdict_from_status(emb: EmbeddedPdfSignature, status: PdfSignatureStatus) -> SignatureVerdict:
    cert = _as_crypto(status.signing_cert)
    ts = status.timestamp_validity
    ts_valid = bool(ts and ts.intact and ts.valid and ts.trusted)
    coverage = status.coverage
    whole = coverage == SignatureCoverageLevel.ENTIRE_FILE
    own_revision = coverage is not None and coverage >= SignatureCoverageLevel.ENTIRE_REVISION
    changes_allowed = True if whole else status.docmdp_ok
    problems = []
    if not status.intact:
        problems.append("not_intact")
    if not status.valid:
        problems.append("signature_invalid")
    if status.revoked:
        problems.append("revoked")
    elif status.intact and status.valid and not status.trusted:
        problems.append("untrusted")
    if not own_revision or changes_allowed is False:
        problems.append("disallowed_changes")
    if ts is not None and not ts_valid:
        problems.append("timestamp_invalid")
    notes = ["covers_document" if whole else "later_revisions"]
    notes.append("timestamped" if ts_valid else "not_timestamped")
    signing_time = ts.timestamp if ts_valid and ts is not None else status.signer_reported_dt
    return SignatureVerdict(
        field_name=str(emb.field_name),
        revision=emb.signed_revision,
        signer_name=_name_attr(cert.subject, NameOID.COMMON_NAME),
        signer_organisation=_name_attr(cert.subject, NameOID.ORGANIZATION_NAME),
        signer_title=_name_attr(cert.subject, NameOID.TITLE),
        issuer_name=_name_attr(cert.issuer, NameOID.COMMON_NAME),
        certificate_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        signing_time=signing_time,
        signing_time_certified=ts_valid,
        intact=bool(status.intact),
        signature_valid=bool(status.valid),
        valid=bool(status.trusted),
        covers_whole_document=whole,
        covers_own_revision=own_revision,
        modified_after=not whole,
        changes_allowed=changes_allowed,
        timestamp_present=ts is not None,
        timestamp_valid=ts_valid,
        timestamp_time=ts.timestamp if ts is not None else None,
        ok=bool(status.bottom_line) and own_revision and changes_allowed is not False,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _unreadable_verdict(emb: EmbeddedPdfSignature, exc: Exception) -> SignatureVerdict:
    try:
        cert: x509.Certificate | None = _as_crypto(emb.signer_cert)
    except Exception:  # the CMS itself may be garbage
        cert = None
    return SignatureVerdict(
        field_name=str(emb.field_name),
        revision=emb.signed_revision,
        signer_name=_name_attr(cert.subject, NameOID.COMMON_NAME) if cert else "",
        signer_organisation=_name_attr(cert.subject, NameOID.ORGANIZATION_NAME) if cert else "",
        signer_title=_name_attr(cert.subject, NameOID.TITLE) if cert else "",
        issuer_name=_name_attr(cert.issuer, NameOID.COMMON_NAME) if cert else "",
        certificate_sha256=cert.fingerprint(hashes.SHA256()).hex() if cert else "",
        signing_time=None,
        signing_time_certified=False,
        intact=False,
        signature_valid=False,
        valid=False,
        covers_whole_document=False,
        covers_own_revision=False,
        modified_after=False,
        changes_allowed=None,
        timestamp_present=False,
        timestamp_valid=False,
        timestamp_time=None,
        ok=False,
        problems=("unreadable",),
        detail=f"{type(exc).__name__}: {exc}",
    )


def verify_pdf(
    pdf_bytes: bytes,
    *,
    trust_roots: Iterable[x509.Certificate],
    other_certs: Iterable[x509.Certificate] = (),
    timestamp_trust_roots: Iterable[x509.Certificate] | None = None,
    allow_fetching: bool = False,
) -> list[SignatureVerdict]:
    """Check every signature of a PDF (in signing order) against ``trust_roots``.

    ``other_certs`` helps path building (intermediates not embedded in the
    signature). Timestamps are validated against ``timestamp_trust_roots``
    (default: ``trust_roots``). Revocation is checked in soft-fail mode, and
    OCSP/CRL are fetched over the network only with ``allow_fetching``.
    Raises :class:`SigningError` if the file is not a readable PDF; an unsigned PDF
    gives an empty list.
    """
    roots = _certs_for_context(trust_roots)
    others = _certs_for_context(other_certs)
    ts_roots = _certs_for_context(timestamp_trust_roots) if timestamp_trust_roots is not None else roots
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SigningError(f"Not a readable PDF: {exc}") from exc

    async def check_all() -> list[SignatureVerdict]:
        verdicts = []
        for emb in signatures:
            try:
                status = await async_validate_pdf_signature(
                    emb,
                    signer_validation_context=ValidationContext(
                        trust_roots=roots,
                        other_certs=others,
                        allow_fetching=allow_fetching,
                        revocation_mode="soft-fail",
                    ),
                    ts_validation_context=ValidationContext(
                        trust_roots=ts_roots,
                        other_certs=others,
                        allow_fetching=allow_fetching,
                        revocation_mode="soft-fail",
                    ),
                )
                verdicts.append(_verdict_from_status(emb, status))
            except Exception as exc:  # report, never crash on a bad input
                verdicts.append(_unreadable_verdict(emb, exc))
        return verdicts

    return _run(check_all())
