"""Tests of the working-time calendar used for administrative deadlines."""

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chinhquyenso.core.calendar import DEFAULT_OFFICE_HOURS, VIETNAM_TZ, WorkingCalendar

CAL = WorkingCalendar()
H = timedelta(hours=1)


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM_TZ)


# Default office hours


def test_default_office_hours_are_monday_to_friday_two_periods():
    assert CAL.periods_on(date(2025, 3, 3)) == [
        (vn(2025, 3, 3, 7, 30), vn(2025, 3, 3, 11, 30)),
        (vn(2025, 3, 3, 13), vn(2025, 3, 3, 17)),
    ]
    assert CAL.is_working_day(date(2025, 3, 7))  # Friday
    assert not CAL.is_working_day(date(2025, 3, 8))  # Saturday
    assert not CAL.is_working_day(date(2025, 3, 9))  # Sunday
    assert CAL.periods_on(date(2025, 3, 9)) == []
    assert CAL.working_time_between(vn(2025, 3, 3), vn(2025, 3, 4)) == 8 * H


# Lunar New Year


def test_lunar_new_year_2025_is_off():
    for day in range(27, 32):
        assert not CAL.is_working_day(date(2025, 1, day)), day
    assert not CAL.is_working_day(date(2025, 2, 1))
    assert CAL.is_working_day(date(2025, 1, 24))
    assert CAL.is_working_day(date(2025, 2, 3))


def test_deadlines_jump_over_lunar_new_year_2025():
    friday = vn(2025, 1, 24, 14)
    assert CAL.add_working_days(friday, 1) == vn(2025, 2, 3, 14)
    assert CAL.add_working_hours(vn(2025, 1, 24, 9), 8) == vn(2025, 2, 3, 9)
    assert CAL.working_time_between(vn(2025, 1, 24, 17), vn(2025, 2, 3, 7, 30)) == timedelta()
    assert CAL.working_time_between(vn(2025, 1, 24, 16), vn(2025, 2, 3, 8)) == 1.5 * H


def test_lunar_new_year_2026_is_off():
    for day in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, day)), day
    assert CAL.add_working_days(vn(2026, 2, 13, 10), 1) == vn(2026, 2, 23, 10)
    assert CAL.add_working_days(vn(2026, 2, 12, 15), 2) == vn(2026, 2, 23, 15)
    assert CAL.add_working_hours(vn(2026, 2, 13, 16), 4) == vn(2026, 2, 23, 10, 30)


# 30/4 - 1/5 2025 with the swapped day


def test_reunification_and_labour_day_2025_with_swap():
    for day in (date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)):
        assert not CAL.is_working_day(day), day
    # Saturday 26/4/2025 is worked in exchange for Friday 2/5, with weekday hours.
    assert [(p.time(), q.time()) for p, q in CAL.periods_on(date(2025, 4, 26))] == (
        DEFAULT_OFFICE_HOURS[0]
    )
    assert CAL.periods_on(date(2025, 4, 26))[0][0] == vn(2025, 4, 26, 7, 30)
    assert not CAL.is_working_day(date(2025, 4, 27))


def test_deadlines_around_reunification_day_2025():
    assert CAL.add_working_days(vn(2025, 4, 25, 14), 1) == vn(2025, 4, 26, 14)
    assert CAL.add_working_days(vn(2025, 4, 25, 18), 1) == vn(2025, 4, 28, 7, 30)
    assert CAL.add_working_days(vn(2025, 4, 29, 9), 1) == vn(2025, 5, 5, 9)
    assert CAL.add_working_hours(vn(2025, 4, 29, 16), 2) == vn(2025, 5, 5, 8, 30)
    assert CAL.next_working_moment(vn(2025, 4, 26, 6)) == vn(2025, 4, 26, 7, 30)
    # Fri 25/4, Sat 26/4, Mon 28/4, Tue 29/4, Mon 5/5.
    assert CAL.working_time_between(vn(2025, 4, 25), vn(2025, 5, 6)) == 5 * 8 * H


def test_same_swap_configured_by_hand_without_country_holidays():
    bare = WorkingCalendar(country_holidays=False)
    assert not bare.is_working_day(date(2025, 4, 26))
    assert bare.is_working_day(date(2025, 4, 30))
    configured = WorkingCalendar(
        country_holidays=False,
        days_off={date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)},
        working_days={date(2025, 4, 26)},
    )
    for moment in (vn(2025, 4, 25, 14), vn(2025, 4, 25, 18), vn(2025, 4, 29, 9)):
        assert configured.add_working_days(moment, 1) == CAL.add_working_days(moment, 1)
    assert configured.periods_on(date(2025, 4, 26)) == CAL.periods_on(date(2025, 4, 26))


def test_country_make_up_days_across_new_year():
    # Saturday 27/12/2014 was worked for Friday 2/1/2015; Saturday 5/1/2019 for 31/12/2018.
    assert CAL.is_working_day(date(2014, 12, 27))
    assert not CAL.is_working_day(date(2015, 1, 2))
    assert CAL.is_working_day(date(2019, 1, 5))
    assert not CAL.is_working_day(date(2018, 12, 31))


# Configured days


def test_configured_make_up_saturday_and_extra_day_off():
    cal = WorkingCalendar(days_off={date(2025, 6, 13)}, working_days={date(2025, 6, 14)})
    assert not cal.is_working_day(date(2025, 6, 13))
    assert cal.is_working_day(date(2025, 6, 14))
    assert cal.periods_on(date(2025, 6, 14))[-1][1] == vn(2025, 6, 14, 17)
    assert cal.add_working_days(vn(2025, 6, 12, 10), 1) == vn(2025, 6, 14, 10)
    assert cal.add_working_days(vn(2025, 6, 12, 10), 2) == vn(2025, 6, 16, 10)
    assert cal.add_working_hours(vn(2025, 6, 12, 16), 2) == vn(2025, 6, 14, 8, 30)
    assert cal.working_time_between(vn(2025, 6, 12, 17), vn(2025, 6, 16, 7, 30)) == 8 * H


def test_configured_day_off_beats_everything_and_working_day_beats_holiday():
    cal = WorkingCalendar(
        days_off={date(2025, 4, 26), date(2025, 3, 5)},
        working_days={date(2025, 5, 2), date(2025, 3, 5)},
    )
    assert not cal.is_working_day(date(2025, 4, 26))  # country make-up day
    assert not cal.is_working_day(date(2025, 3, 5))  # also listed as working
    assert cal.is_working_day(date(2025, 5, 2))  # country swapped day off
    assert cal.periods_on(date(2025, 5, 2)) == [
        (vn(2025, 5, 2, 7, 30), vn(2025, 5, 2, 11, 30)),
        (vn(2025, 5, 2, 13), vn(2025, 5, 2, 17)),
    ]


# Moments outside office hours


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (vn(2025, 3, 4, 6), vn(2025, 3, 4, 7, 30)),  # before opening
        (vn(2025, 3, 4, 7, 30), vn(2025, 3, 4, 7, 30)),  # opening
        (vn(2025, 3, 4, 9, 15), vn(2025, 3, 4, 9, 15)),  # inside
        (vn(2025, 3, 4, 11, 30), vn(2025, 3, 4, 13)),  # lunch starts
        (vn(2025, 3, 4, 12, 15), vn(2025, 3, 4, 13)),  # lunch break
        (vn(2025, 3, 4, 16, 59), vn(2025, 3, 4, 16, 59)),
        (vn(2025, 3, 4, 17), vn(2025, 3, 5, 7, 30)),  # closing
        (vn(2025, 3, 4, 22), vn(2025, 3, 5, 7, 30)),  # night
        (vn(2025, 3, 7, 18), vn(2025, 3, 10, 7, 30)),  # Friday evening
        (vn(2025, 3, 8, 10), vn(2025, 3, 10, 7, 30)),  # Saturday
        (vn(2025, 3, 9, 23, 59), vn(2025, 3, 10, 7, 30)),  # Sunday night
    ],
)
def test_next_working_moment(moment, expected):
    assert CAL.next_working_moment(moment) == expected


def test_working_hours_started_outside_office_hours():
    assert CAL.add_working_hours(vn(2025, 3, 4, 6), 1) == vn(2025, 3, 4, 8, 30)
    assert CAL.add_working_hours(vn(2025, 3, 4, 12), 1) == vn(2025, 3, 4, 14)
    assert CAL.add_working_hours(vn(2025, 3, 4, 19), 1) == vn(2025, 3, 5, 8, 30)
    assert CAL.add_working_hours(vn(2025, 3, 8, 9), 1) == vn(2025, 3, 10, 8, 30)
    assert CAL.working_time_between(vn(2025, 3, 4, 11), vn(2025, 3, 4, 13, 30)) == H


# Working hours


def test_working_hours_cross_lunch_and_night():
    assert CAL.add_working_hours(vn(2025, 3, 4, 10, 30), 2) == vn(2025, 3, 4, 14)
    assert CAL.add_working_hours(vn(2025, 3, 4, 16), 2) == vn(2025, 3, 5, 8, 30)
    assert CAL.add_working_hours(vn(2025, 3, 7, 16), 2) == vn(2025, 3, 10, 8, 30)
    assert CAL.add_working_hours(vn(2025, 3, 4, 9), 16) == vn(2025, 3, 6, 9)


def test_four_working_hour_same_day_deadline():
    assert CAL.add_working_hours(vn(2025, 3, 4, 8), 4) == vn(2025, 3, 4, 13, 30)
    assert CAL.add_working_hours(vn(2025, 3, 4, 7, 30), 4) == vn(2025, 3, 4, 11, 30)


def test_budget_ending_at_period_end_returns_that_end():
    assert CAL.add_working_hours(vn(2025, 3, 4, 13), 4) == vn(2025, 3, 4, 17)
    assert CAL.add_working_hours(vn(2025, 3, 4, 7, 30), 8) == vn(2025, 3, 4, 17)
    assert CAL.add_working_hours(vn(2025, 3, 4, 9), 6.5) == vn(2025, 3, 4, 17)
    assert CAL.add_working_hours(vn(2025, 3, 4, 9), 2.5) == vn(2025, 3, 4, 11, 30)
    assert CAL.add_working_hours(vn(2025, 3, 4, 17), 8) == vn(2025, 3, 5, 17)
    assert CAL.add_working_hours(vn(2025, 1, 24, 13), 4) == vn(2025, 1, 24, 17)


def test_zero_budget_returns_start_unchanged():
    saturday = vn(2025, 3, 8, 10)
    assert CAL.add_working_hours(saturday, 0) == saturday
    assert CAL.add_working_time(saturday, timedelta()) == saturday
    assert CAL.add_working_days(saturday, 0) == saturday


def test_fractional_and_decimal_hours():
    assert CAL.add_working_hours(vn(2025, 3, 4, 7, 30), Decimal("1.5")) == vn(2025, 3, 4, 9)
    assert CAL.add_working_hours(vn(2025, 3, 4, 11), 0.75) == vn(2025, 3, 4, 13, 15)
    assert CAL.add_working_time(vn(2025, 3, 4, 11), timedelta(minutes=45)) == vn(2025, 3, 4, 13, 15)


# Working days


def test_add_working_days_keeps_office_time():
    assert CAL.add_working_days(vn(2025, 3, 3, 14), 1) == vn(2025, 3, 4, 14)
    assert CAL.add_working_days(vn(2025, 3, 7, 18), 1) == vn(2025, 3, 11, 7, 30)
    assert CAL.add_working_days(vn(2025, 3, 7, 9), 1) == vn(2025, 3, 10, 9)
    assert CAL.add_working_days(vn(2025, 3, 3, 12), 1) == vn(2025, 3, 4, 13)
    assert CAL.add_working_days(vn(2025, 3, 3, 17), 1) == vn(2025, 3, 5, 7, 30)
    assert CAL.add_working_days(vn(2025, 3, 3, 14), 5) == vn(2025, 3, 10, 14)


def test_add_working_days_caps_at_the_end_of_a_shorter_day():
    hours = dict(DEFAULT_OFFICE_HOURS)
    hours[4] = [(time(7, 30), time(11, 30))]  # Friday morning only
    cal = WorkingCalendar(hours)
    assert cal.add_working_days(vn(2025, 3, 6, 15), 1) == vn(2025, 3, 7, 11, 30)
    assert cal.add_working_days(vn(2025, 3, 6, 9), 1) == vn(2025, 3, 7, 9)
    assert cal.add_working_days(vn(2025, 3, 7, 10), 1) == vn(2025, 3, 10, 10)


def test_sixty_working_days_over_a_year_boundary():
    # 15/12/2025 + 60 working days: 1/1 and Tết 16-20/2/2026 are skipped.
    assert CAL.add_working_days(vn(2025, 12, 15, 14), 60) == vn(2026, 3, 17, 14)


# Working time between


def test_working_time_between():
    assert CAL.working_time_between(vn(2025, 3, 3, 10), vn(2025, 3, 4, 10)) == 8 * H
    assert CAL.working_time_between(vn(2025, 3, 4, 10), vn(2025, 3, 3, 10)) == -8 * H
    assert CAL.working_time_between(vn(2025, 3, 3, 10), vn(2025, 3, 3, 10)) == timedelta()
    assert CAL.working_time_between(vn(2025, 3, 7, 16), vn(2025, 3, 10, 8)) == 1.5 * H
    # 2025 has 250 working days: 261 weekdays - 12 weekday holidays + Saturday 26/4.
    assert CAL.working_time_between(vn(2025, 1, 1), vn(2026, 1, 1)) == 250 * 8 * H


def test_inputs_in_another_zone_give_results_in_calendar_zone():
    moment = datetime(2025, 3, 4, 1, 0, tzinfo=UTC)  # 08:00 in Hanoi
    result = CAL.next_working_moment(moment)
    assert result == vn(2025, 3, 4, 8) and result.tzinfo == VIETNAM_TZ
    assert CAL.add_working_hours(moment, 1).tzinfo == VIETNAM_TZ
    assert CAL.add_working_hours(moment, 1) == vn(2025, 3, 4, 9)
    assert CAL.add_working_hours(moment, 0).tzinfo == VIETNAM_TZ


# Custom office hours


def test_agency_open_saturday_morning():
    hours = dict(DEFAULT_OFFICE_HOURS)
    hours[5] = [(time(7, 30), time(11, 30))]
    cal = WorkingCalendar(hours)
    assert cal.periods_on(date(2025, 3, 8)) == [(vn(2025, 3, 8, 7, 30), vn(2025, 3, 8, 11, 30))]
    assert cal.add_working_hours(vn(2025, 3, 7, 16), 2) == vn(2025, 3, 8, 8, 30)
    assert cal.add_working_hours(vn(2025, 3, 8, 10), 2) == vn(2025, 3, 10, 8)
    assert cal.add_working_days(vn(2025, 3, 7, 9), 1) == vn(2025, 3, 8, 9)
    assert cal.working_time_between(vn(2025, 3, 3), vn(2025, 3, 10)) == 44 * H
    assert not cal.is_working_day(date(2025, 2, 1))  # Tết falls on that Saturday
    # A make-up Saturday is a full weekday, not just the usual morning.
    assert cal.periods_on(date(2025, 4, 26))[-1][1] == vn(2025, 4, 26, 17)


def test_office_hours_are_returned_validated():
    cal = WorkingCalendar({0: [(time(8), time(12))]}, country_holidays=False)
    assert cal.office_hours[0] == [(time(8), time(12))]
    assert cal.office_hours[6] == []
    assert cal.add_working_hours(vn(2025, 3, 3, 11), 2) == vn(2025, 3, 10, 9)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({0: [(time(12), time(8))]}, "must start before it ends"),
        ({0: [(time(8), time(8))]}, "must start before it ends"),
        ({0: [(time(8), time(12)), (time(11), time(15))]}, "must not overlap"),
        ({0: [(time(13), time(17)), (time(7, 30), time(11, 30))]}, "ordered"),
        ({7: [(time(8), time(12))]}, "weekday"),
        ({0: [], 1: []}, "at least one weekday"),
        ({0: [(time(8, tzinfo=UTC), time(12, tzinfo=UTC))]}, "naive"),
        ({0: [("08:00", "12:00")]}, "two times"),
    ],
)
def test_invalid_office_hours(hours, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(hours)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: CAL.next_working_moment(naive),
        lambda naive: CAL.add_working_hours(naive, 1),
        lambda naive: CAL.add_working_time(naive, H),
        lambda naive: CAL.add_working_days(naive, 1),
        lambda naive: CAL.working_time_between(naive, vn(2025, 3, 4)),
        lambda naive: CAL.working_time_between(vn(2025, 3, 4), naive),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2025, 3, 4, 9))


def test_negative_or_infinite_budgets_are_rejected():
    with pytest.raises(ValueError):
        CAL.add_working_hours(vn(2025, 3, 4, 9), -1)
    with pytest.raises(ValueError):
        CAL.add_working_hours(vn(2025, 3, 4, 9), float("inf"))
    with pytest.raises(ValueError):
        CAL.add_working_hours(vn(2025, 3, 4, 9), Decimal("NaN"))
    with pytest.raises(ValueError):
        CAL.add_working_days(vn(2025, 3, 4, 9), -1)


def test_fast_enough_for_bulk_deadlines():
    start, end = vn(2025, 3, 3, 9), vn(2026, 3, 3, 9)
    CAL.add_working_days(start, 60)
    CAL.working_time_between(start, end)
    began = clock.perf_counter()
    for _ in range(200):
        CAL.add_working_days(start, 60)
        CAL.add_working_hours(start, 480)
        CAL.working_time_between(start, end)
    assert (clock.perf_counter() - began) / 200 < 0.005


# Properties

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(VIETNAM_TZ)
)
budgets = st.timedeltas(min_value=timedelta(), max_value=timedelta(hours=1000))
# Whole minutes are what deadlines are made of, and keep the examples readable.
durations = st.integers(min_value=0, max_value=60 * 1000).map(lambda m: timedelta(minutes=m))


# An irregular agency: Saturday mornings, short Wednesdays, its own days off and make-up days.
IRREGULAR = WorkingCalendar(
    {
        **DEFAULT_OFFICE_HOURS,
        2: [(time(8), time(10)), (time(10, 15), time(12))],
        5: [(time(7, 30), time(11, 30))],
    },
    days_off={date(2025, 3, 10), date(2026, 6, 1)},
    working_days={date(2025, 3, 16), date(2026, 2, 17)},
)
calendars = st.sampled_from([CAL, IRREGULAR])


@settings(max_examples=300)
@given(calendars, moments, st.one_of(budgets, durations))
def test_adding_then_measuring_gives_back_the_budget(cal, start, budget):
    a = cal.next_working_moment(start)
    end = cal.add_working_time(a, budget)
    assert end >= a
    assert cal.working_time_between(a, end) == budget
    assert cal.working_time_between(start, end) == budget
    assert cal.add_working_time(start, budget) == (end if budget else start)


@given(calendars, moments, st.integers(min_value=1, max_value=30))
def test_working_days_land_inside_office_hours(cal, start, days):
    end = cal.add_working_days(start, days)
    assert end > start
    assert any(p <= end <= q for p, q in cal.periods_on(end.date()))
    working_dates = {
        d
        for d in (
            start.date() + timedelta(days=i) for i in range(1, (end.date() - start.date()).days + 1)
        )
        if cal.is_working_day(d)
    }
    assert days <= len(working_dates) <= days + 1


@given(moments, durations, durations)
def test_adding_is_monotonic_in_budget(start, first, second):
    low, high = sorted((first, second))
    assert CAL.add_working_time(start, low) <= CAL.add_working_time(start, high)


@given(moments, moments, durations)
def test_adding_is_monotonic_in_start(first, second, budget):
    early, late = sorted((first, second))
    assert CAL.add_working_time(early, budget) <= CAL.add_working_time(late, budget)


@given(moments, moments, moments)
def test_working_time_between_adds_up(a, b, c):
    assert CAL.working_time_between(a, b) + CAL.working_time_between(b, c) == (
        CAL.working_time_between(a, c)
    )
    assert CAL.working_time_between(a, b) == -CAL.working_time_between(b, a)
    if a <= b:
        assert timedelta() <= CAL.working_time_between(a, b) <= b - a


@given(moments)
def test_next_working_moment_is_the_first_office_moment(moment):
    following = CAL.next_working_moment(moment)
    assert following >= moment
    assert CAL.next_working_moment(following) == following
    assert CAL.working_time_between(moment, following) == timedelta()
    assert CAL.is_working_day(following.date())
    assert any(start <= following < end for start, end in CAL.periods_on(following.date()))


@given(moments, st.integers(min_value=1, max_value=70))
def test_working_days_are_whole_eight_hour_days(start, days):
    # Every working day of the default calendar has 8 hours, so N days are N * 8 hours.
    a = CAL.next_working_moment(start)
    end = CAL.add_working_days(start, days)
    assert CAL.working_time_between(a, end) == days * 8 * H
    assert CAL.add_working_days(start, days) <= CAL.add_working_days(start, days + 1)
