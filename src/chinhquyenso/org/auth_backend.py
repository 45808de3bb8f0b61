"""The user of a logged-in request, read with one statement built once per process.

Every request of a logged-in user loads its user (`django.contrib.auth.get_user` →
the session's backend's `get_user`). Through the ORM (`objects.get(pk=…)`) building the
queryset and compiling its SQL costs more Python time than the database spends on the
row; here the statement is built once from the user model's metadata and the row is
turned into a user the way the ORM does (the fields' database converters,
core/raw_rows.py, `Model.from_db`). All concrete fields are read, so the instance is
the ORM's own: the session's password hash check, `save()` and lazy relations work as
usual.

`PasswordBackend` is Django's ModelBackend (officials' and administrators' user name
and password) with that read; the citizens' backend (identity/oidc.py) uses the same
`load_user()`.
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, models, router

from chinhquyenso.core import raw_rows

from . import permissions
from .models import RoleAssignment

UserModel = get_user_model()


def load_user(user_id, *, with_access: bool = False):
    """The user whose primary key is `user_id` (as the session holds it), or None.
    A value the primary key cannot take raises as `objects.get(pk=…)` would; one out of
    the column's range finds nobody, as with the ORM.

    `with_access`: the same statement also reads the user's role assignments and
    second-factor answers (org/permissions.py), kept on the user for this request, as
    every request of a logged-in user needs them: one query instead of two."""
    alias = router.db_for_read(UserModel)
    connection = connections[alias]
    pk = UserModel._meta.pk
    value = pk.get_db_prep_value(user_id, connection, prepared=False)
    if isinstance(pk, models.IntegerField) and isinstance(value, int):
        low, high = connection.ops.integer_field_range(pk.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            return None
    params = [value]
    access_sql = ""
    with_access = with_access and router.db_for_read(RoleAssignment) == alias
    if with_access:
        access_sql, access_params = permissions.access_statement(value, alias)
        params = [*access_params, value]
    sql, names = _statement(alias, access_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if with_access else [cursor.fetchone()]
    if not rows or rows[0] is None:
        return None
    converters = raw_rows.kept_converters(connection, "user", UserModel._meta.concrete_fields)
    n = len(names)
    values = raw_rows.convert(rows[0][:n], converters, connection) if converters else rows[0][:n]
    user = UserModel.from_db(alias, names, values)
    if with_access:
        permissions.keep_access(user, [row[n:] for row in rows], alias)
    return user


@functools.cache
def _statement(alias: str, access_sql: str = "") -> tuple[str, list[str]]:
    """SELECT <every concrete field> FROM <user table> WHERE <pk> = %s, and the fields'
    attribute names in that order. Built from model metadata only; the id is a
    parameter. With `access_sql` (permissions.access_statement), the user's row is
    joined to its rows: one row per role assignment (at least one), the user's columns
    first, the access statement's parameters before the id."""
    meta = UserModel._meta
    qn = connections[alias].ops.quote_name
    fields = meta.concrete_fields
    columns = ", ".join(f"u.{qn(f.column)}" for f in fields)
    source = f"{qn(meta.db_table)} u"
    if access_sql:
        columns += ", x.*"
        source += f" CROSS JOIN ({access_sql}) x"
    sql = f"SELECT {columns} FROM {source} WHERE u.{qn(meta.pk.column)} = %s"  # noqa: S608
    return sql, [f.attname for f in fields]


class PasswordBackend(ModelBackend):
    """Django's ModelBackend (user name and password, permissions), whose `get_user` —
    run on every request of a logged-in user — reads the user with `load_user()`. Like
    ModelBackend's: None for a user that no longer exists or that
    `user_can_authenticate` refuses (deactivated)."""

    def get_user(self, user_id):
        user = load_user(user_id, with_access=True)
        return user if user is not None and self.user_can_authenticate(user) else None
