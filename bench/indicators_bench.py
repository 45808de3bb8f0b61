#!/usr/bin/env python
"""Indicators at scale: build the aggregates from N dossiers, keep them current, and
answer the leader's dashboard from them.

Into the database DATABASE_URL points to (without it: a fresh SQLite file in a
temporary directory), the script

1. migrates and seeds a city (Vĩnh Yên, its 9 wards, a People's Committee each, the
   city's own), `--procedures` procedures (a third with a fee) and one system
   administrator, through the services; 12 residential groups per ward, a community
   team in each with 10 members (the leader with an account), in bulk;
2. loads N synthetic dossiers in bulk (COPY on PostgreSQL, executemany on SQLite), over
   five years (2021–2025): 75 % online (of them 60 % after an e-ID level 2 login, 15 %
   level 1, 5 % helped by a community team), 60 % using population data, 80 % with
   digitised components, 25 % reusing components, 96 % received, 90 % of those
   finished (8 % late, 85 % with an electronic result; those with a fee paid online
   for 70 % of the online ones, else at the counter), a rating for 30 % of the finished
   ones; the rest open (the pool for step 4). Files and events of dossiers are not
   loaded: neither the aggregates nor the dashboards read them. In proportion, over the
   same five years: per 20 dossiers 1 outgoing document (issued, 97 % signed); per 10
   dossiers 2 incoming ones (95 % assigned, 85 % of those completed, with a deadline)
   and 1 community activity (90 % confirmed); per 1,000 dossiers 3 complaints. Columns
   the script does not choose take the model's default; a new NOT NULL column without
   one stops the script with its name;
3. builds the aggregates from scratch (`rebuild_aggregates`) and times it;
4. finishes `--changes` open dossiers the way `dossiers.services.forward_dossier` does
   (lock, snapshot, change, save, `on_dossier_change`, commit), each in its own
   transaction, and prints the median and p95 of the aggregate update alone and of the
   whole transaction;
5. calls the dashboard API (`/api/v1/indicators/dashboard/...`, through Django's test
   client, logged in as the administrator) `--requests` times per level and kind of
   period, for the city, a ward and a procedure in a ward, over periods of a year, a
   quarter and a month, and prints p50/p95 in milliseconds.

    .venv/bin/python bench/indicators_bench.py                         # 1,000,000 on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cqs_ind_bench \\
        .venv/bin/python bench/indicators_bench.py --dossiers 10000000
    .venv/bin/python bench/indicators_bench.py --dossiers 20000 --changes 50 --requests 3   # smoke
    DATABASE_URL=sqlite:////var/tmp/cqs-ind10m/db.sqlite3 \
        .venv/bin/python bench/indicators_bench.py --dossiers 10000000 --requests 5  # a file with room
    DATABASE_URL=... .venv/bin/python bench/indicators_bench.py --api-only   # time the API again
    DATABASE_URL=... .venv/bin/python bench/indicators_bench.py --no-load    # the updates and the API again

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
from collections import defaultdict
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
    # Without DATABASE_URL the database is a fresh SQLite file in this directory
    # (under CQS_BENCH_DIR if set: at 10 million dossiers it takes several GB).
    os.environ["CQS_VAR_DIR"] = tempfile.mkdtemp(prefix="cqs-ind-bench-", dir=os.environ.get("CQS_BENCH_DIR"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "chinhquyenso.settings"
    import django

    django.setup()
    # As a gunicorn worker starts: the URL configuration imported and the objects made so
    # far frozen out of the garbage collector's full collections (chinhquyenso/wsgi.py).
    import chinhquyenso.wsgi  # noqa: F401


def seed(args):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from chinhquyenso.community.models import Member, MemberRole, Team
    from chinhquyenso.org import services as org
    from chinhquyenso.org.models import AdministrativeUnit, AgencyKind, Role, UnitLevel, UnitType
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
            components=[{"name": "Tờ khai", "file_types": ["pdf"]}],
            fees=[{"name": "Lệ phí", "amount": 50_000}] if n % 3 == 0 else [],
            legal_basis=["Nghị định 61/2018/NĐ-CP"]))
    # Community teams: residential groups under the wards, a team in each, 10 members
    # (the leader with an account: the one who helps residents submit online).
    User = get_user_model()
    AdministrativeUnit.objects.bulk_create([
        AdministrativeUnit(code=f"{ward.code}{g:03d}", name=f"Tổ dân phố số {g}", unit_type=UnitType.RESIDENTIAL_GROUP,
                           level=UnitLevel.GROUP, parent=ward, valid_from=d)
        for ward in wards for g in range(1, GROUPS_PER_WARD + 1)])
    groups = list(AdministrativeUnit.objects.filter(level=UnitLevel.GROUP).order_by("code"))
    Team.objects.bulk_create([Team(group=g, name=f"Tổ công nghệ số cộng đồng {g.name}",
                                   decision_number=f"{100 + i}/QĐ-UBND", decision_date=date(2022, 3, 1),
                                   decision_signer="Chủ tịch UBND phường") for i, g in enumerate(groups)])
    teams = list(Team.objects.select_related("group").order_by("group__code"))
    User.objects.bulk_create([User(username=f"bench_team_{t.pk}", is_active=True) for t in teams])
    users = {u.username: u for u in User.objects.filter(username__startswith="bench_team_")}
    Member.objects.bulk_create([
        Member(team=t, full_name=f"Thành viên {k + 1}", role=MemberRole.LEADER if k == 0 else MemberRole.MEMBER,
               user=users[f"bench_team_{t.pk}"] if k == 0 else None, is_active=k != MEMBERS_PER_TEAM - 1,
               joined_on=date(2022, 3, 1))
        for t in teams for k in range(MEMBERS_PER_TEAM)])
    community = {}  # ward id → [(team id, [member ids], leader's user id)]
    members = defaultdict(list)
    for team_id, member_id, user_id in Member.objects.order_by("pk").values_list("team_id", "pk", "user_id"):
        members[team_id].append((member_id, user_id))
    for t in teams:
        community.setdefault(t.group.parent_id, []).append(
            (t.pk, [m for m, _u in members[t.pk]], next(u for _m, u in members[t.pk] if u)))
    return city, wards, agencies, procedures, admin, community


GROUPS_PER_WARD, MEMBERS_PER_TEAM = 12, 10


def _moment(rng: random.Random) -> datetime:
    return FIRST_DAY + timedelta(seconds=rng.randrange(DAYS * 86400))


def _rows(n: int, agencies, procedures, assisting: dict, rng: random.Random):
    """One tuple per dossier, in DOSSIER_COLUMNS order, and the rating to make."""
    city_agency, ward_agencies = agencies[0], agencies[1:]
    city_procedures = [p.pk for p in procedures if p.level == "city"]
    ward_procedures = [p.pk for p in procedures if p.level != "city"]
    fees = {p.pk: p.total_fee for p in procedures}
    for i in range(n):
        if city_procedures and rng.random() < 0.1:
            agency, procedure = city_agency, rng.choice(city_procedures)
        else:
            agency, procedure = rng.choice(ward_agencies), rng.choice(ward_procedures)
        submitted = _moment(rng)
        online = rng.random() < 0.75
        received = due = finished = paid = None
        state, electronic, rated, provider = "submitted", False, None, ""
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
                if fees[procedure]:
                    paid = finished - timedelta(minutes=10)
                    provider = "paygov" if online and rng.random() < 0.7 else "counter"
                if rng.random() < 0.3:
                    rated = (finished + timedelta(hours=rng.randrange(1, 48)), rng.random() < 0.93)
        eid = 0
        assisted = None
        if online:
            r = rng.random()
            eid = 2 if r < 0.6 else 1 if r < 0.75 else 0
            helpers = assisting.get(agency.unit_id)
            if helpers and rng.random() < 0.05:
                assisted = rng.choice(helpers)
        yield (f"B{i:09d}", procedure, agency.pk, "online" if online else "counter", state, submitted,
               received, due, finished, rng.random() < 0.6, electronic, eid, fees[procedure], paid, provider,
               rng.random() < 0.8, rng.random() < 0.25, assisted), rated


DOSSIER_COLUMNS = ("code", "procedure_id", "agency_id", "channel", "state", "submitted_at", "received_at",
                   "due_at", "finished_at", "uses_population_data", "result_electronic", "eid_level",
                   "fee_amount", "fee_paid_at", "payment_provider", "components_digitised",
                   "components_reused", "assisted_by_id")
DOSSIER_FIXED = {"applicant_name": "Nguyễn Văn Thử", "applicant_id_number": "026301005678"}
RATING_COLUMNS = ("dossier_id", "satisfied", "created_at")
OUTGOING_COLUMNS = ("agency_id", "document_type_id", "number", "notation", "year", "issued_on", "subject",
                    "signer_name", "state", "created_by_id", "created_at", "updated_at", "signed_at",
                    "numbered_at", "issued_at")
INCOMING_COLUMNS = ("agency_id", "channel", "incoming_number", "year", "received_at", "registered_at",
                    "sender_name", "subject", "state", "deadline", "assigned_at", "completed_at",
                    "created_at", "updated_at")
ACTIVITY_COLUMNS = ("team_id", "member_id", "day", "category", "people_reached", "status", "created_at")
COMPLAINT_COLUMNS = ("dossier_id", "text", "filed_at", "due_at", "answered_at", "complainant_satisfied")
CATEGORIES = ("explain", "vneid_l1", "vneid_l2", "dossier", "payment", "ecommerce", "training")


def _fixed(model, given, extra=None) -> dict:
    """The columns of `model` the script does not write, with the model's defaults: a
    NOT NULL column without a default stops the script (the loader must learn it)."""
    import json

    fixed = dict(extra or {})
    for f in model._meta.concrete_fields:
        if f.primary_key or f.column in given or f.column in fixed or f.null:
            continue
        value = f.get_default()  # "" for a text column without a default
        if value is None:
            raise SystemExit(f"{model._meta.db_table}.{f.column} is NOT NULL without a default: "
                             "bench/indicators_bench.py must write it")
        fixed[f.column] = json.dumps(value) if f.get_internal_type() == "JSONField" else value
    return fixed


class Loader:
    """Rows into tables in bulk: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, model, columns, extra=None):
        from django.db import connection

        self.table = model._meta.db_table
        fixed = _fixed(model, set(columns), extra)
        self.columns = list(columns) + list(fixed)
        self.fixed = tuple(fixed.values())
        self.pg = connection.vendor == "postgresql"
        self.rows = []
        self.count = 0

    def add(self, row) -> None:
        self.rows.append(row if self.pg else tuple(_sqlite_value(v) for v in row))
        self.count += 1

    def flush(self, cursor) -> None:
        if not self.rows:
            return
        names = ", ".join(self.columns)
        if self.pg:
            with cursor.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row + self.fixed)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            cursor.executemany(f"INSERT INTO {self.table} ({names}) VALUES ({marks})",
                               [row + self.fixed for row in self.rows])
        self.rows = []


def load(n: int, agencies, procedures, community, admin, batch: int = 50_000) -> tuple[float, dict]:
    from django.db import connection, transaction

    from chinhquyenso.community.models import Activity
    from chinhquyenso.documents.models import DocumentType, IncomingDocument, OutgoingDocument
    from chinhquyenso.dossiers.models import Complaint, Dossier, Rating

    rng = random.Random(20251126)
    started = time.perf_counter()
    now = datetime.now(UTC)
    next_id = (Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    dossiers = Loader(Dossier, ("id", *DOSSIER_COLUMNS), DOSSIER_FIXED)
    ratings = Loader(Rating, RATING_COLUMNS)
    outgoing = Loader(OutgoingDocument, OUTGOING_COLUMNS)
    incoming = Loader(IncomingDocument, INCOMING_COLUMNS)
    activities = Loader(Activity, ACTIVITY_COLUMNS)
    complaints = Loader(Complaint, COMPLAINT_COLUMNS)
    loaders = (dossiers, ratings, outgoing, incoming, activities, complaints)
    types = list(DocumentType.objects.filter(is_active=True).values_list("pk", flat=True))
    numbers = defaultdict(int)  # (agency, year, outgoing?) → last number
    assisting = {unit: [user for _t, _m, user in teams] for unit, teams in community.items()}
    ward_teams = [team for teams in community.values() for team in teams]
    vendor_pg = connection.vendor == "postgresql"
    if not vendor_pg:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB while loading

    def flush():
        with transaction.atomic(), connection.cursor() as cursor:
            for loader in loaders:
                loader.flush(cursor)

    def document_number(agency_id, year, kind):
        numbers[(agency_id, year, kind)] += 1
        return numbers[(agency_id, year, kind)]

    for i, (row, rated) in enumerate(_rows(n, agencies, procedures, assisting, rng)):
        pk = next_id + i
        dossiers.add((pk, *row))
        if rated:
            ratings.add((pk, rated[1], rated[0]))
        if i % 20 == 0:  # an outgoing document, issued; most signed electronically
            agency = rng.choice(agencies)
            issued = _moment(rng)
            signed = issued - timedelta(minutes=rng.randrange(5, 240)) if rng.random() < 0.97 else None
            year = issued.year
            number = document_number(agency.pk, year, "out")
            outgoing.add((agency.pk, rng.choice(types), number, f"{number}/UBND", year, issued.date(),
                          "Về việc triển khai chuyển đổi số", "Nguyễn Văn Ký", "issued", admin.pk, issued, issued,
                          signed, issued, issued))
        if i % 10 in (3, 8):  # an incoming document: registered, mostly assigned and completed
            agency = rng.choice(agencies)
            received = _moment(rng)
            registered = received + timedelta(minutes=rng.randrange(5, 600))
            assigned = registered + timedelta(hours=rng.randrange(1, 24)) if rng.random() < 0.95 else None
            deadline = (registered + timedelta(days=rng.randrange(3, 15))).date()
            completed = None
            if assigned and rng.random() < 0.85:
                completed = assigned + timedelta(days=rng.randrange(0, 14), hours=rng.randrange(0, 8))
            state = "done" if completed else "assigned" if assigned else "registered"
            year = received.year
            incoming.add((agency.pk, rng.choice(("internal", "electronic", "paper")),
                          document_number(agency.pk, year, "in"), year, received, registered, "Sở Nội vụ",
                          "Về việc báo cáo kết quả", state, deadline, assigned, completed, received,
                          completed or assigned or registered))
        if i % 10 == 5 and ward_teams:  # a community activity
            team_id, member_ids, _user = rng.choice(ward_teams)
            day = _moment(rng)
            activities.add((team_id, rng.choice(member_ids), day.date(), rng.choice(CATEGORIES),
                            rng.randrange(1, 6), "confirmed" if rng.random() < 0.9 else "recorded", day))
        if i % 1000 in (7, 407, 807) and row[8] is not None:  # a complaint about a finished dossier
            filed = row[8] + timedelta(days=rng.randrange(1, 10))
            due = filed + timedelta(days=10)
            answered = filed + timedelta(days=rng.randrange(1, 14)) if rng.random() < 0.9 else None
            if answered and answered > now:
                answered = None
            satisfied = (rng.random() < 0.8) if answered and rng.random() < 0.7 else None
            complaints.add((pk, "Hồ sơ giải quyết chậm", filed, due, answered, satisfied))
        if len(dossiers.rows) >= batch:
            flush()
    flush()
    if vendor_pg:
        with connection.cursor() as cursor:
            for loader in loaders:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{loader.table}', 'id'), "
                               f"(SELECT max(id) FROM {loader.table}))")
            cursor.execute(f"ANALYZE {', '.join(loader.table for loader in loaders)}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = {"ratings": ratings.count, "outgoing documents": outgoing.count,
              "incoming documents": incoming.count, "community activities": activities.count,
              "complaints": complaints.count}
    return time.perf_counter() - started, counts


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
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


PERIODS = {"year": ["2025", "2024", "2023"], "quarter": ["2025-Q2", "2023-Q4", "2024-Q1"],
           "month": ["2025-06", "2024-11", "2022-03"]}


def measure_api(admin, city, wards, procedures, requests: int) -> tuple[dict, dict]:
    """(level, kind of period) → milliseconds per call (wall clock, and CPU of this process)."""
    from django.test import Client

    client = Client()
    client.force_login(admin)
    rng = random.Random(11)
    ward_procedures = [p for p in procedures if p.level != "city"]
    kinds = {
        "city": lambda: f"/api/v1/indicators/dashboard/{city.pk}",
        "ward": lambda: f"/api/v1/indicators/dashboard/{rng.choice(wards).pk}",
        "procedure": lambda: (f"/api/v1/indicators/dashboard/{rng.choice(wards).pk}/procedures/"
                              f"{rng.choice(ward_procedures).pk}"),
    }
    timings = {(kind, span): [] for kind in kinds for span in PERIODS}
    cpu = {key: [] for key in timings}
    for url in kinds.values():  # warm-up: first queries, template and schema caches
        client.get(url(), {"period": "2025"})
    for _round in range(requests):
        for span, periods in PERIODS.items():
            for kind, url in kinds.items():
                path, period = url(), rng.choice(periods)
                t, c = time.perf_counter(), time.process_time()
                response = client.get(path, {"period": period})
                timings[(kind, span)].append((time.perf_counter() - t) * 1000)
                cpu[(kind, span)].append((time.process_time() - c) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path}?period={period}: HTTP {response.status_code} "
                                     f"{response.content[:300]!r}")
    return timings, cpu


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--procedures", type=int, default=40)
    parser.add_argument("--changes", type=int, default=500, help="dossier changes to time")
    parser.add_argument("--requests", type=int, default=30,
                        help="API calls per level (city, ward, procedure) and kind of period")
    parser.add_argument("--api-only", action="store_true",
                        help="the database at DATABASE_URL was loaded by an earlier run: only time the API")
    parser.add_argument("--no-load", action="store_true",
                        help="the database at DATABASE_URL was loaded by an earlier run: time the aggregates' "
                             "updates (--changes more open dossiers finished) and the API again")
    args = parser.parse_args()
    setup_django(args)
    from django.db import connection

    from chinhquyenso.dossiers.models import Dossier
    from chinhquyenso.indicators.aggregates import rebuild_aggregates

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    if args.api_only or args.no_load:
        city, wards, procedures, admin = loaded()
        print(f"{Dossier.objects.count():,} dossiers already loaded", flush=True)
        if args.no_load:
            report_changes(*measure_changes(args.changes))
        report_api(*measure_api(admin, city, wards, procedures, args.requests))
        return
    city, wards, agencies, procedures, admin, community = seed(args)
    seconds, counts = load(args.dossiers, agencies, procedures, community, admin)
    print(f"loaded {Dossier.objects.count():,} dossiers, " + ", ".join(f"{n:,} {what}" for what, n in counts.items())
          + f" in {seconds:.1f} s", flush=True)
    started = time.perf_counter()
    rows = rebuild_aggregates()
    print(f"aggregates built from scratch in {time.perf_counter() - started:.1f} s: "
          f"{rows['daily']:,} daily, {rows['monthly']:,} monthly, {rows['unit_monthly']:,} unit-monthly rows",
          flush=True)
    report_changes(*measure_changes(args.changes))
    report_api(*measure_api(admin, city, wards, procedures, args.requests))


def report_changes(hook: list[float], whole: list[float]) -> None:
    print(f"keeping them current, per dossier change ({len(hook)} changes): aggregate update "
          f"median {statistics.median(hook):.2f} ms, p95 {pct(hook, .95):.2f} ms; whole transaction "
          f"median {statistics.median(whole):.2f} ms, p95 {pct(whole, .95):.2f} ms", flush=True)


def loaded():
    """The city, wards, procedures and administrator an earlier run seeded."""
    from django.contrib.auth import get_user_model

    from chinhquyenso.org.models import AdministrativeUnit
    from chinhquyenso.procedures.models import Procedure

    city = AdministrativeUnit.objects.get(code="243")
    wards = list(AdministrativeUnit.objects.filter(parent=city).order_by("code"))
    procedures = list(Procedure.objects.filter(code__startswith="9.").order_by("code"))
    return city, wards, procedures, get_user_model().objects.get(username="bench_admin")


def report_api(timings, cpu) -> None:
    for kind in ("city", "ward", "procedure"):
        values = [v for (k, _s), vs in timings.items() if k == kind for v in vs]
        cpus = [v for (k, _s), vs in cpu.items() if k == kind for v in vs]
        print(f"dashboard API, {kind:9s} ({len(values)} calls): p50 {pct(values, .5):6.1f} ms, "
              f"p95 {pct(values, .95):6.1f} ms (CPU of this process: p50 {pct(cpus, .5):5.1f} ms, "
              f"p95 {pct(cpus, .95):5.1f} ms)")
        for span in PERIODS:
            values = timings[(kind, span)]
            print(f"    {span:8s} ({len(values)} calls): p50 {pct(values, .5):6.1f} ms, "
                  f"p95 {pct(values, .95):6.1f} ms")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
