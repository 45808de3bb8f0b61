"""In the browser: an official whose role requires a second factor types a code from the
authenticator app after the password (and, the first time, sets the app up)."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyenso.org import services
from chinhquyenso.org.models import Role
from chinhquyenso.org.second_factor import MIDDLEWARE_PATH, OTP_MIDDLEWARE_PATH
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _reload_live_server_middleware(live_server) -> None:
    """The live server is shared by the session and loaded its middleware at start."""
    handler = live_server.thread.httpd.get_app()
    while handler is not None:
        if hasattr(handler, "load_middleware"):
            handler.load_middleware()
        handler = getattr(handler, "application", None)


@pytest.fixture
def second_factor_on(settings, live_server):
    original = list(settings.MIDDLEWARE)
    at = original.index(OTP_MIDDLEWARE_PATH) + 1
    settings.MIDDLEWARE = [*original[:at], MIDDLEWARE_PATH, *original[at:]]
    _reload_live_server_middleware(live_server)
    yield
    settings.MIDDLEWARE = original
    _reload_live_server_middleware(live_server)


def _code(key: bytes, steps: int = 0) -> str:
    return f"{totp(key, drift=steps):06d}"


def _log_in(page, username):
    page.goto("/dang-nhap/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_official_types_the_code_and_reaches_the_workspace(page, second_factor_on,
                                                          official_with_role, ward):
    official = official_with_role(Role.LEADER, ward, full_name="Trần Văn Đức")
    services.set_second_factor_policy(role=Role.LEADER, required=True)
    device = TOTPDevice.objects.create(user=official.user, name="TOTP", confirmed=True)

    _log_in(page, official.user.username)
    page.wait_for_url("**/dang-nhap/ma-xac-thuc/?next=*")
    field = page.locator("input[name=otp_token]")
    assert field.get_attribute("autocomplete") == "one-time-code"
    field.fill(_code(device.bin_key))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/can-bo/")
    assert page.get_by_text("Trần Văn Đức").first.is_visible()


def test_first_login_sets_up_the_authenticator_from_the_page(page, second_factor_on,
                                                            official_with_role, ward):
    official = official_with_role(Role.CLERK, ward, full_name="Lê Thị Hoa")
    services.set_second_factor_policy(role=Role.CLERK, required=True)

    _log_in(page, official.user.username)
    page.wait_for_url("**/can-bo/xac-thuc-hai-lop/**")
    assert page.get_by_role("img").locator("path").count() >= 1  # the QR code
    # the key typed by hand in the app, read from the page as a person would
    secret = page.locator("code[data-secret]").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.locator("main form input[name=otp_token]").fill(_code(key))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/can-bo/")
    assert page.get_by_text("Lê Thị Hoa").first.is_visible()
    assert TOTPDevice.objects.get(user=official.user).confirmed
