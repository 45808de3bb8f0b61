"""The one place that decides who may do what, for pages and the API alike.

An action names a capability ("audit.view"); ACTION_ROLES says which roles grant
it. A role held for a unit covers that unit and every unit below it. System
administrators hold every capability everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import AdministrativeUnit, Role, RoleAssignment

ACTION_ROLES: dict[str, frozenset[str]] = {
    "workspace.view": frozenset(Role.values),
    "audit.view": frozenset({Role.AUDITOR, Role.SYSTEM_ADMIN}),
    "officials.view": frozenset({Role.UNIT_ADMIN, Role.SYSTEM_ADMIN, Role.AUDITOR}),
    "officials.manage": frozenset({Role.UNIT_ADMIN, Role.SYSTEM_ADMIN}),
    "units.manage": frozenset({Role.SYSTEM_ADMIN}),
    # second-factor policies per role, and resetting an official's authenticator
    "security.manage": frozenset({Role.SYSTEM_ADMIN}),
    "dossiers.view": frozenset({Role.COUNTER_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK,
                                Role.AUDITOR}),
    "dossiers.submit_assisted": frozenset({Role.COUNTER_OFFICER, Role.COMMUNITY_MEMBER}),
    "dossiers.receive": frozenset({Role.COUNTER_OFFICER}),
    "dossiers.assign": frozenset({Role.COUNTER_OFFICER, Role.LEADER}),
    "dossiers.process": frozenset({Role.SPECIALIST}),
    "dossiers.approve": frozenset({Role.LEADER}),
    "dossiers.return_result": frozenset({Role.COUNTER_OFFICER}),
    "dossiers.supplement_request": frozenset({Role.COUNTER_OFFICER, Role.SPECIALIST}),
    "dossiers.transfer": frozenset({Role.COUNTER_OFFICER, Role.LEADER}),
    "dossiers.stop": frozenset({Role.LEADER}),
    "dossiers.apologise": frozenset({Role.COUNTER_OFFICER, Role.LEADER}),
    "documents.register": frozenset({Role.CLERK}),
    "documents.sign": frozenset({Role.LEADER}),
    # Official documents: drafting, review by the head of the drafting unit, recall of an
    # issued document, assignment of an incoming one and its processing by the lead unit.
    # Numbering, issuing and registering incoming documents are "documents.register".
    "documents.draft": frozenset({Role.SPECIALIST, Role.LEADER}),
    "documents.review": frozenset({Role.LEADER}),
    "documents.recall": frozenset({Role.LEADER}),
    "documents.assign": frozenset({Role.LEADER}),
    "documents.process": frozenset({Role.SPECIALIST, Role.LEADER}),
    "community.record": frozenset({Role.COMMUNITY_MEMBER}),
    "community.confirm": frozenset({Role.UNIT_ADMIN, Role.LEADER}),
    "community.manage": frozenset({Role.UNIT_ADMIN}),
    "community.view": frozenset({Role.UNIT_ADMIN, Role.LEADER, Role.COMMUNITY_MEMBER, Role.AUDITOR}),
    # Citizens' records: the list shows numbers masked; the full record is for those who
    # handle dossiers, and every full view is audited with its purpose.
    "citizens.view": frozenset({Role.COUNTER_OFFICER, Role.SPECIALIST, Role.LEADER, Role.UNIT_ADMIN,
                                Role.AUDITOR}),
    "citizens.view_full": frozenset({Role.COUNTER_OFFICER, Role.SPECIALIST}),
    # Plans of the digital transformation programme: their goals and tasks are set by the
    # leaders of the issuing People's Committee; the officials of a task's lead unit
    # report its progress and move its status.
    "plans.manage": frozenset({Role.LEADER}),
    "plans.report": frozenset({Role.SPECIALIST, Role.LEADER, Role.UNIT_ADMIN}),
    # Reported indicators (broadband subscriptions, officials' computers, …): the figures
    # of a unit are reported by the officials of its People's Committee who compile them
    # (specialists), its leaders and its IT officer (unit administrator).
    "indicators.report": frozenset({Role.SPECIALIST, Role.LEADER, Role.UNIT_ADMIN}),
    # What the public sees, the targets and the legends are the city's choices: its
    # leaders decide, its IT officer (unit administrator) enters them.
    "indicators.manage": frozenset({Role.LEADER, Role.UNIT_ADMIN}),
}


class UnknownAction(KeyError):
    pass


def _assignments(user) -> list[RoleAssignment]:
    """Role assignments of a user, cached on the user object for one request."""
    cached = getattr(user, "_cqs_role_cache", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = []
        else:
            cached = list(
                RoleAssignment.objects.filter(official__user=user).select_related("unit__parent__parent")
            )
        user._cqs_role_cache = cached
    return cached


def roles_of(user) -> set[str]:
    return {a.role for a in _assignments(user)}


def _unit_chain_ids(unit: AdministrativeUnit) -> set[int]:
    ids = {unit.pk}
    node = unit
    while node.parent_id is not None:
        ids.add(node.parent_id)
        node = node.parent
    return ids


def can(user, action: str, unit: AdministrativeUnit | None = None) -> bool:
    """May `user` perform `action` (for `unit`, when the action concerns one)?"""
    try:
        allowed = ACTION_ROLES[action]
    except KeyError as exc:
        raise UnknownAction(action) from exc
    assignments = _assignments(user)
    if any(a.role == Role.SYSTEM_ADMIN for a in assignments):
        return True
    granting = [a for a in assignments if a.role in allowed]
    if not granting:
        return False
    if unit is None:
        return True
    return _covered_by(unit, {a.unit_id for a in granting})


def _covered_by(unit: AdministrativeUnit, unit_ids: set[int]) -> bool:
    """Is `unit`, or a unit above it, one of `unit_ids`? Climbs only as far as needed:
    most roles are held for the very unit a dossier or document belongs to, and each
    step up may cost a query for the parent."""
    node = unit
    while node.pk not in unit_ids:
        if node.parent_id is None:
            return False
        if node.parent_id in unit_ids:
            return True
        node = node.parent
    return True


def scope_units(user, action: str) -> Iterable[AdministrativeUnit]:
    """The units for which `user` holds `action` (each covering its descendants)."""
    allowed = ACTION_ROLES[action]
    return [a.unit for a in _assignments(user)
            if a.role in allowed or a.role == Role.SYSTEM_ADMIN]


def holders(action: str, unit: AdministrativeUnit):
    """Active users whose own roles grant `action` for `unit` (a role held for the unit
    or any unit above it), in one query: e.g. the specialists a dossier can be assigned
    to. System administrators, who may do everything, are not listed as staff."""
    from django.contrib.auth import get_user_model

    chain = _unit_chain_ids(unit)
    return (get_user_model().objects
            .filter(is_active=True, official__roles__role__in=ACTION_ROLES[action] - {Role.SYSTEM_ADMIN},
                    official__roles__unit__in=chain)
            .select_related("official").distinct().order_by("official__full_name"))


def require(user, action: str, unit: AdministrativeUnit | None = None) -> None:
    if not can(user, action, unit):
        raise PermissionDenied(_("You do not have permission to do this."))


def permission_required(action: str):
    """View decorator: login first, then the capability; 403 page otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
