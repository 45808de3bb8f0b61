"""Citizens' login through OpenID Connect: the platform as a relying party.

Authorization-code flow with PKCE (S256), state and nonce, through mozilla-django-oidc.
The provider is the national SSO (VNeID), a broker in front of it, or — in development,
the demo and the tests — the built-in development provider under /devidp/:

* `OIDC_ISSUER` set: that provider, with `OIDC_CLIENT_ID` / `OIDC_CLIENT_SECRET`; its
  endpoints come from its discovery document (fetched once per process, at the first
  login) unless given explicitly (`OIDC_AUTHORIZATION_ENDPOINT`, `OIDC_TOKEN_ENDPOINT`,
  `OIDC_JWKS_ENDPOINT`, `OIDC_USERINFO_ENDPOINT`);
* `OIDC_ISSUER` empty and `DEVIDP_ENABLED`: the development provider, whose issuer is
  this site's own address as the request sees it (`<site>/devidp`) and whose client is
  registered automatically at the first login (`devidp.provider.ensure_devidp_client`).

The ID token is checked here, not only in the library: RS256 signature against the
provider's JWKS, `iss`, `aud` (and `azp`), `exp` / `iat` with a small clock skew, and the
nonce. The requested assurance level goes out as `acr_values` (LoA1 / LoA2) and the
level in the returned `acr` claim must reach it. Accounts are keyed on issuer + subject
(`CitizenAccount`) and linked to the citizen record through the identification number
claim (`OIDC_ID_NUMBER_CLAIM`); an unknown number is refused. Every refusal raises
`LoginFailure`, which the callback view turns into a page; logs carry the reason only,
never a number or a token.

The level of the login lives in the session (`SESSION_LEVEL`); pages that need a level
use `require_eid_level()` or the `eid_level_required()` decorator.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from chinhquyenso.core.services import record_audit
from chinhquyenso.org.auth_backend import load_user

from .accounts import CitizenAccount
from .idnumbers import normalize_id_number
from .models import Citizen

logger = logging.getLogger(__name__)

ACR_BY_LEVEL = {1: "LoA1", 2: "LoA2"}
LEVEL_BY_ACR = {acr: level for level, acr in ACR_BY_LEVEL.items()}

# Session keys of a citizen's login.
SESSION_LEVEL = "eid_level"
SESSION_ACCOUNT = "eid_account_id"
SESSION_CITIZEN = "eid_citizen_id"
SESSION_ISSUER = "eid_issuer"
# Logins under way: state → {"level", "issuer", "next"} (the library keeps nonce and
# PKCE verifier under "oidc_states").
SESSION_PENDING = "eid_pending"
MAX_PENDING = 10


class LoginFailure(Exception):
    """A refused login: `reason` says why (for logs and tests), `message` tells the
    citizen in their language, `status` is the HTTP status of the page."""

    REASONS = {
        "state_mismatch": (400, _(
            "This login answer does not belong to a login started in this browser, or it "
            "has already been used. Please start the login again.")),
        "cancelled": (400, _("The login was cancelled at the identity provider.")),
        "provider_error": (400, _(
            "The identity provider did not complete the login. Please start the login "
            "again; if this keeps happening, try again later.")),
        "provider_unavailable": (503, _(
            "The identity provider cannot be reached at the moment. Please try again in a "
            "few minutes.")),
        "not_configured": (503, _(
            "Login with electronic identification is not set up on this site yet.")),
        "bad_signature": (400, _(
            "The answer of the identity provider could not be verified: its signature is "
            "not valid. You have not been logged in. Please start the login again.")),
        "expired": (400, _(
            "The answer of the identity provider has expired. Please start the login "
            "again.")),
        "invalid_token": (400, _(
            "The answer of the identity provider was not issued for this site or this "
            "login. You have not been logged in. Please start the login again.")),
        "level_too_low": (403, _(
            "This service needs a login with a level %(required)s electronic "
            "identification account, but the login was at level %(got)s. Log in again "
            "with a level %(required)s account (VNeID level 2 is obtained at the police "
            "office).")),
        "unknown_citizen": (403, _(
            "Your personal identification number is not in the citizen records of this "
            "platform yet. Please ask the one-stop shop of your ward or commune to record "
            "it, then log in again.")),
        "account_conflict": (403, _(
            "This electronic identification account is already linked to another citizen "
            "record. Please contact the one-stop shop of your ward or commune.")),
        "account_disabled": (403, _(
            "This account has been disabled. Please contact the one-stop shop of your ward "
            "or commune.")),
    }

    def __init__(self, reason: str, **params):
        if reason not in self.REASONS:
            raise ValueError(f"unknown login failure reason {reason!r}")
        super().__init__(reason)
        self.reason = reason
        self.params = params
        self.status = self.REASONS[reason][0]

    @property
    def message(self) -> str:
        text = str(self.REASONS[self.reason][1])
        return text % self.params if self.params else text


# --- The provider ------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    client_id: str
    client_secret: str
    builtin: bool = False


_discovered: dict[str, dict] = {}
_discovery_lock = threading.Lock()


def discover(issuer: str) -> dict:
    """The provider's discovery document, fetched once per process and issuer."""
    with _discovery_lock:
        if issuer in _discovered:
            return _discovered[issuer]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration",
                                timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OIDC discovery failed for %s: %s", issuer, type(exc).__name__)
        raise LoginFailure("provider_unavailable") from None
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
               if not document.get(key)]
    if document.get("issuer") != issuer or missing:
        logger.warning("OIDC discovery document of %s is unusable (issuer %r, missing %s)",
                       issuer, document.get("issuer"), missing)
        raise LoginFailure("provider_unavailable")
    with _discovery_lock:
        _discovered[issuer] = document
    return document


def callback_url(request) -> str:
    return request.build_absolute_uri(reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL))


def get_provider(request) -> Provider:
    """The provider citizens log in with, as seen from this request."""
    if settings.OIDC_ISSUER:
        issuer = settings.OIDC_ISSUER
        explicit = {
            "authorization_endpoint": settings.OIDC_AUTHORIZATION_ENDPOINT,
            "token_endpoint": settings.OIDC_TOKEN_ENDPOINT,
            "jwks_uri": settings.OIDC_JWKS_ENDPOINT,
            "userinfo_endpoint": settings.OIDC_USERINFO_ENDPOINT,
        }
        if all(explicit[key] for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
            metadata = explicit
        else:
            metadata = {**discover(issuer), **{k: v for k, v in explicit.items() if v}}
        client_id, client_secret, builtin = (settings.OIDC_CLIENT_ID,
                                             settings.OIDC_CLIENT_SECRET, False)
    elif settings.DEVIDP_ENABLED:
        from chinhquyenso.devidp import provider as devidp

        issuer = devidp.issuer_for(request)
        devidp.ensure_devidp_client(extra_redirect_uri=callback_url(request))
        metadata = discover(issuer)
        client_id, client_secret, builtin = devidp.CLIENT_ID, devidp.client_secret(), True
    else:
        raise LoginFailure("not_configured")
    return Provider(
        issuer=issuer,
        authorization_endpoint=metadata["authorization_endpoint"],
        token_endpoint=metadata["token_endpoint"],
        jwks_uri=metadata["jwks_uri"],
        userinfo_endpoint=metadata.get("userinfo_endpoint") or "",
        client_id=client_id,
        client_secret=client_secret,
        builtin=builtin,
    )


# --- Accounts -------------------------------------------------------------------------


def _username(issuer: str, subject: str) -> str:
    return "congdan-" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:24]


def _repr(citizen: Citizen) -> str:
    return f"{citizen.full_name} ({citizen.masked_id_number})"


def link_citizen_account(*, issuer: str, subject: str, citizen: Citizen,
                         level: int) -> CitizenAccount:
    """The account of (issuer, subject), created with its user at the first login and
    linked to `citizen`; its level and last login updated. One transaction with its
    audit entry. Raises LoginFailure("account_conflict") if the account is linked to
    another citizen."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _link(issuer, subject, citizen, level)
        except IntegrityError:  # the same first login twice at once: the other one won
            if attempt:
                raise
    raise AssertionError("unreachable")


def _link(issuer: str, subject: str, citizen: Citizen, level: int) -> CitizenAccount:
    now = timezone.now()
    account = (CitizenAccount.objects.select_for_update(of=("self",)).select_related("user")
               .filter(issuer=issuer, subject=subject).first())
    if account is None:
        User = get_user_model()
        username = _username(issuer, subject)
        user = User.objects.filter(username=username, citizen_account__isnull=True).first()
        if user is None:
            user = User(username=username)
            user.set_unusable_password()
            user.save()
        account = CitizenAccount.objects.create(issuer=issuer, subject=subject, user=user,
                                                citizen=citizen, level=level,
                                                last_login_at=now)
        record_audit(actor=user, action="citizen_account.created", obj=account,
                     object_repr=_repr(citizen),
                     after={"issuer": issuer, "citizen": citizen.pk, "level": level})
        return account
    if account.citizen_id is not None and account.citizen_id != citizen.pk:
        raise LoginFailure("account_conflict")
    before = {"citizen": account.citizen_id, "level": account.level,
              "last_login_at": account.last_login_at}
    account.citizen = citizen
    account.level = level
    account.last_login_at = now
    account.save(update_fields=["citizen", "level", "last_login_at"])
    record_audit(actor=account.user, action="citizen_account.logged_in", obj=account,
                 object_repr=_repr(citizen), before=before,
                 after={"citizen": citizen.pk, "level": level, "last_login_at": now})
    return account


def record_failed_login(request, reason: str) -> None:
    """A refused citizen login, in the audit log: the reason and the address only."""
    address = (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:64]
    with transaction.atomic():
        record_audit(action="auth.citizen_login_failed", object_type="identity.citizenaccount",
                     object_repr=reason, after={"reason": reason, "address": address})


# --- The authentication backend ----------------------------------------------------------


@dataclass(frozen=True)
class EidLogin:
    """What the backend found, for the callback view to put in the session."""

    account_id: int
    citizen_id: int
    level: int
    issuer: str


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates a citizen from the authorization code of the callback request.

    Acts only when called by the callback view (`oidc_provider` given); every other
    authenticate() call (the officials' password login) passes through. Every refusal
    raises LoginFailure, so the view can say why; Django's authenticate() lets it
    through (it only swallows PermissionDenied).
    """

    def __init__(self, *args, **kwargs):
        # Django builds the backends on every authenticate() and for every request of a
        # logged-in user: nothing here may read the network or fail. The provider's
        # endpoints and client are set per login, in authenticate().
        self.UserModel = get_user_model()
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.provider: Provider | None = None

    def get_user(self, user_id):
        # every request of a logged-in citizen: no ORM query to build, roles read with it
        user = load_user(user_id, with_access=True)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, oidc_provider: Provider | None = None,
                     oidc_level: int = 1, nonce: str | None = None,
                     code_verifier: str | None = None, **kwargs):
        if request is None or oidc_provider is None:
            return None
        self.request = request
        self.provider = provider = oidc_provider
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret

        code = request.GET.get("code")
        if not code:
            raise LoginFailure("provider_error")
        payload = {
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_url(request),
        }
        if code_verifier is not None:
            payload["code_verifier"] = code_verifier
        try:
            token_info = self.get_token(payload)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            logger.warning("Citizen login: the token endpoint refused the code (HTTP %s)",
                           status)
            raise LoginFailure("provider_error") from None
        except (requests.RequestException, ValueError) as exc:
            logger.warning("Citizen login: token endpoint unreachable (%s)", type(exc).__name__)
            raise LoginFailure("provider_unavailable") from None
        id_token = token_info.get("id_token") if isinstance(token_info, dict) else None
        if not id_token:
            raise LoginFailure("provider_error")
        claims = self.verify_token(id_token, nonce=nonce)

        level = LEVEL_BY_ACR.get(claims.get("acr"), 0)
        if level < oidc_level:
            raise LoginFailure("level_too_low", required=oidc_level, got=level)

        access_token = token_info.get("access_token")
        if provider.userinfo_endpoint and access_token:
            userinfo = self.get_userinfo(access_token, id_token, claims)
            if userinfo.get("sub") != claims["sub"]:
                raise LoginFailure("invalid_token")
            claims = {**userinfo, **claims}

        number = normalize_id_number(str(claims.get(settings.OIDC_ID_NUMBER_CLAIM) or ""))
        citizen = Citizen.objects.filter(id_number=number).first() if number else None
        if citizen is None:
            raise LoginFailure("unknown_citizen")
        account = link_citizen_account(issuer=provider.issuer, subject=claims["sub"],
                                       citizen=citizen, level=level)
        if not self.user_can_authenticate(account.user):
            raise LoginFailure("account_disabled")
        request.eid_login = EidLogin(account_id=account.pk, citizen_id=citizen.pk,
                                     level=level, issuer=provider.issuer)
        return account.user

    def get_userinfo(self, access_token, id_token, payload):
        try:
            userinfo = super().get_userinfo(access_token, id_token, payload)
        except (requests.RequestException, ValueError) as exc:
            logger.warning("Citizen login: userinfo endpoint failed (%s)", type(exc).__name__)
            raise LoginFailure("provider_error") from None
        if not isinstance(userinfo, dict):
            raise LoginFailure("invalid_token")
        return userinfo

    def _signing_key(self, header: dict) -> jwt.PyJWK:
        try:
            response = requests.get(self.provider.jwks_uri, timeout=settings.OIDC_TIMEOUT,
                                    verify=settings.OIDC_VERIFY_SSL)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            logger.warning("Citizen login: JWKS unavailable (%s)", type(exc).__name__)
            raise LoginFailure("provider_unavailable") from None
        alg, kid = header.get("alg"), header.get("kid")
        candidates = [key for key in keys if isinstance(key, dict)
                      and key.get("kty") == "RSA" and key.get("use", "sig") == "sig"
                      and key.get("alg", alg) == alg and (kid is None or key.get("kid") == kid)]
        if len(candidates) != 1:
            raise LoginFailure("bad_signature")
        try:
            return jwt.PyJWK(candidates[0], algorithm=alg)
        except jwt.PyJWKError:
            raise LoginFailure("bad_signature") from None

    def verify_token(self, token, **kwargs):
        """Signature, issuer, audience, expiry and nonce of an ID token; its claims."""
        nonce = kwargs.get("nonce")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise LoginFailure("bad_signature") from None
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise LoginFailure("bad_signature")
        key = self._signing_key(header)
        try:
            claims = jwt.decode(
                token, key=key, algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.provider.client_id, issuer=self.provider.issuer,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError:
            raise LoginFailure("expired") from None
        except jwt.DecodeError:  # includes InvalidSignatureError
            raise LoginFailure("bad_signature") from None
        except jwt.InvalidTokenError:
            raise LoginFailure("invalid_token") from None
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and (
                claims.get("azp") != self.provider.client_id):
            raise LoginFailure("invalid_token")
        if settings.OIDC_USE_NONCE and claims.get("nonce") != nonce:
            raise LoginFailure("invalid_token")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise LoginFailure("invalid_token")
        return claims


# --- Levels -------------------------------------------------------------------------------


def citizen_login_url(level: int = 1, next_url: str = "") -> str:
    query = {"level": level}
    if next_url:
        query["next"] = next_url
    return f"{reverse('citizen_login')}?{urlencode(query)}"


def eid_level(request) -> int:
    """Level of the current citizen login (0: not logged in with electronic ID)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return 0
    try:
        return int(request.session.get(SESSION_LEVEL) or 0)
    except (TypeError, ValueError):
        return 0


def has_eid_level(request, level: int) -> bool:
    return eid_level(request) >= level


def require_eid_level(request, level: int):
    """None when the citizen is logged in at `level` or above; otherwise a redirect to the
    citizen login asking for that level, coming back to this page afterwards."""
    if has_eid_level(request, level):
        return None
    return redirect(citizen_login_url(level, request.get_full_path()))


def eid_level_required(level):
    """View decorator: `level` is 1, 2, or a function (request, *args, **kwargs) → level,
    e.g. the level the procedure being submitted requires."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            needed = level(request, *args, **kwargs) if callable(level) else level
            return require_eid_level(request, needed) or view(request, *args, **kwargs)

        return wrapper

    return decorator


def current_citizen(request) -> Citizen | None:
    """The citizen record of the electronic-ID login of this session, if any."""
    if not eid_level(request):
        return None
    citizen_id = request.session.get(SESSION_CITIZEN)
    return Citizen.objects.filter(pk=citizen_id).first() if citizen_id else None
