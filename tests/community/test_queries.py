"""Dashboard figures against a small fixture computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from chinhquyenso.community import queries, services
from chinhquyenso.community.models import Activity, Member, Training

from .conftest import DECISION_DAY

pytestmark = pytest.mark.django_db

START, END = date(2026, 1, 1), date(2026, 3, 31)


@pytest.fixture
def fixture(ward, other_ward, groups, other_group, team, second_team, ward_admin, other_admin):
    """Ward Tích Sơn: team T1 (group 1) with A (leader, trained), B (trained twice), C,
    D (left, trained); team T2 (group 2) with E (leader), F (trained); group 3 has no
    team. Ward Liên Bảo: team T4 with H (trained). Activities are written directly
    (the fixture is in the past, beyond what members may record today)."""
    t4 = services.create_team(group=other_group, name="Tổ LB 1", decision_number="7/QĐ-UBND",
                              decision_date=date(2025, 6, 1), decision_signer="X",
                              actor=other_admin)

    def member(team, name, role="member", trainings=0, active=True):
        m = Member.objects.create(team=team, full_name=name, role=role, is_active=active)
        for n in range(trainings):
            Training.objects.create(member=m, course=f"Khóa {n}", completed_on=date(2025, 1, 1 + n))
        return m

    a = member(team, "A", "leader", trainings=1)
    b = member(team, "B", trainings=2)
    c = member(team, "C")
    d = member(team, "D", trainings=1, active=False)
    e = member(second_team, "E", "leader")
    f = member(second_team, "F", trainings=1)
    h = member(t4, "H", "leader", trainings=1)

    def act(day, m, category, people, status="confirmed"):
        return Activity.objects.create(team=m.team, member=m, day=day, category=category,
                                       people_reached=people, status=status)

    act(date(2026, 1, 10), a, "explain", 20)
    act(date(2026, 1, 15), b, "vneid_l2", 3)
    act(date(2026, 2, 3), b, "payment", 2)
    act(date(2026, 2, 4), c, "ecommerce", 1, "recorded")      # awaiting: does not count
    act(date(2026, 2, 5), a, "vneid_l1", 4, "rejected")       # rejected: never counts
    act(date(2026, 3, 1), a, "dossier", 1)
    act(date(2026, 3, 20), e, "training", 30)
    act(date(2026, 3, 21), f, "vneid_l1", 5)
    act(date(2025, 12, 31), a, "explain", 100)                # before the period
    act(date(2026, 4, 1), e, "explain", 50)                   # after the period
    act(date(2026, 2, 10), h, "vneid_l2", 7)                  # the other ward
    act(date(2026, 1, 20), d, "explain", 6)                   # by D before leaving
    from chinhquyenso.indicators import record_tallies

    record_tallies.rebuild()  # activities written directly: the indicators' monthly counts are rebuilt
    return {"t1": team, "t2": second_team, "t4": t4, "a": a, "b": b, "c": c, "d": d}


def zero():
    return {c: 0 for c in ("explain", "vneid_l1", "vneid_l2", "dossier", "payment",
                           "ecommerce", "training")}


def test_team_figures(fixture, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        s = queries.team_stats(fixture["t1"], START, END)
    assert s["teams"] == 1
    assert s["members"] == 3                      # A, B, C (D left)
    assert s["active_members_this_period"] == 3   # A, B and D (before leaving)
    assert s["activities"] == 5                   # explain A, explain D, vneid_l2, payment, dossier
    assert s["activities_pending"] == 1
    assert s["activities_by_category"] == {**zero(), "explain": 2, "vneid_l2": 1, "payment": 1,
                                           "dossier": 1}
    assert s["households_reached"] == 20 + 6 + 3 + 2 + 1
    assert s["accounts_activated"] == 3 + 2
    assert s["dossiers_assisted"] == 1
    assert s["trained_members"] == 2              # A, B (D left)
    assert s["training_coverage"] == pytest.approx(2 / 3)
    assert s["activities_by_month"] == [
        ("2026-01", {**zero(), "explain": 2, "vneid_l2": 1}),
        ("2026-02", {**zero(), "payment": 1}),
        ("2026-03", {**zero(), "dossier": 1}),
    ]


def test_ward_figures(fixture, ward):
    s = queries.ward_stats(ward, START, END)
    assert (s["teams"], s["members"], s["active_members_this_period"]) == (2, 5, 5)
    assert s["activities"] == 7
    assert s["households_reached"] == 32 + 30 + 5
    assert s["accounts_activated"] == 5 + 5
    assert s["dossiers_assisted"] == 1
    assert s["trained_members"] == 3 and s["training_coverage"] == pytest.approx(0.6)
    assert s["activities_by_month"][2] == ("2026-03", {**zero(), "dossier": 1, "training": 1,
                                                       "vneid_l1": 1})


def test_city_figures(fixture, city, province):
    s = queries.city_stats(city, START, END)
    assert (s["teams"], s["members"], s["active_members_this_period"]) == (3, 6, 6)
    assert s["activities"] == 8 and s["households_reached"] == 67 + 7
    assert s["accounts_activated"] == 17 and s["trained_members"] == 4
    assert s["training_coverage"] == pytest.approx(4 / 6)
    assert queries.scope_stats(province, START, END) == s


def test_a_period_with_nothing(fixture, ward):
    s = queries.ward_stats(ward, date(2026, 6, 1), date(2026, 6, 30))
    assert s["activities"] == 0 and s["active_members_this_period"] == 0
    assert s["members"] == 5 and s["activities_by_month"] == [("2026-06", zero())]


def test_confirming_changes_the_figures(fixture, ward_leader):
    pending = Activity.objects.get(status="recorded")
    before = queries.team_stats(fixture["t1"], START, END)
    services.confirm_activity(activity_id=pending.pk, actor=ward_leader)
    after = queries.team_stats(fixture["t1"], START, END)
    assert after["activities"] == before["activities"] + 1
    assert after["accounts_activated"] == before["accounts_activated"] + 1
    assert after["activities_pending"] == 0


def test_ranking(fixture, ward, city, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        ranking = queries.team_ranking(ward, START, END)
    assert [(r["rank"], r["team"], r["people_reached"], r["activities"]) for r in ranking] == [
        (1, fixture["t2"], 35, 2), (2, fixture["t1"], 32, 5)]
    assert ranking[0]["accounts_activated"] == 5 and ranking[0]["members"] == 2
    assert ranking[1]["active_members"] == 3 and ranking[1]["ward"] == ward
    city_ranking = queries.team_ranking(city, START, END)
    assert [r["team"] for r in city_ranking] == [fixture["t2"], fixture["t1"], fixture["t4"]]
    assert [r["team"] for r in queries.team_ranking(city, START, END, limit=1)] == [fixture["t2"]]


def test_member_breakdown(fixture):
    rows = queries.member_breakdown(fixture["t1"], START, END)
    assert [(r["member"].full_name, r["activities"], r["people_reached"], r["trainings"])
            for r in rows] == [("A", 2, 21, 1), ("B", 2, 5, 2), ("C", 0, 0, 0)]


def test_coverage_by_ward(fixture, ward, other_ward, groups, city, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        rows = queries.coverage_by_ward()
    assert [(r["ward"], r["groups"], r["with_team"], r["without_team"]) for r in rows] == [
        (ward, 3, 2, [groups[2]]), (other_ward, 1, 1, [])]
    assert rows[0]["coverage"] == pytest.approx(2 / 3)
    assert queries.coverage_by_ward(scope=city) == rows
    assert [r["ward"] for r in queries.coverage_by_ward(scope=other_ward)] == [other_ward]
    # before Liên Bảo's decision (1 June 2025), its group had no team yet
    on = date(2025, 1, 1)
    assert on > DECISION_DAY
    dated = queries.coverage_by_ward(on=on)
    assert [(r["with_team"], len(r["without_team"])) for r in dated] == [(2, 1), (0, 1)]


def test_querysets_under_a_unit(fixture, ward, other_ward, city):
    assert set(queries.teams_in(ward)) == {fixture["t1"], fixture["t2"]}
    assert set(queries.teams_in(city)) == {fixture["t1"], fixture["t2"], fixture["t4"]}
    assert queries.members_in(other_ward).count() == 1
    assert queries.activities_in(ward).count() == 11
    assert queries.teams_in(fixture["t1"].group).get() == fixture["t1"]


def test_month_period():
    assert queries.month_period(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
