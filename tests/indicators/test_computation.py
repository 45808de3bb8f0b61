"""Computed indicators against hand-computed values (see conftest.py)."""

from datetime import date
from decimal import Decimal

import pytest

from chinhquyenso.dossiers.deadlines import Standing, finished_late_q, standing
from chinhquyenso.dossiers.models import Dossier
from chinhquyenso.indicators.computation import compute, parse_period
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.queries import calendar_for
from chinhquyenso.org.services import create_successor, create_unit

pytestmark = pytest.mark.django_db

NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}


def ind(code):
    return Indicator.objects.get(code=code)


def test_the_catalogue_is_loaded_by_the_migration():
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert {"ho-so-truc-tuyen", "ho-so-dung-han", "ho-so-dung-du-lieu-dan-cu", "ho-so-ket-qua-dien-tu",
            "hai-long", "hoat-dong-cong-dong", "thue-bao-bang-rong", "can-bo-co-may-tinh"} <= codes
    online = ind("ho-so-truc-tuyen")
    assert online.name == "Tỷ lệ hồ sơ tiếp nhận trực tuyến" and online.unit == "%" and online.factor == 100
    assert ind("thue-bao-bang-rong").targets.get(year=2025, unit=None).value == Decimal("80")


def test_online_share_per_ward_and_rolled_up_to_the_city(dossiers, ward, other_ward, city, province):
    online = ind("ho-so-truc-tuyen")
    r = compute(online, unit=ward, **NOV)
    assert (r.numerator, r.denominator, r.value, r.source) == (2, 3, Decimal("66.67"), "computed")
    r = compute(online, unit=other_ward, **NOV)
    assert (r.numerator, r.denominator, r.value) == (0, 1, Decimal("0.00"))
    r = compute(online, unit=city, **NOV)
    assert (r.numerator, r.denominator, r.value) == (2, 4, Decimal("50.00"))
    assert compute(online, unit=province, **NOV).value == Decimal("50.00")
    year = parse_period("2026")
    r = compute(online, unit=city, start=year.start, end=year.end)
    assert (r.numerator, r.denominator, r.value) == (3, 5, Decimal("60.00"))


def test_on_time_share_agrees_with_the_deadlines_definition(dossiers, ward):
    calendar = calendar_for(dossiers["online_early"].agency)
    standings = {name: standing(Dossier.objects.get(pk=d.pk), calendar)
                 for name, d in dossiers.items() if name in ("online_early", "online_late", "counter_on_time")}
    assert standings == {"online_early": Standing.EARLY, "online_late": Standing.LATE,
                         "counter_on_time": Standing.ON_TIME}
    assert list(Dossier.objects.filter(finished_late_q()).values_list("pk", flat=True)) == [
        dossiers["online_late"].pk]
    r = compute(ind("ho-so-dung-han"), unit=ward, **NOV)
    assert (r.numerator, r.denominator, r.value) == (2, 3, Decimal("66.67"))


def test_other_dossier_indicators(dossiers, ward, city):
    r = compute(ind("hai-long"), unit=city, **NOV)
    assert (r.numerator, r.denominator, r.value) == (1, 1, Decimal("100.00"))
    r = compute(ind("ho-so-dung-du-lieu-dan-cu"), unit=ward, **NOV)
    assert (r.numerator, r.denominator, r.value) == (0, 3, Decimal("0.00"))
    r = compute(ind("ho-so-ket-qua-dien-tu"), unit=ward, **NOV)
    assert r.denominator == 3 and r.numerator == Dossier.objects.filter(
        pk__in=[d.pk for d in dossiers.values()], result_electronic=True).count()
    r = compute(ind("hoat-dong-cong-dong"), unit=city, **NOV)
    assert (r.numerator, r.denominator, r.value) == (0, None, Decimal("0.00"))


def test_no_dossiers_gives_no_value(ward):
    r = compute(ind("ho-so-truc-tuyen"), unit=ward, **NOV)
    assert (r.numerator, r.denominator, r.value) == (0, 0, None)


def test_history_of_merged_wards_rolls_up_into_their_successor(dossiers, ward, other_ward):
    new_province = create_unit(code="25", name="Tỉnh Phú Thọ", unit_type="tinh", valid_from=date(2026, 12, 1))
    merged = create_successor(predecessors=[ward, other_ward], code="8707", name="Phường Vĩnh Yên",
                              unit_type="phuong", effective_on=date(2026, 12, 1), parent=new_province)
    for unit in (merged, new_province):
        r = compute(ind("ho-so-truc-tuyen"), unit=unit, **NOV)
        assert (r.numerator, r.denominator) == (2, 4)


def test_one_query_per_computed_indicator(dossiers, ward, django_assert_max_num_queries):
    indicator = ind("ho-so-dung-han")
    # the hierarchy walk (one query per level below the ward, here one) + the aggregate
    with django_assert_max_num_queries(2):
        compute(indicator, unit=ward, **NOV)


@pytest.mark.parametrize("text,label,start,end", [
    ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_periods(text, label, start, end):
    p = parse_period(text)
    assert (p.label, p.start, p.end) == (label, start, end)


@pytest.mark.parametrize("text", ["", "26", "2026-13", "2026-00", "2026-Q5", "2026-1", "abcd", "2026-11-01"])
def test_malformed_periods(text):
    with pytest.raises(ValueError):
        parse_period(text)
