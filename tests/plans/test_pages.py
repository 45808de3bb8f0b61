"""The officials' pages: the list, a plan with its filters and Excel export, a task with
its history and the lead unit's forms (HTMX and plain)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.plans import services
from chinhquyenso.plans.models import Task, TaskStatus

from .conftest import TODAY

pytestmark = pytest.mark.django_db

LIST = "/ke-hoach/"
PLAN = "/ke-hoach/ke-hoach-thu/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def task_url(task, end=""):
    return f"{PLAN}nhiem-vu/{task.pk}/{end}"


def rows_of(html: str) -> list[str]:
    """The `data-task` numbers of the task table, in order."""
    return re.findall(r'<tr data-task="(\d+)"', html)


def test_the_public_does_not_see_plans(client, citizen_user, tasks):
    response = client.get(LIST)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    client.force_login(citizen_user)
    assert client.get(LIST).status_code == 403
    assert client.get(PLAN).status_code == 403
    assert client.get(f"{PLAN}xuat-excel/").status_code == 403
    assert client.get(task_url(tasks[0])).status_code == 403


def test_the_list_shows_each_plan_with_its_counts(client, community_member, tasks):
    client.force_login(community_member)  # any official reads plans
    html = client.get(LIST).content.decode()
    assert "Kế hoạch chuyển đổi số thử nghiệm" in html and 'href="/ke-hoach/ke-hoach-thu/"' in html
    assert "12/KH-UBND" in html and "15/01/2024" in html
    assert "2 goals" in html and "3 tasks" in html and "1 late" in html


def test_the_plan_page_shows_goals_and_tasks_with_lateness(client, vp_specialist, tasks, vhtt_specialist):
    services.add_progress_note(task_id=tasks[0].pk, actor=vhtt_specialist, text="Đang lắp đặt",
                               percent_complete=40, today=TODAY)
    client.force_login(vp_specialist)
    response = client.get(PLAN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chính quyền số" in html and "Xã hội số" in html  # the goals
    assert rows_of(html) == ["1", "2", "3"]
    late_row = html[html.index('<tr data-task="1"'):html.index('<tr data-task="2"')]
    assert 'class="is-late"' in late_row and 'data-days-late="10"' in late_row and "Late by 10 days" in late_row
    assert "Phòng Văn hóa và Thông tin" in late_row and "Ủy ban nhân dân phường Tích Sơn" in late_row
    assert (TODAY - timedelta(days=10)).strftime("%d/%m/%Y") in late_row and "40%" in late_row
    other_row = html[html.index('<tr data-task="2"'):html.index('<tr data-task="3"')]
    assert "is-late" not in other_row and 'data-status="not_started"' in other_row
    assert "recurring" in html[html.index('<tr data-task="3"'):]
    assert 'data-late-count="1"' in html


def test_filters(client, vp_specialist, tasks, vp):
    client.force_login(vp_specialist)
    assert rows_of(client.get(PLAN, {"late": "1"}).content.decode()) == ["1"]
    assert rows_of(client.get(PLAN, {"status": "not_started"}).content.decode()) == ["2"]
    assert rows_of(client.get(PLAN, {"status": "in_progress"}).content.decode()) == ["1", "3"]
    assert rows_of(client.get(PLAN, {"lead": vp.code}).content.decode()) == ["2"]
    assert rows_of(client.get(PLAN, {"lead": vp.code, "late": "1"}).content.decode()) == []
    assert rows_of(client.get(PLAN, {"status": "nonsense"}).content.decode()) == ["1", "2", "3"]
    # the HTMX filter gets the table alone, with the export link carrying the filters
    partial = client.get(PLAN, {"status": "in_progress", "late": "1"}, HTTP_HX_TARGET="tasks",
                         **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="tasks">') and "<html" not in partial
    assert rows_of(partial) == ["1"]
    assert "xuat-excel/?status=in_progress&amp;late=1" in partial


def test_excel_export_of_the_task_table(client, vp_specialist, tasks):
    client.force_login(vp_specialist)
    response = client.get(f"{PLAN}xuat-excel/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert f'ke-hoach-thu-nhiem-vu-{TODAY:%Y%m%d}.xlsx' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Kế hoạch chuyển đổi số thử nghiệm")
    assert rows[1][:4] == ("STT", "Mục tiêu", "Nhiệm vụ", "Đơn vị chủ trì")
    body = rows[2:]
    assert [r[0] for r in body] == [1, 2, 3]
    first = body[0]
    assert first[2] == "Nâng cấp mạng LAN" and first[3] == "Phòng Văn hóa và Thông tin"
    assert set(first[4].split("; ")) == {"Văn phòng HĐND và UBND thành phố", "Ủy ban nhân dân phường Tích Sơn"}
    assert first[6].date() == TODAY - timedelta(days=10) and first[10] == 10
    assert body[1][10] is None and body[2][6] is None
    # with a filter, only the rows shown
    response = client.get(f"{PLAN}xuat-excel/", {"late": "1"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [r[0] for r in list(sheet.iter_rows(values_only=True))[2:]] == [1]


def test_the_task_page_shows_the_history(client, vp_specialist, vhtt_specialist, tasks):
    services.add_progress_note(task_id=tasks[0].pk, actor=vhtt_specialist, text="Đã khảo sát 9 điểm",
                               percent_complete=20, today=TODAY)
    client.force_login(vp_specialist)
    html = client.get(task_url(tasks[0])).content.decode()
    assert "Nâng cấp mạng LAN" in html and "Late by 10 days" in html
    assert "Đã khảo sát 9 điểm" in html and "Trần Văn Thông" in html
    assert "Status changed to “In progress”" in html
    # not of the lead unit: no forms
    assert 'name="status"' not in html and 'name="text"' not in html


def test_the_lead_unit_reports_with_htmx(client, vhtt_specialist, tasks):
    client.force_login(vhtt_specialist)
    page = client.get(task_url(tasks[0])).content.decode()
    assert 'hx-post="' + task_url(tasks[0], "trang-thai/") in page and 'name="text"' in page
    assert 'value="cancelled"' not in page  # cancelling is for those who manage the plan
    response = client.post(task_url(tasks[0], "ghi-nhan/"),
                           {"text": "Đã lắp đặt 6/9 điểm", "percent_complete": "65", "day": TODAY.isoformat()},
                           **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="task-report"')
    assert "The progress note has been recorded." in html and "Đã lắp đặt 6/9 điểm" in html and "65%" in html
    response = client.post(task_url(tasks[0], "trang-thai/"),
                           {"status": "done", "done_on": TODAY.isoformat(), "note": "Nghiệm thu"}, **HTMX)
    assert response.status_code == 200
    assert "The status of the task has been changed." in response.content.decode()
    task = Task.objects.get(pk=tasks[0].pk)
    assert (task.status, task.done_on) == (TaskStatus.DONE, TODAY)
    assert AuditEntry.objects.filter(action="plan.task.status_changed", actor=vhtt_specialist).exists()


def test_a_refused_report_shows_why(client, vhtt_specialist, tasks):
    client.force_login(vhtt_specialist)
    response = client.post(task_url(tasks[0], "trang-thai/"), {"status": "done", "done_on": ""}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the date the task was done." in html
    assert '<option value="done" selected>' in html
    response = client.post(task_url(tasks[0], "ghi-nhan/"), {"text": "Quá", "percent_complete": "120"}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a whole number from 0 to 100." in html and ">Quá</textarea>" in html
    assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.IN_PROGRESS


def test_plain_forms_work_without_htmx(client, vhtt_specialist, tasks):
    client.force_login(vhtt_specialist)
    response = client.post(task_url(tasks[0], "ghi-nhan/"), {"text": "Báo cáo tháng", "percent_complete": ""})
    assert response.status_code == 302 and response["Location"] == task_url(tasks[0])
    html = client.get(response["Location"]).content.decode()
    assert "The progress note has been recorded." in html and "Báo cáo tháng" in html
    response = client.post(task_url(tasks[0], "trang-thai/"), {"status": "done", "done_on": "01/01/2099"})
    assert response.status_code == 400
    assert "The date the task was done cannot be in the future." in response.content.decode()


def test_others_cannot_post_reports(client, vp_specialist, tasks):
    client.force_login(vp_specialist)
    response = client.post(task_url(tasks[0], "ghi-nhan/"), {"text": "Không phải việc của tôi"}, **HTMX)
    assert response.status_code == 403
    assert "Only the officials of the lead unit" in response.content.decode()
    assert not tasks[0].notes.filter(text="Không phải việc của tôi").exists()
    assert client.get(task_url(tasks[0], "ghi-nhan/")).status_code == 405


def test_unknown_plans_and_tasks_are_404(client, vp_specialist, tasks, chairman, city_pc):
    other = services.create_plan(actor=chairman, code="khac", name="Khác", issuing_agency=city_pc,
                                 start_year=2024, end_year=2025)
    client.force_login(vp_specialist)
    assert client.get("/ke-hoach/khong-co/").status_code == 404
    assert client.get(f"/ke-hoach/{other.code}/nhiem-vu/{tasks[0].pk}/").status_code == 404
