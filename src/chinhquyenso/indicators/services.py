"""Changes to indicators: the catalogue, reported values (corrections keep the history),
targets and publication. Each change is one transaction with its audit entry."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyenso.core.services import record_audit

from . import catalogue
from .computation import Period, parse_period, ratio
from .models import Indicator, IndicatorValue, Legend, Source, Target


def load_catalogue(*, indicator_model=None, target_model=None, legend_model=None) -> None:
    """Create the shipped indicators, national targets and legends; idempotent. Names and
    definitions are refreshed; publication, existing target values and existing legends
    are left alone. The models can be given (a data migration passes its historical
    models; without `legend_model` there, legends are not loaded)."""
    historical = indicator_model is not None
    indicator_model = indicator_model or Indicator
    target_model = target_model or Target
    legend_model = legend_model or (None if historical else Legend)
    for order, spec in enumerate(catalogue.INDICATORS):
        indicator, created = indicator_model.objects.get_or_create(
            code=spec["code"],
            defaults={"name": spec["name"], "definition": spec["definition"], "unit": spec["unit"],
                      "factor": spec["factor"], "source": spec["source"],
                      "is_published": spec["published"], "order": order})
        if not created:
            for field in ("name", "definition", "unit", "factor", "source"):
                setattr(indicator, field, spec[field])
            indicator.order = order
            indicator.save()
    for code, year, value, basis in catalogue.TARGETS:
        target_model.objects.get_or_create(
            indicator=indicator_model.objects.get(code=code), year=year, unit=None,
            defaults={"value": value, "basis": basis})
    if legend_model is None:
        return
    for code, bands in catalogue.LEGENDS.items():
        indicator = indicator_model.objects.get(code=code)
        if not legend_model.objects.filter(indicator=indicator).exists():
            legend_model.objects.bulk_create(
                [legend_model(indicator=indicator, start=start, end=end, colour=colour, label=label)
                 for start, end, colour, label in bands])


def _number(value, field: str, *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise ValidationError({field: [_("Enter a number greater than zero.") if positive
                                       else _("Enter a number that is not negative.")]})
    return number


def report_value(*, indicator: Indicator, unit, period: str | Period, numerator, denominator,
                 actor) -> IndicatorValue:
    """Record the value of a reported indicator for a unit and a period. Reporting again
    for the same unit and period is a correction: a new row, the old one superseded."""
    if indicator.source != Source.REPORTED:
        raise ValidationError(_("This indicator is computed by the platform; it cannot be reported."))
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("A reported value needs the official who reports it."))
    period = parse_period(period) if isinstance(period, str) else period
    numerator = _number(numerator, "numerator")
    if indicator.factor == 1 and denominator in (None, ""):
        denominator, value = None, numerator
    else:
        denominator = _number(denominator, "denominator", positive=True)
        if indicator.factor == 100 and numerator > denominator:
            raise ValidationError({"numerator": [_("The numerator cannot exceed the denominator.")]})
        value = ratio(numerator, denominator, indicator.factor)
    with transaction.atomic():
        Indicator.objects.select_for_update().get(pk=indicator.pk)  # one report at a time
        previous = (IndicatorValue.objects.select_for_update()
                    .filter(indicator=indicator, unit=unit, period_type=period.type,
                            period_start=period.start, period_end=period.end,
                            superseded_by__isnull=True).order_by("-reported_at", "-pk").first())
        row = IndicatorValue.objects.create(
            indicator=indicator, unit=unit, period_type=period.type, period_start=period.start,
            period_end=period.end, numerator=numerator, denominator=denominator, value=value,
            reported_by=actor, reported_at=timezone.now())
        before = None
        if previous is not None:
            previous.superseded_by = row
            previous.save(update_fields=["superseded_by"])
            before = {"value": str(previous.value), "numerator": str(previous.numerator),
                      "denominator": None if previous.denominator is None else str(previous.denominator)}
        record_audit(actor=actor, action="indicator.correct" if previous else "indicator.report",
                     obj=row, before=before,
                     after={"indicator": indicator.code, "unit": unit.code, "period": period.label,
                            "value": str(value), "numerator": str(numerator),
                            "denominator": None if denominator is None else str(denominator)})
    return row


def set_target(*, indicator: Indicator, year: int, value, actor, unit=None, basis: str = "") -> Target:
    """Set (or change) the target of an indicator for a year, for every unit or one unit."""
    value = _number(value, "value")
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(indicator=indicator, year=year, unit=unit).first()
        before = None if target is None else {"value": str(target.value)}
        if target is None:
            target = Target(indicator=indicator, year=year, unit=unit)
        target.value, target.basis = value, basis or target.basis
        target.save()
        record_audit(actor=actor, action="indicator.set_target", obj=target, before=before,
                     after={"indicator": indicator.code, "year": year, "value": str(value),
                            "unit": unit.code if unit else None})
    return target


def publish(indicator: Indicator, actor, *, published: bool = True) -> Indicator:
    """Show (or hide, with published=False) the indicator in the public API."""
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = {"is_published": indicator.is_published}
        indicator.is_published = published
        indicator.save(update_fields=["is_published"])
        record_audit(actor=actor, action="indicator.publish" if published else "indicator.unpublish",
                     obj=indicator, before=before, after={"is_published": published})
    return indicator
