"""The catalogue of administrative procedures and their internal processes."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import Role

HOURS_PER_WORKING_DAY = Decimal(8)


class CompetentLevel(models.TextChoices):
    CITY = "city", _("City People's Committee")
    WARD = "ward", _("Ward / commune People's Committee")


class ServiceLevel(models.TextChoices):
    FULL_ONLINE = "full_online", _("Fully online")
    PARTIAL_ONLINE = "partial_online", _("Partly online")
    INFORMATION = "information", _("Information only")


class DurationUnit(models.TextChoices):
    DAYS = "days", _("working days")
    HOURS = "hours", _("working hours")


class CounterReset(models.TextChoices):
    DAILY = "daily", _("every day")
    MONTHLY = "monthly", _("every month")
    YEARLY = "yearly", _("every year")


class CounterScope(models.TextChoices):
    AGENCY = "agency", _("per receiving agency")
    PROCEDURE = "procedure", _("per agency and procedure")


DEFAULT_DOSSIER_CODE_PATTERN = "{agency}-{yymmdd}-{seq:04d}"


class Field(models.Model):
    """A field of administration (lĩnh vực), e.g. Hộ tịch."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    search_name = models.CharField(max_length=200, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = normalize_vi(self.name)
        super().save(*args, **kwargs)


class Procedure(models.Model):
    code = models.CharField(_("national code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=400)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="procedures",
                              verbose_name=_("field"))
    level = models.CharField(_("competent level"), max_length=10, choices=CompetentLevel.choices)
    service_level = models.CharField(_("service level"), max_length=20,
                                     choices=ServiceLevel.choices)
    duration = models.DecimalField(_("processing time"), max_digits=6, decimal_places=1)
    duration_unit = models.CharField(_("time unit"), max_length=5, choices=DurationUnit.choices)
    fees = models.JSONField(_("fees"), default=list, blank=True,
                            help_text=_('[{"name": "...", "amount": 0, "note": "..."}], amounts in VND'))
    form = models.JSONField(_("form"), default=list, blank=True,
                            help_text=_("The fields a citizen fills in"))
    result = models.CharField(_("result"), max_length=400)
    legal_basis = models.JSONField(_("legal basis"), default=list, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    eid_level_required = models.PositiveSmallIntegerField(
        _("e-ID level required"), choices=[(1, _("Level 1")), (2, _("Level 2"))], default=1,
        help_text=_("The electronic identification level a citizen must log in with to submit"))
    dossier_code_pattern = models.CharField(
        _("dossier code pattern"), max_length=100, default=DEFAULT_DOSSIER_CODE_PATTERN,
        help_text=_("Placeholders: {agency} {procedure} {yyyy} {yy} {mm} {dd} {yymmdd} {seq:04d}"))
    code_counter_reset = models.CharField(_("sequence restarts"), max_length=10,
                                          choices=CounterReset.choices, default=CounterReset.DAILY)
    code_counter_scope = models.CharField(_("sequence counted"), max_length=10,
                                          choices=CounterScope.choices, default=CounterScope.AGENCY)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["field__name", "name"]
        verbose_name = _("administrative procedure")
        verbose_name_plural = _("administrative procedures")
        indexes = [models.Index(fields=["level", "service_level"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = normalize_vi(f"{self.code} {self.name}")
        super().save(*args, **kwargs)

    @property
    def duration_hours(self) -> Decimal:
        if self.duration_unit == DurationUnit.DAYS:
            return self.duration * HOURS_PER_WORKING_DAY
        return self.duration

    @property
    def total_fee(self) -> int:
        return sum(int(fee.get("amount", 0)) for fee in self.fees)


class Component(models.Model):
    """A required dossier component (thành phần hồ sơ)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=400)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    file_types = models.JSONField(_("accepted file types"), default=list)
    template = models.CharField(_("template"), max_length=300, blank=True)

    class Meta:
        ordering = ["procedure", "order"]
        verbose_name = _("dossier component")
        verbose_name_plural = _("dossier components")
        constraints = [models.UniqueConstraint(fields=["procedure", "order"],
                                               name="procedures_component_order")]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """One step of a procedure's internal process: who acts, where, and for how long."""

    RECEIVING = "receiving"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=300)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    at = models.CharField(_("acting unit"), max_length=20, default=RECEIVING,
                          help_text=_('"receiving" (the agency that receives the dossier) or an '
                                      "office abbreviation of the city People's Committee"))
    hours = models.DecimalField(_("allotted working hours"), max_digits=6, decimal_places=1)

    class Meta:
        ordering = ["procedure", "order"]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        constraints = [models.UniqueConstraint(fields=["procedure", "order"],
                                               name="procedures_step_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"
