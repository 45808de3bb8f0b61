"""The dossier API: the same rules as the pages, with HTTP status codes a client can act on."""

import json

import pytest

from chinhquyenso.dossiers.models import State
from chinhquyenso.org.models import Role
from tests.dossiers.conftest import at, pdf_upload
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def act(client, code, action, **body):
    return client.post(f"/api/v1/dossiers/{code}/actions/{action}", json.dumps(body),
                       content_type="application/json")


def test_submit_through_the_api(client, citizen, birth, ward_pc):
    from tests.dossiers.test_pages import eid_login

    client.force_login(citizen)  # a session without an e-ID login cannot submit
    assert client.post("/api/v1/dossiers", {"procedure": birth.code}).status_code == 403
    eid_login(client, citizen)
    response = client.post("/api/v1/dossiers", {
        "procedure": birth.code, "agency": ward_pc.code, "applicant_name": "Nguyễn Thị Hương",
        "applicant_phone": "0912345678", "applicant_id_number": "026301001234",
        "answer_child_full_name": "Nguyễn Văn An",
        "answer_child_birth_date": "01/11/2026", "answer_child_sex": "Nữ",
        "file_1": pdf_upload("to-khai.pdf"), "file_2": pdf_upload("chung-sinh.pdf"),
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == State.SUBMITTED and body["standing"] == "not_received"
    assert body["code"].startswith("000.00.21.H62-")


def test_submission_errors_are_listed_per_field(client, citizen, birth, ward_pc):
    from tests.dossiers.test_pages import eid_login

    eid_login(client, citizen)
    response = client.post("/api/v1/dossiers", {
        "procedure": birth.code, "agency": ward_pc.code, "applicant_name": "Nguyễn Thị Hương",
        "applicant_id_number": "026301001234",
        "answer_child_full_name": "", "answer_child_birth_date": "30/02/2026",
        "answer_child_sex": "Nam",
    })
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"child_full_name", "child_birth_date"}


def test_wrong_state_is_409_and_wrong_role_is_403(client, birth, submit, counter, specialist):
    dossier = submit(birth)
    client.force_login(specialist)
    assert act(client, dossier.code, "receive").status_code == 403
    client.force_login(counter)
    response = act(client, dossier.code, "start")
    assert response.status_code == 409
    assert dossier.code in response.json()["detail"]
    ok = act(client, dossier.code, "receive")
    assert ok.status_code == 200 and ok.json()["state"] == State.RECEIVED
    assert act(client, dossier.code, "receive").status_code == 409
    assert act(client, dossier.code, "refuse", reason="x").status_code == 409
    assert act(client, dossier.code, "no-such-action").status_code == 404


def test_assignment_and_processing_through_the_api(client, birth, submit, counter, specialist):
    dossier = submit(birth)
    client.force_login(counter)
    act(client, dossier.code, "receive")
    assert act(client, dossier.code, "assign", assignee=specialist.username).json()["state"] == State.ASSIGNED
    client.force_login(specialist)
    assert act(client, dossier.code, "start").json()["state"] == State.PROCESSING
    response = act(client, dossier.code, "request_supplement", reason="Bổ sung giấy chứng sinh")
    assert response.json()["standing"] == "waiting_citizen"


def test_who_sees_which_dossiers(client, birth, submit, citizen, counter, other_ward, django_user_model):
    mine = submit(birth)
    stranger = django_user_model.objects.create_user("nguoikhac", password="mat-khau-dai-2")
    elsewhere = OfficialFactory(roles=[(Role.COUNTER_OFFICER, other_ward)]).user
    for user, expected in ((citizen, [mine.code]), (counter, [mine.code]), (stranger, []), (elsewhere, [])):
        client.force_login(user)
        assert [d["code"] for d in client.get("/api/v1/dossiers").json()] == expected
        status = client.get(f"/api/v1/dossiers/{mine.code}").status_code
        assert status == (200 if expected else 404)


def test_anonymous_callers_must_log_in(client, birth, submit):
    dossier = submit(birth)
    assert client.get("/api/v1/dossiers").status_code == 401
    assert act(client, dossier.code, "receive").status_code == 401


def test_public_tracking_contract(client, birth, submit, counter):
    from chinhquyenso.dossiers import services

    dossier = submit(birth, when=at(26, 11, 9))
    services.receive_dossier(dossier_id=dossier.pk, actor=counter, at=at(26, 11, 9, 30))
    url = f"/api/v1/public/dossiers/{dossier.code}"
    wrong = client.get(url, {"id4": "0000"})
    unknown = client.get("/api/v1/public/dossiers/000.00.21.H62-261126-9999", {"id4": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()  # a wrong pair says nothing more than a missing code
    assert client.get(url).status_code == 404
    body = client.get(url, {"id4": "5678"}).json()
    assert body["code"] == dossier.code and body["procedure"] == "Thủ tục đăng ký khai sinh"
    assert body["status"] == State.RECEIVED and body["status_label"] == "Đã tiếp nhận"
    assert body["received_at"].startswith("2026-11-26T02:30") and body["due_at"]
    assert [t["status"] for t in body["timeline"]] == ["submitted", "received"]
    assert "026301005678" not in json.dumps(body) and "Hương" not in json.dumps(body)


def test_public_procedures_contract(client, birth, household):
    rows = client.get("/api/v1/public/procedures", {"q": "dang ky khai sinh"}).json()
    assert [(r["code"], r["service_level"], float(r["processing_days"])) for r in rows] == [
        ("1.001193", "full_online", 1.0)]
    rows = client.get("/api/v1/public/procedures", {"q": "ho kinh doanh"}).json()
    assert float(rows[0]["processing_days"]) == 3.0 and rows[0]["name"] == "Đăng ký thành lập hộ kinh doanh"


def test_openapi_documents_the_error_responses(client):
    spec = client.get("/api/v1/openapi.json").json()
    action = spec["paths"]["/api/v1/dossiers/{code}/actions/{action}"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(action)


def test_result_and_supplement_files_through_the_api(client, birth, submit, counter, specialist, leader,
                                                      citizen):
    import hashlib

    dossier = submit(birth)
    client.force_login(counter)
    act(client, dossier.code, "receive")
    act(client, dossier.code, "assign", assignee=specialist.username)
    client.force_login(specialist)
    act(client, dossier.code, "start")
    act(client, dossier.code, "request_supplement", reason="Bổ sung bản sao giấy tờ")
    client.force_login(citizen)
    response = client.post(f"/api/v1/dossiers/{dossier.code}/supplement",
                           {"files": [pdf_upload("ban-sao.pdf")], "note": "Đã bổ sung"})
    assert response.status_code == 200 and response.json()["state"] == State.PROCESSING
    client.force_login(specialist)
    content = b"%PDF-1.7 giay khai sinh"
    response = client.post(f"/api/v1/dossiers/{dossier.code}/result",
                           {"file": pdf_upload("giay-khai-sinh.pdf", content)})
    assert response.status_code == 201
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert client.post(f"/api/v1/dossiers/{dossier.code}/result", {}).status_code == 400
    assert act(client, dossier.code, "forward").json()["state"] == State.AWAITING_SIGNATURE
    client.force_login(leader)
    assert act(client, dossier.code, "forward").json()["state"] == State.DONE


def test_a_transition_and_tracking_take_few_queries(client, birth, submit, counter, specialist,
                                                    django_assert_max_num_queries):
    """The hot path of the one-stop shop: an officer's action reads the session, the user,
    the roles, the second-factor rule, the dossier once (locked, then checked visible) and
    writes the dossier, then its event and the audit entry (on PostgreSQL one statement);
    public tracking reads two tables."""
    from django.db import connection

    from chinhquyenso.dossiers import services

    dossier = submit(birth)
    services.receive_dossier(dossier_id=dossier.pk, actor=counter)
    services.assign_dossier(dossier_id=dossier.pk, actor=counter, assignee=specialist)
    client.force_login(specialist)
    assert client.get(f"/api/v1/dossiers/{dossier.code}").status_code == 200  # the session is touched
    # + the savepoint around the transition (the test runs in a transaction); the event and
    # the audit entry are one statement on PostgreSQL, the event and three ORM queries on SQLite
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 10):
        assert act(client, dossier.code, "start").status_code == 200
    client.logout()
    with django_assert_max_num_queries(2):
        assert client.get(f"/api/v1/public/dossiers/{dossier.code}", {"id4": "5678"}).status_code == 200
