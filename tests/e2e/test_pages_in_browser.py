"""What a person sees in the browser: home page, language switch, an official's login."""

import re

import pytest

from chinhquyenso.org.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_in_vietnamese_with_navigation(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Chính quyền số của thành phố và các phường, xã"
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    nav.get_by_role("link", name="Văn bản điều hành").click()
    page.wait_for_url("**/van-ban/")
    # A visitor is offered the public verification of a document's signatures.
    page.get_by_role("link", name="Xác thực văn bản").click()
    page.wait_for_url("**/xac-thuc/")
    # HTMX is served by the app itself
    assert page.evaluate("typeof window.htmx") == "object"


def test_language_switch_to_english_and_back(page):
    page.goto("/")
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="Đổi").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Officials' login").is_visible()
    page.select_option("#lang-select", "vi")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_official_logs_in_sees_the_workspace_and_logs_out(page, official_with_role, ward):
    official = official_with_role(Role.COUNTER_OFFICER, ward, full_name="Vũ Thị Lan")
    page.goto("/")
    page.get_by_role("link", name="Đăng nhập cán bộ").click()
    page.get_by_label("Tên đăng nhập").fill(official.user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/can-bo/")
    assert page.get_by_text("Vũ Thị Lan").first.is_visible()
    assert page.get_by_text("Công chức một cửa — Phường Tích Sơn").is_visible()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))  # back on the home page
    assert page.get_by_role("link", name="Đăng nhập cán bộ").is_visible()


def test_wrong_password_shows_a_vietnamese_error(page, official_with_role, ward):
    official = official_with_role(Role.CLERK, ward)
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(official.user.username)
    page.get_by_label("Mật khẩu").fill("khong-dung")
    page.get_by_role("button", name="Đăng nhập").click()
    alert = page.get_by_role("alert")
    assert "Sai tên đăng nhập hoặc mật khẩu" in alert.inner_text()


def test_an_english_phone_still_gets_vietnamese(phone_page):
    """The browser's language does not switch the site; only the language switch does."""
    phone_page.goto("/")
    assert phone_page.locator("html").get_attribute("lang") == "vi"


def test_home_page_fits_a_small_phone(phone_page):
    phone_page.goto("/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert phone_page.get_by_role("link", name="Đăng nhập cán bộ").is_visible()
