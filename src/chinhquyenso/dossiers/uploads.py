"""Checking and storing the files a citizen or an official uploads for a dossier.

A file is accepted only when it is not empty, not over the size limit, has one of the
accepted extensions and, for the common formats, really contains what its extension
says. The stored bytes are exactly the uploaded bytes; their SHA-256 is recorded.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from decimal import ROUND_UP, Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from chinhquyenso.core import raw_inserts
from chinhquyenso.core.text import normalize_vi

from .models import DossierFile

DEFAULT_FILE_TYPES = ["pdf", "jpg", "jpeg", "png"]
MB = 1024 * 1024
SNIFF_BYTES = 8

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0",)
MAGIC = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "odt": _ZIP,
    "doc": _OLE,
    "xls": _OLE,
}
# Either spelling of JPEG is accepted when the other one is.
_ALIASES = {"jpg": {"jpeg"}, "jpeg": {"jpg"}}
# Types a browser would run as a page or script: never recorded as the file's type.
_ACTIVE_TYPES = {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                 "application/xml", "text/javascript", "application/javascript"}
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_STEM_MAX = 60


def _normalise_type(file_type: str) -> str:
    return str(file_type).strip().lower().lstrip(".")


def _extension(name: str) -> str:
    return _normalise_type(PurePath(name).suffix)


def _megabytes(n_bytes: int) -> str:
    """Megabytes with at most one decimal, rounded up so that a file just over the
    limit never reads as the limit itself."""
    value = Decimal(n_bytes) / MB
    if value == value.to_integral_value():
        return formats.number_format(int(value))
    return formats.number_format(value.quantize(Decimal("0.1"), rounding=ROUND_UP), 1)


def _size_of(uploaded_file) -> int:
    size = getattr(uploaded_file, "size", None)
    if size is None:
        position = uploaded_file.tell()
        uploaded_file.seek(0, 2)
        size = uploaded_file.tell()
        uploaded_file.seek(position)
    return size


def _head(uploaded_file, n: int) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(n)
    uploaded_file.seek(0)
    return head


def check_upload(uploaded_file, *, allowed_types: list[str], max_bytes: int) -> str:
    """Return the file's extension, lower case without the dot, or raise ValidationError
    with a message naming the file."""
    name = PurePath(str(uploaded_file.name or "")).name
    size = _size_of(uploaded_file)
    if size <= 0:
        raise ValidationError(
            _("The file “%(name)s” is empty. Please choose the file again.") % {"name": name},
            code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("The file “%(name)s” is %(size)s MB, larger than the limit of %(limit)s MB. "
              "Please upload a smaller file, for example by scanning at a lower resolution.")
            % {"name": name, "size": _megabytes(size), "limit": _megabytes(max_bytes)},
            code="too_large")
    allowed = {_normalise_type(t) for t in allowed_types}
    for file_type in list(allowed):
        allowed |= _ALIASES.get(file_type, set())
    extension = _extension(name)
    if extension not in allowed:
        accepted = ", ".join(dict.fromkeys(_normalise_type(t).upper() for t in allowed_types))
        raise ValidationError(
            _("The file “%(name)s” is not of an accepted type. Accepted types: %(types)s.")
            % {"name": name, "types": accepted},
            code="file_type")
    signatures = MAGIC.get(extension)
    if signatures:
        head = _head(uploaded_file, SNIFF_BYTES)
        if not any(head.startswith(signature) for signature in signatures):
            raise ValidationError(
                _("The file “%(name)s” is not a real %(type)s file: its content does not "
                  "match its name. Please upload the original %(type)s file instead of "
                  "renaming another file.") % {"name": name, "type": extension.upper()},
                code="content_mismatch")
    return extension


def read_and_hash(uploaded_file) -> tuple[bytes, str]:
    """The file's whole content, read in chunks from the start, and its SHA-256 hex."""
    digest = hashlib.sha256()
    parts = []
    if hasattr(uploaded_file, "chunks"):
        chunks = uploaded_file.chunks()  # seeks to the start itself
    else:
        uploaded_file.seek(0)
        chunks = iter(lambda: uploaded_file.read(64 * 1024), b"")
    for chunk in chunks:
        digest.update(chunk)
        parts.append(chunk)
    return b"".join(parts), digest.hexdigest()


def _display_name(name: str, extension: str) -> str:
    """The name the user sees: the original without any folder, control characters or
    excess length."""
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or f"tep.{extension}"
    if len(name) > 255:
        suffix = f".{extension}" if extension else ""
        name = name[:255 - len(suffix)] + suffix
    return name


def _storage_name(name: str, extension: str) -> str:
    """A safe ASCII name for storage: "Tờ khai (bản 2).PDF" → "to_khai_ban_2.pdf"."""
    stem = normalize_vi(PurePath(name).stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "_", stem).strip("_")[:_STEM_MAX].strip("_") or "tep"
    return get_valid_filename(f"{stem}.{extension}" if extension else stem)


def _content_type(uploaded_file, name: str) -> str:
    claimed = (getattr(uploaded_file, "content_type", None) or "").split(";")[0].strip().lower()
    if (claimed and len(claimed) <= 100 and _MIME.match(claimed)
            and claimed != "application/octet-stream" and claimed not in _ACTIVE_TYPES):
        return claimed
    guessed = mimetypes.guess_type(name)[0]
    if guessed and guessed not in _ACTIVE_TYPES:
        return guessed
    return "application/octet-stream"


def store_dossier_file(*, dossier, uploaded_file, kind, component=None,
                       uploaded_by=None) -> DossierFile:
    """Check the upload and store it, byte for byte, as a file of the dossier.

    Call inside the caller's transaction; the caller writes the audit log. When the
    database row cannot be created the stored file is removed again and the error rolls
    back the caller's whole transaction (no savepoint: it would cost two more round trips
    per file, and no caller carries on after a failed file). (A rollback of the caller's
    transaction after this returns leaves the file in storage.)"""
    if kind not in DossierFile.Kind.values:
        raise ValueError(f"Unknown dossier file kind {kind!r}")
    if component is not None and component.procedure_id != dossier.procedure_id:
        raise ValidationError(_("This document is not part of the dossier's procedure."),
                              code="component")
    allowed = (component.file_types if component is not None and component.file_types
               else DEFAULT_FILE_TYPES)
    max_bytes = settings.DOSSIER_MAX_UPLOAD_MB * MB
    extension = check_upload(uploaded_file, allowed_types=allowed, max_bytes=max_bytes)
    data, sha256 = read_and_hash(uploaded_file)
    if len(data) > max_bytes or not data:  # the size the upload declared was wrong
        check_upload(ContentFile(data, name=uploaded_file.name), allowed_types=allowed,
                     max_bytes=max_bytes)
    original_name = _display_name(str(uploaded_file.name or ""), extension)
    record = DossierFile(dossier=dossier, component=component, kind=kind,
                         original_name=original_name,
                         content_type=_content_type(uploaded_file, original_name),
                         size=len(data), sha256=sha256, uploaded_by=uploaded_by)
    record.file.save(_storage_name(original_name, extension), ContentFile(data), save=False)
    try:
        with transaction.atomic(savepoint=False):
            raw_inserts.insert(record)
    except BaseException:
        record.file.delete(save=False)
        raise
    return record


def read_dossier_file(record: DossierFile) -> bytes:
    """The stored bytes, checked against the recorded SHA-256 (read_and_hash)."""
    with record.file.open("rb") as handle:
        data, sha256 = read_and_hash(handle)
    if sha256 != record.sha256:
        raise ValidationError(_("The stored file “%(name)s” has been altered.") % {"name": record.original_name})
    return data
