"""Database and session settings read from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

PREPARED = ("from django.db import connection\n"
            "for _ in range(6):\n"
            "    with connection.cursor() as cursor:\n"
            "        cursor.execute('SELECT %s::int + 1', [1])\n"
            "with connection.cursor() as cursor:\n"
            "    cursor.execute('SELECT count(*) FROM pg_prepared_statements')\n"
            "    print(cursor.fetchone()[0])\n")


def shell(code, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "DB_PREPARED_STATEMENTS"}}
    clean.update(DEBUG="1", **env)
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", code], env=clean,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.django_db
def test_postgresql_statements_are_prepared_unless_turned_off():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    assert int(shell(PREPARED, DATABASE_URL=url)) >= 1
    assert shell(PREPARED, DATABASE_URL=url, DB_PREPARED_STATEMENTS="0") == "0"


def test_sessions_are_read_from_the_cache_only_when_it_is_shared(tmp_path):
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    sqlite = f"sqlite:///{tmp_path}/db.sqlite3"
    assert shell(code, DATABASE_URL=sqlite) == "chinhquyenso.core.sessions.db"
    assert shell(code, DATABASE_URL=sqlite, REDIS_URL="redis://127.0.0.1:6379/15") == \
        "chinhquyenso.core.sessions.cached_db"
