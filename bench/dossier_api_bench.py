#!/usr/bin/env python
"""Load test of the dossier API: complete one-stop-shop lifecycles under concurrency.

For each database in turn (a fresh SQLite file, then a fresh PostgreSQL database
`cqs_bench_<pid>` on 127.0.0.1), the script

1. migrates it and seeds a minimal city through the services (a ward, its People's
   Committee, a counter officer, a specialist, a leader, N citizens, procedure 1.001193);
2. starts gunicorn (gthread) on a free loopback port and waits for /healthz;
3. logs the actors in (Django session + CSRF cookie, as a browser would);
4. runs C concurrent clients, each looping through whole dossier lifecycles:
   counter officer submits at the counter (multipart, two tiny PDFs) → counter receives → counter assigns to
   the specialist → specialist starts → specialist attaches the result → specialist
   forwards → leader forwards (signs) → counter returns the result → public tracking;
5. prints requests, requests/s, p50/p95/p99 latency (overall and per kind), lifecycles/s,
   errors (non-2xx, first bodies), and where the CPU went (client, gunicorn, PostgreSQL);
6. replays a few lifecycles with a single client (uncontended latency per kind) and, in
   a subprocess without HTTP, one lifecycle per step with query counts and DB time
   (`--profile` adds a cProfile of those steps).

The result file goes through POST /api/v1/dossiers/<code>/result (multipart).
Dossiers are submitted by the counter officer (assisted, at the counter): an online
submission needs the citizen's e-ID login through the identity provider.

Only 127.0.0.1 is contacted. Everything the script creates (gunicorn, the PostgreSQL
database, the temporary directory) is removed at the end, also on Ctrl+C.

    .venv/bin/python bench/dossier_api_bench.py --quick
    .venv/bin/python bench/dossier_api_bench.py                    # 32 clients, 60 s per DB
    .venv/bin/python bench/dossier_api_bench.py --db postgres --clients 16 --duration 30
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
HOST = "127.0.0.1"
PASSWORD = "bench-mat-khau-dai-1"
PROCEDURE = "1.001193"
AGENCY = "000.00.21.H62"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

KINDS = [
    "submit", "receive", "assign", "start", "attach_result", "forward(specialist)",
    "forward(leader,sign)", "return_result", "track(public)",
]

# --- seeding (runs in a subprocess with the bench database's environment) ----------------

SEED = r'''
import copy, json, os, sys
from datetime import date
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from chinhquyenso.org import services as org
from chinhquyenso.org.models import AgencyKind, Role
from chinhquyenso.procedures.services import save_procedure

cfg = json.loads(os.environ["BENCH_CFG"])
d = date(2006, 12, 1)
province = org.create_unit(code="26", name="Tỉnh Vĩnh Phúc", unit_type="tinh", valid_from=d)
city = org.create_unit(code="243", name="Thành phố Vĩnh Yên", unit_type="thanh_pho", parent=province, valid_from=d)
ward = org.create_unit(code="8707", name="Phường Tích Sơn", unit_type="phuong", parent=city, valid_from=d)
pc = org.create_agency(code=cfg["agency"], name="Ủy ban nhân dân phường Tích Sơn", abbreviation="UBND",
                       kind=AgencyKind.PEOPLES_COMMITTEE, unit=ward)
for username, name, title, role in [
        ("bench_counter", "Vũ Thị Lan", "Công chức một cửa", Role.COUNTER_OFFICER),
        ("bench_specialist", "Trần Văn Minh", "Công chức tư pháp - hộ tịch", Role.SPECIALIST),
        ("bench_leader", "Bùi Văn Sơn", "Chủ tịch UBND phường", Role.LEADER)]:
    org.create_official(username=username, password=cfg["password"], full_name=name, title=title,
                        agency=pc, roles=[(role, ward)])
spec = {
    "code": cfg["procedure"], "name": "Thủ tục đăng ký khai sinh", "field": "Hộ tịch", "level": "ward",
    "service_level": "full_online", "duration_unit": "hours", "duration": 8,
    "fees": [{"name": "Lệ phí đăng ký khai sinh", "amount": 0, "note": "Miễn khi đúng hạn"}],
    "form": [
        {"key": "child_full_name", "label": "Họ, chữ đệm, tên người được khai sinh", "type": "text", "required": True},
        {"key": "child_birth_date", "label": "Ngày sinh", "type": "date", "required": True},
        {"key": "child_sex", "label": "Giới tính", "type": "choice", "required": True, "choices": ["Nam", "Nữ"]},
    ],
    "components": [{"name": "Tờ khai đăng ký khai sinh", "mandatory": True, "file_types": ["pdf", "jpg"]},
                   {"name": "Giấy chứng sinh", "mandatory": True, "file_types": ["PDF"]}],
    "result": "Giấy khai sinh (bản điện tử)",
    "legal_basis": ["Luật Hộ tịch số 60/2014/QH13"],
    "steps": [
        {"name": "Tiếp nhận hồ sơ", "role": "counter_officer", "hours": 1},
        {"name": "Thẩm định", "role": "specialist", "hours": 5},
        {"name": "Ký kết quả", "role": "leader", "hours": 1},
        {"name": "Trả kết quả", "role": "counter_officer", "hours": 1},
    ],
}
save_procedure(**spec)
# Citizens sign up on their own (no service): one hash, reused, keeps seeding fast.
User = get_user_model()
hashed = make_password(cfg["password"])
with transaction.atomic():
    User.objects.bulk_create([User(username=f"bench_citizen{i}", password=hashed)
                              for i in range(cfg["citizens"])])
print("seeded", User.objects.count(), "users")
'''

# --- in-process breakdown (no HTTP): one lifecycle step by step, queries and DB time -------

BREAKDOWN = r'''
import cProfile, io, json, os, pstats, statistics, time
from datetime import datetime, timedelta, timezone as tz
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

cfg = json.loads(os.environ["BENCH_CFG"])
if cfg["patch_lock"]:
    exec(os.environ["BENCH_PATCH"])
    patch_lock()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
User = get_user_model()
qstat = {"n": 0, "t": 0.0, "commits": 0, "commit_t": 0.0}

sql_log = []
current = {"kind": None, "record_sql": False}

def timer(execute, sql, params, many, context):
    t = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        if current["record_sql"] and current["kind"] == cfg["sql"]:
            sql_log.append(f"{(time.perf_counter() - t) * 1000:6.2f} ms  {' '.join(sql.split())[:160]}")
        qstat["n"] += 1
        qstat["t"] += time.perf_counter() - t

_commit = connection.commit

def timed_commit():  # COMMIT does not go through execute(): time it here (fsync / WAL flush)
    t = time.perf_counter()
    try:
        return _commit()
    finally:
        qstat["commits"] += 1
        qstat["t"] += time.perf_counter() - t
        qstat["commit_t"] += time.perf_counter() - t

connection.commit = timed_commit
clients = {}
for role, username in [("citizen", "bench_citizen0"), ("counter", "bench_counter"),
                       ("specialist", "bench_specialist"), ("leader", "bench_leader")]:
    c = Client()
    c.force_login(User.objects.get(username=username))
    clients[role] = c
public = Client()
rows = {}

def step(kind, fn, expect=None):
    qstat.update(n=0, t=0.0, commits=0, commit_t=0.0)
    current["kind"] = kind
    with connection.execute_wrapper(timer):
        t, c = time.perf_counter(), time.process_time()
        r = fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    if expect is not None and r.status_code != expect:
        raise SystemExit(f"{kind}: HTTP {r.status_code} {r.content[:300]!r}")
    if current["record_sql"] and kind == cfg["sql"]:
        current["record_sql"] = False
    if profiler is not None and profiler_on[0]:
        return r
    rows.setdefault(kind, []).append((wall * 1000, qstat["n"], qstat["t"] * 1000, qstat["commits"],
                                      qstat["commit_t"] * 1000, cpu * 1000))
    return r

def act(who, code, action, body=None):
    return clients[who].post(f"/api/v1/dossiers/{code}/actions/{action}", data=json.dumps(body or {}),
                             content_type="application/json")

def lifecycle(i):
    data = {"procedure": cfg["procedure"], "agency": cfg["agency"], "applicant_name": "Nguyễn Thị Hương",
            "applicant_id_number": f"0263{i:08d}", "answer_child_full_name": "Nguyễn Văn An",
            "answer_child_birth_date": "15/03/2025", "answer_child_sex": "Nam",
            "file_1": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
            "file_2": SimpleUploadedFile("giay-chung-sinh.pdf", PDF, "application/pdf")}
    if cfg["contact"]:
        data.update(applicant_phone="0912340000", applicant_email="huong@example.vn")
    r = step("submit", lambda: clients["counter"].post("/api/v1/dossiers", data), 201)
    code = r.json()["code"]
    step("receive", lambda: act("counter", code, "receive"), 200)
    step("assign", lambda: act("counter", code, "assign", {"assignee": "bench_specialist"}), 200)
    step("start", lambda: act("specialist", code, "start"), 200)
    step("attach_result", lambda: clients["specialist"].post(
        f"/api/v1/dossiers/{code}/result",
        {"file": SimpleUploadedFile("ket-qua.pdf", PDF, "application/pdf")}), 201)
    step("forward(specialist)", lambda: act("specialist", code, "forward"), 200)
    step("forward(leader,sign)", lambda: act("leader", code, "forward"), 200)
    step("return_result", lambda: act("counter", code, "return_result"), 200)
    step("track(public)", lambda: public.get(f"/api/v1/public/dossiers/{code}?id4={i % 10000:04d}"), 200)
    return code

def server_cpu():
    """CPU seconds used so far by this connection's PostgreSQL server process (None on
    SQLite or when the server's /proc is not readable, e.g. on another machine)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


profiler, profiler_on = None, [False]
lifecycle(90000000)  # warm: imports, templates, fonts
rows.clear()
current["record_sql"] = bool(cfg["sql"])
cpu0, pg0, t0 = time.process_time(), server_cpu(), time.perf_counter()
codes = [lifecycle(90000001 + i) for i in range(cfg["breakdown"])]
cpu1, pg1, t1 = time.process_time(), server_cpu(), time.perf_counter()
lifecycle_cpu = {"python_ms": (cpu1 - cpu0) * 1000 / max(1, cfg["breakdown"]),
                 "wall_ms": (t1 - t0) * 1000 / max(1, cfg["breakdown"]),
                 "server_ms": None if pg0 is None or pg1 is None
                 else (pg1 - pg0) * 1000 / max(1, cfg["breakdown"])}
if cfg["profile"]:  # more lifecycles, profiled (not in the table: cProfile slows Python down)
    # CPU time of this process, not wall time: the machine is shared, and time spent
    # waiting for PostgreSQL (or for a CPU) would otherwise count as the caller's.
    profiler = cProfile.Profile(time.process_time)
    profiler_on[0] = True
    profiler.enable()
    for i in range(cfg["breakdown"]):
        lifecycle(91000001 + i)
    profiler.disable()
    profiler_on[0] = False
# the background tasks the lifecycle enqueued (no worker runs here): their cost, run inline
from chinhquyenso.dossiers import services
from chinhquyenso.dossiers.models import Dossier
tasks = [(name, getattr(services, name)) for name in ("issue_receipt", "issue_result_notice")
         if hasattr(services, name)]
for code in codes:
    pk = Dossier.objects.get(code=code).pk
    for name, fn in tasks:
        step(f"task:{name}", lambda: fn(dossier_id=pk))

from chinhquyenso.dossiers.letters import render_receipt, render_result_notice
now = datetime.now(tz.utc)
url = services.tracking_url(Dossier.objects.get(code=codes[0]))  # its length sets the QR code's size
pdf_ms = {"render_receipt": [], "render_result_notice": []}
for _ in range(10):
    t = time.perf_counter()
    render_receipt(agency_name="Ủy ban nhân dân phường Tích Sơn", place="Phường Tích Sơn", issued_at=now,
                   dossier_code="000.00.21.H62-261126-0001", applicant_name="Nguyễn Thị Hương",
                   procedure_name="Thủ tục đăng ký khai sinh", components=["Tờ khai", "Giấy chứng sinh"],
                   received_at=now, due_at=now + timedelta(hours=8), fee_total=0, officer_name="Vũ Thị Lan",
                   tracking_url=url)
    pdf_ms["render_receipt"].append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    render_result_notice(agency_name="Ủy ban nhân dân phường Tích Sơn", place="Phường Tích Sơn", issued_at=now,
                         dossier_code="000.00.21.H62-261126-0001", applicant_name="Nguyễn Thị Hương",
                         procedure_name="Thủ tục đăng ký khai sinh", result_name="Giấy khai sinh",
                         files=[("ket-qua.pdf", "0" * 64)], signer_name="Bùi Văn Sơn",
                         signer_title="Chủ tịch", tracking_url=url)
    pdf_ms["render_result_notice"].append((time.perf_counter() - t) * 1000)

if profiler:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(15)
    print(out.getvalue())
    # where the request time goes, by area: cumulative time of chosen functions (they overlap)
    AREAS = [
        ("all requests (handler)", "core/handlers/base.py", "_get_response"),
        ("ninja operation (API views)", "ninja/operation.py", "run"),
        ("attach_result (API)", "dossiers/api.py", "attach_result"),
        ("session load (middleware)", "sessions/backends/db.py", "load"),
        ("session save (every request)", "sessions/middleware.py", "process_response"),
        ("auth: user from session", "contrib/auth/__init__.py", "get_user"),
        ("csrf check", "middleware/csrf.py", "process_view"),
        ("multipart parsing", "http/multipartparser.py", "parse"),
        ("submit_dossier service", "dossiers/services.py", "submit_dossier"),
        ("store_dossier_file (uploads)", "dossiers/uploads.py", "store_dossier_file"),
        ("next_dossier_code (counter lock)", "dossiers/codes.py", "next_dossier_code"),
        ("_lock (dossier FOR UPDATE)", "dossiers/services.py", "_lock"),
        ("_record (event + audit)", "dossiers/services.py", "_record"),
        ("record_audit (all, chain lock)", "core/services.py", "record_audit"),
        ("_notify (e-mail + SMS rows)", "dossiers/services.py", "_notify"),
        ("task enqueue (after commit)", "django_tasks/base.py", "enqueue"),
        ("permissions can()", "org/permissions.py", "can"),
        ("calendar_for", "org/queries.py", "calendar_for"),
        ("standing()", "dossiers/deadlines.py", "standing"),
        ("dossier_out (response body)", "dossiers/api.py", "dossier_out"),
        ("refresh_from_db after action", "db/models/base.py", "refresh_from_db"),
        ("transaction commit", "db/backends/base/base.py", "commit"),
        ("ORM: compile SQL", "db/models/sql/compiler.py", "as_sql"),
        ("psycopg: wait for server", "psycopg/connection.py", "wait"),
        ("sqlite3: execute", "backends/sqlite3/base.py", "execute"),
    ]
    total = sum(v[2] for v in stats.stats.values())  # all tottime = profiled time
    n = max(1, cfg["breakdown"])
    print(f"  by area (CPU time of the Python process, profiled: cProfile inflates it; {n} lifecycles, "
          f"total {total * 1000 / n:.0f} ms each):")
    print(f"    {'area':<36}{'calls/lc':>9}{'ms/lc':>8}{'share':>7}")
    for label, fragment, func in AREAS:
        calls = cum = 0.0
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
            if name == func and filename.replace("\\", "/").endswith(fragment):
                calls += nc
                cum += ct
        if calls:
            print(f"    {label:<36}{calls / n:9.1f}{cum * 1000 / n:8.1f}{cum / total:7.0%}")
if sql_log:
    print(f"  the {len(sql_log)} statements of one '{cfg['sql']}' request (time as seen from Python):")
    for line in sql_log:
        print("    " + line)
result = {
    "steps": {k: {"wall_ms": statistics.median(r[0] for r in v), "queries": statistics.median(r[1] for r in v),
                  "db_ms": statistics.median(r[2] for r in v), "commits": statistics.median(r[3] for r in v),
                  "commit_ms": statistics.median(r[4] for r in v),
                  "cpu_ms": statistics.median(r[5] for r in v)}
              for k, v in rows.items()},
    "lifecycle": lifecycle_cpu,
    "pdf_ms": {k: statistics.median(v) for k, v in pdf_ms.items()},
}
print("BENCH_JSON " + json.dumps(result))
'''


# --- opt-in, bench-only workaround (--pg-lock-workaround) -----------------------------------
# dossiers.services._lock() does select_for_update() with select_related("current_step"), a
# nullable foreign key, i.e. a LEFT OUTER JOIN: PostgreSQL refuses it ("FOR UPDATE cannot be
# applied to the nullable side of an outer join"), so every transition answers 500 there.
# With the flag the server processes lock only the dossier row (FOR UPDATE OF self). The
# application's files are not touched; the output says when the patch was in force.

PATCH = r'''
def patch_lock():
    from chinhquyenso.dossiers import services
    from chinhquyenso.dossiers.models import Dossier

    def _lock(dossier_id):
        return (Dossier.objects.select_for_update(of=("self",))
                .select_related("procedure", "agency", "agency__unit", "current_step")
                .get(pk=dossier_id))

    services._lock = _lock


def post_worker_init(worker):
    patch_lock()
'''


# --- cleanup that survives Ctrl+C -----------------------------------------------------------

class Cleanup:
    """Callables run last-in first-out, once, whatever happens."""

    def __init__(self) -> None:
        self._items: list[tuple[str, object]] = []

    def push(self, label: str, fn) -> None:
        self._items.append((label, fn))

    def run(self) -> None:
        while self._items:
            label, fn = self._items.pop()
            try:
                fn()
            except BaseException as exc:  # keep cleaning up whatever happens
                print(f"  cleanup {label}: {exc!r}", file=sys.stderr)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# --- HTTP ---------------------------------------------------------------------------------

class Jar:
    """The cookies of one browser session (one actor): sessionid and csrftoken."""

    KEEP = ("sessionid", "csrftoken")

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def update(self, headers) -> None:
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            key = key.strip()
            if key not in self.KEEP:
                continue
            expired = "max-age=0" in value.lower() or val.strip('"') == ""
            if expired:
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = val.strip('"')

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")


class Conn:
    """One keep-alive connection; reconnects once if the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, list, bytes]:
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.close()
                return resp.status, resp.getheaders(), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
                self.reconnects += 1
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "cqsbench" + uuid.uuid4().hex
    out = bytearray()
    for name, value in fields:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n").encode()
    for name, filename, data in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n').encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def readable(body: bytes) -> str:
    """An error body in one line: JSON as it is, HTML reduced to its text."""
    text = body[:4000].decode("utf-8", "replace")
    if "<" in text:
        text = re.sub(r"(?s)<(script|style).*?</\1>", " ", text)
        text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())[:300]


def login(port: int, username: str) -> Jar:
    jar, conn = Jar(), Conn(port)
    try:
        status, headers, _ = conn.request("GET", "/dang-nhap/")
        jar.update(headers)
        if status != 200 or not jar.csrf:
            raise RuntimeError(f"GET /dang-nhap/ → {status}, no csrftoken cookie")
        body = urlencode({"username": username, "password": PASSWORD,
                          "csrfmiddlewaretoken": jar.csrf}).encode()
        status, headers, data = conn.request("POST", "/dang-nhap/", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": jar.header()})
        jar.update(headers)
        if status != 302 or "sessionid" not in jar.cookies:
            raise RuntimeError(f"login {username} → {status}: {data[:200]!r}")
        return jar
    finally:
        conn.close()


# --- the load -------------------------------------------------------------------------------

class Run:
    """Shared state of one load run."""

    def __init__(self, *, start: float, window_start: float, deadline: float, lifecycle_limit: int | None,
                 contact: bool) -> None:
        self.start, self.window_start, self.deadline = start, window_start, deadline
        self.lifecycle_limit = lifecycle_limit
        self.contact = contact
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.started = 0

    def claim(self) -> bool:
        if self.stop.is_set() or time.perf_counter() >= self.deadline:
            return False
        if self.lifecycle_limit is None:
            return True
        with self.lock:
            if self.started >= self.lifecycle_limit:
                return False
            self.started += 1
            return True


class Abort(Exception):
    pass


class Client(threading.Thread):
    def __init__(self, idx: int, port: int, jars: dict[str, Jar], run: Run, delay: float = 0.0) -> None:
        super().__init__(name=f"client-{idx}", daemon=True)
        self.idx, self.run_ = idx, run
        self.delay = delay  # seconds before the first lifecycle
        self.conn = Conn(port)
        self.jars = jars
        self.records: list[tuple[str, float, float, bool]] = []  # kind, start, end, ok
        self.lifecycles: list[float] = []  # end times
        self.errors: list[tuple[str, int, str]] = []
        self.seq = 0
        self.crash: BaseException | None = None

    def call(self, kind: str, method: str, path: str, actor: str | None, body: bytes | None = None,
             ctype: str | None = None, expect: int = 200) -> tuple[int, list, bytes]:
        if self.run_.stop.is_set() or time.perf_counter() >= self.run_.deadline:
            raise Abort
        headers = {}
        jar = self.jars[actor] if actor else None
        if jar is not None:
            headers["Cookie"] = jar.header()
            if method == "POST":
                headers["X-CSRFToken"] = jar.csrf
        if ctype:
            headers["Content-Type"] = ctype
        t0 = time.perf_counter()
        try:
            status, resp_headers, data = self.conn.request(method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            t1 = time.perf_counter()
            self.records.append((kind, t0, t1, False))
            self.errors.append((kind, 0, repr(exc)))
            self.conn.close()
            raise Abort from exc
        t1 = time.perf_counter()
        if jar is not None:
            jar.update(resp_headers)
        problem = ""
        if status != expect:
            problem = readable(data) or f"HTTP {status}, empty body"
        self.records.append((kind, t0, t1, not problem))
        if problem:
            self.errors.append((kind, status, problem))
            raise Abort
        return status, resp_headers, data

    def lifecycle(self) -> None:
        self.seq += 1
        id_number = f"{self.idx:05d}{self.seq:07d}"
        fields = [("procedure", PROCEDURE), ("agency", AGENCY), ("applicant_name", "Nguyễn Thị Hương"),
                  ("applicant_id_number", id_number), ("answer_child_full_name", "Nguyễn Văn An"),
                  ("answer_child_birth_date", "15/03/2025"), ("answer_child_sex", "Nam")]
        if self.run_.contact:
            fields += [("applicant_phone", "0912340000"), ("applicant_email", "huong@example.vn")]
        body, ctype = multipart(fields, [("file_1", "to-khai.pdf", PDF), ("file_2", "giay-chung-sinh.pdf", PDF)])
        # Submitted at the one-stop counter (assisted): an online submission needs the
        # citizen's e-ID login through the identity provider, which this load test skips.
        _, _, data = self.call("submit", "POST", "/api/v1/dossiers", "counter", body, ctype, expect=201)
        code = json.loads(data)["code"]
        q = quote(code, safe="")

        def act(kind, actor, action, payload=None):
            return self.call(kind, "POST", f"/api/v1/dossiers/{q}/actions/{action}", actor,
                             json.dumps(payload or {}).encode(), "application/json")

        act("receive", "counter", "receive")
        act("assign", "counter", "assign", {"assignee": "bench_specialist"})
        act("start", "specialist", "start")
        body, ctype = multipart([], [("file", "ket-qua.pdf", PDF)])
        self.call("attach_result", "POST", f"/api/v1/dossiers/{q}/result",
                  "specialist", body, ctype, expect=201)
        act("forward(specialist)", "specialist", "forward")
        act("forward(leader,sign)", "leader", "forward")
        act("return_result", "counter", "return_result")
        _, _, data = self.call("track(public)", "GET",
                               f"/api/v1/public/dossiers/{q}?{urlencode({'id4': id_number[-4:]})}", None)
        status = json.loads(data).get("status")
        if status != "returned":
            self.errors.append(("track(public)", 200, f"status {status!r}, expected 'returned'"))
            return
        self.lifecycles.append(time.perf_counter())

    def run(self) -> None:
        try:
            if self.delay and self.run_.stop.wait(self.delay):
                return
            while self.run_.claim():
                try:
                    self.lifecycle()
                except Abort:
                    continue
        except BaseException as exc:  # report, don't hang the run
            self.crash = exc
        finally:
            self.conn.close()


# --- measurements -----------------------------------------------------------------------------

def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def proc_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def processes() -> list[tuple[int, int, str]]:
    """(pid, ppid, comm) of every process, read from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.find("(") + 1:text.rfind(")")]
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        out.append((int(entry), ppid, comm))
    return out


def cpu_snapshot(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far: this client, each started server (with its children), every
    `postgres` process of the machine, and the whole machine (busy time of all CPUs).
    (The server processes of the bench database alone are followed by PgSampler.)"""
    procs = processes()
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    snap = {"client": sum(os.times()[:2])}
    for name, root in roots.items():
        tree = {root} | {pid for pid, ppid, _ in procs if ppid == root}
        snap[name] = sum(proc_cpu_seconds(p) for p in tree)
    snap["postgres (all databases)"] = sum(proc_cpu_seconds(p) for p, _, comm in procs if comm == "postgres")
    snap["machine_busy"] = (sum(cpu) - cpu[3] - cpu[4]) / os.sysconf("SC_CLK_TCK")
    return snap


def distinct(errors: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    seen, out = set(), []
    for e in errors:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


def summarise(clients: list[Client], window_start: float, window_end: float, slice_s: float) -> dict:
    records = [r for c in clients for r in c.records if window_start <= r[1] < window_end]
    ends = [r[2] for r in records]
    span = max(max(ends, default=window_end), window_start + 1e-9) - window_start
    by_kind: dict[str, list[float]] = {}
    errors_by_kind: dict[str, int] = {}
    for kind, t0, t1, ok in records:
        by_kind.setdefault(kind, []).append((t1 - t0) * 1000)
        if not ok:
            errors_by_kind[kind] = errors_by_kind.get(kind, 0) + 1
    lat = sorted(x for v in by_kind.values() for x in v)
    lifecycles = [t for c in clients for t in c.lifecycles if t >= window_start]
    slices = []
    if slice_s > 0:
        for i in range(int(span // slice_s)):  # whole slices only
            a, b = window_start + i * slice_s, window_start + (i + 1) * slice_s
            slices.append(sum(1 for r in records if a <= r[1] < b) / slice_s)
    all_errors = [e for c in clients for e in c.errors]
    return {
        "requests": len(records), "span": span, "rps": len(records) / span,
        "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99), "max": lat[-1] if lat else float("nan"),
        "kinds": {k: {"n": len(v), "p50": pct(sorted(v), 50), "p95": pct(sorted(v), 95),
                      "p99": pct(sorted(v), 99), "errors": errors_by_kind.get(k, 0)}
                  for k, v in ((k, by_kind.get(k, [])) for k in KINDS)},
        "lifecycles": len(lifecycles), "lps": len(lifecycles) / span,
        "errors": sum(errors_by_kind.values()), "errors_total": len(all_errors),
        "error_samples": distinct(all_errors)[:5], "slices": slices,
        "reconnects": sum(c.conn.reconnects for c in clients),
    }


# --- one database ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def base_env(database_url: str, var_dir: Path, redis_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update({
        "DATABASE_URL": database_url, "CQS_VAR_DIR": str(var_dir), "CQS_BASE_DIR": str(REPO),
        "SECRET_KEY": secrets.token_urlsafe(40), "DEBUG": "0", "ALLOWED_HOSTS": HOST,
        "AXES_FAILURE_LIMIT": "100000", "DJANGO_SETTINGS_MODULE": "chinhquyenso.settings",
        "PYTHONPATH": str(REPO / "src") + (os.pathsep + os.environ["PYTHONPATH"]
                                            if os.environ.get("PYTHONPATH") else ""),
        "PUBLIC_BASE_URL": f"http://{HOST}:8000", "REDIS_URL": redis_url,
    })
    return env


def flush_redis(url: str) -> None:
    """Empty the Redis database the bench was given (its sessions, cache and queued jobs)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def run_checked(cmd: list[str], env: dict, label: str, log: Path) -> float:
    t0 = time.perf_counter()
    with open(log, "ab") as out:
        proc = subprocess.run(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f"{label} failed (exit {proc.returncode}); see the tail of {log}:\n"
                           + log.read_text(errors="replace")[-3000:])
    return time.perf_counter() - t0


def patched(args, env: dict) -> bool:
    return bool(args.pg_lock_workaround and env["DATABASE_URL"].startswith("postgres"))


def start_task_worker(env: dict, tmp: Path, cleanup: Cleanup, patch: bool) -> subprocess.Popen:
    """One django-tasks database worker, as a deployment would run beside gunicorn."""
    log = open(tmp / "worker.log", "ab")  # noqa: SIM115 — closed by the cleanup
    cmd = [PYTHON, "manage.py", "db_worker", "--interval", "0.5", "--no-reload", "--no-startup-delay"]
    wenv = dict(env)
    if patch:
        wenv["BENCH_PATCH"] = PATCH
        cmd = [PYTHON, "-c", "import os, sys; exec(os.environ['BENCH_PATCH']); import django; django.setup(); "
               "patch_lock(); from django.core.management import call_command; "
               "call_command('db_worker', interval=0.5, reload=False, startup_delay=False)"]
    proc = subprocess.Popen(cmd, env=wenv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)

    def stop() -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()

    cleanup.push("task worker", stop)
    return proc


def start_gunicorn(env: dict, args, tmp: Path, cleanup: Cleanup) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = tmp / "gunicorn.log"
    cmd = [GUNICORN, "chinhquyenso.wsgi:application", "--bind", f"{HOST}:{port}",
           "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
           "--chdir", str(REPO), "--timeout", "120", "--error-logfile", str(log), "--log-level", "warning",
           "--access-logfile", str(tmp / "access.log"), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s %(D)s"]
    if patched(args, env):
        conf = tmp / "gunicorn_bench_patch.py"
        conf.write_text(PATCH)
        cmd += ["--config", str(conf)]
    out = open(log, "ab")  # noqa: SIM115 — closed by the cleanup
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)

    def stop() -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this script created
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        out.close()

    cleanup.push("gunicorn", stop)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n" + log.read_text(errors="replace")[-3000:])
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=5)
            c.request("GET", "/healthz")
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status == 200:
                return proc, port
            last = f"{r.status} {body[:200]!r}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.3)
    raise RuntimeError(f"/healthz did not answer 200 within 90 s (last: {last})")


def load(port: int, args, roots: dict[str, int], *, clients_n: int, warmup: float, duration: float,
         lifecycles: int | None, citizen_jars: list[Jar], official_jars: list[dict[str, Jar]],
         sample_cpu: bool, access_log: Path | None = None, pg_db: str | None = None) -> dict:
    now = time.perf_counter()
    run = Run(start=now, window_start=now + warmup, deadline=now + warmup + duration,
              lifecycle_limit=lifecycles, contact=not args.no_contact)
    clients = []
    for i in range(clients_n):
        jars = {"citizen": citizen_jars[i % len(citizen_jars)], **official_jars[i % len(official_jars)]}
        # Started together, the clients would stay in step for the whole run (the server
        # answers in arrival order, so each round serves the same step of every client):
        # all of them submit at once, then all receive, and so on. Spread over --stagger
        # seconds, they are at different steps at any moment, as people are.
        clients.append(Client(i, port, jars, run, delay=min(args.stagger, warmup) * i / clients_n))
    for c in clients:
        c.start()
    cpu0 = cpu1 = sampler = None
    t_cpu0 = t_cpu1 = 0.0
    try:
        if sample_cpu:
            while time.perf_counter() < run.window_start and any(c.is_alive() for c in clients):
                time.sleep(0.05)
            cpu0, t_cpu0 = cpu_snapshot(roots), time.perf_counter()
            offset0 = access_log.stat().st_size if access_log and access_log.exists() else 0
            sampler = PgSampler(pg_db, run.deadline) if pg_db else None
        for c in clients:
            while c.is_alive():
                c.join(0.2)
                if sample_cpu and cpu1 is None and time.perf_counter() >= run.deadline:
                    cpu1, t_cpu1 = cpu_snapshot(roots), time.perf_counter()
                    offset1 = access_log.stat().st_size if access_log and access_log.exists() else 0
    except BaseException:
        run.stop.set()
        raise
    if sample_cpu and cpu1 is None:
        cpu1, t_cpu1 = cpu_snapshot(roots), time.perf_counter()
        offset1 = access_log.stat().st_size if access_log and access_log.exists() else 0
    for c in clients:
        if c.crash is not None:
            raise RuntimeError(f"{c.name} crashed: {c.crash!r}")
    result = summarise(clients, run.window_start, run.deadline, args.slice)
    if cpu0 and cpu1:
        dt = t_cpu1 - t_cpu0
        # processes that ended in the window take their CPU time with them: clamp at 0
        if sampler is not None:
            sampler.join(5)
            cpu0["postgres (bench database)"], cpu1["postgres (bench database)"] = 0.0, sampler.cpu_seconds()
        result["cpu_cores"] = {k: max(0.0, (cpu1[k] - cpu0[k]) / dt) for k in cpu0}
        # CPU per request: steadier than requests/s on a shared machine (the window's
        # requests are those started in it; the CPU window ends with the last response)
        done = sum(1 for c in clients for r in c.records if run.window_start <= r[1] < run.deadline)
        if done:
            result["cpu_ms_per_request"] = {k: max(0.0, cpu1[k] - cpu0[k]) * 1000 / done
                                            for k in cpu0 if k not in ("client", "machine_busy",
                                                                       "postgres (all databases)")}
    if sample_cpu and access_log and access_log.exists():
        result["server_ms"] = server_times(access_log, offset0, offset1)
    if sample_cpu and sampler is not None:
        result["pg_waits"] = sampler.summary()
    return result


def server_times(log: Path, start: int, end: int) -> dict[str, dict]:
    """Time inside gunicorn/Django per request kind, from the access log (%(D)s µs)."""
    with open(log, "rb") as f:
        f.seek(start)
        lines = f.read(max(0, end - start)).decode("utf-8", "replace").splitlines()
    times: dict[str, list[float]] = {}
    per_worker: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 5 or not parts[4].isdigit():
            continue
        worker, method, path, _status, micros = parts
        per_worker[worker] = per_worker.get(worker, 0) + 1
        if path.endswith("/result"):
            kind = "attach_result"
        elif "/actions/" in path:
            kind = path.rsplit("/", 1)[1]
            kind = "forward(both)" if kind == "forward" else kind
        elif path.startswith("/api/v1/public/dossiers/"):
            kind = "track(public)"
        elif path == "/api/v1/dossiers" and method == "POST":
            kind = "submit"
        else:
            continue
        times.setdefault(kind, []).append(int(micros) / 1000)
    result = {k: {"n": len(v), "p50": pct(sorted(v), 50), "p95": pct(sorted(v), 95)} for k, v in times.items()}
    result["per_worker"] = sorted(per_worker.values(), reverse=True)
    return result


class PgSampler(threading.Thread):
    """Samples pg_stat_activity of the bench database 5 times a second: how many server
    connections are running, waiting for a lock, or idle inside a transaction; and the
    CPU time of those server processes (read at every sample, so a connection that ends,
    e.g. after DB_CONN_MAX_AGE, loses at most one interval of its CPU time)."""

    def __init__(self, dbname: str, deadline: float) -> None:
        super().__init__(daemon=True, name="pg-sampler")
        self.dbname, self.deadline = dbname, deadline
        self.samples = 0
        self.counts: dict[str, int] = {}
        self.first_cpu: dict[int, float] = {}  # pid -> CPU seconds when first seen (0: born since)
        self.last_cpu: dict[int, float] = {}
        self.failed = ""
        self.start()

    def cpu_seconds(self) -> float:
        return sum(last - self.first_cpu[pid] for pid, last in self.last_cpu.items())

    def run(self) -> None:
        try:
            import psycopg  # in the project's venv; the sampler is skipped without it
        except ImportError:
            self.failed = "psycopg not importable"
            return
        try:
            with psycopg.connect(host=HOST, user="postgres", dbname=self.dbname, autocommit=True) as conn:
                while time.perf_counter() < self.deadline:
                    rows = conn.execute(
                        "SELECT state, wait_event_type, wait_event, query, pid FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                        (self.dbname,)).fetchall()
                    for *_, pid in rows:
                        cpu = proc_cpu_seconds(pid)
                        if cpu:
                            self.first_cpu.setdefault(pid, cpu if not self.samples else 0.0)
                            self.last_cpu[pid] = cpu
                    self.samples += 1
                    for state, wtype, wevent, query, _pid in rows:
                        if state == "active" and wtype == "Lock":
                            # the statement that waits names the table whose row is locked
                            match = re.search(r'(?:FROM|UPDATE|INTO)\s+"(\w+)"', query or "")
                            key = f"active, waiting Lock:{wevent} in {match.group(1) if match else '?'}"
                        elif state == "active":
                            key = f"active, waiting {wtype}:{wevent}" if wtype else "active, on CPU"
                        elif state in ("idle in transaction", "idle in transaction (aborted)"):
                            key = "idle in transaction (Python holds the locks)"
                        else:
                            continue
                        self.counts[key] = self.counts.get(key, 0) + 1
                    time.sleep(0.2)
        except Exception as exc:  # the sampler must never break the run
            self.failed = repr(exc)

    def summary(self) -> dict:
        if not self.samples:
            return {"failed": self.failed or "no samples"}
        return {k: v / self.samples for k, v in sorted(self.counts.items(), key=lambda kv: -kv[1])}


def pending_tasks(port: int):
    try:
        c = http.client.HTTPConnection(HOST, port, timeout=30)
        c.request("GET", "/healthz")
        body = json.loads(c.getresponse().read())
        c.close()
        return body.get("pending_tasks")
    except (OSError, ValueError, http.client.HTTPException):
        return None


def report_log_errors(name: str, log: Path) -> None:
    """How many 500s / tracebacks a server log holds, and the first exception line."""
    if not log.exists():
        return
    lines = log.read_text(errors="replace").splitlines()
    errors = [line for line in lines if " ERROR " in line]
    tracebacks = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    if not errors and not tracebacks:
        return
    first = ""
    if tracebacks:
        for line in lines[tracebacks[0] + 1:]:
            if line and not line.startswith((" ", "\t", "Traceback", "The above", "During handling")):
                first = line
                break
    print(f"  {name} log: {len(errors)} ERROR line(s), {len(tracebacks)} traceback(s)"
          + (f"; first exception: {first[:300]}" if first else ""))
    if errors:
        print(f"    first: {errors[0][:300]}")


def breakdown(env: dict, args, log: Path) -> dict | None:
    cfg = {"procedure": PROCEDURE, "agency": AGENCY, "breakdown": args.breakdown,
           "profile": args.profile, "contact": not args.no_contact, "patch_lock": patched(args, env),
           "sql": args.sql}
    benv = dict(env, BENCH_CFG=json.dumps(cfg), ALLOWED_HOSTS="testserver", BENCH_PATCH=PATCH)
    proc = subprocess.run([PYTHON, "-c", BREAKDOWN], env=benv, cwd=REPO, capture_output=True, text=True)
    with open(log, "a") as f:
        f.write(proc.stdout + proc.stderr)
    if proc.returncode:
        print(f"  in-process breakdown failed (exit {proc.returncode}): {proc.stderr[-1500:]}")
        return None
    text, _, tail = proc.stdout.rpartition("BENCH_JSON ")
    if text.strip():
        if args.profile:
            print("\n  cProfile (CPU time) of the in-process lifecycles (all steps):")
        print("\n".join("    " + line for line in text.strip().splitlines()))
    return json.loads(tail)


def bench_database(kind: str, args, cleanup: Cleanup) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"cqs-bench-{kind}-"))
    cleanup.push(f"rm {tmp}", lambda: shutil.rmtree(tmp, ignore_errors=True))
    var_dir = tmp / "var"
    var_dir.mkdir()
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        name = f"cqs_bench_{os.getpid()}"
        subprocess.run(["createdb", "-h", HOST, "-U", "postgres", name], check=True)
        cleanup.push(f"dropdb {name}", lambda: subprocess.run(
            ["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", "--force", name], check=True))
        url = f"postgres://postgres@{HOST}:5432/{name}"
    env = base_env(url, var_dir, args.redis)
    if args.redis:
        cleanup.push("empty the Redis database", lambda: flush_redis(args.redis))
        flush_redis(args.redis)
    log = tmp / "setup.log"
    out: dict = {"db": kind}

    print(f"\n=== {kind}: {url}")
    out["migrate_s"] = run_checked([PYTHON, "manage.py", "migrate", "--noinput"], env, "migrate", log)
    seed_env = dict(env, BENCH_CFG=json.dumps({"agency": AGENCY, "procedure": PROCEDURE, "password": PASSWORD,
                                               "citizens": args.citizens or args.clients}))
    out["seed_s"] = run_checked([PYTHON, "-c", SEED], seed_env, "seed", log)
    print(f"  migrated in {out['migrate_s']:.1f} s, seeded in {out['seed_s']:.1f} s")

    proc, port = start_gunicorn(env, args, tmp, cleanup)
    print(f"  gunicorn pid {proc.pid} on {HOST}:{port} — {args.workers} workers × {args.threads} threads (gthread)")
    out["patched"] = patched(args, env)
    if out["patched"]:
        print("  !! --pg-lock-workaround: the server runs with dossiers.services._lock patched to "
              "FOR UPDATE OF the dossier row only (bench-only, files untouched)")
    roots = {"gunicorn": proc.pid}
    worker = None
    if args.task_worker:
        worker = start_task_worker(env, tmp, cleanup, out["patched"])
        roots["task worker"] = worker.pid
        print(f"  task worker (django-tasks db_worker) pid {worker.pid}")
    else:
        print("  no task worker runs: work enqueued by the requests (PDFs, e-mail, SMS) waits in the "
              "database (--task-worker runs one)")

    t0 = time.perf_counter()
    n_citizens = args.citizens or args.clients
    official_sets = 1 if args.shared_officials else args.clients
    with ThreadPoolExecutor(max_workers=8) as pool:
        citizen_jars = list(pool.map(lambda i: login(port, f"bench_citizen{i}"), range(n_citizens)))
        official_jars = list(pool.map(lambda _: {
            "counter": login(port, "bench_counter"), "specialist": login(port, "bench_specialist"),
            "leader": login(port, "bench_leader")}, range(official_sets)))
    out["login_s"] = time.perf_counter() - t0
    print(f"  logged in {n_citizens} citizens and {official_sets} session(s) per official "
          f"in {out['login_s']:.1f} s (password hashing happens here only, not in the loop)")

    print(f"  load: {args.clients} clients, warm-up {args.warmup:g} s, then "
          + (f"{args.lifecycles} lifecycles (at most {args.duration:g} s)" if args.lifecycles
             else f"{args.duration:g} s"))
    out["load"] = load(port, args, roots, clients_n=args.clients, warmup=args.warmup,
                       duration=args.duration, lifecycles=args.lifecycles, citizen_jars=citizen_jars,
                       official_jars=official_jars, sample_cpu=True, access_log=tmp / "access.log",
                       pg_db=url.rsplit("/", 1)[1] if kind == "postgres" else None)
    out["load"]["pending_tasks"] = pending_tasks(port)
    print_load(out["load"], args)

    if args.isolated:
        print(f"\n  uncontended: 1 client, {args.isolated} lifecycles in a row")
        out["isolated"] = load(port, args, roots, clients_n=1, warmup=0, duration=120,
                               lifecycles=args.isolated, citizen_jars=citizen_jars,
                               official_jars=official_jars, sample_cpu=False)
        print_kinds(out["isolated"], short=True)

    # stop the servers now (their cleanup entries are then no-ops) so the breakdown has the machine
    for p in (proc, worker):
        if p is not None and p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)  # the process group this script created
            p.wait(timeout=30)
    report_log_errors("gunicorn", tmp / "gunicorn.log")
    if args.task_worker:
        report_log_errors("task worker", tmp / "worker.log")

    if args.breakdown:
        print(f"\n  in-process (Django test client, no HTTP, no concurrency), median of {args.breakdown} lifecycles:")
        bd = breakdown(env, args, log)
        if bd:
            out["breakdown"] = bd
            print("    (DB ms = time in queries and COMMITs as seen from Python, of which commit ms in COMMIT; "
                  "rest = Python in the request; CPU ms = CPU time of the Python process, test client included)")
            print(f"    {'step':<28}{'wall ms':>9}{'queries':>9}{'commits':>8}{'DB ms':>8}{'commit':>8}{'rest ms':>9}"
                  f"{'CPU ms':>8}")
            steps = bd["steps"]
            order = [k for k in KINDS if k in steps] + [k for k in steps if k not in KINDS]
            for k in order:
                s = steps[k]
                print(f"    {k:<28}{s['wall_ms']:9.1f}{s['queries']:9.0f}{s['commits']:8.0f}{s['db_ms']:8.1f}"
                      f"{s['commit_ms']:8.1f}{s['wall_ms'] - s['db_ms']:9.1f}{s['cpu_ms']:8.1f}")
                if k == order[len([x for x in KINDS if x in steps]) - 1]:
                    req = [steps[x] for x in KINDS if x in steps]
                    print(f"    {'= requests of a lifecycle':<28}{sum(x['wall_ms'] for x in req):9.1f}"
                          f"{sum(x['queries'] for x in req):9.0f}{sum(x['commits'] for x in req):8.0f}"
                          f"{sum(x['db_ms'] for x in req):8.1f}{sum(x['commit_ms'] for x in req):8.1f}"
                          f"{sum(x['wall_ms'] - x['db_ms'] for x in req):9.1f}{sum(x['cpu_ms'] for x in req):8.1f}")
            lc = bd["lifecycle"]
            print(f"    per lifecycle of 9 requests (mean of {args.breakdown}): wall {lc['wall_ms']:.1f} ms, "
                  f"Python CPU {lc['python_ms']:.1f} ms"
                  + (f", PostgreSQL server process CPU {lc['server_ms']:.1f} ms" if lc["server_ms"] is not None
                     else ""))
            print("    PDF rendering alone: " + ", ".join(f"{k} {v:.1f} ms" for k, v in bd["pdf_ms"].items()))
    return out


# --- output -----------------------------------------------------------------------------------

def print_kinds(r: dict, short: bool = False) -> None:
    print(f"    {'kind':<22}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for k in KINDS:
        s = r["kinds"][k]
        if s["n"]:
            print(f"    {k:<22}{s['n']:7d}{s['p50']:9.1f}{s['p95']:9.1f}{s['p99']:9.1f}{s['errors']:8d}")
    if short:
        print(f"    {'all':<22}{r['requests']:7d}{r['p50']:9.1f}{r['p95']:9.1f}{r['p99']:9.1f}{r['errors']:8d}")


def print_load(r: dict, args) -> None:
    print(f"  requests {r['requests']} in {r['span']:.1f} s → {r['rps']:.1f} req/s; "
          f"lifecycles {r['lifecycles']} → {r['lps']:.2f} /s")
    print(f"  latency ms: p50 {r['p50']:.1f}  p95 {r['p95']:.1f}  p99 {r['p99']:.1f}  max {r['max']:.1f}")
    if r["slices"]:
        sl = r["slices"]
        print(f"  req/s per {args.slice:g}-s slice: min {min(sl):.1f}, median {statistics.median(sl):.1f}, "
              f"max {max(sl):.1f}  ({', '.join(f'{x:.0f}' for x in sl)})")
    print_kinds(r)
    print(f"  errors (non-2xx or page error) in the window: {r['errors']}; all, warm-up included: "
          f"{r['errors_total']}; reconnects: {r['reconnects']}")
    if r["error_samples"]:
        print("  first distinct errors:")
    for kind, status, body in r["error_samples"]:
        print(f"    {kind} → {status}: {body[:300]}")
    if r.get("server_ms"):
        sm = r["server_ms"]
        print("  time inside gunicorn/Django (access log) vs as the client saw it, p50 ms — the rest is "
              "queueing for a server thread, the GIL and the CPUs:")
        if sm.get("per_worker"):
            print("  requests served by each gunicorn worker process (keep-alive connections stay with "
                  "the worker that accepted them): " + ", ".join(str(n) for n in sm["per_worker"]))
        for k in KINDS + ["forward(both)"]:
            if k in sm:
                client = r["kinds"].get(k, {}).get("p50")
                if k == "forward(both)":
                    both = [x for kk in ("forward(specialist)", "forward(leader,sign)") for x in [r["kinds"][kk]["p50"]]]
                    client = statistics.mean(both) if both else None
                print(f"    {k:<22} server p50 {sm[k]['p50']:7.1f}  p95 {sm[k]['p95']:7.1f}   client p50 "
                      + (f"{client:7.1f}" if client is not None else "      -"))
    if r.get("pg_waits"):
        w = r["pg_waits"]
        if "failed" in w:
            print(f"  pg_stat_activity sampling failed: {w['failed']}")
        else:
            print("  PostgreSQL connections of the bench database, average number in each state (5 samples/s):")
            for k, v in w.items():
                print(f"    {v:6.2f}  {k}")
    if r.get("pending_tasks") is not None:
        print(f"  background tasks waiting after the run (/healthz pending_tasks): {r['pending_tasks']}")
    if "cpu_cores" in r:
        c = dict(r["cpu_cores"])
        machine = c.pop("machine_busy")
        other = machine - sum(v for k, v in c.items() if k != "postgres (bench database)")
        parts = ", ".join(f"{k} {v:.2f}" for k, v in c.items())
        print(f"  CPU in the window, cores busy (machine has {os.cpu_count()}): all {machine:.2f} = {parts}, "
              f"other processes {other:.2f}")
    if r.get("cpu_ms_per_request"):
        print("  CPU ms per request: " + ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_ms_per_request"].items()))


def print_summary(results: list[dict], args) -> None:
    print("\n=== summary "
          f"({args.clients} clients, gunicorn {args.workers}×{args.threads} gthread, "
          f"{'Redis ' + args.redis if args.redis else 'no Redis'}, "
          f"{os.cpu_count()} CPUs; a shared, noisy machine: compare runs, not single figures)")
    print(f"  {'db':<9}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'lc/s':>7}{'errors':>8}{'CPU ms/req (gunicorn)':>23}")
    for r in results:
        x = r["load"]
        cpu = x.get("cpu_ms_per_request", {}).get("gunicorn")
        print(f"  {r['db'] + ('*' if r.get('patched') else ''):<9}{x['rps']:8.1f}{x['p50']:8.1f}{x['p95']:8.1f}{x['p99']:8.1f}"
              f"{x['lps']:7.2f}{x['errors']:8d}{cpu if cpu is not None else float('nan'):23.1f}")
    for r in results:
        if r["db"] == "postgres":
            x = r["load"]
            met = x["rps"] >= 300 and x["p99"] < 200
            print(f"  target on PostgreSQL (≥ 300 req/s, p99 < 200 ms at 32 clients): "
                  f"{'met' if met else 'NOT met'} ({x['rps']:.0f} req/s, p99 {x['p99']:.0f} ms"
                  f"{'' if args.clients == 32 else f', measured at {args.clients} clients'})")
    if any(r.get("patched") for r in results):
        print("  * with --pg-lock-workaround: dossiers.services._lock patched in the server processes "
              "(FOR UPDATE OF the dossier row only).")
    elif any(r["db"] == "postgres" and r["load"]["errors"] for r in results):
        print("  PostgreSQL errors: if they are 'FOR UPDATE cannot be applied to the nullable side of an "
              "outer join', every transition fails there; --pg-lock-workaround measures past it.")


def code_version() -> str:
    """HEAD and whether the work tree differs from it (read-only git calls)."""
    try:
        head = subprocess.run(["git", "--no-optional-locks", "rev-parse", "--short", "HEAD"], cwd=REPO,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"{head or 'unknown'}{' + uncommitted changes' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["both", "sqlite", "postgres"], default="both")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--duration", type=float, default=60, help="measured seconds per database (default 60)")
    p.add_argument("--lifecycles", type=int, help="stop after this many lifecycles (duration stays a cap)")
    p.add_argument("--warmup", type=float, default=5, help="seconds run before measuring (default 5)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    p.add_argument("--threads", type=int, default=2,
                   help="threads per worker process (default 2, as manage.py serve)")
    p.add_argument("--citizens", type=int, help="citizen accounts (default: one per client)")
    p.add_argument("--shared-officials", action="store_true",
                   help="one session per official shared by all clients (default: one per client)")
    p.add_argument("--no-contact", action="store_true",
                   help="submit without phone and e-mail (no notifications queued)")
    p.add_argument("--isolated", type=int, default=10, help="uncontended lifecycles after the load (0: skip)")
    p.add_argument("--breakdown", type=int, default=5, help="in-process lifecycles for the per-step table (0: skip)")
    p.add_argument("--profile", action="store_true", help="cProfile the in-process lifecycles")
    p.add_argument("--sql", metavar="KIND", default="",
                   help="print the SQL statements of one request of this kind in the in-process run, "
                        "e.g. start, submit, 'forward(leader,sign)'")
    p.add_argument("--stagger", type=float, default=1.0,
                   help="seconds over which the clients' starts are spread, at most the warm-up "
                        "(default 1; 0 starts them together, in step)")
    p.add_argument("--slice", type=float, default=10, help="seconds per throughput slice (default 10)")
    p.add_argument("--task-worker", action="store_true",
                   help="run one django-tasks db_worker beside gunicorn (it renders the PDFs, sends mail)")
    p.add_argument("--pg-lock-workaround", action="store_true",
                   help="PostgreSQL only, bench-only: patch dossiers.services._lock in the server "
                        "processes to FOR UPDATE OF self (see PATCH); without it transitions fail there")
    p.add_argument("--redis", metavar="URL", default="",
                   help="run the server with REDIS_URL=URL (cache, sessions, RQ task queue), as a "
                        "scaled-out deployment does; the bench empties that Redis database before and "
                        "after, so give it one of its own, e.g. redis://127.0.0.1:6379/13")
    p.add_argument("--quick", action="store_true", help="smoke run: 4 clients, 10 s, 2 s warm-up")
    args = p.parse_args(argv)
    if args.quick:
        args.clients, args.duration, args.warmup = 4, 10, 2
        args.isolated, args.breakdown, args.slice = min(args.isolated, 3), min(args.breakdown, 2), 5

    if args.redis and args.task_worker:
        p.error("--task-worker runs the database task worker; with --redis the tasks go to RQ")

    signal.signal(signal.SIGTERM, _raise_interrupt)
    print(f"code under test: {code_version()}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs"
          + "".join(f"; {name}={os.environ[name]}" for name in ("DB_PREPARED_STATEMENTS", "DB_CONN_MAX_AGE")
                    if os.environ.get(name)))
    cleanup = Cleanup()
    results = []
    try:
        for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            try:
                results.append(bench_database(kind, args, cleanup))
            finally:
                cleanup.run()
        print_summary(results, args)
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()


if __name__ == "__main__":
    sys.exit(main())
