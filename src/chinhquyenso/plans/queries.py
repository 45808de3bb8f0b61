"""Reads of plans that pages, exports, the API and dashboards elsewhere share.

Every function that depends on the day takes `today` (the lateness of a task is a fact
about a day, see models.late_q), so that callers and tests decide which day it is.

    may_view(user) -> bool
    plans_with_counts(today) -> QuerySet[Plan]        with goal_count, task_count, done_count, late_count
    TaskFilters.from_query(data, plan) -> TaskFilters  status, lead unit, late only
    plan_tasks(plan, today, filters=None) -> QuerySet[Task]   with `percent` annotated
    task_rows(tasks, today) -> list[TaskRow]          what a table row shows
    status_counts(plan, today) -> dict
    late_tasks(today, lead_unit=None) -> QuerySet[Task]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from chinhquyenso.org.models import Agency
from chinhquyenso.org.permissions import can

from .models import Plan, ProgressNote, Task, TaskStatus, late_q


def may_view(user) -> bool:
    """Plans are read by officials (anyone holding a role); the public does not see them
    in this increment."""
    return getattr(user, "is_authenticated", False) and can(user, "workspace.view")


def plans_with_counts(today: date) -> QuerySet[Plan]:
    return (Plan.objects.select_related("issuing_agency")
            .annotate(goal_count=Count("goals", distinct=True),
                      task_count=Count("tasks", distinct=True),
                      done_count=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE), distinct=True),
                      late_count=Count("tasks", filter=late_q(today, "tasks__"), distinct=True))
            .order_by("-start_year", "code"))


def _latest_percent() -> Subquery:
    return Subquery(ProgressNote.objects.filter(task=OuterRef("pk"), percent_complete__isnull=False)
                    .order_by("-day", "-pk").values("percent_complete")[:1], output_field=IntegerField())


def with_percent(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """`percent`: 100 for a done task, otherwise the share the latest note reported (None
    when no note gave one)."""
    return tasks.annotate(percent=Case(When(status=TaskStatus.DONE, then=Value(100)),
                                       default=_latest_percent(), output_field=IntegerField()))


@dataclass(frozen=True)
class TaskFilters:
    status: str = ""
    lead_unit: Agency | None = None
    late_only: bool = False

    @classmethod
    def from_query(cls, data, plan: Plan | None = None) -> TaskFilters:
        """From a page's or the API's query string; unknown values are ignored."""
        status = data.get("status", "")
        status = status if status in TaskStatus.values else ""
        lead_unit = None
        lead = str(data.get("lead", "") or "").strip()
        if lead:
            units = Agency.objects.filter(code=lead)
            if plan is not None:
                units = units.filter(led_plan_tasks__plan=plan)
            lead_unit = units.distinct().first()
        late_only = str(data.get("late", "")).lower() in ("1", "true", "on", "yes")
        return cls(status=status, lead_unit=lead_unit, late_only=late_only)

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in {"status": self.status,
                                  "lead": self.lead_unit.code if self.lead_unit else "",
                                  "late": "1" if self.late_only else ""}.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.as_query())


def plan_tasks(plan: Plan, today: date, filters: TaskFilters | None = None) -> QuerySet[Task]:
    tasks = Task.objects.filter(plan=plan)
    if filters is not None:
        if filters.status:
            tasks = tasks.filter(status=filters.status)
        if filters.lead_unit is not None:
            tasks = tasks.filter(lead_unit=filters.lead_unit)
        if filters.late_only:
            tasks = tasks.filter(late_q(today))
    return with_percent(tasks.select_related("lead_unit", "goal")
                        .prefetch_related(Prefetch("co_units", queryset=Agency.objects.order_by("name")),
                                          "indicators")
                        .order_by("order"))


@dataclass
class TaskRow:
    task: Task
    days_late: int
    percent: int | None

    @property
    def late(self) -> bool:
        return self.days_late > 0


def task_rows(tasks, today: date) -> list[TaskRow]:
    return [TaskRow(task=t, days_late=t.days_late(today), percent=getattr(t, "percent", None)) for t in tasks]


def status_counts(plan: Plan, today: date) -> dict[str, int]:
    """Tasks of the plan per status, and how many are late."""
    counts = Task.objects.filter(plan=plan).aggregate(
        total=Count("pk"), late=Count("pk", filter=late_q(today)),
        **{s: Count("pk", filter=Q(status=s)) for s in TaskStatus.values})
    return counts


def lead_units_of(plan: Plan) -> QuerySet[Agency]:
    return Agency.objects.filter(led_plan_tasks__plan=plan).distinct().order_by("name")


def late_tasks(today: date, lead_unit: Agency | None = None) -> QuerySet[Task]:
    """Late tasks of every plan (for one lead unit), the longest late first: for
    dashboards and work queues elsewhere."""
    tasks = Task.objects.filter(late_q(today)).select_related("plan", "lead_unit")
    if lead_unit is not None:
        tasks = tasks.filter(lead_unit=lead_unit)
    return tasks.order_by("deadline", "plan__code", "order")


def task_history(task: Task) -> QuerySet[ProgressNote]:
    return task.notes.select_related("author__official").order_by("-day", "-pk")
