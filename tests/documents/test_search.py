"""Accent-insensitive full-text search over documents: metadata and the text of their
PDFs, filters, paging, replacement and removal of entries, hostile queries and PDFs."""

import os
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from reportlab.platypus import Paragraph

from chinhquyenso.core.pdf import build_pdf, escape_text, get_styles
from chinhquyenso.documents import services
from chinhquyenso.documents.files import read_document_file, sha256_of
from chinhquyenso.documents.models import DocumentFile, OutgoingDocument, OutgoingState
from chinhquyenso.documents.search import (
    INCOMING,
    OUTGOING,
    index_document,
    rebuild_index,
    remove_document,
    search_documents,
)
from chinhquyenso.documents.text_extraction import document_text, extract_pdf_text
from tests.documents.conftest import at

pytestmark = pytest.mark.django_db

DECISION_TEXT = [
    "QUYẾT ĐỊNH",
    "Điều 1. Phê duyệt Đề án số hóa hồ sơ địa chính của phường Tích Sơn giai đoạn 2026 – 2030.",
    "Điều 2. Giao Phòng Tài nguyên và Môi trường hướng dẫn, đôn đốc thực hiện.",
]


def decision_pdf(paragraphs=DECISION_TEXT):
    styles = get_styles()
    return build_pdf([Paragraph(escape_text(text), styles.justified) for text in paragraphs],
                     title="Quyết định", author="Ủy ban nhân dân thành phố Vĩnh Yên")


def found(results):
    return {(hit.kind, hit.id) for hit in results.hits}


@pytest.fixture
def indexed_draft(draft):
    def make(type_code="QĐ", text=None, **kwargs):
        document = draft(type_code, **kwargs)
        index_document(document, text=text)
        return document

    return make


@pytest.fixture
def received(ward_pc, ward_clerk, types):
    """received(**kwargs) → a paper document the ward's clerk recorded, indexed."""

    def make(**kwargs):
        kwargs.setdefault("subject", "Về việc đề nghị hỗ trợ chuyển đổi số cho hợp tác xã")
        kwargs.setdefault("sender_name", "Hợp tác xã Nông nghiệp Định Trung")
        kwargs.setdefault("document_type", types["CV"])
        document = services.receive_external(agency=ward_pc, actor=ward_clerk, **kwargs)
        index_document(document)
        return document

    return make


def test_a_query_without_accents_finds_the_subject_with_accents(indexed_draft):
    document = indexed_draft(subject="Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")

    for query in ("ke hoach chuyen doi so", "KẾ HOẠCH chuyển đổi số", "Ke Hoach CHUYEN DOI",
                  "quyet dinh chuyen doi so"):  # the type's name is metadata too
        results = search_documents(query)
        assert found(results) == {(OUTGOING, document.pk)}, query
        assert results.total == 1

    hit = search_documents("chuyen doi so").hits[0]
    # The snippet is the metadata with its accents, the matching words marked.
    assert "<mark>chuyển</mark> <mark>đổi</mark> <mark>số</mark>" in hit.snippet
    assert "phê duyệt kế hoạch" in hit.title
    assert search_documents("dang ky khai sinh").total == 0


def test_the_text_of_a_real_pdf_is_found_without_accents(draft):
    pdf = decision_pdf()
    document = draft(subject="Về việc phê duyệt đề án", draft=("du-thao.pdf", pdf))
    text = extract_pdf_text(pdf)
    assert "hồ sơ địa chính" in text
    index_document(document, text=text)

    for query in ("so hoa ho so dia chinh", "Hồ sơ ĐỊA CHÍNH", "don doc thuc hien", "tich son 2030"):
        assert found(search_documents(query)) == {(OUTGOING, document.pk)}, query
    snippet = search_documents("dia chinh").hits[0].snippet
    assert "<mark>dia</mark> <mark>chinh</mark>" in snippet  # the text is kept folded
    # Reading the text never altered the stored original.
    stored = document.files.get(kind=DocumentFile.Kind.DRAFT)
    assert read_document_file(stored) == pdf and stored.sha256 == sha256_of(pdf)
    assert document_text(document) == text


def test_the_last_word_matches_as_a_prefix(indexed_draft):
    document = indexed_draft(subject="Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")

    assert found(search_documents("phe duy")) == {(OUTGOING, document.pk)}
    assert found(search_documents("chuyen do")) == {(OUTGOING, document.pk)}
    assert found(search_documents("duyet phe")) == {(OUTGOING, document.pk)}  # any order
    assert found(search_documents("ke duy")) == {(OUTGOING, document.pk)}
    assert found(search_documents("duye phe")) == set()  # only the last word is a prefix


def test_filters_combine_with_the_query(indexed_draft, received, signed, city_clerk, city_pc,
                                        ward_pc):
    decision = indexed_draft("QĐ")
    plan = indexed_draft("KH", subject="Kế hoạch chuyển đổi số của thành phố")
    letter = received()
    numbered = signed("QĐ", subject="Về việc chuyển đổi số trong trường học")
    services.number_document(document_id=numbered.pk, actor=city_clerk, at=at(30, 12, year=2025))
    numbered.refresh_from_db()
    index_document(numbered)

    everything = {(OUTGOING, decision.pk), (OUTGOING, plan.pk), (INCOMING, letter.pk),
                  (OUTGOING, numbered.pk)}
    assert found(search_documents("chuyen doi so")) == everything
    assert found(search_documents("chuyen doi so", kind=INCOMING)) == {(INCOMING, letter.pk)}
    assert found(search_documents("chuyen doi so", kind=OUTGOING)) == everything - {(INCOMING, letter.pk)}
    assert found(search_documents("chuyen doi so", agency_ids=[ward_pc.pk])) == {(INCOMING, letter.pk)}
    assert found(search_documents("chuyen doi so", agency_ids=[ward_pc.pk, city_pc.pk])) == everything
    assert search_documents("chuyen doi so", agency_ids=[]).total == 0  # no scope, nothing
    assert found(search_documents("chuyen doi so", type_code="KH")) == {(OUTGOING, plan.pk)}
    assert found(search_documents("chuyen doi so", year=2025)) == {(OUTGOING, numbered.pk)}
    assert found(search_documents("chuyen doi so", state=OutgoingState.NUMBERED)) == {
        (OUTGOING, numbered.pk)}
    assert found(search_documents("chuyen doi so", kind=OUTGOING, type_code="QĐ",
                                  state=OutgoingState.DRAFT)) == {(OUTGOING, decision.pk)}
    assert found(search_documents("truong hoc", state=OutgoingState.DRAFT)) == set()
    # Without a query, the filters alone list the documents, the most recent first: a
    # numbered document dates from its numbering (here in 2025), a draft from its creation.
    listed = search_documents("", kind=OUTGOING, agency_ids=[city_pc.pk])
    assert listed.total == 3
    assert [hit.id for hit in listed.hits] == [plan.pk, decision.pk, numbered.pk]
    assert found(search_documents("   ", type_code="CV")) == {(INCOMING, letter.pk)}


def test_pages_cover_every_match_once_with_the_total(indexed_draft):
    documents = [indexed_draft(subject=f"Báo cáo tình hình chuyển đổi số tháng {month}")
                 for month in range(1, 6)]
    indexed_draft(subject="Về việc tổ chức hội nghị")

    pages = [search_documents("bao cao chuyen doi", limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [len(page.hits) for page in pages] == [2, 2, 1, 0]
    ids = [hit.id for page in pages for hit in page.hits]
    assert sorted(ids) == sorted(d.pk for d in documents)
    # Equal ranks: the most recent first.
    assert ids == [d.pk for d in reversed(documents)]


def test_a_better_match_ranks_first(indexed_draft):
    in_text = indexed_draft(subject="Về việc tổ chức hội nghị",
                            text="Nội dung: báo cáo về chuyển đổi số tại các phường.")
    in_subject = indexed_draft(subject="Về việc đẩy mạnh chuyển đổi số")
    hits = search_documents("chuyen doi so").hits
    assert [hit.id for hit in hits] == [in_subject.pk, in_text.pk]
    assert hits[0].rank > hits[1].rank


def test_indexing_again_replaces_the_entry(signed, city_clerk):
    document = signed(subject="Về việc ban hành quy chế làm việc")
    index_document(document, text="Điều 1. Ban hành kèm theo Quyết định này Quy chế văn thư.")
    assert found(search_documents("quy che van thu")) == {(OUTGOING, document.pk)}

    # A new text replaces the old one; no text keeps the stored text.
    index_document(document, text="Điều 1. Ban hành Quy chế lưu trữ điện tử.")
    assert search_documents("quy che van thu").total == 0
    assert found(search_documents("luu tru dien tu")) == {(OUTGOING, document.pk)}

    document = services.number_document(document_id=document.pk, actor=city_clerk)
    index_document(document)

    results = search_documents(document.notation)  # e.g. 01/QĐ-UBND: number and notation
    assert found(results) == {(OUTGOING, document.pk)}
    assert results.hits[0].title.startswith(document.notation)
    assert found(search_documents("luu tru dien tu")) == {(OUTGOING, document.pk)}
    assert found(search_documents("bui van son")) == {(OUTGOING, document.pk)}  # the signer
    assert search_documents("quy che", state=OutgoingState.SIGNED).total == 0
    assert search_documents("quy che", state=OutgoingState.NUMBERED).total == 1
    assert search_documents("", state=OutgoingState.NUMBERED).total == 1  # one entry, not two


def test_a_change_of_state_keeps_the_indexed_text(indexed_draft, drafter):
    document = indexed_draft(subject="Về việc tổ chức hội nghị",
                             text="Thành phần: đại diện các phòng, ban chuyên môn.")
    document = services.submit_for_review(document_id=document.pk, actor=drafter)
    index_document(document)
    assert found(search_documents("dai dien cac phong", state=OutgoingState.IN_REVIEW)) == {
        (OUTGOING, document.pk)}
    assert search_documents("", state=OutgoingState.DRAFT).total == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_fragments_of_words_are_found_through_the_trigram_index(indexed_draft):
    from chinhquyenso.documents import search

    document = indexed_draft(subject="Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")
    assert found(search_documents("uyet ke hoa")) == {(OUTGOING, document.pk)}
    # Without pg_trgm (the extension could not be created), words still match.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX documents_search_metadata_trgm")
    search._trigram_index.clear()
    try:
        assert search_documents("uyet ke hoa").total == 0
        assert found(search_documents("duyet ke hoa")) == {(OUTGOING, document.pk)}
    finally:
        search._trigram_index.clear()


def test_a_removed_document_is_no_longer_found(indexed_draft):
    kept = indexed_draft(subject="Kế hoạch phòng chống thiên tai")
    removed = indexed_draft(subject="Kế hoạch phòng cháy chữa cháy")
    remove_document(removed)
    assert found(search_documents("ke hoach phong")) == {(OUTGOING, kept.pk)}
    assert search_documents("").total == 1
    remove_document(removed)  # removing twice is harmless


@pytest.mark.parametrize("query", [
    '"', 'AND OR (', "NOT", "*", "a*b*", "NEAR(chuyen doi)", "metadata: chuyen", "{metadata body}: so",
    "^chuyen", "chuyen -doi", "'; DROP TABLE documents_search; --", "\\", "%", "_", "'", "''",
    ":*", "!", "<->", "&", "|", "((((", "\x00", "\ud800", "🙂 số", "x" * 5000, "a " * 500,
    "ＡＢＣ", "ﬁle", "<script>alert(1)</script>",
])
def test_hostile_queries_never_raise(indexed_draft, query):
    document = indexed_draft(subject="Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")
    results = search_documents(query, kind=OUTGOING, limit=10)
    assert results.total >= 0
    for hit in results.hits:
        assert "<script>" not in hit.snippet
    # The index still answers afterwards.
    assert found(search_documents("chuyen doi so")) == {(OUTGOING, document.pk)}


def test_markup_in_metadata_is_escaped_in_snippets(indexed_draft):
    indexed_draft(subject="Về việc <script>alert('số')</script> chuyển đổi số")
    hit = search_documents("chuyen doi").hits[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_hostile_extracted_text_is_indexed_safely(indexed_draft):
    document = indexed_draft(subject="Về việc tổ chức hội nghị",
                             text="nội dung\x00 bí mật \ud800 quyết toán ngân sách")
    assert found(search_documents("quyet toan ngan sach")) == {(OUTGOING, document.pk)}


def test_rebuild_fills_the_index_from_the_documents(draft, received, city_pc, types, drafter):
    with_pdf = draft(subject="Về việc phê duyệt đề án", draft=("du-thao.pdf", decision_pdf()))
    plain = draft(subject="Về việc tổ chức hội nghị tổng kết")
    letter = received()
    # An entry whose document does not exist (never saved: a stale entry).
    ghost = OutgoingDocument(pk=plain.pk + 1000, agency=city_pc, document_type=types["QĐ"],
                             subject="Văn bản không còn tồn tại", state=OutgoingState.DRAFT,
                             created_by=drafter)
    index_document(ghost)
    assert search_documents("khong con ton tai").total == 1

    assert rebuild_index(batch_size=2) == 3
    assert found(search_documents("")) == {(OUTGOING, with_pdf.pk), (OUTGOING, plain.pk),
                                          (INCOMING, letter.pk)}
    assert found(search_documents("ho so dia chinh")) == {(OUTGOING, with_pdf.pk)}  # from the PDF
    assert found(search_documents("tong ket")) == {(OUTGOING, plain.pk)}
    assert found(search_documents("hop tac xa")) == {(INCOMING, letter.pk)}

    # Without extraction the text indexed so far is kept.
    index_document(plain, text="Báo cáo tổng kết công tác cải cách hành chính.")
    assert rebuild_index(extract_text=False) == 3
    assert found(search_documents("cai cach hanh chinh")) == {(OUTGOING, plain.pk)}
    assert found(search_documents("ho so dia chinh")) == {(OUTGOING, with_pdf.pk)}


def test_extraction_of_what_is_not_a_readable_pdf_is_empty():
    pdf = decision_pdf()
    assert extract_pdf_text(b"") == ""
    assert extract_pdf_text(b"GIF89a not a pdf at all") == ""
    assert extract_pdf_text("%PDF-1.7 a string, not bytes") == ""
    assert extract_pdf_text(b"%PDF-1.7\n" + os.urandom(4096)) == ""
    assert extract_pdf_text(pdf[: len(pdf) // 2]) in ("", extract_pdf_text(pdf)[: len(pdf)])
    assert extract_pdf_text(b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 1 0 R>>endobj\ntrailer<</Root 1 0 R>>%%EOF") == ""


def test_extraction_is_bounded_and_leaves_the_bytes_alone():
    pdf = decision_pdf([f"Trang {n}: báo cáo chuyển đổi số. " * 40 for n in range(6)])
    buffer = bytearray(pdf)
    text = extract_pdf_text(buffer, max_chars=300)
    assert len(text) == 300 and "chuyển đổi số" in text
    assert bytes(buffer) == pdf
    assert extract_pdf_text(pdf, max_pages=0) == ""
    assert len(extract_pdf_text(pdf, max_pages=1)) < len(extract_pdf_text(pdf))


@pytest.mark.skipif(not os.environ.get("CQS_SEARCH_TIMING"),
                    reason="set CQS_SEARCH_TIMING=1 to time queries on 100,000 entries")
def test_timing_on_100k_entries(city_pc):
    """Not an assertion: prints how long typical queries take on 100,000 synthetic
    entries (metadata and about 2,000 characters of folded text each)."""
    rng = random.Random(30)
    phrases = ("quyet dinh", "ke hoach", "chuyen doi so", "bao cao", "thong bao", "cong van",
               "ve viec", "phe duyet", "to chuc thuc hien", "uy ban nhan dan", "thanh pho",
               "phuong xa", "dia chinh", "ho so dat dai", "ngan sach", "tai chinh", "giao duc",
               "y te", "moi truong", "xay dung", "giao thong", "nong nghiep", "cai cach hanh chinh",
               "dich vu cong truc tuyen", "van thu luu tru")
    vocabulary = [word for phrase in phrases for word in phrase.split()]
    rare = [f"ma{n:05d}" for n in range(20000)]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    count = 100_000

    def rows():
        for n in range(count):
            kind = OUTGOING if n % 3 else INCOMING
            title = " ".join(rng.choices(vocabulary, k=10) + [rng.choice(rare)])
            body = " ".join(rng.choices(vocabulary, k=220) + rng.choices(rare, k=60))
            yield (kind, n + 1, n % 40, "QĐ" if n % 2 else "KH", 2020 + n % 7,
                   "issued" if n % 5 else "draft", now - timedelta(minutes=n), title, title, body)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        batch = []
        for row in rows():
            batch.append(row)
            if len(batch) == 2000:
                _bulk_insert(cursor, batch)
                batch = []
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO documents_search (documents_search) VALUES ('optimize')")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE documents_search")
    print(f"\n{connection.vendor}: {count} entries loaded in {time.perf_counter() - started:.0f} s")
    queries = [
        ("rare word", "ma01234", {}),
        ("two words + prefix", "ngan sach tai ch", {}),
        ("common phrase, all match", "quyet dinh", {}),
        ("five common words", "ke hoach chuyen doi so", {}),
        ("two-letter prefix", "ng", {}),
        ("common + filters", "chuyen doi so", {"kind": OUTGOING, "agency_ids": [3, 4], "year": 2024}),
        ("rare + agency", "ma00042", {"agency_ids": list(range(10))}),
        ("notation fragment", "ma0123", {}),
        ("no query, filters", "", {"kind": INCOMING, "agency_ids": [7], "state": "issued"}),
        ("no query, page 100", "", {"offset": 5000}),
    ]
    for label, query, filters in queries:
        search_documents(query, **filters)  # warm the caches
        started = time.perf_counter()
        results = search_documents(query, **filters)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{connection.vendor:>10} | {label:<26} | {elapsed:7.1f} ms | total {results.total}")


def _bulk_insert(cursor, batch):
    if connection.vendor == "sqlite":
        cursor.executemany(
            "INSERT INTO documents_search_entry (id, kind, document_id, agency_id, type_code, year,"
            " state, sort_at, title) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [((n * 2 + (kind == INCOMING)), kind, n, agency, code, year, state,
              moment.strftime("%Y-%m-%d %H:%M:%S.%f"), title)
             for kind, n, agency, code, year, state, moment, title, _m, _b in batch])
        cursor.executemany(
            "INSERT INTO documents_search (rowid, metadata, body) VALUES (%s, %s, %s)",
            [((n * 2 + (kind == INCOMING)), metadata, body)
             for kind, n, _a, _c, _y, _s, _t, _ti, metadata, body in batch])
    else:
        cursor.executemany(
            "INSERT INTO documents_search (kind, document_id, agency_id, type_code, year, state,"
            " sort_at, title, metadata, body) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            batch)
