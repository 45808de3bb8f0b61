"""The lateness rule: a task is late once its deadline has passed and it is neither done
nor cancelled; never stored, counted for the day the caller gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chinhquyenso.plans import queries, services
from chinhquyenso.plans.models import Task, TaskStatus, late_q

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def late_orders(plan, day):
    return sorted(Task.objects.filter(plan=plan).filter(late_q(day)).values_list("order", flat=True))


def test_a_task_is_late_the_day_after_its_deadline(plan, tasks):
    late, later, recurring = tasks
    deadline = late.deadline
    assert late.days_late(deadline) == 0 and not late.is_late(deadline)  # due today: not late yet
    assert late.days_late(deadline + timedelta(days=1)) == 1
    assert late.days_late(deadline + timedelta(days=40)) == 40
    assert late_orders(plan, deadline) == []
    assert late_orders(plan, deadline + timedelta(days=1)) == [1]
    # a recurring task has no deadline and is never late
    assert recurring.days_late(TODAY + timedelta(days=3650)) == 0
    assert late_orders(plan, later.deadline + timedelta(days=1)) == [1, 2]


@pytest.mark.parametrize("status", [TaskStatus.DONE, TaskStatus.CANCELLED])
def test_done_or_cancelled_tasks_are_never_late(plan, tasks, chairman, status):
    late = tasks[0]
    services.change_task_status(task_id=late.pk, actor=chairman, status=status, done_on=TODAY, today=TODAY)
    late.refresh_from_db()
    assert late.days_late(TODAY) == 0
    assert late_orders(plan, TODAY) == []
    assert queries.status_counts(plan, TODAY)["late"] == 0


def test_not_started_tasks_are_late_too(plan, tasks):
    later = tasks[1]
    assert later.status == TaskStatus.NOT_STARTED
    day = later.deadline + timedelta(days=5)
    assert later.days_late(day) == 5
    assert 2 in late_orders(plan, day)


def test_queries_and_the_model_agree(plan, tasks):
    for offset in (-400, -11, -10, -9, 0, 59, 60, 61, 400):
        day = TODAY + timedelta(days=offset)
        by_model = sorted(t.order for t in Task.objects.filter(plan=plan) if t.is_late(day))
        assert late_orders(plan, day) == by_model
        rows = queries.task_rows(queries.plan_tasks(plan, day), day)
        assert sorted(r.task.order for r in rows if r.late) == by_model
        counted = queries.plans_with_counts(day).get(pk=plan.pk)
        assert counted.late_count == len(by_model) == queries.status_counts(plan, day)["late"]


def test_late_tasks_across_plans_and_the_filter(plan, tasks, vhtt, vp):
    assert [t.order for t in queries.late_tasks(TODAY)] == [1]
    assert [t.order for t in queries.late_tasks(TODAY, lead_unit=vp)] == []
    filters = queries.TaskFilters(late_only=True)
    assert [t.order for t in queries.plan_tasks(plan, TODAY, filters)] == [1]
    far = TODAY + timedelta(days=100)
    assert [t.order for t in queries.plan_tasks(plan, far, filters)] == [1, 2]
    rows = queries.task_rows(queries.plan_tasks(plan, far, filters), far)
    assert [r.days_late for r in rows] == [110, 40]


def test_progress_is_the_latest_reported_share(plan, tasks, vhtt_specialist):
    late = tasks[0]
    services.add_progress_note(task_id=late.pk, actor=vhtt_specialist, text="Đã khảo sát", percent_complete=30,
                               day=TODAY - timedelta(days=20), today=TODAY)
    services.add_progress_note(task_id=late.pk, actor=vhtt_specialist, text="Đã lắp đặt thiết bị",
                               percent_complete=70, day=TODAY - timedelta(days=2), today=TODAY)
    services.add_progress_note(task_id=late.pk, actor=vhtt_specialist, text="Họp bàn, không đo được",
                               day=TODAY - timedelta(days=1), today=TODAY)
    percents = {t.order: t.percent for t in queries.plan_tasks(plan, TODAY)}
    assert percents == {1: 70, 2: None, 3: None}
    services.change_task_status(task_id=late.pk, actor=vhtt_specialist, status=TaskStatus.DONE, done_on=TODAY,
                                today=TODAY)
    assert {t.order: t.percent for t in queries.plan_tasks(plan, TODAY)}[1] == 100
