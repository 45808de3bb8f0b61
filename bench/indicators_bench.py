#!/usr/bin/env python
"""Indicators at scale: build the aggregates from N dossiers, keep them current, and
answer the leader's dashboard from them.

Into the database DATABASE_URL points to (without it: a fresh SQLite file in a
temporary directory), the script

1. migrates and seeds a city (Vĩnh Yên, its 9 wards, a People's Committee each, the
   city's own), `--procedures` procedures and one system administrator, through the
   services;
2. loads N synthetic dossiers in bulk (COPY on PostgreSQL, executemany on SQLite), over
   five years (2021–2025): 75 % online, 60 % using population data, 96 % received,
   90 % of those finished (8 % late, 85 % with an electronic result), a rating for 30 %
   of the finished ones; the rest open (the pool for step 4). Files and events of
   dossiers are not loaded: neither the aggregates nor the dashboards read them;
3. builds the aggregates from scratch (`rebuild_aggregates`) and times it;
4. finishes `--changes` open dossiers the way `dossiers.services.forward_dossier` does
   (lock, snapshot, change, save, `on_dossier_change`, commit), each in its own
   transaction, and prints the median and p95 of the aggregate update alone and of the
   whole transaction;
5. calls the dashboard API (`/api/v1/indicators/dashboard/...`, through Django's test
   client, logged in as the administrator) `--requests` times per level, for the city,
   a ward and a procedure in a ward, over periods of a year, a quarter and a month, and
   prints p50/p95 in milliseconds.

    .venv/bin/python bench/indicators_bench.py                         # 1,000,000 on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cqs_ind_bench \\
        .venv/bin/python bench/indicators_bench.py --dossiers 10000000
    .venv/bin/python bench/indicators_bench.py --dossiers 20000 --changes 50 --requests 10   # smoke

It prints figures only. The database is left as it is (drop it when done).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

WARDS = [("8707", "Phường Tích Sơn"), ("8710", "Phường Liên Bảo"), ("8713", "Phường Hội Hợp"),
         ("8716", "Phường Đống Đa"), ("8719", "Phường Ngô Quyền"), ("8722", "Phường Đồng Tâm"),
         ("8725", "Phường Định Trung"), ("8728", "Phường Khai Quang"), ("8731", "Xã Thanh Trù")]
FIRST_DAY, DAYS = datetime(2021, 1, 1, 1, 0, tzinfo=UTC), 5 * 365


def setup_django(args) -> None:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ["DEBUG"] = "0"
    # Without DATABASE_URL the database is a fresh SQLite file in this directory.
    os.environ["CQS_VAR_DIR"] = tempfile.mkdtemp(prefix="cqs-ind-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "chinhquyenso.settings"
    import django

    django.setup()


def seed(args):
    from django.core.management import call_command

    from chinhquyenso.org import services as org
    from chinhquyenso.org.models import AgencyKind, Role
    from chinhquyenso.procedures.services import save_procedure

    call_command("migrate", verbosity=0)
    d = date(2006, 12, 1)
    province = org.create_unit(code="26", name="Tỉnh Vĩnh Phúc", unit_type="tinh", valid_from=d)
    city = org.create_unit(code="243", name="Thành phố Vĩnh Yên", unit_type="thanh_pho", parent=province,
                           valid_from=d)
    agencies = [org.create_agency(code="000.00.00.H62", name="Ủy ban nhân dân thành phố Vĩnh Yên",
                                  abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=city)]
    wards = []
    for i, (code, name) in enumerate(WARDS):
        ward = org.create_unit(code=code, name=name, unit_type="xa" if name.startswith("Xã") else "phuong",
                               parent=city, valid_from=d)
        wards.append(ward)
        agencies.append(org.create_agency(code=f"000.00.{21 + i}.H62", name=f"Ủy ban nhân dân {name}",
                                          abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=ward))
    admin = org.create_official(username="bench_admin", password=secrets.token_urlsafe(16),
                                full_name="Quản trị hệ thống", agency=agencies[0],
                                roles=[(Role.SYSTEM_ADMIN, province)]).user
    procedures = []
    for n in range(args.procedures):
        procedures.append(save_procedure(
            code=f"9.{n:06d}", name=f"Thủ tục thử số {n + 1}", field="Thử nghiệm",
            level="city" if n % 5 == 0 else "ward", service_level="full_online", duration=3,
            duration_unit="days", result="Kết quả",
            steps=[{"name": "Tiếp nhận", "role": "counter_officer", "hours": 2},
                   {"name": "Thẩm định", "role": "specialist", "hours": 16},
                   {"name": "Ký", "role": "leader", "hours": 6}],
            components=[{"name": "Tờ khai", "file_types": ["pdf"]}]))
    return city, wards, agencies, procedures, admin


def _rows(n: int, agencies, procedures, rng: random.Random):
    """One tuple per dossier, in DOSSIER_COLUMNS order, and the ratings to make."""
    city_agency, ward_agencies = agencies[0], agencies[1:]
    city_procedures = [p.pk for p in procedures if p.level == "city"]
    ward_procedures = [p.pk for p in procedures if p.level != "city"]
    for i in range(n):
        if city_procedures and rng.random() < 0.1:
            agency, procedure = city_agency.pk, rng.choice(city_procedures)
        else:
            agency, procedure = rng.choice(ward_agencies).pk, rng.choice(ward_procedures)
        submitted = FIRST_DAY + timedelta(seconds=rng.randrange(DAYS * 86400))
        online = rng.random() < 0.75
        received = due = finished = None
        state, electronic, rated = "submitted", False, None
        if rng.random() < 0.96:
            received = submitted + timedelta(minutes=rng.randrange(5, 600))
            due = received + timedelta(days=3)
            state = "processing"
            if rng.random() < 0.9:
                late = rng.random() < 0.08
                finished = due + timedelta(hours=rng.randrange(1, 72)) if late else \
                    received + timedelta(minutes=rng.randrange(30, 3 * 1440))
                state = "returned" if rng.random() < 0.7 else "done"
                electronic = rng.random() < 0.85
                if rng.random() < 0.3:
                    rated = (finished + timedelta(hours=rng.randrange(1, 48)), rng.random() < 0.93)
        yield (f"B{i:09d}", procedure, agency, "online" if online else "counter", state, submitted,
               received, due, finished, rng.random() < 0.6, electronic), rated


DOSSIER_COLUMNS = ("code", "procedure_id", "agency_id", "channel", "state", "submitted_at", "received_at",
                   "due_at", "finished_at", "uses_population_data", "result_electronic")
DEFAULTS = {"applicant_name": "Nguyễn Văn Thử", "applicant_id_number": "026301005678", "applicant_phone": "",
            "applicant_email": "", "applicant_address": "", "answers": "{}", "assistance_consent": False,
            "resume_state": "", "fee_amount": 0, "withdrawal_requested": False, "last_reason": "",
            "components_digitised": True, "components_reused": False, "payment_provider": "",
            "payment_reference": ""}


def load(n: int, agencies, procedures, batch: int = 50_000) -> tuple[float, int]:
    from django.db import connection, transaction

    from chinhquyenso.dossiers.models import Dossier, Rating

    rng = random.Random(20251126)
    columns = list(DOSSIER_COLUMNS) + list(DEFAULTS)
    fixed = tuple(DEFAULTS.values())
    started = time.perf_counter()
    ratings_made = 0
    next_id = (Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    table, rating_table = Dossier._meta.db_table, Rating._meta.db_table
    rows, ratings = [], []

    def flush():
        nonlocal rows, ratings
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} (id, {', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                with cursor.cursor.copy(f"COPY {rating_table} (dossier_id, satisfied, comment, created_at) "
                                        "FROM STDIN") as copy:
                    for row in ratings:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * (len(columns) + 1))
                cursor.executemany(f"INSERT INTO {table} (id, {', '.join(columns)}) VALUES ({marks})", rows)
                cursor.executemany(f"INSERT INTO {rating_table} (dossier_id, satisfied, comment, created_at) "
                                   "VALUES (%s, %s, %s, %s)", ratings)
        rows, ratings = [], []

    fmt = (lambda v: v) if connection.vendor == "postgresql" else _sqlite_value
    for i, (row, rated) in enumerate(_rows(n, agencies, procedures, rng)):
        pk = next_id + i
        rows.append((pk, *(fmt(v) for v in row), *fixed))
        if rated:
            ratings.append((pk, rated[1], "", fmt(rated[0])))
            ratings_made += 1
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"ANALYZE {table}, {rating_table}")
    return time.perf_counter() - started, ratings_made


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def measure_changes(count: int) -> tuple[list[float], list[float]]:
    """Finish `count` open dossiers as forward_dossier does; (hook ms, transaction ms)."""
    from django.db import transaction

    from chinhquyenso.dossiers.models import Dossier, State
    from chinhquyenso.indicators import aggregates

    pool = list(Dossier.objects.filter(state=State.PROCESSING).values_list("pk", flat=True)[:count * 20])
    random.Random(7).shuffle(pool)
    hook, whole = [], []
    for pk in pool[:count]:
        t0 = time.perf_counter()
        with transaction.atomic():
            dossier = (Dossier.objects.select_for_update(of=("self",)).select_related("agency", "procedure")
                       .get(pk=pk))
            before = aggregates.snapshot(dossier)
            dossier.state = State.DONE
            dossier.finished_at = dossier.received_at + timedelta(days=2)
            dossier.result_electronic = True
            dossier.save(update_fields=["state", "finished_at", "result_electronic"])
            t1 = time.perf_counter()
            aggregates.on_dossier_change(dossier, before=before)
            hook.append((time.perf_counter() - t1) * 1000)
        whole.append((time.perf_counter() - t0) * 1000)
    return hook, whole


def measure_api(admin, city, wards, procedures, requests: int) -> dict[str, list[float]]:
    from django.test import Client

    client = Client()
    client.force_login(admin)
    rng = random.Random(11)
    periods = ["2025", "2024", "2025-Q2", "2023-Q4", "2025-06", "2024-11", "2022-03"]
    kinds = {
        "city": lambda: f"/api/v1/indicators/dashboard/{city.pk}",
        "ward": lambda: f"/api/v1/indicators/dashboard/{rng.choice(wards).pk}",
        "procedure": lambda: (f"/api/v1/indicators/dashboard/{rng.choice(wards).pk}/procedures/"
                              f"{rng.choice([p for p in procedures if p.level != 'city']).pk}"),
    }
    timings = {kind: [] for kind in kinds}
    cpu = {kind: [] for kind in kinds}
    for url in kinds.values():  # warm-up: first queries, template and schema caches
        client.get(url(), {"period": "2025"})
    for _round in range(requests):
        for kind, url in kinds.items():
            path, period = url(), rng.choice(periods)
            t, c = time.perf_counter(), time.process_time()
            response = client.get(path, {"period": period})
            timings[kind].append((time.perf_counter() - t) * 1000)
            cpu[kind].append((time.process_time() - c) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}?period={period}: HTTP {response.status_code} {response.content[:300]!r}")
    return timings, cpu


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--procedures", type=int, default=40)
    parser.add_argument("--changes", type=int, default=500, help="dossier changes to time")
    parser.add_argument("--requests", type=int, default=100, help="API calls per level")
    args = parser.parse_args()
    setup_django(args)
    from django.db import connection

    from chinhquyenso.dossiers.models import Dossier
    from chinhquyenso.indicators.aggregates import rebuild_aggregates

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    city, wards, agencies, procedures, admin = seed(args)
    seconds, ratings = load(args.dossiers, agencies, procedures)
    print(f"loaded {Dossier.objects.count():,} dossiers and {ratings:,} ratings in {seconds:.1f} s")
    started = time.perf_counter()
    rows = rebuild_aggregates()
    print(f"aggregates built from scratch in {time.perf_counter() - started:.1f} s: "
          f"{rows['daily']:,} daily, {rows['monthly']:,} monthly, {rows['unit_monthly']:,} unit-monthly rows")
    hook, whole = measure_changes(args.changes)
    print(f"keeping them current, per dossier change ({len(hook)} changes): aggregate update "
          f"median {statistics.median(hook):.2f} ms, p95 {pct(hook, .95):.2f} ms; whole transaction "
          f"median {statistics.median(whole):.2f} ms, p95 {pct(whole, .95):.2f} ms")
    timings, cpu = measure_api(admin, city, wards, procedures, args.requests)
    for kind, values in timings.items():
        print(f"dashboard API, {kind:9s} ({len(values)} calls): p50 {pct(values, .5):6.1f} ms, "
              f"p95 {pct(values, .95):6.1f} ms (CPU of this process: p50 {pct(cpu[kind], .5):5.1f} ms, "
              f"p95 {pct(cpu[kind], .95):5.1f} ms)")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
