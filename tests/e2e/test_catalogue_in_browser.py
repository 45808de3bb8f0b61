"""A citizen on a phone finds a procedure by typing without accents."""

import copy
from urllib.parse import parse_qs, urlparse

import pytest

from tests.procedures.conftest import BIRTH, PERMIT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue():
    from chinhquyenso.procedures.services import load_catalogue

    load_catalogue([copy.deepcopy(BIRTH), copy.deepcopy(PERMIT)])


def test_search_as_you_type_and_open_a_procedure(phone_page, catalogue):
    page = phone_page
    page.goto("/dich-vu-cong/")
    assert page.get_by_text("Tìm thấy 2 thủ tục").is_visible()
    page.get_by_label("Tìm kiếm (gõ có dấu hoặc không dấu)").fill("dang ky khai sinh")
    page.get_by_text("Tìm thấy 1 thủ tục").wait_for()  # results replaced by HTMX, no reload
    assert parse_qs(urlparse(page.url).query)["q"] == ["dang ky khai sinh"]  # shareable address
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh").click()
    page.wait_for_url("**/dich-vu-cong/thu-tuc/1.001193/")
    assert page.get_by_role("heading", level=1).inner_text() == "Thủ tục đăng ký khai sinh"
    assert page.get_by_text("Giấy chứng sinh").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_filter_by_level(page, catalogue):
    page.goto("/dich-vu-cong/")
    page.select_option("#level", "city")
    page.get_by_text("Tìm thấy 1 thủ tục").wait_for()
    assert page.get_by_role("link", name="Cấp giấy phép xây dựng nhà ở riêng lẻ").is_visible()
