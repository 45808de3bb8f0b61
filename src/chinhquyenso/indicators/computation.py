"""Values of the indicators for a unit and a period.

Computed dossier indicators are sums of the aggregates (aggregates.py: counts per unit,
day or month, procedure and metric, kept current as dossiers change), never a scan of
the dossiers: numerator and denominator are each a few metrics (FORMULAS). Late
dossiers are exactly those of `dossiers.deadlines.finished_late_q()`: the same
definition as the pages. People reached by the community teams are summed from the
confirmed activities (a small table).

Which units count as "the unit": the unit, every unit below it (children,
grandchildren, …: a unit's historical children stay attached to it), and the units that
were merged into any of these (`UnitSuccession`, transitively), with everything below
them, so history rolls up into today's units. A predecessor split between several
successors is counted in each of them (no apportioning).

Reported indicators: a unit's own report (the latest non-superseded value for exactly
that unit and period) when it has one; otherwise the reports of the units below it (and
merged into it) add up — numerators over denominators — each of them taken the same way,
so that the city's broadband share is its wards' subscriptions over their households.
"""

from __future__ import annotations

import calendar as month_calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from chinhquyenso.org.models import AdministrativeUnit

from . import aggregates, service_index  # noqa: F401  (service_index registers its measures)
from .measures import MEASURES, load_sources
from .models import Indicator, IndicatorValue, Metric, PeriodType, Source

PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


@dataclass(frozen=True)
class Period:
    type: str
    start: date
    end: date  # inclusive
    label: str  # "2026", "2026-Q4", "2026-11"


def parse_period(text: str) -> Period:
    """"YYYY", "YYYY-MM" or "YYYY-Qn"; ValueError otherwise."""
    match = PERIOD_RE.match((text or "").strip())
    if not match or int(match.group(1)) < 1900:
        raise ValueError(f"malformed period: {text!r}")
    year, month, quarter = int(match.group(1)), match.group(2), match.group(3)
    if month:
        month = int(month)
        last = month_calendar.monthrange(year, month)[1]
        return Period(PeriodType.MONTH, date(year, month, 1), date(year, month, last), f"{year}-{month:02d}")
    if quarter:
        first = 3 * (int(quarter) - 1) + 1
        last = month_calendar.monthrange(year, first + 2)[1]
        return Period(PeriodType.QUARTER, date(year, first, 1), date(year, first + 2, last),
                      f"{year}-Q{quarter}")
    return Period(PeriodType.YEAR, date(year, 1, 1), date(year, 12, 31), str(year))


def period_of(period_type: str, start: date) -> Period:
    if period_type == PeriodType.MONTH:
        return parse_period(f"{start.year}-{start.month:02d}")
    if period_type == PeriodType.QUARTER:
        return parse_period(f"{start.year}-Q{(start.month - 1) // 3 + 1}")
    return parse_period(str(start.year))


@dataclass(frozen=True)
class Result:
    numerator: Decimal | int | None
    denominator: Decimal | int | None
    value: Decimal | None
    source: str = Source.COMPUTED


def ratio(numerator, denominator, factor: int) -> Decimal | None:
    if denominator is None:
        return Decimal(numerator).quantize(Decimal("0.01"))
    if not denominator:
        return None
    return (Decimal(numerator) * factor / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def unit_ids(unit: AdministrativeUnit) -> set[int]:
    """The unit, the units below it and the units merged into them (see the module doc).
    One small query per level of the hierarchy, none per record."""
    return unit_tree(unit)[0]


def unit_tree(unit: AdministrativeUnit) -> tuple[set[int], dict[int, set[int]]]:
    """unit_ids(unit), and for each of them the ids right below it: its children and the
    units merged into it."""
    seen, frontier = {unit.pk}, {unit.pk}
    below: dict[int, set[int]] = {}
    while frontier:
        found = set()
        for pk, parent_id, successor_id in (AdministrativeUnit.objects.filter(
                Q(parent_id__in=frontier) | Q(succession_out__successor_id__in=frontier))
                .values_list("pk", "parent_id", "succession_out__successor_id")):
            for upper in (parent_id, successor_id):
                if upper in frontier:
                    below.setdefault(upper, set()).add(pk)
            if pk not in seen:
                found.add(pk)
        seen |= found
        frontier = found
    return seen, below


def rolled_up_report(unit_id: int, below: dict[int, set[int]], own: dict[int, tuple]) -> tuple | None:
    """A reported indicator for a unit: the unit's own report (numerator, denominator),
    else the sum of what the units right below it have (each the same way, so a ward's
    own report is taken rather than its groups'), else None. Denominators add up only
    when every part has one (a share); a count has none."""
    if not own:
        return None

    def walk(current: int, path: frozenset) -> tuple | None:
        if current in own:
            return own[current]
        parts = [walk(child, path | {current}) for child in sorted(below.get(current, ())) if child not in path]
        parts = [part for part in parts if part is not None]
        if not parts:
            return None
        denominators = [d for _n, d in parts]
        return (sum((n for n, _d in parts), Decimal(0)),
                None if any(d is None for d in denominators) else sum(denominators, Decimal(0)))
    return walk(unit_id, frozenset())


@dataclass(frozen=True)
class Formula:
    """A dossier indicator as sums of aggregated metrics: numerator = Σ sign × metric,
    denominator = a metric; and the named sets of dossiers (aggregates.DOSSIER_SETS)
    behind each, for the links from a number to its dossiers."""

    numerator: tuple[tuple[int, int], ...]
    denominator: int | None  # None: a count, not a share
    numerator_set: str
    denominator_set: str | None

    def numbers(self, totals) -> tuple[int, int | None]:
        return (sum(sign * totals.get(metric, 0) for sign, metric in self.numerator),
                None if self.denominator is None else totals.get(self.denominator, 0))


FORMULAS: dict[str, Formula] = {
    "ho-so-truc-tuyen": Formula(((1, Metric.RECEIVED_ONLINE),), Metric.RECEIVED,
                                "received_online", "received"),
    "ho-so-dung-han": Formula(((1, Metric.FINISHED), (-1, Metric.FINISHED_LATE)), Metric.FINISHED,
                              "finished_on_time", "finished"),
    "ho-so-dung-du-lieu-dan-cu": Formula(((1, Metric.RECEIVED_POPULATION_DATA),), Metric.RECEIVED,
                                         "received_population_data", "received"),
    "ho-so-ket-qua-dien-tu": Formula(((1, Metric.FINISHED_ELECTRONIC),), Metric.FINISHED,
                                     "finished_electronic", "finished"),
    "hai-long": Formula(((1, Metric.RATED_SATISFIED),), Metric.RATED, "rated_satisfied", "rated"),
    "ho-so-toan-trinh": Formula(((1, Metric.RECEIVED_FULLY_ONLINE),), Metric.RECEIVED,
                                "received_fully_online", "received"),
    "ho-so-duoc-ho-tro": Formula(((1, Metric.RECEIVED_COMMUNITY),), None, "received_community", None),
    "ho-so-dang-nhap-vneid": Formula(((1, Metric.RECEIVED_EID),), Metric.RECEIVED_ONLINE,
                                     "received_eid", "received_online"),
}

def is_computable(indicator: Indicator) -> bool:
    return indicator.code in FORMULAS or indicator.code in MEASURES


def months_between(start: date, end: date) -> list[date]:
    """The months from start to end, which must be whole months (ValueError otherwise)."""
    from datetime import timedelta

    if start.day != 1 or (end + timedelta(days=1)).day != 1 or end < start:
        raise ValueError("measures other than dossier counts are computed for whole months")
    months, month = [], start
    while month <= end:
        months.append(month)
        month = aggregates.next_month(month)
    return months


def measure_numbers(code: str, unit: AdministrativeUnit, start: date, end: date):
    """Numerator and denominator of a measure (measures.py, service_index.py)."""
    measure = MEASURES[code]
    months = months_between(start, end)
    ids = unit_ids(unit)
    data = load_sources(measure.sources, ids, months[0], months[-1])
    return measure.numbers(data, ids, months, unit_id=unit.pk)


def compute(indicator: Indicator, *, unit: AdministrativeUnit, start: date, end: date) -> Result:
    """The value of the indicator for the unit between start and end (inclusive days)."""
    if indicator.source == Source.REPORTED:
        row = (IndicatorValue.objects.filter(indicator=indicator, unit=unit, period_start=start,
                                             period_end=end, superseded_by__isnull=True, breakdown="")
               .order_by("-reported_at", "-pk").first())
        if row is not None:
            return Result(row.numerator, row.denominator, row.value, Source.REPORTED)
        ids, below = unit_tree(unit)
        own = {}
        for unit_id, numerator, denominator in (
                IndicatorValue.objects.filter(indicator=indicator, unit_id__in=ids, period_start=start,
                                              period_end=end, superseded_by__isnull=True, breakdown="")
                .order_by("reported_at", "pk").values_list("unit_id", "numerator", "denominator")):
            own[unit_id] = (numerator, denominator)
        summed = rolled_up_report(unit.pk, below, own)
        if summed is None:
            return Result(None, None, None, Source.REPORTED)
        return Result(summed[0], summed[1], ratio(summed[0], summed[1], indicator.factor), Source.REPORTED)
    if indicator.code in MEASURES:
        numerator, denominator = measure_numbers(indicator.code, unit, start, end)
        return Result(numerator, denominator, ratio(numerator, denominator, indicator.factor))
    try:
        formula = FORMULAS[indicator.code]
    except KeyError:
        raise ValueError(f"no computation for indicator {indicator.code!r}") from None
    numerator, denominator = formula.numbers(aggregates.totals(unit_ids(unit), start, end))
    return Result(numerator, denominator, ratio(numerator, denominator, indicator.factor))


def target_for(indicator: Indicator, unit: AdministrativeUnit, year: int) -> Decimal | None:
    """The unit's own target for the year, else its nearest ancestor's, else the one for
    the unit's level, else the one for every unit."""
    rows = list(indicator.targets.filter(year=year))
    targets = {t.unit_id: t.value for t in rows if t.unit_id is not None or t.level is None}
    for candidate in [unit, *unit.ancestors()]:
        if candidate.pk in targets:
            return targets[candidate.pk]
    by_level = {t.level: t.value for t in rows if t.unit_id is None and t.level is not None}
    if unit.level in by_level:
        return by_level[unit.level]
    return targets.get(None)
