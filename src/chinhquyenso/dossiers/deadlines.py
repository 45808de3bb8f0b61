"""Due times and standing of dossiers, from their times only (never from a flag).

One definition, used by pages, the API and the indicators:
- a finished dossier is *early* when it finished on a working day before its due
  day, *on time* when it finished on the due day by the due time, *late* after it;
- an open dossier is *overdue* once past its due time, *due soon* when less than one
  working day is left, *in time* otherwise; while the clock is paused (waiting for
  the citizen: supplement, unpaid fee) it is *waiting for the citizen*, and time
  spent so does not count against the agency.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chinhquyenso.core.calendar import WorkingCalendar
from chinhquyenso.procedures.models import DurationUnit, Procedure

from .models import FINISHED_STATES, OPEN_STATES, Dossier, State

DUE_SOON = timedelta(hours=8)  # one working day


class Standing:
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    IN_TIME = "in_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    WAITING_CITIZEN = "waiting_citizen"
    NOT_RECEIVED = "not_received"
    CLOSED = "closed"

    LABELS = {
        EARLY: _("Finished early"), ON_TIME: _("Finished on time"), LATE: _("Finished late"),
        IN_TIME: _("In time"), DUE_SOON: _("Due soon"), OVERDUE: _("Overdue"),
        WAITING_CITIZEN: _("Waiting for the citizen"), NOT_RECEIVED: _("Not received yet"),
        CLOSED: _("Closed"),
    }


def due_time(calendar: WorkingCalendar, procedure: Procedure, start: datetime) -> datetime:
    if procedure.duration_unit == DurationUnit.DAYS and procedure.duration == int(procedure.duration):
        return calendar.add_working_days(start, int(procedure.duration))
    return calendar.add_working_time(start, timedelta(hours=float(procedure.duration_hours)))


def standing(dossier: Dossier, calendar: WorkingCalendar, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if dossier.state == State.SUBMITTED or dossier.due_at is None:
        return Standing.NOT_RECEIVED if dossier.state == State.SUBMITTED else Standing.CLOSED
    if dossier.state in FINISHED_STATES and dossier.finished_at:
        if dossier.finished_at > dossier.due_at:
            return Standing.LATE
        finished_day = timezone.localtime(dossier.finished_at, calendar.tz).date()
        due_day = timezone.localtime(dossier.due_at, calendar.tz).date()
        return Standing.EARLY if finished_day < due_day else Standing.ON_TIME
    if dossier.state not in OPEN_STATES:
        return Standing.CLOSED
    if dossier.paused_at is not None:
        return Standing.WAITING_CITIZEN
    if now > dossier.due_at:
        return Standing.OVERDUE
    if calendar.working_time_between(now, dossier.due_at) <= DUE_SOON:
        return Standing.DUE_SOON
    return Standing.IN_TIME


def overdue_q(now: datetime) -> Q:
    """Open, received, clock running, past the due time: for querysets and indicators."""
    return Q(state__in=OPEN_STATES - {State.SUBMITTED}, paused_at__isnull=True, due_at__lt=now)


def finished_late_q() -> Q:
    from django.db.models import F

    return Q(state__in=FINISHED_STATES, finished_at__gt=F("due_at"))
