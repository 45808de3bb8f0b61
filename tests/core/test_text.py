import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from chinhquyenso.core.text import normalize_vi


def test_examples_users_type():
    assert normalize_vi("Đăng ký khai sinh") == "dang ky khai sinh"
    assert normalize_vi("ĐỒNG TÂM") == "dong tam"
    assert normalize_vi("Phường  Định   Trung") == "phuong dinh trung"
    assert normalize_vi("Thủ tục hành chính") == "thu tuc hanh chinh"
    assert normalize_vi("") == ""


def test_composed_and_decomposed_input_agree():
    composed = unicodedata.normalize("NFC", "Xã Thanh Trù")
    decomposed = unicodedata.normalize("NFD", "Xã Thanh Trù")
    assert composed != decomposed
    assert normalize_vi(composed) == normalize_vi(decomposed) == "xa thanh tru"


@given(st.text())
def test_idempotent(text):
    once = normalize_vi(text)
    assert normalize_vi(once) == once


@given(st.text())
def test_no_marks_no_upper_no_d_stroke(text):
    result = normalize_vi(text)
    assert "đ" not in result and "Đ" not in result
    assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", result))
    assert result == result.casefold()


VIETNAMESE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"


@given(st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " ", min_size=1))
def test_vietnamese_text_becomes_plain_ascii(text):
    result = normalize_vi(text)
    assert result.isascii()
    assert len(result.replace(" ", "")) == len(text.replace(" ", ""))
