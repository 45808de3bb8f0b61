"""Bad configuration stops start-up with one clear sentence, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "REDIS_URL"}}
    clean.update(env)
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=clean,
                          capture_output=True, text=True, timeout=120)


def assert_one_clear_sentence(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_secret_key_in_production_mode(tmp_path):
    result = manage("check", DEBUG="0", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert_one_clear_sentence(result, "SECRET_KEY")


def test_malformed_database_url():
    result = manage("check", DEBUG="1", DATABASE_URL="mysqlx://nowhere")
    assert_one_clear_sentence(result, "DATABASE_URL")


def test_unreachable_database():
    # nothing listens on port 9 of the loopback address
    result = manage("migrate", DEBUG="1", DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
    assert_one_clear_sentence(result, "Không kết nối được cơ sở dữ liệu", "127.0.0.1:9")
    assert result.returncode == 3


def test_bad_boolean():
    result = manage("check", DEBUG="perhaps")
    assert_one_clear_sentence(result, "DEBUG")


@pytest.mark.parametrize("debug", ["1"])
def test_good_configuration_checks_clean(tmp_path, debug):
    result = manage("check", DEBUG=debug, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 0, result.stderr
