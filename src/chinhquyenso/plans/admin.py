"""Read-only admin: plans, goals, tasks and notes change only through plans.services
(which check the rights and write the audit log)."""

from django.contrib import admin

from chinhquyenso.core.admin import ReadOnlyAdmin

from .models import Goal, Plan, ProgressNote, Task


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "decision_number", "start_year", "end_year", "outlook_year",
                    "issuing_agency", "is_demo")
    list_filter = ("is_demo", "issuing_agency")
    list_select_related = ("issuing_agency",)
    search_fields = ("code", "name", "decision_number")


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ("plan", "order", "text", "target_text")
    list_filter = ("plan",)
    list_select_related = ("plan",)


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("plan", "order", "name", "lead_unit", "deadline", "status", "done_on")
    list_filter = ("plan", "status", "lead_unit")
    list_select_related = ("plan", "lead_unit")
    search_fields = ("name",)


@admin.register(ProgressNote)
class ProgressNoteAdmin(ReadOnlyAdmin):
    list_display = ("task", "day", "author", "new_status", "percent_complete")
    list_select_related = ("task", "author")
    date_hierarchy = "day"
