"""Forms of the documents pages: a new draft and the assignment of an incoming document.

They only read and check what was typed; the services create and change documents
and have the last word (their ValidationErrors are put back on these forms' fields).
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import Agency

from .files import PDF_MAGIC
from .models import Confidentiality, DocumentType, SignerCapacity, Urgency

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
MAX_DRAFT_MB = 20
WORD_SUFFIXES = (".docx", ".doc", ".odt", ".rtf")


class DayField(forms.DateField):
    """A date typed dd/mm/yyyy whatever the browser's locale."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y",
                                                    attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))
        kwargs.setdefault("error_messages", {"invalid": _("Write the date as dd/mm/yyyy.")})
        super().__init__(**kwargs)


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


class AgenciesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


class DocumentTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DocumentType) -> str:
        return f"{obj.name} ({obj.code})" if not obj.is_letter else obj.name


class DraftForm(forms.Form):
    """A new outgoing document. `issuers` are the agencies the official may draft for
    (their People's Committee, or their own office); `units` the possible drafting units."""

    agency = AgencyChoiceField(label=_("Issuing agency"), queryset=Agency.objects.none(), empty_label=None)
    document_type = DocumentTypeField(label=_("Document type"),
                                      queryset=DocumentType.objects.filter(is_active=True))
    subject = forms.CharField(label=_("Subject"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    drafting_unit = AgencyChoiceField(label=_("Drafting unit"), queryset=Agency.objects.none(),
                                      required=False, empty_label=_("(none)"))
    is_legal_normative = forms.BooleanField(label=_("Legal normative document"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=Confidentiality.choices,
                                        initial=Confidentiality.NORMAL)
    internal_recipients = AgenciesChoiceField(
        label=_("Recipients on the platform"), required=False,
        queryset=Agency.objects.filter(is_active=True).order_by("unit__level", "name"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("They receive the document as soon as it is issued."))
    external_recipients = forms.CharField(label=_("Other recipients"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}),
                                          help_text=_("One per line"))
    deadline = DayField(label=_("Reply due by"), required=False)
    signer_capacity = forms.ChoiceField(label=_("Signing capacity"), choices=SignerCapacity.choices,
                                        required=False)
    file = forms.FileField(label=_("Draft (PDF)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def __init__(self, *args, issuers, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = issuers
        self.fields["drafting_unit"].queryset = units

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() in WORD_SUFFIXES:
            raise ValidationError(_("Word files cannot be converted on this server: upload a PDF."),
                                  code="word")
        if upload.size > MAX_DRAFT_MB * 1024 * 1024:
            raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_DRAFT_MB}, code="size")
        head = upload.read(len(PDF_MAGIC))
        upload.seek(0)
        if head != PDF_MAGIC:
            raise ValidationError(_("Upload the draft as a PDF file."), code="not_pdf")
        return upload

    def service_arguments(self) -> dict:
        """The keyword arguments of services.create_draft (without the actor)."""
        data = self.cleaned_data
        upload = data["file"]
        return {
            "agency": data["agency"], "document_type": data["document_type"], "subject": data["subject"],
            "drafting_unit": data["drafting_unit"], "is_legal_normative": data["is_legal_normative"],
            "urgency": data["urgency"], "confidentiality": data["confidentiality"],
            "internal_recipients": list(data["internal_recipients"]),
            "external_recipients": data["external_recipients"], "deadline": data["deadline"],
            "signer_capacity": data["signer_capacity"] or SignerCapacity.OWN,
            "draft": (PurePath(upload.name).name, upload.read()),
        }


class AssignForm(forms.Form):
    """The leader's assignment of an incoming document to a lead unit of the agency."""

    lead_unit = AgencyChoiceField(label=_("Lead unit"), queryset=Agency.objects.none(),
                                  error_messages={"required": _("Choose the lead unit.")})
    co_units = AgenciesChoiceField(label=_("Co-operating units"), queryset=Agency.objects.none(),
                                   required=False, widget=forms.CheckboxSelectMultiple)
    deadline = DayField(label=_("Due by"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units


def put_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where the form has the field,
    as a form-wide error otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            messages = [m for e in errors for m in e.messages]
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
