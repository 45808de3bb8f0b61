"""Printable letters for a dossier (PDF), built from plain data.

* :func:`render_apology_letter` — "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
  issued when a dossier misses its legal deadline.
* :func:`render_receipt` — "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", handed
  to the applicant when the dossier is received.

Both follow the usual Vietnamese administrative layout (agency and national
motto header, place and date line, title, body, signature block). They take
keyword-only plain values, no models, and return the PDF bytes. Datetimes must
be timezone-aware and are shown in Vietnam time (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from chinhquyenso.core.calendar import VIETNAM_TZ
from chinhquyenso.core.pdf import PdfStyles, build_pdf, escape_text, get_styles

__all__ = [
    "APOLOGY_TITLE",
    "RECEIPT_TITLE",
    "format_date",
    "format_datetime",
    "format_fee",
    "format_long_date",
    "render_apology_letter",
    "render_receipt",
]

APOLOGY_TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
RECEIPT_TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

# A4 is 210 mm wide; build_pdf's default margins are 25 mm left, 18 mm right.
_CONTENT_WIDTH = (210 - 25 - 18) * mm
_LEFT_HEADER_WIDTH = 67 * mm


# --- formatting ---------------------------------------------------------------


def _local(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")
    return moment.astimezone(VIETNAM_TZ)


def format_date(moment: datetime, name: str = "moment") -> str:
    """``dd/mm/yyyy`` in Vietnam time."""
    return _local(moment, name).strftime("%d/%m/%Y")


def format_datetime(moment: datetime, name: str = "moment") -> str:
    """``HH:MM ngày dd/mm/yyyy`` in Vietnam time."""
    local = _local(moment, name)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def format_long_date(moment: datetime, name: str = "moment") -> str:
    """``ngày dd tháng mm năm yyyy`` in Vietnam time (as on the place/date line)."""
    local = _local(moment, name)
    return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def format_fee(amount: int) -> str:
    """``75.000 đồng`` (dot thousands separator), or ``Miễn phí`` when zero."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"fee must be an int number of đồng, got {type(amount).__name__}")
    if amount < 0:
        raise ValueError(f"fee must not be negative, got {amount}")
    if amount == 0:
        return "Miễn phí"
    return f"{amount:,}".replace(",", ".") + " đồng"


# --- layout pieces ------------------------------------------------------------


def _grid(rows: list[list[object]], col_widths: list[float]) -> Table:
    table = Table(rows, colWidths=col_widths, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _header(
    s: PdfStyles, *, agency_name: str, number: str, place: str, issued_at: datetime
) -> list[Flowable]:
    left = [
        Paragraph(escape_text(agency_name.upper()), s.centered_bold),
        HRFlowable(width=28 * mm, thickness=0.6, color=black, spaceBefore=1, spaceAfter=3),
        Paragraph(f"Số: {escape_text(number)}", s.centered),
    ]
    right = [
        Paragraph(NATIONAL_NAME, s.centered_bold),
        Paragraph(f"<u>{NATIONAL_MOTTO}</u>", s.centered_bold),
        Spacer(1, 2 * mm),
        Paragraph(f"{escape_text(place)}, {format_long_date(issued_at, 'issued_at')}", s.centered),
    ]
    return [
        _grid(
            [[left, right]],
            [_LEFT_HEADER_WIDTH, _CONTENT_WIDTH - _LEFT_HEADER_WIDTH],
        ),
        Spacer(1, 6 * mm),
    ]


def _signature(s: PdfStyles, *, title: str, name: str, note: str = "") -> list[Flowable]:
    block: list[Flowable] = [Paragraph(escape_text(title.upper()), s.centered_bold)]
    if note:
        block.append(Paragraph(escape_text(note), s.centered))
    block += [Spacer(1, 22 * mm), Paragraph(escape_text(name), s.centered_bold)]
    return block


def _styles() -> PdfStyles:
    s = get_styles(base_size=12)
    # The two header columns are narrow: use a slightly smaller size there.
    for style in (s.centered, s.centered_bold):
        style.fontSize = 11.5
        style.leading = 15
        style.spaceAfter = 1
    return s


# --- documents ----------------------------------------------------------------


def render_apology_letter(
    *,
    agency_name: str,
    place: str,
    issued_at: datetime,
    dossier_code: str,
    applicant_name: str,
    procedure_name: str,
    received_at: datetime,
    due_at: datetime,
    new_due_at: datetime,
    reason: str,
    signer_name: str,
    signer_title: str,
    number: str = "......./PXL",
) -> bytes:
    """The "Phiếu xin lỗi và hẹn lại ngày trả kết quả" for a late dossier, as PDF."""
    s = _styles()
    agency = escape_text(agency_name)
    body = s.justified
    story: list[Flowable] = _header(
        s, agency_name=agency_name, number=number, place=place, issued_at=issued_at
    )
    story += [
        Paragraph(APOLOGY_TITLE, s.title),
        Paragraph(f"Kính gửi: Ông/Bà {escape_text(applicant_name)}", s.centered_bold),
        Spacer(1, 4 * mm),
        Paragraph(
            f"Ngày {format_date(received_at, 'received_at')}, {agency} tiếp nhận hồ sơ "
            f"của Ông/Bà, mã hồ sơ <b>{escape_text(dossier_code)}</b>, "
            f"thủ tục {escape_text(procedure_name)}; thời hạn trả kết quả theo quy định "
            f"là {format_datetime(due_at, 'due_at')}.",
            body,
        ),
        Paragraph(f"Lý do chậm trễ: {escape_text(reason)}", body),
        Paragraph(
            f"{agency} xin lỗi Ông/Bà vì sự chậm trễ này và hẹn trả kết quả vào "
            f"<b>{format_datetime(new_due_at, 'new_due_at')}</b>.",
            body,
        ),
        Paragraph("Rất mong nhận được sự thông cảm của Ông/Bà./.", body),
        Spacer(1, 6 * mm),
        KeepTogether(
            _grid(
                [["", _signature(s, title=signer_title, name=signer_name)]],
                [_CONTENT_WIDTH * 0.45, _CONTENT_WIDTH * 0.55],
            )
        ),
    ]
    return build_pdf(
        story,
        title=f"Phiếu xin lỗi và hẹn lại ngày trả kết quả - {dossier_code}",
        author=agency_name,
        subject=f"Hồ sơ {dossier_code}",
    )


def render_receipt(
    *,
    agency_name: str,
    place: str,
    issued_at: datetime,
    dossier_code: str,
    applicant_name: str,
    procedure_name: str,
    components: Sequence[str],
    received_at: datetime,
    due_at: datetime,
    fee_total: int,
    officer_name: str,
    number: str = "......./TNHS",
    tracking_url: str = "",
) -> bytes:
    """The "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" given on receipt, as PDF, with a QR
    code that opens the public tracking page when `tracking_url` is given."""
    s = _styles()
    body = s.justified
    code_style = s.title.clone("cqs-code", fontSize=15, leading=20, spaceBefore=0)
    item_style = body.clone("cqs-item", leftIndent=8 * mm, firstLineIndent=-5 * mm)
    fee = format_fee(fee_total)

    story: list[Flowable] = _header(
        s, agency_name=agency_name, number=number, place=place, issued_at=issued_at
    )
    story += [
        Paragraph(RECEIPT_TITLE, s.title),
        Paragraph(f"Mã hồ sơ: {escape_text(dossier_code)}", code_style),
        Spacer(1, 2 * mm),
        Paragraph(
            f"{escape_text(agency_name)} tiếp nhận hồ sơ của: "
            f"<b>Ông/Bà {escape_text(applicant_name)}</b>",
            body,
        ),
        Paragraph(f"Thủ tục: {escape_text(procedure_name)}", body),
        Paragraph("Thành phần hồ sơ nộp gồm:", body),
    ]
    if components:
        story += [
            Paragraph(f"{i}. {escape_text(item)}", item_style)
            for i, item in enumerate(components, start=1)
        ]
    else:
        story.append(Paragraph("(không có thành phần hồ sơ)", item_style))
    story += [
        Paragraph(f"Thời gian nhận hồ sơ: {format_datetime(received_at, 'received_at')}", body),
        Paragraph(f"Thời gian trả kết quả: <b>{format_datetime(due_at, 'due_at')}</b>", body),
        Paragraph(f"Phí, lệ phí: {fee}", body),
        *_tracking_block(s, tracking_url),
        Spacer(1, 6 * mm),
        KeepTogether(
            _grid(
                [
                    [
                        _signature(
                            s,
                            title="Người nộp hồ sơ",
                            name=applicant_name,
                            note="(Ký, ghi rõ họ tên)",
                        ),
                        _signature(
                            s,
                            title="Người tiếp nhận hồ sơ",
                            name=officer_name,
                            note="(Ký, ghi rõ họ tên)",
                        ),
                    ]
                ],
                [_CONTENT_WIDTH / 2, _CONTENT_WIDTH / 2],
            )
        ),
    ]
    return build_pdf(
        story,
        title=f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả - {dossier_code}",
        author=agency_name,
        subject=f"Hồ sơ {dossier_code}",
    )


def _tracking_block(s: PdfStyles, tracking_url: str) -> list[Flowable]:
    """A QR code beside the tracking address, or nothing."""
    if not tracking_url:
        return []
    from chinhquyenso.core.pdf import qr_code

    caption = Paragraph(
        "Quét mã QR hoặc truy cập địa chỉ sau để tra cứu tình trạng hồ sơ "
        f"(nhập 4 số cuối số định danh cá nhân):<br/>{escape_text(tracking_url)}", s.small)
    return [Spacer(1, 3 * mm), _grid([[qr_code(tracking_url), caption]],
                                     [32 * mm, _CONTENT_WIDTH - 32 * mm])]


def render_result_notice(
    *,
    agency_name: str,
    place: str,
    issued_at: datetime,
    dossier_code: str,
    applicant_name: str,
    procedure_name: str,
    result_name: str,
    files: Sequence[tuple[str, str]],
    signer_name: str,
    signer_title: str,
    tracking_url: str = "",
) -> bytes:
    """"Thông báo kết quả giải quyết": the electronic result issued with the dossier, listing
    the result files with their SHA-256 so the citizen can check them, and a QR code."""
    s = _styles()
    body = s.justified
    story: list[Flowable] = _header(s, agency_name=agency_name, number="......./TBKQ", place=place,
                                    issued_at=issued_at)
    story += [
        Paragraph("THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", s.title),
        Paragraph(f"Mã hồ sơ: <b>{escape_text(dossier_code)}</b>", s.centered),
        Spacer(1, 3 * mm),
        Paragraph(f"Kính gửi: Ông/Bà {escape_text(applicant_name)}", body),
        Paragraph(f"{escape_text(agency_name)} đã giải quyết xong hồ sơ thủ tục "
                  f"“{escape_text(procedure_name)}”. Kết quả: {escape_text(result_name)}.", body),
        Paragraph("Kết quả điện tử gồm các tệp sau (kèm mã kiểm tra SHA-256):", body),
    ]
    for i, (name, digest) in enumerate(files, start=1):
        story.append(Paragraph(f"{i}. {escape_text(name)}<br/><font size=8>{escape_text(digest)}</font>",
                               body))
    story += _tracking_block(s, tracking_url)
    story += [Spacer(1, 6 * mm), _grid([["", _signature(s, title=signer_title, name=signer_name)]],
                                        [_CONTENT_WIDTH / 2, _CONTENT_WIDTH / 2])]
    return build_pdf(story, title=f"Thông báo kết quả - {dossier_code}", author=agency_name,
                     subject=f"Hồ sơ {dossier_code}")
