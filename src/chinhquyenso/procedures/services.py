"""Writes to the procedures catalogue. Every write validates the form specification and
the internal process (steps add up to the processing time) and writes the audit log."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils.translation import gettext as _

from chinhquyenso.core.services import record_audit

from .models import (
    CompetentLevel,
    Component,
    DurationUnit,
    Field,
    Procedure,
    ProcessStep,
    ServiceLevel,
)
from .rules import check_code_pattern, check_form_spec, check_process


def save_procedure(*, code: str, name: str, field: str, level: str, service_level: str,
                   duration: Decimal | int | float, duration_unit: str, result: str,
                   steps: list[dict], components: list[dict], form: list[dict] = (),
                   fees: list[dict] = (), legal_basis: list[str] = (), is_published: bool = True,
                   dossier_code_pattern: str | None = None, code_counter_reset: str | None = None,
                   code_counter_scope: str | None = None, eid_level_required: int = 1,
                   actor=None, **_ignored) -> Procedure:
    """Create or replace the procedure with this national code, with its components and
    its process. Nothing is saved when any rule fails."""
    duration = Decimal(str(duration))
    errors = []
    if level not in CompetentLevel.values:
        errors.append(_("Unknown competent level %(level)r.") % {"level": level})
    if service_level not in ServiceLevel.values:
        errors.append(_("Unknown service level %(level)r.") % {"level": service_level})
    if duration_unit not in DurationUnit.values or duration <= 0:
        errors.append(_("The processing time must be a positive number of working days or hours."))
    if not components:
        errors.append(_("A procedure needs at least one dossier component."))
    for fee in fees:
        if int(fee.get("amount", -1)) < 0 or not fee.get("name"):
            errors.append(_("Each fee needs a name and an amount of 0 or more."))
    if eid_level_required not in (1, 2):
        errors.append(_("The e-ID level required must be 1 or 2."))
    if errors:
        raise ValidationError(errors)
    if dossier_code_pattern is not None:
        check_code_pattern(dossier_code_pattern)
    check_form_spec(list(form))
    check_process(list(steps), duration=duration, unit=duration_unit)

    with transaction.atomic():
        field_obj, _created = Field.objects.get_or_create(name=field.strip())
        procedure = Procedure.objects.filter(code=code).first()
        before = _summary(procedure) if procedure else None
        procedure = procedure or Procedure(code=code)
        procedure.name = name
        procedure.field = field_obj
        procedure.level = level
        procedure.service_level = service_level
        procedure.duration = duration
        procedure.duration_unit = duration_unit
        procedure.result = result
        procedure.form = list(form)
        procedure.fees = [{"name": f["name"], "amount": int(f["amount"]), "note": f.get("note", "")}
                          for f in fees]
        procedure.legal_basis = list(legal_basis)
        procedure.is_published = is_published
        procedure.eid_level_required = eid_level_required
        if dossier_code_pattern is not None:
            procedure.dossier_code_pattern = dossier_code_pattern
        if code_counter_reset is not None:
            procedure.code_counter_reset = code_counter_reset
        if code_counter_scope is not None:
            procedure.code_counter_scope = code_counter_scope
        procedure.full_clean()
        procedure.save()
        # The audit entry first: it locks the log's chain head, which every submission and
        # transition takes too, before this transaction locks any component or step that
        # one of them might be using (the other order can deadlock with a submission).
        record_audit(actor=actor, action="procedure.saved", obj=procedure, before=before,
                     after=_summary(procedure))
        _replace_parts(procedure, Component, [
            {"name": c["name"], "mandatory": c.get("mandatory", True),
             "file_types": [t.lower().lstrip(".") for t in c.get("file_types", [])],
             "template": c.get("template", "")}
            for c in components])
        _replace_parts(procedure, ProcessStep, [
            {"name": s["name"], "role": s["role"], "at": s.get("at", ProcessStep.RECEIVING),
             "hours": Decimal(str(s["hours"]))}
            for s in steps])
    return procedure


# What makes a part the same part when a procedure is saved again: a component's name; a
# step's name, role and acting unit. Its other values (a component's file types, a step's
# hours, the order of either) may change in place.
_IDENTITY = {Component: ("name",), ProcessStep: ("name", "role", "at")}
_OUT_OF_THE_WAY = 1000  # added to the orders kept, while they change (unique per procedure)


def _replace_parts(procedure: Procedure, model, parts: list[dict]) -> None:
    """Make the procedure's components or steps (`model`) these `parts`, in this order.
    A part with the same identity as an existing one (_IDENTITY) is that part, updated
    where it stands, so the dossiers' files and current steps that point at it keep
    pointing at it, wherever it moves in the list. Existing parts not in the new list are
    removed, unless a dossier still points at one: then nothing is saved and the message
    names it."""
    identity = _IDENTITY[model]
    unmatched = list(model.objects.filter(procedure=procedure).order_by("order"))
    plan = []
    for order, values in enumerate(parts, start=1):
        wanted = tuple(values[name] for name in identity)
        part = next((p for p in unmatched if tuple(getattr(p, name) for name in identity) == wanted), None)
        if part is not None:
            unmatched.remove(part)
        plan.append((part, order, values))
    _refuse_if_in_use(model, [part for part in unmatched if _in_use(part)])
    try:
        with transaction.atomic():
            model.objects.filter(pk__in=[part.pk for part in unmatched]).delete()
    except ProtectedError:  # a dossier began to point at one since the check above
        _refuse_if_in_use(model, [part for part in unmatched if _in_use(part)])
        raise
    kept = [part for part, _order, _values in plan if part is not None]
    if kept:
        model.objects.filter(pk__in=[part.pk for part in kept]).update(order=F("order") + _OUT_OF_THE_WAY)
    new = []
    for part, order, values in plan:
        if part is None:
            new.append(model(procedure=procedure, order=order, **values))
            continue
        for name, value in values.items():
            setattr(part, name, value)
        part.order = order
    if kept:
        model.objects.bulk_update(kept, [*parts[0], "order"])
    model.objects.bulk_create(new)


def _refuse_if_in_use(model, in_use: list) -> None:
    if in_use:
        raise ValidationError([
            (_("Dossier files were uploaded for component “%(name)s”: keep it in the list.")
             if model is Component else
             _("Dossiers stand at step “%(name)s”: keep it in the process.")) % {"name": part.name}
            for part in in_use])


def _in_use(part) -> bool:
    """Does a dossier point at this component (its files) or step (standing there)?"""
    from chinhquyenso.dossiers.models import Dossier, DossierFile

    if isinstance(part, Component):
        return DossierFile.objects.filter(component=part).exists()
    return Dossier.objects.filter(current_step=part).exists()


def _summary(procedure: Procedure) -> dict:
    return {"name": procedure.name, "level": procedure.level,
            "service_level": procedure.service_level,
            "duration": f"{procedure.duration} {procedure.duration_unit}",
            "published": procedure.is_published}


def load_catalogue(procedures: list[dict], *, actor=None) -> int:
    with transaction.atomic():
        for spec in procedures:
            save_procedure(actor=actor, **spec)
    return len(procedures)
