"""The community teams' indicators (coverage, active members, people reached, accounts,
dossiers assisted) against the hand-computed fixture of test_queries.py."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from decimal import Decimal

import pytest

from chinhquyenso.indicators.computation import compute
from chinhquyenso.indicators.models import Indicator

from .test_queries import fixture  # noqa: F401  (the fixture of the community dashboard)

pytestmark = pytest.mark.django_db

Q1 = (date(2026, 1, 1), date(2026, 3, 31))


def value(code, unit, start=Q1[0], end=Q1[1]):
    return compute(Indicator.objects.get(code=code), unit=unit, start=start, end=end)


def test_people_reached_and_accounts_count_confirmed_activities_only(fixture, ward, other_ward, city):  # noqa: F811
    # Tích Sơn, Q1: 20 + 3 + 2 + 1 + 30 + 5 + 6 (D's, before leaving); not the recorded
    # (awaiting) one, the rejected one, nor those before or after the quarter.
    assert value("hoat-dong-cong-dong", ward).numerator == 67
    # Accounts: VNeID level 2 (3), payment (2), VNeID level 1 (5).
    assert value("tai-khoan-duoc-ho-tro", ward).numerator == 10
    assert value("tai-khoan-duoc-ho-tro", other_ward).numerator == 7
    assert value("tai-khoan-duoc-ho-tro", city).numerator == 17
    # January alone: 3 (B's VNeID level 2).
    assert value("tai-khoan-duoc-ho-tro", ward, date(2026, 1, 1), date(2026, 1, 31)).numerator == 3


def test_active_members_are_current_members_with_a_confirmed_activity(fixture, ward):  # noqa: F811
    # Current members of active teams: A, B, C, E, F (D left). With a confirmed activity
    # in Q1: A, B, E, F (C's is awaiting confirmation; D's counts in people, not here).
    result = value("thanh-vien-hoat-dong", ward)
    assert (result.numerator, result.denominator, result.value) == (4, 5, Decimal("80.00"))
    # February: only B (payment); A's was rejected.
    february = value("thanh-vien-hoat-dong", ward, date(2026, 2, 1), date(2026, 2, 28))
    assert (february.numerator, february.denominator) == (1, 5)


def test_coverage_counts_residential_groups_with_an_active_team(fixture, ward, other_ward, city):  # noqa: F811
    # Tích Sơn: groups 1 and 2 have a team, group 3 none; Liên Bảo: its one group has T4.
    result = value("to-cong-nghe-so-bao-phu", ward)
    assert (result.numerator, result.denominator, result.value) == (2, 3, Decimal("66.67"))
    assert value("to-cong-nghe-so-bao-phu", other_ward).value == Decimal("100.00")
    assert (value("to-cong-nghe-so-bao-phu", city).numerator, value("to-cong-nghe-so-bao-phu", city).denominator) == (3, 4)


def test_measures_other_than_dossier_counts_need_whole_months(fixture, ward):  # noqa: F811
    with pytest.raises(ValueError):
        value("thanh-vien-hoat-dong", ward, date(2026, 1, 5), date(2026, 1, 31))


def test_wards_with_a_support_model_teams_and_members(fixture, ward, other_ward, city):  # noqa: F811
    # Both wards have a team in one of their groups (the seed's "9/9 wards").
    result = value("phuong-xa-co-mo-hinh-ho-tro", city)
    assert (result.numerator, result.denominator, result.value) == (2, 2, Decimal("100.00"))
    assert value("phuong-xa-co-mo-hinh-ho-tro", ward).value == Decimal("100.00")
    # Teams: T1 and T2 in Tích Sơn, T4 in Liên Bảo. Members of active teams still in
    # them: A, B, C, E, F (D left); H.
    assert value("so-to-cong-nghe-so", ward).numerator == 2
    assert value("so-to-cong-nghe-so", city).numerator == 3
    assert value("so-thanh-vien-to-cong-nghe-so", ward).numerator == 5
    assert value("so-thanh-vien-to-cong-nghe-so", city).numerator == 6


def test_a_ward_without_any_team_has_no_support_model(fixture, ward, other_ward, city, ward_admin):  # noqa: F811
    from chinhquyenso.community.models import Team

    Team.objects.filter(group__parent=other_ward).update(is_active=False)
    result = value("phuong-xa-co-mo-hinh-ho-tro", city)
    assert (result.numerator, result.denominator) == (1, 2)
    assert value("phuong-xa-co-mo-hinh-ho-tro", other_ward).value == Decimal("0.00")


def test_the_dashboard_counts_active_members_per_period_and_month_as_compute_does(fixture, ward, city):  # noqa: F811
    from chinhquyenso.indicators.computation import parse_period
    from chinhquyenso.indicators.queries import unit_dashboard

    board = unit_dashboard(city, parse_period("2026-Q1"), with_procedures=False)
    row = next(r for r in board.rows if r.indicator.code == "thanh-vien-hoat-dong")
    by_ward = dict(zip([c.pk for c in board.children], row.children, strict=True))
    assert (by_ward[ward.pk].numerator, by_ward[ward.pk].denominator) == (4, 5)
    assert row.figure.numerator == value("thanh-vien-hoat-dong", city).numerator
    # Each month of the trend (April 2025 – March 2026, activities before the quarter
    # included) as computed for that month alone.
    trend = dict(row.trend)
    assert len(trend) == 12 and {trend[date(2026, 1, 1)], trend[date(2026, 2, 1)]} != {None}
    for first_day, shown in trend.items():
        last_day = date(first_day.year, first_day.month, monthrange(first_day.year, first_day.month)[1])
        assert shown == value("thanh-vien-hoat-dong", city, first_day, last_day).value, first_day
