"""Read-only figures of the community digital technology teams, for dashboards and
exports. Only CONFIRMED activities count in the figures (recorded ones await a ward
official; rejected ones never count). Every function runs a fixed, small number of
aggregate queries, whatever the number of teams.

    teams_in(unit) / members_in(unit) / activities_in(unit)     querysets under a unit
    coverage_by_ward(on=None, scope=None) -> list[dict]
    team_stats(team, start, end) -> dict
    ward_stats(ward, start, end) -> dict
    city_stats(city, start, end) -> dict
    scope_stats(unit, start, end) -> dict          (any unit: group, ward, city, province)
    team_ranking(scope_unit, start, end, limit=None) -> list[dict]
    member_breakdown(team, start, end) -> list[dict]
    month_period(day=None) -> (first day, last day) of the month
    confirmed_activities(unit_ids, start, end, activity_set="") -> QuerySet
    members_with_activity(unit_ids, start, end) -> QuerySet

The last two are the records behind the indicators' numbers (indicators/measures.py):
the unit of an activity is its team's residential group, `unit_ids` the ids of a unit,
the units below it and those merged into it (indicators.computation.unit_ids).

A period is `start` and `end`, both dates, both included.

The stats dicts (team_stats, ward_stats, city_stats, scope_stats):

    start, end                      the period
    teams                           teams (active) in the scope
    members                         active members of active teams (today, not the period)
    active_members_this_period      members with at least one confirmed activity dated
                                    in the period
    activities                      confirmed activities dated in the period
    activities_pending              recorded activities dated in the period, awaiting
                                    confirmation
    activities_by_category          {category: number of confirmed activities}, every
                                    ActivityCategory value, in their order
    people_by_category              {category: households or people reached}
    activities_by_month             [("YYYY-MM", {category: count}), …] every month of
                                    the period, oldest first, every category
    households_reached              sum of people_reached of the confirmed activities
    accounts_activated              sum of people_reached of the confirmed activities of
                                    ACCOUNT_CATEGORIES: VNeID level 1 and level 2
                                    activations, e-payment and e-commerce accounts opened
    dossiers_assisted               number of confirmed activities of category "dossier"
                                    (a dossier submitted in the system on a citizen's
                                    behalf is one such activity, confirmed automatically)
    trained_members                 active members with at least one training recorded
    training_coverage               trained_members / members, 0.0–1.0 (0.0 without members)
"""

from __future__ import annotations

import calendar
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from .models import Activity, ActivityCategory, Member, Team

ACCOUNT_CATEGORIES = (ActivityCategory.VNEID_L1, ActivityCategory.VNEID_L2,
                      ActivityCategory.PAYMENT, ActivityCategory.ECOMMERCE)
CONFIRMED = Activity.Status.CONFIRMED


def month_period(day: date | None = None) -> tuple[date, date]:
    """The first and last day of the month of `day` (today by default)."""
    day = day or timezone.localdate()
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _group_under(unit: AdministrativeUnit, prefix: str = "group") -> Q:
    """Residential groups at or below `unit`, as a filter on `prefix` (a FK to a unit).
    Depth-based on parents, not levels: after the 2025 reform wards sit right below
    their province."""
    q = Q()
    path = prefix
    for _depth in range(UnitLevel.GROUP - (unit.level or UnitLevel.PROVINCE) + 1):
        q |= Q(**{path: unit})
        path += "__parent"
    return q


def teams_in(unit: AdministrativeUnit) -> QuerySet[Team]:
    """Teams of the residential groups at or below `unit` (active or not)."""
    return Team.objects.filter(_group_under(unit))


def members_in(unit: AdministrativeUnit) -> QuerySet[Member]:
    """Members (active or not) of the teams at or below `unit`."""
    return Member.objects.filter(team__in=teams_in(unit).values("pk"))


def activities_in(unit: AdministrativeUnit) -> QuerySet[Activity]:
    """Activities (any status) of the teams at or below `unit`."""
    return Activity.objects.filter(team__in=teams_in(unit).values("pk"))


def _months(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _stats(teams: QuerySet[Team], start: date, end: date) -> dict:
    team_ids = teams.values("pk")
    in_period = Activity.objects.filter(team__in=team_ids, day__gte=start, day__lte=end)
    confirmed = in_period.filter(status=CONFIRMED)
    categories = ActivityCategory.values

    by_category = {c: 0 for c in categories}
    people = {c: 0 for c in categories}
    for row in confirmed.values("category").annotate(n=Count("pk"), people=Sum("people_reached")) \
            .order_by():
        by_category[row["category"]] = row["n"]
        people[row["category"]] = row["people"] or 0

    months = {m: {c: 0 for c in categories} for m in _months(start, end)}
    for row in (confirmed.annotate(month=TruncMonth("day")).values("month", "category")
                .annotate(n=Count("pk")).order_by()):
        key = f"{row['month']:%Y-%m}"
        if key in months:
            months[key][row["category"]] = row["n"]

    counts = in_period.aggregate(
        active=Count("member", filter=Q(status=CONFIRMED), distinct=True),
        pending=Count("pk", filter=Q(status=Activity.Status.RECORDED)))
    members = Member.objects.filter(team__in=teams.filter(is_active=True).values("pk"),
                                    is_active=True).aggregate(
        total=Count("pk", distinct=True),
        trained=Count("pk", filter=Q(trainings__isnull=False), distinct=True))
    total = members["total"] or 0
    trained = members["trained"] or 0
    return {
        "start": start, "end": end,
        "teams": teams.filter(is_active=True).count(),
        "members": total,
        "active_members_this_period": counts["active"] or 0,
        "activities": sum(by_category.values()),
        "activities_pending": counts["pending"] or 0,
        "activities_by_category": by_category,
        "people_by_category": people,
        "activities_by_month": list(months.items()),
        "households_reached": sum(people.values()),
        "accounts_activated": sum(people[c] for c in ACCOUNT_CATEGORIES),
        "dossiers_assisted": by_category[ActivityCategory.DOSSIER],
        "trained_members": trained,
        "training_coverage": trained / total if total else 0.0,
    }


def team_stats(team: Team, start: date, end: date) -> dict:
    """The figures of one team for the period (see the module's docstring)."""
    return _stats(Team.objects.filter(pk=team.pk), start, end)


def scope_stats(unit: AdministrativeUnit, start: date, end: date) -> dict:
    """The figures of all teams at or below `unit` for the period."""
    return _stats(teams_in(unit), start, end)


def ward_stats(ward: AdministrativeUnit, start: date, end: date) -> dict:
    """The figures of the ward's teams for the period."""
    return scope_stats(ward, start, end)


def city_stats(city: AdministrativeUnit, start: date, end: date) -> dict:
    """The figures of all teams of the city (or province) for the period."""
    return scope_stats(city, start, end)


def team_ranking(scope_unit: AdministrativeUnit, start: date, end: date,
                 limit: int | None = None) -> list[dict]:
    """The active teams at or below `scope_unit`, best first by households or people
    reached in the period (confirmed activities), then by number of activities, then by
    group code. Each: {"rank", "team" (with .group and .group.parent), "ward",
    "people_reached", "activities", "accounts_activated", "active_members", "members"}.
    Teams with no activity are listed too (last). Two queries."""
    period = Q(activities__status=CONFIRMED, activities__day__gte=start,
               activities__day__lte=end)
    accounts = period & Q(activities__category__in=ACCOUNT_CATEGORIES)
    teams = list(
        teams_in(scope_unit).filter(is_active=True).select_related("group__parent")
        .annotate(people=Sum("activities__people_reached", filter=period),
                  done=Count("activities", filter=period),
                  accounts=Sum("activities__people_reached", filter=accounts),
                  active=Count("activities__member", filter=period, distinct=True))
        .order_by())
    members = dict(Member.objects.filter(team__in=[t.pk for t in teams], is_active=True)
                   .values("team").annotate(n=Count("pk")).order_by().values_list("team", "n"))
    teams.sort(key=lambda t: (-(t.people or 0), -(t.done or 0), t.group.code))
    if limit is not None:
        teams = teams[:limit]
    return [{"rank": rank, "team": t, "ward": t.group.parent, "people_reached": t.people or 0,
             "activities": t.done or 0, "accounts_activated": t.accounts or 0,
             "active_members": t.active or 0, "members": members.get(t.pk, 0)}
            for rank, t in enumerate(teams, start=1)]


def member_breakdown(team: Team, start: date, end: date) -> list[dict]:
    """The team's active members with their confirmed activities and people reached in
    the period and their number of trainings, leader first: [{"member", "activities",
    "people_reached", "trainings"}]. Two queries."""
    members = list(Member.objects.filter(team=team, is_active=True)
                   .annotate(trained=Count("trainings")))
    done = {row["member"]: row for row in (
        Activity.objects.filter(team=team, status=CONFIRMED, day__gte=start, day__lte=end)
        .values("member").annotate(n=Count("pk"), people=Sum("people_reached")).order_by())}
    order = {"leader": 0, "deputy": 1, "member": 2}
    members.sort(key=lambda m: (order.get(m.role, 3), m.full_name))
    return [{"member": m, "activities": done.get(m.pk, {}).get("n", 0),
             "people_reached": done.get(m.pk, {}).get("people") or 0, "trainings": m.trained}
            for m in members]


def coverage_by_ward(on: date | None = None,
                     scope: AdministrativeUnit | None = None) -> list[dict]:
    """For each ward or commune having residential groups (below `scope` when given), in
    code order: {"ward", "groups" (number), "with_team" (number), "without_team" (the
    groups without an active team, in code order), "coverage" (0.0–1.0)}.

    With `on`, only the wards and groups in force that day count, and only the teams
    decided by then; without it, all recorded groups and the active teams (the demo
    city's units ended on 30/06/2025 but still carry its teams). Two queries."""
    groups = AdministrativeUnit.objects.filter(level=UnitLevel.GROUP,
                                               parent__level=UnitLevel.WARD)
    if scope is not None:
        groups = groups.filter(_group_under(scope, prefix="parent") if scope.level < UnitLevel.GROUP
                               else Q(pk=scope.pk))
    if on is not None:
        groups = groups.valid_on(on).filter(
            Q(parent__valid_from__lte=on),
            Q(parent__valid_to__isnull=True) | Q(parent__valid_to__gte=on))
    groups = list(groups.select_related("parent").order_by("parent__code", "code"))
    teams = Team.objects.filter(is_active=True, group__in=[g.pk for g in groups])
    if on is not None:
        teams = teams.filter(decision_date__lte=on)
    with_team = set(teams.values_list("group_id", flat=True))
    rows: dict[int, dict] = {}
    for group in groups:
        row = rows.setdefault(group.parent_id, {"ward": group.parent, "groups": 0,
                                                "with_team": 0, "without_team": []})
        row["groups"] += 1
        if group.pk in with_team:
            row["with_team"] += 1
        else:
            row["without_team"].append(group)
    result = sorted(rows.values(), key=lambda r: r["ward"].code)
    for row in result:
        row["coverage"] = row["with_team"] / row["groups"]
    return result


# --- the records behind the indicators' numbers ----------------------------------------------

#: The sets of confirmed activities an indicator sums the people reached of: all of
#: them ("hoat-dong-cong-dong"), those that helped open an account ("tai-khoan-duoc-ho-tro").
ACTIVITY_SETS: dict[str, Q] = {
    "": Q(),
    "accounts": Q(category__in=ACCOUNT_CATEGORIES),
}


def confirmed_activities(unit_ids, start: date, end: date, activity_set: str = "") -> QuerySet[Activity]:
    """The confirmed activities of the teams of the residential groups `unit_ids`, dated
    from start to end (both included), of one of ACTIVITY_SETS; newest first."""
    return (Activity.objects.filter(ACTIVITY_SETS[activity_set], status=CONFIRMED,
                                    team__group_id__in=list(unit_ids), day__gte=start, day__lte=end)
            .select_related("team__group__parent", "member").order_by("-day", "-pk"))


def members_with_activity(unit_ids, start: date, end: date) -> QuerySet[Member]:
    """The current members (active) with at least one confirmed activity in the groups
    `unit_ids` from start to end, each with `done` (their confirmed activities there) and
    `reached` (households or people reached); by team, then name."""
    unit_ids = list(unit_ids)
    period = Q(activities__status=CONFIRMED, activities__team__group_id__in=unit_ids,
               activities__day__gte=start, activities__day__lte=end)
    active = confirmed_activities(unit_ids, start, end).order_by().values("member_id")
    return (Member.objects.filter(is_active=True, pk__in=active)
            .annotate(done=Count("activities", filter=period), reached=Sum("activities__people_reached", filter=period))
            .select_related("team__group__parent").order_by("team__group__code", "full_name", "pk"))
