"""Every write to citizens. Each runs in one transaction with its audit entry.

The audit log never receives an identification number, phone number or e-mail address
in clear: summaries carry masked forms (`026******234`) and the citizen's primary key.
Who may call these (roles, scopes) is the caller's concern: pages and API check it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chinhquyenso.core.masking import mask_digits, mask_id_number, mask_phone
from chinhquyenso.core.services import record_audit
from chinhquyenso.org.models import AdministrativeUnit

from .idnumbers import normalize_id_number
from .models import FULL_VIEW_ACTION, Citizen, CitizenRecordView

_UNSET: Any = object()

# Fields whose values are personal identifiers: the audit log gets them masked.
_MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
}

# A run of 9 or more digits, possibly grouped with spaces, dots or dashes: an
# identification number (12), an old identity card number (9) or a phone number (10–11).
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){8,}")


def mask_email(value: str) -> str:
    """`n***@example.com`: the first character of the mailbox and the domain stay."""
    if not value:
        return ""
    local, _at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_digits(value, keep_start=1, keep_end=0)


def normalize_phone(value: str) -> str:
    """`+84 912.345.678` → `0912345678`: separators dropped, the country code replaced by 0."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    return digits


def scrub_identifiers(text: str) -> str:
    """Mask the identification or phone numbers a person may have typed into free text
    (a purpose, a note) before it goes to the audit log."""
    return _DIGIT_RUN.sub(lambda m: mask_digits(re.sub(r"\D", "", m.group())), text)


def _audit_value(field: str, value: Any) -> Any:
    if field in _MASKERS:
        return _MASKERS[field](value or "")
    if field == "email":
        return mask_email(value or "")
    if isinstance(value, AdministrativeUnit):
        return value.code
    return value


def _summary(citizen: Citizen) -> dict[str, Any]:
    return {field: _audit_value(field, value) for field, value in _fields(citizen).items()}


def _fields(citizen: Citizen) -> dict[str, Any]:
    return {
        "id_number": citizen.id_number,
        "full_name": citizen.full_name,
        "birth_date": citizen.birth_date,
        "sex": citizen.sex,
        "address": citizen.address,
        "residential_group": citizen.residential_group,
        "phone": citizen.phone,
        "email": citizen.email,
        "eid_level": citizen.eid_level,
    }


def _audit_repr(citizen: Citizen) -> str:
    return f"{citizen.full_name} ({citizen.masked_id_number})"


def _duplicate_number_error() -> ValidationError:
    return ValidationError(
        {"id_number": ValidationError(
            _("A citizen with this personal identification number is already registered."),
            code="unique")})


def register_citizen(*, id_number: str, full_name: str, birth_date: date, sex: str,
                     address: str = "", residential_group: AdministrativeUnit | None = None,
                     phone: str = "", email: str = "", eid_level: int = 0,
                     actor=None) -> Citizen:
    """Record a citizen. The number must be well formed and consistent with the date of
    birth and sex; raises ValidationError (per field) otherwise, or if it is taken."""
    citizen = Citizen(
        id_number=normalize_id_number(id_number), full_name=" ".join(full_name.split()),
        birth_date=birth_date, sex=sex, address=address.strip(),
        residential_group=residential_group, phone=normalize_phone(phone),
        email=email.strip(), eid_level=eid_level,
    )
    try:
        with transaction.atomic():
            citizen.full_clean()
            citizen.save()
            record_audit(actor=actor, action="citizen.registered", obj=citizen,
                         object_repr=_audit_repr(citizen), after=_summary(citizen))
    except IntegrityError:
        # Two registrations of the same number at once: the unique index decides.
        if Citizen.objects.filter(id_number=citizen.id_number).exists():
            raise _duplicate_number_error() from None
        raise
    return citizen


def update_citizen(*, citizen: Citizen, actor=None, id_number: str = _UNSET,
                   full_name: str = _UNSET, birth_date: date = _UNSET, sex: str = _UNSET,
                   address: str = _UNSET,
                   residential_group: AdministrativeUnit | None = _UNSET,
                   phone: str = _UNSET, email: str = _UNSET,
                   eid_level: int = _UNSET) -> Citizen:
    """Change the given fields (the others stay). The audit entry lists the changed
    fields only, before and after, with identifiers masked. Returns the citizen as saved."""
    given = {
        "id_number": id_number if id_number is _UNSET else normalize_id_number(id_number),
        "full_name": full_name if full_name is _UNSET else " ".join(full_name.split()),
        "birth_date": birth_date, "sex": sex,
        "address": address if address is _UNSET else address.strip(),
        "residential_group": residential_group,
        "phone": phone if phone is _UNSET else normalize_phone(phone),
        "email": email if email is _UNSET else email.strip(),
        "eid_level": eid_level,
    }
    given = {field: value for field, value in given.items() if value is not _UNSET}
    try:
        with transaction.atomic():
            locked = (Citizen.objects.select_for_update(of=("self",)).select_related("residential_group")
                      .get(pk=citizen.pk))
            old = _fields(locked)
            changed = [f for f, value in given.items() if old[f] != value]
            if not changed:
                return locked
            for field in changed:
                setattr(locked, field, given[field])
            locked.full_clean()
            locked.save()
            record_audit(
                actor=actor, action="citizen.updated", obj=locked,
                object_repr=_audit_repr(locked),
                before={f: _audit_value(f, old[f]) for f in changed},
                after={f: _audit_value(f, given[f]) for f in changed},
            )
    except IntegrityError:
        if "id_number" in given and Citizen.objects.filter(
                id_number=given["id_number"]).exclude(pk=citizen.pk).exists():
            raise _duplicate_number_error() from None
        raise
    return locked


def record_full_view(*, viewer, citizen: Citizen, purpose: str) -> CitizenRecordView:
    """Record that `viewer` (a signed-in user) opened the full, unmasked record of
    `citizen` for `purpose` (e.g. "processing dossier H62.25.0001"). Call it before
    showing the record; without a purpose nothing may be shown."""
    if not getattr(viewer, "is_authenticated", False):
        raise PermissionDenied(_("Only a signed-in official may view a citizen's full record."))
    purpose = " ".join((purpose or "").split())
    if len(purpose) < 3:
        raise ValidationError(
            _("State why you need the citizen's full record (for example, the dossier "
              "you are processing)."), code="purpose_required")
    with transaction.atomic():
        entry = record_audit(actor=viewer, action=FULL_VIEW_ACTION, obj=citizen,
                             object_repr=_audit_repr(citizen),
                             after={"purpose": scrub_identifiers(purpose)[:500]})
    return CitizenRecordView.objects.get(pk=entry.pk)
