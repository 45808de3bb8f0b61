"""Read-only admin: indicators, targets and reported values change only through
indicators.services (which write the audit log)."""

from django.contrib import admin

from chinhquyenso.core.admin import ReadOnlyAdmin

from .models import Indicator, IndicatorValue, Target


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "unit", "source", "is_published")
    list_filter = ("source", "is_published")
    search_fields = ("code", "name")


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "year", "unit", "value", "basis")
    list_filter = ("year", "indicator")
    list_select_related = ("indicator", "unit")


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "unit", "period_type", "period_start", "value", "numerator",
                    "denominator", "reported_by", "reported_at", "superseded_by")
    list_filter = ("indicator", "period_type")
    list_select_related = ("indicator", "unit", "reported_by")
