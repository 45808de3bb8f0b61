"""Storing the files of documents: exactly the given bytes, with their SHA-256, in a new
file that is never rewritten (rewriting a signed PDF destroys its signatures)."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from chinhquyenso.core.text import normalize_vi

from .models import DocumentFile, IncomingDocument, OutgoingDocument

PDF_MAGIC = b"%PDF-"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _storage_name(name: str, sha256: str) -> str:
    path = PurePath(name.replace("\\", "/"))
    stem = normalize_vi(path.stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:60].strip("-") or "van-ban"
    extension = re.sub(r"[^a-z0-9]", "", path.suffix.lower())[:10]
    return f"{stem}-{sha256[:12]}" + (f".{extension}" if extension else "")


def store_document_file(*, data: bytes, name: str, kind: str, outgoing: OutgoingDocument | None = None,
                        incoming: IncomingDocument | None = None, content_type: str = "",
                        created_by=None) -> DocumentFile:
    """Store `data` byte for byte as a new file of one document.

    Call inside the caller's transaction; the caller writes the event and the audit log.
    When the row cannot be created the stored file is removed again."""
    if kind not in DocumentFile.Kind.values:
        raise ValueError(f"Unknown document file kind {kind!r}")
    if (outgoing is None) == (incoming is None):
        raise ValueError("A document file belongs to exactly one outgoing or incoming document.")
    if not data:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name}, code="empty")
    display_name = "".join(ch for ch in PurePath(name.replace("\\", "/")).name if ch.isprintable())
    display_name = display_name.strip()[:255] or "van-ban"
    sha256 = sha256_of(data)
    record = DocumentFile(
        outgoing=outgoing, incoming=incoming, kind=kind, original_name=display_name,
        content_type=content_type or mimetypes.guess_type(display_name)[0] or "application/octet-stream",
        size=len(data), sha256=sha256, created_by=created_by if getattr(created_by, "is_authenticated", False)
        else None)
    record.file.save(_storage_name(display_name, sha256), ContentFile(data), save=False)
    try:
        with transaction.atomic():
            record.save()
    except BaseException:
        record.file.delete(save=False)
        raise
    return record


def read_document_file(record: DocumentFile) -> bytes:
    """The stored bytes, checked against the recorded SHA-256."""
    with record.file.open("rb") as handle:
        data = handle.read()
    if sha256_of(data) != record.sha256:
        raise ValidationError(_("The stored file “%(name)s” has been altered.") % {"name": record.original_name},
                              code="altered")
    return data
