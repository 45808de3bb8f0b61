"""A procedure's form, built at run time from its stored specification, and the
validation of what a citizen fills in.

The specification is a list of dicts (see procedures.rules.check_form_spec):
``{"key": ..., "label": ..., "type": ..., "required": bool, "choices": [...]}``.
Answers are stored as JSON: dates as "YYYY-MM-DD", numbers as ints (whole numbers) or
decimal strings (never floats), choices as the chosen label, phone numbers as
10 digits starting with 0, identification numbers as 12 digits.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
TEXT_MAX_LENGTH = 500
TEXTAREA_MAX_LENGTH = 5000
NUMBER_MAX_DIGITS = 20

# 1.000.000 or 1.000.000,5: dots group thousands the Vietnamese way.
_VI_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-]")
_PHONE = re.compile(r"^0[0-9]{9}$")
_ID_NUMBER = re.compile(r"^[0-9]{12}$")


class VietnameseDateField(forms.DateField):
    """A date typed as dd/mm/yyyy (or yyyy-mm-dd), in a plain text box so that it works
    the same on every browser and phone."""

    default_error_messages = {
        "invalid": _("Enter the date as dd/mm/yyyy, for example 25/03/2024."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": _("dd/mm/yyyy"), "autocomplete": "off"}))
        super().__init__(**kwargs)


class NumberField(forms.DecimalField):
    """A number. Accepts a comma or a dot as the decimal mark and Vietnamese thousands
    grouping (1.000.000); spaces are ignored."""

    default_error_messages = {
        "invalid": _("Enter a number, for example 12 or 1,5."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", NUMBER_MAX_DIGITS)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = _plain_number(value)
        return super().to_python(value)


class PhoneField(forms.CharField):
    """A Vietnamese phone number: 10 digits starting with 0. Spaces, dots and dashes are
    removed; a leading +84 is turned into 0."""

    default_error_messages = {
        "invalid": _("Enter a phone number of 10 digits starting with 0, "
                     "for example 0912 345 678."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = _PHONE_SEPARATORS.sub("", super().to_python(value))
        if value.startswith("+84"):
            value = "0" + value[3:]
        return value

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and not _PHONE.match(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")


class IdNumberField(forms.CharField):
    """A citizen identification number: 12 digits (spaces are ignored)."""

    default_error_messages = {
        "invalid": _("The identification number must be 12 digits."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return re.sub(r"\s", "", super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and not _ID_NUMBER.match(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")


def _plain_number(value: str) -> str:
    """Rewrite a number as typed by a citizen into the form Decimal() reads."""
    value = re.sub(r"\s", "", value)
    if _VI_GROUPED.match(value):
        return value.replace(".", "").replace(",", ".")
    if "," in value and "." not in value and value.count(",") == 1:
        return value.replace(",", ".")
    return value


def _choice_label(choice) -> str:
    if isinstance(choice, dict):
        return str(choice.get("label", ""))
    return str(choice)


def _field_for(spec: dict) -> forms.Field:
    kind = spec.get("type")
    common = {"label": spec.get("label") or spec.get("key"),
              "required": bool(spec.get("required", False))}
    if kind == "text":
        return forms.CharField(max_length=TEXT_MAX_LENGTH, **common)
    if kind == "textarea":
        return forms.CharField(max_length=TEXTAREA_MAX_LENGTH,
                               widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == "date":
        return VietnameseDateField(**common)
    if kind == "number":
        return NumberField(**common)
    if kind == "choice":
        labels = [_choice_label(c) for c in spec.get("choices") or []]
        return forms.ChoiceField(choices=[("", _("— Choose —"))] + [(lb, lb) for lb in labels],
                                 **common)
    if kind == "email":
        return forms.EmailField(
            widget=forms.EmailInput(attrs={"autocomplete": "email"}), **common)
    if kind == "phone":
        return PhoneField(**common)
    if kind == "id_number":
        return IdNumberField(**common)
    raise ValueError(f"Unknown form field type {kind!r} for key {spec.get('key')!r}")


def form_class_for(spec: list[dict]) -> type[forms.Form]:
    """A Form subclass with one field per entry of the specification, in its order."""
    fields = {str(item["key"]): _field_for(item) for item in spec}
    return type("AnswersForm", (forms.Form,), fields)


def _json_safe(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return f"{value:f}"
    return value


def initial_for(spec: list[dict], answers: dict) -> dict:
    """Stored answers as a form's initial values, shown the way citizens type them:
    dates as dd/mm/yyyy and decimals with a comma (a stored "1.234" would otherwise be
    read back as one thousand two hundred and thirty-four)."""
    kinds = {str(item["key"]): item.get("type") for item in spec}
    initial = {}
    for key, value in answers.items():
        kind = kinds.get(key)
        if kind is None or value is None:
            continue
        if kind == "date" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        elif kind == "number" and isinstance(value, str):
            value = value.replace(".", ",")
        initial[key] = value
    return initial


def clean_answers(spec: list[dict], data) -> dict:
    """Validate submitted data (a dict or QueryDict) against the specification and return
    the answers, JSON-safe, keyed by field key. Keys not in the specification are ignored.
    Empty optional answers are "" (text-like fields) or None (dates and numbers).

    Raises ValidationError({key: [messages]}) when any answer is missing or wrong."""
    form = form_class_for(spec)(data=data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return {key: _json_safe(value) for key, value in form.cleaned_data.items()}
