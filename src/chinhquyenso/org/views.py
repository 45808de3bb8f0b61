"""Pages for officials."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import second_factor, services
from .forms import OfficialLoginForm, SecondFactorPolicyForm, TotpCodeForm
from .models import AdministrativeUnit, Role, SecondFactorPolicy, UnitLevel
from .permissions import can, permission_required
from .queries import official_of, role_assignments_of, unit_tree


@login_required
def workspace(request):
    return render(request, "org/workspace.html", {
        "official": official_of(request.user),
        "assignments": role_assignments_of(request.user),
        "can_view_audit": can(request.user, "audit.view"),
        "can_view_officials": can(request.user, "officials.view"),
        "can_view_dossiers": can(request.user, "dossiers.view"),
        "can_manage_security": can(request.user, "security.manage"),
        "can_view_citizens": can(request.user, "citizens.view"),
    })


@login_required
def units(request):
    """The units in the official's scope, each with the units below it."""
    today = timezone.localdate()
    roots = AdministrativeUnit.objects.valid_on(today).filter(level=UnitLevel.PROVINCE)
    assignments = role_assignments_of(request.user)
    scope_roots = [a.unit for a in assignments] or list(roots[:1])
    seen, trees = set(), []
    for root in scope_roots:
        if root.pk in seen:
            continue
        rows = unit_tree(root)
        seen.update(u.pk for u, _ in rows)
        trees.append(rows)
    return render(request, "org/unit_tree.html", {"trees": trees, "today": today})


def locked_out(request, original_response=None, credentials=None):
    """Shown instead of the login form while an account is throttled."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes},
                  status=429)


# --- Second factor ---------------------------------------------------------------------


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


def _safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _code_refused(form: TotpCodeForm, result: services.CodeCheck) -> int:
    """Put the reason a code was refused on the form; the response status to use."""
    if result.throttled:
        form.add_error(None, _("Too many wrong codes. Wait %(seconds)d seconds, then type "
                               "the code shown now.") % {"seconds": result.retry_after})
        return 429
    form.add_error("otp_token", _("This code is wrong, expired or already used. Type the "
                                  "code your authenticator app shows now."))
    return 200


class OfficialLoginView(LoginView):
    """The password step; officials who need a second factor go on to the code page."""

    authentication_form = OfficialLoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        user = self.request.user
        if not second_factor.is_verified(user) and second_factor.second_factor_state(user).needed:
            return _with_next(reverse("second_factor"), url)
        return url


@never_cache
@sensitive_post_parameters("otp_token")
def second_factor_login(request):
    """The code step of the login: a code from the official's authenticator app."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = _safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))
    if second_factor.is_verified(request.user):
        return redirect(next_url)
    state = second_factor.second_factor_state(request.user)
    if state.device is None:
        if state.required:
            return redirect(_with_next(reverse("org:totp_enrolment"), next_url))
        return redirect(next_url)
    form = TotpCodeForm(request.POST or None, digits=state.device.digits)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.check_second_factor(
                user=request.user, device=state.device, token=form.cleaned_data["otp_token"],
                address=_client_address(request))
        except ObjectDoesNotExist:  # reset by an administrator meanwhile
            return redirect(_with_next(request.path, next_url))
        if result.ok:
            otp_login(request, result.device)
            request.session.cycle_key()
            return redirect(next_url)
        status = _code_refused(form, result)
    return render(request, "registration/second_factor.html",
                  {"form": form, "next": next_url}, status=status)


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def totp_enrolment(request):
    """Set up an authenticator app: scan the QR code (or type the secret), then confirm
    with a code it shows."""
    user = request.user
    state = second_factor.second_factor_state(user)
    if state.device is not None and not second_factor.is_verified(user):
        # replacing an authenticator takes the current one first
        return redirect(_with_next(reverse("second_factor"), request.get_full_path()))
    next_url = _safe_next(request, reverse("org:workspace"))
    if request.method == "POST" and request.POST.get("restart"):
        services.start_totp_enrolment(user=user, actor=user)
        return redirect(_with_next(request.path, next_url))
    device = second_factor.pending_device(user)
    form = TotpCodeForm(request.POST or None, digits=getattr(device, "digits", 6))
    status = 200
    if request.method == "POST" and device is not None and form.is_valid():
        result = services.confirm_totp_enrolment(device=device, token=form.cleaned_data["otp_token"],
                                                 actor=user, address=_client_address(request))
        if result.ok:
            otp_login(request, result.device)
            request.session.cycle_key()
            messages.success(request, _("Your authenticator app is set up. From now on you "
                                        "will type a code from it after your password."))
            return redirect(next_url)
        status = _code_refused(form, result)
    if device is None:
        device = services.start_totp_enrolment(user=user, actor=user)
        form = TotpCodeForm(digits=device.digits)
    secret = second_factor.base32_secret(device)
    return render(request, "org/totp_enrolment.html", {
        "form": form,
        "next": next_url,
        "qr_code": second_factor.qr_svg(second_factor.otpauth_url(device),
                                        label=_("QR code to scan with your authenticator app")),
        "secret": second_factor.grouped(secret),
        "issuer": second_factor.issuer(),
        "required": state.required,
        "current_device": state.device,
    }, status=status)


@permission_required("security.manage")
def security(request):
    """Which roles must confirm their login with an authenticator code; resets."""
    if request.method == "POST":
        form = SecondFactorPolicyForm(request.POST)
        if form.is_valid():
            role = form.cleaned_data["role"]
            required = form.cleaned_data["require_totp"]
            services.set_second_factor_policy(role=role, required=required, actor=request.user)
            label = Role(role).label
            messages.success(request, (_("%(role)s must now confirm their login with an "
                                         "authenticator code.") if required else
                                       _("%(role)s no longer need an authenticator code."))
                             % {"role": label})
            return redirect("org:security")
        messages.error(request, _("Please correct the errors."))
    from django_otp.plugins.otp_totp.models import TOTPDevice

    policies = {p.role: p for p in SecondFactorPolicy.objects.all()}
    rows = [{"role": value, "label": label, "policy": policies.get(value),
             "required": bool(policies.get(value) and policies[value].require_totp)}
            for value, label in Role.choices]
    devices = (TOTPDevice.objects.filter(confirmed=True)
               .select_related("user", "user__official").order_by("user__username"))
    return render(request, "org/security.html", {"rows": rows, "devices": devices})


@require_POST
@permission_required("security.manage")
def remove_totp_device(request, pk: int):
    """An administrator's reset of an official's authenticator (e.g. a lost phone)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = get_object_or_404(TOTPDevice, pk=pk)
    username = device.user.get_username()
    services.remove_totp_device(device=device, actor=request.user)
    messages.success(request, _("The authenticator of %(user)s was removed.") % {"user": username})
    return redirect("org:security")
