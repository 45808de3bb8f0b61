"""Sessions: the platform's two engines (database, and cache in front of the database)
read the session row with a statement built once, and behave as Django's own: a
logged-in official stays logged in, an expired, tampered or unknown session is
anonymous, logging out ends the session."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoCachedStore
from django.contrib.sessions.backends.db import SessionStore as DjangoDatabaseStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chinhquyenso.core import sessions
from chinhquyenso.org import auth_backend, permissions
from chinhquyenso.org.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WORKSPACE = "/can-bo/"
ME = "/api/v1/org/me"
DATABASE_ENGINE = "chinhquyenso.core.sessions.db"
CACHED_ENGINE = "chinhquyenso.core.sessions.cached_db"
DJANGO_STORES = {DATABASE_ENGINE: DjangoDatabaseStore, CACHED_ENGINE: DjangoCachedStore}


@pytest.fixture(params=[DATABASE_ENGINE, CACHED_ENGINE])
def engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


@pytest.fixture
def official(official_with_role, ward):
    return official_with_role(Role.COUNTER_OFFICER, ward).user


def logged_in(user) -> Client:
    """A browser of its own (its middleware built with the engine of the test) that
    logged in through the login page."""
    client = Client()
    response = client.post("/dang-nhap/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def session_key(client) -> str:
    return client.cookies["sessionid"].value


def is_anonymous(client) -> bool:
    response = client.get(WORKSPACE)
    return response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def loaded(engine: str, key: str, store_class=None) -> tuple[dict, str | None]:
    """What a store reads for `key`: the data and the key it keeps."""
    store = (store_class or import_module(engine).SessionStore)(key)
    return store.load(), store.session_key


def test_the_engines_are_djangos_with_their_module_layout():
    assert issubclass(import_module(DATABASE_ENGINE).SessionStore, DjangoDatabaseStore)
    assert issubclass(import_module(CACHED_ENGINE).SessionStore, DjangoCachedStore)
    assert import_module(DATABASE_ENGINE).SessionStore is sessions.DatabaseSessionStore
    assert import_module(CACHED_ENGINE).SessionStore is sessions.CachedDatabaseSessionStore


def test_a_logged_in_official_reaches_the_workspace_and_the_api(engine, official):
    client = logged_in(official)
    assert client.get(WORKSPACE).status_code == 200
    me = client.get(ME)
    assert me.status_code == 200 and me.json()["username"] == official.username
    assert client.get(WORKSPACE).status_code == 200
    data, key = loaded(engine, session_key(client))
    assert key == session_key(client) and data["_auth_user_id"] == str(official.pk)
    assert (data, key) == loaded(engine, key, DJANGO_STORES[engine])


def test_an_expired_session_is_anonymous(engine, official):
    client = logged_in(official)
    key = session_key(client)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    cache.clear()  # the cache forgets an entry when the session's age is reached
    assert loaded(engine, key) == ({}, None) == loaded(engine, key, DJANGO_STORES[engine])
    assert is_anonymous(client)


def test_a_tampered_session_is_anonymous(engine, official):
    client = logged_in(official)
    key = session_key(client)
    row = Session.objects.get(pk=key)
    forged = row.session_data[:-4] + ("AAAA" if not row.session_data.endswith("AAAA") else "BBBB")
    Session.objects.filter(pk=key).update(session_data=forged)
    cache.clear()
    data, kept = loaded(engine, key)
    assert data == {} and kept == key  # the row exists; its content does not verify
    assert (data, kept) == loaded(engine, key, DJANGO_STORES[engine])
    assert is_anonymous(client)


def test_an_unknown_session_key_is_anonymous(engine, official):
    client = logged_in(official)
    unknown = "x" * 32
    assert loaded(engine, unknown) == ({}, None) == loaded(engine, unknown, DJANGO_STORES[engine])
    client.cookies["sessionid"] = unknown
    assert is_anonymous(client)


def test_logging_out_ends_the_session(engine, official):
    client = logged_in(official)
    key = session_key(client)
    assert client.get(WORKSPACE).status_code == 200
    client.post("/dang-xuat/")
    assert not Session.objects.filter(pk=key).exists()
    assert cache.get(KEY_PREFIX + key) is None
    assert is_anonymous(client)
    replayed = Client()
    replayed.cookies["sessionid"] = key  # the old cookie, kept by someone
    assert is_anonymous(replayed)


def test_the_cached_engine_serves_sessions_from_the_cache_and_reads_the_row_on_a_miss(settings, official):
    settings.SESSION_ENGINE = CACHED_ENGINE
    client = logged_in(official)
    assert client.get(ME).status_code == 200  # the once-a-minute touch (a write) happens here
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    assert not reads_of(queries.captured_queries, "django_session")
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    session_reads = reads_of(queries.captured_queries, "django_session")
    assert len(session_reads) == 1
    assert session_reads[0].startswith(prebuilt_head(sessions._statement(Session, connection.alias)[0]))
    assert cache.get(KEY_PREFIX + session_key(client))["_auth_user_id"] == str(official.pk)


def test_expired_sessions_are_cleared_by_the_management_command(engine, official):
    kept, gone = logged_in(official), logged_in(official)
    Session.objects.filter(pk=session_key(gone)).update(expire_date=timezone.now() - timedelta(days=1))
    call_command("clearsessions")
    assert list(Session.objects.values_list("pk", flat=True)) == [session_key(kept)]


def prebuilt_head(sql: str) -> str:
    """A prebuilt statement up to its parameters (the captured text has them filled in
    on SQLite and numbered on PostgreSQL)."""
    return sql.split(" WHERE ")[0]


def reads_of(queries: list[dict], table: str) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]]


def test_a_request_reads_session_and_user_once_each_with_the_prebuilt_statements(settings, official):
    """One statement per request fewer than with Django's own session engine and backend:
    the session and the user are read once each, by the prebuilt statements, and the
    user's statement also brings the roles (org/permissions.py), which Django's backend
    leaves to a statement of their own."""

    def request_statements() -> tuple[list[dict], str]:
        client = logged_in(official)
        assert client.get(ME).status_code == 200  # the once-a-minute touch happens here
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ME).status_code == 200
        return list(queries.captured_queries), client.session["_auth_user_backend"]

    django_backend = f"{ModelBackend.__module__}.{ModelBackend.__name__}"
    ours = list(settings.AUTHENTICATION_BACKENDS)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.AUTHENTICATION_BACKENDS = [django_backend if "auth_backend" in b else b for b in ours]
    djangos, backend = request_statements()
    assert backend == django_backend
    settings.SESSION_ENGINE = DATABASE_ENGINE
    settings.AUTHENTICATION_BACKENDS = ours
    platforms, backend = request_statements()
    assert backend == "chinhquyenso.org.auth_backend.PasswordBackend"

    assert len(platforms) == len(djangos) - 1
    roles = 'FROM "org_roleassignment"'
    assert sum(roles in q["sql"] for q in djangos) == 1 == sum(roles in q["sql"] for q in platforms)
    session_sql = prebuilt_head(sessions._statement(Session, connection.alias)[0])
    access_sql = permissions.access_statement(official.pk, connection.alias)[0]
    user_sql = auth_backend._statement(connection.alias, access_sql)[0].split(" FROM ")[0]
    for queries, expected in ((djangos, False), (platforms, True)):
        session_reads, user_reads = reads_of(queries, "django_session"), reads_of(queries, "auth_user")
        assert len(session_reads) == 1 and len(user_reads) == 1
        assert session_reads[0].startswith(session_sql) is expected
        assert user_reads[0].startswith(user_sql) is expected
    assert roles in reads_of(platforms, "auth_user")[0]


@pytest.mark.parametrize(("before", "after"), [
    ("django.contrib.sessions.backends.db", DATABASE_ENGINE),
    ("django.contrib.sessions.backends.cached_db", CACHED_ENGINE),
])
def test_sessions_made_before_the_upgrade_stay_logged_in(settings, official, before, after):
    """Made by Django's engine and its ModelBackend, as before 26 November 2026."""
    django_backend = f"{ModelBackend.__module__}.{ModelBackend.__name__}"
    ours = list(settings.AUTHENTICATION_BACKENDS)
    settings.SESSION_ENGINE = before
    settings.AUTHENTICATION_BACKENDS = [django_backend if "auth_backend" in b else b for b in ours]
    key = session_key(logged_in(official))
    assert Session.objects.get(pk=key).get_decoded()["_auth_user_backend"] == django_backend

    settings.SESSION_ENGINE = after
    settings.AUTHENTICATION_BACKENDS = ours
    upgraded = Client()
    upgraded.cookies["sessionid"] = key
    assert upgraded.get(WORKSPACE).status_code == 200
    assert upgraded.get(ME).json()["username"] == official.username
    # saved at its first touch under the backend that took ModelBackend's place
    assert Session.objects.get(pk=key).get_decoded()["_auth_user_backend"] == \
        "chinhquyenso.org.auth_backend.PasswordBackend"
    upgraded.post("/dang-xuat/")
    assert is_anonymous(upgraded)
