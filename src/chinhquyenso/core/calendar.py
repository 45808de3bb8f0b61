"""Working-time calendar for administrative deadlines.

Vietnamese public administration counts deadlines in working days and hours:
office hours on working days, minus public holidays and announced days off,
plus announced make-up working days. This module is pure Python; the
configured days off and make-up days are supplied by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays

__all__ = ["DEFAULT_OFFICE_HOURS", "VIETNAM_TZ", "WorkingCalendar"]

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_MORNING = (time(7, 30), time(11, 30))
_AFTERNOON = (time(13, 0), time(17, 0))

DEFAULT_OFFICE_HOURS: dict[int, list[tuple[time, time]]] = {
    weekday: [_MORNING, _AFTERNOON] for weekday in range(5)
}
"""Monday to Friday 07:30-11:30 and 13:00-17:00; Saturday and Sunday closed."""

_COUNTRY = "VN"
_WEEKEND = (5, 6)
_MAX_GAP_DAYS = 3660
"""Searching further than this for a working day means the calendar is broken."""
_DAWN = datetime.min.replace(tzinfo=UTC)

# A day's office periods as UTC instants.
_Periods = tuple[tuple[datetime, datetime], ...]


def _validate_office_hours(
    office_hours: Mapping[int, Iterable[tuple[time, time]]],
) -> dict[int, tuple[tuple[time, time], ...]]:
    result: dict[int, tuple[tuple[time, time], ...]] = {}
    for weekday, periods in office_hours.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"office hours: weekday must be 0 (Monday) to 6, got {weekday!r}")
        checked: list[tuple[time, time]] = []
        for period in periods:
            start, end = period
            if not isinstance(start, time) or not isinstance(end, time):
                raise ValueError(f"office hours: weekday {weekday}: {period!r} is not two times")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError(f"office hours: weekday {weekday}: times must be naive")
            if start >= end:
                raise ValueError(
                    f"office hours: weekday {weekday}: period {start:%H:%M}-{end:%H:%M} "
                    "must start before it ends"
                )
            if checked and start < checked[-1][1]:
                previous = checked[-1]
                raise ValueError(
                    f"office hours: weekday {weekday}: period {start:%H:%M}-{end:%H:%M} "
                    f"must start after {previous[0]:%H:%M}-{previous[1]:%H:%M} ends "
                    "(periods must be ordered and must not overlap)"
                )
            checked.append((start, end))
        result[weekday] = tuple(checked)
    for weekday in range(7):
        result.setdefault(weekday, ())
    if not any(result.values()):
        raise ValueError("office hours: at least one weekday must have office hours")
    return result


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")


def _hours_to_timedelta(hours: float | Decimal | int) -> timedelta:
    if isinstance(hours, Decimal):
        if not hours.is_finite():
            raise ValueError(f"hours must be finite, got {hours}")
        return timedelta(microseconds=int((hours * 3_600_000_000).to_integral_value()))
    if not math.isfinite(hours):
        raise ValueError(f"hours must be finite, got {hours}")
    return timedelta(hours=hours)


class WorkingCalendar:
    """Office hours, days off and make-up working days of one agency.

    Precedence for a date: a configured day off is closed; a configured working
    day is open; then the country's make-up working days are open, its public
    holidays (including swapped days off) closed; otherwise the weekday's office
    hours apply. A make-up day on Saturday or Sunday (or on a weekday without
    office hours) works Monday's hours.
    """

    def __init__(
        self,
        office_hours: Mapping[int, Iterable[tuple[time, time]]] | None = None,
        *,
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
        tz: ZoneInfo = VIETNAM_TZ,
        country_holidays: bool = True,
    ) -> None:
        self._office_hours = _validate_office_hours(
            DEFAULT_OFFICE_HOURS if office_hours is None else office_hours
        )
        self.tz = tz
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)
        self.country_holidays = country_holidays
        # Hours of a make-up day falling on a closed weekday: Monday's, else the first open day.
        self._makeup_hours = next(
            self._office_hours[weekday] for weekday in range(7) if self._office_hours[weekday]
        )
        self._country_years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        self._periods_cache: dict[date, tuple[_Periods, timedelta]] = {}

    @property
    def office_hours(self) -> dict[int, list[tuple[time, time]]]:
        """The validated office hours, weekday 0 (Monday) to 6."""
        return {weekday: list(periods) for weekday, periods in self._office_hours.items()}

    # Days

    def _country_year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """The country's (days off, make-up working days) falling in ``year``, cached."""
        cached = self._country_years.get(year)
        if cached is None:
            # Swaps may cross the new year (Saturday 27/12/2014 worked for Friday 2/1/2015).
            country = holidays.country_holidays(_COUNTRY, years=(year - 1, year, year + 1))
            off = frozenset(day for day in country if day.year == year)
            makeup = frozenset(day for day in country.weekend_workdays if day.year == year)
            cached = self._country_years[year] = (off, makeup)
        return cached

    def _local_hours(self, day: date) -> tuple[tuple[time, time], ...]:
        if day in self.days_off:
            return ()
        weekday = day.weekday()
        own = self._office_hours[weekday]
        makeup_hours = own if own and weekday not in _WEEKEND else self._makeup_hours
        if day in self.working_days:
            return makeup_hours
        if self.country_holidays:
            country_off, country_makeup = self._country_year(day.year)
            if day in country_makeup:
                return makeup_hours
            if day in country_off:
                return ()
        return own

    def _day(self, day: date) -> tuple[_Periods, timedelta]:
        """The day's periods as UTC instants and their total duration, cached."""
        cached = self._periods_cache.get(day)
        if cached is None:
            periods = tuple(
                (
                    datetime.combine(day, start, tzinfo=self.tz).astimezone(UTC),
                    datetime.combine(day, end, tzinfo=self.tz).astimezone(UTC),
                )
                for start, end in self._local_hours(day)
            )
            total = sum((end - start for start, end in periods), timedelta())
            cached = self._periods_cache[day] = (periods, total)
        return cached

    def is_working_day(self, d: date) -> bool:
        """Whether the office is open at all on ``d``."""
        return bool(self._day(d)[0])

    def periods_on(self, d: date) -> list[tuple[datetime, datetime]]:
        """The office periods of ``d`` as aware datetimes in the calendar's time zone."""
        tz = self.tz
        return [(start.astimezone(tz), end.astimezone(tz)) for start, end in self._day(d)[0]]

    def _next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        for _ in range(_MAX_GAP_DAYS):
            day += timedelta(days=1)
            if self._day(day)[0]:
                return day
        raise ValueError(f"no working day within {_MAX_GAP_DAYS} days after {day}")

    # Moments

    def _to_utc(self, moment: datetime, name: str) -> tuple[datetime, date]:
        _require_aware(moment, name)
        return moment.astimezone(UTC), moment.astimezone(self.tz).date()

    def _next_working_utc(self, moment: datetime, day: date) -> tuple[datetime, date]:
        for _ in range(_MAX_GAP_DAYS):
            for start, end in self._day(day)[0]:
                if moment < end:
                    return max(moment, start), day
            day += timedelta(days=1)
        raise ValueError(f"no working day within {_MAX_GAP_DAYS} days after {day}")

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is within office hours, else the start of the next period."""
        utc, day = self._to_utc(moment, "moment")
        return self._next_working_utc(utc, day)[0].astimezone(self.tz)

    def add_working_time(self, start: datetime, delta: timedelta) -> datetime:
        """The moment when ``delta`` of working time counted from ``start`` is used up.

        A budget ending exactly at the end of a period ends there (17:00, not the
        next morning). A zero budget returns ``start``.
        """
        current, day = self._to_utc(start, "start")
        if delta < timedelta():
            raise ValueError(f"delta must not be negative, got {delta}")
        if not delta:
            return start.astimezone(self.tz)
        remaining = delta
        closed_days = 0
        while closed_days < _MAX_GAP_DAYS:
            periods, total = self._day(day)
            closed_days = 0 if periods else closed_days + 1
            if periods and current <= periods[0][0] and remaining > total:
                remaining -= total  # The whole day is consumed.
            else:
                for period_start, period_end in periods:
                    if current >= period_end:
                        continue
                    begin = max(current, period_start)
                    available = period_end - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(self.tz)
                    remaining -= available
            day += timedelta(days=1)
            current = _DAWN
        raise ValueError(f"no working day within {_MAX_GAP_DAYS} days after {day}")

    def add_working_hours(self, start: datetime, hours: float | Decimal | int) -> datetime:
        """``add_working_time`` with a number of hours."""
        return self.add_working_time(start, _hours_to_timedelta(hours))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same office time ``days`` working days after ``start``.

        ``start`` is first moved to the next working moment (a receipt on Friday
        at 18:00 counts from Monday 07:30). The result has the same working time
        since the first period start of its day, capped at the end of a shorter
        day. Mon 14:00 + 1 day = Tue 14:00; Fri 18:00 + 1 day = Tue 07:30.
        """
        utc, day = self._to_utc(start, "start")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        if days == 0:
            return start.astimezone(self.tz)
        current, day = self._next_working_utc(utc, day)
        offset = timedelta()
        for period_start, period_end in self._day(day)[0]:
            if current < period_end:
                offset += current - period_start
                break
            offset += period_end - period_start
        for _ in range(days):
            day = self._next_working_day(day)
        periods, total = self._day(day)
        if offset >= total:
            return periods[-1][1].astimezone(self.tz)
        for period_start, period_end in periods:
            length = period_end - period_start
            if offset < length:
                return (period_start + offset).astimezone(self.tz)
            offset -= length
        raise AssertionError("unreachable: offset is below the day's total")

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; negative if ``b`` is before ``a``."""
        a_utc, a_day = self._to_utc(a, "a")
        b_utc, b_day = self._to_utc(b, "b")
        if b_utc < a_utc:
            return -self.working_time_between(b, a)
        result = timedelta()
        day = a_day
        while day <= b_day:
            periods, total = self._day(day)
            if day not in (a_day, b_day):
                result += total
            else:
                for period_start, period_end in periods:
                    begin = max(period_start, a_utc)
                    end = min(period_end, b_utc)
                    if begin < end:
                        result += end - begin
            day += timedelta(days=1)
        return result
