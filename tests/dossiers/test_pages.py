"""The one-stop-shop pages as citizens and officials use them."""

import pytest

from chinhquyenso.dossiers import services
from chinhquyenso.dossiers.models import Dossier, DossierFile, State
from tests.dossiers.conftest import at, pdf_upload

pytestmark = pytest.mark.django_db


def eid_login(client, user, level=1):
    """A citizen logged in with their electronic identification at `level` (the OIDC
    login itself is tested in tests/oidc)."""
    from chinhquyenso.identity.oidc import SESSION_LEVEL

    client.force_login(user)
    session = client.session
    session[SESSION_LEVEL] = level
    session.save()


def test_citizen_submits_through_the_form(client, citizen, birth, ward_pc):
    eid_login(client, citizen)
    page = client.get(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/").content.decode()
    assert "Họ, chữ đệm, tên người được khai sinh" in page and ward_pc.name in page
    components = list(birth.components.all())
    response = client.post(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/", {
        "applicant_name": "Nguyễn Thị Hương", "applicant_phone": "0912345678", "agency": ward_pc.pk,
        "applicant_id_number": "026301001234",
        "answer-child_full_name": "Nguyễn Văn An", "answer-child_birth_date": "01/11/2026",
        "answer-child_sex": "Nam",
        f"file_{components[0].pk}": pdf_upload("to-khai.pdf"),
        f"file_{components[1].pk}": pdf_upload("chung-sinh.pdf"),
    }, follow=True)
    dossier = Dossier.objects.get()
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/dich-vu-cong/ho-so/{dossier.code}/"
    assert dossier.code in html and "Đã nộp, chờ tiếp nhận" in html
    assert "0912345678" not in html and "026301001234" not in html  # personal numbers not shown


def test_form_errors_are_shown_and_nothing_is_saved(client, citizen, birth, ward_pc):
    eid_login(client, citizen)
    response = client.post(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/", {
        "applicant_name": "Nguyễn Thị Hương", "agency": ward_pc.pk,
        "answer-child_full_name": "", "answer-child_birth_date": "32/13/2026", "answer-child_sex": "Nam",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hồ sơ chưa được nộp" in html
    assert not Dossier.objects.exists()


def test_submission_needs_an_e_id_login_at_the_procedure_level(client, birth, household, citizen):
    from chinhquyenso.procedures.models import Procedure

    response = client.get(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap-cong-dan/?level=1&next=")
    client.force_login(citizen)  # a session without an e-ID login is not enough
    assert client.get(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/").status_code == 302
    Procedure.objects.filter(pk=household.pk).update(eid_level_required=2)
    eid_login(client, citizen, level=1)
    assert client.get(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/").status_code == 200
    response = client.get(f"/dich-vu-cong/thu-tuc/{household.code}/nop/")
    assert response.status_code == 302 and "level=2" in response["Location"]
    eid_login(client, citizen, level=2)
    assert client.get(f"/dich-vu-cong/thu-tuc/{household.code}/nop/").status_code == 200


def test_counter_officer_fills_the_applicant_from_population_data(client, birth, counter):
    from datetime import date

    from chinhquyenso.core.models import AuditEntry
    from chinhquyenso.identity.idnumbers import FEMALE
    from chinhquyenso.identity.services import register_citizen

    register_citizen(id_number="026301005678", full_name="Nguyễn Thị Hương",
                     birth_date=date(2001, 3, 4), sex=FEMALE, eid_level=2)
    client.force_login(counter)
    html = client.get(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/", {"id_number": "0263 0100 5678"}).content.decode()
    assert 'value="Nguyễn Thị Hương"' in html and 'name="population_data" value="1"' in html
    assert AuditEntry.objects.filter(action="citizen.full_record_viewed").exists()
    html = client.get(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/", {"id_number": "026301009999"}).content.decode()
    assert "Không có cư dân nào mang số định danh này" in html


def test_counter_officer_receives_from_the_page(client, birth, submit, counter):
    dossier = submit(birth)
    client.force_login(counter)
    inbox = client.get("/can-bo/ho-so/").content.decode()
    assert dossier.code in inbox
    page = client.get(f"/dich-vu-cong/ho-so/{dossier.code}/").content.decode()
    assert "Tiếp nhận" in page and "Từ chối" in page
    response = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/thao-tac/receive/", follow=True)
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    assert "Đã thực hiện" in response.content.decode()


def test_a_refused_action_shows_its_reason(client, birth, submit, counter):
    dossier = submit(birth)
    client.force_login(counter)
    response = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/thao-tac/refuse/", {"reason": ""},
                           follow=True)
    assert "Nêu lý do từ chối hồ sơ" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED


def test_actions_shown_depend_on_role_and_state(client, birth, submit, counter, specialist, citizen):
    dossier = submit(birth)
    client.force_login(specialist)
    assert "thao-tac/receive/" not in client.get(f"/dich-vu-cong/ho-so/{dossier.code}/").content.decode()
    client.force_login(citizen)
    html = client.get(f"/dich-vu-cong/ho-so/{dossier.code}/").content.decode()
    assert "thao-tac/withdraw/" in html and "thao-tac/receive/" not in html


def test_strangers_do_not_see_a_dossier(client, birth, submit, django_user_model):
    dossier = submit(birth)
    stranger = django_user_model.objects.create_user("nguoila", password="mat-khau-dai-3")
    client.force_login(stranger)
    assert client.get(f"/dich-vu-cong/ho-so/{dossier.code}/").status_code == 404
    file_id = dossier.files.first().pk
    assert client.get(f"/dich-vu-cong/ho-so/{dossier.code}/tep/{file_id}/").status_code == 404


def test_the_citizen_downloads_the_result_only_once_returned(client, birth, submit, citizen, counter,
                                                             specialist, leader):
    d = submit(birth)
    services.receive_dossier(dossier_id=d.pk, actor=counter)
    services.assign_dossier(dossier_id=d.pk, actor=counter, assignee=specialist)
    services.start_processing(dossier_id=d.pk, actor=specialist)
    result = services.attach_result(dossier_id=d.pk, actor=specialist,
                                    uploaded_file=pdf_upload("giay-khai-sinh.pdf", b"%PDF-1.7 ket qua"))
    client.force_login(citizen)
    url = f"/dich-vu-cong/ho-so/{d.code}/tep/{result.pk}/"
    assert client.get(url).status_code == 404
    services.forward_dossier(dossier_id=d.pk, actor=specialist)
    services.forward_dossier(dossier_id=d.pk, actor=leader)
    services.return_result(dossier_id=d.pk, actor=counter)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 ket qua"
    assert DossierFile.objects.get(pk=result.pk).kind == DossierFile.Kind.RESULT


def test_public_tracking_page(client, birth, submit, counter):
    dossier = submit(birth, when=at(26, 11, 9))
    services.receive_dossier(dossier_id=dossier.pk, actor=counter, at=at(26, 11, 9, 30))
    wrong = client.get("/dich-vu-cong/tra-cuu/", {"code": dossier.code, "id4": "1111"}).content.decode()
    assert "Không tìm thấy hồ sơ" in wrong
    html = client.get("/dich-vu-cong/tra-cuu/", {"code": dossier.code, "id4": "5678"}).content.decode()
    assert "Đã tiếp nhận" in html and dossier.code in html and "Nguyễn Thị Hương" not in html


def test_work_queues_count_and_filter(client, birth, household, submit, counter, specialist, leader):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    fresh = submit(birth)                                   # to receive
    late = submit(birth, when=now - timedelta(days=20))     # received long ago: overdue
    services.receive_dossier(dossier_id=late.pk, actor=counter, at=now - timedelta(days=20))
    signing = submit(household)
    services.receive_dossier(dossier_id=signing.pk, actor=counter)
    services.assign_dossier(dossier_id=signing.pk, actor=counter, assignee=specialist)
    services.start_processing(dossier_id=signing.pk, actor=specialist)
    services.forward_dossier(dossier_id=signing.pk, actor=specialist)   # awaiting signature
    client.force_login(leader)
    html = client.get("/can-bo/ho-so/", {"queue": "to_sign"}).content.decode()
    assert signing.code in html and fresh.code not in html
    html = client.get("/can-bo/ho-so/", {"queue": "overdue"}).content.decode()
    assert late.code in html and fresh.code not in html and "giờ quá hạn" in html
    html = client.get("/can-bo/ho-so/", {"queue": "to_receive"}).content.decode()
    assert fresh.code in html and late.code not in html
    assert 'class="queue-to_receive">Chờ tiếp nhận <span class="count">1</span>' in html
    html = client.get("/can-bo/ho-so/", {"queue": "all_open", "procedure": household.pk}).content.decode()
    assert signing.code in html and fresh.code not in html
    html = client.get("/can-bo/ho-so/", {"queue": "all_open", "q": fresh.code}).content.decode()
    assert fresh.code in html and late.code not in html


def test_citizens_have_no_work_queue(client, citizen):
    client.force_login(citizen)
    assert client.get("/can-bo/ho-so/").status_code == 403


def test_declaration_fields_about_the_applicant_prefill_from_population_data(client, counter, ward_pc):
    import copy
    from datetime import date

    from chinhquyenso.identity.idnumbers import FEMALE
    from chinhquyenso.identity.services import register_citizen
    from chinhquyenso.procedures.services import save_procedure
    from tests.procedures.conftest import BIRTH

    spec = copy.deepcopy(BIRTH)
    spec.update(code="2.000635", name="Cấp bản sao trích lục hộ tịch", form=[
        {"key": "requester_full_name", "label": "Họ tên người yêu cầu", "type": "text", "required": True},
        {"key": "requester_birth_date", "label": "Ngày sinh người yêu cầu", "type": "date", "required": True},
        {"key": "copies", "label": "Số bản sao", "type": "number", "required": True}])
    procedure = save_procedure(**spec)
    register_citizen(id_number="026301005678", full_name="Nguyễn Thị Hương", birth_date=date(2001, 3, 4),
                     sex=FEMALE, eid_level=2)
    client.force_login(counter)
    html = client.get(f"/dich-vu-cong/thu-tuc/{procedure.code}/nop/", {"id_number": "026301005678"}).content.decode()
    assert 'name="answer-requester_full_name" value="Nguyễn Thị Hương"' in html
    assert 'name="answer-requester_birth_date" value="04/03/2001"' in html
    assert 'name="answer-copies"' in html and 'name="answer-copies" value' not in html
