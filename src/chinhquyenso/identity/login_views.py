"""Citizens' login pages: start (redirect to the identity provider) and callback.

/dang-nhap-cong-dan/?level=1|2&next=/… starts a login at that assurance level;
the provider sends the citizen back to /dang-nhap-cong-dan/xac-thuc/. Every failure
ends on identity/login_error.html with a clear message and status 400, 403 or 503,
and nobody is logged in.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import auth
from django.shortcuts import redirect, render, resolve_url
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .oidc import (
    ACR_BY_LEVEL,
    MAX_PENDING,
    SESSION_ACCOUNT,
    SESSION_CITIZEN,
    SESSION_ISSUER,
    SESSION_LEVEL,
    SESSION_PENDING,
    LoginFailure,
    citizen_login_url,
    get_provider,
    record_failed_login,
)

logger = logging.getLogger(__name__)


def parse_level(value) -> int:
    return 2 if str(value).strip() == "2" else 1


def failure_page(request, failure: LoginFailure, level: int = 1, *, audit: bool = True):
    """The page of a refused login. Logs (and audits, for answers of the provider) the
    reason only: never a number, a code or a token."""
    logger.warning("Citizen login refused: %s", failure.reason)
    if audit:
        record_failed_login(request, failure.reason)
    return render(request, "identity/login_error.html", {
        "reason": failure.reason,
        "message": failure.message,
        "retry_url": citizen_login_url(failure.params.get("required", level)),
    }, status=failure.status)


class CitizenLoginStartView(OIDCAuthenticationRequestView):
    """Sends the citizen to the identity provider with state, nonce, a PKCE challenge
    and acr_values for the requested level; remembers the level for the callback."""

    def __init__(self, **kwargs):
        # Not the library's __init__: the endpoint and client id are resolved per
        # request (get_provider), so that the development provider follows the host.
        View.__init__(self, **kwargs)
        self.level = 1

    def get(self, request):
        self.level = parse_level(request.GET.get("level"))
        try:
            provider = get_provider(request)
        except LoginFailure as failure:
            return failure_page(request, failure, self.level, audit=False)
        self.OIDC_OP_AUTH_ENDPOINT = provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        response = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        pending = dict(request.session.get(SESSION_PENDING) or {})
        while len(pending) >= MAX_PENDING:
            pending.pop(next(iter(pending)))
        pending[state] = {"level": self.level, "issuer": provider.issuer,
                          "next": request.session.pop("oidc_login_next", None)}
        request.session[SESSION_PENDING] = pending
        return response

    def get_extra_params(self, request):
        return {**super().get_extra_params(request), "acr_values": ACR_BY_LEVEL[self.level]}


class CitizenLoginCallbackView(OIDCAuthenticationCallbackView):
    """Checks the answer of the provider (state, code → tokens, ID token, level, citizen)
    and logs the citizen in; any failure ends on the error page with no login."""

    def get(self, request):
        state = request.GET.get("state") or ""
        states = dict(request.session.get("oidc_states") or {})
        pending = dict(request.session.get(SESSION_PENDING) or {})
        secrets = states.pop(state, None) if state else None
        login = pending.pop(state, None) if state else None
        if secrets is not None or login is not None:
            # Used once: a replayed answer finds no state.
            request.session["oidc_states"] = states
            request.session[SESSION_PENDING] = pending
        level = login["level"] if login else 1
        try:
            if request.GET.get("error"):
                raise LoginFailure("cancelled" if request.GET["error"] == "access_denied"
                                   else "provider_error")
            if secrets is None or login is None:
                raise LoginFailure("state_mismatch")
            provider = get_provider(request)
            if provider.issuer != login["issuer"] or (
                    "iss" in request.GET and request.GET["iss"] != provider.issuer):
                raise LoginFailure("invalid_token")
            # The token exchange is slow: store the session now (the library does too).
            request.session.save()
            user = auth.authenticate(request=request, oidc_provider=provider,
                                     oidc_level=login["level"], nonce=secrets.get("nonce"),
                                     code_verifier=secrets.get("code_verifier"))
            if user is None:
                raise LoginFailure("provider_error")
        except LoginFailure as failure:
            return failure_page(request, failure, level)
        self.user = user
        auth.login(request, user)
        eid = request.eid_login
        request.session[SESSION_LEVEL] = eid.level
        request.session[SESSION_ACCOUNT] = eid.account_id
        request.session[SESSION_CITIZEN] = eid.citizen_id
        request.session[SESSION_ISSUER] = eid.issuer
        return redirect(login["next"] or resolve_url(settings.CITIZEN_LOGIN_REDIRECT_URL))
