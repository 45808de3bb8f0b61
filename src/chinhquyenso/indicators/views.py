"""Pages of the indicators: the leader's dashboard (a unit: every indicator against its
target, per ward, trend, per procedure; a procedure in a unit: per month) with links
down to the dossiers behind each number, and the public dashboard (published
indicators, no login). Every table is also an Excel file: ?xlsx=<table key>."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import AdministrativeUnit
from chinhquyenso.org.permissions import can

from . import exports, queries, services
from .computation import Period


def _period(request) -> Period:
    return queries.period_from(request.GET, timezone.localdate())


def _period_choices(period: Period) -> dict:
    from django.utils.translation import gettext_lazy

    this_year = timezone.localdate().year
    years = list(range(this_year + 1, this_year - 6, -1))
    if period.start.year not in years:
        years.append(period.start.year)
    parts = [("", gettext_lazy("Whole year"))]
    parts += [(f"Q{n}", _("Quarter %(n)s") % {"n": n}) for n in range(1, 5)]
    parts += [(f"{n:02d}", _("Month %(n)s") % {"n": n}) for n in range(1, 13)]
    part = period.label[5:]
    return {"years": years, "parts": parts, "part": part, "year": period.start.year}


def _xlsx(table: exports.Table, *, unit: AdministrativeUnit, period: Period, name: str) -> HttpResponse:
    data = exports.workbook(table, subtitle=f"{unit.name} · {period.label}")
    response = HttpResponse(data, content_type=exports.XLSX)
    filename = f"{slugify(normalize_vi(name)) or 'chi-so'}-{table.key}-{period.label}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(request, tables: list[exports.Table], **kwargs) -> HttpResponse | None:
    key = request.GET.get("xlsx")
    if not key:
        return None
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        raise Http404
    return _xlsx(table, **kwargs)


def _leader_unit(request, unit_id: int) -> AdministrativeUnit:
    unit = get_object_or_404(AdministrativeUnit.objects.select_related("parent__parent"), pk=unit_id)
    if not can(request.user, queries.DASHBOARD_ACTION, unit):
        raise PermissionDenied(_("The indicators' dashboard is for the leaders of this unit."))
    return unit


def _breadcrumbs(unit: AdministrativeUnit, root: AdministrativeUnit | None, period: Period, user) -> list:
    chain = [unit]
    node = unit.parent
    while node is not None and can(user, queries.DASHBOARD_ACTION, node):
        chain.insert(0, node)
        if root is not None and node.pk == root.pk:
            break
        node = node.parent
    return [(u, queries.unit_url(u, period)) for u in chain]


@require_GET
def index(request):
    """/chi-so/: the leader's dashboard for those who have one, the public one otherwise."""
    if request.user.is_authenticated:
        root = queries.dashboard_root(request.user)
        if root is not None:
            return redirect("indicators:unit", unit_id=root.pk)
    return redirect("indicators:public")


@require_GET
def unit(request, unit_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    unit = _leader_unit(request, unit_id)
    period = _period(request)
    dashboard = queries.unit_dashboard(unit, period)
    tables = [exports.indicator_table(dashboard), exports.trend_table(dashboard)]
    if dashboard.children:
        tables.append(exports.unit_table(dashboard))
    tables.append(exports.procedure_table(dashboard))
    if (response := _export(request, tables, unit=unit, period=period, name=unit.name)) is not None:
        return response
    return render(request, "indicators/unit.html", {
        "dashboard": dashboard, "unit": unit, "period": period, **_period_choices(period),
        "breadcrumbs": _breadcrumbs(unit, queries.dashboard_root(request.user), period, request.user),
        "query": f"period={period.label}", "may_manage": services.may_manage(request.user),
    })


@require_GET
def procedure(request, unit_id: int, procedure_id: int):
    from chinhquyenso.procedures.models import Procedure

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    unit = _leader_unit(request, unit_id)
    procedure = get_object_or_404(Procedure, pk=procedure_id)
    period = _period(request)
    dashboard = queries.procedure_dashboard(unit, procedure, period)
    tables = [exports.period_table(dashboard), exports.month_table(dashboard)]
    if (response := _export(request, tables, unit=unit, period=period,
                            name=f"{unit.name} {procedure.code}")) is not None:
        return response
    return render(request, "indicators/procedure.html", {
        "dashboard": dashboard, "unit": unit, "procedure": procedure, "period": period,
        **_period_choices(period),
        "breadcrumbs": _breadcrumbs(unit, queries.dashboard_root(request.user), period, request.user),
        "query": f"period={period.label}",
    })


@require_GET
def public(request):
    """The public dashboard: published indicators for the city and its wards (or one
    ward: ?unit=<code>), for a period; no login, nothing personal, no dossier."""
    root = queries.public_root()
    if root is None:
        raise Http404
    choices = [root, *queries.children_of(root)]
    code = request.GET.get("unit", "")
    unit = next((u for u in choices if u.code == code), root)
    period = _period(request)
    dashboard = queries.unit_dashboard(unit, period, public=True)
    tables = [exports.indicator_table(dashboard), exports.trend_table(dashboard)]
    if dashboard.children:
        tables.append(exports.unit_table(dashboard))
    if (response := _export(request, tables, unit=unit, period=period, name=unit.name)) is not None:
        return response
    query = f"period={period.label}" + (f"&unit={unit.code}" if unit.pk != root.pk else "")
    return render(request, "indicators/public.html", {
        "dashboard": dashboard, "unit": unit, "root": root, "choices": choices, "period": period,
        **_period_choices(period), "query": query,
        "open_data": reverse("api-v1:list_indicators"),
    })


@require_GET
def unit_report(request, unit_id: int):
    """The PDF report of a unit for a period, for the leadership meeting: same readers
    as the dashboard. A malformed ?period= is refused (a report for another period than
    asked could end up on the meeting's table); without one, this year as on the page.
    Each download writes the audit log (report_pdf.record_report_export)."""
    from django.http import HttpResponseBadRequest

    from . import report_pdf
    from .computation import parse_period

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    unit = _leader_unit(request, unit_id)
    if request.GET.get("period"):
        try:
            parse_period(request.GET["period"])
        except ValueError:
            return HttpResponseBadRequest(
                _("Unknown period “%(period)s”: write a year (2026), a quarter (2026-Q4) or a month (2026-11).")
                % {"period": request.GET["period"][:20]}, content_type="text/plain; charset=utf-8")
    period = _period(request)
    pdf = report_pdf.unit_report(unit, period, now=timezone.now())
    report_pdf.record_report_export(actor=request.user, unit=unit, period=period)
    response = HttpResponse(pdf, content_type=report_pdf.PDF)
    filename = f"bao-cao-chi-so-{slugify(normalize_vi(unit.name)) or unit.pk}-{period.label}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def service_index(request, unit_id: int):
    """The service index of Decision 766 for a unit: items, groups, total, per ward."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    unit = _leader_unit(request, unit_id)
    period = _period(request)
    view = queries.service_index_view(unit, period)
    tables = [exports.index_item_table(view)] + ([exports.index_unit_table(view)] if view.children else [])
    if (response := _export(request, tables, unit=unit, period=period, name=f"{unit.name} 766")) is not None:
        return response
    return render(request, "indicators/service_index.html", {
        "unit": unit, "period": period, "view": view, **_period_choices(period),
        "breadcrumbs": _breadcrumbs(unit, queries.dashboard_root(request.user), period, request.user)})
