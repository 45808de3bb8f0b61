"""The trust store: the root certificates a signature must chain to for the platform to
call it trusted (public verification page and API, incoming documents).

How the IT department configures it
------------------------------------
* **The trust directory** holds one certificate per file (PEM or DER, suffix ``.pem``,
  ``.crt``, ``.cer`` or ``.der``). It is ``settings.CQS_TRUST_DIR`` when set, else
  ``<VAR_DIR>/trust`` (``VAR_DIR`` comes from the ``CQS_VAR_DIR`` environment variable).
  Fill it with the management command, which checks what it imports and writes the
  audit log::

      manage.py import_trust_roots --vn-government ../shared/pki   # VGCA + MIC roots,
                                                                   # fingerprints checked
      manage.py import_trust_roots --file ca-cua-tinh.cer --name "CA của tỉnh"
      manage.py import_trust_roots --list
      manage.py import_trust_roots --remove <SHA-256 fingerprint>

  Files written by the platform are named by the certificate's SHA-256
  (``<64 hex>.pem``) and start with a comment giving the label, subject and
  fingerprint, so an administrator can read the directory with ``ls`` and ``head``.
  Copying a certificate file into the directory by hand also works (but is not
  audited).
* **Extra paths** in ``settings.CQS_TRUST_ROOTS`` (a list of files or directories) are
  trusted as well: for roots managed outside the platform (a configuration-management
  tool, a read-only mount). They are read, never written or removed here.

An empty trust store trusts nothing: every signature is then reported as "untrusted".

Why a cache
-----------
Every verification needs the roots; reading and parsing a directory of certificates
for each uploaded PDF would be wasted work. :func:`trust_roots` keeps the parsed
certificates per process and only looks at the directory's listing (names, sizes and
modification times: one ``scandir``) to notice a change, which another process (the
management command, a colleague's ``cp``) may have made at any time.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction

from chinhquyenso.core.services import record_audit

from .pki import TrustRootError, certificate_fingerprint, load_trust_roots

__all__ = [
    "TrustRoot",
    "TrustRootError",
    "add_trust_root",
    "common_name",
    "find_trust_root",
    "list_trust_roots",
    "remove_trust_root",
    "trust_dir",
    "trust_roots",
]

CERT_SUFFIXES = (".cer", ".crt", ".der", ".pem")
AUDIT_OBJECT_TYPE = "documents.trust_root"
_LABEL_PREFIX = "# Label: "


@dataclass(frozen=True)
class TrustRoot:
    """One trusted certificate as an administrator sees it."""

    certificate: x509.Certificate
    path: Path
    label: str
    managed: bool  # True: in the trust directory (add/remove here); False: CQS_TRUST_ROOTS

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def common_name(self) -> str:
        return common_name(self.certificate)

    @property
    def fingerprint(self) -> str:
        """SHA-256, colon-separated upper-case hex (as published in shared/pki/README.md)."""
        return certificate_fingerprint(self.certificate)

    @property
    def not_before(self) -> dt.datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    @property
    def is_ca(self) -> bool:
        try:
            return bool(self.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        except x509.ExtensionNotFound:
            return False


# ------------------------------------------------------------------ where


def trust_dir() -> Path:
    """The directory the platform manages (``CQS_TRUST_DIR``, default ``VAR_DIR/trust``)."""
    configured = getattr(settings, "CQS_TRUST_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "trust"


def _extra_paths() -> list[Path]:
    return [Path(p) for p in getattr(settings, "CQS_TRUST_ROOTS", None) or []]


def _certificate_files(directory: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(directory) as entries:
            return sorted(
                (e for e in entries
                 if e.name.lower().endswith(CERT_SUFFIXES) and not e.name.startswith(".")
                 and e.is_file()),
                key=lambda e: e.name)
    except FileNotFoundError:
        return []


def _signature_of_path(path: Path) -> tuple:
    """What changes when the content of a file or directory of certificates changes."""
    if path.is_dir():
        return ("dir", str(path), tuple((e.name, e.stat().st_mtime_ns, e.stat().st_size)
                                        for e in _certificate_files(path)))
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ("missing", str(path))
    return ("file", str(path), stat.st_mtime_ns, stat.st_size)


# ------------------------------------------------------------------ reading (cached)

_cache_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "roots": []}


def _fingerprint_bytes(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _read_dir(directory: Path) -> list[x509.Certificate]:
    files = [Path(e.path) for e in _certificate_files(directory)]
    return load_trust_roots(files) if files else []


def trust_roots() -> list[x509.Certificate]:
    """The trusted root certificates: the trust directory's and ``CQS_TRUST_ROOTS``'.

    Parsed once per process and read again only when a listing changes (a file added,
    removed or rewritten). Raises :class:`TrustRootError` when a file is not a
    certificate or a configured extra path does not exist: a broken trust store is a
    configuration error to fix, not something to paper over by trusting less.
    """
    directory = trust_dir()
    extras = _extra_paths()
    key = (_signature_of_path(directory), tuple(_signature_of_path(p) for p in extras))
    with _cache_lock:
        if _cache["key"] == key:
            return list(_cache["roots"])  # type: ignore[arg-type]
    roots = _read_dir(directory) + (load_trust_roots(extras) if extras else [])
    unique: list[x509.Certificate] = []
    seen: set[bytes] = set()
    for cert in roots:
        digest = _fingerprint_bytes(cert)
        if digest not in seen:
            seen.add(digest)
            unique.append(cert)
    with _cache_lock:
        _cache["key"] = key
        _cache["roots"] = unique
    return list(unique)


def list_trust_roots() -> list[TrustRoot]:
    """Every trusted certificate with where it comes from, its label, subject,
    fingerprint and validity (for ``import_trust_roots --list`` and administrators)."""
    found: list[TrustRoot] = []
    seen: set[bytes] = set()

    def add(cert: x509.Certificate, path: Path, label: str, managed: bool) -> None:
        digest = _fingerprint_bytes(cert)
        if digest not in seen:
            seen.add(digest)
            found.append(TrustRoot(certificate=cert, path=path, label=label, managed=managed))

    for entry in _certificate_files(trust_dir()):
        path = Path(entry.path)
        data = path.read_bytes()
        for cert in load_trust_roots([path]):
            add(cert, path, _label_in(data) or common_name(cert), True)
    for extra in _extra_paths():
        files = [Path(e.path) for e in _certificate_files(extra)] if extra.is_dir() else [extra]
        for path in files:
            for cert in load_trust_roots([path]):
                add(cert, path, common_name(cert), False)
    return found


def find_trust_root(fingerprint: str) -> TrustRoot | None:
    """The trusted certificate with this SHA-256 (hex, with or without colons, any case)."""
    wanted = _normalise_fingerprint(fingerprint)
    return next((r for r in list_trust_roots()
                 if _normalise_fingerprint(r.fingerprint) == wanted), None)


# ------------------------------------------------------------------ changing


def _path_for(cert: x509.Certificate) -> Path:
    return trust_dir() / f"{_fingerprint_bytes(cert).hex()}.pem"


def add_trust_root(cert: x509.Certificate, *, name: str, actor=None) -> Path:
    """Trust ``cert``: write it as ``<sha256>.pem`` in the trust directory, atomically
    (a concurrent reader sees the old or the new directory, never half a file).

    ``name`` is the administrator's label, kept in the file's comment header. Adding a
    certificate already in the directory changes nothing and writes no audit entry;
    otherwise the audit log records ``documents.trust_root.add`` with ``actor`` (a user
    or a label such as the command's name).
    """
    path = _path_for(cert)
    if path.exists():
        return path
    label = " ".join((name or common_name(cert)).split())
    header = (f"{_LABEL_PREFIX}{label}\n# Subject: {cert.subject.rfc4514_string()}\n"
              f"# SHA-256: {certificate_fingerprint(cert)}\n"
              f"# Valid: {cert.not_valid_before_utc:%Y-%m-%d} .. {cert.not_valid_after_utc:%Y-%m-%d}\n")
    content = header.encode("utf-8") + cert.public_bytes(serialization.Encoding.PEM)
    with transaction.atomic():
        record_audit(actor=actor, action="documents.trust_root.add", object_type=AUDIT_OBJECT_TYPE,
                     object_id=_fingerprint_bytes(cert).hex(), object_repr=label[:300],
                     after=_audit_summary(cert, label))
        _write_atomically(path, content)
    return path


def remove_trust_root(fingerprint: str, *, actor=None) -> bool:
    """Stop trusting the certificate with this SHA-256: delete its file from the trust
    directory. False when no file there holds it (roots from ``CQS_TRUST_ROOTS`` are
    configuration and cannot be removed here). Audited as ``documents.trust_root.remove``."""
    root = find_trust_root(fingerprint)
    if root is None or not root.managed:
        return False
    with transaction.atomic():
        record_audit(actor=actor, action="documents.trust_root.remove",
                     object_type=AUDIT_OBJECT_TYPE,
                     object_id=_fingerprint_bytes(root.certificate).hex(),
                     object_repr=root.label[:300],
                     before=_audit_summary(root.certificate, root.label))
        root.path.unlink()
    return True


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------ helpers


def _audit_summary(cert: x509.Certificate, label: str) -> dict:
    return {"label": label, "subject": cert.subject.rfc4514_string(),
            "sha256": certificate_fingerprint(cert),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat()}


def common_name(cert: x509.Certificate) -> str:
    """The subject's common name (the whole subject when it has none): a default label."""
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return cert.subject.rfc4514_string()
    value = values[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _label_in(data: bytes) -> str:
    for line in data.split(b"-----BEGIN", 1)[0].decode("utf-8", "replace").splitlines():
        if line.startswith(_LABEL_PREFIX):
            return line[len(_LABEL_PREFIX):].strip()
    return ""


def _normalise_fingerprint(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch in "0123456789abcdef")

