from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chinhquyenso.identity.idnumbers import normalize_id_number, validate_id_number_format
from chinhquyenso.identity.models import Citizen

from .models import Fault
from .provider import subject_for

LEVEL_CHOICES = [(1, _("Level 1 (LoA1)")), (2, _("Level 2 (LoA2)"))]


def citizens_with_accounts():
    return Citizen.objects.filter(eid_level__gte=1)


class PickForm(forms.Form):
    """Who logs in, at what level, and with which deliberate fault."""

    citizen = forms.ModelChoiceField(queryset=citizens_with_accounts(), required=False,
                                     widget=forms.RadioSelect, label=_("Demo citizen"))
    id_number = forms.CharField(
        required=False, max_length=20, label=_("Or another identification number"),
        help_text=_("A number not in the platform's records shows how the platform "
                    "refuses an unknown citizen."))
    level = forms.TypedChoiceField(choices=LEVEL_CHOICES, coerce=int, initial=1,
                                   widget=forms.RadioSelect, label=_("Assurance level"))
    fault = forms.ChoiceField(choices=Fault.choices, required=False, initial=Fault.NONE,
                              label=_("Test: deliberate fault in the ID token"))

    def clean(self):
        data = super().clean()
        citizen, typed = data.get("citizen"), normalize_id_number(data.get("id_number", ""))
        if citizen is None and not typed:
            raise ValidationError(_("Choose a demo citizen or type an identification number."))
        if citizen is not None and typed and typed != citizen.id_number:
            raise ValidationError(_("Choose a demo citizen or type a number, not both."))
        if citizen is None:
            try:
                validate_id_number_format(typed)
            except ValidationError as error:
                self.add_error("id_number", error)
                return data
            citizen = Citizen.objects.filter(id_number=typed).first()
            if citizen is not None and citizen.eid_level < 1:
                self.add_error("id_number", _(
                    "This citizen has no electronic identification account."))
            data["citizen"] = citizen
        data["id_number"] = citizen.id_number if citizen is not None else typed
        return data

    def pick(self) -> dict:
        """The claims of the login, as stored in DemoLogin. A login is never above the
        level of the citizen's account."""
        data = self.cleaned_data
        citizen = data["citizen"]
        level = data["level"]
        if citizen is not None:
            level = min(level, citizen.eid_level)
        return {
            "subject": subject_for(data["id_number"]),
            "id_number": data["id_number"],
            "full_name": citizen.full_name if citizen else "",
            "birth_date": citizen.birth_date if citizen else None,
            "sex": citizen.sex if citizen else "",
            "level": level,
            "fault": data.get("fault") or Fault.NONE,
        }
