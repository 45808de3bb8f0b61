"""Read-only admin: citizens change only through identity.services (which write the
audit log), and the admin shows identification and phone numbers masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chinhquyenso.core.admin import ReadOnlyAdmin
from chinhquyenso.core.text import normalize_vi

from .idnumbers import normalize_id_number
from .models import Citizen, CitizenRecordView


@admin.register(Citizen)
class CitizenAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "masked_number", "birth_date", "sex", "ward", "eid_level")
    list_filter = ("eid_level", "sex", "ward")
    list_select_related = ("ward",)
    # Search by name without accents, or by the exact full number (never shown back).
    search_fields = ("search_name", "=id_number")
    show_full_result_count = False
    fields = ("full_name", "masked_number", "birth_date", "sex", "address",
              "residential_group", "ward", "masked_phone_number", "email", "eid_level",
              "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description=_("personal identification number"))
    def masked_number(self, obj: Citizen) -> str:
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def masked_phone_number(self, obj: Citizen) -> str:
        return obj.masked_phone

    def get_search_results(self, request, queryset, search_term):
        digits = normalize_id_number(search_term)
        if digits.isdigit():
            return queryset.filter(id_number=digits), False
        return super().get_search_results(request, queryset, normalize_vi(search_term))


@admin.register(CitizenRecordView)
class CitizenRecordViewAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "object_repr", "purpose")
    list_filter = ("actor_label",)
    search_fields = ("object_repr", "actor_label")
    fields = ("at", "actor_label", "object_repr", "object_id", "purpose")
    readonly_fields = fields

    @admin.display(description=_("purpose"))
    def purpose(self, obj: CitizenRecordView) -> str:
        return obj.purpose
