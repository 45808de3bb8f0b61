"""Exchange with other systems through edXML files: a round trip between two agencies of
the platform, status messages back to the sender, and each rejection storing nothing."""

import base64
import re

import pytest
from django.core.exceptions import ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.documents import edxml, services
from chinhquyenso.documents.files import read_document_file
from chinhquyenso.documents.models import (
    DocumentFile,
    ExchangeMessage,
    IncomingChannel,
    IncomingDocument,
    IncomingState,
)
from chinhquyenso.org.models import Role
from tests.documents.conftest import at
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(signed, city_clerk):
    """An issued decision of the city, with no recipient on the platform."""
    document = signed("QĐ", subject="Về việc kiện toàn Tổ công nghệ số cộng đồng")
    services.number_document(document_id=document.pk, actor=city_clerk, at=at(26, 11, 10))
    return services.issue_document(document_id=document.pk, actor=city_clerk, at=at(26, 11, 11))


def package_for(issued, city_clerk, ward_pc) -> bytes:
    message = services.export_edxml(document_id=issued.pk, actor=city_clerk,
                                    recipients=[edxml.Organ(ward_pc.code, ward_pc.name)], at=at(26, 11, 12))
    return services.read_message(message)


def outbox(agency):
    return ExchangeMessage.objects.filter(agency=agency, direction="out").order_by("pk")


def test_a_round_trip_through_files(issued, city_clerk, city_pc, ward_pc, ward_clerk, ward_leader,
                                    ward_specialist):
    data = package_for(issued, city_clerk, ward_pc)
    sealed = read_document_file(issued.files.filter(kind=DocumentFile.Kind.SIGNED).latest("pk"))

    received = services.import_edxml(agency=ward_pc, actor=ward_clerk, data=data, at=at(26, 11, 14))
    assert received.channel == IncomingChannel.ELECTRONIC and received.state == IncomingState.RECEIVED
    assert received.original_notation == issued.notation and received.from_agency == city_pc
    assert received.subject == issued.subject and received.document_type.code == "QĐ"
    assert read_document_file(received.files.get()) == sealed  # the sealed PDF, byte for byte
    assert received.signature_verdict == "valid"

    services.register_incoming(document_id=received.pk, actor=ward_clerk, at=at(26, 11, 15))
    services.assign_incoming(document_id=received.pk, actor=ward_leader, lead_unit=ward_pc, at=at(26, 11, 16))
    services.start_processing(document_id=received.pk, actor=ward_specialist, at=at(27, 11, 8))
    services.complete_incoming(document_id=received.pk, actor=ward_specialist, note="Đã kiện toàn",
                               at=at(27, 11, 9))
    statuses = list(outbox(ward_pc).filter(kind="status"))
    assert [m.status_code for m in statuses] == ["01", "03", "04", "05", "06"]

    # The city reads the ward's status files: each lands in its document's history.
    for message in statuses:
        services.import_status(agency=city_pc, actor=city_clerk, data=services.read_message(message))
    history = list(issued.events.filter(action__startswith="recipient_status").values_list("action", "note"))
    assert [action for action, _ in history] == [f"recipient_status_{c}" for c in ("01", "03", "04", "05", "06")]
    assert all(note.startswith(ward_pc.name) for _, note in history)
    assert "Đã kiện toàn" in history[-1][1]
    assert AuditEntry.objects.filter(action="document.exchange.status").count() == 5


def _count():
    return (IncomingDocument.objects.count(), DocumentFile.objects.filter(incoming__isnull=False).count(),
            ExchangeMessage.objects.filter(direction="in").count())


@pytest.mark.parametrize("break_it, code", [
    (lambda xml: xml[: len(xml) // 2], "malformed"),
    (lambda xml: re.sub(rb"<edXML:Subject>.*?</edXML:Subject>", b"", xml, flags=re.S), "missing_field"),
    (lambda xml: re.sub(rb"<Attachment>.*?</Attachment>", b"", xml, flags=re.S), "missing_attachment"),
    (None, "hash_mismatch"),
])
def test_a_broken_package_is_rejected_with_its_reason_and_nothing_is_stored(
        break_it, code, issued, city_clerk, ward_pc, ward_clerk):
    data = package_for(issued, city_clerk, ward_pc)
    if break_it is None:  # another PDF under the same digest
        encoded = re.search(rb"<ContentTransferEncoded>(.*?)</ContentTransferEncoded>", data, re.S).group(1)
        forged = base64.b64decode(encoded).replace(b"2026", b"2027")
        data = data.replace(encoded, base64.b64encode(forged))
    else:
        data = break_it(data)
    before = _count()
    with pytest.raises(ValidationError) as refused:
        services.import_edxml(agency=ward_pc, actor=ward_clerk, data=data)
    with pytest.raises(edxml.EdxmlError) as reason:
        edxml.parse_package(data)
    assert reason.value.code == code
    assert refused.value.message_dict["file"] == [str(reason.value)]  # the reason, as the clerk reads it
    assert _count() == before


def test_a_misdirected_package_is_refused_and_answered_with_a_rejection(issued, city_clerk, city_pc, ward_pc,
                                                                        other_ward_pc, sealed_agencies):
    other_clerk = OfficialFactory(agency=other_ward_pc, roles=[(Role.CLERK, other_ward_pc.unit)]).user
    data = package_for(issued, city_clerk, ward_pc)
    before = _count()
    with pytest.raises(ValidationError) as refused:
        services.import_edxml(agency=other_ward_pc, actor=other_clerk, data=data)
    assert "not to" in refused.value.message_dict["file"][0] and _count() == before
    rejection = services.reject_edxml(agency=other_ward_pc, actor=other_clerk, data=data,
                                      reason="Gửi nhầm đơn vị")
    assert rejection.status_code == "02" and rejection.counterpart == city_pc.code
    services.import_status(agency=city_pc, actor=city_clerk, data=services.read_message(rejection))
    assert "Gửi nhầm đơn vị" in issued.events.get(action="recipient_status_02").note


def test_a_package_is_received_once_and_statuses_must_concern_a_sent_document(
        issued, city_clerk, city_pc, ward_pc, ward_clerk):
    data = package_for(issued, city_clerk, ward_pc)
    services.import_edxml(agency=ward_pc, actor=ward_clerk, data=data)
    with pytest.raises(ValidationError) as again:
        services.import_edxml(agency=ward_pc, actor=ward_clerk, data=data)
    assert "already been received" in str(again.value)
    stray = edxml.build_status(edxml.StatusMessage(
        from_organ=edxml.Organ(ward_pc.code, ward_pc.name), to_organ=edxml.Organ(city_pc.code, city_pc.name),
        document_id="000.00.00.H62,2026/11/26,99/QĐ-UBND", code_number="99", code_notation="QĐ-UBND",
        status_code="03", description="Đã vào sổ", timestamp=at(26, 11, 15)))
    with pytest.raises(ValidationError) as unknown:
        services.import_status(agency=city_pc, actor=city_clerk, data=stray)
    assert "99/QĐ-UBND" in str(unknown.value)


def test_only_an_issued_document_is_packaged(signed, city_clerk, ward_pc):
    from chinhquyenso.documents.errors import TransitionNotAllowed

    document = signed("QĐ")
    with pytest.raises(TransitionNotAllowed):
        services.export_edxml(document_id=document.pk, actor=city_clerk,
                              recipients=[edxml.Organ(ward_pc.code, ward_pc.name)])


def test_documents_delivered_on_the_platform_are_verified_on_arrival(signed, city_clerk, ward_pc, ward_clerk):
    document = signed("CV", internal_recipients=[ward_pc])
    services.number_document(document_id=document.pk, actor=city_clerk)
    services.issue_document(document_id=document.pk, actor=city_clerk)
    delivered = IncomingDocument.objects.get(outgoing=document, agency=ward_pc)
    assert delivered.signature_verdict == "valid" and delivered.signature_checked_at is not None


def test_a_recall_travels_as_a_package_and_is_accepted(issued, city_clerk, city_leader, city_pc, ward_pc,
                                                       ward_clerk):
    received = services.import_edxml(agency=ward_pc, actor=ward_clerk,
                                     data=package_for(issued, city_clerk, ward_pc))
    services.recall_document(document_id=issued.pk, actor=city_leader, reason="Sai thể thức, ban hành lại")
    recall = outbox(city_pc).filter(kind="package").last()
    assert recall.description == "Sai thể thức, ban hành lại"
    again = services.import_edxml(agency=ward_pc, actor=ward_clerk, data=services.read_message(recall))
    assert again.pk == received.pk and again.sender_recalled_at is not None
    assert again.events.filter(action="sender_recall").get().note == "Sai thể thức, ban hành lại"
    accepted = outbox(ward_pc).filter(kind="status").last()
    assert accepted.status_code == "15"
    services.import_status(agency=city_pc, actor=city_clerk, data=services.read_message(accepted))
    assert issued.events.filter(action="recipient_status_15").exists()


def test_arrivals_delivered_in_bulk_are_verified_later(signed, city_clerk, ward_pc, other_ward_pc):
    document = signed("CV", internal_recipients=[ward_pc, other_ward_pc])
    services.number_document(document_id=document.pk, actor=city_clerk)
    services.issue_document(document_id=document.pk, actor=city_clerk)
    IncomingDocument.objects.update(signature_verdict="", signature_checked_at=None)  # as a bulk load leaves them
    assert services.check_pending_arrivals(limit=1) == (1, 1)
    assert services.check_pending_arrivals(limit=10) == (1, 0)
    assert set(IncomingDocument.objects.values_list("signature_verdict", flat=True)) == {"valid"}
    assert AuditEntry.objects.filter(action="document.incoming.check_arrival").count() == 2
