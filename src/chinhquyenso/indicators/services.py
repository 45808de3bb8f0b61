"""Changes to indicators: the catalogue, reported values (corrections keep the history;
options of a broken-down indicator and their total, see "reported values" below; the
Excel import), targets and publication. Each change is one transaction with its audit
entry."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyenso.core.services import record_audit
from chinhquyenso.org.permissions import can

from . import catalogue, reporting_rules, value_import
from .computation import Period, parse_period, ratio
from .models import Indicator, IndicatorValue, Legend, Source, Target


def load_catalogue(*, indicator_model=None, target_model=None, legend_model=None) -> None:
    """Create the shipped indicators, national targets and legends; idempotent. Names and
    definitions are refreshed; publication, existing target values and existing legends
    are left alone. The models can be given (a data migration passes its historical
    models: fields they do not have yet are skipped, and without `legend_model` legends
    are not loaded)."""
    historical = indicator_model is not None
    indicator_model = indicator_model or Indicator
    target_model = target_model or Target
    legend_model = legend_model or (None if historical else Legend)
    known = {f.name for f in indicator_model._meta.get_fields()}
    refreshed = [f for f in ("name", "definition", "unit", "factor", "source", "group", "breakdown_label",
                             "breakdown_options") if f in known]
    for order, spec in enumerate(catalogue.INDICATORS):
        values = {field: spec.get(field, _SPEC_DEFAULTS.get(field)) for field in refreshed}
        indicator, created = indicator_model.objects.get_or_create(
            code=spec["code"], defaults={**values, "is_published": spec["published"], "order": order})
        if not created:
            for field, value in values.items():
                setattr(indicator, field, value)
            indicator.order = order
            indicator.save()
    with_level = "level" in {f.name for f in target_model._meta.get_fields()}
    for code, year, value, basis, level in catalogue.TARGETS:
        if level is not None and not with_level:
            continue
        where = {"level": level} if with_level else {}
        target_model.objects.get_or_create(
            indicator=indicator_model.objects.get(code=code), year=year, unit=None, **where,
            defaults={"value": value, "basis": basis})
    if legend_model is None:
        return
    for code, bands in catalogue.LEGENDS.items():
        indicator = indicator_model.objects.get(code=code)
        if not legend_model.objects.filter(indicator=indicator).exists():
            legend_model.objects.bulk_create(
                [legend_model(indicator=indicator, start=start, end=end, colour=colour, label=label)
                 for start, end, colour, label in bands])


_SPEC_DEFAULTS = {"group": catalogue.SERVICES, "breakdown_label": "", "breakdown_options": []}


def _number(value, field: str, *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise ValidationError({field: [_("Enter a number greater than zero.") if positive
                                       else _("Enter a number that is not negative.")]})
    return number


# --- reported values ----------------------------------------------------------------------
#
# A reported value is a row of IndicatorValue for (indicator, unit, period, breakdown).
# Rows are never changed: a correction is a new row, and the row it corrects points to it
# (`superseded_by`). So each (indicator, unit, period, breakdown) has one chain of rows,
# and one current row, the end of the chain. Reporting the same numbers again writes
# nothing.
#
# An indicator with breakdown options (e.g. broadband subscriptions per provider) is
# reported option by option: each option is its own chain, its numerator over one
# denominator shared by the options of the unit and period (e.g. the ward's households).
# The whole indicator is stored too, as the chain with breakdown "": numerator = the sum
# of the current options' numerators, the shared denominator, value = their ratio. Its
# row is written in the same transaction as the options, after them, whenever an option
# row is written (superseding the previous total), so the readers of the whole indicator
# (computation.compute, the dashboards) read one row, the latest for the unit and period,
# and the total keeps its own history. It cannot be reported directly.
# Reporting an option with another denominator restates the other current options over
# it (a correction of each, numerators unchanged). The options of a percentage together
# cannot exceed the denominator.


@dataclasses.dataclass(frozen=True)
class Written:
    row: IndicatorValue
    previous: IndicatorValue | None  # the row it corrects; None for a first report


@dataclasses.dataclass
class Report:
    written: list[Written] = dataclasses.field(default_factory=list)  # in the order written
    current: dict[str, IndicatorValue] = dataclasses.field(default_factory=dict)  # breakdown → current row


def _snapshot(row: IndicatorValue) -> dict:
    return {"value": str(row.value), "numerator": str(row.numerator),
            "denominator": None if row.denominator is None else str(row.denominator)}


def _checked_numbers(indicator: Indicator, numerators: dict, denominator) -> dict:
    """{option: (numerator, denominator)}, every error of every field at once."""
    if not numerators:
        raise ValidationError({"numerator": [ValidationError(_("Enter at least one value."),
                                                             code="missing")]})
    checked, errors = {}, {}
    for key, numerator in numerators.items():
        try:
            option = reporting_rules.option_of(indicator, key)
            checked[option] = reporting_rules.check_numbers(indicator, numerator, denominator,
                                                            option=option)
        except ValidationError as exc:
            for name, field_errors in exc.error_dict.items():
                errors.setdefault(name, field_errors)
    if errors:
        raise ValidationError(errors)
    return checked


def report_values(*, indicator: Indicator, unit, period: str | Period, numerators: dict,
                  denominator, actor, audit_extra: dict | None = None) -> Report:
    """Record values of a reported indicator for a unit and a period: `numerators` is
    {option: numerator} for an indicator with breakdown options (some or all of them;
    the others keep their values), {"": numerator} otherwise; `denominator` is the
    value's (the options' shared) denominator, None for a count without one.

    The official must be entitled to report for the unit (PermissionDenied otherwise);
    the unit must exist in the period, which must have started; the numbers follow
    reporting_rules.check_numbers. Errors are ValidationErrors keyed by field
    ("numerator", "numerator:<option>", "denominator", "breakdown", "period", "unit"),
    each with a code. One transaction, one audit entry per row written."""
    if indicator.source != Source.REPORTED:
        raise ValidationError(_("This indicator is computed by the platform; it cannot be reported."),
                              code="computed_indicator")
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("A reported value needs the official who reports it."))
    period = parse_period(period) if isinstance(period, str) else period
    if not reporting_rules.may_report(actor, unit):
        raise PermissionDenied(_("You may not report the figures of %(unit)s.") % {"unit": unit.name})
    reporting_rules.check_unit_in_force(unit, period)
    reporting_rules.check_period(period, today=timezone.localdate())
    given = _checked_numbers(indicator, numerators, denominator)
    options = list(indicator.breakdown_options or [])
    denominator = next(iter(given.values()))[1]
    extra = audit_extra or {}
    report = Report()
    with transaction.atomic():
        Indicator.objects.select_for_update().get(pk=indicator.pk)  # one report at a time
        chains: dict[str, list[IndicatorValue]] = {}
        for row in (IndicatorValue.objects.select_for_update()
                    .filter(indicator=indicator, unit=unit, period_type=period.type,
                            period_start=period.start, period_end=period.end,
                            superseded_by__isnull=True).order_by("reported_at", "pk")):
            chains.setdefault(row.breakdown, []).append(row)
        now = timezone.now()

        def write(breakdown: str, numerator, denominator, *, always: bool = False) -> None:
            current = chains.get(breakdown, [])
            previous = current[-1] if current else None
            if (not always and previous is not None and previous.numerator == numerator
                    and previous.denominator == denominator):
                return  # the same numbers: nothing to correct
            row = IndicatorValue.objects.create(
                indicator=indicator, unit=unit, period_type=period.type, period_start=period.start,
                period_end=period.end, breakdown=breakdown, numerator=numerator,
                denominator=denominator, value=ratio(numerator, denominator, indicator.factor),
                reported_by=actor, reported_at=now)
            if current:
                IndicatorValue.objects.filter(pk__in=[r.pk for r in current]).update(superseded_by=row)
            after = {"indicator": indicator.code, "unit": unit.code, "period": period.label,
                     **({"breakdown": breakdown} if breakdown else {}), **_snapshot(row), **extra}
            record_audit(actor=actor, action="indicator.correct" if previous else "indicator.report",
                         obj=row, before=_snapshot(previous) if previous else None, after=after)
            report.written.append(Written(row, previous))
            chains[breakdown] = [row]

        if not options:
            write("", given[""][0], denominator)
        else:
            numbers = {option: chains[option][-1].numerator for option in options if option in chains}
            numbers.update({option: numerator for option, (numerator, _d) in given.items()})
            total = sum(numbers.values(), Decimal(0))
            if indicator.factor == 100 and total > denominator:
                raise ValidationError({"denominator": [ValidationError(
                    _("The options together (%(total)s) exceed the denominator (%(denominator)s).")
                    % {"total": f"{total.normalize():f}", "denominator": f"{denominator.normalize():f}"},
                    code="options_exceed_denominator")]})
            for option in options:
                if option in numbers:  # a given option; another one is restated if the denominator changed
                    write(option, numbers[option], denominator)
            if report.written:
                write("", total, denominator, always=True)
        report.current = {breakdown: rows[-1] for breakdown, rows in chains.items()}
    return report


def report_value(*, indicator: Indicator, unit, period: str | Period, numerator, denominator,
                 actor, breakdown: str = "") -> IndicatorValue:
    """Record the value of a reported indicator for a unit and a period (of one option,
    `breakdown`, for an indicator broken down): see report_values. Reporting again for
    the same unit and period is a correction: a new row, the old one superseded.
    Returns the current row of the value."""
    report = report_values(indicator=indicator, unit=unit, period=period,
                           numerators={breakdown: numerator}, denominator=denominator, actor=actor)
    option = reporting_rules.option_of(indicator, breakdown)
    return report.current[option]


def import_values(*, file, actor, file_name: str = "") -> value_import.ValueImport:
    """Import reported values from an Excel file (value_import.LAYOUT): every row is
    checked; the good rows are recorded and the bad ones rejected, each with its row
    number and reasons. The rows of one indicator, unit and period are reported together
    (report_values); if that fails, for a reason only the database shows (e.g. the
    options with the values already reported exceed the denominator), those rows are
    rejected and the others still imported. All the accepted rows in one transaction,
    with an audit entry per value written and one for the import."""
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("A reported value needs the official who reports it."))
    result = value_import.read_values(file, actor=actor)
    if result.problems:
        return result
    groups: dict[tuple, list[value_import.ImportRow]] = {}
    for row in result.accepted:
        groups.setdefault((row.indicator.pk, row.unit.pk, row.period.label), []).append(row)
    with transaction.atomic():
        list(Indicator.objects.select_for_update().filter(pk__in={key[0] for key in groups})
             .order_by("pk"))  # locks in a fixed order
        for rows in groups.values():
            first = rows[0]
            try:
                with transaction.atomic():  # a savepoint: a failing group leaves the others
                    report = report_values(
                        indicator=first.indicator, unit=first.unit, period=first.period,
                        numerators={row.breakdown: row.numerator for row in rows},
                        denominator=first.denominator, actor=actor,
                        audit_extra={"import_rows": [row.number for row in rows]})
            except (ValidationError, PermissionDenied) as exc:
                for row in rows:
                    row.reject_for(exc)
                continue
            written = {w.row.breakdown: w for w in report.written}
            for row in rows:
                done = written.get(row.breakdown)
                row.outcome = ("unchanged" if done is None
                               else "corrected" if done.previous is not None else "reported")
            result.values_written += len(report.written)
        record_audit(actor=actor, action="indicator.import", object_type="indicators.valueimport",
                     object_repr=file_name[:300],
                     after={"file": file_name[:200], "rows": len(result.rows),
                            "accepted": len(result.accepted), "rejected": len(result.rejected),
                            "values_written": result.values_written})
    return result


def may_manage(user) -> bool:
    """Publication, targets and legends are the city's choices: its leaders and its IT
    officer (unit administrator) decide them, for the city the public dashboard shows."""
    from .queries import public_root

    root = public_root()
    return root is not None and can(user, MANAGE_ACTION, root)


def _require_manage(actor) -> None:
    if not may_manage(actor):
        raise PermissionDenied(_("Publishing indicators, their targets and legends is for the city's leaders "
                                 "and IT officer."))


MANAGE_ACTION = "indicators.manage"


def set_target(*, indicator: Indicator, year: int, value, actor, unit=None, basis: str = "",
               level: int | None = None, check_right: bool = False) -> Target:
    """Set (or change) the target of an indicator for a year: for every unit, for every
    unit of a level (`level`), or for one unit (`unit`). With `check_right`, the actor
    must be one who manages the indicators (the pages ask it; the demo does not)."""
    if check_right:
        _require_manage(actor)
    if unit is not None and level is not None:
        raise ValidationError({"level": [_("A target is for one unit or for a level, not both.")]})
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": [_("Enter a year.")]}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
    value = _number(value, "value")
    if indicator.factor == 100 and value > 100:
        raise ValidationError({"value": [_("A percentage target cannot exceed 100.")]})
    with transaction.atomic():
        target = (Target.objects.select_for_update()
                  .filter(indicator=indicator, year=year, unit=unit, level=None if unit else level).first())
        before = None if target is None else {"value": str(target.value), "basis": target.basis}
        if target is None:
            target = Target(indicator=indicator, year=year, unit=unit, level=None if unit else level)
        target.value, target.basis = value, (basis or "").strip()[:200] or target.basis
        target.save()
        record_audit(actor=actor, action="indicator.set_target", obj=target, before=before,
                     after={"indicator": indicator.code, "year": year, "value": str(value),
                            "unit": unit.code if unit else None, "level": level if unit is None else None,
                            "basis": target.basis})
    return target


def remove_target(*, target_id: int, actor) -> None:
    """Remove a target (the next one in order applies again: ancestor, level, every unit)."""
    _require_manage(actor)
    with transaction.atomic():
        target = (Target.objects.select_for_update(of=("self",)).select_related("indicator", "unit")
                  .filter(pk=target_id).first())
        if target is None:
            raise ValidationError(_("This target no longer exists."))
        before = {"indicator": target.indicator.code, "year": target.year, "value": str(target.value),
                  "unit": target.unit.code if target.unit else None, "level": target.level}
        record_audit(actor=actor, action="indicator.remove_target", obj=target, before=before, after=None)
        target.delete()


COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_BANDS = 6


def set_legend(*, indicator: Indicator, bands: list[dict], actor) -> list[Legend]:
    """Replace the legend of an indicator by `bands` (each: start, end (empty: no upper
    bound, only for the last), colour "#rrggbb", label), in ascending order, without
    gaps or overlaps. An empty list removes the legend (values shown without colour)."""
    _require_manage(actor)
    errors: dict[str, list] = {}
    clean = []
    for n, band in enumerate(bands, start=1):
        field = f"band{n}"
        try:
            start = _number(band.get("start"), field) if str(band.get("start", "")).strip() != "" else None
            end = (_number(band.get("end"), field) if str(band.get("end") or "").strip() != "" else None)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.message_dict[field])
            continue
        colour, label = str(band.get("colour", "")).strip(), str(band.get("label", "")).strip()
        if start is None:
            errors.setdefault(field, []).append(_("Enter where the band starts."))
        if not COLOUR_RE.match(colour):
            errors.setdefault(field, []).append(_("Enter the colour as #rrggbb, e.g. #1b6e3a."))
        if not label or len(label) > 60:
            errors.setdefault(field, []).append(_("Enter a label of at most 60 characters."))
        if start is not None and end is not None and end <= start:
            errors.setdefault(field, []).append(_("A band must end above where it starts."))
        clean.append((start, end, colour, label))
    if len(bands) > MAX_BANDS:
        errors.setdefault("bands", []).append(_("At most %(n)s bands.") % {"n": MAX_BANDS})
    if not errors:
        for n, (current, following) in enumerate(zip(clean, clean[1:]), start=1):  # noqa: B905 (pairs)
            end = current[1]
            if end is None:
                errors.setdefault(f"band{n}", []).append(_("Only the last band may have no upper bound."))
            elif following[0] != end:
                errors.setdefault(f"band{n + 1}", []).append(
                    _("Each band starts where the previous one ends (%(end)s).") % {"end": f"{end.normalize():f}"})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = [{"start": str(b.start), "end": None if b.end is None else str(b.end), "colour": b.colour,
                   "label": b.label} for b in indicator.legends.all()]
        indicator.legends.all().delete()
        made = Legend.objects.bulk_create([Legend(indicator=indicator, start=start, end=end, colour=colour,
                                                  label=label) for start, end, colour, label in clean])
        record_audit(actor=actor, action="indicator.set_legend", obj=indicator, before={"bands": before},
                     after={"bands": [{"start": str(b.start), "end": None if b.end is None else str(b.end),
                                       "colour": b.colour, "label": b.label} for b in made]})
    return made


def publish(indicator: Indicator, actor, *, published: bool = True, check_right: bool = False) -> Indicator:
    """Show (or hide, with published=False) the indicator in the public dashboard and
    API. With `check_right`, the actor must be one who manages the indicators."""
    if check_right:
        _require_manage(actor)
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = {"is_published": indicator.is_published}
        indicator.is_published = published
        indicator.save(update_fields=["is_published"])
        record_audit(actor=actor, action="indicator.publish" if published else "indicator.unpublish",
                     obj=indicator, before=before, after={"is_published": published})
    return indicator
