"""Citizens as the platform knows them, and the record of who looked at their data.

The personal identification number is personal data (Decree 13/2023/NĐ-CP): pages and
logs show it masked (`chinhquyenso.core.masking`), `__str__` never contains it, and the
audit log only ever receives masked numbers or the citizen's primary key.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chinhquyenso.core.models import AuditEntry, AuditEntryQuerySet, AuditLogIsAppendOnly
from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from . import idnumbers
from .accounts import CitizenAccount  # noqa: F401  (citizens' login accounts, see accounts.py)


class Sex(models.TextChoices):
    MALE = idnumbers.MALE, _("male")
    FEMALE = idnumbers.FEMALE, _("female")


class AssuranceLevel(models.IntegerChoices):
    """Level of the citizen's electronic identification account (VNeID)."""

    NONE = 0, _("no electronic identification account")
    LEVEL_1 = 1, _("level 1 (number, name, date of birth, sex, portrait)")
    LEVEL_2 = 2, _("level 2 (also fingerprints, equal to the identity card)")


phone_validator = RegexValidator(
    r"^0[1-9][0-9]{8,9}$",
    _("Enter a Vietnamese phone number: 10 digits for a mobile (e.g. 0912345678) or "
      "11 digits for a landline, starting with 0."),
    code="phone",
)


class Citizen(models.Model):
    """A person known to the platform, as recorded from the population data."""

    id_number = models.CharField(
        _("personal identification number"), max_length=12, unique=True,
        validators=[idnumbers.validate_id_number_format],
        help_text=_("The 12 digits on the citizen identity card."),
        error_messages={"unique": _("A citizen with this personal identification number is "
                                    "already registered.")},
    )
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    address = models.CharField(_("permanent address"), max_length=300, blank=True)
    residential_group = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, null=True, blank=True,
        related_name="residents", limit_choices_to={"level": UnitLevel.GROUP},
        verbose_name=_("residential group / village"),
    )
    # Derived from the residential group on save (and set by the bulk generator), so
    # counts per ward need no join through the units.
    ward = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="ward_residents", verbose_name=_("ward / commune"),
    )
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    eid_level = models.PositiveSmallIntegerField(
        _("electronic identification level"), choices=AssuranceLevel.choices,
        default=AssuranceLevel.NONE,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["search_name", "birth_date"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        constraints = [
            models.CheckConstraint(condition=models.Q(eid_level__in=[0, 1, 2]),
                                   name="identity_citizen_eid_level"),
        ]

    def __str__(self) -> str:
        # Never the identification number: __str__ ends up in logs, the audit log's
        # object_repr and error pages.
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_name = normalize_vi(self.full_name)
        self.ward_id = self.residential_group.parent_id if self.residential_group_id else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            update_fields = set(update_fields)
            if "full_name" in update_fields:
                update_fields.add("search_name")
            if "residential_group" in update_fields:
                update_fields.add("ward")
            kwargs["update_fields"] = update_fields
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors: dict[str, list] = {}
        if self.id_number and self.birth_date and self.sex:
            try:
                idnumbers.validate_id_number(self.id_number, birth_date=self.birth_date,
                                             sex=self.sex)
            except ValidationError as exc:
                if exc.code in ("century_sex", "birth_year"):
                    errors["id_number"] = [exc]
                # format and province errors are the field validator's to report
        if self.residential_group_id and self.residential_group.level != UnitLevel.GROUP:
            errors["residential_group"] = [ValidationError(
                _("Choose a residential group or village, not a ward or a larger unit."),
                code="not_a_group")]
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self) -> str:
        from chinhquyenso.core.masking import mask_id_number

        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        from chinhquyenso.core.masking import mask_phone

        return mask_phone(self.phone)


FULL_VIEW_ACTION = "citizen.full_record_viewed"


class CitizenRecordViewQuerySet(AuditEntryQuerySet):
    def for_citizen(self, citizen: Citizen) -> CitizenRecordViewQuerySet:
        return self.filter(object_type=Citizen._meta.label_lower, object_id=str(citizen.pk))

    def by_viewer(self, user) -> CitizenRecordViewQuerySet:
        return self.filter(actor=user)


class CitizenRecordViewManager(models.Manager.from_queryset(CitizenRecordViewQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(action=FULL_VIEW_ACTION)


class CitizenRecordView(AuditEntry):
    """Who opened whose full citizen record (unmasked number, phone, address), when, and
    for what purpose.

    Design choice: a view is stored only as an entry of the audit log
    (action "citizen.full_record_viewed", object = the citizen, actor = the viewer,
    `after = {"purpose": …}`); this is a proxy model over those entries, not a table of
    its own, because
      * the audit log is append-only and hash-chained, so a record of views that an
        insider could quietly edit or delete would be weaker evidence than the chain;
      * one write instead of two, and nothing that could drift apart;
      * "who viewed this citizen" is one query on the (object_type, object_id) index
        the audit log already has, which is what the citizen's right to know who
        processed their data (Decree 13/2023/NĐ-CP) needs.
    Write through `services.record_full_view`, never by saving this model.
    """

    objects = CitizenRecordViewManager()

    class Meta:
        proxy = True
        ordering = ["-seq"]
        verbose_name = _("citizen record view")
        verbose_name_plural = _("citizen record views")

    def save(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("record a view with identity.services.record_full_view()")

    @property
    def viewer(self):
        return self.actor

    @property
    def viewed_at(self):
        return self.at

    @property
    def citizen_id(self) -> int:
        return int(self.object_id)

    @property
    def purpose(self) -> str:
        return (self.after or {}).get("purpose", "")
