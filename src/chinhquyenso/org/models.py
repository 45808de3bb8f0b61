"""Administrative units (dated, with successors), agencies, officials and roles."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chinhquyenso.core.text import normalize_vi


class UnitLevel(models.IntegerChoices):
    PROVINCE = 1, _("province")
    DISTRICT = 2, _("district / city")
    WARD = 3, _("ward / commune")
    GROUP = 4, _("residential group / village")


class UnitType(models.TextChoices):
    PROVINCE = "tinh", _("Province")
    CENTRAL_CITY = "thanh_pho_tw", _("Centrally-run city")
    CITY = "thanh_pho", _("Provincial city")
    TOWN = "thi_xa", _("Town")
    URBAN_DISTRICT = "quan", _("Urban district")
    RURAL_DISTRICT = "huyen", _("Rural district")
    WARD = "phuong", _("Ward")
    COMMUNE = "xa", _("Commune")
    TOWNLET = "thi_tran", _("Township")
    SPECIAL_ZONE = "dac_khu", _("Special zone")
    RESIDENTIAL_GROUP = "to_dan_pho", _("Residential group")
    VILLAGE = "thon", _("Village")


LEVEL_OF_TYPE = {
    UnitType.PROVINCE: UnitLevel.PROVINCE,
    UnitType.CENTRAL_CITY: UnitLevel.PROVINCE,
    UnitType.CITY: UnitLevel.DISTRICT,
    UnitType.TOWN: UnitLevel.DISTRICT,
    UnitType.URBAN_DISTRICT: UnitLevel.DISTRICT,
    UnitType.RURAL_DISTRICT: UnitLevel.DISTRICT,
    UnitType.WARD: UnitLevel.WARD,
    UnitType.COMMUNE: UnitLevel.WARD,
    UnitType.TOWNLET: UnitLevel.WARD,
    UnitType.SPECIAL_ZONE: UnitLevel.WARD,
    UnitType.RESIDENTIAL_GROUP: UnitLevel.GROUP,
    UnitType.VILLAGE: UnitLevel.GROUP,
}


class AdministrativeUnitQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> AdministrativeUnitQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def current(self) -> AdministrativeUnitQuerySet:
        return self.filter(valid_to__isnull=True)


class AdministrativeUnit(models.Model):
    """A province, district/city, ward/commune or residential group as it existed
    between `valid_from` and `valid_to` (open-ended when still in force). A code may
    be reused by a later unit (Phường Vĩnh Yên took 8707 from Phường Tích Sơn), so a
    code is unique only among the units of one level in force at the same time."""

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(_("type"), max_length=20, choices=UnitType.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent unit"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self", through="UnitSuccession", symmetrical=False, related_name="predecessors",
        blank=True, verbose_name=_("successors"),
    )
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        constraints = [
            models.UniqueConstraint(fields=["level", "code", "valid_from"],
                                    name="org_unit_code_per_period"),
            models.UniqueConstraint(fields=["level", "code"], condition=Q(valid_to__isnull=True),
                                    name="org_unit_one_current_per_code"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="org_unit_valid_period"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = normalize_vi(self.name)
        if not self.level:
            self.level = LEVEL_OF_TYPE[UnitType(self.unit_type)]
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.valid_from and self.code and self.level:
            clash = AdministrativeUnit.objects.filter(level=self.level, code=self.code).exclude(pk=self.pk)
            clash = clash.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
            if self.valid_to is not None:
                clash = clash.filter(valid_from__lte=self.valid_to)
            if clash.exists():
                raise ValidationError(
                    _("Another unit of this level has the code %(code)s in the same period.")
                    % {"code": self.code})

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def ancestors(self) -> list[AdministrativeUnit]:
        """Parents from the nearest up to the province."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class UnitSuccession(models.Model):
    """`predecessor` was merged or renamed into `successor` on `effective_on`."""

    predecessor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE,
                                    related_name="succession_out")
    successor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE,
                                  related_name="succession_in")
    effective_on = models.DateField(_("effective on"))
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="org_succession_once"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")),
                                   name="org_succession_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class AgencyKind(models.TextChoices):
    PEOPLES_COMMITTEE = "ubnd", _("People's Committee")
    OFFICE = "phong", _("Specialised office")
    ONE_STOP = "mot_cua", _("One-stop section")
    OTHER = "khac", _("Other agency")


class Agency(models.Model):
    """A state agency attached to an administrative unit, e.g. the People's Committee
    of a ward or an office of the city People's Committee."""

    code = models.CharField(_("agency code"), max_length=32, unique=True,
                            help_text=_("Organ identifier used in document exchange, e.g. 000.01.01.H08"))
    name = models.CharField(_("name"), max_length=250)
    abbreviation = models.CharField(_("abbreviation"), max_length=32,
                                    help_text=_("Used in document notations, e.g. UBND, VP, TP"))
    kind = models.CharField(_("kind"), max_length=10, choices=AgencyKind.choices)
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="agencies",
                             verbose_name=_("administrative unit"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="sub_agencies", verbose_name=_("parent agency"))
    office_hours = models.JSONField(
        _("office hours"), null=True, blank=True,
        help_text=_('Per weekday (0 = Monday): [["07:30", "11:30"], ["13:00", "17:00"]]; empty = default'),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit__level", "unit__code", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """An officially announced day off or make-up working day, for all agencies
    (`agency` empty) or for one agency."""

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("day off")
        WORKING_DAY = "work", _("make-up working day")

    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="calendar_days", verbose_name=_("agency"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["day", "agency"], name="org_calendar_day_per_agency"),
            models.UniqueConstraint(fields=["day"], condition=Q(agency__isnull=True),
                                    name="org_calendar_day_global"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.get_kind_display()}"


class Role(models.TextChoices):
    COUNTER_OFFICER = "counter_officer", _("One-stop counter officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    CLERK = "clerk", _("Clerk (văn thư)")
    COMMUNITY_MEMBER = "community_member", _("Community team member")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    AUDITOR = "auditor", _("Auditor")


class Official(models.Model):
    """An official: a Django user working for an agency."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="official", verbose_name=_("user"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="officials",
                               verbose_name=_("agency"))
    full_name = models.CharField(_("full name"), max_length=200)
    title = models.CharField(_("position"), max_length=200, blank=True)

    class Meta:
        ordering = ["agency", "full_name"]
        verbose_name = _("official")
        verbose_name_plural = _("officials")

    def __str__(self) -> str:
        return self.full_name


class RoleAssignment(models.Model):
    """A role an official holds for a unit: the scope covers that unit and every unit
    below it (a city-level auditor sees the wards)."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="roles",
                                 verbose_name=_("official"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT,
                             related_name="role_assignments", verbose_name=_("scope"))

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["official", "role", "unit"], name="org_role_once"),
        ]

    def __str__(self) -> str:
        return f"{self.official} · {self.get_role_display()} · {self.unit}"


class SecondFactorPolicy(models.Model):
    """Whether the officials holding a role must confirm their login with a one-time
    code from an authenticator app (TOTP). A role without a row requires nothing."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, unique=True)
    require_totp = models.BooleanField(_("authenticator code required"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["role"]
        verbose_name = _("second-factor policy")
        verbose_name_plural = _("second-factor policies")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {'TOTP' if self.require_totp else '—'}"
