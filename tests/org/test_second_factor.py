"""Officials confirm their login with a code from an authenticator app (TOTP) when a
role requires it or when they have set one up; real codes are computed here."""

import json
from base64 import b32encode
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.org import services
from chinhquyenso.org.models import Role, SecondFactorPolicy
from chinhquyenso.org.second_factor import MIDDLEWARE_PATH, OTP_MIDDLEWARE_PATH
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CODE_PAGE = "/dang-nhap/ma-xac-thuc/"
ENROL_PAGE = "/can-bo/xac-thuc-hai-lop/"
SECURITY_PAGE = "/can-bo/bao-mat/"


def with_second_factor(middleware):
    middleware = [m for m in middleware if m != MIDDLEWARE_PATH]
    at = middleware.index(OTP_MIDDLEWARE_PATH) + 1
    return [*middleware[:at], MIDDLEWARE_PATH, *middleware[at:]]


@pytest.fixture(autouse=True)
def _second_factor_middleware(settings):
    settings.MIDDLEWARE = with_second_factor(settings.MIDDLEWARE)
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


def code(device: TOTPDevice, steps: int = 0) -> str:
    """The code the official's phone shows now (or `steps` time steps later)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {code(device, steps) for steps in range(-2, 3)}
    return next(f"{n:06d}" for n in range(123456, 999999, 7919) if f"{n:06d}" not in accepted)


def wait_out_throttle(device: TOTPDevice) -> None:
    """Let time pass until django-otp accepts codes again after failures."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1))


def authenticator_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def log_in(client, user):
    return client.post("/dang-nhap/", {"username": user.username, "password": PASSWORD})


def type_code(client, value, next_url="/can-bo/"):
    return client.post(CODE_PAGE, {"otp_token": value, "next": next_url})


@pytest.fixture
def leader(official_with_role, ward):
    """A leader whose role requires a code, with an authenticator already set up."""
    official = official_with_role(Role.LEADER, ward, full_name="Trần Văn Đức")
    services.set_second_factor_policy(role=Role.LEADER, required=True)
    authenticator_for(official.user)
    return official.user


def test_password_alone_does_not_reach_the_workspace(client, leader):
    response = log_in(client, leader)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == CODE_PAGE and parse_qs(target.query)["next"] == ["/can-bo/"]
    assert "_auth_user_id" in client.session  # the password step passed ...
    for url in ("/can-bo/", "/kiem-toan/", "/can-bo/ho-so/", "/can-bo/don-vi/", "/"):
        response = client.get(url)  # ... but no official page opens before the code
        assert response.status_code == 302, url
        assert urlsplit(response["Location"]).path == CODE_PAGE, url
    page = client.get(CODE_PAGE)
    assert page.status_code == 200
    assert b'name="otp_token"' in page.content and b'autocomplete="one-time-code"' in page.content
    # logging out and the static files stay reachable
    assert client.get("/static/core/site.css").status_code == 200
    client.post("/dang-xuat/")
    assert "_auth_user_id" not in client.session


def test_wrong_code_is_refused_and_the_right_code_passes(client, leader):
    device = TOTPDevice.objects.get(user=leader)
    log_in(client, leader)
    response = type_code(client, wrong_code(device))
    assert response.status_code == 200
    assert response.context["form"].errors["otp_token"]
    assert client.get("/can-bo/").status_code == 302

    response = type_code(client, "12ab")  # not a code at all: refused by the form
    assert response.status_code == 200 and response.context["form"].errors["otp_token"]

    wait_out_throttle(device)
    response = type_code(client, code(device))
    assert response.status_code == 302 and response["Location"] == "/can-bo/"
    assert client.get("/can-bo/").status_code == 200
    assert client.get(CODE_PAGE).status_code == 302  # nothing more to confirm


def test_a_code_already_used_is_refused(client, leader):
    device = TOTPDevice.objects.get(user=leader)
    used = code(device)
    log_in(client, leader)
    assert type_code(client, used).status_code == 302
    client.post("/dang-xuat/")

    log_in(client, leader)  # someone who saw the code tries it again
    response = type_code(client, used)
    assert response.status_code == 200 and response.context["form"].errors["otp_token"]
    assert client.get("/can-bo/").status_code == 302
    wait_out_throttle(device)
    assert type_code(client, code(device, steps=1)).status_code == 302  # the next code works


def test_failures_are_throttled_even_for_the_right_code(client, leader):
    device = TOTPDevice.objects.get(user=leader)
    log_in(client, leader)
    for _attempt in range(3):
        wait_out_throttle(device)
        type_code(client, wrong_code(device))
    device.refresh_from_db()
    assert device.throttling_failure_count == 3

    response = type_code(client, code(device))  # right, but too soon after the failures
    assert response.status_code == 429
    assert response.context["form"].non_field_errors()
    assert client.get("/can-bo/").status_code == 302
    throttled = AuditEntry.objects.filter(action="auth.second_factor_failed").last()
    assert throttled.after["reason"] == "throttled"

    wait_out_throttle(device)
    assert type_code(client, code(device)).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_no_policy_and_no_authenticator_means_no_second_step(client, official_with_role, ward):
    user = official_with_role(Role.COUNTER_OFFICER, ward).user
    services.set_second_factor_policy(role=Role.LEADER, required=True)  # another role
    response = log_in(client, user)
    assert response["Location"] == "/can-bo/"
    assert client.get("/can-bo/").status_code == 200
    assert client.get("/api/v1/").status_code == 200


def test_an_authenticator_set_up_is_asked_for_even_without_a_policy(client, official_with_role, ward):
    user = official_with_role(Role.COUNTER_OFFICER, ward).user
    device = authenticator_for(user)
    assert urlsplit(log_in(client, user)["Location"]).path == CODE_PAGE
    assert type_code(client, code(device)).status_code == 302
    assert client.get("/can-bo/").status_code == 200


def test_a_policy_or_an_authenticator_added_during_a_session_applies_at_its_next_request(
        client, official_with_role, ward):
    """Open sessions are checked again on every request, not once at login."""
    user = official_with_role(Role.SPECIALIST, ward).user
    log_in(client, user)
    assert client.get("/can-bo/").status_code == 200
    services.set_second_factor_policy(role=Role.SPECIALIST, required=True)
    assert urlsplit(client.get("/can-bo/")["Location"]).path == ENROL_PAGE
    assert client.get("/api/v1/").status_code == 403
    services.set_second_factor_policy(role=Role.SPECIALIST, required=False)
    assert client.get("/can-bo/").status_code == 200
    authenticator_for(user)  # set up in another session, e.g. on the official's phone
    assert urlsplit(client.get("/can-bo/")["Location"]).path == CODE_PAGE


def test_required_without_an_authenticator_goes_to_enrolment_first(client, official_with_role, ward):
    user = official_with_role(Role.AUDITOR, ward).user
    services.set_second_factor_policy(role=Role.AUDITOR, required=True)
    response = client.get(log_in(client, user)["Location"])  # the code page sends on
    assert urlsplit(response["Location"]).path == ENROL_PAGE
    response = client.get("/kiem-toan/")
    assert urlsplit(response["Location"]).path == ENROL_PAGE
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/kiem-toan/"]

    page = client.get(ENROL_PAGE + "?next=/kiem-toan/")
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    html = page.content.decode()
    assert "<svg" in html and 'role="img"' in html  # the QR code, inline
    secret = b32encode(device.bin_key).decode().rstrip("=")
    assert secret in html.replace(" ", "")  # the key for typing by hand
    assert client.get(ENROL_PAGE).status_code == 200
    assert TOTPDevice.objects.get(user=user).pk == device.pk  # reloading keeps the same key

    response = client.post(ENROL_PAGE, {"otp_token": wrong_code(device), "next": "/kiem-toan/"})
    assert response.status_code == 200 and response.context["form"].errors["otp_token"]
    device.refresh_from_db()
    assert not device.confirmed

    wait_out_throttle(device)
    response = client.post(ENROL_PAGE, {"otp_token": code(device), "next": "/kiem-toan/"})
    assert response.status_code == 302 and response["Location"] == "/kiem-toan/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/kiem-toan/").status_code == 200  # the confirmation verified the session

    # the next login asks for a code from the new authenticator
    client.post("/dang-xuat/")
    assert urlsplit(log_in(client, user)["Location"]).path == CODE_PAGE
    assert type_code(client, code(device, steps=1)).status_code == 302


def test_the_password_alone_cannot_replace_an_authenticator(client, leader):
    log_in(client, leader)
    response = client.get(ENROL_PAGE)
    assert urlsplit(response["Location"]).path == CODE_PAGE
    response = client.post(ENROL_PAGE, {"restart": "1"})
    assert urlsplit(response["Location"]).path == CODE_PAGE
    assert TOTPDevice.objects.filter(user=leader).count() == 1


def test_confirming_a_new_authenticator_replaces_the_old_one(client, leader):
    old = TOTPDevice.objects.get(user=leader)
    log_in(client, leader)
    type_code(client, code(old))
    client.get(ENROL_PAGE)
    new = TOTPDevice.objects.get(user=leader, confirmed=False)
    response = client.post(ENROL_PAGE, {"otp_token": code(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=leader).values_list("pk", "confirmed")) == \
        [(new.pk, True)]
    assert client.get("/can-bo/").status_code == 200


def test_the_api_refuses_an_unconfirmed_session_with_json(client, leader):
    log_in(client, leader)
    response = client.get("/api/v1/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    type_code(client, code(TOTPDevice.objects.get(user=leader)))
    assert client.get("/api/v1/").status_code == 200


def test_htmx_requests_are_redirected_by_header(client, leader):
    log_in(client, leader)
    response = client.get("/can-bo/", headers={"HX-Request": "true"})
    assert urlsplit(response["HX-Redirect"]).path == CODE_PAGE


def test_only_system_administrators_change_policies(client, official_with_role, city, ward):
    unit_admin = official_with_role(Role.UNIT_ADMIN, ward).user
    client.force_login(unit_admin)
    assert client.get(SECURITY_PAGE).status_code == 403
    response = client.post(SECURITY_PAGE, {"role": Role.LEADER, "require_totp": "1"})
    assert response.status_code == 403
    assert not SecondFactorPolicy.objects.exists()

    admin = official_with_role(Role.SYSTEM_ADMIN, city).user
    client.force_login(admin)
    page = client.get(SECURITY_PAGE)
    assert page.status_code == 200
    assert page.content.decode().count('name="require_totp"') == len(Role.values)
    response = client.post(SECURITY_PAGE, {"role": Role.LEADER, "require_totp": "1"})
    assert response.status_code == 302
    assert SecondFactorPolicy.objects.get(role=Role.LEADER).require_totp
    client.post(SECURITY_PAGE, {"role": Role.LEADER, "require_totp": "0"})
    assert not SecondFactorPolicy.objects.get(role=Role.LEADER).require_totp
    entries = AuditEntry.objects.filter(action="second_factor.policy_set")
    assert [(e.actor_id, e.after["require_totp"]) for e in entries] == \
        [(admin.pk, True), (admin.pk, False)]
    assert client.post(SECURITY_PAGE, {"role": "nobody", "require_totp": "1"}).status_code == 200


def test_a_system_administrator_resets_an_authenticator(client, official_with_role, city, leader):
    device = TOTPDevice.objects.get(user=leader)
    admin = official_with_role(Role.SYSTEM_ADMIN, city).user
    client.force_login(admin)
    assert leader.username in client.get(SECURITY_PAGE).content.decode()
    response = client.post(f"{SECURITY_PAGE}thiet-bi/{device.pk}/xoa/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=leader).exists()
    entry = AuditEntry.objects.get(action="second_factor.device_removed")
    assert entry.actor_id == admin.pk and entry.object_repr == leader.username

    client.force_login(leader)  # the leader's role still requires a code: set up a new one
    assert urlsplit(client.get("/can-bo/")["Location"]).path == ENROL_PAGE


def test_officials_cannot_reset_authenticators(client, official_with_role, ward, leader):
    device = TOTPDevice.objects.get(user=leader)
    unit_admin = official_with_role(Role.UNIT_ADMIN, ward).user
    client.force_login(unit_admin)
    assert client.post(f"{SECURITY_PAGE}thiet-bi/{device.pk}/xoa/").status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_audit_log_records_the_steps_but_no_secret_or_code(client, official_with_role, ward):
    user = official_with_role(Role.CLERK, ward).user
    services.set_second_factor_policy(role=Role.CLERK, required=True)
    log_in(client, user)
    client.get(ENROL_PAGE)
    device = TOTPDevice.objects.get(user=user)
    typed = [wrong_code(device)]
    client.post(ENROL_PAGE, {"otp_token": typed[-1]})
    wait_out_throttle(device)
    typed.append(code(device))
    client.post(ENROL_PAGE, {"otp_token": typed[-1]})
    client.post("/dang-xuat/")
    log_in(client, user)
    typed.append(wrong_code(device))
    type_code(client, typed[-1])
    wait_out_throttle(device)
    typed.append(code(device, steps=1))
    assert type_code(client, typed[-1]).status_code == 302

    actions = list(AuditEntry.objects.filter(action__contains="second_factor")
                   .values_list("action", flat=True))
    assert actions == ["second_factor.policy_set", "second_factor.enrolment_started",
                       "second_factor.enrolment_failed", "second_factor.enrolled",
                       "auth.second_factor_failed", "auth.second_factor_passed"]
    device.refresh_from_db()
    secrets = [device.key, b32encode(device.bin_key).decode().rstrip("="), *typed]
    for entry in AuditEntry.objects.all():
        recorded = json.dumps([entry.object_repr, entry.before, entry.after])
        for secret in secrets:
            assert secret not in recorded, (entry.action, secret)
    assert AuditEntry.objects.get(action="auth.second_factor_failed").after["reason"] == "wrong_code"


def test_the_middleware_must_follow_django_otps(settings):
    from chinhquyenso.org.second_factor import SecondFactorMiddleware

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != OTP_MIDDLEWARE_PATH]
    with pytest.raises(ImproperlyConfigured):
        SecondFactorMiddleware(lambda request: None)
