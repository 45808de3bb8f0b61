"""Every write to units, agencies, officials and roles. Each runs in a transaction
and writes the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chinhquyenso.core.services import record_audit
from chinhquyenso.core.text import normalize_vi

from .models import (
    LEVEL_OF_TYPE,
    AdministrativeUnit,
    Agency,
    CalendarDay,
    Official,
    Role,
    RoleAssignment,
    SecondFactorPolicy,
    UnitSuccession,
    UnitType,
)
from .queries import bump_calendar_version

# The day the two-level local government came into force (provinces → wards).
TWO_LEVEL_REFORM_DAY = date(2025, 7, 1)


def create_unit(*, code: str, name: str, unit_type: str, valid_from: date,
                parent: AdministrativeUnit | None = None, valid_to: date | None = None,
                actor=None) -> AdministrativeUnit:
    level = LEVEL_OF_TYPE[UnitType(unit_type)]
    if parent is not None and parent.level >= level:
        raise ValidationError(_("A unit must sit below its parent unit."))
    with transaction.atomic():
        unit = AdministrativeUnit(code=code, name=name, unit_type=unit_type, level=level,
                                  parent=parent, valid_from=valid_from, valid_to=valid_to)
        unit.full_clean()
        unit.save()
        record_audit(actor=actor, action="unit.created", obj=unit,
                     after={"code": code, "name": name, "type": unit_type,
                            "valid_from": valid_from, "valid_to": valid_to})
    return unit


def record_succession(*, predecessors: list[AdministrativeUnit], successor: AdministrativeUnit,
                      effective_on: date, legal_basis: str = "", actor=None) -> None:
    """Close the predecessors the day before `effective_on` and link them to the
    successor, so their history rolls up into it."""
    if successor.valid_from > effective_on:
        raise ValidationError(_("The successor must be in force on the effective date."))
    with transaction.atomic():
        for unit in predecessors:
            if unit.pk == successor.pk:
                raise ValidationError(_("A unit cannot succeed itself."))
            _close_unit(unit, effective_on=effective_on, actor=actor)
            UnitSuccession.objects.get_or_create(
                predecessor=unit, successor=successor,
                defaults={"effective_on": effective_on, "legal_basis": legal_basis})
            record_audit(actor=actor, action="unit.succeeded", obj=unit,
                         after={"successor": successor.code, "effective_on": effective_on,
                                "legal_basis": legal_basis})


def create_successor(*, predecessors: list[AdministrativeUnit], code: str, name: str,
                     unit_type: str, effective_on: date, parent: AdministrativeUnit | None = None,
                     legal_basis: str = "", actor=None) -> AdministrativeUnit:
    """Merge (or rename) units into a new one from `effective_on`: the predecessors
    close the day before, the new unit may reuse one of their codes."""
    with transaction.atomic():
        for unit in predecessors:
            _close_unit(unit, effective_on=effective_on, actor=actor)
        successor = create_unit(code=code, name=name, unit_type=unit_type, parent=parent,
                                valid_from=effective_on, actor=actor)
        record_succession(predecessors=predecessors, successor=successor,
                          effective_on=effective_on, legal_basis=legal_basis, actor=actor)
    return successor


def _close_unit(unit: AdministrativeUnit, *, effective_on: date, actor=None) -> None:
    """End a unit's period the day before `effective_on` (if it runs past it)."""
    closing = date.fromordinal(effective_on.toordinal() - 1)
    if unit.valid_to is not None and unit.valid_to < effective_on:
        return
    if closing < unit.valid_from:
        raise ValidationError(_("A unit cannot end before it begins."))
    before = {"valid_to": unit.valid_to}
    unit.valid_to = closing
    unit.save(update_fields=["valid_to"])
    record_audit(actor=actor, action="unit.closed", obj=unit, before=before,
                 after={"valid_to": closing})


def import_current_units(*, actor=None, valid_from: date = TWO_LEVEL_REFORM_DAY) -> dict[str, int]:
    """Import today's provinces and wards/communes from the `vietnam-provinces` package.
    Existing units (same level, code and start date) are renamed if needed; nothing is
    deleted. Returns counts of created and updated units."""
    from vietnam_provinces import Province, VietNamDivisionType, Ward

    type_map = {
        VietNamDivisionType.TINH: UnitType.PROVINCE,
        VietNamDivisionType.THANH_PHO_TRUNG_UONG: UnitType.CENTRAL_CITY,
        VietNamDivisionType.PHUONG: UnitType.WARD,
        VietNamDivisionType.XA: UnitType.COMMUNE,
        VietNamDivisionType.DAC_KHU: UnitType.SPECIAL_ZONE,
    }
    created = updated = 0
    with transaction.atomic():
        existing = {
            (u.level, u.code): u
            for u in AdministrativeUnit.objects.filter(valid_from=valid_from, level__in=[1, 3])
        }
        provinces: dict[str, AdministrativeUnit] = {}
        for prov in Province.iter_all():
            code = str(int(prov.code))
            unit, was_created, was_updated = _upsert_unit(
                existing, code=code, name=prov.name, unit_type=type_map[prov.division_type],
                parent=None, valid_from=valid_from)
            provinces[code] = unit
            created += was_created
            updated += was_updated
        for ward in Ward.iter_all():
            unit, was_created, was_updated = _upsert_unit(
                existing, code=str(int(ward.code)), name=ward.name,
                unit_type=type_map[ward.division_type],
                parent=provinces[str(int(ward.province_code))], valid_from=valid_from)
            created += was_created
            updated += was_updated
        record_audit(actor=actor, action="units.imported", object_type="org.administrativeunit",
                     after={"source": "vietnam-provinces", "valid_from": valid_from,
                            "created": created, "updated": updated})
    return {"created": created, "updated": updated}


def _upsert_unit(existing, *, code, name, unit_type, parent, valid_from):
    level = LEVEL_OF_TYPE[unit_type]
    unit = existing.get((level, code))
    if unit is None:
        # an older unit still open with the same code ended when the new list took force
        for older in AdministrativeUnit.objects.filter(level=level, code=code, valid_to__isnull=True,
                                                       valid_from__lt=valid_from):
            older.valid_to = date.fromordinal(valid_from.toordinal() - 1)
            older.save(update_fields=["valid_to"])
        unit = AdministrativeUnit.objects.create(
            code=code, name=name, unit_type=unit_type, level=level, parent=parent,
            valid_from=valid_from)
        return unit, 1, 0
    if unit.name != name or unit.unit_type != unit_type or unit.parent_id != getattr(parent, "pk", None):
        unit.name, unit.unit_type, unit.parent = name, unit_type, parent
        unit.search_name = normalize_vi(name)
        unit.save()
        return unit, 0, 1
    return unit, 0, 0


def create_agency(*, code: str, name: str, abbreviation: str, kind: str,
                  unit: AdministrativeUnit, parent: Agency | None = None,
                  actor=None) -> Agency:
    with transaction.atomic():
        agency = Agency(code=code, name=name, abbreviation=abbreviation, kind=kind,
                        unit=unit, parent=parent)
        agency.full_clean()
        agency.save()
        record_audit(actor=actor, action="agency.created", obj=agency,
                     after={"code": code, "name": name, "unit": unit.code})
    return agency


def set_office_hours(*, agency: Agency, office_hours: dict | None, actor=None) -> Agency:
    """Set an agency's office hours per weekday ("0" = Monday), e.g.
    {"5": [["07:30", "11:30"]]}; None returns it to the default hours."""
    from datetime import time

    from chinhquyenso.core.calendar import WorkingCalendar

    if office_hours is not None:
        try:
            WorkingCalendar({int(day): [(time.fromisoformat(a), time.fromisoformat(b))
                                        for a, b in periods]
                             for day, periods in office_hours.items()}, country_holidays=False)
        except (ValueError, TypeError) as exc:
            raise ValidationError(_("Invalid office hours: %(error)s") % {"error": exc}) from exc
    with transaction.atomic():
        before = {"office_hours": agency.office_hours}
        agency.office_hours = office_hours
        agency.save(update_fields=["office_hours"])
        record_audit(actor=actor, action="agency.office_hours_set", obj=agency, before=before,
                     after={"office_hours": office_hours})
        bump_calendar_version()  # harmless if the transaction rolls back
    return agency


def set_calendar_day(*, day: date, kind: str, agency: Agency | None = None, note: str = "",
                     actor=None) -> CalendarDay:
    """Declare an announced day off or make-up working day."""
    with transaction.atomic():
        entry, _created = CalendarDay.objects.update_or_create(
            day=day, agency=agency, defaults={"kind": kind, "note": note})
        record_audit(actor=actor, action="calendar.day_set", obj=entry,
                     after={"day": day, "kind": kind, "agency": getattr(agency, "code", None),
                            "note": note})
        bump_calendar_version()  # harmless if the transaction rolls back
    return entry


def create_official(*, username: str, password: str, full_name: str, agency: Agency,
                    title: str = "", email: str = "", roles: list[tuple[str, AdministrativeUnit]] = (),
                    actor=None) -> Official:
    """Create a user account and its official profile, with its roles and scopes."""
    User = get_user_model()
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ValidationError(_("The user name %(name)s is already taken.") % {"name": username})
        user = User(username=username, email=email, first_name=full_name[:150])
        user.set_password(password)
        user.save()
        official = Official.objects.create(user=user, agency=agency, full_name=full_name,
                                           title=title)
        record_audit(actor=actor, action="official.created", obj=official,
                     after={"username": username, "agency": agency.code, "title": title})
        for role, unit in roles:
            assign_role(official=official, role=role, unit=unit, actor=actor)
    return official


def assign_role(*, official: Official, role: str, unit: AdministrativeUnit,
                actor=None) -> RoleAssignment:
    Role(role)  # refuses an unknown role with ValueError
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            official=official, role=role, unit=unit)
        if created:
            record_audit(actor=actor, action="role.assigned", obj=official,
                         after={"role": role, "unit": unit.code})
    return assignment


def revoke_role(*, official: Official, role: str, unit: AdministrativeUnit, actor=None) -> None:
    with transaction.atomic():
        deleted, _details = RoleAssignment.objects.filter(
            official=official, role=role, unit=unit).delete()
        if deleted:
            record_audit(actor=actor, action="role.revoked", obj=official,
                         before={"role": role, "unit": unit.code})


# --- Second factor (authenticator app, TOTP) ------------------------------------------
# Neither the secret key nor any code typed is ever written to the audit log.


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: `device` is the verified device when `ok`;
    `throttled` when django-otp refused to check it after recent failures, with the
    seconds to wait in `retry_after`."""

    ok: bool
    device: object | None = None
    throttled: bool = False
    retry_after: int = 0


def set_second_factor_policy(*, role: str, required: bool, actor=None) -> SecondFactorPolicy:
    """Require (or stop requiring) an authenticator code of the officials holding `role`."""
    Role(role)  # refuses an unknown role with ValueError
    with transaction.atomic():
        policy, created = SecondFactorPolicy.objects.select_for_update().get_or_create(
            role=role, defaults={"require_totp": bool(required)})
        before = None if created else {"require_totp": policy.require_totp}
        if not created and policy.require_totp == bool(required):
            return policy
        policy.require_totp = bool(required)
        policy.save()
        record_audit(actor=actor, action="second_factor.policy_set", obj=policy, before=before,
                     after={"role": role, "require_totp": policy.require_totp})
    return policy


def start_totp_enrolment(*, user, actor=None):
    """A new, unconfirmed authenticator for `user` (replacing one still being set up).
    It counts only once confirmed with a code (`confirm_totp_enrolment`)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
        record_audit(actor=actor or user, action="second_factor.enrolment_started", obj=device,
                     object_repr=user.get_username(), after={"device": device.pk})
    return device


def confirm_totp_enrolment(*, device, token: str, actor=None, address: str = "") -> CodeCheck:
    """Confirm an authenticator with a current code from it; it then replaces the
    user's previous authenticator. Wrong codes count towards django-otp's throttling."""
    from django_otp import verify_token
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .second_factor import retry_after

    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update(of=("self",)).select_related("user").get(pk=device.pk)
        user = locked.user
        if locked.confirmed:
            raise ValidationError(_("This authenticator is already set up."))
        wait = retry_after(locked)
        if wait:
            result = CodeCheck(ok=False, throttled=True, retry_after=wait)
        else:
            verified = verify_token(user, locked.persistent_id, token)
            result = CodeCheck(ok=True, device=verified) if verified is not None else \
                CodeCheck(ok=False, retry_after=retry_after(TOTPDevice.objects.get(pk=locked.pk)))
        if result.ok:
            verified.confirmed = True
            verified.save(update_fields=["confirmed"])
            replaced, _details = TOTPDevice.objects.filter(user=user).exclude(pk=verified.pk).delete()
            record_audit(actor=actor or user, action="second_factor.enrolled", obj=verified,
                         object_repr=user.get_username(),
                         after={"device": verified.pk, "replaced": replaced, "address": address})
        else:
            failures = TOTPDevice.objects.get(pk=locked.pk).throttling_failure_count
            record_audit(actor=actor or user, action="second_factor.enrolment_failed", obj=locked,
                         object_repr=user.get_username(),
                         after={"device": locked.pk, "failures": failures, "address": address,
                                "reason": "throttled" if result.throttled else "wrong_code"})
    return result


def check_second_factor(*, user, device, token: str, address: str = "") -> CodeCheck:
    """The login step after the password: check a code from the user's confirmed
    authenticator with django-otp (which refuses a code already used and throttles
    failures), and audit the success or failure."""
    from django_otp import verify_token
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .second_factor import retry_after

    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=True)
        wait = retry_after(locked)
        if wait:
            result = CodeCheck(ok=False, throttled=True, retry_after=wait)
        else:
            verified = verify_token(user, locked.persistent_id, token)
            result = CodeCheck(ok=True, device=verified) if verified is not None else \
                CodeCheck(ok=False, retry_after=retry_after(TOTPDevice.objects.get(pk=locked.pk)))
        if result.ok:
            record_audit(actor=user, action="auth.second_factor_passed", obj=user,
                         object_repr=user.get_username(),
                         after={"device": locked.pk, "address": address})
        else:
            failures = TOTPDevice.objects.get(pk=locked.pk).throttling_failure_count
            record_audit(actor=user, action="auth.second_factor_failed", obj=user,
                         object_repr=user.get_username(),
                         after={"device": locked.pk, "failures": failures, "address": address,
                                "reason": "throttled" if result.throttled else "wrong_code"})
    return result


def remove_totp_device(*, device, actor=None) -> None:
    """Remove an official's authenticator (an administrator's reset, e.g. a lost phone).
    If a role requires a code, the official sets up a new one at the next login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update(of=("self",)).select_related("user").get(pk=device.pk)
        username = locked.user.get_username()
        pk, confirmed = locked.pk, locked.confirmed
        locked.delete()
        record_audit(actor=actor, action="second_factor.device_removed",
                     object_type="otp_totp.totpdevice", object_id=pk, object_repr=username,
                     before={"device": pk, "confirmed": confirmed})
