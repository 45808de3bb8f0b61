"""Second factor for officials: a one-time code from an authenticator app (TOTP).

Who needs it: an official holding a role whose `SecondFactorPolicy` requires it, and
anyone who has set up (confirmed) an authenticator. Such a user, once the password is
accepted, must pass the code page (`/dang-nhap/ma-xac-thuc/`) before anything else; when
a role requires the code and no authenticator is set up yet, the enrolment page
(`/can-bo/xac-thuc-hai-lop/`) comes first.

`SecondFactorMiddleware` enforces it for every page and the API, in one place. It reads
`request.user.is_verified()`, which django-otp's OTPMiddleware installs, so it must come
right after that one in settings.MIDDLEWARE:

    "django_otp.middleware.OTPMiddleware",
    "chinhquyenso.org.second_factor.SecondFactorMiddleware",
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecondFactorPolicy
from .permissions import roles_of, second_factor_facts

MIDDLEWARE_PATH = "chinhquyenso.org.second_factor.SecondFactorMiddleware"
OTP_MIDDLEWARE_PATH = "django_otp.middleware.OTPMiddleware"


@dataclass(frozen=True)
class SecondFactorState:
    required: bool  # one of the user's roles requires an authenticator code
    device: TOTPDevice | None  # the user's confirmed authenticator, if any

    @property
    def needed(self) -> bool:
        """Must this user pass the code page before using the session?"""
        return self.required or self.device is not None


def totp_required(user) -> bool:
    roles = roles_of(user)
    return bool(roles) and SecondFactorPolicy.objects.filter(
        role__in=roles, require_totp=True).exists()


def confirmed_device(user) -> TOTPDevice | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def pending_device(user) -> TOTPDevice | None:
    """The authenticator being set up (shown as a QR code, not confirmed yet)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def second_factor_state(user) -> SecondFactorState:
    if not getattr(user, "is_authenticated", False):
        return SecondFactorState(required=False, device=None)
    return SecondFactorState(required=totp_required(user), device=confirmed_device(user))


def second_factor_needed(user) -> bool:
    """`second_factor_state(user).needed` without a query of its own: does one of the
    user's roles require a code, or has the user confirmed an authenticator? The
    middleware asks it on every request of a session that has not passed the code page,
    i.e. on nearly every request of officials without a second factor. Both facts come
    with the user's role assignments (one statement per request, which the views need
    too; see permissions._load_access), so they are as fresh as the request."""
    if not getattr(user, "is_authenticated", False):
        return False
    facts = second_factor_facts(user)
    if facts is None:  # not read with the roles (an inactive user): as the pages ask it
        return second_factor_state(user).needed
    required, has_device = facts
    return required or has_device


def is_verified(user) -> bool:
    """Has this session passed the second factor (django-otp's OTPMiddleware)?"""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def retry_after(device: TOTPDevice) -> int:
    """Seconds before django-otp accepts another code for `device` (0: now)."""
    from django.utils import timezone

    allowed, info = device.verify_is_allowed()
    if allowed or not info or "locked_until" not in info:
        return 0
    return max(1, int((info["locked_until"] - timezone.now()).total_seconds() + 0.999))


def issuer() -> str:
    return getattr(settings, "OTP_TOTP_ISSUER", "") or getattr(settings, "PLATFORM_NAME", "") \
        or "Chinh quyen so"


def otpauth_url(device: TOTPDevice) -> str:
    """The otpauth:// URL an authenticator app reads from the QR code."""
    name = issuer().replace(":", "")
    label = f"{name}:{device.user.get_username()}"
    params = urlencode({"secret": base32_secret(device), "algorithm": "SHA1",
                        "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(name)}"


def base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def grouped(secret: str, size: int = 4) -> str:
    return " ".join(secret[i:i + size] for i in range(0, len(secret), size))


def qr_svg(data: str, *, label: str = "") -> SafeString:
    """An inline SVG QR code of `data` (made here from our own URL, so safe to embed)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                        border=2)
    svg = image.to_string(encoding="unicode")
    from django.utils.html import escape

    attrs = f'role="img" aria-label="{escape(label)}" class="qr-code" ' \
            'style="width:14rem;height:auto;background:#fff"'
    return mark_safe(svg.replace("<svg ", f"<svg {attrs} ", 1))  # noqa: S308


class SecondFactorMiddleware:
    """Sends an authenticated user who needs a second factor and has not passed it in
    this session to the code page (or to enrolment when no authenticator is set up yet);
    API requests get 403 JSON instead. Login, logout, the code and enrolment pages,
    static files, the language switch and the health check stay open."""

    def __init__(self, get_response):
        self.get_response = get_response
        middleware = list(settings.MIDDLEWARE)
        if OTP_MIDDLEWARE_PATH not in middleware or (
                MIDDLEWARE_PATH in middleware
                and middleware.index(OTP_MIDDLEWARE_PATH) > middleware.index(MIDDLEWARE_PATH)):
            raise ImproperlyConfigured(
                f"{MIDDLEWARE_PATH} must come after {OTP_MIDDLEWARE_PATH} in MIDDLEWARE.")
        self._open_paths: dict[tuple, frozenset[str]] = {}  # per URLconf and prefix: fixed

    def __call__(self, request):
        return self.check(request) or self.get_response(request)

    @staticmethod
    def open_paths() -> set[str]:
        return {reverse("login"), reverse("logout"), reverse("second_factor"),
                reverse("set_language"), reverse("javascript-catalog"), reverse("healthz")}

    def _open(self, path: str) -> bool:
        key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
        paths = self._open_paths.get(key)
        if paths is None:
            paths = self._open_paths[key] = frozenset(self.open_paths())
        static_url = settings.STATIC_URL or ""
        return path in paths or (static_url.startswith("/") and path.startswith(static_url))

    def check(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or is_verified(user):
            return None
        path = request.path
        if self._open(path) or not second_factor_needed(user):
            return None
        state = second_factor_state(user)
        if not state.needed:  # changed since the question above
            return None
        if state.device is None:
            target = reverse("org:totp_enrolment")
            if path == target:
                return None
        else:
            target = reverse("second_factor")
        if path.startswith("/api/"):
            return JsonResponse({"detail": _("Confirm your login with the code from your "
                                             "authenticator app first.")}, status=403)
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
