#!/usr/bin/env python
"""Official documents: signatures, verifications and search, measured.

On the database DATABASE_URL names (SQLite when unset), in a fresh database made for the
run and removed at the end: a new SQLite file in a temporary directory, or, for a
PostgreSQL URL, a new database `cqs_docbench_<pid>` on the same server. The script

1. migrates it and sets up a city People's Committee, its office and a ward with a
   drafter, a leader and a clerk, and the demo PKI (documents.demo.ensure_demo_pki: a
   trusted root, the agencies' seals, the leader's key);
2. signs one draft PDF (made with core.pdf.build_pdf) with the leader's key and the
   agency's seal through the signing library (signing.sign_pdf), then documents through
   the services (sign_document, number_document, which seals), and verifies the sealed
   PDF (signing.verify_pdf against the demo root);
3. bulk-inserts synthetic outgoing documents and their search-index entries (plain
   bulk_create and executemany, not the services) up to each size of --documents, and
   times search.search_documents with a mix of queries (common and rare words, a
   notation, a word prefix, with and without an agency scope or a year, a filtered
   listing without words).

Figures only: medians (per second = 1 / median), p50/p95 of the search latencies, and
ratios. The machine has 2 CPUs and is shared: compare runs made under similar load.

    .venv/bin/python bench/documents_bench.py
    .venv/bin/python bench/documents_bench.py --documents 100000 --queries 300
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/documents_bench.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

TOPICS = [
    "chuyển đổi số", "Đề án 06", "cải cách hành chính", "giải phóng mặt bằng", "trật tự xây dựng",
    "vệ sinh môi trường", "phòng cháy chữa cháy", "người có công", "hộ nghèo", "dữ liệu dân cư",
    "định danh điện tử", "thanh toán trực tuyến", "ngân sách nhà nước", "tiếp công dân",
    "khiếu nại tố cáo", "thi đua khen thưởng", "phòng chống thiên tai", "an toàn thực phẩm",
    "đất đai", "hộ kinh doanh", "giáo dục pháp luật", "Tổ công nghệ số cộng đồng",
]
VERBS = ["Về việc phê duyệt kế hoạch", "V/v đôn đốc thực hiện", "Báo cáo kết quả", "V/v tăng cường",
         "Về việc kiện toàn Ban Chỉ đạo", "Thông báo kết luận về", "Hướng dẫn thực hiện",
         "Về việc giao chỉ tiêu", "V/v rà soát", "Tờ trình đề nghị hỗ trợ"]
PLACES = ["phường Tích Sơn", "phường Liên Bảo", "phường Hội Hợp", "phường Đống Đa", "phường Ngô Quyền",
          "phường Đồng Tâm", "phường Định Trung", "phường Khai Quang", "xã Thanh Trù", "thành phố Vĩnh Yên"]
BODY_TEXT = ("căn cứ luật tổ chức chính quyền địa phương theo đề nghị của trưởng phòng ủy ban nhân dân "
              "quyết định điều hiệu lực kể từ ngày ký chánh văn phòng thủ trưởng các cơ quan đơn vị chịu "
              "trách nhiệm thi hành kế hoạch mục đích yêu cầu nội dung tổ chức thực hiện báo cáo kết quả "
              "tồn tại hạn chế nhiệm vụ trọng tâm kinh phí dự toán tuyên truyền hướng dẫn người dân "
              "doanh nghiệp hồ sơ thủ tục hành chính đúng hạn trễ hạn số hóa dữ liệu")
BODY_WORDS = BODY_TEXT.split()
TYPES = [("QĐ", 30), ("CV", 26), ("KH", 10), ("TB", 10), ("BC", 9), ("GM", 8), ("HD", 4), ("TTr", 3)]


# --- the database ------------------------------------------------------------------------------

def fresh_database(workdir: Path) -> tuple[str, callable]:
    """A new, empty database for the run and how to remove it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    parsed = urlparse(url)
    name = f"cqs_docbench_{os.getpid()}"
    host = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
            "-U", parsed.username or "postgres"]
    subprocess.run(["createdb", *host, name], check=True)

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", *host, "--if-exists", "--force", name], check=False)

    return urlunparse(parsed._replace(path=f"/{name}")), drop


# --- helpers ---------------------------------------------------------------------------------

def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def per_second(times: list[float]) -> str:
    median = statistics.median(times)
    return f"median {1000 * median:7.1f} ms  → {1 / median:6.1f}/s"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- set-up ------------------------------------------------------------------------------------

def set_up_city():
    from datetime import date

    from django.contrib.auth import get_user_model

    from chinhquyenso.documents.models import DocumentType
    from chinhquyenso.org import services as org
    from chinhquyenso.org.models import AgencyKind, Role

    d = date(2006, 12, 1)
    province = org.create_unit(code="26", name="Tỉnh Vĩnh Phúc", unit_type="tinh", valid_from=d)
    city = org.create_unit(code="243", name="Thành phố Vĩnh Yên", unit_type="thanh_pho", parent=province,
                           valid_from=d)
    pc = org.create_agency(code="000.00.00.H62", name="Ủy ban nhân dân thành phố Vĩnh Yên",
                           abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=city)
    office = org.create_agency(code="000.01.00.H62", name="Văn phòng HĐND và UBND thành phố",
                               abbreviation="VP", kind=AgencyKind.OFFICE, unit=city, parent=pc)
    for i, place in enumerate(PLACES[:-1], start=1):  # the wards: the agencies documents belong to
        ward = org.create_unit(code=f"87{i:02d}", name=place[0].upper() + place[1:],
                               unit_type="xa" if place.startswith("xã") else "phuong", parent=city,
                               valid_from=d)
        org.create_agency(code=f"000.00.{20 + i:02d}.H62", name=f"Ủy ban nhân dân {place}",
                          abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=ward)
    people = {}
    for username, name, title, agency, role in [
            ("bench_admin", "Nguyễn Văn Quản", "Chuyên viên CNTT", office, Role.SYSTEM_ADMIN),
            ("bench_drafter", "Trần Thị Mai", "Chuyên viên", office, Role.SPECIALIST),
            ("bench_leader", "Lê Minh Đạo", "Chủ tịch UBND thành phố", pc, Role.LEADER),
            ("bench_clerk", "Phạm Thu Thư", "Văn thư", office, Role.CLERK)]:
        org.create_official(username=username, password="bench-mat-khau-dai-1", full_name=name,
                            title=title, agency=agency, roles=[(role, city)])
        people[role] = get_user_model().objects.select_related("official").get(username=username)
    return pc, office, people, {t.code: t for t in DocumentType.objects.all()}


def draft_pdf() -> bytes:
    from reportlab.platypus import Paragraph

    from chinhquyenso.core.pdf import build_pdf, escape_text, get_styles

    s = get_styles(11)
    body = ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; theo đề nghị của "
            "Chánh Văn phòng HĐND và UBND thành phố. ") * 4
    return build_pdf([Paragraph("ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN", s.centered_bold),
                      Paragraph("QUYẾT ĐỊNH", s.title),
                      Paragraph("Về việc phê duyệt Kế hoạch chuyển đổi số năm 2026", s.centered_bold),
                      Paragraph(escape_text(body), s.justified)],
                     title="Quyết định", author="Ủy ban nhân dân thành phố Vĩnh Yên", bottom_margin=150)


# --- signatures and verification ------------------------------------------------------------------

def bench_signatures(args, pc, office, people, types) -> None:
    from django.utils import timezone

    from chinhquyenso.documents import demo, keys, services, signing
    from chinhquyenso.documents.models import SigningCredential
    from chinhquyenso.org.models import Role

    started = time.perf_counter()
    pki = demo.ensure_demo_pki()
    print(f"Demo PKI (root, seal, leader's key, registered through the services): "
          f"{time.perf_counter() - started:.2f} s")
    leader, clerk, drafter = people[Role.LEADER], people[Role.CLERK], people[Role.SPECIALIST]
    personal = keys.signer_for(pki.personal[leader.official.pk], demo.DEMO_PASSPHRASE)
    seal = keys.signer_for(SigningCredential.objects.get(agency=pc, is_active=True))
    pdf = draft_pdf()
    now = timezone.now()
    stamp = signing.StampText(name=leader.official.full_name, title=leader.official.title,
                              capacity="TM. ỦY BAN NHÂN DÂN", signed_at=now)
    seal_stamp = signing.StampText(name=pc.name, capacity="Số: 15/QĐ-UBND", signed_at=now)
    n = args.signatures
    signed = signing.sign_pdf(pdf, personal, field_name=services.SIGNATURE_FIELD, stamp=stamp, page=-1)
    lib_leader = timed(lambda: signing.sign_pdf(pdf, personal, field_name=services.SIGNATURE_FIELD,
                                                stamp=stamp, page=-1), n)
    sealed = signing.sign_pdf(signed, seal, field_name=services.SEAL_FIELD, stamp=seal_stamp, page=-1,
                              box=services.SEAL_BOX)
    lib_seal = timed(lambda: signing.sign_pdf(signed, seal, field_name=services.SEAL_FIELD,
                                              stamp=seal_stamp, page=-1, box=services.SEAL_BOX), n)

    documents = []
    for i in range(n):
        document = services.create_draft(agency=pc, actor=drafter, document_type=types["QĐ"],
                                         subject=f"Về việc phê duyệt kế hoạch số {i + 1}", drafting_unit=office,
                                         draft=("du-thao.pdf", pdf))
        services.submit_for_review(document_id=document.pk, actor=drafter)
        services.approve_for_signature(document_id=document.pk, actor=leader)
        documents.append(document.pk)
    queue = list(documents)
    svc_leader = timed(lambda: services.sign_document(document_id=queue.pop(0), actor=leader,
                                                      passphrase=demo.DEMO_PASSPHRASE), n)
    queue = list(documents)
    svc_seal = timed(lambda: services.number_document(document_id=queue.pop(0), actor=clerk), n)

    root = [pki.ca.certificate]
    verdicts = signing.verify_pdf(sealed, trust_roots=root)
    assert len(verdicts) == 2 and all(v.intact and v.valid for v in verdicts), "the bench's PDF must verify"
    verify = timed(lambda: signing.verify_pdf(sealed, trust_roots=root), n)

    print(f"\nSignatures ({n} each; EC P-256 keys; draft {len(pdf) // 1024} KiB, sealed "
          f"{len(sealed) // 1024} KiB)")
    print(f"  leader, signing library   {per_second(lib_leader)}")
    print(f"  leader, sign_document     {per_second(svc_leader)}   "
          f"×{statistics.median(svc_leader) / statistics.median(lib_leader):.2f} the library's time")
    print(f"  seal,   signing library   {per_second(lib_seal)}")
    print(f"  seal,   number_document   {per_second(svc_seal)}   "
          f"×{statistics.median(svc_seal) / statistics.median(lib_seal):.2f} the library's time")
    print(f"  verification (2 signatures, verify_pdf)  {per_second(verify)}")
    print(f"  one document, library: leader + seal + verification = "
          f"{1000 * (statistics.median(lib_leader) + statistics.median(lib_seal) + statistics.median(verify)):.0f} ms")


# --- search --------------------------------------------------------------------------------------

def synthetic_documents(rng: random.Random, start: int, count: int, agencies: list[int], types,
                        creator_id: int):
    from chinhquyenso.documents.models import OutgoingDocument

    base = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    codes, weights = zip(*TYPES, strict=True)
    rows = []
    for i in range(start, start + count):
        code = rng.choices(codes, weights)[0]
        agency = rng.choice(agencies)
        at = base + dt.timedelta(minutes=i * 2 + rng.randint(0, 1))
        subject = f"{rng.choice(VERBS)} {rng.choice(TOPICS).lower()} tại {rng.choice(PLACES)} năm {at.year}"
        notation = f"{i % 3000 + 1:02d}/{'' if code == 'CV' else code + '-'}UBND{'-VP' if code == 'CV' else ''}"
        rows.append(OutgoingDocument(
            agency_id=agency, document_type=types[code], subject=subject, notation=notation,
            number=None, year=at.year, issued_on=at.date(), state="issued", created_by_id=creator_id,
            issued_at=at, signer_name="Lê Minh Đạo"))
    return rows


def insert_documents(rng, start: int, count: int, agencies, types, creator_id, batch=5000) -> None:
    from django.db import connection, transaction

    from chinhquyenso.core.text import normalize_vi
    from chinhquyenso.documents.models import OutgoingDocument

    names = {a.pk: a.name for a in agencies}
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        documents = synthetic_documents(rng, start + offset, size, list(names), types, creator_id)
        with transaction.atomic():
            OutgoingDocument.objects.bulk_create(documents, batch_size=batch)
            entries = []
            for d in documents:
                title = "\u00a0· ".join([d.notation, d.subject, d.document_type.name, d.signer_name,
                                         names[d.agency_id]])
                body = " ".join(rng.choices(BODY_WORDS, k=40)) + " " + normalize_vi(d.subject)
                entries.append((d, title, normalize_vi(title), normalize_vi(body)))
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.executemany(
                        "INSERT INTO documents_search_entry (id, kind, document_id, agency_id, type_code,"
                        " year, state, sort_at, title) VALUES (%s, 'out', %s, %s, %s, %s, 'issued', %s, %s)",
                        [(2 * d.pk, d.pk, d.agency_id, d.document_type.code, d.year,
                          d.issued_at.strftime("%Y-%m-%d %H:%M:%S.%f"), title) for d, title, _m, _b in entries])
                    cursor.executemany("INSERT INTO documents_search (rowid, metadata, body) VALUES (%s, %s, %s)",
                                       [(2 * d.pk, metadata, body) for d, _t, metadata, body in entries])
                else:
                    cursor.executemany(
                        "INSERT INTO documents_search (kind, document_id, agency_id, type_code, year, state,"
                        " sort_at, title, metadata, body) VALUES ('out', %s, %s, %s, %s, 'issued', %s, %s, %s, %s)",
                        [(d.pk, d.agency_id, d.document_type.code, d.year, d.issued_at, title, metadata, body)
                         for d, title, metadata, body in entries])


def after_load() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO documents_search (documents_search) VALUES ('optimize')")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE documents_search")
            cursor.execute("ANALYZE documents_outgoingdocument")


def query_mix(rng: random.Random, agencies: list[int]) -> list[tuple[str, dict]]:
    topic = rng.choice(TOPICS)
    words = topic.split()
    return [
        ("common words", rng.choice(["kế hoạch", "ủy ban nhân dân", "báo cáo kết quả", "quyết định"]), {}),
        ("topic", topic, {}),
        ("topic, one agency", topic, {"agency_ids": [rng.choice(agencies)]}),
        ("topic, year", topic, {"year": rng.choice([2021, 2022, 2023, 2024])}),
        ("rare words", f"{topic} {rng.choice(PLACES)}", {}),
        ("notation", f"{rng.randint(1, 3000):02d}/QĐ-UBND", {}),
        ("prefix", " ".join(words[:-1] + [words[-1][:3]]) if len(words[-1]) > 3 else topic, {}),
        ("listing, one agency", "", {"agency_ids": [rng.choice(agencies)]}),
    ]


def bench_search(args, agencies, types, creator_id) -> None:
    from chinhquyenso.documents import search

    rng = random.Random(2026)
    agency_ids = [a.pk for a in agencies]
    loaded = 0
    results: dict[int, dict[str, list[float]]] = {}
    for size in args.documents:
        started = time.perf_counter()
        insert_documents(rng, loaded, size - loaded, agencies, types, creator_id)
        inserted = time.perf_counter() - started
        after_load()
        print(f"\nSearch index: {size:,} documents (+{size - loaded:,} in {inserted:.0f} s, "
              f"{(size - loaded) / inserted:,.0f}/s, then optimize/ANALYZE "
              f"{time.perf_counter() - started - inserted:.0f} s)")
        loaded = size
        timings: dict[str, list[float]] = {}
        for _label, query, filters in query_mix(rng, agency_ids) * 2:  # warm the caches
            search.search_documents(query, **filters)
        for _ in range(max(1, args.queries // 8)):
            for label, query, filters in query_mix(rng, agency_ids):
                started = time.perf_counter()
                search.search_documents(query, limit=20, **filters)
                timings.setdefault(label, []).append(time.perf_counter() - started)
        every = [t for values in timings.values() for t in values]
        timings["all queries"] = every
        results[size] = timings
        for label, values in timings.items():
            print(f"  {label:<22} p50 {1000 * percentile(values, 0.5):7.1f} ms   "
                  f"p95 {1000 * percentile(values, 0.95):7.1f} ms   ({len(values)} queries)")
    if len(results) > 1:
        small, large = min(results), max(results)
        print(f"\nRatio {large:,} / {small:,} documents (p50, p95):")
        for label in results[large]:
            a, b = results[small][label], results[large][label]
            print(f"  {label:<22} ×{percentile(b, 0.5) / percentile(a, 0.5):5.1f}   "
                  f"×{percentile(b, 0.95) / percentile(a, 0.95):5.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", default="100000,1000000",
                        help="Sizes of the search index to measure at, comma-separated "
                             "(default 100000,1000000; each builds on the previous).")
    parser.add_argument("--queries", type=int, default=400, help="Search queries per size (default 400).")
    parser.add_argument("--signatures", type=int, default=20,
                        help="Signatures and verifications timed for each figure (default 20).")
    parser.add_argument("--skip-signatures", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()
    args.documents = sorted({int(n.replace("_", "")) for n in args.documents.split(",") if n.strip()})

    workdir = Path(tempfile.mkdtemp(prefix="cqs-docbench-"))
    url, drop = fresh_database(workdir)
    os.environ.update({"DATABASE_URL": url, "CQS_VAR_DIR": str(workdir / "var"), "DEBUG": "1",
                       "SECRET_KEY": "bench-secret-key-" + "x" * 40,
                       "DJANGO_SETTINGS_MODULE": "chinhquyenso.settings"})
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"Database: {connection.vendor} ({url.rsplit('/', 1)[-1]}), Python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        call_command("migrate", verbosity=0)
        pc, office, people, types = set_up_city()
        if not args.skip_signatures:
            bench_signatures(args, pc, office, people, types)
        if not args.skip_search:
            from chinhquyenso.org.models import Agency, Role

            agencies = list(Agency.objects.all())
            bench_search(args, agencies, types, people[Role.SPECIALIST].pk)
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
