"""Forms of the documents pages: a new draft and its replacement, the assignment of an
incoming document, signing certificates and signatures made outside the platform, paper
documents, and the edXML exchange.

They only read and check what was typed; the services create and change documents
and have the last word (their ValidationErrors are put back on these forms' fields).
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.forms import AgenciesChoiceField, AgencyChoiceField
from chinhquyenso.org.models import Agency

from . import edxml
from .files import PDF_MAGIC
from .models import Confidentiality, DocumentType, SignerCapacity, Urgency

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
MAX_DRAFT_MB = 20
MAX_KEY_FILE_KB = 256
MAX_PACKAGE_MB = 50  # edxml.DEFAULT_MAX_PACKAGE_BYTES
WORD_SUFFIXES = (".docx", ".doc", ".odt", ".rtf")


class DayField(forms.DateField):
    """A date typed dd/mm/yyyy whatever the browser's locale."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y",
                                                    attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))
        kwargs.setdefault("error_messages", {"invalid": _("Write the date as dd/mm/yyyy.")})
        super().__init__(**kwargs)


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
        return _checked_pdf(upload, _("Upload the draft as a PDF file."))

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


def _checked_size(upload, megabytes: int):
    if upload.size > megabytes * 1024 * 1024:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": megabytes}, code="size")
    return upload


def _checked_pdf(upload, message, megabytes: int = MAX_DRAFT_MB):
    _checked_size(upload, megabytes)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(message, code="not_pdf")
    return upload


def read_upload(upload) -> tuple[str, bytes]:
    """(file name without its folders, bytes) of an uploaded file."""
    upload.seek(0)
    return PurePath(upload.name).name, upload.read()


PDF_ACCEPT = {"accept": "application/pdf,.pdf"}


class ReplaceDraftForm(forms.Form):
    """A new version of the draft file (the service converts a Word file when it can)."""

    file = forms.FileField(label=_("New version of the draft (PDF)"), widget=forms.ClearableFileInput(
        attrs={"accept": "application/pdf,.pdf,.docx,.doc,.odt,.rtf"}))

    def clean_file(self):
        return _checked_size(self.cleaned_data["file"], MAX_DRAFT_MB)


class SignedPdfForm(forms.Form):
    """The approved draft signed with the token's own software, uploaded back."""

    file = forms.FileField(label=_("PDF signed with my token"), widget=forms.ClearableFileInput(attrs=PDF_ACCEPT))

    def clean_file(self):
        return _checked_pdf(self.cleaned_data["file"], _("The signed document must be a PDF file."))


class DeviceSignatureForm(forms.Form):
    """Phase two of a signature on the signer's device: what the device answered."""

    signature = forms.CharField(
        label=_("Signature returned by the device (base64)"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": _("Paste the signature the device returned.")})

    def clean_signature(self) -> bytes:
        text = re.sub(r"\s+", "", self.cleaned_data["signature"])
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError(_("The signature must be base64."), code="base64") from exc


class KeyFileForm(forms.Form):
    """A PKCS#12 key file (.p12, .pfx) and its passphrase. The passphrase opens the file
    once, is never stored, never written back into the page."""

    pkcs12 = forms.FileField(label=_("Key file (PKCS#12: .p12 or .pfx)"), widget=forms.ClearableFileInput(
        attrs={"accept": ".p12,.pfx,application/x-pkcs12"}))
    passphrase = forms.CharField(label=_("Passphrase of the key file"), strip=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False))

    def clean_pkcs12(self):
        upload = self.cleaned_data["pkcs12"]
        if upload.size > MAX_KEY_FILE_KB * 1024:
            raise ValidationError(_("A key file is smaller than %(kb)s KB: this is not one.")
                                  % {"kb": MAX_KEY_FILE_KB}, code="size")
        return upload


class ExternalCertificateForm(forms.Form):
    """The certificate of a key kept on a token or a phone (its key never comes here)."""

    certificate = forms.FileField(label=_("Certificate (PEM or DER: .cer, .crt, .pem)"),
                                  widget=forms.ClearableFileInput(attrs={"accept": ".cer,.crt,.pem,.der"}))
    chain = forms.FileField(label=_("Certificates of its issuers (PEM)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": ".cer,.crt,.pem"}))
    signer_url = forms.CharField(
        label=_("Signer address"), required=False, max_length=200,
        help_text=_("The address of your token helper or remote-signing service; without one you sign "
                    "on your device in two steps on the document's page."))

    def clean_certificate(self):
        upload = self.cleaned_data["certificate"]
        if upload.size > MAX_KEY_FILE_KB * 1024:
            raise ValidationError(_("This is not a certificate file (PEM or DER)."), code="size")
        return upload


def parse_organs(text: str) -> list[edxml.Organ]:
    """Recipients typed one a line as “organisation code name” (e.g. “000.00.01.H08 Sở Nội
    vụ”); a separator after the code (-, –, :, |, ;, ,) is allowed."""
    organs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        code, _sep, name = line.partition(" ")
        code = code.strip(" -–:|;,")
        name = name.strip().lstrip("-–:|;,").strip()
        organs.append(edxml.Organ(code, name))
    return organs


ORGAN_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{2,31}$")


class ExportForm(forms.Form):
    """Optional recipients of an edXML package: by default the document's own recipients
    on the platform."""

    recipients = forms.CharField(
        label=_("Recipient organisations"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One a line: organisation code, then name, e.g. “000.00.01.H08 Sở Nội vụ”. "
                    "Empty: the recipients on the platform."))

    def clean_recipients(self) -> list[edxml.Organ] | None:
        organs = parse_organs(self.cleaned_data["recipients"])
        for organ in organs:
            if not ORGAN_CODE.match(organ.id):
                raise ValidationError(_("“%(code)s” is not an organisation code (e.g. 000.00.01.H08).")
                                      % {"code": organ.id}, code="organ")
        return organs or None


class ExchangeFileForm(forms.Form):
    """An edXML file received for one of the clerk's agencies (a package or a status)."""

    agency = AgencyChoiceField(label=_("Receiving agency"), queryset=Agency.objects.none(), empty_label=None)
    file = forms.FileField(label=_("edXML file"), widget=forms.ClearableFileInput(
        attrs={"accept": ".edxml,.xml,application/xml,text/xml"}))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean_file(self):
        return _checked_size(self.cleaned_data["file"], MAX_PACKAGE_MB)


class RejectPackageForm(ExchangeFileForm):
    """Answer a package that cannot be received with a “rejected” status for its sender."""

    reason = forms.CharField(label=_("Reason for the rejection"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Give the reason for returning the document.")})


class PaperDocumentForm(forms.Form):
    """A document that came on paper, recorded with its scan."""

    agency = AgencyChoiceField(label=_("Receiving agency"), queryset=Agency.objects.none(), empty_label=None)
    from_agency = AgencyChoiceField(label=_("Sending agency on the platform"), required=False,
                                    queryset=Agency.objects.filter(is_active=True).order_by("unit__level", "name"),
                                    empty_label=_("(another organisation or a person)"))
    sender_name = forms.CharField(label=_("Sender"), required=False, max_length=250,
                                  help_text=_("The organisation or person who sent it, as written on it."))
    original_notation = forms.CharField(label=_("Number and notation"), required=False, max_length=100,
                                        widget=forms.TextInput(attrs={"placeholder": "12/UBND-VP"}))
    original_date = DayField(label=_("Date of the document"), required=False)
    document_type = DocumentTypeField(label=_("Document type"), required=False,
                                      queryset=DocumentType.objects.filter(is_active=True),
                                      empty_label=_("(not stated)"))
    subject = forms.CharField(label=_("Subject"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=Confidentiality.choices,
                                        initial=Confidentiality.NORMAL)
    deadline = DayField(label=_("Reply due by"), required=False)
    scan = forms.FileField(label=_("Scan (PDF)"), widget=forms.ClearableFileInput(attrs=PDF_ACCEPT))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean_scan(self):
        return _checked_pdf(self.cleaned_data["scan"], _("Upload the scan as a PDF file."))

    def clean(self):
        data = super().clean()
        if not data.get("from_agency") and not (data.get("sender_name") or "").strip():
            self.add_error("sender_name", _("Enter the sender."))
        return data

    def service_arguments(self) -> dict:
        """The keyword arguments of services.receive_external (without the actor)."""
        data = self.cleaned_data
        notation = data["original_notation"].strip()
        number = notation.partition("/")[0].strip()
        return {
            "agency": data["agency"], "from_agency": data["from_agency"], "sender_name": data["sender_name"],
            "original_number": int(number) if number.isdigit() else None, "original_notation": notation,
            "original_date": data["original_date"], "document_type": data["document_type"],
            "subject": data["subject"], "urgency": data["urgency"], "confidentiality": data["confidentiality"],
            "deadline": data["deadline"], "files": [read_upload(data["scan"])],
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
