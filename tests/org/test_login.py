"""Officials log in with user name and password; failures are explained and throttled."""

import pytest

from chinhquyenso.org.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    settings.AXES_FAILURE_LIMIT = 3
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


def test_login_page_is_vietnamese(client):
    html = client.get("/dang-nhap/").content.decode()
    assert "Tên đăng nhập" in html and "Mật khẩu" in html


def test_official_logs_in_and_reaches_the_workspace(client, official_with_role, ward):
    official = official_with_role(Role.COUNTER_OFFICER, ward, full_name="Vũ Thị Lan")
    response = client.post("/dang-nhap/", {"username": official.user.username,
                                           "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/can-bo/"
    assert "Vũ Thị Lan" in html and "Phường Tích Sơn" in html


def test_wrong_password_shows_a_vietnamese_error(client, official_with_role, ward):
    official = official_with_role(Role.COUNTER_OFFICER, ward)
    response = client.post("/dang-nhap/", {"username": official.user.username,
                                           "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, official_with_role, ward):
    official = official_with_role(Role.COUNTER_OFFICER, ward)
    for _ in range(3):
        client.post("/dang-nhap/", {"username": official.user.username, "password": "sai"})
    response = client.post("/dang-nhap/", {"username": official.user.username,
                                           "password": PASSWORD})
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout(client, official_with_role, ward):
    official = official_with_role(Role.COUNTER_OFFICER, ward)
    client.force_login(official.user)
    client.post("/dang-xuat/")
    assert client.get("/can-bo/").status_code == 302


def test_logins_and_failures_are_audited(client, official_with_role, ward):
    from chinhquyenso.core.models import AuditEntry

    official = official_with_role(Role.COUNTER_OFFICER, ward)
    username = official.user.username
    client.post("/dang-nhap/", {"username": username, "password": "sai"})
    client.post("/dang-nhap/", {"username": username, "password": PASSWORD})
    client.post("/dang-xuat/")
    actions = list(AuditEntry.objects.filter(action__startswith="auth.")
                   .values_list("action", "object_repr"))
    assert actions == [("auth.login_failed", username), ("auth.login", username),
                       ("auth.logout", username)]
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert "sai" not in str(failed.after)  # the password tried is never recorded


def test_sessions_end_after_inactivity(client, official_with_role, ward, settings):
    import time

    settings.SESSION_COOKIE_AGE = 1  # seconds of inactivity
    official = official_with_role(Role.COUNTER_OFFICER, ward)
    client.post("/dang-nhap/", {"username": official.user.username, "password": PASSWORD})
    assert client.get("/can-bo/").status_code == 200
    time.sleep(1.5)
    response = client.get("/can-bo/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_an_active_session_is_kept_alive_without_a_write_per_request(client, official_with_role, ward,
                                                                     settings):
    from django.contrib.sessions.models import Session

    settings.SESSION_COOKIE_AGE = 3
    official = official_with_role(Role.COUNTER_OFFICER, ward)
    client.force_login(official.user)
    key = client.session.session_key
    first_expiry = Session.objects.get(session_key=key).expire_date
    assert client.get("/can-bo/").status_code == 200
    touched = Session.objects.get(session_key=key).expire_date
    assert touched >= first_expiry  # touched once (it had never been)
    assert client.get("/can-bo/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == touched  # not rewritten again
