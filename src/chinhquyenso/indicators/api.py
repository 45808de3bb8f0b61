"""The public indicators API (no login): a stable contract for portals and open data.

GET /api/v1/public/indicators                       published indicators
GET /api/v1/public/indicators/{code}?period=&unit=  values as JSON
GET /api/v1/public/indicators/{code}.csv?period=&unit=  the same values as CSV

`period` is YYYY, YYYY-MM or YYYY-Qn (default: the current year); 400 when malformed.
`unit` is the code of a unit in force; without it: the city (code 243; if absent, every
level-2 unit in force) and each of its wards in force. 404 for an unknown or unpublished
indicator, or an unknown unit.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

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
