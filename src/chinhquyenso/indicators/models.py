"""Indicators (DHIS2-like): an indicator is numerator / denominator × factor, computed
from the platform's own records or reported by a unit for a period; targets per year,
national (no unit) or for one unit. Reported values are never changed in place: a
correction is a new row, and the old one points to it (`superseded_by`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import AdministrativeUnit


class Source(models.TextChoices):
    COMPUTED = "computed", _("Computed from the platform's records")
    REPORTED = "reported", _("Reported by a unit")


class PeriodType(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class Indicator(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=250)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit of measure"), max_length=30, help_text=_('e.g. "%" or "hồ sơ"'))
    factor = models.PositiveIntegerField(_("factor"), default=100, help_text=_("100 for a percentage"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    is_published = models.BooleanField(_("published"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """The value an indicator should reach in a year: for every unit (`unit` empty,
    e.g. a national target) or for one unit, which then takes precedence."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets",
                                  verbose_name=_("indicator"))
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("administrative unit"),
                             help_text=_("Empty: the target applies to every unit"))
    basis = models.CharField(_("basis"), max_length=200, blank=True,
                             help_text=_("e.g. the decision that sets the target"))

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "unit"], name="indicators_target_once"),
            models.UniqueConstraint(fields=["indicator", "year"], condition=Q(unit__isnull=True),
                                    name="indicators_target_once_for_all"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class IndicatorValue(models.Model):
    """A value of a reported indicator, for one unit and one period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values",
                                  verbose_name=_("indicator"))
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("administrative unit"))
    period_type = models.CharField(_("period type"), max_length=8, choices=PeriodType.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=2)
    denominator = models.DecimalField(_("denominator"), max_digits=18, decimal_places=2,
                                      null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reported by"))
    reported_at = models.DateTimeField(_("reported at"))
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="corrects", verbose_name=_("corrected by"))

    class Meta:
        ordering = ["indicator", "unit", "period_start", "reported_at", "pk"]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        indexes = [models.Index(fields=["indicator", "unit", "period_type", "period_start"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit} {self.period_start}: {self.value}"
