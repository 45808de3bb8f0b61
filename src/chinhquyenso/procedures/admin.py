from django.contrib import admin

from chinhquyenso.core.admin import ReadOnlyAdmin

from .models import Component, Procedure, ProcessStep


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


class StepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdmin):
    """Read-only view: procedures change through save_procedure(), which checks the
    process and writes the audit log."""

    list_display = ("code", "name", "field", "level", "service_level", "duration", "duration_unit")
    list_filter = ("level", "service_level", "field")
    search_fields = ("code", "name", "search_text")
    inlines = [ComponentInline, StepInline]

