"""The full authorization-code flow, over HTTP, through the development provider."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.test import RequestFactory, override_settings
from oauth2_provider.models import AccessToken

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.devidp import provider as devidp
from chinhquyenso.devidp.models import DemoLogin
from chinhquyenso.identity.accounts import CitizenAccount
from chinhquyenso.identity.oidc import (
    SESSION_LEVEL,
    eid_level_required,
    require_eid_level,
)

from .conftest import CALLBACK_PATH, Flow, assert_refused, query

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def test_discovery_document_and_signing_keys(live_server):
    issuer = f"{live_server.url}/devidp"
    document = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=30).json()
    assert document["issuer"] == issuer
    assert document["authorization_endpoint"] == f"{issuer}/authorize/"
    assert document["token_endpoint"] == f"{issuer}/token/"
    assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(document["jwks_uri"], timeout=30).json()["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]
    assert keys[0]["kid"] and "d" not in keys[0]  # the public half only


def test_citizen_logs_in_at_level_2(flow, citizen, live_server):
    authorize_url = flow.start(level=2, next_url="/dich-vu-cong/ho-so/")
    params = query(authorize_url)
    assert params["response_type"] == "code"
    assert params["client_id"] == devidp.CLIENT_ID
    assert params["redirect_uri"] == live_server.url + CALLBACK_PATH
    assert params["acr_values"] == "LoA2"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"]
    assert "openid" in params["scope"].split()

    callback_url = flow.pick(authorize_url, citizen=citizen.pk, level=2)
    answer = query(callback_url)
    assert answer["state"] == params["state"] and answer["code"]
    assert answer["iss"] == f"{live_server.url}/devidp"

    response = flow.finish(callback_url)
    assert response.status_code == 302, response.text[:2000]
    assert response.headers["Location"] == "/dich-vu-cong/ho-so/"

    account = CitizenAccount.objects.select_related("user").get()
    assert account.citizen == citizen
    assert account.issuer == f"{live_server.url}/devidp"
    assert citizen.id_number not in account.subject
    assert citizen.id_number not in account.user.username
    assert account.level == 2 and account.last_login_at is not None
    assert not account.user.has_usable_password()
    session = flow.session()
    assert session["_auth_user_id"] == str(account.user.pk)
    assert session[SESSION_LEVEL] == 2
    assert session["eid_citizen_id"] == citizen.pk
    # The tokens were really issued, and the code is spent.
    assert DemoLogin.objects.get().level == 2
    assert AccessToken.objects.count() == 1
    assert AuditEntry.objects.filter(action="citizen_account.created").count() == 1
    for entry in AuditEntry.objects.all():
        assert citizen.id_number not in str(entry.object_repr) + str(entry.after) + str(entry.before)

    # A second login of the same person finds the same account (issuer + subject).
    second = Flow(live_server.url)
    response = second.login(level=1, citizen=citizen.pk)
    assert response.status_code == 302
    assert CitizenAccount.objects.count() == 1
    assert second.session()["_auth_user_id"] == str(account.user.pk)
    assert second.session()[SESSION_LEVEL] == 1
    assert AuditEntry.objects.filter(action="citizen_account.logged_in").count() == 1


def test_the_platform_can_be_pointed_at_any_issuer(flow, citizen, live_server):
    """Configured like the national SSO or a broker: issuer, client id and secret from
    settings, endpoints from the issuer's discovery document."""
    devidp.ensure_devidp_client()
    with override_settings(OIDC_ISSUER=f"{live_server.url}/devidp",
                           OIDC_CLIENT_ID=devidp.CLIENT_ID,
                           OIDC_CLIENT_SECRET=devidp.client_secret()):
        response = flow.login(level=1, citizen=citizen.pk)
        assert response.status_code == 302, response.text[:2000]
    assert "_auth_user_id" in flow.session()


def test_wrong_client_secret_is_refused(flow, citizen, live_server):
    devidp.ensure_devidp_client()
    with override_settings(OIDC_ISSUER=f"{live_server.url}/devidp",
                           OIDC_CLIENT_ID=devidp.CLIENT_ID, OIDC_CLIENT_SECRET="not-the-secret"):
        assert_refused(flow.login(level=1, citizen=citizen.pk), "provider_error", 400)


def test_state_mismatch_is_refused(flow, citizen):
    callback_url = flow.pick(flow.start(), citizen=citizen.pk)
    tampered = callback_url.replace("state=", "state=x", 1)
    assert_refused(flow.finish(tampered), "state_mismatch", 400)


def test_answer_in_another_browser_is_refused(flow, citizen, live_server):
    callback_url = flow.pick(flow.start(), citizen=citizen.pk)
    other = Flow(live_server.url)
    assert_refused(other.finish(callback_url), "state_mismatch", 400)
    # ...and the answer still works once, in the browser that started the login.
    assert flow.finish(callback_url).status_code == 302


def test_replayed_answer_is_refused(flow, citizen):
    callback_url = flow.pick(flow.start(), citizen=citizen.pk)
    assert flow.finish(callback_url).status_code == 302
    replay = flow.finish(callback_url)
    assert replay.status_code == 400
    assert 'data-login-error="state_mismatch"' in replay.text


def test_tampered_signature_is_refused(flow, citizen):
    response = flow.login(citizen=citizen.pk, fault="bad_signature")
    assert_refused(response, "bad_signature", 400)
    assert CitizenAccount.objects.count() == 0


def test_expired_id_token_is_refused(flow, citizen):
    response = flow.login(citizen=citizen.pk, fault="expired")
    assert_refused(response, "expired", 400)
    assert CitizenAccount.objects.count() == 0


def test_level_1_answer_to_a_level_2_request_is_refused(flow, citizen):
    authorize_url = flow.start(level=2)
    response = flow.finish(flow.pick(authorize_url, citizen=citizen.pk, level=1))
    assert_refused(response, "level_too_low", 403)
    assert "level=2" in response.text  # the page offers to log in again at level 2
    assert CitizenAccount.objects.count() == 0


def test_level_1_account_cannot_reach_level_2(flow, level_one_citizen):
    """The provider never asserts more than the citizen's account level."""
    response = flow.finish(flow.pick(flow.start(level=2), citizen=level_one_citizen.pk, level=2))
    assert_refused(response, "level_too_low", 403)


def test_unknown_citizen_number_is_refused(flow, citizen, caplog):
    caplog.set_level(logging.DEBUG)
    unknown = "026" + "1" + "92" + "000777"
    response = flow.login(id_number=unknown)
    assert_refused(response, "unknown_citizen", 403)
    assert CitizenAccount.objects.count() == 0
    relying_party = [r.getMessage() for r in caplog.records
                     if r.name.startswith(("chinhquyenso", "mozilla_django_oidc", "django"))]
    assert any("unknown_citizen" in message for message in relying_party)
    assert not any(unknown in message for message in relying_party)


def test_cancel_at_the_provider(flow, citizen):
    response = flow.finish(flow.pick(flow.start(), cancel="1"))
    assert_refused(response, "cancelled", 400)


def test_no_personal_number_in_logs_of_a_login(flow, citizen, caplog):
    caplog.set_level(logging.DEBUG)
    assert flow.login(level=2, citizen=citizen.pk).status_code == 302
    assert citizen.id_number not in caplog.text


def test_failures_are_in_the_audit_log_without_numbers(flow, citizen):
    flow.login(citizen=citizen.pk, fault="expired")
    entry = AuditEntry.objects.get(action="auth.citizen_login_failed")
    assert entry.after["reason"] == "expired"


def test_code_without_its_pkce_verifier_is_useless(flow, citizen, live_server):
    """A stolen code cannot be exchanged: the provider requires the PKCE verifier."""
    devidp.ensure_devidp_client()
    code = query(flow.pick(flow.start(), citizen=citizen.pk))["code"]
    response = requests.post(f"{live_server.url}/devidp/token/", data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": live_server.url + CALLBACK_PATH,
    }, auth=(devidp.CLIENT_ID, devidp.client_secret()), timeout=30)
    assert response.status_code == 400
    assert "id_token" not in response.text


def test_unreachable_provider_gives_a_clear_page(client):
    with override_settings(OIDC_ISSUER="http://127.0.0.1:9/sso", OIDC_CLIENT_ID="cqs",
                           OIDC_CLIENT_SECRET="secret", OIDC_TIMEOUT=2):
        response = client.get("/dang-nhap-cong-dan/?level=1")
    assert response.status_code == 503
    assert response.context["reason"] == "provider_unavailable"
    assert "_auth_user_id" not in client.session


def test_callback_without_a_login_started(client):
    response = client.get(CALLBACK_PATH + "?code=abc&state=def")
    assert response.status_code == 400
    assert response.context["reason"] == "state_mismatch"
    assert "_auth_user_id" not in client.session


def test_devidp_views_answer_404_when_disabled(client):
    with override_settings(DEVIDP_ENABLED=False):
        assert client.get("/devidp/.well-known/openid-configuration").status_code == 404
        assert client.get("/devidp/authorize/").status_code == 404
        assert client.post("/devidp/token/").status_code == 404


@pytest.mark.parametrize(("env", "expected"), [
    ({"DEBUG": "0", "DEMO_MODE": "0"}, "off"),
    ({"DEBUG": "0", "DEMO_MODE": "1"}, "on"),
    ({"DEBUG": "1", "DEMO_MODE": "0"}, "on"),
    ({"DEBUG": "1", "DEMO_MODE": "0", "DEVIDP_ENABLED": "0"}, "off"),
])
def test_devidp_is_off_in_production(env, expected, tmp_path):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "DEMO_MODE", "DEVIDP_ENABLED", "DATABASE_URL"}}
    clean.update(env, SECRET_KEY="x" * 50, CQS_VAR_DIR=str(tmp_path),
                 DJANGO_SETTINGS_MODULE="chinhquyenso.settings")
    code = ("import django; django.setup(); from django.conf import settings; "
            "from django.urls import resolve, Resolver404\n"
            "try:\n resolve('/devidp/.well-known/openid-configuration'); mounted = True\n"
            "except Resolver404:\n mounted = False\n"
            "print('on' if settings.DEVIDP_ENABLED and mounted else "
            "'off' if not settings.DEVIDP_ENABLED and not mounted else 'mixed')")
    result = subprocess.run([sys.executable, "-c", code], env=clean, cwd=ROOT / "src",
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == expected, result.stderr


def test_require_eid_level(citizen):
    factory = RequestFactory()

    @eid_level_required(2)
    def view(request):
        return "page"

    request = factory.get("/dich-vu-cong/thu-tuc/1.001/nop/")
    request.user = citizen_user = CitizenAccountUser()
    request.session = {SESSION_LEVEL: 1}
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == ("/dang-nhap-cong-dan/?level=2&next="
                                    "%2Fdich-vu-cong%2Fthu-tuc%2F1.001%2Fnop%2F")
    request.session = {SESSION_LEVEL: 2}
    assert view(request) == "page"
    assert require_eid_level(request, 1) is None
    citizen_user.is_authenticated = False
    assert require_eid_level(request, 1).status_code == 302


class CitizenAccountUser:
    is_authenticated = True


