"""Pages where units report the values of reported indicators (/chi-so/bao-cao/…): the
list of reported indicators and the official's units, the form of one indicator for a
unit and a period (one numerator per breakdown option), the Excel import with its
result (accepted rows, rejected rows with their reasons) and its template, and the
history of a value (every correction: who, when, before and after). Every write goes
through indicators.services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from chinhquyenso.org.models import AdministrativeUnit
from chinhquyenso.org.permissions import can

from . import exports, queries, reporting_rules, services, value_import
from .computation import Period, parse_period
from .models import Group, Indicator, IndicatorValue, Source
from .templatetags.indicator_charts import num

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
YEARS_BACK = 5


def _reporter(request) -> None:
    if not reporting_rules.may_report_somewhere(request.user):
        raise PermissionDenied(_("Reporting indicators is for the officials who compile a unit's figures."))


def _login_required(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _form_url(indicator: Indicator, unit: AdministrativeUnit, period: Period) -> str:
    return (reverse("indicators:report_form", args=[indicator.code]) + "?"
            + urlencode({"unit": unit.pk, "period": period.label}))


def _history_url(indicator: Indicator, unit: AdministrativeUnit, period: Period) -> str:
    return (reverse("indicators:report_history", args=[indicator.code]) + "?"
            + urlencode({"unit": unit.pk, "period": period.label}))


def _plain(number) -> str:
    """A number as a form field shows it again ("860", "12.5")."""
    if number is None:
        return ""
    return f"{Decimal(number).normalize():f}"


def _period(data, today) -> Period:
    """?period=2026-11, or ?year=2026&part=(""|Qn|MM); this year otherwise."""
    return queries.period_from(data, today)


def _period_choices(period: Period, today) -> dict:
    years = list(range(today.year, today.year - YEARS_BACK - 1, -1))
    if period.start.year not in years:
        years.append(period.start.year)
    parts = [("", gettext_lazy("Whole year"))]
    parts += [(f"Q{n}", _("Quarter %(n)s") % {"n": n}) for n in range(1, 5)]
    parts += [(f"{n:02d}", _("Month %(n)s") % {"n": n}) for n in range(1, 13)]
    return {"years": years, "parts": parts, "part": period.label[5:], "year": period.start.year}


def _current(indicator: Indicator, unit: AdministrativeUnit, period: Period) -> dict[str, IndicatorValue]:
    """breakdown → the current row of the value."""
    rows = (IndicatorValue.objects.filter(indicator=indicator, unit=unit, period_type=period.type,
                                          period_start=period.start, period_end=period.end,
                                          superseded_by__isnull=True)
            .select_related("reported_by__official").order_by("reported_at", "pk"))
    return {row.breakdown: row for row in rows}


# --- the list ----------------------------------------------------------------------------------

@require_GET
def report_list(request):
    """The reported indicators by group, the official's units, the latest values they
    reported, and the way to the Excel import."""
    if (login := _login_required(request)) is not None:
        return login
    _reporter(request)
    indicators = reporting_rules.reported_indicators()
    labels = dict(Group.choices)
    groups: list[tuple[str, list[Indicator]]] = []
    for indicator in indicators:
        label = labels.get(indicator.group, indicator.group)
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(indicator)
    recent = (IndicatorValue.objects.filter(reported_by=request.user, breakdown="")
              .select_related("indicator", "unit").order_by("-reported_at", "-pk")[:15])
    recent_rows = []
    for row in recent:
        period = parse_period(_label(row))
        recent_rows.append({"row": row, "period": period, "history": _history_url(row.indicator, row.unit, period)})
    return render(request, "indicators/report_list.html", {
        "groups": groups, "units": reporting_rules.reportable_units(request.user),
        "recent": recent_rows})


def _label(row: IndicatorValue) -> str:
    from .computation import period_of

    return period_of(row.period_type, row.period_start).label


# --- the form ----------------------------------------------------------------------------------

def _fields(indicator: Indicator, current: dict, data=None, errors=None) -> list[dict]:
    """The numerator fields: one per option, or one."""
    errors = errors or {}
    options = list(indicator.breakdown_options or [])
    specs = ([(f"numerator_{i}", option, reporting_rules.numerator_field(option))
              for i, option in enumerate(options)] if options
             else [("numerator", "", "numerator")])
    fields = []
    for name, option, error_key in specs:
        row = current.get(option)
        value = data.get(name, "") if data is not None else _plain(row.numerator if row else None)
        fields.append({"name": name, "option": option, "value": value, "current": row,
                       "errors": errors.get(error_key, [])})
    return fields


@require_http_methods(["GET", "POST"])
def report_form(request, code: str):
    """The value of one reported indicator for a unit and a period: the official chooses
    the unit and the period, sees the current value, and reports or corrects it."""
    if (login := _login_required(request)) is not None:
        return login
    _reporter(request)
    indicator = get_object_or_404(Indicator, code=code, source=Source.REPORTED)
    units = reporting_rules.reportable_units(request.user)
    if not units:
        raise PermissionDenied(_("You may not report the figures of any unit in force."))
    data = request.POST if request.method == "POST" else request.GET
    chosen = next((u for u in units if str(u.pk) == data.get("unit")), None)
    unit = chosen or units[0]
    today = timezone.localdate()
    period = _period(data, today)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if chosen is None:
            errors["__all__"] = [_("Choose one of the units you may report for.")]
        elif data.get("period") != period.label:
            errors["__all__"] = [_("Choose a period.")]
        else:
            options = list(indicator.breakdown_options or [])
            if options:
                numerators = {option: data.get(f"numerator_{i}", "") for i, option in enumerate(options)
                              if data.get(f"numerator_{i}", "").strip()}
            else:
                numerators = {"": data.get("numerator", "")}
            try:
                report = services.report_values(
                    indicator=indicator, unit=unit, period=period, numerators=numerators,
                    denominator=data.get("denominator", ""), actor=request.user)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            except PermissionDenied as exc:
                errors = {"__all__": [str(exc)]}
            else:
                total = report.current.get("")
                if not report.written:
                    messages.info(request, _("The values are the same as those already reported: "
                                             "nothing was recorded."))
                else:
                    messages.success(request, _(
                        "Recorded: %(indicator)s, %(unit)s, %(period)s: %(value)s.") % {
                        "indicator": indicator.name, "unit": unit.name, "period": period.label,
                        "value": f"{num(total.value)}{'%' if indicator.unit == '%' else ' ' + indicator.unit}"})
                return redirect(_form_url(indicator, unit, period))
        status = 400
    current = _current(indicator, unit, period)
    total = current.get("")
    denominator = (data.get("denominator", "") if request.method == "POST"
                   else _plain(total.denominator if total else None))
    return render(request, "indicators/report_form.html", {
        "indicator": indicator, "units": units, "unit": unit, "period": period,
        **_period_choices(period, today),
        "fields": _fields(indicator, current, data if request.method == "POST" else None, errors),
        "denominator": denominator, "denominator_errors": errors.get("denominator", []),
        "general_errors": [m for key, messages_ in errors.items() if key not in _form_fields(indicator)
                           for m in messages_],
        "has_errors": bool(errors), "total": total, "current": current,
        "history_url": _history_url(indicator, unit, period) if current else "",
        "denominator_required": indicator.factor != 1,
    }, status=status)


def _form_fields(indicator: Indicator) -> set[str]:
    options = list(indicator.breakdown_options or [])
    return ({"denominator"} | {reporting_rules.numerator_field(o) for o in options}
            | ({"numerator"} if not options else set()))


# --- history -----------------------------------------------------------------------------------

@require_GET
def report_history(request, code: str):
    """Every row of a value (each option's and the whole indicator's), newest first:
    who reported it, when, and the value it replaced."""
    if (login := _login_required(request)) is not None:
        return login
    indicator = get_object_or_404(Indicator, code=code, source=Source.REPORTED)
    unit = get_object_or_404(AdministrativeUnit, pk=request.GET.get("unit") or 0)
    try:
        period = parse_period(request.GET.get("period", ""))
    except ValueError:
        raise Http404 from None
    user = request.user
    if not (reporting_rules.may_report(user, unit) or can(user, queries.DASHBOARD_ACTION, unit)
            or can(user, "audit.view", unit)):
        raise PermissionDenied(_("The history of a unit's figures is for its officials."))
    rows = list(IndicatorValue.objects.filter(indicator=indicator, unit=unit, period_type=period.type,
                                              period_start=period.start, period_end=period.end)
                .select_related("reported_by__official").order_by("reported_at", "pk"))
    options = list(indicator.breakdown_options or [])
    order = {option: i for i, option in enumerate(options)}
    chains: dict[str, list[dict]] = {}
    for row in rows:
        chain = chains.setdefault(row.breakdown, [])
        chain.append({"row": row, "before": chain[-1]["row"] if chain else None})
    sections = [{"option": option, "entries": list(reversed(entries))}
                for option, entries in sorted(chains.items(),
                                              key=lambda item: (item[0] == "", order.get(item[0], len(order)),
                                                                item[0]))]
    return render(request, "indicators/report_history.html", {
        "indicator": indicator, "unit": unit, "period": period, "sections": sections,
        "form_url": _form_url(indicator, unit, period) if reporting_rules.may_report(user, unit) else ""})


# --- the Excel import --------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def report_import(request):
    """Upload an Excel file of values: the good rows are recorded, the bad ones listed
    with their row numbers and reasons."""
    if (login := _login_required(request)) is not None:
        return login
    _reporter(request)
    result, errors, status = None, [], 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors.append(_("Choose the Excel file (.xlsx)."))
        elif upload.size > MAX_UPLOAD_BYTES:
            errors.append(_("The file is larger than %(size)d MB: split it in several files.")
                          % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        else:
            result = services.import_values(file=upload, actor=request.user, file_name=upload.name)
            errors.extend(result.problems)
        if errors:
            status = 400
    accepted = []
    if result is not None and not result.problems:
        for row in result.accepted:
            accepted.append({"row": row, "history": _history_url(row.indicator, row.unit, row.period)})
    counts = ({outcome: result.count(outcome) for outcome in ("reported", "corrected", "unchanged")}
              if result is not None else {})
    return render(request, "indicators/report_import.html", {
        "result": None if errors else result, "errors": errors, "accepted": accepted,
        "layout": value_import.LAYOUT, **counts}, status=status)


@require_GET
def report_template(request):
    """The empty import file, with the reported indicators and the official's units."""
    if (login := _login_required(request)) is not None:
        return login
    _reporter(request)
    response = HttpResponse(value_import.template_workbook(request.user), content_type=exports.XLSX)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-so-lieu-chi-so.xlsx"'
    return response
