from django.contrib import admin

from .models import AdministrativeUnit, Agency, CalendarDay, Official, RoleAssignment


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit_type", "level", "parent", "valid_from", "valid_to")
    list_filter = ("level", "unit_type")
    search_fields = ("code", "name", "search_name")
    readonly_fields = [f.name for f in AdministrativeUnit._meta.fields] + ["search_name"]

    def has_add_permission(self, request):
        return False  # units change through services, which write the audit log

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "abbreviation", "kind", "unit")
    search_fields = ("code", "name")
    readonly_fields = ("code", "name", "abbreviation", "kind", "unit", "parent", "office_hours",
                       "is_active")

    def has_add_permission(self, request):
        return False


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    can_delete = False
    readonly_fields = ("role", "unit")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("full_name", "title", "agency", "user")
    search_fields = ("full_name", "user__username")
    readonly_fields = ("user", "agency", "full_name", "title")
    inlines = [RoleInline]

    def has_add_permission(self, request):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "agency", "note")
    readonly_fields = ("day", "kind", "agency", "note")

    def has_add_permission(self, request):
        return False
