"""The development identity provider's registration of the platform as its client.

The platform is both the provider (under /devidp/) and the relying party, so the
client is registered automatically, lazily (at the first login, never at import
time) and idempotently by `ensure_devidp_client()`:

* client id `chinhquyenso-devidp`; the secret is derived from SECRET_KEY, so the relying
  party knows it without storing it anywhere;
* redirect URIs: PUBLIC_BASE_URL's callback, the loopback callbacks
  http://127.0.0.1/…, http://[::1]/… and http://localhost/… — the toolkit accepts any
  port on them (RFC 8252 §7.3; ALLOW_LOCALHOST_LOOPBACK for "localhost"), which is what
  `runserver` on another port and the tests' live server need — and the callback on the
  host the request came in on, when that is none of the above (a demo reached through
  a LAN address: the host has passed ALLOWED_HOSTS, and provider and client are the
  same site);
* the issuer follows the request's host too (`issuer_for`), so tokens issued to
  http://localhost:54321 carry that issuer, not PUBLIC_BASE_URL's.

Grants of the toolkit need a user: they all belong to one inactive system user, which
cannot log in; who the tester picked is kept in `DemoLogin`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from oauth2_provider.models import get_application_model, redirect_to_uri_allowed
from oauth2_provider.settings import oauth2_settings

from chinhquyenso.core.services import record_audit

CLIENT_ID = "chinhquyenso-devidp"
SYSTEM_USERNAME = "devidp-system"
LOOPBACK_ORIGINS = ("http://127.0.0.1", "http://[::1]", "http://localhost")


def client_secret() -> str:
    return salted_hmac("chinhquyenso.devidp.client", "secret", algorithm="sha256").hexdigest()


def subject_for(id_number: str) -> str:
    """The pairwise subject the provider gives a person: stable, and not the number."""
    return salted_hmac("chinhquyenso.devidp.subject", id_number,
                       algorithm="sha256").hexdigest()[:40]


def issuer_for(request) -> str:
    """The issuer as seen from this request's host (the same rule the toolkit uses for
    the `iss` claim and the discovery document)."""
    return oauth2_settings.oidc_issuer(request)


def callback_path() -> str:
    return reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)


def registered_redirect_uris() -> list[str]:
    path = callback_path()
    uris = [settings.PUBLIC_BASE_URL + path] + [origin + path for origin in LOOPBACK_ORIGINS]
    return list(dict.fromkeys(uris))


def system_user():
    User = get_user_model()
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, is_active=False)
        user.set_unusable_password()
        user.save()
        record_audit(action="devidp.system_user_created", obj=user,
                     object_repr=SYSTEM_USERNAME, actor="devidp")
    return user


def ensure_devidp_client(extra_redirect_uri: str | None = None):
    """The toolkit's Application for the platform, created or brought up to date."""
    Application = get_application_model()
    wanted = registered_redirect_uris()
    app = Application.objects.filter(client_id=CLIENT_ID).first()
    if extra_redirect_uri and not redirect_to_uri_allowed(extra_redirect_uri, wanted):
        wanted.append(extra_redirect_uri)
    if app is not None and _up_to_date(app, wanted):
        return app
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _register(Application, wanted)
        except IntegrityError:  # registered at the same moment by another process
            continue
    return Application.objects.get(client_id=CLIENT_ID)


def _up_to_date(app, wanted: list[str]) -> bool:
    current = app.redirect_uris.split()
    return (all(uri in current for uri in wanted) and app.client_secret == client_secret()
            and app.algorithm == app.RS256_ALGORITHM and not app.hash_client_secret
            and app.user_id is not None)


def _register(Application, wanted: list[str]):
    user = system_user()
    app = Application.objects.select_for_update().filter(client_id=CLIENT_ID).first()
    if app is None:
        app = Application(client_id=CLIENT_ID)
        action, before = "devidp.client_registered", None
    elif _up_to_date(app, wanted):
        return app
    else:
        action, before = "devidp.client_updated", {"redirect_uris": app.redirect_uris.split()}
        wanted = list(dict.fromkeys(app.redirect_uris.split() + wanted))
    app.name = "Chính quyền số (development)"
    app.user = user
    app.client_type = Application.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    app.algorithm = Application.RS256_ALGORITHM
    app.hash_client_secret = False  # development only: spares a slow hash per token request
    app.client_secret = client_secret()
    app.redirect_uris = " ".join(wanted)
    app.skip_authorization = True
    app.save()
    record_audit(action=action, obj=app, object_repr=app.name, actor="devidp", before=before,
                 after={"redirect_uris": wanted})
    return app
