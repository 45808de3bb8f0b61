"""Read-only admin: teams, members, trainings and activities change only through
community.services (which check the rights and write the audit log). Phone numbers are
shown masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chinhquyenso.core.admin import ReadOnlyAdmin
from chinhquyenso.core.masking import mask_phone

from .models import Activity, Member, Team, Training


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "group", "ward", "decision_number", "decision_date", "is_active")
    list_filter = ("is_active", "group__parent")
    list_select_related = ("group__parent",)
    search_fields = ("name", "group__name", "group__code", "decision_number")

    @admin.display(description=_("ward / commune"), ordering="group__parent__code")
    def ward(self, obj: Team):
        return obj.group.parent


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "team", "role", "organisation", "masked_phone", "user",
                    "is_active", "joined_on")
    list_filter = ("role", "is_active", "organisation", "team__group__parent")
    list_select_related = ("team", "user")
    search_fields = ("full_name", "team__name", "organisation")
    fields = ("team", "full_name", "masked_phone", "role", "organisation", "skills", "user",
              "is_active", "joined_on")
    readonly_fields = fields

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Member) -> str:
        return mask_phone(obj.phone)


@admin.register(Training)
class TrainingAdmin(ReadOnlyAdmin):
    list_display = ("member", "course", "completed_on", "certificate")
    list_select_related = ("member",)
    search_fields = ("member__full_name", "course", "certificate")
    date_hierarchy = "completed_on"


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("day", "team", "member", "category", "people_reached", "status",
                    "reviewed_by", "dossier")
    list_filter = ("status", "category", "team__group__parent")
    list_select_related = ("team", "member", "reviewed_by", "dossier")
    search_fields = ("team__name", "member__full_name", "place", "note", "dossier__code")
    date_hierarchy = "day"
    show_full_result_count = False
