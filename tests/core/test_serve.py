"""The run command serves the site, and its access log never records query strings
(officials search residents by identification number)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_command_lines(session_id: int) -> list[str]:
    """The command lines of the processes in one session (the command and its children)."""
    lines = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != session_id:
                continue
            lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ProcessLookupError):
            continue
    return lines


@pytest.mark.parametrize("option", ["--web-workers", "--web-threads"])
def test_serve_refuses_fewer_than_one_process_or_thread(option):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="từ 1 trở lên"):
        call_command("serve", option, "0", "--no-worker")


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="runs its own SQLite database; once is enough")
def test_serve_starts_and_keeps_identification_numbers_out_of_the_access_log(tmp_path):
    port = free_port()
    env = {**os.environ, "CQS_VAR_DIR": str(tmp_path), "SECRET_KEY": "test-serve", "DEBUG": "0",
           "DATABASE_URL": ""}
    proc = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "serve", "--no-worker",
                             "--web-workers", "1", "--web-threads", "3", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)  # noqa: S310
        assert "Chính quyền số" in home.read().decode()
        tracked = urllib.request.urlopen(  # noqa: S310
            f"http://127.0.0.1:{port}/dich-vu-cong/tra-cuu/?code=X&id4=5678&q=026301005678", timeout=5)
        assert tracked.status == 200
        gunicorn = [cmd for cmd in session_command_lines(proc.pid) if "gunicorn" in cmd]
        assert gunicorn and all("--threads 3" in cmd for cmd in gunicorn)
        time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert "GET /dich-vu-cong/tra-cuu/" in output
    assert "026301005678" not in output and "id4=" not in output


def test_the_wsgi_application_loads_every_url_module_and_freezes_what_start_up_made(tmp_path):
    code = ("import gc, sys; import chinhquyenso.wsgi; "
            "print(gc.get_freeze_count(), 'chinhquyenso.dossiers.api' in sys.modules, "
            "'chinhquyenso.indicators.views' in sys.modules)")
    env = {**os.environ, "CQS_VAR_DIR": str(tmp_path), "SECRET_KEY": "test-wsgi", "DEBUG": "0",
           "DATABASE_URL": "", "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         check=True).stdout.split()
    frozen, dossier_api, indicator_views = int(out[0]), out[1], out[2]
    # The views and APIs are imported at start-up, not on the first request, and the
    # garbage collector's full collections no longer walk those objects.
    assert (dossier_api, indicator_views) == ("True", "True")
    assert frozen > 100_000
