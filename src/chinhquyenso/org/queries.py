"""Reads of units and agencies that several callers need."""

from __future__ import annotations

from datetime import time

from django.db.models import Q

from chinhquyenso.core.calendar import WorkingCalendar

from .models import AdministrativeUnit, Agency, CalendarDay, Official, RoleAssignment


def official_of(user) -> Official | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Official.objects.select_related("agency", "agency__unit").filter(user=user).first()


def role_assignments_of(user) -> list[RoleAssignment]:
    return list(RoleAssignment.objects.filter(official__user=user)
                .select_related("unit").order_by("role", "unit__code"))


def unit_tree(root: AdministrativeUnit) -> list[tuple[AdministrativeUnit, int]]:
    """The unit and all units below it, depth-first, with their depth; one query per level."""
    rows: list[tuple[AdministrativeUnit, int]] = []
    children: dict[int, list[AdministrativeUnit]] = {}
    frontier = [root.pk]
    while frontier:
        level_units = list(AdministrativeUnit.objects.filter(parent_id__in=frontier).order_by("code"))
        for unit in level_units:
            children.setdefault(unit.parent_id, []).append(unit)
        frontier = [u.pk for u in level_units]

    def walk(unit, depth):
        rows.append((unit, depth))
        for child in children.get(unit.pk, []):
            walk(child, depth + 1)

    walk(root, 0)
    return rows


CALENDAR_VERSION_KEY = "org:calendar-version"
_calendars: dict[tuple[int | None, int], WorkingCalendar] = {}


def calendar_version() -> int:
    from django.core.cache import cache

    return cache.get_or_set(CALENDAR_VERSION_KEY, 1, timeout=None)


def bump_calendar_version() -> None:
    """Called when office hours or announced days change: every process rebuilds its
    calendars on next use (the version lives in the shared cache)."""
    from django.core.cache import cache

    try:
        cache.incr(CALENDAR_VERSION_KEY)
    except ValueError:
        cache.set(CALENDAR_VERSION_KEY, 2, timeout=None)


def calendar_for(agency: Agency | None) -> WorkingCalendar:
    """The working-time calendar of an agency: its office hours (or the default ones),
    Vietnamese public holidays, and the days off and make-up working days announced
    for every agency or for this one (the agency's own announcement wins).

    Built once per process and calendar version: deadlines are computed on every
    transition and list page."""
    key = (getattr(agency, "pk", None), calendar_version())
    cached = _calendars.get(key)
    if cached is None:
        if len(_calendars) > 1000:
            _calendars.clear()
        cached = _calendars[key] = _build_calendar(agency)
    return cached


def _build_calendar(agency: Agency | None) -> WorkingCalendar:
    days = CalendarDay.objects.filter(Q(agency__isnull=True) | Q(agency=agency)) \
        if agency is not None else CalendarDay.objects.filter(agency__isnull=True)
    kinds: dict = {}
    for entry in days:
        kinds.setdefault(entry.day, []).append(entry)
    days_off, working_days = set(), set()
    for day, entries in kinds.items():
        chosen = next((e for e in entries if e.agency_id is not None), entries[0])
        (days_off if chosen.kind == CalendarDay.Kind.DAY_OFF else working_days).add(day)
    office_hours = None
    if agency is not None and agency.office_hours:
        office_hours = {
            int(weekday): [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in periods]
            for weekday, periods in agency.office_hours.items()
        }
    return WorkingCalendar(office_hours, days_off=days_off, working_days=working_days)
