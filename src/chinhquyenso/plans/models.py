"""Plans of the digital transformation programme (đề án, kế hoạch): a plan has goals and
tasks; each task has a lead unit, co-operating units, a deadline, a status, progress
notes and the indicators that measure it.

Lateness is never stored: a task is late on a given day when its deadline has passed
and it is neither done nor cancelled (``late_q`` for the database, ``Task.days_late``
for one task; the two say the same thing, and pages, exports and the API use them).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.models import Agency


class Plan(models.Model):
    """A plan or scheme adopted by a decision of a People's Committee, for a period of
    years, sometimes with an outlook beyond it ("đến năm 2025, định hướng đến năm 2030")."""

    code = models.SlugField(_("code"), max_length=64, unique=True,
                            help_text=_("Short identifier used in addresses, e.g. de-an-cqdt-2021-2025"))
    name = models.CharField(_("name"), max_length=500)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True,
                                       help_text=_("The decision that adopts the plan, e.g. 1234/QĐ-UBND"))
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    outlook_year = models.PositiveSmallIntegerField(_("outlook to"), null=True, blank=True,
                                                    help_text=_("The year of the plan's outlook, if any"))
    issuing_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="plans",
                                       verbose_name=_("issuing agency"))
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-start_year", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")),
                                   name="plans_plan_period"),
            models.CheckConstraint(condition=Q(outlook_year__isnull=True)
                                   | Q(outlook_year__gte=models.F("end_year")),
                                   name="plans_plan_outlook_after_period"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def last_year(self) -> int:
        """The last year a task of the plan may be due: the outlook's, if any."""
        return self.outlook_year or self.end_year


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals",
                             verbose_name=_("plan"))
    order = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("goal"))
    target_text = models.CharField(_("target"), max_length=500, blank=True,
                                   help_text=_('What is to be reached, in words, e.g. "100% by 2025"'))
    indicators = models.ManyToManyField(Indicator, through="GoalIndicator", related_name="plan_goals",
                                        blank=True, verbose_name=_("indicators"))

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="plans_goal_order_once")]

    def __str__(self) -> str:
        return f"{self.order}. {self.text[:120]}"


class GoalIndicator(models.Model):
    """An indicator that measures a goal, with the value the goal aims at (optional)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("indicator"))
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2,
                                       null=True, blank=True)

    class Meta:
        ordering = ["goal", "indicator__order"]
        verbose_name = _("indicator of a goal")
        verbose_name_plural = _("indicators of goals")
        constraints = [models.UniqueConstraint(fields=["goal", "indicator"], name="plans_goal_indicator_once")]

    def __str__(self) -> str:
        return f"{self.goal} · {self.indicator.code}"


class TaskStatus(models.TextChoices):
    # With a context: "Done" for a task of a plan is not "Done" for a dossier.
    NOT_STARTED = "not_started", pgettext_lazy("plan task status", "Not started")
    IN_PROGRESS = "in_progress", pgettext_lazy("plan task status", "In progress")
    DONE = "done", pgettext_lazy("plan task status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("plan task status", "Cancelled")


# A task in one of these states is never late, whatever its deadline.
CLOSED_STATUSES = (TaskStatus.DONE, TaskStatus.CANCELLED)


def late_q(today: date, prefix: str = "") -> Q:
    """Tasks late on `today`: the deadline has passed and the task is still open.
    `prefix` reaches tasks through a relation ("tasks__")."""
    return Q(**{f"{prefix}deadline__lt": today}) & ~Q(**{f"{prefix}status__in": CLOSED_STATUSES})


class Task(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks",
                             verbose_name=_("goal"))
    order = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("task"), max_length=500)
    lead_unit = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="led_plan_tasks",
                                  verbose_name=_("lead unit"))
    co_units = models.ManyToManyField(Agency, related_name="co_plan_tasks", blank=True,
                                      verbose_name=_("co-operating units"))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True,
                                help_text=_("Empty for a recurring task without a deadline"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices,
                              default=TaskStatus.NOT_STARTED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    indicators = models.ManyToManyField(Indicator, related_name="plan_tasks", blank=True,
                                        verbose_name=_("indicators"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="plans_task_order_once"),
            models.CheckConstraint(condition=(Q(status=TaskStatus.DONE) & Q(done_on__isnull=False))
                                   | (~Q(status=TaskStatus.DONE) & Q(done_on__isnull=True)),
                                   name="plans_task_done_date_iff_done"),
            models.CheckConstraint(condition=Q(start_date__isnull=True) | Q(deadline__isnull=True)
                                   | Q(deadline__gte=models.F("start_date")),
                                   name="plans_task_deadline_after_start"),
        ]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["lead_unit", "status"])]

    def __str__(self) -> str:
        return f"{self.order}. {self.name[:120]}"

    def days_late(self, today: date) -> int:
        """Days past the deadline on `today` (0 when not late): the rule of ``late_q``."""
        if self.deadline is None or self.status in CLOSED_STATUSES or self.deadline >= today:
            return 0
        return (today - self.deadline).days

    def is_late(self, today: date) -> bool:
        return self.days_late(today) > 0


class ProgressNote(models.Model):
    """What the lead unit reports on a task: a note, optionally the share done so far.
    A status change is kept here too (``new_status``), so the task's history reads in
    one place."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="notes", verbose_name=_("task"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    day = models.DateField(_("date"))
    text = models.TextField(_("note"), blank=True)
    percent_complete = models.PositiveSmallIntegerField(_("percent complete"), null=True, blank=True)
    new_status = models.CharField(_("new status"), max_length=12, choices=TaskStatus.choices, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["task", "-day", "-pk"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        constraints = [
            models.CheckConstraint(condition=Q(percent_complete__isnull=True) | Q(percent_complete__lte=100),
                                   name="plans_note_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.task.order} {self.day:%d/%m/%Y}"
