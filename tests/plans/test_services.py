"""Each change to a plan: who may make it, what input is refused, what the audit log keeps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.plans import services
from chinhquyenso.plans.models import Goal, GoalIndicator, Plan, ProgressNote, Task, TaskStatus

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def audit(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def messages_of(error, field):
    return error.value.message_dict[field]


# --- plans -----------------------------------------------------------------------------------

def test_the_chairman_creates_a_plan_and_the_audit_log_keeps_it(chairman, city_pc):
    plan = services.create_plan(actor=chairman, code="ke-hoach-cds", name="Kế hoạch chuyển đổi số",
                                issuing_agency=city_pc, start_year=2022, end_year=2025, outlook_year=2030,
                                decision_number="214/KH-UBND", decision_date=date(2022, 10, 5))
    assert (plan.code, plan.start_year, plan.end_year, plan.outlook_year, plan.is_demo) == (
        "ke-hoach-cds", 2022, 2025, 2030, False)
    [entry] = audit("plan.created")
    assert entry.actor == chairman and entry.object_id == str(plan.pk)
    assert entry.after["decision_number"] == "214/KH-UBND" and entry.after["issuing_agency"] == city_pc.code


@pytest.mark.parametrize("who", ["vhtt_specialist", "ward_leader", "community_member", "citizen_user"])
def test_only_those_who_manage_plans_create_them(request, who, city_pc):
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=request.getfixturevalue(who), code="ke-hoach", name="Kế hoạch",
                             issuing_agency=city_pc, start_year=2022, end_year=2025)
    assert not Plan.objects.exists() and not audit("plan.created")


def test_a_ward_leader_manages_the_plans_of_the_ward(ward_leader, ward_pc):
    plan = services.create_plan(actor=ward_leader, code="ke-hoach-phuong", name="Kế hoạch của phường",
                                issuing_agency=ward_pc, start_year=2025, end_year=2026)
    assert plan.issuing_agency == ward_pc


def test_the_system_administrator_manages_every_plan(admin, city_pc):
    assert services.create_plan(actor=admin, code="ke-hoach", name="Kế hoạch", issuing_agency=city_pc,
                                start_year=2022, end_year=2025).pk


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": "Kế hoạch 1"}, "code"),
    ({"code": ""}, "code"),
    ({"name": "  "}, "name"),
    ({"start_year": "năm ngoái"}, "start_year"),
    ({"start_year": 1990}, "start_year"),
    ({"end_year": 2020}, "end_year"),
    ({"outlook_year": 2024}, "outlook_year"),
    ({"decision_date": "30/02/2022"}, "decision_date"),
    ({"decision_date": TODAY + timedelta(days=1)}, "decision_date"),
])
def test_bad_plans_are_refused(chairman, city_pc, changes, field):
    values = {"code": "ke-hoach", "name": "Kế hoạch", "issuing_agency": city_pc, "start_year": 2022,
              "end_year": 2025, "outlook_year": None, **changes}
    with pytest.raises(ValidationError) as error:
        services.create_plan(actor=chairman, **values)
    assert messages_of(error, field)
    assert not Plan.objects.exists()


def test_a_code_is_used_once(chairman, city_pc, plan):
    with pytest.raises(ValidationError) as error:
        services.create_plan(actor=chairman, code=plan.code, name="Khác", issuing_agency=city_pc,
                             start_year=2022, end_year=2025)
    assert messages_of(error, "code") == ["Another plan has this code."]


def test_update_a_plan(chairman, plan, tasks, vhtt_specialist):
    services.update_plan(plan_id=plan.pk, actor=chairman, name="Kế hoạch đã sửa", decision_number="13/KH-UBND")
    plan.refresh_from_db()
    assert (plan.name, plan.decision_number) == ("Kế hoạch đã sửa", "13/KH-UBND")
    [entry] = audit("plan.updated")
    assert entry.before["name"] == "Kế hoạch chuyển đổi số thử nghiệm" and entry.after["name"] == "Kế hoạch đã sửa"
    with pytest.raises(PermissionDenied):
        services.update_plan(plan_id=plan.pk, actor=vhtt_specialist, name="Không được")
    # a task is due after the shortened period
    with pytest.raises(ValidationError) as error:
        services.update_plan(plan_id=plan.pk, actor=chairman, outlook_year=None, end_year=2025)
    assert "after the plan's period" in messages_of(error, "end_year")[0]


# --- goals -----------------------------------------------------------------------------------

def test_goals_are_numbered_and_measured_by_indicators(chairman, plan):
    online = Indicator.objects.get(code="ho-so-truc-tuyen")
    broadband = Indicator.objects.get(code="thue-bao-bang-rong")
    first = services.create_goal(plan_id=plan.pk, actor=chairman, text="Dịch vụ công trực tuyến",
                                 target_text="trên 80%", indicators=[(online, "80"), broadband])
    second = services.create_goal(plan_id=plan.pk, actor=chairman, text="Hạ tầng số")
    assert (first.order, second.order) == (1, 2)
    assert {(m.indicator.code, m.target_value) for m in first.measures.all()} == {
        ("ho-so-truc-tuyen", 80), ("thue-bao-bang-rong", None)}
    [entry, _second] = audit("plan.goal.created")
    assert entry.after["indicators"] == [{"code": "ho-so-truc-tuyen", "target_value": 80},
                                         {"code": "thue-bao-bang-rong", "target_value": None}]
    services.update_goal(goal_id=second.pk, actor=chairman, target_text="100%", indicators=[(broadband, 80)])
    second.refresh_from_db()
    assert second.target_text == "100%" and second.measures.get().target_value == 80
    assert audit("plan.goal.updated")[0].after["target_text"] == "100%"


def test_bad_goals_are_refused(chairman, vhtt_specialist, plan, goals):
    online = Indicator.objects.get(code="ho-so-truc-tuyen")
    for kwargs, field in (({"text": ""}, "text"), ({"text": "x", "order": 1}, "order"),
                          ({"text": "x", "order": 0}, "order"),
                          ({"text": "x", "indicators": [(online, "tám mươi")]}, "indicators"),
                          ({"text": "x", "indicators": [(online, -1)]}, "indicators"),
                          ({"text": "x", "indicators": [online, online]}, "indicators"),
                          ({"text": "x", "indicators": ["ho-so-truc-tuyen"]}, "indicators")):
        with pytest.raises(ValidationError) as error:
            services.create_goal(plan_id=plan.pk, actor=chairman, **kwargs)
        assert messages_of(error, field)
    with pytest.raises(PermissionDenied):
        services.create_goal(plan_id=plan.pk, actor=vhtt_specialist, text="Mục tiêu")
    with pytest.raises(PermissionDenied):
        services.update_goal(goal_id=goals[0].pk, actor=vhtt_specialist, text="Mục tiêu")
    assert Goal.objects.count() == 2


# --- tasks -----------------------------------------------------------------------------------

def test_create_a_task(chairman, plan, goals, vhtt, vp, ward_pc):
    online = Indicator.objects.get(code="ho-so-truc-tuyen")
    task = services.create_task(plan_id=plan.pk, actor=chairman, name="Dịch vụ công toàn trình", lead_unit=vp,
                                co_units=[vhtt, ward_pc], goal=goals[0], start_date="2024-02-01",
                                deadline="31/12/2025", indicators=[online])
    assert (task.order, task.status, task.deadline) == (1, TaskStatus.NOT_STARTED, date(2025, 12, 31))
    assert set(task.co_units.all()) == {vhtt, ward_pc} and list(task.indicators.all()) == [online]
    [entry] = audit("plan.task.created")
    assert entry.after["lead_unit"] == vp.code and entry.after["co_units"] == sorted([vhtt.code, ward_pc.code])
    assert entry.after["indicators"] == ["ho-so-truc-tuyen"]


def test_bad_tasks_are_refused(chairman, vhtt_specialist, plan, goals, vhtt, vp, city_pc):
    other = services.create_plan(actor=chairman, code="khac", name="Khác", issuing_agency=city_pc,
                                 start_year=2022, end_year=2023)
    other_goal = services.create_goal(plan_id=other.pk, actor=chairman, text="Mục tiêu khác")
    vp.is_active = False
    vp.save()
    for kwargs, field in (
        ({"name": " "}, "name"),
        ({"lead_unit": None}, "lead_unit"),
        ({"lead_unit": vp}, "lead_unit"),  # no longer active
        ({"co_units": [vhtt]}, "co_units"),  # the lead unit itself
        ({"goal": other_goal}, "goal"),
        ({"start_date": "2025-06-01", "deadline": "2025-01-01"}, "deadline"),
        ({"deadline": "2040-01-01"}, "deadline"),  # after the plan's outlook
        ({"deadline": "ngày mai"}, "deadline"),
        ({"order": "một"}, "order"),
    ):
        values = {"name": "Nhiệm vụ", "lead_unit": vhtt, **kwargs}
        with pytest.raises(ValidationError) as error:
            services.create_task(plan_id=plan.pk, actor=chairman, **values)
        assert messages_of(error, field), kwargs
    with pytest.raises(PermissionDenied):
        services.create_task(plan_id=plan.pk, actor=vhtt_specialist, name="Nhiệm vụ", lead_unit=vhtt)
    assert not Task.objects.filter(plan=plan).exists()


def test_update_a_task(chairman, vhtt_specialist, tasks, vp, ward_pc):
    late = tasks[0]
    services.update_task(task_id=late.pk, actor=chairman, lead_unit=vp, co_units=[ward_pc],
                         deadline=TODAY + timedelta(days=30))
    late.refresh_from_db()
    assert late.lead_unit == vp and list(late.co_units.all()) == [ward_pc] and not late.is_late(TODAY)
    [entry] = audit("plan.task.updated")
    assert entry.before["lead_unit"] != entry.after["lead_unit"] == vp.code
    with pytest.raises(PermissionDenied):
        services.update_task(task_id=late.pk, actor=vhtt_specialist, name="Tên khác")
    with pytest.raises(ValidationError):
        services.update_task(task_id=late.pk, actor=chairman, co_units=[vp])


# --- status ----------------------------------------------------------------------------------

def test_the_lead_units_official_moves_the_status(vhtt_specialist, tasks):
    late = tasks[0]
    services.change_task_status(task_id=late.pk, actor=vhtt_specialist, status="done",
                                done_on=TODAY - timedelta(days=1), note="Đã nghiệm thu", today=TODAY)
    late.refresh_from_db()
    assert (late.status, late.done_on) == (TaskStatus.DONE, TODAY - timedelta(days=1))
    entry = audit("plan.task.status_changed")[-1]
    assert entry.actor == vhtt_specialist
    assert entry.before == {"status": "in_progress", "done_on": None}
    assert entry.after["status"] == "done" and entry.after["note"] == "Đã nghiệm thu"
    note = late.notes.get(new_status=TaskStatus.DONE)
    assert (note.text, note.percent_complete, note.author) == ("Đã nghiệm thu", 100, vhtt_specialist)
    # reopened: the done date goes
    services.change_task_status(task_id=late.pk, actor=vhtt_specialist, status="in_progress", today=TODAY)
    late.refresh_from_db()
    assert (late.status, late.done_on) == (TaskStatus.IN_PROGRESS, None)


def test_a_leader_of_the_lead_units_peoples_committee_reports_too(ward_leader, chairman, plan, ward_pc):
    task = services.create_task(plan_id=plan.pk, actor=chairman, name="Phường số", lead_unit=ward_pc)
    services.change_task_status(task_id=task.pk, actor=ward_leader, status="in_progress", today=TODAY)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


@pytest.mark.parametrize("who", ["vp_specialist", "vhtt_clerk", "ward_leader", "community_member",
                                 "citizen_user"])
def test_others_do_not_report(request, who, tasks):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.change_task_status(task_id=tasks[0].pk, actor=actor, status="done", done_on=TODAY, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.add_progress_note(task_id=tasks[0].pk, actor=actor, text="Ghi nhận", today=TODAY)
    assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.IN_PROGRESS
    assert not audit("plan.task.note_added")


def test_cancelling_is_for_those_who_manage_the_plan(vhtt_specialist, chairman, tasks):
    late = tasks[0]
    with pytest.raises(PermissionDenied):
        services.change_task_status(task_id=late.pk, actor=vhtt_specialist, status="cancelled", today=TODAY)
    services.change_task_status(task_id=late.pk, actor=chairman, status="cancelled", note="Không còn phù hợp",
                                today=TODAY)
    with pytest.raises(PermissionDenied):
        services.change_task_status(task_id=late.pk, actor=vhtt_specialist, status="in_progress", today=TODAY)
    assert Task.objects.get(pk=late.pk).status == TaskStatus.CANCELLED


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"status": "finished"}, "status", "Choose a status from the list."),
    ({"status": "in_progress"}, "status", "The task is already “In progress”."),
    ({"status": "done"}, "done_on", "Give the date the task was done."),
    ({"status": "done", "done_on": TODAY + timedelta(days=1)}, "done_on",
     "The date the task was done cannot be in the future."),
    ({"status": "done", "done_on": date(2024, 2, 1)}, "done_on", "The task cannot be done before it started."),
    ({"status": "done", "done_on": "hôm qua"}, "done_on", "Enter a date as dd/mm/yyyy (or YYYY-MM-DD)."),
])
def test_bad_status_changes_are_refused(vhtt_specialist, tasks, values, field, message):
    with pytest.raises(ValidationError) as error:
        services.change_task_status(task_id=tasks[0].pk, actor=vhtt_specialist, today=TODAY, **values)
    assert messages_of(error, field) == [message]
    assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.IN_PROGRESS
    assert len(audit("plan.task.status_changed")) == 2  # those of the fixture


# --- notes -----------------------------------------------------------------------------------

def test_add_a_progress_note(vhtt_specialist, tasks):
    note = services.add_progress_note(task_id=tasks[0].pk, actor=vhtt_specialist, text="Đã lắp 5/9 điểm",
                                      percent_complete="55%", day=TODAY - timedelta(days=3), today=TODAY)
    assert (note.percent_complete, note.day, note.author, note.new_status) == (
        55, TODAY - timedelta(days=3), vhtt_specialist, "")
    [entry] = audit("plan.task.note_added")
    assert entry.after["percent_complete"] == 55 and entry.after["text"] == "Đã lắp 5/9 điểm"
    assert entry.object_id == str(tasks[0].pk)
    today_note = services.add_progress_note(task_id=tasks[0].pk, actor=vhtt_specialist, text="Tiếp tục",
                                            today=TODAY)
    assert today_note.day == TODAY and today_note.percent_complete is None


@pytest.mark.parametrize(("values", "field"), [
    ({"text": "  "}, "text"),
    ({"text": "x" * 4001}, "text"),
    ({"text": "ok", "percent_complete": 101}, "percent_complete"),
    ({"text": "ok", "percent_complete": -5}, "percent_complete"),
    ({"text": "ok", "percent_complete": "nửa"}, "percent_complete"),
    ({"text": "ok", "day": TODAY + timedelta(days=1)}, "day"),
])
def test_bad_notes_are_refused(vhtt_specialist, tasks, values, field):
    with pytest.raises(ValidationError) as error:
        services.add_progress_note(task_id=tasks[0].pk, actor=vhtt_specialist, today=TODAY, **values)
    assert messages_of(error, field)
    assert not ProgressNote.objects.filter(task=tasks[0], new_status="").exists()


def test_a_done_task_is_not_reported_below_100(vhtt_specialist, tasks):
    services.change_task_status(task_id=tasks[0].pk, actor=vhtt_specialist, status="done", done_on=TODAY,
                                today=TODAY)
    with pytest.raises(ValidationError):
        services.add_progress_note(task_id=tasks[0].pk, actor=vhtt_specialist, text="?", percent_complete=50,
                                   today=TODAY)
    services.add_progress_note(task_id=tasks[0].pk, actor=vhtt_specialist, text="Bàn giao hồ sơ", today=TODAY)


# --- deleting goals and tasks ----------------------------------------------------------------

@pytest.mark.parametrize("who", ["vhtt_specialist", "ward_leader", "community_member", "citizen_user"])
def test_only_those_who_manage_the_plan_delete_its_goals_and_tasks(request, who, chairman, plan, tasks):
    empty = services.create_goal(plan_id=plan.pk, actor=chairman, text="Kinh tế số")
    actor = request.getfixturevalue(who)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.delete_task(task_id=tasks[0].pk, actor=actor)
    with pytest.raises(PermissionDenied):
        services.delete_goal(goal_id=empty.pk, actor=actor)
    assert Task.objects.filter(pk=tasks[0].pk).exists() and Goal.objects.filter(pk=empty.pk).exists()
    assert ProgressNote.objects.filter(task=tasks[0]).exists()
    assert AuditEntry.objects.count() == before


def test_a_goal_with_tasks_is_not_deleted_until_they_are_moved(chairman, goals, tasks):
    with pytest.raises(services.GoalHasTasks) as error:
        services.delete_goal(goal_id=goals[0].pk, actor=chairman)
    assert error.value.messages == [
        "Goal 1 still has 2 tasks (numbers 1, 2): move them to another goal or delete them first."]
    services.update_task(task_id=tasks[0].pk, actor=chairman, goal=goals[1])
    with pytest.raises(services.GoalHasTasks) as error:
        services.delete_goal(goal_id=goals[0].pk, actor=chairman)
    assert error.value.messages == [
        "Goal 1 still has 1 task (number 2): move it to another goal or delete it first."]
    assert Goal.objects.filter(pk=goals[0].pk).exists() and not audit("plan.goal.deleted")
    services.delete_task(task_id=tasks[1].pk, actor=chairman)
    services.delete_goal(goal_id=goals[0].pk, actor=chairman)
    assert list(Goal.objects.values_list("order", flat=True)) == [2]
    assert Task.objects.get(pk=tasks[0].pk).goal == goals[1]


def test_deleting_a_goal_removes_its_indicators_and_the_audit_log_keeps_it(chairman, admin, plan, goals):
    online = Indicator.objects.get(code="ho-so-truc-tuyen")
    goal = services.create_goal(plan_id=plan.pk, actor=chairman, text="Dịch vụ công trực tuyến",
                                target_text="trên 80%", indicators=[(online, "80")])
    services.delete_goal(goal_id=goal.pk, actor=admin)  # the system administrator manages every plan
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert not GoalIndicator.objects.filter(goal_id=goal.pk).exists()
    assert Indicator.objects.filter(pk=online.pk).exists()  # the catalogue keeps the indicator
    [entry] = audit("plan.goal.deleted")
    assert entry.actor == admin and entry.object_type == "plans.goal" and entry.object_id == str(goal.pk)
    assert entry.before == {"plan": "ke-hoach-thu", "order": 3, "text": "Dịch vụ công trực tuyến",
                            "target_text": "trên 80%",
                            "indicators": [{"code": "ho-so-truc-tuyen", "target_value": 80}]}
    assert entry.after is None
    assert [g.order for g in Goal.objects.filter(plan=plan)] == [1, 2]


def test_deleting_a_task_deletes_its_notes_and_the_audit_log_keeps_them(chairman, vhtt_specialist, tasks,
                                                                       vp, ward_pc):
    task = tasks[0]  # its status change (in progress) is in its history already
    services.add_progress_note(task_id=task.pk, actor=vhtt_specialist, text="Đã lắp 5/9 điểm",
                               percent_complete=55, day=TODAY - timedelta(days=1), today=TODAY)
    assert ProgressNote.objects.filter(task=task).count() == 2
    services.delete_task(task_id=task.pk, actor=chairman)
    assert not Task.objects.filter(pk=task.pk).exists()
    assert not ProgressNote.objects.filter(task_id=task.pk).exists()
    # the other tasks and their notes stay, with their numbers
    assert [t.order for t in Task.objects.order_by("order")] == [2, 3]
    assert ProgressNote.objects.filter(task=tasks[2]).count() == 1
    [entry] = audit("plan.task.deleted")
    assert entry.actor == chairman and entry.object_type == "plans.task" and entry.object_id == str(task.pk)
    assert (entry.before["order"], entry.before["name"], entry.before["status"]) == (
        1, "Nâng cấp mạng LAN", TaskStatus.IN_PROGRESS)
    assert entry.before["co_units"] == sorted([vp.code, ward_pc.code])
    notes = entry.before["notes"]
    assert [(n["new_status"], n["percent_complete"], n["text"], n["author"]) for n in notes] == [
        ("", 55, "Đã lắp 5/9 điểm", vhtt_specialist.username),
        (TaskStatus.IN_PROGRESS, None, "", chairman.username)]
    assert notes[0]["day"] == (TODAY - timedelta(days=1)).isoformat()


def test_a_task_is_not_set_for_a_goal_deleted_after_the_form_was_opened(chairman, plan, goals, tasks, vp):
    # The form offered a new goal; someone deleted it before the form was posted.
    stale = services.create_goal(plan_id=plan.pk, actor=chairman, text="Mục tiêu tạm")
    services.delete_goal(goal_id=stale.pk, actor=chairman)
    with pytest.raises(ValidationError) as error:
        services.update_task(task_id=tasks[0].pk, actor=chairman, goal=stale)
    assert error.value.message_dict == {"goal": ["This goal has just been deleted: choose another one."]}
    with pytest.raises(ValidationError) as error:
        services.create_task(plan_id=plan.pk, actor=chairman, name="Nhiệm vụ mới", lead_unit=vp, goal=stale)
    assert "goal" in error.value.message_dict
    assert Task.objects.get(pk=tasks[0].pk).goal == goals[0]
