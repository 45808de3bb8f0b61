"""Runs a management command and turns configuration and connection errors into
one clear sentence instead of a traceback."""

from __future__ import annotations

import sys


def run_management_command(argv: list[str]) -> int:
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line
        from django.db.utils import OperationalError

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"Lỗi cấu hình: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        from django.conf import settings

        print(
            f"Không kết nối được cơ sở dữ liệu {describe_database(settings.DATABASES['default'])}: "
            f"{str(exc).strip().splitlines()[0]} (the database is unreachable).",
            file=sys.stderr,
        )
        return 3
    return 0


def describe_database(db: dict) -> str:
    """Where the database is, without its password."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    return f"PostgreSQL {db.get('USER') or ''}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
