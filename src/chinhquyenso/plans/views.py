"""Officials' pages of the plans: the list, a plan with its goals and its task table
(filters, Excel export), and a task with its history and the lead unit's forms (status,
progress note), sent with HTMX and working as plain forms too.

Pages are thin: reads come from queries.py, changes go through services.py, which have
the last word (a missing right answers 403, bad input 400 with the field's message).
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import exports, queries, services
from .models import Plan, Task, TaskStatus


def _viewer(request):
    """None when the user may read plans; otherwise the login redirect (or a 403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not queries.may_view(request.user):
        raise PermissionDenied(_("Plans are for the officials of the city and its wards."))
    return None


def plan_list(request):
    if (login := _viewer(request)) is not None:
        return login
    today = timezone.localdate()
    return render(request, "plans/list.html", {"plans": queries.plans_with_counts(today), "today": today})


def _plan_context(request, plan: Plan, today):
    filters = queries.TaskFilters.from_query(request.GET, plan)
    rows = queries.task_rows(queries.plan_tasks(plan, today, filters), today)
    return filters, rows


def plan_detail(request, code: str):
    if (login := _viewer(request)) is not None:
        return login
    plan = get_object_or_404(Plan.objects.select_related("issuing_agency"), code=code)
    today = timezone.localdate()
    filters, rows = _plan_context(request, plan, today)
    goals = plan.goals.prefetch_related("measures__indicator").order_by("order")
    # The filter form asks for the task table alone (its target), not the whole page.
    table_only = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "tasks"
    template = "plans/_tasks.html" if table_only else "plans/plan.html"
    return render(request, template, {
        "plan": plan, "goals": goals, "rows": rows, "filters": filters, "query": filters.as_query(),
        "counts": queries.status_counts(plan, today), "lead_units": queries.lead_units_of(plan),
        "statuses": TaskStatus.choices, "today": today,
    })


def plan_xlsx(request, code: str):
    if (login := _viewer(request)) is not None:
        return login
    plan = get_object_or_404(Plan, code=code)
    today = timezone.localdate()
    _filters, rows = _plan_context(request, plan, today)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    exports.write_task_table(plan, rows, handle, today)
    handle.seek(0)
    name = f"{plan.code}-nhiem-vu-{today:%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=exports.XLSX)


# --- a task ----------------------------------------------------------------------------------

def _task(code: str, task_id: int) -> Task:
    return get_object_or_404(Task.objects.select_related("plan__issuing_agency__unit", "lead_unit__unit",
                                                         "goal"), plan__code=code, pk=task_id)


def _status_choices(user, task: Task) -> list[tuple[str, str]]:
    """The statuses the user may move the task to now."""
    manager = services.may_manage(user, task.plan)
    if task.status == TaskStatus.CANCELLED and not manager:
        return []
    return [(value, label) for value, label in TaskStatus.choices
            if value != task.status and (manager or value != TaskStatus.CANCELLED)]


def _report_context(request, task: Task, *, form: str = "", errors: dict | None = None,
                    values: dict | None = None, message: str = "") -> dict:
    today = timezone.localdate()
    task = queries.with_percent(Task.objects.filter(pk=task.pk)).select_related(
        "plan__issuing_agency__unit", "lead_unit__unit", "goal").get()
    may_report = services.may_report(request.user, task)
    return {
        "task": task, "plan": task.plan, "today": today, "days_late": task.days_late(today),
        "percent": task.percent, "notes": queries.task_history(task),
        "may_report": may_report, "status_choices": _status_choices(request.user, task) if may_report else [],
        "form": form, "errors": errors or {}, "values": values or {}, "message": message,
    }


def task_detail(request, code: str, task_id: int):
    if (login := _viewer(request)) is not None:
        return login
    task = _task(code, task_id)
    context = _report_context(request, task)
    context.update(co_units=task.co_units.order_by("name"), indicators=task.indicators.all())
    return render(request, "plans/task.html", context)


def _failure(error: Exception) -> tuple[int, str, dict]:
    if isinstance(error, PermissionDenied):
        return 403, str(error) or _("You do not have permission to do this."), {}
    if hasattr(error, "error_dict"):
        fields = {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}
        general = fields.pop("__all__", [])
        return 400, " ".join(general) or _("Correct the fields below."), fields
    return 400, " ".join(error.messages), {}


def _respond(request, task: Task, form: str, run, typed: dict):
    """Run a report; on success an HTMX request gets the refreshed report section, a
    plain post goes back to the task page. A refusal shows the form again with why."""
    try:
        run()
    except (PermissionDenied, ValidationError) as error:
        status, message, fields = _failure(error)
        context = _report_context(request, task, form=form, errors=fields, values=typed, message=message)
        if request.headers.get("HX-Request") == "true":
            return render(request, "plans/_report.html", context, status=status)
        context.update(co_units=task.co_units.order_by("name"), indicators=task.indicators.all())
        return render(request, "plans/task.html", context, status=status)
    done = _("The status of the task has been changed.") if form == "status" else _("The progress note has been recorded.")
    if request.headers.get("HX-Request") == "true":
        return render(request, "plans/_report.html", _report_context(request, task, message=done))
    messages.success(request, done)
    return redirect("plans:task", code=task.plan.code, task_id=task.pk)


@require_POST
def task_status(request, code: str, task_id: int):
    if (login := _viewer(request)) is not None:
        return login
    task = _task(code, task_id)
    post = request.POST
    typed = {k: post.get(k, "") for k in ("status", "done_on", "note")}
    return _respond(request, task, "status", lambda: services.change_task_status(
        task_id=task.pk, actor=request.user, status=post.get("status", ""),
        done_on=post.get("done_on") or None, note=post.get("note", "")), typed)


@require_POST
def task_note(request, code: str, task_id: int):
    if (login := _viewer(request)) is not None:
        return login
    task = _task(code, task_id)
    post = request.POST
    typed = {k: post.get(k, "") for k in ("text", "percent_complete", "day")}
    return _respond(request, task, "note", lambda: services.add_progress_note(
        task_id=task.pk, actor=request.user, text=post.get("text", ""),
        percent_complete=post.get("percent_complete", ""), day=post.get("day") or None), typed)
