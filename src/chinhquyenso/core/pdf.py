"""Small helpers around reportlab for printable Vietnamese documents.

reportlab's built-in Type 1 fonts cannot show Vietnamese diacritics, so the
DejaVu Sans TrueType fonts shipped next to this module (``fonts/``) are
registered once and embedded (subset) in every generated PDF.

Typical use::

    s = get_styles()
    pdf = build_pdf([Paragraph(escape_text(name), s.normal)], title="...", author=agency)
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, SimpleDocTemplate

__all__ = [
    "CREATOR",
    "FONT_BOLD",
    "FONT_DIR",
    "FONT_REGULAR",
    "PdfStyles",
    "build_pdf",
    "escape_text",
    "get_styles",
    "register_fonts",
]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
CREATOR = "Chính quyền số"

_FONT_FILES = {
    FONT_REGULAR: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the DejaVu fonts with reportlab (idempotent, thread-safe).

    The family is registered too, so ``<b>`` inside a Paragraph switches to the
    bold face. No oblique face is shipped: ``<i>`` falls back to the upright one.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        known = set(pdfmetrics.getRegisteredFontNames())
        for name, filename in _FONT_FILES.items():
            if name in known:
                continue
            path = FONT_DIR / filename
            if not path.is_file():
                raise FileNotFoundError(f"PDF font {name!r} not found at {path}")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(
            FONT_REGULAR,
            normal=FONT_REGULAR,
            bold=FONT_BOLD,
            italic=FONT_REGULAR,
            boldItalic=FONT_BOLD,
        )
        _registered = True


def escape_text(text: object) -> str:
    """Make arbitrary (user) text safe for reportlab Paragraph markup.

    NFC-normalises (DejaVu has glyphs for precomposed Vietnamese letters, and
    decomposed input would otherwise render as base letter + floating mark),
    escapes ``& < >`` and turns line breaks into ``<br/>``.
    """
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    value = _xml_escape(value)
    return "<br/>".join(value.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


@dataclass(frozen=True)
class PdfStyles:
    """Paragraph styles for administrative letters, all using DejaVu Sans."""

    normal: ParagraphStyle
    justified: ParagraphStyle
    bold: ParagraphStyle
    title: ParagraphStyle
    centered: ParagraphStyle
    centered_bold: ParagraphStyle
    right_small: ParagraphStyle
    small: ParagraphStyle


def get_styles(base_size: float = 12) -> PdfStyles:
    """Fresh paragraph styles (callers may tweak them without side effects)."""
    register_fonts()
    leading = base_size * 1.35
    normal = ParagraphStyle(
        "cqs-normal",
        fontName=FONT_REGULAR,
        fontSize=base_size,
        leading=leading,
        alignment=TA_LEFT,
        spaceAfter=base_size * 0.4,
    )
    small_size = base_size - 2
    return PdfStyles(
        normal=normal,
        justified=ParagraphStyle("cqs-justified", parent=normal, alignment=TA_JUSTIFY),
        bold=ParagraphStyle("cqs-bold", parent=normal, fontName=FONT_BOLD),
        title=ParagraphStyle(
            "cqs-title",
            parent=normal,
            fontName=FONT_BOLD,
            fontSize=base_size + 2,
            leading=(base_size + 2) * 1.35,
            alignment=TA_CENTER,
            spaceBefore=base_size,
            spaceAfter=base_size,
        ),
        centered=ParagraphStyle("cqs-centered", parent=normal, alignment=TA_CENTER),
        centered_bold=ParagraphStyle(
            "cqs-centered-bold", parent=normal, fontName=FONT_BOLD, alignment=TA_CENTER
        ),
        right_small=ParagraphStyle(
            "cqs-right-small",
            parent=normal,
            fontSize=small_size,
            leading=small_size * 1.35,
            alignment=TA_RIGHT,
        ),
        small=ParagraphStyle(
            "cqs-small", parent=normal, fontSize=small_size, leading=small_size * 1.35
        ),
    )


def build_pdf(
    flowables: Iterable[Flowable],
    *,
    title: str,
    author: str,
    subject: str = "",
    left_margin: float = 25 * mm,
    right_margin: float = 18 * mm,
    top_margin: float = 18 * mm,
    bottom_margin: float = 18 * mm,
    invariant: bool = False,
) -> bytes:
    """Lay out ``flowables`` on A4 pages and return the PDF bytes.

    Metadata: ``title``, ``author`` (the agency name), ``subject`` and creator
    "Chính quyền số". With ``invariant=True`` reportlab fixes the creation date
    (to 2000-01-01) and the document id, so the same input gives identical bytes;
    by default the real creation date is recorded.
    """
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=left_margin,
        rightMargin=right_margin,
        topMargin=top_margin,
        bottomMargin=bottom_margin,
        title=unicodedata.normalize("NFC", title),
        author=unicodedata.normalize("NFC", author),
        subject=unicodedata.normalize("NFC", subject),
        creator=CREATOR,
        lang="vi",
        invariant=1 if invariant else 0,
    )
    doc.build(list(flowables))
    return buffer.getvalue()


def qr_code(data: str, *, size_mm: float = 28):
    """A QR code flowable encoding `data` (e.g. the public tracking address)."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm

    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = size_mm * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing
