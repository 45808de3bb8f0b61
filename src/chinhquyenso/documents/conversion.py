"""Word documents to PDF with LibreOffice, when the machine has it.

Drafts are signed as PDF. Officials often write in Word; when LibreOffice (``soffice``)
is installed the server converts a .docx/.doc/.odt draft, otherwise the draft is
refused with a message asking for a PDF. The conversion runs in a private temporary
directory with its own LibreOffice profile (two conversions at once do not share a
profile lock) and a time limit.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path, PurePath

from django.conf import settings
from django.utils.translation import gettext as _

CONVERTIBLE = {".docx", ".doc", ".odt", ".rtf"}
TIMEOUT_SECONDS = 120


class ConversionUnavailable(Exception):
    """The file cannot become a PDF here; the message is for the person uploading."""


def converter_path() -> str | None:
    configured = getattr(settings, "CQS_SOFFICE", "")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def needs_conversion(name: str) -> bool:
    return PurePath(name).suffix.lower() in CONVERTIBLE


def to_pdf(name: str, data: bytes) -> tuple[str, bytes]:
    """(PDF file name, PDF bytes) for a Word or OpenDocument file."""
    soffice = converter_path()
    if soffice is None:
        raise ConversionUnavailable(_("Word files cannot be converted on this server: upload a PDF."))
    suffix = PurePath(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="cqs-convert-") as work:
        source = Path(work) / f"draft{suffix}"
        source.write_bytes(data)
        profile = Path(work) / "profile"
        try:
            subprocess.run(
                [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", work, str(source)],
                check=True, capture_output=True, timeout=TIMEOUT_SECONDS)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise ConversionUnavailable(
                _("The Word file could not be converted to PDF (%(reason)s): upload a PDF.")
                % {"reason": type(exc).__name__}) from exc
        result = Path(work) / "draft.pdf"
        if not result.exists():
            raise ConversionUnavailable(_("The Word file could not be converted to PDF: upload a PDF."))
        return f"{PurePath(name).stem}.pdf", result.read_bytes()
