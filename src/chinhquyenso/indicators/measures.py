"""How the computed indicators that are not plain dossier ratios get their numbers:
official documents, community teams, officials, procedures and complaints.

A measure reads one or more *sources* (a few grouped queries for every unit and month a
dashboard shows at once, `load_sources`), then answers for any set of unit ids and any
list of months from what was read (`numbers`), so that a dashboard with ten wards and
a 12-month trend costs the same few queries as one figure.

Dossiers, documents, community activities and complaints are read from their monthly
counts (aggregates.py, record_tallies.py), kept current as the records change: a
dashboard never scans them. The `scan_*` functions count those records themselves; they
serve the tallies' rebuild.

Each source returns a dict keyed by (unit id, month) — or by unit id alone for facts
that have no month (how many residential groups have a team today) — of counters.
The unit of a record is the unit of its agency (documents, officials, complaints via
their dossier) or the residential group of its team (community), as in aggregates.py.
Months are local months (settings.TIME_ZONE).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Aggregate, CharField, Count, DateField, F, Func, Max, Q, Sum, Value
from django.utils import timezone

from . import aggregates
from .models import Metric

# --- sources -----------------------------------------------------------------------------------


def _month_after(last_month: date) -> date:
    return aggregates.next_month(last_month)


def _local_bounds(first_month: date, last_month: date):
    from datetime import datetime, time

    zone = timezone.get_default_timezone()
    return (datetime.combine(first_month, time.min, tzinfo=zone),
            datetime.combine(_month_after(last_month), time.min, tzinfo=zone))


class LocalDay(Func):
    """The local day (settings.TIME_ZONE) of a stored moment, as aggregates computes it:
    in SQL, on SQLite too without a Python call per row where the zone's offset is fixed."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        day, day_params = aggregates._local_date_sql(column)
        if params:  # a plain column has none; the column may appear twice (SQLite's branches)
            raise ValueError("LocalDay takes a column")
        return day, day_params


class MonthOf(Func):
    """The first day of the month of a date (a date column, or the LocalDay of a moment)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        inner, params = compiler.compile(self.source_expressions[0])
        return aggregates._month_sql(inner), params


def local_month(field: str) -> MonthOf:
    return MonthOf(LocalDay(field))


def _by_month(rows, unit_key: str, month_key: str, fields: Iterable[str]) -> dict:
    found: dict = defaultdict(Counter)
    for row in rows:
        cell = found[(row[unit_key], row[month_key])]
        for name in fields:
            cell[name] += row[name] or 0
    return found


def dossier_source(ids, first_month, last_month) -> dict:
    """(unit, month) → Counter of dossier metrics (the aggregates)."""
    return dossier_cells(aggregates.unit_month_totals(ids, first_month, last_month))


def _units(queryset, field: str, ids):
    """The records of the units (every unit when `ids` is None: a rebuild)."""
    return queryset if ids is None else queryset.filter(**{f"{field}__in": list(ids)})


def scan_outgoing(ids, first_month, last_month) -> dict:
    """(unit, month of issue) → issued, issued with an electronic signature, counted on
    the documents themselves (record_tallies.rebuild; the dashboards read the tallies)."""
    from chinhquyenso.documents.models import OutgoingDocument
    from chinhquyenso.documents.queries import OUTGOING_SETS  # the sets the registers list

    since, until = _local_bounds(first_month, last_month)
    rows = (_units(OutgoingDocument.objects, "agency__unit_id", ids).filter(issued_at__gte=since,
                                                                           issued_at__lt=until)
            .annotate(month=local_month("issued_at"))
            .values("agency__unit_id", "month")
            .annotate(issued=Count("pk"), signed=Count("pk", filter=OUTGOING_SETS["issued_signed"].condition))
            .order_by())
    return _by_month(rows, "agency__unit_id", "month", ("issued", "signed"))


def scan_incoming(ids, first_month, last_month) -> dict:
    """(unit, month) → incoming documents registered, and of them assigned in the
    system; (unit, month of completion) → completed with a deadline, and on time
    (counted on the documents: record_tallies.rebuild)."""
    from chinhquyenso.documents.models import IncomingDocument
    from chinhquyenso.documents.queries import INCOMING_SETS  # the sets the registers list

    since, until = _local_bounds(first_month, last_month)
    mine = _units(IncomingDocument.objects, "agency__unit_id", ids)
    registered = (mine.filter(registered_at__gte=since, registered_at__lt=until)
                  .annotate(month=local_month("registered_at"))
                  .values("agency__unit_id", "month")
                  .annotate(registered=Count("pk"), handled=Count("pk", filter=INCOMING_SETS["handled"].condition))
                  .order_by())
    found = _by_month(registered, "agency__unit_id", "month", ("registered", "handled"))
    completed = (mine.filter(INCOMING_SETS["completed"].condition, completed_at__gte=since, completed_at__lt=until)
                 .annotate(completed_day=LocalDay("completed_at"))
                 .annotate(month=MonthOf(F("completed_day")))
                 .values("agency__unit_id", "month")
                 .annotate(completed=Count("pk"),
                           completed_on_time=Count("pk", filter=INCOMING_SETS["completed_on_time"].condition))
                 .order_by())
    for row in completed:
        cell = found[(row["agency__unit_id"], row["month"])]
        cell["completed"] += row["completed"]
        cell["completed_on_time"] += row["completed_on_time"]
    return found


ACCOUNT_CATEGORIES = ("vneid_l1", "vneid_l2", "payment", "ecommerce")


def scan_activities(ids, first_month, last_month) -> dict:
    """(residential group, month) → people reached, accounts helped open, and per
    member ("member", id) how many confirmed activities (record_tallies.rebuild)."""
    from chinhquyenso.community.models import Activity

    rows = (_units(Activity.objects, "team__group_id", ids)
            .filter(status=Activity.Status.CONFIRMED, day__gte=first_month, day__lt=_month_after(last_month))
            .annotate(month=MonthOf(F("day")))
            .values("team__group_id", "month", "member_id")
            .annotate(people=Sum("people_reached"), n=Count("pk"),
                      accounts=Sum("people_reached", filter=Q(category__in=ACCOUNT_CATEGORIES)))
            .order_by())
    found: dict = defaultdict(Counter)
    for row in rows:
        cell = found[(row["team__group_id"], row["month"])]
        cell["people"] += row["people"] or 0
        cell["accounts"] += row["accounts"] or 0
        cell[("member", row["member_id"])] += row["n"]
    return found


class ActiveMembers:
    """The current members with a confirmed activity in a set of units and months, each
    counted once however many months or groups they were active in, from the record
    tallies' member keys ("member:<id>"), without reading a row per member and month
    (a city has ~1,000 members active most months):

    - for a span of months, the distinct (unit, member) pairs of every unit read, once
      per span (a member is active in one group or a few): any set of those units is
      then counted from them;
    - for one month not read so (a dashboard's trend asks month by month), the database
      counts the distinct members of those units in each month of the source's span at
      once."""

    def __init__(self, ids, first_month: date, last_month: date):
        self.ids, self.first_month, self.last_month = list(ids), first_month, last_month
        self.by_month: dict = {}
        self.pairs: dict = {}

    def _rows(self, ids):
        from django.db.models.functions import Cast, Concat

        from chinhquyenso.community.models import Member

        from .models import RecordSource, RecordTally
        from .record_tallies import MEMBER

        left = (Member.objects.filter(is_active=False)
                .annotate(tally_key=Concat(Value(MEMBER), Cast("pk", CharField()), output_field=CharField()))
                .values("tally_key"))
        return (RecordTally.objects.filter(source=RecordSource.ACTIVITIES, unit_id__in=list(ids),
                                           key__startswith=MEMBER, total__gt=0)
                .exclude(key__in=left))

    @staticmethod
    def _in(rows, months):
        contiguous = all(_month_after(a) == b for a, b in zip(months, months[1:], strict=False))
        return (rows.filter(month__gte=months[0], month__lte=months[-1]) if contiguous
                else rows.filter(month__in=list(months)))

    def load_span(self, months) -> None:
        """Read the (unit, member) pairs of a span of months (a dashboard's period) now."""
        months = tuple(sorted(set(months)))
        if months and months not in self.pairs:
            found: dict = defaultdict(set)
            for unit_id, key in self._in(self._rows(self.ids), months).values_list("unit_id", "key").distinct():
                found[unit_id].add(key)
            self.pairs[months] = found

    def load_months(self, ids) -> None:
        """Count now the members of these units in each month of the source's span (a
        dashboard's trend)."""
        ids = frozenset(ids)
        if ids not in self.by_month:
            self.by_month[ids] = dict(
                self._rows(ids).filter(month__gte=self.first_month, month__lte=self.last_month)
                .values("month").annotate(n=Count("key", distinct=True)).order_by()
                .values_list("month", "n"))

    def count(self, ids, months) -> int:
        ids, months = frozenset(ids), tuple(sorted(set(months)))
        if not months:
            return 0
        if len(months) == 1 and months not in self.pairs:
            self.load_months(ids)
            return self.by_month[ids].get(months[0], 0)
        self.load_span(months)
        pairs = self.pairs[months]
        return len(set().union(*(pairs[unit_id] for unit_id in ids if unit_id in pairs)))


def member_source(ids, first_month, last_month) -> ActiveMembers:
    """The active members of any units and months within those read (`count`); members
    who left count in people reached, not as active members."""
    return ActiveMembers(ids, first_month, last_month)


def _tallied(source_name: str) -> Callable:
    def source(ids, first_month, last_month) -> dict:
        from .models import RecordSource
        from .record_tallies import read

        return read(RecordSource[source_name], ids, first_month, last_month)
    source.__doc__ = f"(unit, month) → the {source_name.lower()} counts, from the record tallies."
    return source


outgoing_source = _tallied("OUTGOING")
incoming_source = _tallied("INCOMING")
activity_source = _tallied("ACTIVITIES")  # people reached, accounts (members: ActiveMembers)
complaint_source = _tallied("COMPLAINTS")


def team_source(ids, first_month, last_month) -> dict:
    """unit → residential groups, with an active team, active teams, active members of
    active teams; for a ward: whether it has a team in any of its groups (the seed's
    "9/9 wards run a support model"). Today's facts: no month. A group or ward counts
    while in force, or when it ended without a successor (the demo's city keeps its
    pre-2025 groups, which no reorganisation replaced)."""
    from chinhquyenso.community.models import Member, Team
    from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

    ids = list(ids)
    found: dict = defaultdict(Counter)
    standing = (AdministrativeUnit.objects.filter(pk__in=ids)
                .filter(Q(valid_to__isnull=True) | Q(succession_out__isnull=True)))
    for pk, level in standing.filter(level__in=[UnitLevel.GROUP, UnitLevel.WARD]).values_list("pk", "level"):
        found[pk]["groups" if level == UnitLevel.GROUP else "wards"] = 1
    for group_id, ward_id in Team.objects.filter(group_id__in=ids, is_active=True).values_list(
            "group_id", "group__parent_id"):
        found[group_id]["covered"] = 1
        found[group_id]["teams"] += 1
        if found[ward_id]["wards"]:
            found[ward_id]["wards_with_team"] = 1
    for row in (Member.objects.filter(team__group_id__in=ids, team__is_active=True, is_active=True)
                .values("team__group_id").annotate(n=Count("pk")).order_by()):
        found[row["team__group_id"]]["members"] += row["n"]
    return found


def official_source(ids, first_month, last_month) -> dict:
    """unit → officials with an active account, and of them those holding a personal
    signing certificate in force (their digital identity for work)."""
    from chinhquyenso.documents.models import SigningCredential
    from chinhquyenso.org.models import Official

    now = timezone.now()
    officials = Official.objects.filter(agency__unit_id__in=list(ids), user__is_active=True)
    holders = set(SigningCredential.objects.filter(
        official__in=officials, is_active=True, not_before__lte=now, not_after__gt=now)
        .values_list("official_id", flat=True))
    found: dict = defaultdict(Counter)
    for pk, unit_id in officials.values_list("pk", "agency__unit_id"):
        found[unit_id]["officials"] += 1
        found[unit_id]["certified"] += int(pk in holders)
    return found


def scan_complaints(ids, first_month, last_month) -> dict:
    """(unit, month the answer was due) → complaints due, answered on time; and
    complaints whose answer the complainant judged, satisfied (record_tallies.rebuild)."""
    from chinhquyenso.dossiers.models import Complaint

    since, until = _local_bounds(first_month, last_month)
    rows = (_units(Complaint.objects, "dossier__agency__unit_id", ids).filter(due_at__gte=since, due_at__lt=until)
            .annotate(month=local_month("due_at"))
            .values("dossier__agency__unit_id", "month")
            .annotate(due=Count("pk"),
                      on_time=Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("due_at"))),
                      judged=Count("pk", filter=Q(complainant_satisfied__isnull=False)),
                      satisfied=Count("pk", filter=Q(complainant_satisfied=True)))
            .order_by())
    return _by_month(rows, "dossier__agency__unit_id", "month", ("due", "on_time", "judged", "satisfied"))


class ProcedureIds(Aggregate):
    """The ids of a group's procedures as one text, "3,17,42": a (unit, month, metric)
    cell of the monthly tallies in one row instead of one row per procedure."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s(CAST(%(expressions)s AS TEXT), ',')", **extra)


_catalogue_cache: dict = {}


def procedure_catalogue() -> dict:
    """level → (id, service level, complete, with a fee) of the published procedures.
    The catalogue changes a few times a year and the dashboards read it on every view, so
    each process keeps it and reads it again when its version changes: the procedures'
    number, last `updated_at` (procedures.services saves the procedure with its
    components and steps) and number published, and the components' and steps' number
    and last id (components and steps are written again on each save). A bulk
    QuerySet.update() of other fields, which bypasses `updated_at`, is not seen until
    the next save."""
    from chinhquyenso.procedures.models import CompetentLevel, Component, Procedure, ProcessStep

    version = (tuple(Procedure.objects.aggregate(n=Count("pk"), last=Max("updated_at"),
                                                 published=Count("pk", filter=Q(is_published=True))).values())
               + tuple(Component.objects.aggregate(n=Count("pk"), last=Max("pk")).values())
               + tuple(ProcessStep.objects.aggregate(n=Count("pk"), last=Max("pk")).values()))
    if _catalogue_cache.get("version") == version:
        return _catalogue_cache["offered"]
    offered = {CompetentLevel.CITY: [], CompetentLevel.WARD: []}
    for procedure in (Procedure.objects.filter(is_published=True)
                      .annotate(n_components=Count("components", distinct=True),
                                n_steps=Count("steps", distinct=True))
                      .only("pk", "level", "service_level", "form", "fees", "legal_basis")):
        complete = bool(procedure.n_components and procedure.n_steps and procedure.legal_basis
                        and procedure.fees is not None)
        offered.setdefault(procedure.level, []).append(
            (procedure.pk, procedure.service_level, complete,
             any(int(fee.get("amount") or 0) > 0 for fee in procedure.fees or [])))
    _catalogue_cache.update(version=version, offered=offered)
    return offered


def procedure_source(ids, first_month, last_month) -> dict:
    """("procedures", unit) → the published procedures a unit handles (by its level),
    with their service level and completeness; "used" → (unit, month) → metric → the
    procedures with dossiers counted in that metric (the usage the service index reads)."""
    from chinhquyenso.org.models import AdministrativeUnit, UnitLevel
    from chinhquyenso.procedures.models import CompetentLevel

    from .models import MonthlyTally

    ids = list(ids)
    offered = procedure_catalogue()
    found: dict = {}
    for pk, level in AdministrativeUnit.objects.filter(pk__in=ids).values_list("pk", "level"):
        if level == UnitLevel.DISTRICT:
            found[("procedures", pk)] = offered.get(CompetentLevel.CITY, [])
        elif level == UnitLevel.WARD:
            found[("procedures", pk)] = offered.get(CompetentLevel.WARD, [])
    wanted = [Metric.RECEIVED, Metric.RECEIVED_ONLINE, Metric.RECEIVED_POPULATION_DATA,
              Metric.FINISHED_PAID_ONLINE]
    used: dict = defaultdict(dict)
    for unit_id, month, metric, procedures in (
            MonthlyTally.objects.filter(unit_id__in=ids, month__gte=first_month, month__lte=last_month,
                                        metric__in=wanted, total__gt=0)
            .values("unit_id", "month", "metric").annotate(procedures=ProcedureIds("procedure_id"))
            .order_by().values_list("unit_id", "month", "metric", "procedures")):
        used[(unit_id, month)][metric] = {int(pk) for pk in procedures.split(",")}
    found["used"] = used
    return found


SOURCES: dict[str, Callable] = {
    "dossiers": dossier_source, "outgoing": outgoing_source, "incoming": incoming_source,
    "activities": activity_source, "members": member_source, "teams": team_source, "officials": official_source,
    "complaints": complaint_source, "procedures": procedure_source,
}


def source_reads(names: Iterable[str], ids, first_month: date, last_month: date) -> dict[str, Callable]:
    """name → the read of that source for the units and months, for read_all()."""
    from functools import partial

    return {name: partial(SOURCES[name], ids, first_month, last_month) for name in sorted(set(names))}


def load_sources(names: Iterable[str], ids, first_month: date, last_month: date) -> dict:
    """The sources named, for the units and months (read at once where that is safe:
    concurrent_reads.py)."""
    from .concurrent_reads import read_all

    return read_all(source_reads(names, ids, first_month, last_month))


def dossier_cells(totals: dict) -> dict:
    """The dossier source from aggregates.unit_month_totals() already read."""
    found: dict = defaultdict(Counter)
    for (unit_id, month, metric), total in totals.items():
        found[(unit_id, month)][metric] += total
    return found


def summed(data: dict, source: str, ids, months) -> Counter:
    """The counters of a source's (unit, month) cells of the ids and months, summed and kept
    in `data`: the figures of a dashboard that read the same units and months sum them
    once. The Counter returned is shared: read it only."""
    memo = data.setdefault("_sums", {})
    key = (source, frozenset(ids), tuple(months))
    if key not in memo:
        by_month = _by_month_of(data, source, key[1])
        total: Counter = Counter()
        for month in key[2]:
            cell = by_month.get(month)
            if cell:
                total.update(cell)
        memo[key] = total
    return memo[key]


def _by_month_of(data: dict, source: str, ids: frozenset) -> dict:
    """month → the source's counters of the units summed, kept in `data`: one pass over
    the cells per set of units, whatever months are then asked (a trend asks twelve)."""
    memo = data.setdefault("_by_month", {})
    if (source, ids) not in memo:
        found: dict = defaultdict(Counter)
        for key, cell in data[source].items():
            if isinstance(key, tuple) and len(key) == 2 and key[0] in ids:
                found[key[1]].update(cell)
        memo[(source, ids)] = found
    return memo[(source, ids)]


def summed_by_unit(data: dict, source: str, ids) -> Counter:
    """unit_sum() of a source, kept in `data` (read it only)."""
    memo = data.setdefault("_unit_sums", {})
    key = (source, frozenset(ids))
    if key not in memo:
        memo[key] = unit_sum(data[source], ids)
    return memo[key]


def unit_sum(data: dict, ids) -> Counter:
    total: Counter = Counter()
    for unit_id in ids:
        cell = data.get(unit_id)
        if cell:
            total.update(cell)
    return total


# --- measures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """numbers(sources, ids, months) → (numerator, denominator or None)."""

    sources: tuple[str, ...]
    numbers: Callable


def _ratio_of(source: str, numerator: str, denominator: str | None, *, monthly: bool = True) -> Measure:
    def numbers(data, ids, months, **_):
        counts = summed(data, source, ids, months) if monthly else summed_by_unit(data, source, ids)
        return counts[numerator], (None if denominator is None else counts[denominator])
    return Measure((source,), numbers)


def _active_members(data, ids, months, **_):
    return data["members"].count(ids, months), summed_by_unit(data, "teams", ids)["members"]


MEASURES: dict[str, Measure] = {
    "van-ban-di-ky-so": _ratio_of("outgoing", "signed", "issued"),
    "van-ban-den-xu-ly-tren-he-thong": _ratio_of("incoming", "handled", "registered"),
    "van-ban-den-dung-han": _ratio_of("incoming", "completed_on_time", "completed"),
    "hoat-dong-cong-dong": _ratio_of("activities", "people", None),
    "tai-khoan-duoc-ho-tro": _ratio_of("activities", "accounts", None),
    "to-cong-nghe-so-bao-phu": _ratio_of("teams", "covered", "groups", monthly=False),
    "phuong-xa-co-mo-hinh-ho-tro": _ratio_of("teams", "wards_with_team", "wards", monthly=False),
    "so-to-cong-nghe-so": _ratio_of("teams", "teams", None, monthly=False),
    "so-thanh-vien-to-cong-nghe-so": _ratio_of("teams", "members", None, monthly=False),
    "thanh-vien-hoat-dong": Measure(("members", "teams"), _active_members),
    "can-bo-dinh-danh-so": _ratio_of("officials", "certified", "officials", monthly=False),
}
