"""The one-stop-shop pages as citizens and officials use them."""

import pytest

from chinhquyenso.dossiers import services
from chinhquyenso.dossiers.models import Dossier, DossierFile, State
from tests.dossiers.conftest import at, pdf_upload

pytestmark = pytest.mark.django_db


def test_citizen_submits_through_the_form(client, citizen, birth, ward_pc):
    client.force_login(citizen)
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
    client.force_login(citizen)
    response = client.post(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/", {
        "applicant_name": "Nguyễn Thị Hương", "agency": ward_pc.pk,
        "answer-child_full_name": "", "answer-child_birth_date": "32/13/2026", "answer-child_sex": "Nam",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hồ sơ chưa được nộp" in html
    assert not Dossier.objects.exists()


def test_submission_needs_a_login(client, birth):
    response = client.get(f"/dich-vu-cong/thu-tuc/{birth.code}/nop/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


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
