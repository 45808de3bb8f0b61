"""The one-stop-shop lifecycle: who may do what, from which state, and the deadlines."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyenso.core.models import AuditEntry, OutgoingEmail
from chinhquyenso.dossiers import services as svc
from chinhquyenso.dossiers.deadlines import Standing, standing
from chinhquyenso.dossiers.models import Channel, DossierFile, State
from chinhquyenso.dossiers.services import TransitionNotAllowed
from chinhquyenso.org.models import Role
from chinhquyenso.org.queries import calendar_for
from tests.dossiers.conftest import at, pdf_upload
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def events(dossier):
    return [(e.action, e.to_state) for e in dossier.events.order_by("at", "pk")]


def test_a_dossier_from_submission_to_returned_result(birth, submit, counter, specialist, leader):
    d = submit(birth, when=at(26, 11, 13, 30))
    assert d.state == State.SUBMITTED and d.channel == Channel.ONLINE and d.assisted_by is None
    assert d.files.count() == 2 and d.answers["child_birth_date"] == "2026-11-01"

    d = svc.receive_dossier(dossier_id=d.pk, actor=counter, at=at(26, 11, 14))
    assert d.state == State.RECEIVED
    assert d.due_at == at(27, 11, 14)  # 8 working hours later
    assert d.current_step.name == "Thẩm định"
    assert d.step_due_at == at(27, 11, 9, 30)  # 5 working hours: 3 today, 2 tomorrow

    d = svc.assign_dossier(dossier_id=d.pk, actor=counter, assignee=specialist, at=at(26, 11, 14, 5))
    d = svc.start_processing(dossier_id=d.pk, actor=specialist, at=at(26, 11, 14, 10))
    svc.attach_result(dossier_id=d.pk, actor=specialist, uploaded_file=pdf_upload("giay-khai-sinh.pdf"),
                      at=at(26, 11, 16))
    d = svc.forward_dossier(dossier_id=d.pk, actor=specialist, at=at(26, 11, 16))
    assert d.state == State.AWAITING_SIGNATURE and d.current_step.role == Role.LEADER
    d = svc.forward_dossier(dossier_id=d.pk, actor=leader, at=at(26, 11, 16, 30))
    assert d.state == State.DONE and d.finished_at == at(26, 11, 16, 30)
    d = svc.return_result(dossier_id=d.pk, actor=counter, at=at(26, 11, 16, 45))
    assert d.state == State.RETURNED

    assert events(d) == [
        ("submit", State.SUBMITTED), ("receive", State.RECEIVED), ("assign", State.ASSIGNED),
        ("start", State.PROCESSING), ("attach_result", State.PROCESSING),
        ("forward", State.AWAITING_SIGNATURE), ("forward", State.DONE),
        ("return_result", State.RETURNED)]
    audited = AuditEntry.objects.filter(object_type="dossiers.dossier", object_id=str(d.pk))
    assert audited.count() == 8
    assert standing(d, calendar_for(d.agency)) == Standing.EARLY


def test_refusal_needs_a_reason_and_ends_the_dossier(birth, submit, counter):
    d = submit(birth)
    with pytest.raises(ValidationError):
        svc.refuse_dossier(dossier_id=d.pk, actor=counter, reason="  ")
    d = svc.refuse_dossier(dossier_id=d.pk, actor=counter, reason="Thiếu giấy chứng sinh bản chính")
    assert d.state == State.REFUSED and d.last_reason.startswith("Thiếu")
    with pytest.raises(TransitionNotAllowed):
        svc.receive_dossier(dossier_id=d.pk, actor=counter)


def test_a_transition_from_the_wrong_state_is_refused_with_a_clear_message(birth, submit, specialist):
    d = submit(birth)
    with pytest.raises(TransitionNotAllowed, match=d.code):
        svc.start_processing(dossier_id=d.pk, actor=specialist)


def test_roles_and_scopes_are_enforced(birth, submit, specialist, other_ward, city):
    d = submit(birth)
    with pytest.raises(PermissionDenied):  # a specialist does not receive dossiers
        svc.receive_dossier(dossier_id=d.pk, actor=specialist)
    elsewhere = OfficialFactory(roles=[(Role.COUNTER_OFFICER, other_ward)]).user
    with pytest.raises(PermissionDenied):  # a counter officer of another ward
        svc.receive_dossier(dossier_id=d.pk, actor=elsewhere)
    city_counter = OfficialFactory(roles=[(Role.COUNTER_OFFICER, city)]).user
    assert svc.receive_dossier(dossier_id=d.pk, actor=city_counter).state == State.RECEIVED


def received(dossier, counter, specialist, when):
    svc.receive_dossier(dossier_id=dossier.pk, actor=counter, at=when)
    svc.assign_dossier(dossier_id=dossier.pk, actor=counter, assignee=specialist, at=when)
    return svc.start_processing(dossier_id=dossier.pk, actor=specialist, at=when)


def test_only_the_assignee_starts_and_a_leader_signs_only_with_a_result(birth, submit, counter,
                                                                        specialist, leader, ward_pc, ward):
    other = OfficialFactory(agency=ward_pc, roles=[(Role.SPECIALIST, ward)]).user
    d = submit(birth)
    svc.receive_dossier(dossier_id=d.pk, actor=counter)
    svc.assign_dossier(dossier_id=d.pk, actor=counter, assignee=specialist)
    with pytest.raises(PermissionDenied):
        svc.start_processing(dossier_id=d.pk, actor=other)
    svc.start_processing(dossier_id=d.pk, actor=specialist)
    d = svc.forward_dossier(dossier_id=d.pk, actor=specialist)
    with pytest.raises(TransitionNotAllowed):
        svc.forward_dossier(dossier_id=d.pk, actor=leader)
    d = svc.send_back(dossier_id=d.pk, actor=leader, reason="Thiếu kết quả dự thảo")
    assert d.state == State.PROCESSING and d.current_step.role == Role.SPECIALIST


def test_assignee_must_hold_the_step_role(birth, submit, counter, leader):
    d = submit(birth)
    svc.receive_dossier(dossier_id=d.pk, actor=counter)
    with pytest.raises(ValidationError):
        svc.assign_dossier(dossier_id=d.pk, actor=counter, assignee=leader)


def test_supplement_keeps_the_code_and_the_waiting_time_does_not_count(household, submit, counter,
                                                                         specialist, citizen):
    d = submit(household, when=at(27, 11, 14))
    d = received(d, counter, specialist, at(27, 11, 15))
    assert d.due_at == at(2, 12, 15)  # 3 working days from Friday 15:00
    code = d.code
    d = svc.request_supplement(dossier_id=d.pk, actor=specialist, reason="Bổ sung hợp đồng thuê nhà",
                               at=at(30, 11, 10))
    assert d.state == State.SUPPLEMENT_REQUESTED
    assert standing(d, calendar_for(d.agency), now=at(4, 12, 9)) == Standing.WAITING_CITIZEN
    with pytest.raises(PermissionDenied):
        svc.supplement_dossier(dossier_id=d.pk, actor=specialist, files=[pdf_upload()])
    d = svc.supplement_dossier(dossier_id=d.pk, actor=citizen, files=[pdf_upload("hop-dong.pdf")],
                               at=at(1, 12, 10))
    assert d.state == State.PROCESSING and d.code == code
    assert d.due_at == at(3, 12, 15)  # moved by the 8 working hours waited
    assert d.files.filter(kind=DossierFile.Kind.SUPPLEMENT).count() == 1


def test_fee_due_pauses_until_paid(household, submit, counter, specialist, citizen):
    d = received(submit(household, when=at(27, 11, 14)), counter, specialist, at(27, 11, 15))
    with pytest.raises(ValidationError):
        svc.request_fee(dossier_id=d.pk, actor=specialist, amount=0)
    d = svc.request_fee(dossier_id=d.pk, actor=specialist, at=at(30, 11, 13))
    assert d.state == State.FEE_DUE and d.fee_amount == 100000  # from the procedure's fee table
    with pytest.raises(PermissionDenied):  # no online gateway yet: the counter records payments
        svc.pay_fee(dossier_id=d.pk, actor=citizen, reference="BL-1")
    with pytest.raises(ValidationError):
        svc.pay_fee(dossier_id=d.pk, actor=counter, reference=" ")
    with pytest.raises(ValidationError):
        svc.pay_fee(dossier_id=d.pk, actor=counter, reference="BL-1", provider="vnpay")
    d = svc.pay_fee(dossier_id=d.pk, actor=counter, reference="BL-0012345", at=at(30, 11, 15))
    assert d.state == State.PROCESSING and d.fee_paid_at == at(30, 11, 15)
    assert (d.payment_provider, d.payment_reference) == ("counter", "BL-0012345")
    assert d.due_at == at(2, 12, 17)


def test_withdrawal_before_and_after_receipt(birth, submit, counter, leader, citizen, specialist):
    first = submit(birth)
    with pytest.raises(PermissionDenied):
        svc.withdraw_dossier(dossier_id=first.pk, actor=counter)
    assert svc.withdraw_dossier(dossier_id=first.pk, actor=citizen).state == State.WITHDRAWN

    second = received(submit(birth), counter, specialist, at(26, 11, 9))
    second = svc.withdraw_dossier(dossier_id=second.pk, actor=citizen, reason="Nộp nhầm thủ tục")
    assert second.state == State.PROCESSING and second.withdrawal_requested
    assert svc.approve_withdrawal(dossier_id=second.pk, actor=leader).state == State.WITHDRAWN
    third = received(submit(birth), counter, specialist, at(26, 11, 9))
    with pytest.raises(TransitionNotAllowed):  # nobody asked
        svc.approve_withdrawal(dossier_id=third.pk, actor=leader)


def test_stop_and_transfer_and_back(birth, submit, counter, leader, specialist, other_ward):
    from tests.factories import AgencyFactory

    other_pc = AgencyFactory(unit=other_ward)
    d = received(submit(birth), counter, specialist, at(26, 11, 9))
    d = svc.transfer_dossier(dossier_id=d.pk, actor=counter, to_agency=other_pc,
                             reason="Xác minh nơi cư trú")
    assert d.state == State.TRANSFERRED and d.transferred_to == other_pc
    their_counter = OfficialFactory(agency=other_pc, roles=[(Role.COUNTER_OFFICER, other_ward)]).user
    d = svc.take_back_dossier(dossier_id=d.pk, actor=their_counter, note="Đã xác minh")
    assert d.state == State.PROCESSING and d.transferred_to is None
    with pytest.raises(PermissionDenied):
        svc.stop_dossier(dossier_id=d.pk, actor=counter, reason="x")
    d = svc.stop_dossier(dossier_id=d.pk, actor=leader, reason="Người dân không bổ sung hồ sơ")
    assert d.state == State.STOPPED


def test_standing_from_times(household, submit, counter, specialist):
    d = received(submit(household, when=at(27, 11, 14)), counter, specialist, at(27, 11, 15))
    cal = calendar_for(d.agency)
    assert standing(d, cal, now=at(30, 11, 9)) == Standing.IN_TIME
    assert standing(d, cal, now=at(1, 12, 16)) == Standing.DUE_SOON
    assert standing(d, cal, now=at(2, 12, 15, 1)) == Standing.OVERDUE


def test_finishing_after_the_due_time_is_late(birth, submit, counter, specialist, leader):
    d = received(submit(birth), counter, specialist, at(26, 11, 9))
    svc.attach_result(dossier_id=d.pk, actor=specialist, uploaded_file=pdf_upload())
    svc.forward_dossier(dossier_id=d.pk, actor=specialist, at=at(27, 11, 8))
    d = svc.forward_dossier(dossier_id=d.pk, actor=leader, at=at(27, 11, 10))
    assert d.due_at == at(27, 11, 9)
    assert standing(d, calendar_for(d.agency)) == Standing.LATE


def test_apology_letter_is_recorded_and_sent(birth, submit, counter, specialist, leader):
    from pypdf import PdfReader

    d = received(submit(birth), counter, specialist, at(26, 11, 9))
    with pytest.raises(ValidationError):
        svc.issue_apology(dossier_id=d.pk, actor=leader, reason="Chờ xác minh", new_due_at=at(26, 11, 10))
    letter = svc.issue_apology(dossier_id=d.pk, actor=leader, reason="Chờ xác minh của Công an phường",
                               new_due_at=at(1, 12, 9), at=at(27, 11, 8))
    text = PdfReader(letter.pdf.open("rb")).pages[0].extract_text()
    assert d.code in text and "Nguyễn Thị Hương" in text and "01/12/2026" in text
    d.refresh_from_db()
    assert d.due_at == at(27, 11, 9)  # the legal due time stays: a late result counts as late
    subjects = list(OutgoingEmail.objects.values_list("subject", flat=True))
    assert any("xin lỗi" in s.lower() or d.code in s for s in subjects)


def test_rating_by_the_applicant_after_the_result(birth, submit, counter, specialist, leader, citizen):
    d = received(submit(birth), counter, specialist, at(26, 11, 9))
    with pytest.raises(TransitionNotAllowed):
        svc.rate_dossier(dossier_id=d.pk, actor=citizen, satisfied=True)
    svc.attach_result(dossier_id=d.pk, actor=specialist, uploaded_file=pdf_upload())
    svc.forward_dossier(dossier_id=d.pk, actor=specialist)
    svc.forward_dossier(dossier_id=d.pk, actor=leader)
    svc.return_result(dossier_id=d.pk, actor=counter)
    with pytest.raises(PermissionDenied):
        svc.rate_dossier(dossier_id=d.pk, actor=counter, satisfied=True)
    rating = svc.rate_dossier(dossier_id=d.pk, actor=citizen, satisfied=False, comment="Chờ lâu")
    assert rating.satisfied is False and rating.comment == "Chờ lâu"
    with pytest.raises(TransitionNotAllowed):
        svc.rate_dossier(dossier_id=d.pk, actor=citizen, satisfied=True)


def test_assisted_submissions(birth, submit, counter, ward, ward_pc):
    at_counter = submit(birth, by=counter)
    assert at_counter.channel == Channel.COUNTER and at_counter.assisted_by == counter
    assert at_counter.owner is None
    member = OfficialFactory(agency=ward_pc, roles=[(Role.COMMUNITY_MEMBER, ward)]).user
    with pytest.raises(ValidationError):
        submit(birth, by=member)
    helped = submit(birth, by=member, citizen_consent=True)
    assert helped.channel == Channel.ONLINE and helped.assisted_by == member
    assert helped.assistance_consent


def test_bad_submissions_are_refused(birth, submit, citizen, ward_pc, city):
    import copy

    from chinhquyenso.dossiers.services import submit_dossier
    from chinhquyenso.procedures.services import save_procedure
    from tests.factories import AgencyFactory
    from tests.procedures.conftest import BIRTH

    with pytest.raises(ValidationError):  # answers fail the form
        submit(birth, answers={"child_full_name": "", "child_birth_date": "31/02/2026", "child_sex": "?"})
    with pytest.raises(ValidationError):  # a mandatory component is missing
        submit_dossier(procedure=birth, agency=ward_pc, submitted_by=citizen,
                       applicant={"name": "Nguyễn Thị Hương"},
                       answers={"child_full_name": "An", "child_birth_date": "01/11/2026", "child_sex": "Nam"})
    city_pc = AgencyFactory(unit=city)
    with pytest.raises(ValidationError):  # a ward procedure at the city
        submit_dossier(procedure=birth, agency=city_pc, submitted_by=citizen,
                       applicant={"name": "A"}, answers={})
    info = save_procedure(**{**copy.deepcopy(BIRTH), "code": "9.000001", "service_level": "information"})
    with pytest.raises(ValidationError):
        submit(info)


def test_receipt_and_electronic_result_are_issued_with_a_tracking_qr(
        birth, submit, counter, specialist, leader, settings, django_capture_on_commit_callbacks):
    """Both PDFs are rendered by background tasks once the transition commits."""
    from pypdf import PdfReader

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        d = received(submit(birth), counter, specialist, at(26, 11, 9))
    receipt = d.files.get(kind=DossierFile.Kind.LETTER)
    assert receipt.original_name == f"giay-tiep-nhan-{d.code}.pdf"
    text = PdfReader(receipt.file.open("rb")).pages[0].extract_text()
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in text and d.code in text
    assert "09:00 ngày 27/11/2026" in text  # the appointment: 8 working hours after receipt
    assert "/dich-vu-cong/tra-cuu/?code=" in text.replace("\n", "")
    result = svc.attach_result(dossier_id=d.pk, actor=specialist, uploaded_file=pdf_upload("kq.pdf"))
    svc.forward_dossier(dossier_id=d.pk, actor=specialist)
    with django_capture_on_commit_callbacks(execute=True):
        d = svc.forward_dossier(dossier_id=d.pk, actor=leader)
    assert d.result_electronic and d.components_digitised
    assert svc.issue_receipt(dossier_id=d.pk) is None  # issued once only
    notice = d.files.filter(kind=DossierFile.Kind.RESULT).exclude(pk=result.pk).get()
    text = PdfReader(notice.file.open("rb")).pages[0].extract_text()
    assert "THÔNG BÁO KẾT QUẢ" in text and result.sha256[:16] in text.replace("\n", "")


def test_citizen_is_notified_by_e_mail_and_sms_in_background(birth, submit, counter):
    from chinhquyenso.core.models import OutgoingSms

    d = submit(birth)
    svc.receive_dossier(dossier_id=d.pk, actor=counter)
    texts = list(OutgoingSms.objects.values_list("text", flat=True))
    assert len(texts) == 2 and d.code in texts[1]
    assert set(OutgoingSms.objects.values_list("status", flat=True)) == {"queued"}
    assert OutgoingEmail.objects.count() == 2


def test_complaints_have_their_own_deadline(birth, submit, counter, specialist, leader, citizen):
    d = received(submit(birth), counter, specialist, at(26, 11, 9))
    with pytest.raises(PermissionDenied):
        svc.file_complaint(dossier_id=d.pk, actor=counter, text="x")
    complaint = svc.file_complaint(dossier_id=d.pk, actor=citizen, text="Cán bộ hẹn nhiều lần",
                                   at=at(27, 11, 10))
    assert complaint.due_at == at(11, 12, 10)  # 10 working days
    with pytest.raises(PermissionDenied):
        svc.answer_complaint(complaint_id=complaint.pk, actor=specialist, answer="Đã xử lý")
    with pytest.raises(TransitionNotAllowed):
        svc.judge_complaint_answer(complaint_id=complaint.pk, actor=citizen, satisfied=True)
    complaint = svc.answer_complaint(complaint_id=complaint.pk, actor=leader,
                                     answer="Đã chấn chỉnh cán bộ", at=at(1, 12, 9))
    assert complaint.answered_on_time
    assert svc.judge_complaint_answer(complaint_id=complaint.pk, actor=citizen,
                                      satisfied=True).complainant_satisfied is True
