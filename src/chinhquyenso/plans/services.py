"""Changes to plans: their structure (plan, goals, tasks) and the lead units' reports
(a task's status, progress notes). Each change is one transaction with its audit entry.

Who may do what:

- the structure is set by those who hold "plans.manage" for the unit of the plan's
  issuing agency (the leaders of the People's Committee that adopted it; system
  administrators everywhere);
- a task's status and its progress notes are reported by the officials of its lead
  unit who hold "plans.report" (a leader of the lead unit's own People's Committee
  too), and by those who manage the plan. Cancelling a task, or reopening a cancelled
  one, changes the plan: that is for those who manage it.

Bad input is refused with a ValidationError naming the field. A goal that still has tasks
is not deleted (GoalHasTasks): its tasks are moved to another goal or deleted first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chinhquyenso.core.services import record_audit
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.models import Agency
from chinhquyenso.org.permissions import can, require

from .models import Goal, GoalIndicator, Plan, ProgressNote, Task, TaskStatus

CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A plan's code is the last part of its address (/ke-hoach/<code>/): the codes of the
# pages beside the plans are not plans' codes.
RESERVED_CODES = frozenset({"moi"})
FIRST_YEAR, LAST_YEAR = 2000, 2100
NOTE_MAX = 4000


# --- rights ----------------------------------------------------------------------------------

def may_manage(user, plan: Plan) -> bool:
    return can(user, "plans.manage", plan.issuing_agency.unit)


def _official_agency(user) -> Agency | None:
    official = getattr(user, "official", None) if getattr(user, "is_authenticated", False) else None
    return official.agency if official is not None else None


def may_report(user, task: Task) -> bool:
    """An official of the lead unit (or of the People's Committee it belongs to) with
    "plans.report" for its unit, or one who manages the plan."""
    if may_manage(user, task.plan):
        return True
    own = _official_agency(user)
    lead = task.lead_unit
    if own is None or own.pk not in (lead.pk, lead.parent_id):
        return False
    return can(user, "plans.report", lead.unit)


def _require_manage(user, plan: Plan) -> None:
    require(user, "plans.manage", plan.issuing_agency.unit)


def _require_report(user, task: Task) -> None:
    if not may_report(user, task):
        raise PermissionDenied(_("Only the officials of the lead unit %(unit)s report on this task.")
                               % {"unit": task.lead_unit.name})


# --- checks ----------------------------------------------------------------------------------

def _text(value: Any, field: str, *, required: bool, max_length: int, empty_message: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: [empty_message or _("This field is required.")]})
    if len(text) > max_length:
        raise ValidationError({field: [_("Keep it under %(n)d characters.") % {"n": max_length}]})
    return text


def _year(value: Any, field: str, *, required: bool = True) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a year such as 2025.")]}) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({field: [_("Enter a year between %(first)d and %(last)d.")
                                       % {"first": FIRST_YEAR, "last": LAST_YEAR}]})
    return year


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError({field: [_("Enter a date as dd/mm/yyyy (or YYYY-MM-DD).")]})


def _order(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        order = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a whole number.")]}) from None
    if order < 1 or order > 999:
        raise ValidationError({field: [_("Enter a number from 1 to 999.")]})
    return order


def _agency(value: Any, field: str) -> Agency:
    if not isinstance(value, Agency):
        raise ValidationError({field: [_("Choose an agency.")]})
    if not value.is_active:
        raise ValidationError({field: [_("%(agency)s is no longer active.") % {"agency": value.name}]})
    return value


def _plan_fields(values: dict) -> dict:
    """Checked plan fields; raises the errors of every field at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checks = {
        "name": lambda v: _text(v, "name", required=True, max_length=500,
                                empty_message=_("Give the plan's name.")),
        "decision_number": lambda v: _text(v, "decision_number", required=False, max_length=64),
        "decision_date": lambda v: _date(v, "decision_date"),
        "start_year": lambda v: _year(v, "start_year"),
        "end_year": lambda v: _year(v, "end_year"),
        "outlook_year": lambda v: _year(v, "outlook_year", required=False),
        "issuing_agency": lambda v: _agency(v, "issuing_agency"),
        "description": lambda v: _text(v, "description", required=False, max_length=10000),
        "is_demo": bool,
    }
    for field, value in values.items():
        try:
            cleaned[field] = checks[field](value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_period(plan: Plan) -> None:
    if plan.end_year < plan.start_year:
        raise ValidationError({"end_year": [_("The last year cannot be before the first year.")]})
    if plan.outlook_year is not None and plan.outlook_year < plan.end_year:
        raise ValidationError({"outlook_year": [_("The outlook year cannot be before the last year.")]})
    if plan.decision_date is not None and plan.decision_date > timezone.localdate():
        raise ValidationError({"decision_date": [_("The decision date cannot be in the future.")]})


def _plan_state(plan: Plan) -> dict:
    return {"code": plan.code, "name": plan.name, "decision_number": plan.decision_number,
            "decision_date": plan.decision_date, "start_year": plan.start_year, "end_year": plan.end_year,
            "outlook_year": plan.outlook_year, "issuing_agency": plan.issuing_agency.code,
            "is_demo": plan.is_demo}


def _measures(indicators: Iterable, field: str) -> list[tuple[Indicator, Decimal | None]]:
    """Indicators of a goal, each an Indicator or (Indicator, target value or None)."""
    measures: list[tuple[Indicator, Decimal | None]] = []
    for item in indicators:
        indicator, target = (item if isinstance(item, tuple | list) else (item, None))
        if not isinstance(indicator, Indicator):
            raise ValidationError({field: [_("Choose indicators from the catalogue.")]})
        if target not in (None, ""):
            try:
                target = Decimal(str(target))
            except (InvalidOperation, ValueError):
                raise ValidationError({field: [_("Enter the target value as a number.")]}) from None
            if not target.is_finite() or target < 0:
                raise ValidationError({field: [_("Enter a target value that is not negative.")]})
        else:
            target = None
        if any(m[0].pk == indicator.pk for m in measures):
            raise ValidationError({field: [_("%(indicator)s is listed twice.") % {"indicator": indicator.name}]})
        measures.append((indicator, target))
    return measures


# --- plans -----------------------------------------------------------------------------------

def create_plan(*, actor, code: str, name: str, issuing_agency: Agency, start_year, end_year,
                outlook_year=None, decision_number: str = "", decision_date: date | None = None,
                description: str = "", is_demo: bool = False) -> Plan:
    code = str(code or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.match(code) or len(code) > 64:
        errors["code"] = [_("Use lower-case letters without accents, digits and hyphens, "
                            "e.g. ke-hoach-cds-2025.")]
    elif code in RESERVED_CODES:
        errors["code"] = [_("This code is part of the platform's addresses: choose another.")]
    try:
        fields = _plan_fields({"name": name, "issuing_agency": issuing_agency, "start_year": start_year,
                               "end_year": end_year, "outlook_year": outlook_year,
                               "decision_number": decision_number, "decision_date": decision_date,
                               "description": description, "is_demo": is_demo})
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:  # every field's error at once, the code's with them
        raise ValidationError(errors)
    plan = Plan(code=code, **fields)
    _require_manage(actor, plan)
    _check_period(plan)
    with transaction.atomic():
        if Plan.objects.filter(code=code).exists():
            raise ValidationError({"code": [_("Another plan has this code.")]})
        plan.save()
        record_audit(actor=actor, action="plan.created", obj=plan, after=_plan_state(plan))
    return plan


PLAN_FIELDS = ("name", "decision_number", "decision_date", "start_year", "end_year", "outlook_year",
               "issuing_agency", "description")


def update_plan(*, plan_id: int, actor, **changes) -> Plan:
    """Change any of PLAN_FIELDS. Moving a plan to another issuing agency needs the
    right to manage plans there too."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"update_plan() got unexpected fields: {', '.join(sorted(unknown))}")
    cleaned = _plan_fields(changes)
    with transaction.atomic():
        plan = Plan.objects.select_for_update(of=("self",)).select_related("issuing_agency__unit").get(pk=plan_id)
        _require_manage(actor, plan)
        before = _plan_state(plan)
        for field, value in cleaned.items():
            setattr(plan, field, value)
        _require_manage(actor, plan)
        _check_period(plan)
        last_deadline = plan.tasks.exclude(deadline=None).order_by("-deadline").values_list(
            "deadline", flat=True).first()
        if last_deadline is not None and last_deadline.year > plan.last_year:
            raise ValidationError({"end_year": [_("A task of the plan is due in %(year)d, after the plan's "
                                                  "period.") % {"year": last_deadline.year}]})
        plan.save()
        record_audit(actor=actor, action="plan.updated", obj=plan, before=before, after=_plan_state(plan))
    return plan


# --- goals -----------------------------------------------------------------------------------

def _goal_state(goal: Goal) -> dict:
    return {"plan": goal.plan.code, "order": goal.order, "text": goal.text, "target_text": goal.target_text,
            "indicators": [{"code": m.indicator.code, "target_value": _plain(m.target_value)}
                           for m in goal.measures.select_related("indicator")]}


def _plain(value: Decimal | None) -> int | float | None:
    """80 rather than "80.00" in the audit log, whatever the database returns."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _next_order(model, plan: Plan) -> int:
    return (model.objects.filter(plan=plan).aggregate(m=Max("order"))["m"] or 0) + 1


def _lock_plan(plan_id: int) -> Plan:
    """The plan, locked: goals and tasks are numbered one at a time."""
    return Plan.objects.select_for_update(of=("self",)).select_related("issuing_agency__unit").get(pk=plan_id)


def create_goal(*, plan_id: int, actor, text: str, target_text: str = "", order=None,
                indicators: Iterable = ()) -> Goal:
    """A goal of the plan, numbered after the last one unless `order` is given.
    `indicators`: Indicator objects or (Indicator, target value) pairs."""
    text = _text(text, "text", required=True, max_length=2000, empty_message=_("Write the goal."))
    target_text = _text(target_text, "target_text", required=False, max_length=500)
    order = _order(order, "order")
    measures = _measures(indicators, "indicators")
    with transaction.atomic():
        plan = _lock_plan(plan_id)
        _require_manage(actor, plan)
        if order is None:
            order = _next_order(Goal, plan)
        elif plan.goals.filter(order=order).exists():
            raise ValidationError({"order": [_("The plan already has a goal with this number.")]})
        goal = Goal.objects.create(plan=plan, order=order, text=text, target_text=target_text)
        GoalIndicator.objects.bulk_create(GoalIndicator(goal=goal, indicator=i, target_value=t)
                                          for i, t in measures)
        record_audit(actor=actor, action="plan.goal.created", obj=goal, after=_goal_state(goal))
    return goal


def _locked_goal(goal_id: int) -> Goal:
    """The goal, locked after its plan (the order every change of goals takes)."""
    _lock_plan(Goal.objects.values_list("plan_id", flat=True).get(pk=goal_id))
    return Goal.objects.select_for_update(of=("self",)).select_related("plan__issuing_agency__unit").get(pk=goal_id)


def update_goal(*, goal_id: int, actor, text=None, target_text=None, order=None,
                indicators: Iterable | None = None) -> Goal:
    """Change what is given (None, or an empty `order`, leaves a field as it is; `indicators`
    replaces the list)."""
    measures = _measures(indicators, "indicators") if indicators is not None else None
    with transaction.atomic():
        goal = _locked_goal(goal_id)
        _require_manage(actor, goal.plan)
        before = _goal_state(goal)
        if text is not None:
            goal.text = _text(text, "text", required=True, max_length=2000, empty_message=_("Write the goal."))
        if target_text is not None:
            goal.target_text = _text(target_text, "target_text", required=False, max_length=500)
        if order not in (None, ""):  # empty keeps the number, as for tasks
            goal.order = _order(order, "order")
            if goal.plan.goals.filter(order=goal.order).exclude(pk=goal.pk).exists():
                raise ValidationError({"order": [_("The plan already has a goal with this number.")]})
        goal.save()
        if measures is not None:
            goal.measures.all().delete()
            GoalIndicator.objects.bulk_create(GoalIndicator(goal=goal, indicator=i, target_value=t)
                                              for i, t in measures)
        record_audit(actor=actor, action="plan.goal.updated", obj=goal, before=before, after=_goal_state(goal))
    return goal


class GoalHasTasks(ValidationError):
    """The goal still has tasks: they are moved to another goal or deleted before it
    is (the pages answer 409)."""


def goal_kept_for_tasks(goal: Goal) -> str:
    """Why the goal cannot be deleted now ("" when it can): the tasks still set for it."""
    orders = list(goal.tasks.order_by("order").values_list("order", flat=True))
    if not orders:
        return ""
    return ngettext("Goal %(goal)d still has %(count)d task (number %(tasks)s): move it to another goal "
                    "or delete it first.",
                    "Goal %(goal)d still has %(count)d tasks (numbers %(tasks)s): move them to another goal "
                    "or delete them first.", len(orders)) % {
        "goal": goal.order, "count": len(orders), "tasks": ", ".join(map(str, orders))}


def delete_goal(*, goal_id: int, actor) -> None:
    """Delete a goal with its indicators and target values. A goal that still has tasks
    is refused (GoalHasTasks): a task is not left without the goal it was set for."""
    with transaction.atomic():
        goal = _locked_goal(goal_id)
        _require_manage(actor, goal.plan)
        refusal = goal_kept_for_tasks(goal)
        if refusal:
            raise GoalHasTasks(refusal)
        before = _goal_state(goal)
        goal_pk, label = goal.pk, str(goal)[:300]
        goal.delete()  # its indicators (GoalIndicator) go with it
        record_audit(actor=actor, action="plan.goal.deleted", object_type=Goal._meta.label_lower,
                     object_id=goal_pk, object_repr=label, before=before)


# --- tasks -----------------------------------------------------------------------------------

def _task_state(task: Task) -> dict:
    return {"plan": task.plan.code, "order": task.order, "name": task.name,
            "goal": task.goal.order if task.goal_id else None, "lead_unit": task.lead_unit.code,
            "co_units": sorted(a.code for a in task.co_units.all()), "start_date": task.start_date,
            "deadline": task.deadline, "status": task.status, "done_on": task.done_on,
            "indicators": sorted(i.code for i in task.indicators.all())}


def _check_task(task: Task, co_units: list[Agency] | None, indicators: list | None) -> None:
    plan = task.plan
    if task.goal_id is not None and task.goal.plan_id != plan.pk:
        raise ValidationError({"goal": [_("The goal belongs to another plan.")]})
    # The plan is locked (as delete_goal locks it): a goal still there now stays.
    if task.goal_id is not None and not Goal.objects.filter(pk=task.goal_id).exists():
        raise ValidationError({"goal": [_("This goal has just been deleted: choose another one.")]})
    if task.start_date and task.deadline and task.deadline < task.start_date:
        raise ValidationError({"deadline": [_("The deadline cannot be before the start date.")]})
    for field, day in (("start_date", task.start_date), ("deadline", task.deadline)):
        if day is not None and not plan.start_year - 1 <= day.year <= plan.last_year:
            raise ValidationError({field: [_("The date must fall within the plan's period "
                                             "(%(first)d–%(last)d).")
                                           % {"first": plan.start_year, "last": plan.last_year}]})
    if co_units is not None:
        for unit in co_units:
            _agency(unit, "co_units")
            if unit.pk == task.lead_unit_id:
                raise ValidationError({"co_units": [_("The lead unit is not also a co-operating unit.")]})
    if indicators is not None and any(not isinstance(i, Indicator) for i in indicators):
        raise ValidationError({"indicators": [_("Choose indicators from the catalogue.")]})


def create_task(*, plan_id: int, actor, name: str, lead_unit: Agency, co_units: Iterable[Agency] = (),
                goal: Goal | None = None, order=None, start_date=None, deadline=None,
                indicators: Iterable[Indicator] = ()) -> Task:
    """A task of the plan, not started, numbered after the last one unless `order` is given.
    A task without a deadline is a recurring one and is never late."""
    name = _text(name, "name", required=True, max_length=500, empty_message=_("Name the task."))
    lead_unit = _agency(lead_unit, "lead_unit")
    order = _order(order, "order")
    co_units, indicators = list(co_units), list(indicators)
    with transaction.atomic():
        plan = _lock_plan(plan_id)
        _require_manage(actor, plan)
        task = Task(plan=plan, goal=goal, name=name, lead_unit=lead_unit,
                    start_date=_date(start_date, "start_date"), deadline=_date(deadline, "deadline"))
        _check_task(task, co_units, indicators)
        if order is None:
            order = _next_order(Task, plan)
        elif plan.tasks.filter(order=order).exists():
            raise ValidationError({"order": [_("The plan already has a task with this number.")]})
        task.order = order
        task.save()
        task.co_units.set(co_units)
        task.indicators.set(indicators)
        record_audit(actor=actor, action="plan.task.created", obj=task, after=_task_state(task))
    return task


TASK_FIELDS = ("name", "goal", "order", "lead_unit", "co_units", "start_date", "deadline", "indicators")


def _lock_task(task_id: int) -> Task:
    return (Task.objects.select_for_update(of=("self",))
            .select_related("plan__issuing_agency__unit", "lead_unit__unit", "goal").get(pk=task_id))


def update_task(*, task_id: int, actor, **changes) -> Task:
    """Change any of TASK_FIELDS (the structure of the plan: for those who manage it)."""
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"update_task() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        if "goal" in changes:  # the plan first, as delete_goal: the goal chosen cannot go meanwhile
            _lock_plan(Task.objects.values_list("plan_id", flat=True).get(pk=task_id))
        task = _lock_task(task_id)
        _require_manage(actor, task.plan)
        before = _task_state(task)
        co_units = list(changes["co_units"]) if "co_units" in changes else None
        indicators = list(changes["indicators"]) if "indicators" in changes else None
        if "name" in changes:
            task.name = _text(changes["name"], "name", required=True, max_length=500,
                              empty_message=_("Name the task."))
        if "lead_unit" in changes:
            task.lead_unit = _agency(changes["lead_unit"], "lead_unit")
        if "goal" in changes:
            task.goal = changes["goal"]
        for field in ("start_date", "deadline"):
            if field in changes:
                setattr(task, field, _date(changes[field], field))
        if changes.get("order") not in (None, ""):
            task.order = _order(changes["order"], "order")
            if task.plan.tasks.filter(order=task.order).exclude(pk=task.pk).exists():
                raise ValidationError({"order": [_("The plan already has a task with this number.")]})
        _check_task(task, co_units if co_units is not None else list(task.co_units.all()), indicators)
        task.save()
        if co_units is not None:
            task.co_units.set(co_units)
        if indicators is not None:
            task.indicators.set(indicators)
        record_audit(actor=actor, action="plan.task.updated", obj=task, before=before, after=_task_state(task))
    return task


def change_task_status(*, task_id: int, actor, status: str, done_on=None, note: str = "",
                       today: date | None = None) -> Task:
    """Move a task to `status`. Done needs the day it was done (not in the future, not
    before the task started); any other status clears it. The change is kept in the
    task's history with the optional note."""
    today = today or timezone.localdate()
    if status not in TaskStatus.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    note = _text(note, "note", required=False, max_length=NOTE_MAX)
    done_on = _date(done_on, "done_on")
    with transaction.atomic():
        task = _lock_task(task_id)
        _require_report(actor, task)
        if status == task.status:
            raise ValidationError({"status": [_("The task is already “%(status)s”.")
                                              % {"status": task.get_status_display()}]})
        if TaskStatus.CANCELLED in (status, task.status) and not may_manage(actor, task.plan):
            raise PermissionDenied(_("Only those who manage the plan cancel a task or reopen a cancelled one."))
        if status == TaskStatus.DONE:
            if done_on is None:
                raise ValidationError({"done_on": [_("Give the date the task was done.")]})
            if done_on > today:
                raise ValidationError({"done_on": [_("The date the task was done cannot be in the future.")]})
            if task.start_date is not None and done_on < task.start_date:
                raise ValidationError({"done_on": [_("The task cannot be done before it started.")]})
        else:
            done_on = None
        before = {"status": task.status, "done_on": task.done_on}
        task.status, task.done_on = status, done_on
        task.save(update_fields=["status", "done_on", "updated_at"])
        ProgressNote.objects.create(task=task, author=actor, day=done_on or today, text=note,
                                    new_status=status, percent_complete=100 if status == TaskStatus.DONE else None)
        record_audit(actor=actor, action="plan.task.status_changed", obj=task, before=before,
                     after={"status": status, "done_on": done_on, "note": note, "plan": task.plan.code})
    return task


def add_progress_note(*, task_id: int, actor, text: str, percent_complete=None, day=None,
                      today: date | None = None) -> ProgressNote:
    """A progress report on a task: what was done, and optionally the share done so far
    (0–100). `day` (default today) cannot be in the future."""
    today = today or timezone.localdate()
    text = _text(text, "text", required=True, max_length=NOTE_MAX, empty_message=_("Write what was done."))
    if percent_complete in ("", None):
        percent = None
    else:
        try:
            percent = int(str(percent_complete).strip().rstrip("%"))
        except ValueError:
            raise ValidationError({"percent_complete": [_("Enter a whole number from 0 to 100.")]}) from None
        if not 0 <= percent <= 100:
            raise ValidationError({"percent_complete": [_("Enter a whole number from 0 to 100.")]})
    day = _date(day, "day") or today
    if day > today:
        raise ValidationError({"day": [_("The date of the note cannot be in the future.")]})
    with transaction.atomic():
        task = _lock_task(task_id)
        _require_report(actor, task)
        if task.status == TaskStatus.DONE and percent is not None and percent < 100:
            raise ValidationError({"percent_complete": [_("The task is done: reopen it before reporting "
                                                          "less than 100%.")]})
        note = ProgressNote.objects.create(task=task, author=actor, day=day, text=text, percent_complete=percent)
        record_audit(actor=actor, action="plan.task.note_added", obj=task,
                     after={"plan": task.plan.code, "note": note.pk, "day": day, "percent_complete": percent,
                            "text": text})
    return note


def _note_state(note: ProgressNote) -> dict:
    return {"id": note.pk, "day": note.day, "author": note.author.get_username(), "text": note.text,
            "percent_complete": note.percent_complete, "new_status": note.new_status}


def delete_task(*, task_id: int, actor) -> None:
    """Delete a task with what hangs on it: its progress notes and status changes, its
    co-operating units and indicators. The audit entry keeps all of it. The other tasks
    keep their numbers."""
    with transaction.atomic():
        _lock_plan(Task.objects.values_list("plan_id", flat=True).get(pk=task_id))
        task = _lock_task(task_id)
        _require_manage(actor, task.plan)
        notes = [_note_state(n) for n in task.notes.select_related("author").order_by("day", "pk")]
        before = {**_task_state(task), "notes": notes}
        task_pk, label = task.pk, str(task)[:300]
        task.delete()  # its progress notes cascade; the links to units and indicators go too
        record_audit(actor=actor, action="plan.task.deleted", object_type=Task._meta.label_lower,
                     object_id=task_pk, object_repr=label, before=before)
