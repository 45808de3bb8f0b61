"""The printable dossier letters: real PDFs, read back with pypdf."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from chinhquyenso.core.pdf import CREATOR, FONT_BOLD, FONT_REGULAR, register_fonts
from chinhquyenso.dossiers.letters import (
    APOLOGY_TITLE,
    RECEIPT_TITLE,
    format_fee,
    render_apology_letter,
    render_receipt,
)

AGENCY = "Ủy ban nhân dân phường Tích Sơn"
APPLICANT = "Nguyễn Thị Hương"
CODE = "H26.8707-250301-0001"

# 17:15 UTC on 28 Feb is 00:15 on 1 Mar in Vietnam (UTC+7): the printed date
# can only be right if the renderer converts to Asia/Ho_Chi_Minh.
RECEIVED_UTC = datetime(2025, 2, 28, 17, 15, tzinfo=UTC)
DUE_UTC = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # 16:00 03/03/2025 in Vietnam
NEW_DUE_UTC = datetime(2025, 3, 6, 2, 0, tzinfo=UTC)  # 09:00 06/03/2025
ISSUED_UTC = datetime(2025, 3, 4, 18, 30, tzinfo=UTC)  # 01:30 05/03/2025


def apology(**overrides) -> bytes:
    kwargs = dict(
        agency_name=AGENCY,
        place="Vĩnh Yên",
        issued_at=ISSUED_UTC,
        dossier_code=CODE,
        applicant_name=APPLICANT,
        procedure_name="Đăng ký khai sinh",
        received_at=RECEIVED_UTC,
        due_at=DUE_UTC,
        new_due_at=NEW_DUE_UTC,
        reason="Cần xác minh thêm thông tin với cơ quan liên quan.",
        signer_name="Trần Văn Nam",
        signer_title="Chủ tịch",
    )
    kwargs.update(overrides)
    return render_apology_letter(**kwargs)


def receipt(**overrides) -> bytes:
    kwargs = dict(
        agency_name=AGENCY,
        place="Vĩnh Yên",
        issued_at=RECEIVED_UTC,
        dossier_code=CODE,
        applicant_name=APPLICANT,
        procedure_name="Đăng ký khai sinh",
        components=["Tờ khai đăng ký khai sinh", "Giấy chứng sinh (bản chính)"],
        received_at=RECEIVED_UTC,
        due_at=DUE_UTC,
        fee_total=75000,
        officer_name="Lê Thị Mai",
    )
    kwargs.update(overrides)
    return render_receipt(**kwargs)


def text_of(pdf: bytes) -> str:
    """All pages' text with whitespace runs (incl. line wraps) collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def font_names(pdf: bytes) -> set[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    return {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}


# --- apology letter -----------------------------------------------------------


def test_apology_letter_layout_and_vietnamese_text():
    pdf = apology()
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)

    assert "PHIẾU XIN LỖI" in text
    assert APOLOGY_TITLE in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG TÍCH SƠN" in text  # agency upper-cased in the header
    assert "Số:" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Vĩnh Yên, ngày 05 tháng 03 năm 2025" in text
    assert f"Kính gửi: Ông/Bà {APPLICANT}" in text
    assert f"Ngày 01/03/2025, {AGENCY} tiếp nhận hồ sơ của Ông/Bà" in text
    assert f"mã hồ sơ {CODE}" in text
    assert "thủ tục Đăng ký khai sinh" in text
    assert "thời hạn trả kết quả theo quy định là 16:00 ngày 03/03/2025." in text
    assert "Lý do chậm trễ: Cần xác minh thêm thông tin với cơ quan liên quan." in text
    assert (
        f"{AGENCY} xin lỗi Ông/Bà vì sự chậm trễ này và hẹn trả kết quả vào 09:00 ngày 06/03/2025."
        in text
    )
    assert "CHỦ TỊCH" in text
    assert "Trần Văn Nam" in text
    # The UTC dates must not leak through.
    assert "28/02/2025" not in text
    assert "ngày 04 tháng 03" not in text


def test_apology_dates_follow_vietnam_time_whatever_the_input_zone():
    tokyo = timezone(timedelta(hours=9))
    pdf = apology(received_at=RECEIVED_UTC.astimezone(tokyo), due_at=DUE_UTC.astimezone(tokyo))
    text = text_of(pdf)
    assert "Ngày 01/03/2025," in text
    assert "16:00 ngày 03/03/2025" in text


def test_apology_metadata_and_embedded_fonts():
    pdf = apology()
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.title is not None
    assert "Phiếu xin lỗi" in meta.title
    assert CODE in meta.title
    assert meta.author == AGENCY
    assert meta.creator == CREATOR == "Chính quyền số"

    names = font_names(pdf)
    assert any(FONT_REGULAR in name and "Bold" not in name for name in names), names
    assert any(FONT_BOLD in name for name in names), names
    assert b"/FontFile2" in pdf  # TrueType program embedded, not just referenced


def test_user_text_with_markup_is_shown_literally():
    nasty = 'Lỗi <b>& "nháy" </para><font size=40>'
    pdf = apology(
        applicant_name="Hương <b>&",
        procedure_name="Thủ tục <b>&",
        reason=nasty,
        agency_name="UBND <i>& Co",
        dossier_code="A&B<1>",
        place="Hà Nội <br/>",
        signer_title="Chủ tịch & <u>",
        signer_name="Nam <b>",
    )
    text = text_of(pdf)
    assert "Kính gửi: Ông/Bà Hương <b>&" in text
    assert "thủ tục Thủ tục <b>&" in text
    assert f"Lý do chậm trễ: {nasty.strip()}" in text
    assert "UBND <I>& CO" in text
    assert "mã hồ sơ A&B<1>" in text
    assert "Hà Nội <br/>, ngày" in text
    assert "CHỦ TỊCH & <U>" in text
    assert "Nam <b>" in text
    assert "&amp;" not in text and "&lt;" not in text


def test_multiline_reason_and_decomposed_unicode():
    decomposed_name = unicodedata.normalize("NFD", APPLICANT)
    assert decomposed_name != APPLICANT
    pdf = apology(applicant_name=decomposed_name, reason="Dòng một\nDòng hai")
    text = text_of(pdf)
    assert APPLICANT in text  # normalised to precomposed glyphs
    assert "Lý do chậm trễ: Dòng một Dòng hai" in text


@pytest.mark.parametrize("field", ["received_at", "due_at", "new_due_at", "issued_at"])
def test_naive_datetimes_are_rejected(field):
    with pytest.raises(ValueError, match=field):
        apology(**{field: datetime(2025, 3, 1, 8, 0)})


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        render_apology_letter(AGENCY)  # type: ignore[misc]
    with pytest.raises(TypeError):
        render_receipt(AGENCY)  # type: ignore[misc]


# --- receipt ------------------------------------------------------------------


def test_receipt_content():
    pdf = receipt()
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)

    assert RECEIPT_TITLE in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG TÍCH SƠN" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Vĩnh Yên, ngày 01 tháng 03 năm 2025" in text  # issued 28/02 UTC
    assert f"Mã hồ sơ: {CODE}" in text
    assert APPLICANT in text
    assert "Đăng ký khai sinh" in text
    assert "1. Tờ khai đăng ký khai sinh" in text
    assert "2. Giấy chứng sinh (bản chính)" in text
    assert "Thời gian nhận hồ sơ: 00:15 ngày 01/03/2025" in text
    assert "Thời gian trả kết quả: 16:00 ngày 03/03/2025" in text
    assert "75.000 đồng" in text
    assert "Miễn phí" not in text
    assert "Lê Thị Mai" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text

    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert "Giấy tiếp nhận hồ sơ" in meta.title
    assert meta.author == AGENCY
    assert meta.creator == "Chính quyền số"
    assert any("DejaVu" in name for name in font_names(pdf))


def test_receipt_free_of_charge():
    text = text_of(receipt(fee_total=0))
    assert "Miễn phí" in text
    assert "đồng" not in text


def test_receipt_components_with_markup_and_many_items():
    components = ["Bản sao <CCCD> & hộ khẩu"] + [f"Giấy tờ số {i}" for i in range(2, 61)]
    pdf = receipt(components=components)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2  # long lists flow onto further pages
    text = text_of(pdf)
    assert "1. Bản sao <CCCD> & hộ khẩu" in text
    assert "60. Giấy tờ số 60" in text


def test_receipt_without_components_still_renders():
    assert "Thành phần hồ sơ" in text_of(receipt(components=[]))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "Miễn phí"),
        (500, "500 đồng"),
        (75000, "75.000 đồng"),
        (1_234_567, "1.234.567 đồng"),
    ],
)
def test_format_fee(amount, expected):
    assert format_fee(amount) == expected


def test_format_fee_rejects_nonsense():
    with pytest.raises(ValueError):
        format_fee(-1)
    with pytest.raises(TypeError):
        format_fee(1.5)  # type: ignore[arg-type]


def test_font_registration_is_idempotent():
    register_fonts()
    register_fonts()
    assert text_of(receipt()) == text_of(receipt())
