"""The areas of the platform shown in the navigation, and whether each is built."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    slug: str
    title: Promise
    summary: Promise
    built: bool = False


AREAS: tuple[Area, ...] = (
    Area("dich-vu-cong", _("Public services"),
         _("Submit and follow administrative dossiers online, from submission to result."),
         built=True),
    Area("van-ban", _("Official documents"),
         _("Incoming and outgoing documents, registers, digital signatures, exchange between agencies."),
         built=True),
    Area("dinh-danh", _("Electronic identification"),
         _("Citizen login with the national e-ID and reuse of population data (Project 06).")),
    Area("cong-dong", _("Community digital teams"),
         _("Community digital technology teams, their members and their work in the field."),
         built=True),
    Area("chi-so", _("Indicators and plans"),
         _("Digital transformation indicators, targets, plans and the public dashboard."),
         built=True),
)

AREA_BY_SLUG = {area.slug: area for area in AREAS}
