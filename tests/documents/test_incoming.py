"""The incoming flow: received → registered (số đến) → assigned → processing → done, or
returned to the sender with a reason."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.documents import services
from chinhquyenso.documents.errors import TransitionNotAllowed
from chinhquyenso.documents.files import read_document_file
from chinhquyenso.documents.models import (
    DocumentFile,
    IncomingChannel,
    IncomingDocument,
    IncomingState,
)
from chinhquyenso.org.models import AgencyKind, Role
from tests.documents.conftest import PDF, at
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.4 scanned paper letter"


@pytest.fixture
def receive(ward_pc, ward_clerk, types):
    """receive(**kwargs) → a paper document the ward's clerk has recorded."""

    def make(agency=None, actor=None, **kwargs):
        kwargs.setdefault("subject", "Về việc tổ chức tổng vệ sinh môi trường")
        kwargs.setdefault("sender_name", "Công ty TNHH Môi trường Xanh")
        kwargs.setdefault("document_type", types["CV"])
        return services.receive_external(agency=agency or ward_pc, actor=actor or ward_clerk, **kwargs)

    return make


@pytest.fixture
def ward_office(ward_pc, ward):
    return AgencyFactory(code="000.00.21.H62.01", name="Bộ phận Văn hóa - Xã hội", abbreviation="VHXH",
                         kind=AgencyKind.OFFICE, unit=ward, parent=ward_pc)


@pytest.fixture
def office_specialist(ward_office, ward):
    return OfficialFactory(agency=ward_office, roles=[(Role.SPECIALIST, ward)]).user


def _register(document, clerk, when=None):
    return services.register_incoming(document_id=document.pk, actor=clerk, at=when)


def test_a_paper_document_is_recorded_with_its_scan(receive, ward_pc):
    document = receive(original_notation="15/CV-MTX", original_date=date(2026, 11, 20),
                       files=[("Công văn 15.pdf", SCAN)], at=at(26, 11, 8))
    assert document.state == IncomingState.RECEIVED and document.channel == IncomingChannel.PAPER
    scan = document.files.get()
    assert scan.kind == DocumentFile.Kind.SCAN and read_document_file(scan) == SCAN
    assert list(document.events.values_list("action", "to_state")) == [("receive", "received")]
    with pytest.raises(ValidationError):
        receive(sender_name="")


def test_incoming_numbers_are_sequential_per_agency_and_year(receive, ward_clerk, other_ward_pc):
    other_clerk = OfficialFactory(agency=other_ward_pc, roles=[(Role.CLERK, other_ward_pc.unit)]).user
    numbers = [_register(receive(), ward_clerk, at(26, 11, h)).incoming_number for h in (8, 9, 10)]
    elsewhere = _register(receive(agency=other_ward_pc, actor=other_clerk), other_clerk, at(26, 11))
    late = _register(receive(), ward_clerk, at(31, 12, 16))
    next_year = _register(receive(), ward_clerk, at(2, 1, 8, year=2027))
    assert numbers == [1, 2, 3]
    assert (elsewhere.incoming_number, elsewhere.year) == (1, 2026)
    assert (late.incoming_number, late.year) == (4, 2026)
    assert (next_year.incoming_number, next_year.year) == (1, 2027)
    assert str(late).startswith("4/2026 ")


def test_incoming_and_outgoing_numbers_are_separate_series(receive, ward_clerk, signed, ward_pc, city_clerk):
    document = signed("TB", internal_recipients=[ward_pc])
    services.number_document(document_id=document.pk, actor=city_clerk)
    services.issue_document(document_id=document.pk, actor=city_clerk)
    _register(receive(), ward_clerk)
    delivered = IncomingDocument.objects.get(outgoing=document)
    assert _register(delivered, ward_clerk).incoming_number == 2


def test_the_whole_incoming_flow(receive, ward_clerk, ward_leader, ward_office, ward_pc,
                                 office_specialist):
    document = _register(receive(), ward_clerk, at(26, 11, 8))
    document = services.assign_incoming(document_id=document.pk, actor=ward_leader, lead_unit=ward_office,
                                        co_units=[ward_pc, ward_office], deadline=date(2026, 12, 5),
                                        note="Chủ trì, tham mưu kế hoạch")
    assert document.state == IncomingState.ASSIGNED
    assert document.lead_unit == ward_office and list(document.co_units.all()) == [ward_pc]
    assert document.deadline == date(2026, 12, 5)
    document = services.start_processing(document_id=document.pk, actor=office_specialist)
    assert document.state == IncomingState.PROCESSING
    document = services.complete_incoming(document_id=document.pk, actor=office_specialist,
                                          note="Đã ban hành kế hoạch")
    assert document.state == IncomingState.DONE and document.completed_at is not None
    assert list(document.events.order_by("pk").values_list("action", "to_state")) == [
        ("receive", "received"), ("register", "registered"), ("assign", "assigned"),
        ("start", "processing"), ("complete", "done")]
    audited = AuditEntry.objects.filter(object_type="documents.incomingdocument", object_id=str(document.pk))
    assert audited.count() == 5
    assert audited.get(action="document.incoming.register").after["incoming_number"] == 1


def test_who_may_do_each_incoming_step(receive, ward_clerk, ward_leader, ward_specialist, ward_office,
                                       office_specialist, city_clerk):
    with pytest.raises(PermissionDenied):  # the clerk of the ward records, not the city's
        receive(actor=city_clerk)
    document = receive()
    for actor in (ward_leader, ward_specialist):
        with pytest.raises(PermissionDenied):
            _register(document, actor)
    _register(document, ward_clerk)
    for actor in (ward_clerk, ward_specialist):
        with pytest.raises(PermissionDenied):
            services.assign_incoming(document_id=document.pk, actor=actor, lead_unit=ward_office)
    services.assign_incoming(document_id=document.pk, actor=ward_leader, lead_unit=ward_office)
    for actor in (ward_clerk, ward_specialist):  # not in the lead unit / not a handler
        with pytest.raises(PermissionDenied):
            services.start_processing(document_id=document.pk, actor=actor)
    services.start_processing(document_id=document.pk, actor=office_specialist)
    with pytest.raises(PermissionDenied):
        services.complete_incoming(document_id=document.pk, actor=ward_specialist)
    assert services.complete_incoming(document_id=document.pk, actor=office_specialist).state == "done"


def test_incoming_steps_only_from_their_state(receive, ward_clerk, ward_leader, ward_pc, ward_specialist):
    document = receive()
    with pytest.raises(TransitionNotAllowed):
        services.assign_incoming(document_id=document.pk, actor=ward_leader, lead_unit=ward_pc)
    _register(document, ward_clerk)
    with pytest.raises(TransitionNotAllowed):
        _register(document, ward_clerk)
    with pytest.raises(TransitionNotAllowed):
        services.start_processing(document_id=document.pk, actor=ward_specialist)
    services.assign_incoming(document_id=document.pk, actor=ward_leader, lead_unit=ward_pc)
    # Reassigning while nobody has started is allowed.
    services.assign_incoming(document_id=document.pk, actor=ward_leader, lead_unit=ward_pc,
                             deadline=date(2030, 1, 1))
    with pytest.raises(TransitionNotAllowed):
        services.complete_incoming(document_id=document.pk, actor=ward_specialist)
    with pytest.raises(TransitionNotAllowed):
        services.return_incoming(document_id=document.pk, actor=ward_clerk, reason="Gửi nhầm")
    services.start_processing(document_id=document.pk, actor=ward_specialist)
    with pytest.raises(TransitionNotAllowed):
        services.assign_incoming(document_id=document.pk, actor=ward_leader, lead_unit=ward_pc)


def test_the_lead_unit_must_belong_to_the_receiving_agency(receive, ward_clerk, ward_leader, city_pc):
    document = _register(receive(), ward_clerk)
    with pytest.raises(ValidationError) as error:
        services.assign_incoming(document_id=document.pk, actor=ward_leader, lead_unit=city_pc)
    assert "lead_unit" in error.value.message_dict


def test_return_with_a_reason(receive, ward_clerk):
    document = receive()
    with pytest.raises(ValidationError):
        services.return_incoming(document_id=document.pk, actor=ward_clerk, reason="  ")
    document = services.return_incoming(document_id=document.pk, actor=ward_clerk, at=at(26, 11, 15),
                                        reason="Gửi nhầm đơn vị: thuộc thẩm quyền phường Liên Bảo")
    assert document.state == IncomingState.RETURNED and document.returned_at == at(26, 11, 15)
    assert document.return_reason == "Gửi nhầm đơn vị: thuộc thẩm quyền phường Liên Bảo"
    assert document.events.get(action="return").note == document.return_reason
    with pytest.raises(TransitionNotAllowed):
        _register(document, ward_clerk)


def test_a_returned_internal_document_shows_in_the_senders_history(signed, city_clerk, ward_pc, ward_clerk):
    outgoing = signed("CV", internal_recipients=[ward_pc])
    services.number_document(document_id=outgoing.pk, actor=city_clerk)
    services.issue_document(document_id=outgoing.pk, actor=city_clerk)
    incoming = _register(IncomingDocument.objects.get(outgoing=outgoing), ward_clerk)
    services.return_incoming(document_id=incoming.pk, actor=ward_clerk, reason="Thiếu phụ lục")
    event = outgoing.events.get(action="returned_by_recipient")
    assert "Thiếu phụ lục" in event.note and event.to_state == "issued"


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_consecutive_numbers(ward_pc, ward_clerk, types):
    documents = [services.receive_external(agency=ward_pc, actor=ward_clerk, subject=f"Đơn {i}",
                                           sender_name="Người dân", files=[("don.pdf", PDF)])
                 for i in range(20)]
    barrier = threading.Barrier(5)
    errors = []

    def work(chunk):
        try:
            barrier.wait()
            for document in chunk:
                _register(document, ward_clerk, at(26, 11))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(documents[i::5],)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    numbers = IncomingDocument.objects.filter(agency=ward_pc).values_list("incoming_number", flat=True)
    assert sorted(numbers) == list(range(1, 21))
