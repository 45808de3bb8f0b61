from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class OfficialLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("User name"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                      "autocapitalize": "none"}))
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        "invalid_login": _("Wrong user name or password. Please check and try again; "
                           "after several failed attempts the account is locked for a while."),
        "inactive": _("This account has been disabled."),
    }


class TotpCodeForm(forms.Form):
    """The 6-digit code shown by the official's authenticator app."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"), max_length=12,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                      "inputmode": "numeric", "pattern": "[0-9 ]*",
                                      "size": 8}))

    def __init__(self, *args, digits: int = 6, **kwargs):
        super().__init__(*args, **kwargs)
        self.digits = digits

    def clean_otp_token(self) -> str:
        token = "".join(self.cleaned_data["otp_token"].split())
        if not token.isdigit() or len(token) != self.digits:
            raise forms.ValidationError(
                _("Type the %(digits)d digits shown in your authenticator app.")
                % {"digits": self.digits})
        return token


class SecondFactorPolicyForm(forms.Form):
    """Require (or stop requiring) an authenticator code for one role."""

    role = forms.ChoiceField(label=_("Role"), choices=[])
    require_totp = forms.TypedChoiceField(
        label=_("Authenticator code required"), coerce=lambda value: value == "1",
        choices=[("1", _("Required")), ("0", _("Not required"))])

    def __init__(self, *args, **kwargs):
        from .models import Role

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices


class AgencyChoiceField(forms.ModelChoiceField):
    """An agency, listed by its name."""

    def label_from_instance(self, obj) -> str:
        return obj.name


class AgenciesChoiceField(forms.ModelMultipleChoiceField):
    """Agencies, listed by their names."""

    def label_from_instance(self, obj) -> str:
        return obj.name
