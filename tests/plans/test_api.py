"""The plans API: the shape others build on, lateness, reports, and 401/403/400/404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.plans.models import Task, TaskStatus

from .conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/plans"
PLAN = f"{URL}/ke-hoach-thu"
TASK_KEYS = {"id", "order", "goal", "name", "lead_unit", "co_units", "start_date", "deadline", "status",
             "done_on", "percent_complete", "late", "days_late", "indicators"}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_login_first_and_officials_only(client, citizen_user, tasks):
    assert client.get(URL).status_code == 401
    assert client.get(PLAN).status_code == 401
    client.force_login(citizen_user)
    assert client.get(URL).status_code == 403
    assert client.get(PLAN).status_code == 403
    assert post(client, f"{PLAN}/tasks/{tasks[0].pk}/notes", {"text": "x"}).status_code == 403


def test_the_list(client, community_member, tasks):
    client.force_login(community_member)
    body = client.get(URL).json()
    assert body == [{"code": "ke-hoach-thu", "name": "Kế hoạch chuyển đổi số thử nghiệm",
                     "decision_number": "12/KH-UBND", "decision_date": "2024-01-15", "start_year": 2024,
                     "end_year": 2025, "outlook_year": TODAY.year + 5, "issuing_agency": "000.00.00.H62",
                     "is_demo": False, "counts": {"goals": 2, "tasks": 3, "done": 0, "late": 1}}]


def test_a_plan_with_goals_and_tasks(client, vp_specialist, tasks):
    client.force_login(vp_specialist)
    response = client.get(PLAN)
    assert response.status_code == 200
    body = response.json()
    assert [g["order"] for g in body["goals"]] == [1, 2]
    assert body["goals"][0] == {"order": 1, "text": "Chính quyền số", "target_text": "100%", "indicators": []}
    assert [set(t) for t in body["tasks"]] == [TASK_KEYS] * 3
    first, second, third = body["tasks"]
    assert (first["order"], first["goal"], first["status"], first["late"], first["days_late"]) == (
        1, 1, "in_progress", True, 10)
    assert first["deadline"] == (TODAY - timedelta(days=10)).isoformat()
    assert first["lead_unit"] == {"code": "000.07.00.H62", "name": "Phòng Văn hóa và Thông tin"}
    assert {u["code"] for u in first["co_units"]} == {"000.01.00.H62", "000.00.21.H62"}  # by name
    assert (second["late"], second["days_late"], second["status"]) == (False, 0, "not_started")
    assert (third["deadline"], third["late"]) == (None, False)
    assert [t["order"] for t in client.get(PLAN, {"late": "true"}).json()["tasks"]] == [1]
    assert [t["order"] for t in client.get(PLAN, {"status": "not_started"}).json()["tasks"]] == [2]
    assert client.get(f"{URL}/khong-co").status_code == 404


def test_report_progress_and_status(client, vhtt_specialist, tasks):
    client.force_login(vhtt_specialist)
    url = f"{PLAN}/tasks/{tasks[0].pk}"
    response = post(client, f"{url}/notes", {"text": "Đã lắp đặt 7/9 điểm", "percent_complete": 75})
    assert response.status_code == 201, response.content
    note = response.json()
    assert (note["text"], note["percent_complete"], note["author"], note["day"]) == (
        "Đã lắp đặt 7/9 điểm", 75, "Trần Văn Thông", TODAY.isoformat())
    assert client.get(PLAN).json()["tasks"][0]["percent_complete"] == 75
    response = post(client, f"{url}/status", {"status": "done", "done_on": TODAY.isoformat(), "note": "Xong"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["late"], response.json()["percent_complete"]) == (
        "done", False, 100)
    detail = client.get(url).json()
    assert detail["plan"] == "ke-hoach-thu"
    assert [(n["new_status"], n["text"]) for n in detail["notes"]][:2] == [("done", "Xong"),
                                                                          ("", "Đã lắp đặt 7/9 điểm")]
    assert AuditEntry.objects.filter(action="plan.task.note_added", actor=vhtt_specialist).count() == 1


def test_bad_reports_are_400_with_the_field(client, vhtt_specialist, tasks):
    client.force_login(vhtt_specialist)
    url = f"{PLAN}/tasks/{tasks[0].pk}"
    response = post(client, f"{url}/status", {"status": "done"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"done_on": ["Give the date the task was done."]}
    response = post(client, f"{url}/status", {"status": "finished"})
    assert response.json()["errors"] == {"status": ["Choose a status from the list."]}
    response = post(client, f"{url}/notes", {"text": "", "percent_complete": 50})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["text"]
    response = post(client, f"{url}/notes", {"text": "ok", "percent_complete": "một trăm"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["percent_complete"]
    response = post(client, f"{url}/notes", {"text": "ok", "day": (TODAY + timedelta(days=2)).isoformat()})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["day"]
    assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.IN_PROGRESS


def test_others_get_403(client, vp_specialist, tasks):
    client.force_login(vp_specialist)
    url = f"{PLAN}/tasks/{tasks[0].pk}"
    response = post(client, f"{url}/status", {"status": "done", "done_on": TODAY.isoformat()})
    assert response.status_code == 403
    assert "Only the officials of the lead unit" in response.json()["detail"]
    assert post(client, f"{url}/notes", {"text": "x"}).status_code == 403
    assert post(client, f"{URL}/khong-co/tasks/{tasks[0].pk}/notes", {"text": "x"}).status_code == 404


def test_the_openapi_document_lists_the_plans_paths(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/plans", "/api/v1/plans/{code}", "/api/v1/plans/{code}/tasks/{task_id}",
            "/api/v1/plans/{code}/tasks/{task_id}/status", "/api/v1/plans/{code}/tasks/{task_id}/notes"} <= set(paths)
