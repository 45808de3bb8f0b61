"""API of administrative units and of the signed-in official."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import django_auth

from chinhquyenso.core.text import normalize_vi

from .models import AdministrativeUnit
from .permissions import roles_of, scope_units

router = Router(tags=["org"])


class UnitOut(Schema):
    code: str
    name: str
    unit_type: str
    level: int
    parent_code: str | None
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class UnitDetailOut(UnitOut):
    children: list[UnitOut]
    successors: list[UnitOut]


@router.get("units", response=list[UnitOut], summary="Administrative units in force on a day")
def list_units(request, on: date | None = None, level: int | None = None,
               parent: str | None = None, q: str = ""):
    units = AdministrativeUnit.objects.select_related("parent")
    units = units.valid_on(on) if on else units.current()
    if level:
        units = units.filter(level=level)
    if parent:
        units = units.filter(parent__code=parent)
    if q:
        units = units.filter(search_name__contains=normalize_vi(q))
    return list(units[:1000])


@router.get("units/{code}", response=UnitDetailOut, summary="One administrative unit")
def unit_detail(request, code: str, on: date | None = None):
    """The unit with this code in force on `on` (default: the latest one with the code)."""
    units = AdministrativeUnit.objects.select_related("parent").filter(code=code)
    if on:
        units = units.valid_on(on)
    unit = units.order_by("-valid_from", "level").first()
    if unit is None:
        raise Http404(_("No administrative unit has this code."))
    return unit


class MeOut(Schema):
    username: str
    full_name: str
    agency: str | None
    roles: list[str]
    scope: list[str]


@router.get("me", response=MeOut, auth=django_auth, summary="The signed-in official")
def me(request):
    official = getattr(request.user, "official", None)
    return {
        "username": request.user.get_username(),
        "full_name": official.full_name if official else request.user.get_full_name(),
        "agency": official.agency.name if official else None,
        "roles": sorted(roles_of(request.user)),
        "scope": sorted({u.code for u in scope_units(request.user, "workspace.view")}),
    }
