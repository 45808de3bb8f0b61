"""Numbers and notations (Decree 30/2020): from 01 on 1 January, per agency, year and
series; no gap and no duplicate, ever."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connections, transaction

from chinhquyenso.documents import pki, services, signing
from chinhquyenso.documents.files import store_document_file
from chinhquyenso.documents.models import (
    Confidentiality,
    DocumentFile,
    NumberCounter,
    OutgoingDocument,
    OutgoingState,
    SeriesKind,
)
from chinhquyenso.documents.numbering import NumberOutsideTransaction, take_number
from tests.documents.conftest import CERTS_FROM, PASSPHRASE, PDF, at, signing_ca

pytestmark = pytest.mark.django_db


def _number(document, clerk, when=None):
    return services.number_document(document_id=document.pk, actor=clerk, at=when)


def _start_series_at(agency, last, *, year=2026, series=SeriesKind.REGULAR):
    NumberCounter.objects.create(agency=agency, year=year, series=series, last_number=last)


def test_notation_is_number_type_and_issuer(signed, city_pc, city_clerk):
    _start_series_at(city_pc, 122)
    document = _number(signed("QĐ"), city_clerk, at(26, 11))
    assert (document.number, document.year, document.notation) == (123, 2026, "123/QĐ-UBND")
    assert document.issued_on.isoformat() == "2026-11-26"
    assert document.state == OutgoingState.NUMBERED


def test_a_letter_is_notated_issuer_and_drafting_unit(signed, city_pc, city_clerk):
    _start_series_at(city_pc, 44)
    assert _number(signed("CV"), city_clerk, at(26, 11)).notation == "45/UBND-VP"
    # Drafted by the People's Committee itself: no unit after the issuer.
    assert _number(signed("CV", drafting_unit=city_pc), city_clerk, at(26, 11)).notation == "46/UBND"


def test_numbers_below_ten_have_a_leading_zero(signed, city_clerk):
    assert _number(signed("TB"), city_clerk, at(26, 11)).notation == "01/TB-UBND"


def test_one_regular_series_for_all_administrative_types(signed, city_clerk):
    notations = [_number(signed(code), city_clerk, at(26, 11)).notation for code in ("QĐ", "CV", "KH")]
    assert notations == ["01/QĐ-UBND", "02/UBND-VP", "03/KH-UBND"]


def test_legal_normative_and_confidential_documents_have_their_own_series(signed, city_clerk):
    first = _number(signed("QĐ"), city_clerk, at(26, 11))
    legal = _number(signed("QĐ", is_legal_normative=True), city_clerk, at(26, 11))
    secret = _number(signed("TB", confidentiality=Confidentiality.CONFIDENTIAL), city_clerk, at(26, 11))
    second = _number(signed("KH"), city_clerk, at(26, 11))
    legal_2 = _number(signed("QĐ", is_legal_normative=True), city_clerk, at(27, 11))
    assert [(d.series, d.number) for d in (first, legal, secret, second, legal_2)] == [
        (SeriesKind.REGULAR, 1), (SeriesKind.LEGAL_NORMATIVE, 1), (SeriesKind.CONFIDENTIAL, 1),
        (SeriesKind.REGULAR, 2), (SeriesKind.LEGAL_NORMATIVE, 2)]
    # Legal normative notations carry the year of issue.
    assert legal.notation == "01/2026/QĐ-UBND" and legal_2.notation == "02/2026/QĐ-UBND"
    assert secret.notation == "01/TB-UBND"


def test_each_agency_has_its_own_series(signed, city_clerk, ward_pc, ward_clerk, types, ward_leader):
    _number(signed("QĐ"), city_clerk, at(26, 11))
    document = services.create_draft(agency=ward_pc, actor=ward_leader, document_type=types["QĐ"],
                                     subject="Về việc khen thưởng", draft=("du-thao.pdf", PDF))
    services.submit_for_review(document_id=document.pk, actor=ward_leader)
    services.approve_for_signature(document_id=document.pk, actor=ward_leader)
    services.sign_document(document_id=document.pk, actor=ward_leader, passphrase=PASSPHRASE)
    assert _number(document, ward_clerk, at(26, 11)).notation == "01/QĐ-UBND"


def test_numbers_restart_on_the_first_of_january(signed, city_clerk):
    late = [_number(signed("QĐ"), city_clerk, at(31, 12, 8)),
            _number(signed("QĐ"), city_clerk, at(31, 12, 23, 30))]
    new_year = _number(signed("QĐ"), city_clerk, at(1, 1, 7, 30, year=2027))
    assert [(d.year, d.number, d.notation) for d in late] == [(2026, 1, "01/QĐ-UBND"),
                                                              (2026, 2, "02/QĐ-UBND")]
    assert (new_year.year, new_year.number, new_year.notation) == (2027, 1, "01/QĐ-UBND")
    assert new_year.issued_on.isoformat() == "2027-01-01"


def test_the_year_is_the_year_in_vietnam(signed, city_clerk):
    # 17:30 UTC on 31 December is 00:30 on 1 January in Hà Nội.
    _number(signed("QĐ"), city_clerk, at(31, 12, 10))
    document = _number(signed("QĐ"), city_clerk, datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    assert (document.year, document.number) == (2027, 1)


def test_a_rolled_back_numbering_gives_its_number_back(signed, city_clerk):
    first, second = signed("QĐ"), signed("QĐ")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _number(first, city_clerk).number == 1
        raise RuntimeError("the transaction fails after the number was taken")
    first.refresh_from_db()
    assert (first.number, first.notation, first.state) == (None, "", OutgoingState.SIGNED)
    assert _number(second, city_clerk).number == 1
    assert _number(first, city_clerk).number == 2


def test_a_numbering_that_fails_half_way_leaves_no_gap(signed, city_pc, city_clerk, monkeypatch):
    document = signed("QĐ")

    def broken(_document):
        raise RuntimeError("notation failed")

    monkeypatch.setattr(services, "notation_for", broken)
    with pytest.raises(RuntimeError):
        _number(document, city_clerk)
    monkeypatch.undo()
    assert not NumberCounter.objects.filter(agency=city_pc, last_number__gt=0).exists()
    assert _number(document, city_clerk).number == 1


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_a_transaction(city_pc):
    with pytest.raises(NumberOutsideTransaction):
        take_number(agency=city_pc, year=2026, series=SeriesKind.REGULAR)


def test_the_database_refuses_a_duplicate_number(signed, city_clerk):
    from django.db import IntegrityError

    first = _number(signed("QĐ"), city_clerk)
    other = signed("TB")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingDocument.objects.filter(pk=other.pk).update(
            number=first.number, year=first.year, series=first.series, notation="01/TB-UBND")


def _run_concurrently(work, items, threads):
    barrier = threading.Barrier(threads)
    errors, results = [], []
    chunks = [items[i::threads] for i in range(threads)]

    def run(chunk):
        try:
            barrier.wait()
            for item in chunk:
                results.append(work(item))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in pool)
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_takes_yield_exactly_1_to_50(city_pc):
    def take(_):
        with transaction.atomic():
            return take_number(agency=city_pc, year=2026, series=SeriesKind.REGULAR)

    numbers = _run_concurrently(take, list(range(50)), threads=50)
    assert sorted(numbers) == list(range(1, 51))
    assert NumberCounter.objects.get(agency=city_pc, year=2026, series=SeriesKind.REGULAR).last_number == 50


@pytest.mark.django_db(transaction=True)
def test_no_gap_and_no_duplicate_ever_50_concurrent_numberings(city_pc, city_office, drafter,
                                                               city_clerk, types):
    """50 signed documents numbered at the same moment by ten clerks' requests, some of
    which fail after taking their number: the numbers are exactly 1..50."""
    documents = [
        OutgoingDocument.objects.create(
            agency=city_pc, drafting_unit=city_office, document_type=types["QĐ" if i % 2 else "CV"],
            subject=f"Văn bản thử {i}", state=OutgoingState.SIGNED, created_by=drafter)
        for i in range(50)]
    # Each holds the leader's signed revision, which numbering seals.
    leader = pki.issue_certificate(signing_ca(), common_name="Bùi Văn Sơn", organisation=city_pc.name,
                                   kind="person", key_type="ec", not_before=CERTS_FROM, days=3000)
    signed_pdf = signing.sign_pdf(PDF, signing.ServerKeySigner.from_certified_key(leader),
                                  field_name="ChuKy", stamp=signing.StampText(name="Bùi Văn Sơn"))
    for document in documents:
        store_document_file(data=signed_pdf, name="da-ky.pdf", kind=DocumentFile.Kind.SIGNED,
                            outgoing=document)
    failing = {d.pk for d in documents[::7]}

    def number(document):
        if document.pk in failing:
            with pytest.raises(RuntimeError), transaction.atomic():
                services.number_document(document_id=document.pk, actor=city_clerk, at=at(26, 11))
                raise RuntimeError("rolled back after taking a number")
        return services.number_document(document_id=document.pk, actor=city_clerk, at=at(26, 11)).number

    numbers = _run_concurrently(number, documents, threads=10)
    assert sorted(numbers) == list(range(1, 51))
    stored = OutgoingDocument.objects.filter(agency=city_pc, year=2026, series=SeriesKind.REGULAR)
    assert sorted(stored.values_list("number", flat=True)) == list(range(1, 51))
    notations = set(stored.values_list("notation", flat=True))
    assert len(notations) == 50
    assert {f"{n:02d}/QĐ-UBND" for n in range(1, 51)} | {f"{n:02d}/UBND-VP" for n in range(1, 51)} >= notations


def test_a_seal_made_for_a_number_another_clerk_took_is_made_again(signed, city_clerk, monkeypatch):
    """The seal is made ahead for the series' next number; when that forecast is wrong
    the seal is made again for the number actually taken."""
    document = signed("QĐ")
    made = []
    real_seal = services._seal_bytes

    def seal(*args, notation, **kwargs):
        made.append(notation)
        return real_seal(*args, notation=notation, **kwargs)

    monkeypatch.setattr(services, "_seal_bytes", seal)
    monkeypatch.setattr(services, "next_number", lambda **kwargs: 7)  # someone else was quicker
    document = _number(document, city_clerk, at(26, 11))
    assert document.notation == "01/QĐ-UBND" and made == ["07/QĐ-UBND", "01/QĐ-UBND"]
    sealed = document.files.filter(kind="signed").latest("pk")
    assert document.events.get(action="number").outgoing_id == document.pk
    from chinhquyenso.core.models import AuditEntry

    assert AuditEntry.objects.get(action="document.outgoing.number", object_id=str(document.pk)).after[
        "sha256"] == sealed.sha256
