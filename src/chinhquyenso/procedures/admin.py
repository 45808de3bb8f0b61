from django.contrib import admin

from .models import Component, Procedure, ProcessStep


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


class StepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    """Read-only view: procedures change through save_procedure(), which checks the
    process and writes the audit log."""

    list_display = ("code", "name", "field", "level", "service_level", "duration", "duration_unit")
    list_filter = ("level", "service_level", "field")
    search_fields = ("code", "name", "search_text")
    inlines = [ComponentInline, StepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

