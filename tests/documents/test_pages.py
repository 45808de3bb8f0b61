"""The officials' pages for documents, through the Django test client: registers with
their filters and Excel exports, the work queues and their counts, the document page
and its actions (with the refusals a user sees: 409, 403, field errors), the draft form
and file downloads.

The pages are asked for in English (the language switch's cookie), so these tests read
the English texts whatever the translations say."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from chinhquyenso.documents import services
from chinhquyenso.documents.files import sha256_of
from chinhquyenso.documents.models import (
    DocumentFile,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    Urgency,
)
from chinhquyenso.org.models import AgencyKind, Role
from tests.documents.conftest import PASSPHRASE, PDF
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def open_as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html(response) -> str:
    return response.content.decode()


def index_everything() -> None:
    """The registers' text filter is the full-text index (documents.search): bring it up
    to date with every document, as its rebuild command does."""
    from chinhquyenso.documents import search

    search.rebuild_index(extract_text=False)


def workbook_rows(response) -> list[tuple]:
    from openpyxl import load_workbook

    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


@pytest.fixture
def issued(signed, city_clerk):
    """issued(**kwargs) → a document signed, numbered and issued by the city."""

    def make(**kwargs):
        document = signed(**kwargs)
        services.number_document(document_id=document.pk, actor=city_clerk)
        return services.issue_document(document_id=document.pk, actor=city_clerk)

    return make


@pytest.fixture
def counter_officer(ward_pc, ward):
    return OfficialFactory(agency=ward_pc, roles=[(Role.COUNTER_OFFICER, ward)]).user


@pytest.fixture
def other_ward_clerk(other_ward_pc, other_ward):
    return OfficialFactory(agency=other_ward_pc, roles=[(Role.CLERK, other_ward)]).user


# --- registers ------------------------------------------------------------------------------

def test_outgoing_register_filters_and_pages(client, draft, issued, city_clerk, types, ward_clerk):
    plan = issued(subject="Về việc ban hành quy chế lưu trữ hồ sơ điện tử", internal_recipients=[])
    urgent = draft("TB", subject="Thông báo lịch tiếp công dân", urgency=Urgency.URGENT)
    letter = draft("CV", subject="Về việc đôn đốc nộp báo cáo")
    index_everything()
    open_as(client, city_clerk)

    page = html(client.get("/van-ban/so-van-ban-di/"))
    assert plan.notation in page and "Thông báo lịch tiếp công dân" in page and "đôn đốc" in page
    assert "3 documents" in page

    def rows(**query):
        response = client.get("/van-ban/so-van-ban-di/", query)
        assert response.status_code == 200
        return {d.pk for d in response.context["page"]}

    assert rows(q="quy che luu tru") == {plan.pk}                 # no accents typed
    assert rows(q=plan.notation.split("/")[0] + "/QĐ") == {plan.pk}  # by number and notation
    assert rows(type=types["TB"].pk) == {urgent.pk}
    assert rows(state=OutgoingState.ISSUED) == {plan.pk}
    assert rows(state=OutgoingState.DRAFT) == {urgent.pk, letter.pk}
    assert rows(urgency=Urgency.URGENT) == {urgent.pk}
    assert rows(year=THIS_YEAR) == {plan.pk, urgent.pk, letter.pk}
    assert rows(year=THIS_YEAR - 1) == set()
    assert rows(state="nonsense", year="abc") == {plan.pk, urgent.pk, letter.pk}  # ignored

    # another agency's clerk does not see the city's register
    open_as(client, ward_clerk)
    assert rows() == set()


def test_outgoing_register_has_fifty_rows_a_page(client, draft, drafter):
    for number in range(51):
        draft("TB", subject=f"Thông báo số {number}", draft=None)
    index_everything()
    open_as(client, drafter)
    first = client.get("/van-ban/so-van-ban-di/", {"type": "", "q": "thong bao"})
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in html(first) and "q=thong%20bao" in html(first)
    second = client.get("/van-ban/so-van-ban-di/", {"q": "thong bao", "page": 2})
    assert len(second.context["page"].object_list) == 1


def test_outgoing_register_export(client, issued, draft, city_clerk, ward_pc, other_ward_pc):
    plan = issued(subject="Về việc ban hành kế hoạch chuyển đổi số", internal_recipients=[ward_pc, other_ward_pc],
                  external_recipients="Sở Thông tin và Truyền thông", deadline=date(THIS_YEAR, 12, 31))
    draft("TB", subject="Thông báo lịch tiếp công dân")
    open_as(client, city_clerk)

    response = client.get("/van-ban/so-van-ban-di/excel/", {"state": OutgoingState.ISSUED})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="so-van-ban-di-tat-ca.xlsx"' in response["Content-Disposition"]
    header, *body = workbook_rows(response)
    assert header[:4] == ("Số, ký hiệu văn bản", "Ngày tháng văn bản", "Loại văn bản", "Trích yếu nội dung")
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Số, ký hiệu văn bản"] == plan.notation
    assert isinstance(row["Ngày tháng văn bản"], datetime)  # a real date in Excel
    assert row["Ngày tháng văn bản"].date() == plan.issued_on
    assert row["Hạn trả lời"].date() == date(THIS_YEAR, 12, 31)
    assert row["Trích yếu nội dung"] == "Về việc ban hành kế hoạch chuyển đổi số"
    assert "Bùi Văn Sơn" in row["Người ký"]
    assert row["Nơi nhận văn bản"] == ("Ủy ban nhân dân phường Liên Bảo; Ủy ban nhân dân phường Tích Sơn; "
                                       "Sở Thông tin và Truyền thông")

    everything = workbook_rows(client.get("/van-ban/so-van-ban-di/excel/", {"year": THIS_YEAR}))
    assert len(everything) == 3


def test_incoming_register_filters_and_export(client, issued, ward_pc, ward_clerk, types, other_ward_clerk):
    issued(subject="Về việc triển khai kế hoạch chuyển đổi số", internal_recipients=[ward_pc])
    delivered = IncomingDocument.objects.get(agency=ward_pc)
    services.register_incoming(document_id=delivered.pk, actor=ward_clerk)
    paper = services.receive_external(agency=ward_pc, actor=ward_clerk, subject="Đề nghị sửa đường ngõ 5",
                                      sender_name="Ban công tác Mặt trận tổ dân phố số 3",
                                      document_type=types["CV"], urgency=Urgency.URGENT)
    index_everything()
    open_as(client, ward_clerk)

    def rows(**query):
        response = client.get("/van-ban/so-van-ban-den/", query)
        assert response.status_code == 200
        return {d.pk for d in response.context["page"]}

    page = html(client.get("/van-ban/so-van-ban-den/"))
    assert f"1/{THIS_YEAR}" in page and "not registered" in page
    assert rows() == {delivered.pk, paper.pk}
    assert rows(q="DUONG NGO") == {paper.pk}
    assert rows(q="mat tran") == {paper.pk}  # the sender
    assert rows(state=IncomingState.REGISTERED) == {delivered.pk}
    assert rows(urgency=Urgency.URGENT) == {paper.pk}
    assert rows(type=types["QĐ"].pk) == {delivered.pk}
    assert rows(year=THIS_YEAR) == {delivered.pk, paper.pk}

    header, *body = workbook_rows(client.get("/van-ban/so-van-ban-den/excel/",
                                             {"state": IncomingState.REGISTERED}))
    assert header[:3] == ("Số đến", "Ngày đến", "Tác giả (nơi gửi)")
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Số đến"] == 1
    assert row["Số, ký hiệu văn bản"] == delivered.original_notation
    assert isinstance(row["Ngày đến"], datetime)
    assert row["Tác giả (nơi gửi)"] == "Ủy ban nhân dân thành phố Vĩnh Yên"

    open_as(client, other_ward_clerk)
    assert rows() == set()
    assert len(workbook_rows(client.get("/van-ban/so-van-ban-den/excel/"))) == 1  # the header only


def test_registers_are_for_documents_roles_only(client, counter_officer):
    open_as(client, counter_officer)
    assert client.get("/van-ban/so-van-ban-di/").status_code == 403
    assert client.get("/van-ban/so-van-ban-den/excel/").status_code == 403
    overview = client.get("/van-ban/")  # in everyone's navigation: what the area does
    assert overview.status_code == 200 and "Verify a document" in html(overview)
    assert "queues" not in overview.context
    client.logout()
    assert client.get("/van-ban/so-van-ban-di/").status_code == 302
    assert client.get("/van-ban/").status_code == 200


# --- queues ---------------------------------------------------------------------------------

def queue_counts(client, user) -> dict[str, int]:
    response = open_as(client, user).get("/van-ban/")
    assert response.status_code == 200
    return {q.key: count for q, count in response.context["queues"]}


def test_queues_by_role_with_counts(client, draft, signed, issued, drafter, city_leader, city_clerk,
                                    ward_pc, ward_clerk, ward_leader, ward_specialist):
    mine = draft(subject="Dự thảo của tôi")
    sent_back = draft(subject="Dự thảo bị trả lại")
    services.submit_for_review(document_id=sent_back.pk, actor=drafter)
    services.send_back_for_revision(document_id=sent_back.pk, actor=city_leader, reason="Sửa trích yếu")
    to_review = draft(subject="Chờ duyệt")
    services.submit_for_review(document_id=to_review.pk, actor=drafter)
    to_sign = draft(subject="Chờ ký")
    services.submit_for_review(document_id=to_sign.pk, actor=drafter)
    services.approve_for_signature(document_id=to_sign.pk, actor=city_leader)
    to_number = signed(subject="Chờ cấp số")
    for subject in ("Giao phường xử lý", "Quá hạn", "Chờ phân công", "Chờ vào sổ"):
        issued(subject=subject, internal_recipients=[ward_pc])
    incoming = {d.subject: d for d in IncomingDocument.objects.filter(agency=ward_pc)}
    for subject in ("Giao phường xử lý", "Quá hạn", "Chờ phân công"):
        services.register_incoming(document_id=incoming[subject].pk, actor=ward_clerk)
    today = timezone.localdate()
    services.assign_incoming(document_id=incoming["Giao phường xử lý"].pk, actor=ward_leader,
                             lead_unit=ward_pc, deadline=today + timedelta(days=5))
    long_ago = timezone.now() - timedelta(days=10)
    IncomingDocument.objects.filter(pk=incoming["Quá hạn"].pk).update(received_at=long_ago)
    services.assign_incoming(document_id=incoming["Quá hạn"].pk, actor=ward_leader, lead_unit=ward_pc,
                             deadline=today - timedelta(days=3))

    assert queue_counts(client, drafter) == {"my_drafts": 1, "sent_back": 1, "to_process": 0}
    drafts = client.get("/van-ban/", {"queue": "sent_back"})
    assert [d.pk for d, _late in drafts.context["rows"]] == [sent_back.pk]
    leader = queue_counts(client, city_leader)
    assert (leader["to_review"], leader["to_sign"], leader["my_drafts"]) == (1, 1, 0)
    assert queue_counts(client, city_clerk) == {"to_number": 1, "to_register": 0}
    to_number_page = client.get("/van-ban/", {"queue": "to_number"})
    assert [d.pk for d, _late in to_number_page.context["rows"]] == [to_number.pk]
    assert queue_counts(client, ward_clerk) == {"to_number": 0, "to_register": 1}
    ward = queue_counts(client, ward_leader)
    assert (ward["to_assign"], ward["overdue"], ward["to_process"]) == (1, 1, 2)
    assert queue_counts(client, ward_specialist) == {"my_drafts": 0, "sent_back": 0, "to_process": 2}

    overdue = html(open_as(client, ward_leader).get("/van-ban/", {"queue": "overdue"}))
    assert "Quá hạn" in overdue and "3 days late" in overdue and "standing-overdue" in overdue
    processing = html(open_as(client, ward_specialist).get("/van-ban/", {"queue": "to_process"}))
    assert processing.count("days late") == 1
    assert mine.pk and to_review.pk  # counted above


def test_the_first_queue_with_work_opens(client, draft, drafter, city_leader):
    document = draft()
    services.submit_for_review(document_id=document.pk, actor=drafter)
    response = open_as(client, city_leader).get("/van-ban/")
    assert response.context["queue"].key == "to_review"
    assert f"/van-ban/di/{document.pk}/" in html(response)


# --- the document page and its actions ------------------------------------------------------

def action_forms(response) -> set[str]:
    return {a["action"] for a in response.context["actions"]}


def test_actions_are_shown_only_to_those_who_may_act(client, draft, drafter, city_leader, city_clerk,
                                                     ward_leader):
    document = draft()
    address = f"/van-ban/di/{document.pk}/"
    assert action_forms(open_as(client, drafter).get(address)) == {"submit"}
    assert action_forms(open_as(client, city_leader).get(address)) == {"submit"}  # leaders draft too
    assert action_forms(open_as(client, city_clerk).get(address)) == set()
    assert open_as(client, ward_leader).get(address).status_code == 404  # another agency's draft

    services.submit_for_review(document_id=document.pk, actor=drafter)
    assert action_forms(open_as(client, drafter).get(address)) == set()
    reviewing = open_as(client, city_leader).get(address)
    assert action_forms(reviewing) == {"approve", "send_back"}
    page = html(reviewing)
    assert 'hx-boost="true"' in page and f'action="/van-ban/di/{document.pk}/approve/"' in page

    services.approve_for_signature(document_id=document.pk, actor=city_leader)
    signing_page = open_as(client, city_leader).get(address)
    assert action_forms(signing_page) == {"sign"}
    assert 'type="password"' in html(signing_page) and "Signing key passphrase" in html(signing_page)
    assert action_forms(open_as(client, city_clerk).get(address)) == set()


def post(client, address, data=None, **headers):
    return client.post(address, data or {}, **headers)


def test_the_outgoing_flow_through_the_page(client, draft, drafter, city_leader, city_clerk, ward_pc):
    document = draft(internal_recipients=[ward_pc])
    address = f"/van-ban/di/{document.pk}/"

    open_as(client, drafter)
    response = post(client, address + "submit/", follow=True)
    assert response.redirect_chain[-1][0] == address
    assert "Done: submit for review." in html(response)

    open_as(client, city_leader)
    refused = post(client, address + "send_back/", {"reason": "  "})
    assert refused.status_code == 400
    assert "Say what must be revised." in html(refused)
    send_back = next(a for a in refused.context["actions"] if a["action"] == "send_back")
    assert send_back["errors"] == {"reason": ["Say what must be revised."]}
    post(client, address + "send_back/", {"reason": "Bổ sung căn cứ pháp lý"})
    document.refresh_from_db()
    assert document.state == OutgoingState.DRAFT
    assert "Bổ sung căn cứ pháp lý" in html(open_as(client, drafter).get(address))
    post(client, address + "submit/")

    open_as(client, city_leader)
    post(client, address + "approve/", {"note": "Đồng ý"})
    wrong = post(client, address + "sign/", {"passphrase": "sai-mat-khau-123"})
    assert wrong.status_code == 400
    assert "sai-mat-khau-123" not in html(wrong)  # never echoed
    assert next(a for a in wrong.context["actions"] if a["action"] == "sign")["errors"]["passphrase"]
    response = post(client, address + "sign/", {"passphrase": PASSPHRASE}, follow=True)
    assert "Done: sign." in html(response)
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED

    open_as(client, city_clerk)
    post(client, address + "number/")
    post(client, address + "issue/")
    document.refresh_from_db()
    assert document.state == OutgoingState.ISSUED and document.notation.endswith("/QĐ-UBND")

    page = html(client.get(address))
    signed = list(document.files.filter(kind=DocumentFile.Kind.SIGNED).order_by("created_at", "pk"))
    assert len(signed) == 2  # the leader's signature, then the agency's seal
    for stored in signed:
        assert stored.sha256 in page and f"/van-ban/tep/{stored.pk}/" in page
    assert page.index(signed[0].sha256) < page.index(signed[1].sha256)
    assert "Ủy ban nhân dân phường Tích Sơn" in page  # the delivery and its state
    assert "Received" in page.split("Deliveries", 1)[1]
    history = page.split("History", 1)[1]
    for step in ("Drafted", "Submit for review", "Send back for revision", "Approve for signature",
                 "Sign", "Give a number", "Issue"):
        assert step in history
    assert "Bùi Văn Sơn" in history and "Bổ sung căn cứ pháp lý" in history

    open_as(client, city_leader)
    assert post(client, address + "recall/", {"reason": ""}).status_code == 400
    post(client, address + "recall/", {"reason": "Ban hành nhầm đối tượng"})
    document.refresh_from_db()
    assert document.state == OutgoingState.RECALLED


def test_a_step_not_allowed_now_answers_409_and_a_missing_right_403(client, signed, draft, drafter,
                                                                   city_clerk):
    document = signed()
    address = f"/van-ban/di/{document.pk}/"
    refused = post(open_as(client, city_clerk), address + "issue/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    assert "“issue” is not possible now" in html(refused)
    assert 'role="alert"' in html(refused)
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED

    in_review = draft()
    services.submit_for_review(document_id=in_review.pk, actor=drafter)
    refused = post(open_as(client, drafter), f"/van-ban/di/{in_review.pk}/approve/")
    assert refused.status_code == 403
    assert "You do not have permission to do this." in html(refused)
    in_review.refresh_from_db()
    assert in_review.state == OutgoingState.IN_REVIEW

    assert post(client, address + "dance/").status_code == 404
    assert client.get(address + "issue/").status_code == 405


def test_the_incoming_flow_through_the_page(client, issued, ward_pc, ward_clerk, ward_leader,
                                            ward_specialist, other_ward_pc):
    issued(internal_recipients=[ward_pc])
    document = IncomingDocument.objects.get(agency=ward_pc)
    address = f"/van-ban/den/{document.pk}/"

    assert action_forms(open_as(client, ward_leader).get(address)) == set()
    clerk_view = open_as(client, ward_clerk).get(address)
    assert action_forms(clerk_view) == {"register", "return"}
    signed = document.outgoing.files.filter(kind=DocumentFile.Kind.SIGNED).last()
    assert f"/van-ban/tep/{signed.pk}/" in html(clerk_view)  # the sealed revision it received
    post(client, address + "register/")
    document.refresh_from_db()
    assert (document.state, document.incoming_number) == (IncomingState.REGISTERED, 1)

    open_as(client, ward_leader)
    assert action_forms(client.get(address)) == {"assign"}
    refused = post(client, address + "assign/", {"assign-lead_unit": "", "assign-deadline": "31/02/2026"})
    assert refused.status_code == 400
    assert "Choose the lead unit." in html(refused) and "Write the date as dd/mm/yyyy." in html(refused)
    refused = post(client, address + "assign/", {"assign-lead_unit": other_ward_pc.pk})
    assert refused.status_code == 400  # not a unit of this ward
    deadline = timezone.localdate() + timedelta(days=7)
    post(client, address + "assign/", {"assign-lead_unit": ward_pc.pk,
                                       "assign-deadline": deadline.strftime("%d/%m/%Y"),
                                       "assign-note": "Giao công chức tư pháp"})
    document.refresh_from_db()
    assert (document.state, document.lead_unit, document.deadline) == (IncomingState.ASSIGNED, ward_pc,
                                                                       deadline)

    open_as(client, ward_specialist)
    assert action_forms(client.get(address)) == {"start"}
    post(client, address + "start/")
    response = post(client, address + "complete/", {"note": "Đã triển khai"}, follow=True)
    assert "Done: complete." in html(response)
    document.refresh_from_db()
    assert document.state == IncomingState.DONE
    assert "Đã triển khai" in html(response)


def test_returning_an_incoming_document_needs_a_reason(client, issued, ward_pc, ward_clerk):
    issued(internal_recipients=[ward_pc])
    document = IncomingDocument.objects.get(agency=ward_pc)
    open_as(client, ward_clerk)
    refused = post(client, f"/van-ban/den/{document.pk}/return/", {"reason": ""})
    assert refused.status_code == 400 and "Give the reason for returning the document." in html(refused)
    post(client, f"/van-ban/den/{document.pk}/return/", {"reason": "Gửi nhầm phường"})
    document.refresh_from_db()
    assert document.state == IncomingState.RETURNED
    assert "Gửi nhầm phường" in html(client.get(f"/van-ban/den/{document.pk}/"))


# --- the draft form -------------------------------------------------------------------------

def draft_form_data(types, city_pc, city_office, **changes):
    data = {"agency": city_pc.pk, "document_type": types["QĐ"].pk, "subject": "Về việc thành lập tổ công tác",
            "drafting_unit": city_office.pk, "urgency": Urgency.NORMAL, "confidentiality": "thuong",
            "signer_capacity": "TM.", "external_recipients": "Sở Nội vụ", "deadline": "",
            "file": io.BytesIO(PDF)}
    data["file"].name = "du-thao.pdf"
    data.update(changes)
    return data


def test_a_draft_is_made_with_its_pdf(client, drafter, types, city_pc, city_office, ward_pc):
    open_as(client, drafter)
    form = client.get("/van-ban/du-thao/moi/")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in html(form)
    response = client.post("/van-ban/du-thao/moi/", draft_form_data(
        types, city_pc, city_office, internal_recipients=[ward_pc.pk], deadline="15/12/2026",
        urgency=Urgency.URGENT), follow=True)
    document = OutgoingDocument.objects.get()
    assert response.redirect_chain[-1][0] == f"/van-ban/di/{document.pk}/"
    assert (document.agency, document.drafting_unit, document.created_by) == (city_pc, city_office, drafter)
    assert (document.urgency, document.signer_capacity, document.deadline) == (Urgency.URGENT, "TM.",
                                                                              date(2026, 12, 15))
    assert list(document.internal_recipients.all()) == [ward_pc]
    stored = document.files.get()
    assert (stored.kind, stored.sha256) == (DocumentFile.Kind.DRAFT, sha256_of(PDF))


def test_draft_form_errors(client, drafter, types, city_pc, city_office):
    open_as(client, drafter)
    response = client.post("/van-ban/du-thao/moi/", draft_form_data(types, city_pc, city_office, subject="",
                                                                   deadline="31/13/2026"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "subject" in errors and errors["deadline"] == ["Write the date as dd/mm/yyyy."]
    assert "The draft has not been saved." in html(response)

    not_pdf = io.BytesIO(b"just text")
    not_pdf.name = "ghi-chu.pdf"
    response = client.post("/van-ban/du-thao/moi/", draft_form_data(types, city_pc, city_office, file=not_pdf))
    assert response.context["form"].errors["file"]

    # the service's rules come back on the fields
    response = client.post("/van-ban/du-thao/moi/", draft_form_data(
        types, city_pc, city_office, is_legal_normative="on", confidentiality="mat"))
    assert response.status_code == 400
    assert response.context["form"].errors["confidentiality"] == [
        "Legal normative documents are public: they cannot be confidential."]
    response = client.post("/van-ban/du-thao/moi/", draft_form_data(types, city_pc, city_office,
                                                                   document_type=types["CV"].pk,
                                                                   drafting_unit=""))
    assert response.context["form"].errors["drafting_unit"]
    assert not OutgoingDocument.objects.exists()


def test_a_word_file_is_refused_when_the_server_cannot_convert_it(client, drafter, types, city_pc, city_office,
                                                                  settings, tmp_path):
    settings.CQS_SOFFICE = str(tmp_path / "no-libreoffice-here")
    open_as(client, drafter)
    word = io.BytesIO(b"PK\x03\x04 a Word document")
    word.name = "du-thao.docx"
    response = client.post("/van-ban/du-thao/moi/", draft_form_data(types, city_pc, city_office, file=word))
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "Word files cannot be converted on this server: upload a PDF."]
    assert "Word files cannot be converted on this server: upload a PDF." in html(response)
    assert not OutgoingDocument.objects.exists()


def test_only_drafters_have_the_draft_form(client, city_clerk):
    assert open_as(client, city_clerk).get("/van-ban/du-thao/moi/").status_code == 403


# --- downloads ------------------------------------------------------------------------------

def test_downloads_for_the_agency_and_for_recipients_of_the_issued_document(
        client, draft, issued, drafter, city_clerk, ward_pc, ward_clerk, other_ward_clerk, counter_officer):
    unissued = draft()
    draft_file = unissued.files.get()
    response = open_as(client, city_clerk).get(f"/van-ban/tep/{draft_file.pk}/")
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Disposition"] == 'attachment; filename="du-thao.pdf"'
    assert open_as(client, ward_clerk).get(f"/van-ban/tep/{draft_file.pk}/").status_code == 404

    document = issued(internal_recipients=[ward_pc])
    sealed = document.files.filter(kind=DocumentFile.Kind.SIGNED).last()
    its_draft = document.files.get(kind=DocumentFile.Kind.DRAFT)
    received = open_as(client, ward_clerk).get(f"/van-ban/tep/{sealed.pk}/")
    assert received.status_code == 200
    assert sha256_of(received.content) == sealed.sha256  # byte for byte
    assert client.get(f"/van-ban/tep/{its_draft.pk}/").status_code == 404  # drafts stay home
    assert open_as(client, other_ward_clerk).get(f"/van-ban/tep/{sealed.pk}/").status_code == 404
    assert open_as(client, counter_officer).get(f"/van-ban/tep/{sealed.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/van-ban/tep/{sealed.pk}/").status_code == 302


def site_nav(response) -> str:
    page = html(response)
    return page[page.index('<nav class="site-nav"'):].split("</nav>", 1)[0]


def test_one_link_to_the_documents_in_the_navigation(client, drafter, counter_officer, city, city_pc):
    """The documents area's link is everyone's; for those who handle documents it is their
    work link beside “My workspace”, and it is there once."""
    link = '<a href="/van-ban/">Official documents</a>'
    drafter_nav = site_nav(open_as(client, drafter).get("/can-bo/"))
    assert drafter_nav.count('href="/van-ban/"') == 1 and link in drafter_nav
    assert drafter_nav.index("My workspace") < drafter_nav.index("Official documents")
    on_documents = site_nav(client.get("/van-ban/"))
    assert '<a href="/van-ban/" aria-current="page">Official documents</a>' in on_documents
    counter_nav = site_nav(open_as(client, counter_officer).get("/can-bo/"))
    assert counter_nav.count('href="/van-ban/"') == 1  # the area, among the others
    assert counter_nav.index("Official documents") < counter_nav.index("My workspace")
    office = AgencyFactory(code="000.09.00.H62", name="Phòng Văn hóa", abbreviation="VH",
                           kind=AgencyKind.OFFICE, unit=city, parent=city_pc)
    both = OfficialFactory(agency=office, roles=[(Role.SPECIALIST, city), (Role.LEADER, city)]).user
    assert site_nav(open_as(client, both).get("/can-bo/")).count('href="/van-ban/"') == 1
    client.logout()
    assert site_nav(client.get("/")).count('href="/van-ban/"') == 1


def test_visitors_pages_do_not_ask_for_documents_roles(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries.captured_queries if "roleassignment" in q["sql"].lower()]


# --- register exports are logged -------------------------------------------------------------

def test_register_exports_write_the_audit_log(client, issued, city_clerk, ward_pc, ward_clerk):
    from chinhquyenso.core.models import AuditEntry

    issued(internal_recipients=[ward_pc])
    open_as(client, city_clerk)
    workbook_rows(client.get("/van-ban/so-van-ban-di/excel/", {"state": OutgoingState.ISSUED,
                                                               "year": THIS_YEAR}))
    entry = AuditEntry.objects.get(action="document.register.export")
    assert entry.actor == city_clerk
    assert entry.after == {"register": "outgoing", "rows": 1,
                           "filters": {"state": OutgoingState.ISSUED, "year": str(THIS_YEAR)}}
    open_as(client, ward_clerk)
    workbook_rows(client.get("/van-ban/so-van-ban-den/excel/"))
    incoming = AuditEntry.objects.filter(action="document.register.export").latest("seq")
    assert (incoming.actor, incoming.after["register"], incoming.after["rows"]) == (ward_clerk, "incoming", 1)
    client.get("/van-ban/so-van-ban-den/")  # reading the register on screen is not logged
    assert AuditEntry.objects.filter(action="document.register.export").count() == 2


# --- confidential documents -------------------------------------------------------------------

def test_confidential_documents_are_read_by_leaders_clerks_and_those_named(
        client, draft, issued, drafter, city_leader, city_clerk, city_pc, city_office, city, ward_pc, ward_clerk,
        ward_leader, ward_specialist, ward):
    secret = "Về phương án bảo vệ mục tiêu trọng điểm"
    document = issued(subject=secret, confidentiality="mat", internal_recipients=[ward_pc])
    sealed = document.files.filter(kind=DocumentFile.Kind.SIGNED).last()
    colleague = OfficialFactory(agency=city_office, full_name="Đồng nghiệp", roles=[(Role.SPECIALIST, city)]).user
    index_everything()

    def sees(user, address, text=secret) -> bool:
        response = open_as(client, user).get(address)
        assert response.status_code == 200
        return text in html(response)

    out, register = f"/van-ban/di/{document.pk}/", "/van-ban/so-van-ban-di/"
    for reader in (drafter, city_leader, city_clerk):  # the drafter, the agency's leader and clerk
        assert sees(reader, out) and sees(reader, register)
        assert open_as(client, reader).get(f"/van-ban/tep/{sealed.pk}/").status_code == 200
    # Another specialist of the Văn phòng sees the document in the register, not what it says.
    assert not sees(colleague, out) and not sees(colleague, register)
    assert sees(colleague, out, "(mật)") and sees(colleague, register, "(mật)")
    assert f"/van-ban/tep/{sealed.pk}/" not in html(client.get(out))
    assert client.get(f"/van-ban/tep/{sealed.pk}/").status_code == 404
    assert client.get(register, {"q": "muc tieu trong diem"}).context["page"].paginator.count == 0
    assert secret not in "".join(str(c) for row in workbook_rows(client.get(register + "excel/")) for c in row)

    # The ward: its clerk and leader read it; its specialist once his unit leads it.
    incoming = IncomingDocument.objects.get(agency=ward_pc)
    address = f"/van-ban/den/{incoming.pk}/"
    assert sees(ward_clerk, address) and sees(ward_leader, "/van-ban/so-van-ban-den/")
    assert not sees(ward_specialist, address) and sees(ward_specialist, address, "(mật)")
    services.register_incoming(document_id=incoming.pk, actor=ward_clerk)
    services.assign_incoming(document_id=incoming.pk, actor=ward_leader, lead_unit=ward_pc)
    assert sees(ward_specialist, address) and sees(ward_specialist, "/van-ban/?queue=to_process")

    # What is not confidential stays for everyone who sees the register.
    plain = draft(subject="Về việc tổ chức hội nghị tổng kết năm")
    assert sees(colleague, f"/van-ban/di/{plain.pk}/", "Về việc tổ chức hội nghị tổng kết năm")
