"""Forms of the pages that set up a plan: the plan itself, a goal with the indicators
that measure it (and the values it aims at), a task.

They only turn what was typed into what the services take: agencies, goals and
indicators from their ids, a target value written with a decimal comma. The services
check everything else and have the last word; their ValidationErrors are put back on
these forms' fields (`put_errors`). So no field is "required" here, even where the
service requires it: the browser is told (the `required` attribute), and the service
says what is missing in its own words.

An edit form carries the values it was opened with (Django's hidden "initial-" inputs),
so a page sends the services only what the user changed (`changes()`): a field that
another leader changed meanwhile, and this one did not touch, is not written back. A
field both changed is a stale edit (`check_stale()`): the form says what it is now and
carries that value instead, so that saving again replaces it knowingly.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from chinhquyenso.indicators.models import Group, Indicator
from chinhquyenso.org.forms import AgenciesChoiceField, AgencyChoiceField
from chinhquyenso.org.models import Agency, AgencyKind
from chinhquyenso.org.permissions import can

from .models import Goal, Plan, Task

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off",
              "pattern": r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"}
YEAR_ATTRS = {"min": 2000, "max": 2100, "step": 1, "inputmode": "numeric"}


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _needed(form: forms.Form, *names: str) -> None:
    """Fields the service will ask for: the browser asks first, the label says so."""
    for name in names:
        if name in form.fields:
            form.fields[name].widget.attrs["required"] = True


def put_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: next to the field it names when the
    form shows that field, above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, [m for e in errors for m in e.messages])
    else:
        form.add_error(None, error.messages)


def _shown(value: str, limit: int = 80) -> str:
    value = str(value)
    return value if len(value) <= limit else value[:limit - 1] + "…"


class PageForm(forms.Form):
    """What the plans' forms share: the values an edit form was opened with, and what
    the user changed since."""

    def carry_initial(self) -> None:
        """An edit form: each field carries the value it was opened with."""
        for field in self.fields.values():
            field.show_hidden_initial = True

    @property
    def has_field_errors(self) -> bool:
        return any(name != NON_FIELD_ERRORS for name in self.errors)

    def _opened_here(self) -> bool:
        """Posted from a form these pages rendered (which carries its initial values)."""
        return any(str(key).startswith("initial-") for key in self.data)

    @cached_property
    def changed_data(self) -> list[str]:
        if self._opened_here():
            return super().changed_data
        # Sent by another client, without the values it was opened with: compared with
        # what is stored.
        return [name for name, field in self.fields.items()
                if field.has_changed(self.initial.get(name), self[name].data)]

    def opened_with(self, name: str):
        bound = self[name]
        return self._widget_data_value(bound.field.hidden_widget(), bound.html_initial_name)

    def _stored_label(self, name: str, value) -> str:
        field = self.fields[name]
        if isinstance(field, forms.ModelMultipleChoiceField):
            return "; ".join(field.label_from_instance(o) for o in field.queryset.filter(pk__in=value or [])) or "—"
        if isinstance(field, forms.ModelChoiceField):
            found = field.queryset.filter(pk=value).first() if value else None
            return field.label_from_instance(found) if found else "—"
        if isinstance(field, forms.MultipleChoiceField):
            labels = {str(k): v for k, v in _flat_choices(field.choices)}
            return "; ".join(labels.get(str(v), str(v)) for v in value or []) or "—"
        return _shown(value) if value not in (None, "") else "—"

    def _mark_stale(self, name: str, shown: str, stored: list[str] | str, key: str = "") -> None:
        self.add_error(name, _("Someone else changed this while you were editing: it is now “%(value)s”. "
                               "Save again to replace it with yours.") % {"value": shown})
        data = self.data.copy()
        key = key or self[name].html_initial_name
        if isinstance(stored, list):
            data.setlist(key, stored)
        else:
            data[key] = stored
        self.data = data

    def check_stale(self) -> bool:
        """Mark the fields this user changed that someone else changed too since the
        form was opened; True if there are any."""
        if not self._opened_here():
            return False
        stale = False
        for name in self.changed_data:
            field, stored = self.fields[name], self.initial.get(name)
            if field.show_hidden_initial and field.has_changed(stored, self.opened_with(name)):
                stale = True
                as_data = ([str(v) for v in stored or []] if isinstance(field, forms.MultipleChoiceField)
                           else ("" if stored is None else str(stored)))
                self._mark_stale(name, self._stored_label(name, stored), as_data)
        return stale


def _flat_choices(choices):
    for key, value in choices:
        if isinstance(value, list | tuple):
            yield from value
        else:
            yield key, value


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Goal) -> str:
        text = obj.text if len(obj.text) <= 90 else obj.text[:89] + "…"
        return f"{obj.order}. {text}"


def _text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


def _label(model, name: str):
    """The model field's name, as the admin shows it (one translation for both)."""
    return capfirst(model._meta.get_field(name).verbose_name)


def _help(model, name: str):
    return model._meta.get_field(name).help_text


# --- a plan ----------------------------------------------------------------------------------

def issuing_agencies(user, current: Agency | None = None) -> QuerySet[Agency]:
    """The People's Committees whose plans `user` manages (and the plan's own issuer,
    whatever it is): the choices of "issuing agency"."""
    committees = (Agency.objects.filter(is_active=True, kind=AgencyKind.PEOPLES_COMMITTEE)
                  .select_related("unit__parent__parent"))
    ids = [a.pk for a in committees if can(user, "plans.manage", a.unit)]
    if current is not None:
        ids.append(current.pk)
    return Agency.objects.filter(pk__in=ids).order_by("unit__level", "unit__code", "name")


class PlanForm(PageForm):
    code = forms.CharField(label=_label(Plan, "code"), required=False, max_length=64,
                           widget=_text_input(autocapitalize="none", spellcheck="false"),
                           help_text=_("Lower-case letters without accents, digits and hyphens, e.g. "
                                       "ke-hoach-cds-2025: the plan's address, which cannot be changed later."))
    name = forms.CharField(label=_label(Plan, "name"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}))
    issuing_agency = AgencyChoiceField(label=_label(Plan, "issuing_agency"), queryset=Agency.objects.none(),
                                       required=False, empty_label=_("Choose…"))
    start_year = forms.CharField(label=_label(Plan, "start_year"), required=False,
                                 widget=forms.NumberInput(YEAR_ATTRS))
    end_year = forms.CharField(label=_label(Plan, "end_year"), required=False, widget=forms.NumberInput(YEAR_ATTRS))
    outlook_year = forms.CharField(label=_label(Plan, "outlook_year"), required=False,
                                   widget=forms.NumberInput(YEAR_ATTRS), help_text=_help(Plan, "outlook_year"))
    decision_number = forms.CharField(label=_label(Plan, "decision_number"), required=False,
                                      widget=_text_input(maxlength=64), help_text=_help(Plan, "decision_number"))
    decision_date = forms.CharField(label=_label(Plan, "decision_date"), required=False,
                                    widget=_text_input(**DATE_ATTRS))
    description = forms.CharField(label=_label(Plan, "description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4, "maxlength": 10000}))

    def __init__(self, *args, agencies: QuerySet[Agency], plan: Plan | None = None, **kwargs):
        self.plan = plan
        if plan is not None:
            kwargs["initial"] = {
                "name": plan.name, "issuing_agency": plan.issuing_agency_id, "start_year": str(plan.start_year),
                "end_year": str(plan.end_year), "outlook_year": str(plan.outlook_year or ""),
                "decision_number": plan.decision_number, "decision_date": _day(plan.decision_date),
                "description": plan.description, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["issuing_agency"].queryset = agencies
        if plan is not None:
            del self.fields["code"]  # the plan's address: kept for good
            self.carry_initial()
        _needed(self, "code", "name", "issuing_agency", "start_year", "end_year")

    def create_arguments(self) -> dict:
        return dict(self.cleaned_data)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


# --- a goal ----------------------------------------------------------------------------------

def _target_text(value: Decimal | None) -> str:
    """A stored target value as typed in Vietnamese: 80, 97,5."""
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else str(value).rstrip("0")
    return text.replace(".", ",")


def _target_value(text: str) -> str:
    """What was typed, with a decimal comma ("97,5", "1.000,5") or point ("97.5"),
    as the service reads it; the service says whether it is a number."""
    text = text.strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


def _measures_key(measures: dict[int, Decimal | None]) -> str:
    return ";".join(f"{pk}={'' if value is None else value.normalize()}" for pk, value in sorted(measures.items()))


def _indicator_groups() -> list[tuple[str, list[Indicator]]]:
    """The catalogue, group by group in the dashboards' order."""
    labels = dict(Group.choices)
    groups: dict[str, list[Indicator]] = {}
    for indicator in Indicator.objects.order_by("order", "code"):
        groups.setdefault(indicator.group, []).append(indicator)
    order = list(labels)
    return [(labels.get(g, g), items) for g, items in sorted(groups.items(),
                                                            key=lambda kv: order.index(kv[0]) if kv[0] in order
                                                            else len(order))]


class GoalForm(PageForm):
    text = forms.CharField(label=_label(Goal, "text"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))
    target_text = forms.CharField(label=_("To be reached"), required=False,
                                  widget=_text_input(maxlength=500),
                                  help_text=_help(Goal, "target_text"))
    order = forms.CharField(label=_label(Goal, "order"), required=False,
                            widget=forms.NumberInput({"min": 1, "max": 999, "step": 1, "inputmode": "numeric"}))
    # The catalogue's indicators, ticked; each with its target value ("target-<id>").
    indicators = forms.TypedMultipleChoiceField(label=_label(Goal, "indicators"), required=False,
                                                coerce=int, choices=())

    def __init__(self, *args, goal: Goal | None = None, **kwargs):
        self.goal = goal
        self.groups = _indicator_groups()
        self.current: dict[int, Decimal | None] = {}
        if goal is not None:
            self.current = {m.indicator_id: m.target_value for m in goal.measures.all()}
            kwargs["initial"] = {"text": goal.text, "target_text": goal.target_text, "order": str(goal.order),
                                 "indicators": list(self.current)}
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = [(i.pk, i.name) for _g, items in self.groups for i in items]
        self.fields["order"].help_text = (_("Empty: keep the number.") if goal is not None
                                          else _("Empty: after the last goal."))
        _needed(self, "text")
        if goal is not None:
            for name in ("text", "target_text", "order"):
                self.fields[name].show_hidden_initial = True

    def _typed_target(self, indicator_id: int) -> str:
        return str(self.data.get(f"target-{indicator_id}", "")).strip()

    def clean(self):
        cleaned = super().clean()
        chosen = set(cleaned.get("indicators") or ())
        by_id = {i.pk: i for _g, items in self.groups for i in items}
        measures = []
        for indicator_id, indicator in by_id.items():
            typed = self._typed_target(indicator_id)
            if indicator_id in chosen:
                measures.append((indicator, _target_value(typed)))
            elif typed:
                self.add_error("indicators", _("Tick “%(indicator)s” to give it a target value.")
                               % {"indicator": indicator.name})
        cleaned["measures"] = measures
        return cleaned

    def indicator_rows(self) -> list[tuple[str, list[dict]]]:
        """What the indicators' fieldset shows: per group, each indicator ticked or not,
        with its target value (as typed, or as stored)."""
        if self.is_bound:
            chosen = {str(v) for v in self.data.getlist("indicators")} if hasattr(self.data, "getlist") else set()
            targets = {i.pk: self._typed_target(i.pk) for _g, items in self.groups for i in items}
        else:
            chosen = {str(pk) for pk in self.current}
            targets = {pk: _target_text(value) for pk, value in self.current.items()}
        return [(label, [{"indicator": i, "checked": str(i.pk) in chosen, "target": targets.get(i.pk, "")}
                         for i in items]) for label, items in self.groups]

    def stored_measures(self) -> str:
        """The goal's indicators and targets as stored, in a form that compares: the
        hidden "initial-measures" of an edit form."""
        return _measures_key(self.current)

    def _typed_measures(self) -> str | None:
        typed: dict[int, Decimal | None] = {}
        for indicator, text in self.cleaned_data["measures"]:
            try:
                typed[indicator.pk] = Decimal(text) if text else None
            except InvalidOperation:
                return None  # not a number: the service says so
        return _measures_key(typed)

    def opened_measures(self) -> str:
        return str(self.data.get("initial-measures", self.stored_measures()))

    def _measures_changed(self) -> bool:
        typed = self._typed_measures()
        return typed is None or typed != self.opened_measures()

    def check_stale(self) -> bool:
        stale = super().check_stale()
        opened, stored = self.opened_measures(), self.stored_measures()
        if self.goal is not None and self._measures_changed() and opened != stored:
            names = "; ".join(m.indicator.name for m in self.goal.measures.all()) or "—"
            self._mark_stale("indicators", _shown(names), stored, key="initial-measures")
            stale = True
        return stale

    def create_arguments(self) -> dict:
        data = self.cleaned_data
        return {"text": data["text"], "target_text": data["target_text"], "order": data["order"],
                "indicators": data["measures"]}

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {name: data[name] for name in ("text", "target_text", "order") if name in self.changed_data}
        if self._measures_changed():
            changes["indicators"] = data["measures"]
        return changes


# --- a task ----------------------------------------------------------------------------------

class TaskForm(PageForm):
    name = forms.CharField(label=_label(Task, "name"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}))
    goal = GoalChoiceField(label=_label(Task, "goal"), queryset=Goal.objects.none(), required=False,
                           empty_label=_("(none)"))
    order = forms.CharField(label=_label(Task, "order"), required=False,
                            widget=forms.NumberInput({"min": 1, "max": 999, "step": 1, "inputmode": "numeric"}))
    lead_unit = AgencyChoiceField(label=_label(Task, "lead_unit"), queryset=Agency.objects.none(), required=False,
                                  empty_label=_("Choose…"))
    co_units = AgenciesChoiceField(label=_label(Task, "co_units"), queryset=Agency.objects.none(), required=False,
                                   widget=forms.CheckboxSelectMultiple)
    start_date = forms.CharField(label=_label(Task, "start_date"), required=False, widget=_text_input(**DATE_ATTRS))
    deadline = forms.CharField(label=_label(Task, "deadline"), required=False, widget=_text_input(**DATE_ATTRS),
                               help_text=_help(Task, "deadline"))
    indicators = forms.TypedMultipleChoiceField(label=_label(Task, "indicators"), required=False,
                                                coerce=int, choices=(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, plan: Plan, task: Task | None = None, **kwargs):
        self.plan, self.task = plan, task
        current_units: list[int] = []
        if task is not None:
            co_units = [a.pk for a in task.co_units.all()]
            current_units = [task.lead_unit_id, *co_units]
            kwargs["initial"] = {
                "name": task.name, "goal": task.goal_id, "order": str(task.order), "lead_unit": task.lead_unit_id,
                "co_units": co_units, "start_date": _day(task.start_date), "deadline": _day(task.deadline),
                "indicators": [i.pk for i in task.indicators.all()]}
        super().__init__(*args, **kwargs)
        # Inactive agencies are no longer offered, but a task keeps the ones it has.
        agencies = (Agency.objects.filter(Q(is_active=True) | Q(pk__in=current_units))
                    .order_by("unit__level", "unit__code", "name"))
        self.fields["lead_unit"].queryset = agencies
        self.fields["co_units"].queryset = agencies
        self.fields["goal"].queryset = plan.goals.order_by("order")
        self.fields["indicators"].choices = [(label, [(i.pk, i.name) for i in items])
                                             for label, items in _indicator_groups()]
        self.fields["order"].help_text = (_("Empty: keep the number.") if task is not None
                                          else _("Empty: after the last task."))
        _needed(self, "name", "lead_unit")
        if task is not None:
            self.carry_initial()

    def clean_indicators(self) -> list[Indicator]:
        ids = self.cleaned_data["indicators"]
        return list(Indicator.objects.filter(pk__in=ids).order_by("order", "code"))

    def create_arguments(self) -> dict:
        return dict(self.cleaned_data)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}
