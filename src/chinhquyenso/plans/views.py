"""Officials' pages of the plans: the list, a plan with its goals and its task table
(filters, Excel export), and a task with its history and the lead unit's forms (status,
progress note), sent with HTMX and working as plain forms too.

Those who manage a plan also set it up here: a new plan and its edit page, and on the
plan's page a goal or a task added or edited in place. Each goal or task form has its
own address (…/muc-tieu/moi/, …/nhiem-vu/<id>/sua/): without JavaScript it is the plan
page with that form open, posted plainly and redirected back; with HTMX the same page
swaps its body (#plan-body) in place, the address following along. Deleting a goal or a
task asks first on a page of its own (…/xoa/); only its form's post deletes. One
handler serves goals and tasks alike (`Part`): each view only says which.

Pages are thin: reads come from queries.py, changes go through services.py, which have
the last word (a missing right answers 403, bad input 400 with the field's message).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chinhquyenso.org.permissions import can

from . import exports, queries, services
from .forms import GoalForm, PlanForm, TaskForm, issuing_agencies, put_errors
from .models import Goal, Plan, Task, TaskStatus


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _viewer(request):
    """None when the user may read plans; otherwise the login redirect (or a 403)."""
    if not request.user.is_authenticated:
        login = redirect_to_login(request.get_full_path())
        if _htmx(request):  # a whole page, not a login form inside the plan's
            return HttpResponse(status=204, headers={"HX-Redirect": login["Location"]})
        return login
    if not queries.may_view(request.user):
        raise PermissionDenied(_("Plans are for the officials of the city and its wards."))
    return None


def plan_list(request):
    if (login := _viewer(request)) is not None:
        return login
    today = timezone.localdate()
    return render(request, "plans/list.html", {"plans": queries.plans_with_counts(today), "today": today,
                                               "may_create": can(request.user, "plans.manage")})


def _plan_context(request, plan: Plan, today):
    filters = queries.TaskFilters.from_query(request.GET, plan)
    rows = queries.task_rows(queries.plan_tasks(plan, today, filters), today)
    return filters, rows


@dataclass
class Editor:
    """The goal or task form open on the plan's page."""

    kind: str  # "goal" or "task"
    form: django_forms.Form
    action: str  # where it posts, with the task table's filters
    title: str
    target: Goal | Task | None = None  # None: a new one

    @property
    def anchor(self) -> str:
        return f"{self.kind}-form"


def _with_query(url: str, request) -> str:
    """`url` with the task table's filters of this request, so that they survive an edit."""
    filters = queries.TaskFilters.from_query(request.GET)
    query = urlencode(filters.as_query())
    return f"{url}?{query}" if query else url


def _plan_page(request, plan: Plan, *, editor: Editor | None = None, notice: str = "", status: int = 200,
               push_url: str = "", show: str = ""):
    """The plan's page, with a goal or task form open (`editor`) or not. An HTMX request
    gets the page's body alone, scrolled to `show` (an element id) and its address set
    to `push_url`."""
    today = timezone.localdate()
    filters, rows = _plan_context(request, plan, today)
    query = filters.as_query()
    context = {
        "plan": plan, "goals": plan.goals.prefetch_related("measures__indicator").order_by("order"),
        "rows": rows, "filters": filters, "query": query, "query_string": urlencode(query),
        "counts": queries.status_counts(plan, today), "lead_units": queries.lead_units_of(plan),
        "statuses": TaskStatus.choices, "today": today, "may_manage": services.may_manage(request.user, plan),
        "editor": editor, "form": editor.form if editor else None, "notice": notice,
        "plan_url": _with_query(reverse("plans:plan", args=[plan.code]), request),
    }
    if not _htmx(request):
        return render(request, "plans/plan.html", context, status=status)
    # The filter form asks for the task table alone (its target), not the whole body.
    table_only = request.headers.get("HX-Target") == "tasks" and editor is None and not notice
    response = render(request, "plans/_tasks.html" if table_only else "plans/_plan_body.html", context,
                      status=status)
    if push_url:
        response["HX-Push-Url"] = push_url
    show = show or (editor.anchor if editor else "")
    if show and not table_only:
        response["HX-Reswap"] = f"outerHTML show:#{show}:top"
    return response


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan.objects.select_related("issuing_agency__unit"), code=code)


def plan_detail(request, code: str):
    if (login := _viewer(request)) is not None:
        return login
    return _plan_page(request, _plan(code))


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
        "may_manage": services.may_manage(request.user, task.plan),
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


# --- setting up a plan: the plan, its goals, its tasks (for those who manage it) ---------------

def _posted(request):
    """The data of a form post (even an empty one), None for a page asked for."""
    return request.POST if request.method == "POST" else None


def _managed_plan(request, code: str) -> Plan:
    plan = _plan(code)
    if not services.may_manage(request.user, plan):
        raise PermissionDenied(_("Only the leaders who manage this plan change it."))
    return plan


def _refused(form: django_forms.Form, error: Exception) -> int:
    """A service's refusal onto the form; the response's status."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You do not have permission to do this."))
        return 403
    put_errors(form, error)
    return 400


def _plan_form_page(request, form: PlanForm, plan: Plan | None, status: int = 200):
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan}, status=status)


def plan_new(request):
    if (login := _viewer(request)) is not None:
        return login
    agencies = issuing_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied(_("Plans are set up by the leaders of the People's Committees."))
    own = getattr(getattr(request.user, "official", None), "agency", None)
    home = next((a for a in (own, getattr(own, "parent", None)) if a is not None and agencies.filter(pk=a.pk).exists()),
                None)
    form = PlanForm(_posted(request), agencies=agencies,
                    initial={"issuing_agency": (home or agencies.first()).pk})
    if request.method != "POST":
        return _plan_form_page(request, form, None)
    if not form.is_valid():
        return _plan_form_page(request, form, None, status=400)
    try:
        plan = services.create_plan(actor=request.user, **form.create_arguments())
    except (PermissionDenied, ValidationError) as error:
        return _plan_form_page(request, form, None, status=_refused(form, error))
    messages.success(request, _("The plan has been created. Add its goals and tasks."))
    return redirect("plans:plan", code=plan.code)


def plan_edit(request, code: str):
    if (login := _viewer(request)) is not None:
        return login
    plan = _managed_plan(request, code)
    form = PlanForm(_posted(request), agencies=issuing_agencies(request.user, plan.issuing_agency), plan=plan)
    if request.method != "POST":
        return _plan_form_page(request, form, plan)
    if not form.is_valid():
        return _plan_form_page(request, form, plan, status=400)
    if form.check_stale():
        return _plan_form_page(request, form, plan, status=409)
    changes = form.changes()
    if changes:
        try:
            services.update_plan(plan_id=plan.pk, actor=request.user, **changes)
        except (PermissionDenied, ValidationError) as error:
            return _plan_form_page(request, form, plan, status=_refused(form, error))
    messages.success(request, _("The plan has been saved.") if changes else _("Nothing was changed."))
    return redirect("plans:plan", code=plan.code)


def _save(request, plan: Plan, editor: Editor, run, *, done: str):
    """Show the editor (GET), or post it: `run()` calls the service and returns what it
    saved, or None when there was nothing to change. Success goes back to the plan's
    page at what was saved; a refusal shows the form again with why."""
    if request.method != "POST":
        return _plan_page(request, plan, editor=editor)
    form = editor.form
    if not form.is_valid():
        return _plan_page(request, plan, editor=editor, status=400)
    if form.check_stale():  # someone else changed what this user changed
        return _plan_page(request, plan, editor=editor, status=409)
    try:
        saved = run()
    except (PermissionDenied, ValidationError) as error:
        return _plan_page(request, plan, editor=editor, status=_refused(form, error))
    notice = done if saved is not None else _("Nothing was changed.")
    saved = saved if saved is not None else editor.target
    anchor = f"{editor.kind}-{saved.order}"
    plan_url = _with_query(reverse("plans:plan", args=[plan.code]), request)
    if _htmx(request):
        return _plan_page(request, plan, notice=notice, push_url=plan_url, show=anchor)
    messages.success(request, notice)
    return redirect(f"{plan_url}#{anchor}")


def _editor_url(request, name: str, *args) -> str:
    return _with_query(reverse(f"plans:{name}", args=args), request)


@dataclass(frozen=True)
class Part:
    """A goal or a task of a plan: what its pages need to add, edit or delete one. The
    views below are declarations of which part and which step."""

    kind: str  # "goal" or "task": the form's id, the anchors, the addresses' names ("goal_new"…)
    of_plan: Callable[[Plan], QuerySet]  # the plan's goals or tasks
    prefetch: tuple[str, ...]  # what the edit form reads of one
    form: Callable[[Any, Plan, Any], django_forms.Form]  # (posted data, plan, the one edited or None)
    create: Callable[..., Any]  # the services, called with the plan's or the part's id
    update: Callable[..., Any]
    delete: Callable[..., Any]
    new_title: Promise  # translated when shown
    edit_title: Promise  # with %(n)s, its number
    added: Promise
    saved: Promise
    list_anchor: str  # where the plan's page lists them

    @property
    def id_argument(self) -> str:
        return f"{self.kind}_id"


GOAL = Part(
    kind="goal", of_plan=lambda plan: plan.goals, prefetch=("measures__indicator",),
    form=lambda data, plan, goal: GoalForm(data, goal=goal),
    create=services.create_goal, update=services.update_goal, delete=services.delete_goal,
    new_title=gettext_lazy("New goal"), edit_title=gettext_lazy("Edit goal %(n)s"),
    added=gettext_lazy("The goal has been added."), saved=gettext_lazy("The goal has been saved."),
    list_anchor="goals")
TASK = Part(
    kind="task", of_plan=lambda plan: plan.tasks, prefetch=("co_units", "indicators"),
    form=lambda data, plan, task: TaskForm(data, plan=plan, task=task),
    create=services.create_task, update=services.update_task, delete=services.delete_task,
    new_title=gettext_lazy("New task"), edit_title=gettext_lazy("Edit task %(n)s"),
    added=gettext_lazy("The task has been added."), saved=gettext_lazy("The task has been saved."),
    list_anchor="plan-tasks")


def _edit(request, code: str, part: Part, pk: int | None = None):
    """A new goal or task (`pk` None), or the one numbered `pk` edited, on the plan's page."""
    if (login := _viewer(request)) is not None:
        return login
    plan = _managed_plan(request, code)
    target = None if pk is None else get_object_or_404(part.of_plan(plan).prefetch_related(*part.prefetch), pk=pk)
    form = part.form(_posted(request), plan, target)
    if target is None:
        editor = Editor(part.kind, form, _editor_url(request, f"{part.kind}_new", plan.code), str(part.new_title))

        def run():
            return part.create(plan_id=plan.pk, actor=request.user, **form.create_arguments())

        return _save(request, plan, editor, run, done=str(part.added))

    editor = Editor(part.kind, form, _editor_url(request, f"{part.kind}_edit", plan.code, target.pk),
                    part.edit_title % {"n": target.order}, target)

    def run():
        changes = form.changes()
        if not changes:
            return None
        return part.update(**{part.id_argument: target.pk}, actor=request.user, **changes)

    return _save(request, plan, editor, run, done=str(part.saved))


def _removal_page(request, plan: Plan, part: Part, target, *, refusal: str = "", status: int = 200):
    context = {"plan": plan, "kind": part.kind, "target": target, "refusal": refusal,
               "plan_url": _with_query(reverse("plans:plan", args=[plan.code]), request)}
    if part is GOAL:
        context["measures"] = target.measures.select_related("indicator")
        context["goal_tasks"] = target.tasks.order_by("order")
    else:
        context["note_count"] = target.notes.count()
    return render(request, "plans/delete.html", context, status=status)


def _delete(request, code: str, part: Part, pk: int):
    """The confirmation of a goal's or a task's deletion (a page asked for), or the
    deletion itself (posted), which goes back to the plan's page with a message."""
    if (login := _viewer(request)) is not None:
        return login
    plan = _managed_plan(request, code)
    target = get_object_or_404(part.of_plan(plan), pk=pk)
    if request.method != "POST":
        refusal = services.goal_kept_for_tasks(target) if part is GOAL else ""
        return _removal_page(request, plan, part, target, refusal=refusal)
    try:
        part.delete(**{part.id_argument: target.pk}, actor=request.user)
    except ValidationError as error:  # a goal with tasks (409), or the service's other refusals
        status = 409 if isinstance(error, services.GoalHasTasks) else 400
        return _removal_page(request, plan, part, target, refusal=" ".join(error.messages), status=status)
    if part is GOAL:
        done = _("Goal %(n)s has been deleted.") % {"n": target.order}
    else:
        done = _("Task %(n)s “%(name)s” has been deleted.") % {"n": target.order, "name": target.name}
    messages.success(request, done)
    return redirect(f"{_with_query(reverse('plans:plan', args=[plan.code]), request)}#{part.list_anchor}")


def goal_new(request, code: str):
    return _edit(request, code, GOAL)


def goal_edit(request, code: str, goal_id: int):
    return _edit(request, code, GOAL, goal_id)


def goal_delete(request, code: str, goal_id: int):
    return _delete(request, code, GOAL, goal_id)


def task_new(request, code: str):
    return _edit(request, code, TASK)


def task_edit(request, code: str, task_id: int):
    return _edit(request, code, TASK, task_id)


def task_delete(request, code: str, task_id: int):
    return _delete(request, code, TASK, task_id)
