"""Django's database and cached-database session engines, whose read of the session row
(every request with a session cookie) uses a statement built once per process.

Through the ORM (`Session.objects.get(session_key=…, expire_date__gt=now)`) building the
queryset and compiling its SQL costs more Python time than the database spends on the
row; here the statement is built from the session model's metadata and the row is turned
into a `Session` the way the ORM does (the fields' database converters,
core/raw_rows.py, `Model.from_db`). Everything else is Django's: an expired or unknown
key is a missing session, data that does not verify is an empty one, and creating,
saving, deleting and `exists()` (run only when a new key is drawn) go through the ORM.
The cached engine keeps Django's cache keys and reads the cache first, as Django's does.
Session data is signed as Django's stores sign it, so sessions pass between Django's
engines and these both ways.

settings.SESSION_ENGINE names one of the two engines, `chinhquyenso.core.sessions.db` and
`chinhquyenso.core.sessions.cached_db` (Django imports an engine as a module holding a
`SessionStore`).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoCachedDatabaseStore
from django.contrib.sessions.backends.db import SessionStore as DjangoDatabaseStore
from django.db import connections, router
from django.utils import timezone

from chinhquyenso.core import raw_rows

# Sessions made before 26 November 2026 name Django's ModelBackend, which the settings
# replaced by its subclass: read so, they stay logged in (and are saved so at their next
# touch, within a minute of use). Unused once such sessions have ended.
RENAMED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "chinhquyenso.org.auth_backend.PasswordBackend",
}


class _PrebuiltRead:
    """The session row read with the prebuilt statement (the asynchronous read, unused
    by the platform, stays the ORM's), a renamed backend given its new name; the rest is
    the parent's."""

    # Django signs session data with a salt named after the store's class; both of its
    # stores are called SessionStore. The same salt keeps every session readable across
    # the engines, Django's and these.
    key_salt = "django.contrib.sessions.SessionStore"

    def _get_session_from_db(self):
        """The unexpired session of this key, or None (and no key any more), as Django's."""
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql, names, expire_field = _statement(model, alias)
        now = expire_field.get_db_prep_value(timezone.now(), connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        converters = raw_rows.kept_converters(connection, ("session", model), model._meta.concrete_fields)
        values = raw_rows.convert(row, converters, connection) if converters else row
        return model.from_db(alias, names, values)

    def load(self):
        return _with_current_backend(super().load())

    async def aload(self):
        return _with_current_backend(await super().aload())


def _with_current_backend(data: dict) -> dict:
    """The session's data, a backend renamed since it was saved given its new name."""
    old = data.get(BACKEND_SESSION_KEY)
    if old in RENAMED_BACKENDS:
        backends = settings.AUTHENTICATION_BACKENDS
        if old not in backends and RENAMED_BACKENDS[old] in backends:
            data[BACKEND_SESSION_KEY] = RENAMED_BACKENDS[old]
    return data


class DatabaseSessionStore(_PrebuiltRead, DjangoDatabaseStore):
    """django.contrib.sessions.backends.db with the prebuilt read."""


class CachedDatabaseSessionStore(_PrebuiltRead, DjangoCachedDatabaseStore):
    """django.contrib.sessions.backends.cached_db with the prebuilt read (on a cache
    miss); same cache keys as Django's."""


@functools.cache
def _statement(model, alias: str) -> tuple[str, list[str], object]:
    """SELECT <every concrete field> FROM <session table> WHERE <key> = %s AND
    <expiry> > %s, the fields' attribute names in that order, and the expiry field (to
    prepare the time as the ORM does). Built from model metadata only."""
    meta = model._meta
    qn = connections[alias].ops.quote_name
    fields = meta.concrete_fields
    key, expiry = meta.get_field("session_key"), meta.get_field("expire_date")
    sql = (f"SELECT {', '.join(qn(f.column) for f in fields)} FROM {qn(meta.db_table)} "  # noqa: S608
           f"WHERE {qn(key.column)} = %s AND {qn(expiry.column)} > %s")
    return sql, [f.attname for f in fields], expiry
