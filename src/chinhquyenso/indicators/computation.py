"""Values of the indicators for a unit and a period.

Computed indicators are one aggregate query each (Count/Sum with filter=…) over the
records of the unit and every unit below it. Late dossiers are exactly those of
`dossiers.deadlines.finished_late_q()`: the same definition as the pages.

Which units count as "the unit": the unit, every unit below it (children,
grandchildren, …: a unit's historical children stay attached to it), and the units that
were merged into any of these (`UnitSuccession`, transitively), with everything below
them, so history rolls up into today's units. A predecessor split between several
successors is counted in each of them (no apportioning).

Reported indicators are not rolled up: the value is the latest non-superseded one
reported for exactly that unit and period.
"""

from __future__ import annotations

import calendar as month_calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from chinhquyenso.org.models import AdministrativeUnit

from .models import Indicator, IndicatorValue, PeriodType, Source

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
    seen, frontier = {unit.pk}, {unit.pk}
    while frontier:
        found = set(AdministrativeUnit.objects.filter(
            Q(parent_id__in=frontier) | Q(succession_out__successor_id__in=frontier))
            .values_list("pk", flat=True)) - seen
        seen |= found
        frontier = found
    return seen


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


def _received(ids, start, end):
    from chinhquyenso.dossiers.models import Dossier

    since, until = _moments(start, end)
    return Dossier.objects.filter(agency__unit_id__in=ids, received_at__gte=since, received_at__lt=until)


def _finished(ids, start, end):
    from chinhquyenso.dossiers.models import FINISHED_STATES, Dossier

    since, until = _moments(start, end)
    return Dossier.objects.filter(agency__unit_id__in=ids, state__in=FINISHED_STATES,
                                  finished_at__gte=since, finished_at__lt=until)


def _online(ids, start, end):
    from chinhquyenso.dossiers.models import Channel

    row = _received(ids, start, end).aggregate(
        num=Count("pk", filter=Q(channel=Channel.ONLINE)), den=Count("pk"))
    return row["num"], row["den"]


def _on_time(ids, start, end):
    from chinhquyenso.dossiers.deadlines import finished_late_q

    row = _finished(ids, start, end).aggregate(late=Count("pk", filter=finished_late_q()), den=Count("pk"))
    return row["den"] - row["late"], row["den"]


def _population_data(ids, start, end):
    row = _received(ids, start, end).aggregate(
        num=Count("pk", filter=Q(uses_population_data=True)), den=Count("pk"))
    return row["num"], row["den"]


def _electronic_result(ids, start, end):
    row = _finished(ids, start, end).aggregate(
        num=Count("pk", filter=Q(result_electronic=True)), den=Count("pk"))
    return row["num"], row["den"]


def _satisfied(ids, start, end):
    from chinhquyenso.dossiers.models import Rating

    since, until = _moments(start, end)
    row = Rating.objects.filter(dossier__agency__unit_id__in=ids, created_at__gte=since,
                                created_at__lt=until).aggregate(
        num=Count("pk", filter=Q(satisfied=True)), den=Count("pk"))
    return row["num"], row["den"]


def _people_reached(ids, start, end):
    from chinhquyenso.community.models import Activity

    row = Activity.objects.filter(status=Activity.Status.CONFIRMED, team__group_id__in=ids,
                                  day__gte=start, day__lte=end).aggregate(num=Sum("people_reached"))
    return row["num"] or 0, None


COMPUTATIONS: dict[str, Callable] = {
    "ho-so-truc-tuyen": _online,
    "ho-so-dung-han": _on_time,
    "ho-so-dung-du-lieu-dan-cu": _population_data,
    "ho-so-ket-qua-dien-tu": _electronic_result,
    "hai-long": _satisfied,
    "hoat-dong-cong-dong": _people_reached,
}


def compute(indicator: Indicator, *, unit: AdministrativeUnit, start: date, end: date) -> Result:
    """The value of the indicator for the unit between start and end (inclusive days)."""
    if indicator.source == Source.REPORTED:
        row = (IndicatorValue.objects.filter(indicator=indicator, unit=unit, period_start=start,
                                             period_end=end, superseded_by__isnull=True)
               .order_by("-reported_at", "-pk").first())
        if row is None:
            return Result(None, None, None, Source.REPORTED)
        return Result(row.numerator, row.denominator, row.value, Source.REPORTED)
    try:
        function = COMPUTATIONS[indicator.code]
    except KeyError:
        raise ValueError(f"no computation for indicator {indicator.code!r}") from None
    numerator, denominator = function(unit_ids(unit), start, end)
    return Result(numerator, denominator, ratio(numerator, denominator, indicator.factor))


def target_for(indicator: Indicator, unit: AdministrativeUnit, year: int) -> Decimal | None:
    """The unit's own target for the year, else its nearest ancestor's, else the one for
    every unit."""
    targets = {t.unit_id: t.value for t in indicator.targets.filter(year=year)}
    for candidate in [unit, *unit.ancestors()]:
        if candidate.pk in targets:
            return targets[candidate.pk]
    return targets.get(None)
