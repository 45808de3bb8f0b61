"""The public indicators API (no login): a stable contract for portals and open data.

GET /api/v1/public/indicators                       published indicators
GET /api/v1/public/indicators/{code}?period=&unit=  values as JSON
GET /api/v1/public/indicators/{code}.csv?period=&unit=  the same values as CSV

`period` is YYYY, YYYY-MM or YYYY-Qn (default: the current year); 400 when malformed.
`unit` is the code of a unit in force; without it: the city (code 243; if absent, every
level-2 unit in force) and each of its wards in force. 404 for an unknown or unpublished
indicator, or an unknown unit.

The leader's dashboard as JSON (login; leaders of the unit and system administrators),
read from the aggregates like the pages, with the same links to the dossiers:

GET /api/v1/indicators/dashboard/{unit_id}?period=                     a city or a ward
GET /api/v1/indicators/dashboard/{unit_id}/procedures/{procedure_id}?period=   a procedure
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from . import queries
from .computation import compute, parse_period, target_for
from .models import Indicator

router = Router(tags=["indicators"])

CITY_CODE = "243"
CSV_HEADER = ["code", "unit", "unit_name", "period", "value", "numerator", "denominator", "target",
              "source"]


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    definition: str


class ValueOut(Schema):
    unit: str
    unit_name: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    source: str


class IndicatorValuesOut(Schema):
    code: str
    name: str
    unit: str
    values: list[ValueOut]


class ErrorOut(Schema):
    detail: str


def _number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code, is_published=True).first()
    if indicator is None:
        raise HttpError(404, _("No published indicator has this code."))
    return indicator


def _units(code: str | None) -> list[AdministrativeUnit]:
    current = AdministrativeUnit.objects.current()
    if code:
        unit = current.filter(code=code.strip()).order_by("level").first()
        if unit is None:
            raise HttpError(404, _("No administrative unit in force has this code."))
        return [unit]
    cities = list(current.filter(level=UnitLevel.DISTRICT, code=CITY_CODE)) or list(
        current.filter(level=UnitLevel.DISTRICT).order_by("code"))
    units = []
    for city in cities:
        units.append(city)
        units.extend(current.filter(parent=city).order_by("code"))
    return units


def _values(code: str, period: str | None, unit: str | None) -> tuple[Indicator, list[dict]]:
    indicator = _indicator(code)
    try:
        span = parse_period(period or str(timezone.localdate().year))
    except ValueError:
        raise HttpError(400, _("The period must be YYYY, YYYY-MM or YYYY-Qn.")) from None
    rows = []
    for each in _units(unit):
        result = compute(indicator, unit=each, start=span.start, end=span.end)
        rows.append({"unit": each.code, "unit_name": each.name, "period": span.label,
                     "value": _number(result.value), "numerator": _number(result.numerator),
                     "denominator": _number(result.denominator),
                     "target": _number(target_for(indicator, each, span.start.year)),
                     "source": result.source})
    return indicator, rows


@router.get("public/indicators", response=list[IndicatorOut], summary="Published indicators")
def list_indicators(request):
    return [{"code": i.code, "name": i.name, "unit": i.unit, "definition": i.definition}
            for i in Indicator.objects.filter(is_published=True)]


# Registered before the JSON route so that "….csv" is not taken for a code.
@router.get("public/indicators/{code}.csv", response={200: None, 400: ErrorOut, 404: ErrorOut},
            summary="Values of a published indicator, as CSV")
def indicator_values_csv(request, code: str, period: str | None = None, unit: str | None = None):
    indicator, rows = _values(code, period, unit)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([indicator.code] + ["" if row[k] is None else row[k] for k in CSV_HEADER[1:]])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{indicator.code}.csv"'
    return response


@router.get("public/indicators/{code}", response={200: IndicatorValuesOut, 400: ErrorOut, 404: ErrorOut},
            summary="Values of a published indicator")
def indicator_values(request, code: str, period: str | None = None, unit: str | None = None):
    indicator, rows = _values(code, period, unit)
    return {"code": indicator.code, "name": indicator.name, "unit": indicator.unit, "values": rows}


# --- the leader's dashboard -------------------------------------------------------------------

class FigureOut(Schema):
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None = None
    gap: float | None = None
    colour: str = ""
    numerator_url: str | None = None
    denominator_url: str | None = None


class UnitFigureOut(FigureOut):
    unit: str
    unit_name: str
    unit_id: int


class IndicatorRowOut(Schema):
    code: str
    name: str
    unit: str
    figure: FigureOut
    units: list[UnitFigureOut]
    trend: list[tuple[str, float | None]]


class ProcedureRowOut(Schema):
    procedure_id: int
    code: str
    name: str
    figures: dict[str, FigureOut]


class DashboardOut(Schema):
    unit: str
    unit_name: str
    period: str
    indicators: list[IndicatorRowOut]
    procedures: list[ProcedureRowOut]


class ProcedureDashboardOut(Schema):
    unit: str
    unit_name: str
    period: str
    procedure: str
    procedure_name: str
    figures: dict[str, FigureOut]
    months: list[tuple[str, dict[str, FigureOut]]]


def _figure(figure) -> dict:
    return {"value": _number(figure.value), "numerator": _number(figure.numerator),
            "denominator": _number(figure.denominator), "target": _number(figure.target),
            "gap": _number(figure.gap), "colour": figure.colour,
            "numerator_url": figure.numerator_url, "denominator_url": figure.denominator_url}


def _json(payload: dict) -> HttpResponse:
    """The dashboards' JSON, written directly: a city's has ~4,000 figures, and checking
    each against the declared schema (DashboardOut, which the OpenAPI document still
    shows; the tests check the answers against it) took a fifth of the answer's time."""
    return HttpResponse(json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                        content_type="application/json; charset=utf-8")


def _leader_unit(request, unit_id: int, period: str | None):
    from django.core.exceptions import PermissionDenied

    from chinhquyenso.org.permissions import can

    unit = AdministrativeUnit.objects.select_related("parent__parent").filter(pk=unit_id).first()
    if unit is None:
        raise HttpError(404, _("No administrative unit has this id."))
    if not can(request.user, queries.DASHBOARD_ACTION, unit):
        raise PermissionDenied(_("The indicators' dashboard is for the leaders of this unit."))
    try:
        span = parse_period(period or str(timezone.localdate().year))
    except ValueError:
        raise HttpError(400, _("The period must be YYYY, YYYY-MM or YYYY-Qn.")) from None
    return unit, span


@router.get("indicators/dashboard/{unit_id}", auth=django_auth,
            response={200: DashboardOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="Leader's dashboard of a unit")
def unit_dashboard(request, unit_id: int, period: str | None = None):
    unit, span = _leader_unit(request, unit_id, period)
    board = queries.unit_dashboard(unit, span)
    return _json({
        "unit": unit.code, "unit_name": unit.name, "period": span.label,
        "indicators": [{
            "code": row.indicator.code, "name": row.indicator.name, "unit": row.indicator.unit,
            "figure": _figure(row.figure),
            "units": [{"unit": child.code, "unit_name": child.name, "unit_id": child.pk, **_figure(f)}
                      for child, f in zip(board.children, row.children, strict=True)],
            "trend": [(f"{month:%Y-%m}", _number(value)) for month, value in row.trend],
        } for row in board.rows],
        "procedures": [{"procedure_id": p.procedure_id, "code": p.code, "name": p.name,
                        "figures": {code: _figure(f) for code, f in p.figures.items()}}
                       for p in board.procedures],
    })


@router.get("indicators/dashboard/{unit_id}/procedures/{procedure_id}", auth=django_auth,
            response={200: ProcedureDashboardOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="Leader's dashboard of a procedure in a unit")
def procedure_dashboard(request, unit_id: int, procedure_id: int, period: str | None = None):
    from chinhquyenso.procedures.models import Procedure

    unit, span = _leader_unit(request, unit_id, period)
    procedure = Procedure.objects.filter(pk=procedure_id).first()
    if procedure is None:
        raise HttpError(404, _("No procedure has this id."))
    board = queries.procedure_dashboard(unit, procedure, span)
    return _json({"unit": unit.code, "unit_name": unit.name, "period": span.label, "procedure": procedure.code,
            "procedure_name": procedure.name,
            "figures": {code: _figure(f) for code, f in board.figures.items()},
            "months": [(f"{month:%Y-%m}", {code: _figure(f) for code, f in figures.items()})
                       for month, figures in board.months]})
