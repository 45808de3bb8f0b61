"""Reported values roll up: a unit without its own report has the sum of the reports of
the units below it (numerators over denominators), each taken the same way; its own
report, when there is one, is what counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chinhquyenso.indicators.computation import compute, parse_period
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.indicators.queries import unit_dashboard
from chinhquyenso.indicators.services import report_value
from chinhquyenso.org.services import create_successor, create_unit
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
YEAR = parse_period("2026")


def value(code, unit):
    return compute(Indicator.objects.get(code=code), unit=unit, start=YEAR.start, end=YEAR.end)


def report(unit, numerator, denominator, actor, code="dien-thoai-thong-minh"):
    return report_value(indicator=Indicator.objects.get(code=code), unit=unit, period="2026",
                        numerator=numerator, denominator=denominator, actor=actor)


def test_the_city_adds_up_its_wards_reports(city, ward, other_ward, reporter):
    report(ward, 860, 1000, reporter)
    report(other_ward, 450, 500, reporter)
    city_value = value("dien-thoai-thong-minh", city)
    assert (city_value.numerator, city_value.denominator, city_value.value) == (1310, 1500, Decimal("87.33"))
    dashboard = unit_dashboard(city, YEAR)
    row = next(r for r in dashboard.rows if r.indicator.code == "dien-thoai-thong-minh")
    assert row.figure.value == Decimal("87.33")
    assert [f.value for f in row.children] == [Decimal("86.00"), Decimal("90.00")]
    # The city's own report is what counts once it exists.
    report(city, 80, 100, reporter)
    assert value("dien-thoai-thong-minh", city).value == Decimal("80.00")


def test_a_wards_own_report_is_taken_rather_than_its_groups(city, ward, reporter):
    group = UnitFactory(code="8707.01", name="Tổ dân phố số 1", unit_type="to_dan_pho", parent=ward)
    report(group, 90, 100, reporter)
    assert value("dien-thoai-thong-minh", ward).value == Decimal("90.00")
    report(ward, 500, 1000, reporter)
    assert value("dien-thoai-thong-minh", city).value == Decimal("50.00")  # not 590/1100


def test_reports_of_merged_wards_add_up_in_their_successor(city, ward, other_ward, reporter):
    report(ward, 860, 1000, reporter)
    report(other_ward, 450, 500, reporter)
    province = create_unit(code="25", name="Tỉnh Phú Thọ", unit_type="tinh", valid_from=date(2026, 12, 1))
    merged = create_successor(predecessors=[ward, other_ward], code="8707", name="Phường Vĩnh Yên",
                              unit_type="phuong", effective_on=date(2026, 12, 1), parent=province)
    assert value("dien-thoai-thong-minh", merged).value == Decimal("87.33")


def test_nothing_reported_below_means_no_value(city, ward):
    assert value("dien-thoai-thong-minh", city).value is None
