"""What a reported value must be, shared by the reporting form, the Excel import and
indicators.services: who may report for which unit, which periods and units can take a
value, how a number is read and what it may be.

Every rule raises a ValidationError with a `code`, so the import can say each row's
reasons and the tests can check them whatever the language:

    missing, not_a_number, negative, not_positive, too_large, exceeds_denominator,
    future_period, unit_not_in_force, unknown_option, option_required, no_options

(indicators.services adds computed_indicator and options_exceed_denominator;
value_import adds unknown_indicator, unknown_unit, unit_not_allowed, bad_period,
duplicate and denominator_mismatch.)

    REPORT_ACTION                              the capability (org.permissions)
    may_report(user, unit) -> bool / may_report_somewhere(user) -> bool
    reportable_units(user) -> [AdministrativeUnit]   current units, province to ward
    reported_indicators() -> [Indicator]              group by group
    read_number(value) -> Decimal | None       a cell or a form field; None when empty
    check_amount(value, field, *, required, positive=False) -> Decimal | None
    check_numbers(indicator, numerator, denominator) -> (Decimal, Decimal | None)
    check_period(period, *, today) / check_unit_in_force(unit, period)
    option_of(indicator, text) -> str          the option as the indicator names it
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel
from chinhquyenso.org.permissions import can, scope_units

from .computation import Period
from .models import Group, Indicator, Source

REPORT_ACTION = "indicators.report"
CENT = Decimal("0.01")
# IndicatorValue's numbers: 18 digits, 2 of them decimals.
LARGEST = Decimal("9999999999999999.99")


def may_report(user, unit: AdministrativeUnit) -> bool:
    return can(user, REPORT_ACTION, unit)


def may_report_somewhere(user) -> bool:
    return can(user, REPORT_ACTION)


def reportable_units(user) -> list[AdministrativeUnit]:
    """The units in force that `user` may report for, from the province down to the
    wards and communes (the units indicators are reported for), in the order of the
    official list: the units of their roles and every unit below them."""
    roots = [u for u in scope_units(user, REPORT_ACTION) if u.level <= UnitLevel.WARD]
    found = {u.pk: u for u in roots}
    frontier = set(found)
    while frontier:
        children = list(AdministrativeUnit.objects.filter(parent_id__in=frontier, level__lte=UnitLevel.WARD)
                        .exclude(pk__in=found))
        found.update((u.pk, u) for u in children)
        frontier = {u.pk for u in children}
    return sorted((u for u in found.values() if u.valid_to is None), key=lambda u: (u.level, u.code))


def reported_indicators() -> list[Indicator]:
    """The reported indicators, group by group in the order of the dashboards."""
    groups = {value: i for i, value in enumerate(Group.values)}
    return sorted(Indicator.objects.filter(source=Source.REPORTED),
                  key=lambda i: (groups.get(i.group, len(groups)), i.order, i.code))


def _error(message: str, code: str, field: str | None = None) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: [error]}) if field else error


# "1.234", "1,234", "1 234 567": digits in groups of three, one separator throughout.
_GROUPED = re.compile(r"^[1-9]\d{0,2}([., ])\d{3}(?:\1\d{3})*$")


def read_number(value) -> Decimal | None:
    """A number from an Excel cell or a form field: a number, or text written the
    Vietnamese way ("1.234" or "1 234" = 1234; "12,5" = 12.5) or the English way
    ("1,234.5"). None when empty; ValidationError(code="not_a_number") otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _error(_("Enter a number."), "not_a_number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        original = " ".join(str(value).replace("\u00a0", " ").replace("\u202f", " ").split())
        if not original:
            return None
        text = original
        if _GROUPED.match(text):  # thousands separators only
            text = re.sub(r"[., ]", "", text)
        else:
            text = re.sub(r"(?<=\d) (?=\d{3}\b)", "", text)  # "1 234,5"
        if "," in text and "." in text:  # the last one is the decimal mark
            decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
            text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
        else:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _error(_("“%(value)s” is not a number.") % {"value": original[:40]},
                         "not_a_number") from None
    if not number.is_finite():
        raise _error(_("Enter a number."), "not_a_number")
    return number


def check_amount(value, field: str, *, required: bool, positive: bool = False) -> Decimal | None:
    """One number, keyed `field` in the errors: present when `required`, a number, not
    negative (above zero when `positive`), at most 16 digits before the decimal mark;
    rounded to two decimals."""
    try:
        number = read_number(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from None
    if number is None:
        if required:
            raise _error(_("This value is missing."), "missing", field)
        return None
    if number < 0:
        raise _error(_("The number cannot be negative."), "negative", field)
    if positive and number == 0:
        raise _error(_("Enter a number greater than zero."), "not_positive", field)
    number = number.quantize(CENT, ROUND_HALF_UP)
    if number > LARGEST:
        raise _error(_("The number is too large."), "too_large", field)
    return number


def numerator_field(option: str = "") -> str:
    return f"numerator:{option}" if option else "numerator"


def check_numbers(indicator: Indicator, numerator, denominator, *,
                  option: str = "") -> tuple[Decimal, Decimal | None]:
    """The numerator and denominator of one value, checked: present, numbers, not
    negative, a denominator above zero (it may be left out only for a count, factor 1),
    and for a percentage (factor 100) a numerator not above the denominator. Errors are
    keyed "numerator" (or "numerator:<option>") and "denominator". Amounts keep two
    decimals."""
    errors: dict[str, list] = {}
    field = numerator_field(option)
    checked_numerator = checked_denominator = None
    try:
        checked_numerator = check_amount(numerator, field, required=True)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        checked_denominator = check_amount(denominator, "denominator", required=indicator.factor != 1,
                                       positive=True)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    if indicator.factor == 100 and checked_numerator > checked_denominator:
        raise _error(_("The numerator (%(numerator)s) cannot exceed the denominator (%(denominator)s) "
                       "of a percentage.") % {"numerator": _plain(checked_numerator),
                                              "denominator": _plain(checked_denominator)},
                     "exceeds_denominator", field)
    return checked_numerator, checked_denominator


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def check_period(period: Period, *, today: date) -> None:
    if period.start > today:
        raise _error(_("The period %(period)s has not started yet.") % {"period": period.label},
                     "future_period", "period")


def unit_in_force_q(period: Period) -> Q:
    return Q(valid_from__lte=period.end) & (Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))


def check_unit_in_force(unit: AdministrativeUnit, period: Period) -> None:
    if unit.valid_from > period.end or (unit.valid_to is not None and unit.valid_to < period.start):
        raise _error(_("%(unit)s did not exist in the period %(period)s.")
                     % {"unit": unit.name, "period": period.label}, "unit_not_in_force", "unit")


def option_of(indicator: Indicator, text: str) -> str:
    """The breakdown option `text` names (case and accents ignored), as the indicator
    writes it; "" for an indicator without options and no text."""
    options = list(indicator.breakdown_options or [])
    text = (text or "").strip()
    if not options:
        if text:
            raise _error(_("The indicator “%(indicator)s” is not broken down: leave the option empty.")
                         % {"indicator": indicator.code}, "no_options", "breakdown")
        return ""
    if not text:
        raise _error(_("Choose one of the options of “%(indicator)s”: %(options)s.")
                     % {"indicator": indicator.code, "options": ", ".join(options)},
                     "option_required", "breakdown")
    wanted = normalize_vi(text)
    for option in options:
        if normalize_vi(option) == wanted:
            return option
    raise _error(_("“%(value)s” is not an option of “%(indicator)s”: %(options)s.")
                 % {"value": text[:60], "indicator": indicator.code, "options": ", ".join(options)},
                 "unknown_option", "breakdown")
