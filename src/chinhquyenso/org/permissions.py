"""The one place that decides who may do what, for pages and the API alike.

An action names a capability ("audit.view"); ACTION_ROLES says which roles grant
it. A role held for a unit covers that unit and every unit below it. System
administrators hold every capability everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.utils.translation import gettext as _

from chinhquyenso.core import raw_rows

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
    """Role assignments of a user (each with its unit and two levels of parents), cached
    on the user object, i.e. for one request: AuthenticationMiddleware loads a new user
    object for every request, so a role removed counts from the next request on.

    The same statement answers the second-factor middleware's question (does one of
    these roles require an authenticator code, has the user confirmed an authenticator),
    kept on the user beside the roles (`second_factor_facts`). For the user of a request,
    the session's backend reads it together with the user (org/auth_backend.py,
    `keep_access`); another user object reads it here, once."""
    cached = getattr(user, "_cqs_role_cache", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = []
        else:
            cached, user._cqs_second_factor = _load_access(user)
        user._cqs_role_cache = cached
    return cached


def second_factor_facts(user) -> tuple[bool, bool] | None:
    """(a role of the user requires a code, the user has a confirmed authenticator), read
    with the user's role assignments in this request; None when they were not read so
    (anonymous or inactive users)."""
    _assignments(user)
    return getattr(user, "_cqs_second_factor", None)


def _load_access(user) -> tuple[list[RoleAssignment], tuple[bool, bool]]:
    """One statement: the user's role assignments with their units' chain, whether a
    second-factor policy requires a code for each role, and whether the user has a
    confirmed authenticator. The device test sits in a one-row table, so a user without
    any role (a citizen) still gets one row back."""
    alias = router.db_for_read(RoleAssignment)
    sql, params = access_statement(user.pk, alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return access_from_rows(rows, alias)


def access_statement(user_id, alias: str) -> tuple[str, list]:
    """The access statement of `_load_access` and its parameters, for a caller that reads
    the user in the same statement (org/auth_backend.py); its rows go to keep_access()."""
    sql, _assignment_fields, _unit_fields = _access_sql(connections[alias].vendor)
    return sql, [user_id, True, True, user_id]


def keep_access(user, rows: list, alias: str) -> None:
    """Keep on `user` (for this request) the access its rows of access_statement() give,
    so that its roles and second-factor answers need no query of their own."""
    user._cqs_role_cache, user._cqs_second_factor = access_from_rows(rows, alias)


def access_from_rows(rows: list, alias: str) -> tuple[list[RoleAssignment], tuple[bool, bool]]:
    """(the role assignments, (a role requires a code, a confirmed authenticator exists))
    from the rows of the access statement, as the database driver gave them."""
    connection = connections[alias]
    _sql, assignment_fields, unit_fields = _access_sql(connection.vendor)
    converters = raw_rows.kept_converters(
        connection, "access", [*RoleAssignment._meta.concrete_fields, *AdministrativeUnit._meta.concrete_fields * 3],
        start=2)
    if converters:  # e.g. SQLite's dates, read as text: what the ORM would do to them
        rows = [raw_rows.convert(row, converters, connection) for row in rows]
    has_device = bool(rows[0][0])
    required = False
    assignments = []
    a, n = len(assignment_fields), len(unit_fields)
    unit_field = RoleAssignment._meta.get_field("unit")
    parent_field = AdministrativeUnit._meta.get_field("parent")
    for row in rows:
        if row[2] is None:  # the one row of a user without roles
            continue
        required = required or bool(row[1])
        assignment = RoleAssignment.from_db(alias, assignment_fields, row[2:2 + a])
        start = 2 + a
        units = [AdministrativeUnit.from_db(alias, unit_fields, row[start + i * n:start + (i + 1) * n])
                 if row[start + i * n] is not None else None for i in range(3)]
        unit_field.set_cached_value(assignment, units[0])
        for child, parent in ((units[0], units[1]), (units[1], units[2])):
            if child is not None and child.parent_id is not None:
                parent_field.set_cached_value(child, parent)
        assignments.append(assignment)
    return assignments, (required, has_device)


@functools.cache
def _access_sql(vendor: str) -> tuple[str, list[str], list[str]]:
    """Built once per database vendor from the models' metadata (no outside input).

    One row per role assignment (with its unit, the unit's parent and grandparent, and the
    policy's require_totp when it requires a code), each also carrying whether the user
    has a confirmed authenticator; a single row of NULLs but that flag for a user without
    roles."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .models import Official, SecondFactorPolicy

    qn = connections[router.db_for_read(RoleAssignment)].ops.quote_name
    ra, official, unit = RoleAssignment._meta, Official._meta, AdministrativeUnit._meta
    policy, device = SecondFactorPolicy._meta, TOTPDevice._meta
    unit_fields = [f.attname for f in unit.concrete_fields]
    assignment_fields = [f.attname for f in ra.concrete_fields]
    assignment_cols = [qn(f.column) for f in ra.concrete_fields]
    unit_cols = [qn(f.column) for f in unit.concrete_fields]
    parent_col = qn(unit.get_field("parent").column)
    pk_col = qn(unit.pk.column)
    select = [f"pol.{qn(policy.get_field('require_totp').column)} AS c_required"]
    select += [f"ra.{c} AS c_ra{i}" for i, c in enumerate(assignment_cols)]
    for alias in ("u0", "u1", "u2"):
        select += [f"{alias}.{c} AS c_{alias}_{i}" for i, c in enumerate(unit_cols)]
    inner = (
        f"SELECT {', '.join(select)} FROM {qn(ra.db_table)} ra "  # noqa: S608
        f"INNER JOIN {qn(official.db_table)} o ON o.{qn(official.pk.column)} = ra.{qn(ra.get_field('official').column)} "
        f"INNER JOIN {qn(unit.db_table)} u0 ON u0.{pk_col} = ra.{qn(ra.get_field('unit').column)} "
        f"LEFT OUTER JOIN {qn(unit.db_table)} u1 ON u1.{pk_col} = u0.{parent_col} "
        f"LEFT OUTER JOIN {qn(unit.db_table)} u2 ON u2.{pk_col} = u1.{parent_col} "
        f"LEFT OUTER JOIN {qn(policy.db_table)} pol ON pol.{qn(policy.get_field('role').column)} "
        f"= ra.{qn(ra.get_field('role').column)} AND pol.{qn(policy.get_field('require_totp').column)} = %s "
        f"WHERE o.{qn(official.get_field('user').column)} = %s"
    )
    has_device = (f"SELECT 1 FROM {qn(device.db_table)} "  # noqa: S608
                  f"WHERE {qn(device.get_field('user').column)} = %s "
                  f"AND {qn(device.get_field('confirmed').column)} = %s")
    names = ["c_required", *[f"c_ra{i}" for i in range(len(assignment_cols))],
             *[f"c_{a}_{i}" for a in ("u0", "u1", "u2") for i in range(len(unit_cols))]]
    sql = (f"SELECT EXISTS({has_device}) AS has_device, {', '.join('r.' + n for n in names)} "  # noqa: S608
           f"FROM (SELECT 1 AS one) d LEFT OUTER JOIN ({inner}) r ON 1 = 1")
    return sql, assignment_fields, unit_fields


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
