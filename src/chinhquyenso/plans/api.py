"""Officials' API of the plans, under /api/v1/:

GET  /plans                                   the plans with their counts
GET  /plans/{code}                            a plan: goals, tasks with `late` and `days_late`
GET  /plans/{code}/tasks/{task_id}            a task with its history
POST /plans/{code}/tasks/{task_id}/status     {status, done_on?, note?}
POST /plans/{code}/tasks/{task_id}/notes      {text, percent_complete?, day?}

Log in first (session): 401 without it, 403 for an account that is not an official's.
The services decide the rest: 403 without the right, 400 with the fields' errors (see
chinhquyenso.api). Lateness is counted for today in Vietnam.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from . import queries, services
from .models import Plan, ProgressNote, Task

router = Router(tags=["plans"], auth=django_auth)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class CountsOut(Schema):
    goals: int
    tasks: int
    done: int
    late: int


class PlanOut(Schema):
    code: str
    name: str
    decision_number: str
    decision_date: date | None
    start_year: int
    end_year: int
    outlook_year: int | None
    issuing_agency: str
    is_demo: bool
    counts: CountsOut


class MeasureOut(Schema):
    indicator: str
    name: str
    target_value: float | None


class GoalOut(Schema):
    order: int
    text: str
    target_text: str
    indicators: list[MeasureOut]


class UnitOut(Schema):
    code: str
    name: str


class TaskOut(Schema):
    id: int
    order: int
    goal: int | None
    name: str
    lead_unit: UnitOut
    co_units: list[UnitOut]
    start_date: date | None
    deadline: date | None
    status: str
    done_on: date | None
    percent_complete: int | None
    late: bool
    days_late: int
    indicators: list[str]


class PlanDetailOut(PlanOut):
    description: str
    goals: list[GoalOut]
    tasks: list[TaskOut]


class NoteOut(Schema):
    id: int
    day: date
    author: str
    text: str
    percent_complete: int | None
    new_status: str


class TaskDetailOut(TaskOut):
    plan: str
    notes: list[NoteOut]


class StatusIn(Schema):
    # Loosely typed on purpose: a wrong value gets the service's 400 with its message.
    status: Any = Field("", description="not_started, in_progress, done or cancelled")
    done_on: Any = Field(None, description="YYYY-MM-DD; required for done, not in the future")
    note: Any = ""


class NoteIn(Schema):
    text: Any = ""
    percent_complete: Any = Field(None, description="0–100, optional")
    day: Any = Field(None, description="YYYY-MM-DD, default today, not in the future")


def _viewer(request) -> None:
    if not queries.may_view(request.user):
        raise HttpError(403, _("Plans are for the officials of the city and its wards."))


def _plan_out(plan: Plan) -> dict:
    return {"code": plan.code, "name": plan.name, "decision_number": plan.decision_number,
            "decision_date": plan.decision_date, "start_year": plan.start_year, "end_year": plan.end_year,
            "outlook_year": plan.outlook_year, "issuing_agency": plan.issuing_agency.code,
            "is_demo": plan.is_demo,
            "counts": {"goals": plan.goal_count, "tasks": plan.task_count, "done": plan.done_count,
                       "late": plan.late_count}}


def _unit(agency) -> dict:
    return {"code": agency.code, "name": agency.name}


def _task_out(task: Task, today: date) -> dict:
    days_late = task.days_late(today)
    return {"id": task.pk, "order": task.order, "goal": task.goal.order if task.goal_id else None,
            "name": task.name, "lead_unit": _unit(task.lead_unit),
            "co_units": [_unit(a) for a in task.co_units.all()], "start_date": task.start_date,
            "deadline": task.deadline, "status": task.status, "done_on": task.done_on,
            "percent_complete": getattr(task, "percent", None), "late": days_late > 0, "days_late": days_late,
            "indicators": [i.code for i in task.indicators.all()]}


def _note_out(note: ProgressNote) -> dict:
    official = getattr(note.author, "official", None)
    return {"id": note.pk, "day": note.day, "author": official.full_name if official else note.author.get_username(),
            "text": note.text, "percent_complete": note.percent_complete, "new_status": note.new_status}


def _task(code: str, task_id: int) -> Task:
    task = get_object_or_404(Task.objects.select_related("plan"), plan__code=code, pk=task_id)
    return queries.plan_tasks(task.plan, timezone.localdate()).get(pk=task.pk)


@router.get("plans", response={200: list[PlanOut], **ERRORS}, summary="Plans with their counts")
def list_plans(request):
    _viewer(request)
    return [_plan_out(p) for p in queries.plans_with_counts(timezone.localdate())]


@router.get("plans/{code}", response={200: PlanDetailOut, **ERRORS},
            summary="A plan with its goals and tasks (tasks filtered by ?status=&lead=&late=1)")
def plan_detail(request, code: str, status: str = "", lead: str = "", late: bool = False):
    _viewer(request)
    today = timezone.localdate()
    plan = get_object_or_404(queries.plans_with_counts(today), code=code)
    filters = queries.TaskFilters.from_query({"status": status, "lead": lead, "late": "1" if late else ""}, plan)
    goals = [{"order": g.order, "text": g.text, "target_text": g.target_text,
              "indicators": [{"indicator": m.indicator.code, "name": m.indicator.name,
                              "target_value": float(m.target_value) if m.target_value is not None else None}
                             for m in g.measures.all()]}
             for g in plan.goals.prefetch_related("measures__indicator").order_by("order")]
    return {**_plan_out(plan), "description": plan.description, "goals": goals,
            "tasks": [_task_out(t, today) for t in queries.plan_tasks(plan, today, filters)]}


@router.get("plans/{code}/tasks/{task_id}", response={200: TaskDetailOut, **ERRORS},
            summary="A task with its progress notes and status changes, latest first")
def task_detail(request, code: str, task_id: int):
    _viewer(request)
    task = _task(code, task_id)
    return {**_task_out(task, timezone.localdate()), "plan": task.plan.code,
            "notes": [_note_out(n) for n in queries.task_history(task)]}


@router.post("plans/{code}/tasks/{task_id}/status", response={200: TaskOut, **ERRORS},
             summary="Change a task's status (the lead unit's officials; cancelling: those who manage the plan)")
def change_status(request, code: str, task_id: int, body: StatusIn):
    _viewer(request)
    task = _task(code, task_id)
    services.change_task_status(task_id=task.pk, actor=request.user, status=str(body.status or ""),
                                done_on=body.done_on, note=str(body.note or ""))
    return _task_out(_task(code, task_id), timezone.localdate())


@router.post("plans/{code}/tasks/{task_id}/notes", response={201: NoteOut, **ERRORS},
             summary="Report progress on a task (the lead unit's officials)")
def add_note(request, code: str, task_id: int, body: NoteIn):
    _viewer(request)
    task = _task(code, task_id)
    note = services.add_progress_note(task_id=task.pk, actor=request.user, text=str(body.text or ""),
                                      percent_complete=body.percent_complete, day=body.day)
    return Status(201, _note_out(note))
