"""The rules a procedure must satisfy before it is saved: its form specification and
its internal process, whose steps must add up to the processing time."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chinhquyenso.org.models import Role

from .models import HOURS_PER_WORKING_DAY, DurationUnit

FIELD_TYPES = {"text", "textarea", "date", "number", "choice", "email", "phone", "id_number"}
STEP_ROLES = {Role.COUNTER_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def duration_in_hours(duration: Decimal, unit: str) -> Decimal:
    return Decimal(duration) * (HOURS_PER_WORKING_DAY if unit == DurationUnit.DAYS else 1)


def check_form_spec(form: list[dict]) -> None:
    errors = []
    keys = set()
    for i, spec in enumerate(form, start=1):
        key = spec.get("key", "")
        if not KEY_PATTERN.match(str(key)):
            errors.append(_("Form field %(n)s: the key %(key)r must be lower-case letters, "
                            "digits and underscores.") % {"n": i, "key": key})
        if key in keys:
            errors.append(_("Form field %(n)s: the key %(key)s is used twice.") % {"n": i, "key": key})
        keys.add(key)
        if not str(spec.get("label", "")).strip():
            errors.append(_("Form field %(n)s has no label.") % {"n": i})
        if spec.get("type") not in FIELD_TYPES:
            errors.append(_("Form field %(n)s: unknown type %(type)r.") % {"n": i, "type": spec.get("type")})
        if spec.get("type") == "choice" and not spec.get("choices"):
            errors.append(_("Form field %(n)s: a choice needs its choices.") % {"n": i})
    if errors:
        raise ValidationError(errors)


def check_process(steps: list[dict], *, duration: Decimal, unit: str) -> None:
    """Steps are ordered, each with a role that acts and its allotted working time; the
    times add up to the procedure's processing time."""
    if not steps:
        raise ValidationError(_("A procedure needs at least one process step."))
    total = Decimal(0)
    errors = []
    for i, step in enumerate(steps, start=1):
        if step.get("role") not in STEP_ROLES:
            errors.append(_("Step %(n)s: role %(role)r cannot act in a process.")
                          % {"n": i, "role": step.get("role")})
        try:
            hours = Decimal(str(step.get("hours")))
        except (InvalidOperation, TypeError):
            hours = Decimal(-1)
        if hours <= 0:
            errors.append(_("Step %(n)s needs a positive allotted time.") % {"n": i})
        else:
            total += hours
    if errors:
        raise ValidationError(errors)
    expected = duration_in_hours(duration, unit)
    if total != expected:
        raise ValidationError(
            _("The steps add up to %(total)s working hours, but the processing time is "
              "%(expected)s working hours.") % {"total": _number(total), "expected": _number(expected)})


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def check_code_pattern(pattern: str) -> None:
    """A dossier code pattern must contain the sequence number and only known placeholders."""
    if "{seq" not in pattern:
        raise ValidationError(_("The dossier code pattern must contain {seq}."))
    try:
        pattern.format(agency="A", procedure="P", yyyy="2026", yy="26", mm="01", dd="02",
                       yymmdd="260102", seq=1)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationError(_("The dossier code pattern is not valid: %(error)s")
                              % {"error": exc}) from exc
