"""Where the numbers of the computed indicators that are not dossier ratios lead (the
dossier ones lead to the dossier list: queries.dossier_url): each numerator and
denominator opens the page listing the records it counts, for the same unit and period.

    records_urls(code, unit, period) -> (numerator url or None, denominator url or None)

- official documents: the outgoing or incoming register, filtered to the set of
  documents (documents.queries.OUTGOING_SETS / INCOMING_SETS, the conditions the
  measures count), the unit (its id: the agencies of the unit, of the units below it
  and of those merged into it) and the period (`from`, `to`: local days);
- the community teams' activities: the list of the confirmed activities of the unit's
  teams in the period (people reached; accounts helped open; the members who did them);
- the teams, their coverage and members (today's facts): the ward's page of the teams,
  or the city's (for a city or a province);
- the officials' digital identity: the list of the unit's officials with, or without, a
  signing certificate in force.

A dashboard holds hundreds of these links: nothing here reads the database, and each
page's path is looked up once.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from .computation import Period

# code → (register, numerator set, denominator set)
DOCUMENT_LINKS: dict[str, tuple[str, str, str]] = {
    "van-ban-di-ky-so": ("documents:outgoing_register", "issued_signed", "issued"),
    "van-ban-den-xu-ly-tren-he-thong": ("documents:incoming_register", "handled", "registered"),
    "van-ban-den-dung-han": ("documents:incoming_register", "completed_on_time", "completed"),
}
# code → the set of the list of activities (community.views.ACTIVITY_LIST_SETS); a count, no denominator.
ACTIVITY_LINKS: dict[str, str] = {
    "hoat-dong-cong-dong": "",
    "tai-khoan-duoc-ho-tro": "accounts",
}
# Figures of the teams as they are today: each number leads to the page of the teams
# (code → whether the indicator is a share, with a denominator, or a count).
TEAM_CODES: dict[str, bool] = {"to-cong-nghe-so-bao-phu": True, "phuong-xa-co-mo-hinh-ho-tro": True,
                               "so-to-cong-nghe-so": False, "so-thanh-vien-to-cong-nghe-so": False}
ACTIVE_MEMBERS = "thanh-vien-hoat-dong"
OFFICIALS = "can-bo-dinh-danh-so"

LINKED_CODES = frozenset({*DOCUMENT_LINKS, *ACTIVITY_LINKS, *TEAM_CODES, ACTIVE_MEMBERS, OFFICIALS})


@lru_cache(maxsize=32)
def _path(prefix: str, name: str, *args) -> str:
    return reverse(name, args=args or None)


def _url(name: str, *args, **params) -> str:
    # Every value is a number, a date, a set name or a unit code: nothing to quote.
    query = "&".join(f"{key}={value}" for key, value in params.items() if value != "")
    path = _path(get_script_prefix(), name, *args)
    return f"{path}?{query}" if query else path


def _period(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def teams_url(unit: AdministrativeUnit, period: Period) -> str | None:
    """The page of the teams of a ward, or of a city or province; None below a ward."""
    if unit.level == UnitLevel.WARD:
        return _url("community:ward", unit.code, **_period(period))
    if unit.level in (UnitLevel.DISTRICT, UnitLevel.PROVINCE):
        return _url("community:city", unit=unit.code, **_period(period))
    return None


def records_urls(code: str, unit: AdministrativeUnit, period: Period) -> tuple[str | None, str | None]:
    """The pages listing the records behind the numerator and the denominator of the
    indicator `code` for the unit and period (None where no page lists them)."""
    if code in DOCUMENT_LINKS:
        register, numerator, denominator = DOCUMENT_LINKS[code]
        common = {"unit": int(unit.pk), **_period(period)}
        return _url(register, set=numerator, **common), _url(register, set=denominator, **common)
    if code in ACTIVITY_LINKS:
        return _url("community:activities", unit=int(unit.pk), set=ACTIVITY_LINKS[code], **_period(period)), None
    if code == ACTIVE_MEMBERS:
        return (_url("community:activities", unit=int(unit.pk), set="members", **_period(period)),
                teams_url(unit, period))
    if code in TEAM_CODES:
        url = teams_url(unit, period)
        return url, (url if TEAM_CODES[code] else None)
    if code == OFFICIALS:
        return (_url("indicators:officials", int(unit.pk), set="certified"),
                _url("indicators:officials", int(unit.pk)))
    return None, None
