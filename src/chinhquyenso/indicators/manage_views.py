"""Pages where the city decides about its indicators (/chi-so/quan-ly/…): which ones the
public dashboard and the open data show, their targets (for every unit, a level or one
unit, per year) and their legends (the bands that colour a value). For the city's
leaders and IT officer (services.may_manage); every write goes through
indicators.services, which writes the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from . import queries, services
from .models import Group, Indicator, Target

BAND_ROWS = services.MAX_BANDS


def _manager(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.may_manage(request.user):
        raise PermissionDenied(_("Publishing indicators, their targets and legends is for the city's leaders "
                                 "and IT officer."))
    return None


def _target_units() -> list[AdministrativeUnit]:
    """The units a target may name: the city and the units directly below it."""
    root = queries.public_root()
    return [] if root is None else [root, *queries.children_of(root)]


@require_GET
def manage_list(request):
    if (response := _manager(request)) is not None:
        return response
    year = timezone.localdate().year
    indicators = list(Indicator.objects.prefetch_related("legends"))
    everyone = {t.indicator_id: t.value for t in Target.objects.filter(year=year, unit__isnull=True,
                                                                        level__isnull=True)}
    labels = dict(Group.choices)
    groups: dict[str, list] = {}
    for indicator in indicators:
        groups.setdefault(indicator.group, []).append((indicator, everyone.get(indicator.pk)))
    return render(request, "indicators/manage_list.html", {
        "groups": [(labels.get(code, code), rows) for code, rows in groups.items()], "year": year})


def _bands_from(post) -> list[dict]:
    bands = []
    for n in range(1, BAND_ROWS + 1):
        band = {key: post.get(f"band{n}_{key}", "").strip() for key in ("start", "end", "colour", "label")}
        if any(band.values()):
            bands.append(band)
    return bands


def _band_rows(indicator: Indicator, posted: list[dict] | None) -> list[dict]:
    if posted is not None:
        rows = list(posted)
    else:
        rows = [{"start": f"{b.start.normalize():f}", "end": "" if b.end is None else f"{b.end.normalize():f}",
                 "colour": b.colour, "label": b.label} for b in indicator.legends.all()]
    rows += [{"start": "", "end": "", "colour": "", "label": ""}] * (BAND_ROWS - len(rows))
    return [{"n": n, **row} for n, row in enumerate(rows[:BAND_ROWS], start=1)]


def _run(request, indicator: Indicator, action: str) -> None:
    """Carry out the posted action; raise ValidationError with the fields' messages."""
    post = request.POST
    if action in ("publish", "unpublish"):
        services.publish(indicator, request.user, published=action == "publish", check_right=True)
        messages.success(request, _("“%(name)s” is now shown on the public dashboard.") % {"name": indicator.name}
                         if action == "publish" else
                         _("“%(name)s” is no longer shown on the public dashboard.") % {"name": indicator.name})
    elif action == "set_target":
        scope = post.get("scope", "all")
        unit = level = None
        if scope.startswith("unit:"):
            unit = next((u for u in _target_units() if str(u.pk) == scope[5:]), None)
            if unit is None:
                raise ValidationError({"scope": [_("Choose the city or one of its wards.")]})
        elif scope.startswith("level:"):
            try:
                level = UnitLevel(int(scope[6:]))
            except ValueError:
                raise ValidationError({"scope": [_("Choose who the target is for.")]}) from None
        services.set_target(indicator=indicator, year=post.get("year"), value=post.get("value", "").replace(",", "."),
                            actor=request.user, unit=unit, level=level, basis=post.get("basis", ""),
                            check_right=True)
        messages.success(request, _("The target has been recorded."))
    elif action == "remove_target":
        target_id = post.get("target", "")
        if not target_id.isdigit() or not Target.objects.filter(pk=target_id, indicator=indicator).exists():
            raise ValidationError(_("This target no longer exists."))
        services.remove_target(target_id=int(target_id), actor=request.user)
        messages.success(request, _("The target has been removed."))
    elif action == "set_legend":
        services.set_legend(indicator=indicator, bands=_bands_from(post), actor=request.user)
        messages.success(request, _("The legend has been recorded."))
    else:
        raise ValidationError(_("Unknown action."))


@require_http_methods(["GET", "POST"])
def manage_indicator(request, code: str):
    if (response := _manager(request)) is not None:
        return response
    indicator = get_object_or_404(Indicator.objects.prefetch_related("legends"), code=code)
    errors: dict = {}
    general: list[str] = []
    posted_bands = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _run(request, indicator, action)
        except ValidationError as error:
            status = 422
            if hasattr(error, "error_dict"):
                errors = {field: [m for e in items for m in e.messages] for field, items in error.error_dict.items()}
            else:
                general = list(error.messages)
            if action == "set_legend":
                posted_bands = _bands_from(request.POST)
        else:
            return redirect("indicators:manage_indicator", code=indicator.code)
    year = timezone.localdate().year
    targets = list(indicator.targets.select_related("unit").order_by("-year", "level", "unit__code"))
    scopes = [("all", _("Every unit"))]
    scopes += [(f"level:{level.value}", _("Every unit of the level: %(level)s") % {"level": level.label})
               for level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.WARD)]
    scopes += [(f"unit:{u.pk}", u.name) for u in _target_units()]
    return render(request, "indicators/manage_indicator.html", {
        "indicator": indicator, "targets": targets, "scopes": scopes, "errors": errors, "general": general,
        "bands": _band_rows(indicator, posted_bands), "post": request.POST if request.method == "POST" else {},
        "year": year}, status=status)
