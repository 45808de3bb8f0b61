"""The outgoing flow: draft → review → approved → signed → numbered → issued (→ recalled).
Each step checks the state (409) and the actor's right (403), and leaves an event and
an audit entry."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.documents import services
from chinhquyenso.documents.errors import TransitionNotAllowed
from chinhquyenso.documents.files import read_document_file
from chinhquyenso.documents.models import (
    Confidentiality,
    DocumentFile,
    IncomingChannel,
    IncomingDocument,
    IncomingState,
    OutgoingState,
    Urgency,
)
from chinhquyenso.org.models import AgencyKind, Role
from tests.documents.conftest import PASSPHRASE, PDF, at
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


def test_the_whole_outgoing_flow(draft, drafter, city_leader, city_clerk, city_pc, ward_pc,
                                 other_ward_pc):
    document = draft("QĐ", urgency=Urgency.URGENT, signer_capacity="KT.",
                     signer_position="Phó Chủ tịch", place="Vĩnh Yên",
                     internal_recipients=[ward_pc, other_ward_pc],
                     external_recipients="Sở Thông tin và Truyền thông tỉnh Vĩnh Phúc",
                     page_count=3, draft=("Dự thảo quyết định.pdf", PDF))
    assert document.state == OutgoingState.DRAFT and document.number is None
    steps = [
        (services.submit_for_review, drafter, OutgoingState.IN_REVIEW, {}),
        (services.approve_for_signature, city_leader, OutgoingState.APPROVED, {}),
        (services.sign_document, city_leader, OutgoingState.SIGNED, {"passphrase": PASSPHRASE}),
        (services.number_document, city_clerk, OutgoingState.NUMBERED, {"at": at(26, 11, 10)}),
        (services.issue_document, city_clerk, OutgoingState.ISSUED, {"at": at(26, 11, 11)}),
    ]
    for step, actor, state, kwargs in steps:
        document = step(document_id=document.pk, actor=actor, **kwargs)
        assert document.state == state
    assert document.notation == "01/QĐ-UBND"
    assert document.signer_name == "Bùi Văn Sơn" and document.signer_position == "Phó Chủ tịch"
    assert list(document.events.order_by("pk").values_list("action", "from_state", "to_state")) == [
        ("create", "", "draft"), ("submit", "draft", "in_review"), ("approve", "in_review", "approved"),
        ("sign", "approved", "signed"), ("number", "signed", "numbered"), ("issue", "numbered", "issued")]
    audited = AuditEntry.objects.filter(object_type="documents.outgoingdocument", object_id=str(document.pk))
    assert list(audited.order_by("seq").values_list("action", flat=True)) == [
        "document.outgoing.create", "document.outgoing.submit", "document.outgoing.approve",
        "document.outgoing.sign", "document.outgoing.number", "document.outgoing.issue"]
    assert audited.get(action="document.outgoing.number").after["notation"] == "01/QĐ-UBND"


def test_issuing_delivers_to_internal_recipients_at_once(signed, city_clerk, city_pc, ward_pc,
                                                        other_ward_pc):
    document = signed("CV", internal_recipients=[ward_pc, other_ward_pc],
                      confidentiality=Confidentiality.CONFIDENTIAL, urgency=Urgency.FLASH)
    services.number_document(document_id=document.pk, actor=city_clerk, at=at(26, 11, 10))
    assert not IncomingDocument.objects.exists()
    services.issue_document(document_id=document.pk, actor=city_clerk, at=at(26, 11, 11))
    delivered = IncomingDocument.objects.filter(outgoing=document).order_by("agency__code")
    assert [d.agency for d in delivered] == [ward_pc, other_ward_pc]
    for incoming in delivered:
        assert incoming.state == IncomingState.RECEIVED
        assert incoming.channel == IncomingChannel.INTERNAL
        assert incoming.received_at == at(26, 11, 11)
        assert incoming.from_agency == city_pc
        assert (incoming.original_number, incoming.original_notation) == (1, "01/UBND-VP")
        assert incoming.original_date.isoformat() == "2026-11-26"
        assert incoming.document_type.code == "CV"
        assert incoming.urgency == Urgency.FLASH and incoming.confidentiality == Confidentiality.CONFIDENTIAL
        assert incoming.incoming_number is None  # the receiving clerk registers it
        assert list(incoming.events.values_list("action", "to_state")) == [("receive", "received")]


def test_the_signed_revision_is_kept_byte_for_byte(signed):
    document = signed("QĐ")
    stored = document.files.get(kind=DocumentFile.Kind.SIGNED)
    data = read_document_file(stored)
    assert data.startswith(PDF) and len(data) > len(PDF)  # the draft plus a signature revision
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert document.events.get(action="sign").outgoing_id == document.pk
    audit = AuditEntry.objects.get(action="document.outgoing.sign", object_id=str(document.pk))
    assert audit.after["sha256"] == stored.sha256
    with pytest.raises(ValueError):
        stored.save()


def test_only_a_pdf_can_be_recorded_as_signed(draft, drafter, city_leader):
    document = draft("QĐ")
    services.submit_for_review(document_id=document.pk, actor=drafter)
    services.approve_for_signature(document_id=document.pk, actor=city_leader)
    with pytest.raises(ValidationError):
        services.mark_signed(document_id=document.pk, actor=city_leader, signed_file_bytes=b"not a pdf")
    document.refresh_from_db()
    assert document.state == OutgoingState.APPROVED and not document.files.filter(kind="signed").exists()


def test_a_reviewer_can_send_the_draft_back_with_a_reason(draft, drafter, city_leader):
    document = draft("KH")
    services.submit_for_review(document_id=document.pk, actor=drafter)
    with pytest.raises(ValidationError):
        services.send_back_for_revision(document_id=document.pk, actor=city_leader, reason=" ")
    document = services.send_back_for_revision(document_id=document.pk, actor=city_leader,
                                               reason="Bổ sung kinh phí thực hiện")
    assert document.state == OutgoingState.DRAFT
    assert document.events.get(action="send_back").note == "Bổ sung kinh phí thực hiện"
    assert services.submit_for_review(document_id=document.pk, actor=drafter).state == OutgoingState.IN_REVIEW


@pytest.mark.parametrize("step, allowed", [
    ("submit_for_review", {"draft"}),
    ("approve_for_signature", {"in_review"}),
    ("sign_document", {"approved"}),
    ("number_document", {"signed"}),
    ("issue_document", {"numbered"}),
    ("recall_document", {"issued"}),
])
def test_each_step_only_from_its_state(step, allowed, draft, drafter, city_leader, city_clerk):
    """Walk one document through the flow and try the step in every state (409 elsewhere)."""
    document = draft("QĐ")
    actor = {"submit_for_review": drafter, "approve_for_signature": city_leader,
             "sign_document": city_leader, "number_document": city_clerk, "issue_document": city_clerk,
             "recall_document": city_leader}[step]
    extra = {"sign_document": {"passphrase": PASSPHRASE}, "recall_document": {"reason": "Sai sót"}}
    flow = [("submit_for_review", drafter, {}), ("approve_for_signature", city_leader, {}),
            ("sign_document", city_leader, {"passphrase": PASSPHRASE}),
            ("number_document", city_clerk, {}), ("issue_document", city_clerk, {}),
            ("recall_document", city_leader, {"reason": "Sai sót"})]
    for next_step, next_actor, kwargs in [(None, None, {}), *flow]:
        if next_step is not None:
            document = getattr(services, next_step)(document_id=document.pk, actor=next_actor, **kwargs)
        if document.state in allowed:
            continue
        with pytest.raises(TransitionNotAllowed):
            getattr(services, step)(document_id=document.pk, actor=actor, **extra.get(step, {}))


def test_who_may_do_each_outgoing_step(draft, drafter, city_leader, city_clerk, ward_leader):
    document = draft("QĐ")
    with pytest.raises(PermissionDenied):  # a clerk does not draft
        services.submit_for_review(document_id=document.pk, actor=city_clerk)
    services.submit_for_review(document_id=document.pk, actor=drafter)
    for actor in (drafter, city_clerk, ward_leader):  # the head of the unit reviews
        with pytest.raises(PermissionDenied):
            services.approve_for_signature(document_id=document.pk, actor=actor)
    services.approve_for_signature(document_id=document.pk, actor=city_leader)
    for actor in (drafter, city_clerk, ward_leader):  # the competent leader signs
        with pytest.raises(PermissionDenied):
            services.sign_document(document_id=document.pk, actor=actor, passphrase=PASSPHRASE)
    services.sign_document(document_id=document.pk, actor=city_leader, passphrase=PASSPHRASE)
    for actor in (drafter, city_leader):  # the clerk numbers and issues
        with pytest.raises(PermissionDenied):
            services.number_document(document_id=document.pk, actor=actor)
    services.number_document(document_id=document.pk, actor=city_clerk)
    with pytest.raises(PermissionDenied):
        services.issue_document(document_id=document.pk, actor=city_leader)
    services.issue_document(document_id=document.pk, actor=city_clerk)
    for actor in (drafter, city_clerk):  # the leader recalls
        with pytest.raises(PermissionDenied):
            services.recall_document(document_id=document.pk, actor=actor, reason="Sai sót")
    document.refresh_from_db()
    assert document.state == OutgoingState.ISSUED
    assert document.events.count() == 6


def test_the_clerk_of_another_agency_in_the_same_place_may_not_number(signed, city):
    police = AgencyFactory(code="000.09.00.H62", name="Công an thành phố Vĩnh Yên", abbreviation="CA",
                           kind=AgencyKind.OTHER, unit=city)
    their_clerk = OfficialFactory(agency=police, roles=[(Role.CLERK, city)]).user
    document = signed("QĐ")
    with pytest.raises(PermissionDenied):
        services.number_document(document_id=document.pk, actor=their_clerk)


def test_no_right_to_draft_for_another_agency(types, ward_pc, drafter):
    with pytest.raises(PermissionDenied):
        services.create_draft(agency=ward_pc, actor=drafter, document_type=types["TB"], subject="Thông báo")


def test_draft_rules(draft, justice_office, ward_pc, types):
    with pytest.raises(ValidationError) as error:
        draft("CV", drafting_unit=None)
    assert "drafting_unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        draft("TB", drafting_unit=ward_pc)
    assert "drafting_unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        draft("TB", is_legal_normative=True)
    assert "is_legal_normative" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        draft("QĐ", is_legal_normative=True, confidentiality=Confidentiality.SECRET)
    assert "confidentiality" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        draft("QĐ", subject="  ")
    assert "subject" in error.value.message_dict
    assert draft("QĐ", drafting_unit=justice_office, draft=("du-thao.pdf", PDF)).files.get().kind == "draft"


def test_recall_marks_the_delivered_copies(signed, city_clerk, city_leader, ward_pc):
    document = signed("QĐ", internal_recipients=[ward_pc])
    services.number_document(document_id=document.pk, actor=city_clerk)
    services.issue_document(document_id=document.pk, actor=city_clerk)
    with pytest.raises(ValidationError):
        services.recall_document(document_id=document.pk, actor=city_leader, reason="")
    document = services.recall_document(document_id=document.pk, actor=city_leader, at=at(27, 11),
                                        reason="Ban hành sai thẩm quyền")
    assert document.state == OutgoingState.RECALLED and document.recall_reason == "Ban hành sai thẩm quyền"
    incoming = IncomingDocument.objects.get(outgoing=document)
    assert incoming.sender_recalled_at == at(27, 11)
    assert incoming.events.get(action="sender_recall").note == "Ban hành sai thẩm quyền"
