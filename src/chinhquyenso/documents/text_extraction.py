"""The text of a document's PDF, for the search index.

Extraction reads a private copy of the bytes and never writes anything back: the stored
file may be a signed original, and rewriting it would destroy its signatures. PDFs come
from outside (scans, other systems), so any failure gives an empty text instead of an
exception, and only the exception's class is logged: the message may quote the content
of a confidential document.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import DocumentFile

logger = logging.getLogger(__name__)

_PDF_MAGIC = b"%PDF-"
# A PDF header may follow some leading bytes; readers accept it within the first 1 KiB.
_HEADER_WINDOW = 1024


def extract_pdf_text(data: bytes, *, max_pages: int = 50, max_chars: int = 200_000) -> str:
    """The text of the first `max_pages` pages, cut at `max_chars` characters; "" when the
    bytes are not a readable PDF (not a PDF, damaged, encrypted with a password, hostile).

    Costs time in proportion to the pages read: call it when a file is stored, outside
    any lock held for long, and hand the result to search.index_document."""
    try:
        copy = bytes(data)  # a snapshot: the caller's buffer is never read again nor altered
    except (TypeError, ValueError):
        return ""
    if _PDF_MAGIC not in copy[:_HEADER_WINDOW] or max_pages <= 0 or max_chars <= 0:
        return ""
    try:
        return _extract(copy, max_pages=max_pages, max_chars=max_chars)
    except Exception as exc:  # noqa: BLE001 — hostile input must never break the caller
        logger.warning("PDF text extraction failed: %s", type(exc).__name__)
        return ""


def _extract(data: bytes, *, max_pages: int, max_chars: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        # Protected by a user password: nothing can be read without it.
        return ""
    parts: list[str] = []
    length = 0
    for index, page in enumerate(reader.pages):
        if index >= max_pages or length >= max_chars:
            break
        text = page.extract_text() or ""
        # PostgreSQL text cannot hold NUL; search folds the rest.
        text = text.replace("\x00", " ").strip()
        if text:
            parts.append(text)
            length += len(text) + 1
    return "\n".join(parts)[:max_chars]


def main_pdf(document) -> DocumentFile | None:
    """The file whose text stands for the document: for an outgoing document its latest
    signed revision, else its latest draft; for an incoming one its first PDF scan or
    attachment, else (delivered on the platform) the file of the document sent."""
    from .models import DocumentFile, IncomingDocument, OutgoingDocument

    if isinstance(document, OutgoingDocument):
        files = list(document.files.filter(kind__in=[DocumentFile.Kind.SIGNED, DocumentFile.Kind.DRAFT])
                     .order_by("-created_at", "-pk"))
        files.sort(key=lambda record: record.kind != DocumentFile.Kind.SIGNED)  # stable: newest first
        return next((record for record in files if _is_pdf(record)), None)
    if isinstance(document, IncomingDocument):
        own = document.files.filter(kind__in=[DocumentFile.Kind.SCAN, DocumentFile.Kind.ATTACHMENT])
        record = next((record for record in own.order_by("created_at", "pk") if _is_pdf(record)), None)
        if record is None and document.outgoing_id:
            return main_pdf(document.outgoing)
        return record
    raise TypeError(f"Not a document: {type(document).__name__}")


def _is_pdf(record: DocumentFile) -> bool:
    return record.content_type == "application/pdf" or record.original_name.lower().endswith(".pdf")


def document_text(document) -> str:
    """The extracted text of the document's main PDF, "" when it has none or the stored
    file cannot be read. Reads the stored original (checked against its SHA-256) and
    never writes it."""
    from django.core.exceptions import ValidationError

    from .files import read_document_file

    record = main_pdf(document)
    if record is None:
        return ""
    try:
        data = read_document_file(record)
    except (OSError, ValidationError) as exc:
        logger.warning("Document file %s unreadable for indexing: %s", record.pk, type(exc).__name__)
        return ""
    return extract_pdf_text(data)
