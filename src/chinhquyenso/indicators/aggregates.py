"""Counts of dossiers kept current as dossiers change, so that indicators and dashboards
never scan the dossiers themselves.

What is counted (models.Metric): dossiers received (and of them: online, using
population data, for a full-online procedure and fully online, with digitised or reused
components, after an e-ID login, with a community team's help) on the day they were
received; dossiers finished (and of them: late, with an electronic result, with a fee,
paid online) on the day they were finished; ratings (and satisfied ones) on the day
they were given. Days are local days (settings.TIME_ZONE). "Late" is
`dossiers.deadlines.finished_late_q()`: finished after the due time.

Three tables, each a sum of the previous one:

    DailyTally        (unit, day, procedure, agency, metric) → total   any range of days
    MonthlyTally      (unit, month, procedure, metric)       → total   per-procedure drill-down
    MonthlyUnitTally  (unit, month, metric)                  → total   city and ward dashboards

`unit` is the unit of the receiving agency: the lowest unit the dossier belongs to.
Rolling up to a city, or from merged wards into their successor, is a sum over the
unit ids of `computation.unit_ids()` on these small tables, never on dossiers.

Keeping them current: a dossier's *contribution* is the set of (metric, day) cells it
counts in. Every service that changes a dossier takes `snapshot(dossier)` when it has
locked it, changes it, and at the end calls `on_dossier_change(dossier, before=...)`,
which adds the difference (new contribution minus old) to the three tables, in the same
transaction, with one upsert statement per table (none when nothing counted changed).
A rating counts once, when given: `on_rating(rating)`.

`rebuild_aggregates()` computes everything again from the dossiers and ratings (the
management command `rebuild_indicators`); rebuilt and incrementally kept tables are
equal, which the tests check.
"""

# SQL here is built from model table names and constants only; values are %s parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DailyTally, Metric, MonthlyTally, MonthlyUnitTally

COUNTER_PAYMENT = "counter"  # dossiers.payments.CounterPayment.key: paid at the counter, not online

# --- what a dossier contributes ---------------------------------------------------------------


@dataclass
class Contribution:
    """The cells one dossier (or one rating) counts in: (metric, day) → 1."""

    unit_id: int | None
    agency_id: int | None
    procedure_id: int | None
    cells: Counter = field(default_factory=Counter)


def _zone():
    return timezone.get_default_timezone()


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, _zone()).date()


def contribution(dossier) -> Contribution:
    """What the dossier counts for now (its rating apart: see rating_contribution)."""
    from chinhquyenso.dossiers.models import FINISHED_STATES, Channel
    from chinhquyenso.procedures.models import ServiceLevel

    cells: Counter = Counter()
    if dossier.received_at is not None:
        day = local_day(dossier.received_at)
        cells[(Metric.RECEIVED, day)] += 1
        if dossier.channel == Channel.ONLINE:
            cells[(Metric.RECEIVED_ONLINE, day)] += 1
        if dossier.uses_population_data:
            cells[(Metric.RECEIVED_POPULATION_DATA, day)] += 1
        if dossier.procedure.service_level == ServiceLevel.FULL_ONLINE:
            cells[(Metric.RECEIVED_FULL_ONLINE_ELIGIBLE, day)] += 1
            if dossier.channel == Channel.ONLINE:
                cells[(Metric.RECEIVED_FULLY_ONLINE, day)] += 1
        if dossier.components_digitised:
            cells[(Metric.RECEIVED_DIGITISED, day)] += 1
        if dossier.components_reused:
            cells[(Metric.RECEIVED_REUSED, day)] += 1
        if dossier.eid_level:
            cells[(Metric.RECEIVED_EID, day)] += 1
        if dossier.assisted_by_id is not None and dossier.channel == Channel.ONLINE:
            cells[(Metric.RECEIVED_COMMUNITY, day)] += 1
    if dossier.state in FINISHED_STATES and dossier.finished_at is not None:
        day = local_day(dossier.finished_at)
        cells[(Metric.FINISHED, day)] += 1
        if dossier.due_at is not None and dossier.finished_at > dossier.due_at:
            cells[(Metric.FINISHED_LATE, day)] += 1
        if dossier.result_electronic:
            cells[(Metric.FINISHED_ELECTRONIC, day)] += 1
        if dossier.fee_amount:
            cells[(Metric.FINISHED_WITH_FEE, day)] += 1
            if dossier.fee_paid_at is not None and dossier.payment_provider not in ("", COUNTER_PAYMENT):
                cells[(Metric.FINISHED_PAID_ONLINE, day)] += 1
    return Contribution(dossier.agency.unit_id, dossier.agency_id, dossier.procedure_id, cells)


def rating_contribution(rating) -> Contribution:
    dossier = rating.dossier
    day = local_day(rating.created_at)
    cells = Counter({(Metric.RATED, day): 1})
    if rating.satisfied:
        cells[(Metric.RATED_SATISFIED, day)] = 1
    return Contribution(dossier.agency.unit_id, dossier.agency_id, dossier.procedure_id, cells)


snapshot = contribution  # what a service takes before it changes the dossier


def on_dossier_change(dossier, *, before: Contribution | None,
                      after: Contribution | None = None) -> None:
    """Bring the aggregates up to date after `dossier` changed: add what it counts for
    now (`after`, by default computed from the dossier) and take away what it counted
    for before (`before`; None for a new dossier). Call it inside the change's
    transaction."""
    after = after if after is not None else contribution(dossier)
    changes: Counter = Counter()
    for part, sign in ((after, 1), (before, -1)):
        if part is None:
            continue
        for (metric, day), n in part.cells.items():
            changes[(part.unit_id, part.agency_id, part.procedure_id, int(metric), day)] += sign * n
    apply_changes(changes)


def on_rating(rating) -> None:
    """A rating was given: it counts from now on (ratings are never changed)."""
    on_dossier_change(rating.dossier, before=None, after=rating_contribution(rating))


def apply_changes(changes: Counter) -> None:
    """Add `changes` ((unit, agency, procedure, metric, day) → ±n) to the three tables.
    Rows are written in one fixed order (daily, monthly, per unit; each table's rows
    sorted), so concurrent changes never deadlock."""
    changes = {key: n for key, n in changes.items() if n}
    if not changes:
        return
    monthly: Counter = Counter()
    unit_monthly: Counter = Counter()
    for (unit, _agency, procedure, metric, day), n in changes.items():
        month = day.replace(day=1)
        monthly[(unit, month, procedure, metric)] += n
        unit_monthly[(unit, month, metric)] += n
    daily = sorted((unit, day, procedure, agency, metric, n)
                   for (unit, agency, procedure, metric, day), n in changes.items())
    parts = [(DailyTally, ("unit_id", "day", "procedure_id", "agency_id", "metric"), daily),
             (MonthlyTally, ("unit_id", "month", "procedure_id", "metric"),
              sorted((*key, n) for key, n in monthly.items() if n)),
             (MonthlyUnitTally, ("unit_id", "month", "metric"),
              sorted((*key, n) for key, n in unit_monthly.items() if n))]
    statements = [_upsert_sql(model, keys, len(rows)) for model, keys, rows in parts if rows]
    params = [[value for row in rows for value in row] for _model, _keys, rows in parts if rows]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip: the daily upsert, with the others as data-modifying WITH
            # clauses. PostgreSQL runs the main statement first, then the WITH clauses
            # from the last to the first (an order its documentation leaves open, so a
            # test checks it): daily, monthly, per unit, the order of the other databases
            # and of releases before this one, so concurrent changes lock rows in one order.
            main, *others = statements
            main_params, *others_params = params
            sql = "".join(f"{'WITH' if i == 0 else ','} t{i} AS ({part}) "
                          for i, part in enumerate(reversed(others)))
            values = [v for part in reversed(others_params) for v in part] + main_params
            cursor.execute(sql + main, values)
        else:
            for sql, values in zip(statements, params, strict=True):
                cursor.execute(sql, values)


def _upsert(model, key_columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(model, key_columns, len(rows)), [value for row in rows for value in row])


def _upsert_sql(model, key_columns: tuple[str, ...], n_rows: int) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join((*key_columns, "total"))
    placeholder = "(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"
    return (f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * n_rows)} "  # noqa: S608
            f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET total = {table}.total + excluded.total")


# --- rebuilding from scratch ----------------------------------------------------------------------

def _tables() -> list[str]:
    return [connection.ops.quote_name(m._meta.db_table) for m in (DailyTally, MonthlyTally, MonthlyUnitTally)]


def _local_date_sql(column: str) -> tuple[str, list]:
    """SQL for the local day of a stored moment."""
    zone = _zone()
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE %s)::date", [str(zone)]
    # SQLite keeps UTC text; Django's own function converts it, row by row in Python.
    # Where the zone's offset is fixed (Việt Nam: +07:00 since 1975), plain date
    # arithmetic gives the same day much faster; older moments still go through Django.
    offset = _fixed_offset(zone)
    slow = f"django_datetime_cast_date({column}, %s, 'UTC')"
    if offset is None:
        return slow, [str(zone)]
    return (f"(CASE WHEN {column} >= '2000-01-01' THEN date({column}, '{offset:+d} seconds') "
            f"ELSE {slow} END)", [str(zone)])


def _fixed_offset(zone) -> int | None:
    """The zone's UTC offset in seconds if it is the same from 2000 to 2100, else None."""
    if not isinstance(zone, ZoneInfo):
        return None
    offsets = {datetime(year, month, 1, 12, tzinfo=zone).utcoffset()
               for year in range(2000, 2101) for month in (1, 4, 7, 10)}
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _grouped_insert(select: str, params: list, metrics: Iterable[Metric]) -> None:
    """INSERT into DailyTally one row per group and metric from `select`, which yields
    unit_id, day, procedure_id, agency_id and one count per metric, in that order.

    The selects group by column position (GROUP BY 1, 2, 3, 4), not by repeating the
    day's expression: that expression has a parameter (the time zone), and with
    parameters bound by the server (DB_PREPARED_STATEMENTS) PostgreSQL cannot tell that
    the parameter in GROUP BY is the one in SELECT."""
    metrics = list(metrics)
    names = [f"c{i}" for i in range(len(metrics))]
    daily = connection.ops.quote_name(DailyTally._meta.db_table)
    parts = [f"SELECT unit_id, day, procedure_id, agency_id, {int(m)}, {name} FROM g WHERE {name} > 0"
             for m, name in zip(metrics, names, strict=True)]
    sql = (f"WITH g (unit_id, day, procedure_id, agency_id, {', '.join(names)}) AS MATERIALIZED ({select}) "
           f"INSERT INTO {daily} (unit_id, day, procedure_id, agency_id, metric, total) "
           + " UNION ALL ".join(parts))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild_aggregates(*, actor=None) -> dict[str, int]:
    """Compute every aggregate again from the dossiers and ratings, in one transaction
    with its audit entry. Changes made meanwhile wait for it (on PostgreSQL the tables
    are locked first), so none is lost or counted twice. Returns the number of rows of
    each table."""
    from chinhquyenso.core.services import record_audit
    from chinhquyenso.dossiers.models import FINISHED_STATES, Channel, Dossier, Rating
    from chinhquyenso.org.models import Agency
    from chinhquyenso.procedures.models import Procedure, ServiceLevel

    q = connection.ops.quote_name
    dossiers, agencies, ratings, procedures = (q(m._meta.db_table) for m in (Dossier, Agency, Rating, Procedure))
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {', '.join(_tables())} IN EXCLUSIVE MODE")
                cursor.execute(f"TRUNCATE {', '.join(_tables())}")
            else:
                for table in _tables():
                    cursor.execute(f"DELETE FROM {table}")
        day, params = _local_date_sql("d.received_at")
        online, full = str(Channel.ONLINE), str(ServiceLevel.FULL_ONLINE)
        _grouped_insert(
            f"SELECT a.unit_id, {day} AS day, d.procedure_id, d.agency_id, COUNT(*), "
            f"SUM(CASE WHEN d.channel = %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.uses_population_data THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN p.service_level = %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN p.service_level = %s AND d.channel = %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.components_digitised THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.components_reused THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.eid_level > 0 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.assisted_by_id IS NOT NULL AND d.channel = %s THEN 1 ELSE 0 END) "
            f"FROM {dossiers} d JOIN {agencies} a ON a.id = d.agency_id "
            f"JOIN {procedures} p ON p.id = d.procedure_id "
            "WHERE d.received_at IS NOT NULL GROUP BY 1, 2, 3, 4",
            params + [online, full, full, online, online],
            [Metric.RECEIVED, Metric.RECEIVED_ONLINE, Metric.RECEIVED_POPULATION_DATA,
             Metric.RECEIVED_FULL_ONLINE_ELIGIBLE, Metric.RECEIVED_FULLY_ONLINE, Metric.RECEIVED_DIGITISED,
             Metric.RECEIVED_REUSED, Metric.RECEIVED_EID, Metric.RECEIVED_COMMUNITY])
        day, params = _local_date_sql("d.finished_at")
        finished = sorted(str(s) for s in FINISHED_STATES)
        _grouped_insert(
            f"SELECT a.unit_id, {day} AS day, d.procedure_id, d.agency_id, COUNT(*), "
            f"SUM(CASE WHEN d.finished_at > d.due_at THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.result_electronic THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.fee_amount > 0 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN d.fee_amount > 0 AND d.fee_paid_at IS NOT NULL "
            f"AND d.payment_provider NOT IN ('', %s) THEN 1 ELSE 0 END) "
            f"FROM {dossiers} d JOIN {agencies} a ON a.id = d.agency_id "
            f"WHERE d.finished_at IS NOT NULL AND d.state IN ({', '.join(['%s'] * len(finished))}) "
            "GROUP BY 1, 2, 3, 4",
            params + [COUNTER_PAYMENT] + finished,
            [Metric.FINISHED, Metric.FINISHED_LATE, Metric.FINISHED_ELECTRONIC, Metric.FINISHED_WITH_FEE,
             Metric.FINISHED_PAID_ONLINE])
        day, params = _local_date_sql("r.created_at")
        _grouped_insert(
            f"SELECT a.unit_id, {day} AS day, d.procedure_id, d.agency_id, COUNT(*), "
            f"SUM(CASE WHEN r.satisfied THEN 1 ELSE 0 END) "
            f"FROM {ratings} r JOIN {dossiers} d ON d.id = r.dossier_id JOIN {agencies} a ON a.id = d.agency_id "
            "GROUP BY 1, 2, 3, 4",
            params, [Metric.RATED, Metric.RATED_SATISFIED])
        daily, monthly, unit_monthly = _tables()
        month = _month_sql("day")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {monthly} (unit_id, month, procedure_id, metric, total) "
                f"SELECT unit_id, {month}, procedure_id, metric, SUM(total) FROM {daily} "
                "GROUP BY 1, 2, 3, 4")
            cursor.execute(
                f"INSERT INTO {unit_monthly} (unit_id, month, metric, total) "
                f"SELECT unit_id, month, metric, SUM(total) FROM {monthly} GROUP BY unit_id, month, metric")
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {daily}, {monthly}, {unit_monthly}")
        from .record_tallies import rebuild as rebuild_record_tallies

        rows = {"daily": DailyTally.objects.count(), "monthly": MonthlyTally.objects.count(),
                "unit_monthly": MonthlyUnitTally.objects.count(), "records": rebuild_record_tallies()}
        record_audit(actor=actor, action="indicator.rebuild_aggregates", object_type="indicators.aggregates",
                     after=rows)
    return rows


# --- reading ---------------------------------------------------------------------------------------

def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def split_range(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months inside [start, end] (first and last month) and the day ranges
    left over at either edge."""
    first_full = start if start.day == 1 else next_month(start)
    after_end = end + timedelta(days=1)
    last_full_end = after_end if after_end.day == 1 else month_start(after_end)  # exclusive
    if first_full >= last_full_end:
        return None, [(start, end)]
    edges = []
    if start < first_full:
        edges.append((start, first_full - timedelta(days=1)))
    if last_full_end <= end:
        edges.append((last_full_end, end))
    last_month = month_start(last_full_end - timedelta(days=1))
    return (first_full, last_month), edges


def totals(unit_ids: Iterable[int], start: date, end: date) -> Counter:
    """metric → how many, summed over the units and the days from start to end
    (inclusive): whole months from the monthly table, the days at the edges from the
    daily one."""
    unit_ids = list(unit_ids)
    months, edges = split_range(start, end)
    result: Counter = Counter()
    if months is not None:
        rows = (MonthlyUnitTally.objects.filter(unit_id__in=unit_ids, month__gte=months[0],
                                                month__lte=months[1])
                .values("metric").annotate(n=Sum("total")).order_by())
        result.update({row["metric"]: row["n"] for row in rows})
    if edges:
        days = Q()
        for first, last in edges:
            days |= Q(day__gte=first, day__lte=last)
        rows = (DailyTally.objects.filter(days, unit_id__in=unit_ids)
                .values("metric").annotate(n=Sum("total")).order_by())
        result.update({row["metric"]: row["n"] for row in rows})
    return result


def unit_month_totals(unit_ids: Iterable[int], first_month: date, last_month: date) -> dict:
    """(unit id, month, metric) → total for the units and months (inclusive)."""
    rows = (MonthlyUnitTally.objects.filter(unit_id__in=list(unit_ids), month__gte=first_month,
                                            month__lte=last_month)
            .values_list("unit_id", "month", "metric", "total"))
    found: dict = defaultdict(int)
    for unit_id, month, metric, total in rows:
        found[(unit_id, month, metric)] += total
    return found


def procedure_totals(unit_ids: Iterable[int], first_month: date, last_month: date,
                     metrics: Iterable[int] | None = None) -> dict:
    """(procedure id, metric) → total for the units and months (inclusive), for every
    metric or the `metrics` given."""
    rows = MonthlyTally.objects.filter(unit_id__in=list(unit_ids), month__gte=first_month,
                                       month__lte=last_month)
    if metrics is not None:
        rows = rows.filter(metric__in=list(metrics))
    return {(row["procedure_id"], row["metric"]): row["n"]
            for row in rows.values("procedure_id", "metric").annotate(n=Sum("total")).order_by()}


def procedure_month_totals(unit_ids: Iterable[int], procedure_id: int, first_month: date,
                           last_month: date) -> dict:
    """(month, metric) → total of one procedure for the units and months."""
    rows = (MonthlyTally.objects.filter(unit_id__in=list(unit_ids), procedure_id=procedure_id,
                                        month__gte=first_month, month__lte=last_month)
            .values("month", "metric").annotate(n=Sum("total")).order_by())
    return {(row["month"], row["metric"]): row["n"] for row in rows}


# --- the dossiers behind a number -------------------------------------------------------------------

# The sets of dossiers a number counts, by name (used in links to the dossier list):
# (the moment that puts a dossier in a period, the condition).
def _sets() -> dict[str, tuple[str, Q]]:
    from chinhquyenso.dossiers.deadlines import finished_late_q
    from chinhquyenso.dossiers.models import FINISHED_STATES, Channel
    from chinhquyenso.procedures.models import ServiceLevel

    finished = Q(state__in=FINISHED_STATES)
    return {
        "received": ("received_at", Q()),
        "received_online": ("received_at", Q(channel=Channel.ONLINE)),
        "received_population_data": ("received_at", Q(uses_population_data=True)),
        "finished": ("finished_at", finished),
        "finished_late": ("finished_at", finished_late_q()),
        "finished_on_time": ("finished_at", finished & (Q(due_at__isnull=True)
                                                         | Q(finished_at__lte=F("due_at")))),
        "finished_electronic": ("finished_at", finished & Q(result_electronic=True)),
        "received_fully_online": ("received_at", Q(channel=Channel.ONLINE,
                                                   procedure__service_level=ServiceLevel.FULL_ONLINE)),
        "received_eid": ("received_at", Q(eid_level__gt=0)),
        "received_community": ("received_at", Q(channel=Channel.ONLINE, assisted_by__isnull=False)),
        "rated": ("rating__created_at", Q(rating__isnull=False)),
        "rated_satisfied": ("rating__created_at", Q(rating__satisfied=True)),
    }


DOSSIER_SETS = ("received", "received_online", "received_population_data", "received_fully_online",
                "received_eid", "received_community", "finished", "finished_late", "finished_on_time",
                "finished_electronic", "rated", "rated_satisfied")

SET_LABELS = {
    "received": _("dossiers received"),
    "received_online": _("dossiers received online"),
    "received_population_data": _("dossiers received using population data"),
    "received_fully_online": _("dossiers received fully online"),
    "received_eid": _("dossiers received after an e-ID login"),
    "received_community": _("dossiers submitted with a community team's help"),
    "finished": _("dossiers finished"),
    "finished_late": _("dossiers finished late"),
    "finished_on_time": _("dossiers finished early or on time"),
    "finished_electronic": _("dossiers finished with an electronic result"),
    "rated": _("dossiers rated"),
    "rated_satisfied": _("dossiers rated satisfied"),
}


def set_label(name: str) -> str:
    return str(SET_LABELS[name])


def dossiers_behind(dossiers: QuerySet, *, dossier_set: str, unit_ids: Iterable[int], start: date,
                    end: date) -> QuerySet:
    """The dossiers (of `dossiers`) a number counts: `dossier_set` (one of DOSSIER_SETS)
    of the units' agencies between start and end (inclusive local days)."""
    moment, condition = _sets()[dossier_set]
    zone = _zone()
    since = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return dossiers.filter(condition, agency__unit_id__in=list(unit_ids),
                           **{f"{moment}__gte": since, f"{moment}__lt": until})
