"""Keys and certificates for document signing (pure library: bytes and keys, no models).

What is here
------------
* A small certificate authority for the demo and the tests:
  :func:`create_root_ca` makes a self-signed root, :func:`issue_certificate` issues
  an agency certificate (the organisation's electronic "seal"), a personal
  certificate (a leader) or a timestamping certificate (a local TSA). Keys are
  RSA 2048 (default) or ECDSA P-256. End-entity certificates carry key usage
  ``digitalSignature`` + ``nonRepudiation`` (critical) and the extended key usage
  ``id-kp-documentSigning`` (RFC 9336, 1.3.6.1.5.5.7.3.36), plus
  ``emailProtection`` when an e-mail address is given; TSA certificates carry the
  critical ``timeStamping`` EKU instead (RFC 3161 requires it).
* PKCS#12 packaging: :func:`to_pkcs12` / :func:`load_pkcs12`. A PKCS#12 is always
  protected by a passphrase (AES-256/PBES2 via cryptography's
  ``BestAvailableEncryption``).
* Encryption at rest of uploaded PKCS#12 blobs: :func:`encrypt_at_rest` /
  :func:`decrypt_at_rest`. See "Keys at rest" below.
* Trust roots: :func:`load_trust_roots` reads PEM/DER certificates from files or
  directories; :func:`import_vn_government_roots` imports the Vietnamese
  government CA certificates shipped in ``shared/pki/`` only after checking each
  file's SHA-256 against the fingerprints published in that directory's
  ``README.md`` (a mismatch, a missing file or an unreadable README refuses the
  whole import).

Keys at rest
------------
An uploaded PKCS#12 is stored as ``encrypt_at_rest(p12_bytes)``: a Fernet token
(AES-128-CBC + HMAC-SHA256, from ``cryptography``) whose key is derived from
``settings.SECRET_KEY`` with HKDF-SHA256 (salt ``b"chinhquyenso.documents.pki"``,
info ``b"pkcs12-at-rest/v1"``, 32 bytes, URL-safe base64 for Fernet). The blob is
therefore protected twice: by the PKCS#12 passphrase, and by the server secret.
**The passphrase is never stored** by this module or its callers: the signer types
it when signing (or it comes from a secret store outside the database). Rotating
``SECRET_KEY`` keeps old blobs readable as long as the previous key is listed in
``settings.SECRET_KEY_FALLBACKS`` (decryption tries them all; re-encrypt with
:func:`encrypt_at_rest` to move a blob to the current key).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "DOCUMENT_SIGNING_EKU",
    "AtRestDecryptionError",
    "CertifiedKey",
    "FingerprintMismatchError",
    "Pkcs12Error",
    "PrivateKey",
    "TrustRootError",
    "certificate_fingerprint",
    "create_root_ca",
    "decrypt_at_rest",
    "encrypt_at_rest",
    "import_vn_government_roots",
    "issue_certificate",
    "load_pkcs12",
    "load_trust_roots",
    "parse_pki_readme_fingerprints",
    "to_pkcs12",
    "verify_signature_with_certificate",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
KeyType = Literal["rsa", "ec"]
CertificateKind = Literal["agency", "person", "tsa"]

#: id-kp-documentSigning (RFC 9336).
DOCUMENT_SIGNING_EKU = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")

_HKDF_SALT = b"chinhquyenso.documents.pki"
_HKDF_INFO = b"pkcs12-at-rest/v1"
_CERT_SUFFIXES = {".cer", ".crt", ".der", ".pem"}


class Pkcs12Error(ValueError):
    """The PKCS#12 could not be opened (wrong passphrase, corrupt file, no key)."""


class AtRestDecryptionError(ValueError):
    """An at-rest blob could not be decrypted (wrong server key or tampered blob)."""


class TrustRootError(ValueError):
    """A trust-root file could not be read or is not acceptable."""


class FingerprintMismatchError(TrustRootError):
    """A certificate file's SHA-256 differs from the published fingerprint."""


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate, its private key and the issuers' certificates up to the root.

    ``chain`` lists the issuing CA certificates, nearest first, ending with the
    root (empty for a root CA itself).
    """

    certificate: x509.Certificate
    private_key: PrivateKey = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def common_name(self) -> str:
        return _first_attr(self.certificate.subject, NameOID.COMMON_NAME)


# --------------------------------------------------------------------------- CA


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"Unknown key type {key_type!r} (use 'rsa' or 'ec')")


def _name(
    common_name: str,
    *,
    organisation: str | None = None,
    organisational_unit: str | None = None,
    title: str | None = None,
    email: str | None = None,
    country: str | None = "VN",
) -> x509.Name:
    attrs = []
    if country:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if organisational_unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organisational_unit))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def _sign_hash(key: PrivateKey) -> hashes.HashAlgorithm:
    """SHA-256 for both RSA 2048 and P-256 issuers."""
    return hashes.SHA256()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def create_root_ca(
    common_name: str,
    *,
    organisation: str | None = None,
    country: str | None = "VN",
    key_type: KeyType = "rsa",
    days: int = 3650,
    not_before: dt.datetime | None = None,
) -> CertifiedKey:
    """A self-signed root CA (basicConstraints CA, keyCertSign + cRLSign)."""
    key = _new_key(key_type)
    name = _name(common_name, organisation=organisation or common_name, country=country)
    start = not_before or _now() - dt.timedelta(minutes=5)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, _sign_hash(key))
    )
    return CertifiedKey(certificate=cert, private_key=key, chain=())


def issue_certificate(
    ca: CertifiedKey,
    *,
    common_name: str,
    organisation: str,
    kind: CertificateKind,
    email: str | None = None,
    title: str | None = None,
    organisational_unit: str | None = None,
    days: int = 730,
    key_type: KeyType = "rsa",
    not_before: dt.datetime | None = None,
) -> CertifiedKey:
    """Issue an end-entity certificate signed by ``ca``.

    ``kind``: ``"agency"`` (the organisation's seal: CN = O = the agency),
    ``"person"`` (a leader: CN = the person, O = the agency, optional X.520 title),
    or ``"tsa"`` (a timestamping unit for a local RFC 3161 authority).
    The returned ``chain`` is the CA's certificate followed by the CA's own chain.
    """
    if kind not in ("agency", "person", "tsa"):
        raise ValueError(f"Unknown certificate kind {kind!r}")
    key = _new_key(key_type)
    public = key.public_key()
    subject = _name(
        common_name,
        organisation=organisation,
        organisational_unit=organisational_unit,
        title=title if kind == "person" else None,
        email=email,
    )
    start = not_before or _now() - dt.timedelta(minutes=5)
    end = start + dt.timedelta(days=days)
    ca_cert = ca.certificate
    if end > ca_cert.not_valid_after_utc:
        end = ca_cert.not_valid_after_utc
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # a.k.a. nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
            critical=False,
        )
    )
    if kind == "tsa":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:
        usages = [DOCUMENT_SIGNING_EKU]
        if email:
            usages.append(ExtendedKeyUsageOID.EMAIL_PROTECTION)
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    cert = builder.sign(ca.private_key, _sign_hash(ca.private_key))
    return CertifiedKey(certificate=cert, private_key=key, chain=(ca_cert, *ca.chain))


# --------------------------------------------------------------------- PKCS#12


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    value = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
    if not value:
        raise ValueError("A PKCS#12 passphrase is required")
    return value


def to_pkcs12(
    cert: x509.Certificate,
    key: PrivateKey,
    chain: Iterable[x509.Certificate],
    passphrase: str | bytes,
    *,
    friendly_name: str | None = None,
) -> bytes:
    """Package a certificate, its key and its chain as a passphrase-protected PKCS#12."""
    name = friendly_name or _first_attr(cert.subject, NameOID.COMMON_NAME) or "key"
    return pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"),
        key,
        cert,
        list(chain) or None,
        serialization.BestAvailableEncryption(_passphrase_bytes(passphrase)),
    )


def load_pkcs12(data: bytes, passphrase: str | bytes) -> CertifiedKey:
    """Open a PKCS#12 (as exported by a CA or by :func:`to_pkcs12`).

    Raises :class:`Pkcs12Error` for a wrong passphrase, a corrupt file, a file
    without a private key or certificate, or a key type other than RSA/ECDSA.
    The key is checked to belong to the certificate.
    """
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            bytes(data), _passphrase_bytes(passphrase)
        )
    except ValueError as exc:
        raise Pkcs12Error(
            "Could not open the PKCS#12 file: wrong passphrase or damaged file"
        ) from exc
    if key is None or cert is None:
        raise Pkcs12Error("The PKCS#12 file holds no private key and certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise Pkcs12Error("Only RSA and ECDSA signing keys are supported")
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise Pkcs12Error("The private key does not match the certificate")
    return CertifiedKey(certificate=cert, private_key=key, chain=tuple(_order_chain(cert, extra)))


def _order_chain(
    leaf: x509.Certificate, others: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """Issuers of ``leaf`` nearest first; certificates not on the path follow."""
    remaining = [c for c in others if c != leaf]
    ordered: list[x509.Certificate] = []
    current = leaf
    while True:
        issuer = next((c for c in remaining if _issued_by(current, c)), None)
        if issuer is None:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
        if issuer.subject == issuer.issuer:
            break
        current = issuer
    return ordered + remaining


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


# -------------------------------------------------------------- keys at rest


def _fernet_key(secret: str | bytes) -> bytes:
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not material:
        raise ValueError("Empty key material for at-rest encryption")
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO
    ).derive(material)
    return base64.urlsafe_b64encode(derived)


def _server_secrets() -> list[str | bytes]:
    from django.conf import settings

    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def encrypt_at_rest(data: bytes, *, key_material: str | bytes | None = None) -> bytes:
    """Encrypt ``data`` (a PKCS#12 blob) for storage. Returns a Fernet token (ASCII bytes).

    ``key_material`` defaults to ``settings.SECRET_KEY``; the Fernet key is
    HKDF-SHA256(key_material, salt, info) as described in the module docstring.
    """
    secret = key_material if key_material is not None else _server_secrets()[0]
    return Fernet(_fernet_key(secret)).encrypt(bytes(data))


def decrypt_at_rest(token: bytes, *, key_material: str | bytes | None = None) -> bytes:
    """Inverse of :func:`encrypt_at_rest`.

    Without ``key_material``, tries ``settings.SECRET_KEY`` then
    ``settings.SECRET_KEY_FALLBACKS``. Raises :class:`AtRestDecryptionError` when
    no key opens the token (wrong key, or a modified blob).
    """
    secrets = [key_material] if key_material is not None else _server_secrets()
    fernet = MultiFernet([Fernet(_fernet_key(s)) for s in secrets if s])
    try:
        return fernet.decrypt(bytes(token))
    except InvalidToken as exc:
        raise AtRestDecryptionError(
            "The stored key could not be decrypted with the server key"
        ) from exc


# --------------------------------------------------------------- trust roots


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate as colon-separated upper-case hex."""
    return _colon_hex(cert.fingerprint(hashes.SHA256()))


def _colon_hex(raw: bytes) -> str:
    return ":".join(f"{b:02X}" for b in raw)


def _parse_certificates(data: bytes, origin: str) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise TrustRootError(f"{origin}: not a PEM or DER X.509 certificate") from exc


def load_trust_roots(paths: Iterable[str | Path]) -> list[x509.Certificate]:
    """Read trust-root certificates from files (PEM, possibly several, or DER) and
    directories (every ``*.cer``, ``*.crt``, ``*.der`` and ``*.pem`` inside, sorted).
    Duplicates are dropped. Raises :class:`TrustRootError` for unreadable files."""
    found: list[x509.Certificate] = []
    seen: set[bytes] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in _CERT_SUFFIXES)
        elif path.is_file():
            files = [path]
        else:
            raise TrustRootError(f"{path}: no such file or directory")
        for file in files:
            for cert in _parse_certificates(file.read_bytes(), str(file)):
                digest = cert.fingerprint(hashes.SHA256())
                if digest not in seen:
                    seen.add(digest)
                    found.append(cert)
    return found


_HEX_FINGERPRINT = re.compile(r"^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$")


def parse_pki_readme_fingerprints(readme_text: str) -> dict[str, str]:
    """``{file name: "AA:BB:..."}`` from the Markdown table of ``shared/pki/README.md``.

    The table must have a ``file`` column and a ``SHA-256`` column; rows whose
    fingerprint is not 32 colon-separated hex bytes are rejected.
    """
    header: list[str] | None = None
    result: dict[str, str] = {}
    for line in readme_text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            lowered = [c.lower() for c in cells]
            if "file" in lowered and "sha-256" in lowered:
                header = lowered
            continue
        if all(set(c) <= set("-: ") for c in cells):
            continue  # the |---|---| separator
        if len(cells) != len(header):
            raise TrustRootError(f"Malformed fingerprint table row: {line!r}")
        row = dict(zip(header, cells, strict=True))
        name, fingerprint = row["file"], row["sha-256"].upper()
        if not _HEX_FINGERPRINT.match(fingerprint):
            raise TrustRootError(f"Malformed SHA-256 fingerprint for {name!r}")
        if "/" in name or "\\" in name or name.startswith("."):
            raise TrustRootError(f"Unexpected file name in fingerprint table: {name!r}")
        result[name] = fingerprint
    if not result:
        raise TrustRootError("No certificate fingerprints found in the README table")
    return result


def import_vn_government_roots(
    shared_pki_dir: str | Path, *, readme: str | Path | None = None
) -> list[x509.Certificate]:
    """Import the Vietnamese CA certificates (VGCA root and intermediates, MIC root).

    Every file listed in ``README.md`` (or ``readme``) is read from
    ``shared_pki_dir`` and its SHA-256 compared with the published fingerprint;
    any mismatch raises :class:`FingerprintMismatchError` and nothing is imported.
    Files not listed in the README are ignored. The certificates are returned in
    the README's order (self-signed roots and intermediates alike: both are
    usable as trust anchors).
    """
    base = Path(shared_pki_dir)
    readme_path = Path(readme) if readme is not None else base / "README.md"
    try:
        text = readme_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TrustRootError(f"{readme_path}: cannot read the fingerprint list") from exc
    expected = parse_pki_readme_fingerprints(text)
    certs: list[x509.Certificate] = []
    for name, fingerprint in expected.items():
        path = base / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TrustRootError(f"{path}: listed in the README but not readable") from exc
        actual = _colon_hex(hashlib.sha256(data).digest())
        if actual != fingerprint:
            raise FingerprintMismatchError(
                f"{name}: SHA-256 {actual} does not match the published {fingerprint}"
            )
        parsed = _parse_certificates(data, str(path))
        if len(parsed) != 1:
            raise TrustRootError(f"{path}: expected exactly one certificate")
        certs.append(parsed[0])
    return certs


def _first_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return ""
    value = values[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def verify_signature_with_certificate(
    cert: x509.Certificate, signature: bytes, data: bytes, hash_algorithm: hashes.HashAlgorithm
) -> bool:
    """Whether ``signature`` over ``data`` verifies with the certificate's public key
    (RSA PKCS#1 v1.5 or ECDSA with DER signature)."""
    public = cert.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True
