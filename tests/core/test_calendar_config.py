"""An agency's working calendar comes from its settings and announced days."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from chinhquyenso.org import services as org
from chinhquyenso.org.models import CalendarDay
from chinhquyenso.org.queries import calendar_for
from tests.factories import AgencyFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def test_announced_day_off_for_every_agency_moves_deadlines():
    agency = AgencyFactory()
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=VN)
    assert calendar_for(agency).add_working_days(friday, 1) == datetime(2026, 12, 7, 9, 0, tzinfo=VN)
    org.set_calendar_day(day=date(2026, 12, 7), kind=CalendarDay.Kind.DAY_OFF, note="Nghỉ bù")
    assert calendar_for(agency).add_working_days(friday, 1) == datetime(2026, 12, 8, 9, 0, tzinfo=VN)


def test_agency_make_up_saturday_overrides_only_that_agency():
    agency, other = AgencyFactory(), AgencyFactory()
    org.set_calendar_day(day=date(2026, 12, 5), kind=CalendarDay.Kind.WORKING_DAY, agency=agency)
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=VN)
    assert calendar_for(agency).add_working_hours(friday, 2) == datetime(2026, 12, 5, 8, 30, tzinfo=VN)
    assert calendar_for(other).add_working_hours(friday, 2) == datetime(2026, 12, 7, 8, 30, tzinfo=VN)


def test_agency_day_beats_the_global_announcement():
    agency = AgencyFactory()
    org.set_calendar_day(day=date(2026, 12, 7), kind=CalendarDay.Kind.DAY_OFF)
    org.set_calendar_day(day=date(2026, 12, 7), kind=CalendarDay.Kind.WORKING_DAY, agency=agency)
    assert calendar_for(agency).is_working_day(date(2026, 12, 7))
    assert not calendar_for(None).is_working_day(date(2026, 12, 7))


def test_agency_office_hours():
    agency = AgencyFactory()
    weekdays = {str(d): [["08:00", "12:00"], ["13:30", "17:30"]] for d in range(5)}
    org.set_office_hours(agency=agency, office_hours={**weekdays, "5": [["07:30", "11:30"]]})
    cal = calendar_for(agency)
    assert cal.is_working_day(date(2026, 12, 5))  # Saturday morning service
    friday_evening = datetime(2026, 12, 4, 17, 0, tzinfo=VN)
    assert cal.add_working_hours(friday_evening, 1) == datetime(2026, 12, 5, 8, 0, tzinfo=VN)


def test_invalid_office_hours_are_refused():
    from django.core.exceptions import ValidationError

    agency = AgencyFactory()
    with pytest.raises(ValidationError):
        org.set_office_hours(agency=agency, office_hours={"0": [["13:00", "11:00"]]})
    with pytest.raises(ValidationError):
        org.set_office_hours(agency=agency, office_hours={"0": [["7h30", "11:30"]]})
