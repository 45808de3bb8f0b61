"""Indicators (DHIS2-like): an indicator is numerator / denominator × factor, computed
from the platform's own records or reported by a unit for a period; targets per year,
national (no unit) or for one unit. Reported values are never changed in place: a
correction is a new row, and the old one points to it (`superseded_by`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import AdministrativeUnit, UnitLevel


class Source(models.TextChoices):
    COMPUTED = "computed", _("Computed from the platform's records")
    REPORTED = "reported", _("Reported by a unit")


class PeriodType(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class Group(models.TextChoices):
    """Where an indicator is shown: the dashboards list indicators group by group."""

    SERVICES = "services", _("Online public services")
    SERVICE_INDEX = "index766", _("Service index (Decision 766)")
    DOCUMENTS = "documents", _("Official documents")
    COMMUNITY = "community", _("Community digital technology teams")
    EID = "eid", _("Electronic identification")
    SOCIETY = "society", _("Digital infrastructure and society")
    OFFICIALS = "officials", _("Officials and offices")


class Indicator(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=250)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit of measure"), max_length=30, help_text=_('e.g. "%" or "hồ sơ"'))
    factor = models.PositiveIntegerField(_("factor"), default=100, help_text=_("100 for a percentage"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    is_published = models.BooleanField(_("published"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    group = models.CharField(_("group"), max_length=12, choices=Group.choices, default=Group.SERVICES)
    # A reported indicator may be broken down (DHIS2's disaggregation): e.g. broadband
    # subscriptions per provider. Each option is reported as its own numerator over the
    # same denominator; the indicator's value is their sum over it.
    breakdown_label = models.CharField(_("broken down by"), max_length=60, blank=True,
                                       help_text=_('e.g. "Nhà mạng"'))
    breakdown_options = models.JSONField(_("breakdown options"), default=list, blank=True,
                                         help_text=_('e.g. ["Viettel", "VNPT"]'))

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
    # A national target may differ by level (e.g. work records handled online: province
    # 90%, district 80%, commune 60%): with `level` and no unit, it applies to every unit
    # of that level.
    level = models.PositiveSmallIntegerField(_("administrative level"), choices=UnitLevel.choices,
                                             null=True, blank=True)
    basis = models.CharField(_("basis"), max_length=200, blank=True,
                             help_text=_("e.g. the decision that sets the target"))

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "unit"], name="indicators_target_once"),
            models.UniqueConstraint(fields=["indicator", "year"],
                                    condition=Q(unit__isnull=True, level__isnull=True),
                                    name="indicators_target_once_for_all"),
            models.UniqueConstraint(fields=["indicator", "year", "level"],
                                    condition=Q(unit__isnull=True, level__isnull=False),
                                    name="indicators_target_once_per_level"),
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
    breakdown = models.CharField(_("breakdown option"), max_length=60, blank=True,
                                 help_text=_("Empty: the value of the whole indicator"))
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
        option = f" [{self.breakdown}]" if self.breakdown else ""
        return f"{self.indicator.code}{option} {self.unit} {self.period_start}: {self.value}"


class Legend(models.Model):
    """One band of an indicator's legend (DHIS2's legend): a value from `start`
    (inclusive) up to `end` (exclusive; empty = no upper bound) is shown in `colour`.
    An indicator without bands is shown without colour."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="legends",
                                  verbose_name=_("indicator"))
    start = models.DecimalField(_("from"), max_digits=14, decimal_places=2)
    end = models.DecimalField(_("up to"), max_digits=14, decimal_places=2, null=True, blank=True,
                              help_text=_("Empty: no upper bound"))
    colour = models.CharField(_("colour"), max_length=7, help_text=_('e.g. "#1b6e3a"'))
    label = models.CharField(_("label"), max_length=60)

    class Meta:
        ordering = ["indicator", "start"]
        verbose_name = _("legend band")
        verbose_name_plural = _("legend bands")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "start"], name="indicators_legend_band_once"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                                   name="indicators_legend_band_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.start}–{self.end or ''}: {self.label}"

    def holds(self, value) -> bool:
        return value >= self.start and (self.end is None or value < self.end)


class Metric(models.IntegerChoices):
    """What the aggregates count about dossiers, each on its own day: the day the
    dossier was received, finished, or rated (local time). "Fully online": received
    online for a procedure whose service level is full-online; "with a community
    team's help": submitted online by a member of a team on the citizen's behalf; "paid
    online": through any payment provider other than the one-stop counter."""

    RECEIVED = 1, _("Dossiers received")
    RECEIVED_ONLINE = 2, _("Dossiers received online")
    RECEIVED_POPULATION_DATA = 3, _("Dossiers received using population data")
    FINISHED = 4, _("Dossiers finished")
    FINISHED_LATE = 5, _("Dossiers finished late")
    FINISHED_ELECTRONIC = 6, _("Dossiers finished with an electronic result")
    RATED = 7, _("Ratings")
    RATED_SATISFIED = 8, _("Satisfied ratings")
    RECEIVED_FULL_ONLINE_ELIGIBLE = 9, _("Dossiers received for full-online procedures")
    RECEIVED_FULLY_ONLINE = 10, _("Dossiers received fully online")
    RECEIVED_DIGITISED = 11, _("Dossiers received with digitised components")
    RECEIVED_REUSED = 12, _("Dossiers received reusing earlier components")
    RECEIVED_EID = 13, _("Dossiers received after an e-ID login")
    RECEIVED_COMMUNITY = 14, _("Dossiers received with a community team's help")
    FINISHED_WITH_FEE = 15, _("Dossiers finished with a fee")
    FINISHED_PAID_ONLINE = 16, _("Dossiers finished with the fee paid online")


def _tally_link(model, related_name="+"):
    # Aggregates are derived data: no database constraint ties them to the rows they
    # count, so rebuilding them never waits on (or blocks) the referenced tables.
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name=related_name)


class DailyTally(models.Model):
    """How many dossiers of one agency (in the lowest unit it belongs to) and one
    procedure counted for a metric on a day. Kept current by
    `aggregates.on_dossier_change`; `aggregates.rebuild_aggregates` rebuilds it."""

    day = models.DateField()
    unit = _tally_link(AdministrativeUnit)
    agency = _tally_link("org.Agency")
    procedure = _tally_link("procedures.Procedure")
    metric = models.PositiveSmallIntegerField(choices=Metric.choices)
    total = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily tally")
        verbose_name_plural = _("daily tallies")
        constraints = [models.UniqueConstraint(fields=["unit", "day", "procedure", "agency", "metric"],
                                               name="indicators_daily_tally_cell")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_metric_display()}: {self.total}"


class MonthlyTally(models.Model):
    """The daily tallies of a month per unit and procedure (agencies summed): what the
    per-procedure drill-down reads."""

    month = models.DateField()  # first day of the month
    unit = _tally_link(AdministrativeUnit)
    procedure = _tally_link("procedures.Procedure")
    metric = models.PositiveSmallIntegerField(choices=Metric.choices)
    total = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly tally")
        verbose_name_plural = _("monthly tallies")
        constraints = [models.UniqueConstraint(fields=["unit", "month", "procedure", "metric"],
                                               name="indicators_monthly_tally_cell")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.get_metric_display()}: {self.total}"


class MonthlyUnitTally(models.Model):
    """The daily tallies of a month per unit (procedures and agencies summed): what the
    city and ward dashboards and the indicators' values read, a few rows per unit."""

    month = models.DateField()  # first day of the month
    unit = _tally_link(AdministrativeUnit)
    metric = models.PositiveSmallIntegerField(choices=Metric.choices)
    total = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly unit tally")
        verbose_name_plural = _("monthly unit tallies")
        constraints = [models.UniqueConstraint(fields=["unit", "month", "metric"],
                                               name="indicators_monthly_unit_tally_cell")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.get_metric_display()}: {self.total}"


class RecordSource(models.IntegerChoices):
    """The records other than dossiers whose counts the dashboards read (measures.py)."""

    OUTGOING = 1, _("Outgoing documents")
    INCOMING = 2, _("Incoming documents")
    ACTIVITIES = 3, _("Community activities")
    COMPLAINTS = 4, _("Complaints")


class RecordTally(models.Model):
    """How many records of a source counted for `key` in a unit and a local month: e.g.
    (outgoing, "issued"), (incoming, "completed_on_time"), (activities, "people") — and
    (activities, "member:<id>") for the members active that month, so that a member
    active in several months counts once. Kept current by the services that change the
    records (`record_tallies.on_change`); `record_tallies.rebuild` rebuilds it."""

    month = models.DateField()  # first day of the month
    unit = _tally_link(AdministrativeUnit)
    source = models.PositiveSmallIntegerField(choices=RecordSource.choices)
    key = models.CharField(max_length=40)
    total = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("record tally")
        verbose_name_plural = _("record tallies")
        constraints = [models.UniqueConstraint(fields=["unit", "month", "source", "key"],
                                               name="indicators_record_tally_cell")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.get_source_display()} {self.key}: {self.total}"
