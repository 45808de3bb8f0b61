"""Official documents (Decree 30/2020/NĐ-CP): types, number series, outgoing and incoming
documents, their files and their history.

A signed original is kept byte for byte: DocumentFile rows and their files are never
rewritten; a new revision is a new row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import Agency, Official


class DocumentType(models.Model):
    """A type of document with its abbreviation in notations (Decree 30, Appendix III).
    A letter (công văn) has no abbreviation in its notation."""

    code = models.CharField(_("abbreviation"), max_length=10, unique=True,
                            help_text=_("Used in document notations, e.g. QĐ, TB, KH"))
    name = models.CharField(_("name"), max_length=100)
    is_letter = models.BooleanField(
        _("letter (công văn)"), default=False,
        help_text=_("Letters are notated issuer - drafting unit, without a type abbreviation"))
    can_be_legal_normative = models.BooleanField(
        _("may be legal normative"), default=False,
        help_text=_("Documents of this type may be legal normative; those are numbered in their own series"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class SeriesKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    LEGAL_NORMATIVE = "legal_normative", _("Legal normative")
    CONFIDENTIAL = "confidential", _("Confidential")
    INCOMING = "incoming", _("Incoming")


class NumberCounter(models.Model):
    """The last number handed out in one series of one agency in one year. The row is
    locked while a number is taken, so numbers have no gaps and no duplicates across
    processes and machines."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    series = models.CharField(max_length=20, choices=SeriesKind.choices)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "series"], name="documents_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}/{self.series}: {self.last_number}"


class Urgency(models.TextChoices):
    NORMAL = "thuong", _("Normal")
    URGENT = "khan", _("Urgent (khẩn)")
    VERY_URGENT = "thuong_khan", _("Very urgent (thượng khẩn)")
    FLASH = "hoa_toc", _("Immediate (hỏa tốc)")


class Confidentiality(models.TextChoices):
    NORMAL = "thuong", _("Not confidential")
    CONFIDENTIAL = "mat", _("Confidential (mật)")
    SECRET = "toi_mat", _("Secret (tối mật)")
    TOP_SECRET = "tuyet_mat", _("Top secret (tuyệt mật)")


class SignerCapacity(models.TextChoices):
    """How the signer signs (thẩm quyền ký)."""

    OWN = "", _("In own name")
    ON_BEHALF_OF_COLLECTIVE = "TM.", _("On behalf of the collective (TM.)")
    DEPUTY = "KT.", _("Deputy for the head (KT.)")
    ACTING = "Q.", _("Acting (Q.)")
    BY_ORDER = "TL.", _("By order (TL.)")
    AUTHORISED = "TUQ.", _("Authorised (TUQ.)")


class OutgoingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved, to be signed")
    SIGNED = "signed", _("Signed")
    NUMBERED = "numbered", _("Numbered")
    ISSUED = "issued", _("Issued")
    RECALLED = "recalled", _("Recalled")


class IncomingState(models.TextChoices):
    RECEIVED = "received", _("Received")
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Returned")


class IncomingChannel(models.TextChoices):
    INTERNAL = "internal", _("Inside the platform")
    ELECTRONIC = "electronic", _("Electronic, from another system")
    PAPER = "paper", _("Paper (scanned)")


class Verdict(models.TextChoices):
    """What a check of a PDF's signatures concluded (the public verification contract)."""

    VALID = "valid", _("Valid")
    TAMPERED = "tampered", _("Changed after signing")
    UNTRUSTED = "untrusted", _("Signer not trusted")
    EXPIRED = "expired", _("Certificate expired")
    UNSIGNED = "unsigned", _("Not signed")


class OutgoingDocument(models.Model):
    """A document an agency issues (văn bản đi)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="outgoing_documents",
                               verbose_name=_("issuing agency"))
    drafting_unit = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="drafted_documents",
        verbose_name=_("drafting unit"))
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("document type"))
    is_legal_normative = models.BooleanField(_("legal normative"), default=False)
    series = models.CharField(_("number series"), max_length=20, choices=SeriesKind.choices,
                              default=SeriesKind.REGULAR)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    notation = models.CharField(_("number and notation"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    place = models.CharField(_("place of issue"), max_length=100, blank=True)
    subject = models.TextField(_("subject (trích yếu)"))

    signer_name = models.CharField(_("signer"), max_length=200, blank=True)
    signer_capacity = models.CharField(_("signing capacity"), max_length=5, blank=True,
                                       choices=SignerCapacity.choices, default=SignerCapacity.OWN)
    signer_position = models.CharField(_("signer's position"), max_length=200, blank=True)

    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices,
                               default=Urgency.NORMAL)
    confidentiality = models.CharField(_("confidentiality"), max_length=12,
                                       choices=Confidentiality.choices, default=Confidentiality.NORMAL)
    internal_recipients = models.ManyToManyField(
        Agency, blank=True, related_name="addressed_documents", verbose_name=_("recipients on the platform"))
    external_recipients = models.TextField(_("other recipients"), blank=True,
                                           help_text=_("One per line"))
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    attachment_count = models.PositiveIntegerField(_("attachments"), default=0)
    deadline = models.DateField(_("reply due by"), null=True, blank=True)

    state = models.CharField(_("state"), max_length=12, choices=OutgoingState.choices,
                             default=OutgoingState.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    numbered_at = models.DateTimeField(_("numbered"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    recalled_at = models.DateTimeField(_("recalled"), null=True, blank=True)
    recall_reason = models.TextField(_("reason for the recall"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing document")
        verbose_name_plural = _("outgoing documents")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "series", "number"],
                                    name="documents_outgoing_number_once"),
            # Per series: a confidential and a regular document may share a notation
            # format; legal normative notations carry the year and never clash.
            models.UniqueConstraint(fields=["agency", "year", "series", "notation"],
                                    condition=Q(number__isnull=False),
                                    name="documents_outgoing_notation_once"),
            models.CheckConstraint(condition=Q(number__isnull=True) | (Q(year__isnull=False) & ~Q(notation="")),
                                   name="documents_outgoing_numbered_complete"),
        ]

    def __str__(self) -> str:
        if self.notation:
            return f"{self.notation} {self.subject[:80]}"
        return f"#{self.pk} {self.subject[:80]}"


class IncomingDocument(models.Model):
    """A document an agency receives (văn bản đến), from inside the platform, from
    another system or on paper."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="incoming_documents",
                               verbose_name=_("receiving agency"))
    channel = models.CharField(_("arrived"), max_length=10, choices=IncomingChannel.choices)
    incoming_number = models.PositiveIntegerField(_("incoming number"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)

    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("sending agency"))
    sender_name = models.CharField(_("sender"), max_length=250, blank=True)
    original_number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    original_notation = models.CharField(_("number and notation"), max_length=100, blank=True)
    original_date = models.DateField(_("date of the document"), null=True, blank=True)
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("document type"))
    subject = models.TextField(_("subject (trích yếu)"))
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices,
                               default=Urgency.NORMAL)
    confidentiality = models.CharField(_("confidentiality"), max_length=12,
                                       choices=Confidentiality.choices, default=Confidentiality.NORMAL)

    state = models.CharField(_("state"), max_length=12, choices=IncomingState.choices,
                             default=IncomingState.RECEIVED, db_index=True)
    lead_unit = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="led_documents", verbose_name=_("lead unit"))
    co_units = models.ManyToManyField(Agency, blank=True, related_name="co_handled_documents",
                                      verbose_name=_("co-operating units"))
    deadline = models.DateField(_("due by"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    return_reason = models.TextField(_("reason for the return"), blank=True)
    sender_recalled_at = models.DateTimeField(_("recalled by the sender"), null=True, blank=True)
    signature_verdict = models.CharField(
        _("signatures on arrival"), max_length=10, choices=Verdict.choices, blank=True,
        help_text=_("Checked when the document arrives; empty when there was no PDF to check"))
    signature_checked_at = models.DateTimeField(_("signatures checked"), null=True, blank=True)
    external_id = models.CharField(
        _("sender's document id"), max_length=200, blank=True,
        help_text=_("The document's id in an edXML exchange; status messages refer to it"))

    outgoing = models.ForeignKey(OutgoingDocument, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="deliveries", verbose_name=_("sent document"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("received by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("incoming document")
        verbose_name_plural = _("incoming documents")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "incoming_number"],
                                    name="documents_incoming_number_once"),
            models.UniqueConstraint(fields=["outgoing", "agency"], condition=Q(outgoing__isnull=False),
                                    name="documents_delivered_once"),
            models.CheckConstraint(condition=Q(incoming_number__isnull=True) | Q(year__isnull=False),
                                   name="documents_incoming_numbered_complete"),
            models.UniqueConstraint(fields=["agency", "external_id"], condition=~Q(external_id=""),
                                    name="documents_imported_once"),
        ]

    def __str__(self) -> str:
        label = f"{self.incoming_number}/{self.year}" if self.incoming_number else f"#{self.pk}"
        return f"{label} {self.original_notation} {self.subject[:80]}".replace("  ", " ")


def _document_links(related_name: str) -> tuple[models.ForeignKey, models.ForeignKey]:
    return (
        models.ForeignKey(OutgoingDocument, on_delete=models.PROTECT, null=True, blank=True,
                          related_name=related_name, verbose_name=_("outgoing document")),
        models.ForeignKey(IncomingDocument, on_delete=models.PROTECT, null=True, blank=True,
                          related_name=related_name, verbose_name=_("incoming document")),
    )


def _exactly_one_document(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(outgoing__isnull=False) & Q(incoming__isnull=True))
        | (Q(outgoing__isnull=True) & Q(incoming__isnull=False)),
        name=name)


class DocumentFile(models.Model):
    """One file of a document, byte for byte as received or produced, with its SHA-256.
    Never rewritten: a signed revision is stored as a new file. Belongs to exactly one
    outgoing or one incoming document."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed revision")
        ATTACHMENT = "attachment", _("Attachment")
        SCAN = "scan", _("Scan")

    outgoing, incoming = _document_links("files")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to="documents/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        constraints = [_exactly_one_document("documents_file_one_document")]

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A document file is never rewritten; store a new one.")
        super().save(*args, **kwargs)

    @property
    def document(self):
        return self.outgoing or self.incoming


class DocumentEvent(models.Model):
    """One step in the life of an outgoing or an incoming document: who did what, from
    which state to which, and when."""

    outgoing, incoming = _document_links("events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("document event")
        verbose_name_plural = _("document events")
        constraints = [_exactly_one_document("documents_event_one_document")]

    def __str__(self) -> str:
        return f"{self.outgoing or self.incoming} {self.action}"


class SigningCredential(models.Model):
    """A certificate someone signs with: a leader's personal certificate or an agency's
    seal, with where its private key is.

    * ``pkcs12``: the key file is kept encrypted with the server secret. A person's file
      also keeps its own passphrase, typed at each signature and never stored; an
      agency's seal is unwrapped at upload and kept under the server secret only, so
      the platform applies it when the clerk numbers a document.
    * ``pkcs11``: the key stays on a token or HSM reached through python-pkcs11.
    * ``external``: the key stays with the signer; the platform sends the digest to
      ``signer_url`` (a token helper on the official's computer or a remote-signing
      service), or the official signs in two phases through the API.
    """

    class Source(models.TextChoices):
        PKCS12 = "pkcs12", _("Key file kept encrypted on the server")
        PKCS11 = "pkcs11", _("USB token or HSM (PKCS#11)")
        EXTERNAL = "external", _("External signer (token helper or remote signing)")

    official = models.ForeignKey(Official, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="signing_credentials", verbose_name=_("official"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="signing_credentials", verbose_name=_("agency (seal)"))
    source = models.CharField(_("key held"), max_length=10, choices=Source.choices)
    certificate = models.BinaryField(_("certificate (DER)"))
    chain = models.BinaryField(_("issuer certificates (PEM)"), default=b"", blank=True)
    subject = models.CharField(_("holder"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=300)
    serial_number = models.CharField(_("serial number"), max_length=80)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    key_blob = models.BinaryField(_("encrypted key"), default=b"", blank=True, editable=False)
    signer_url = models.URLField(_("external signer address"), blank=True)
    pkcs11_library = models.CharField(_("PKCS#11 library"), max_length=300, blank=True)
    pkcs11_token = models.CharField(_("PKCS#11 token label"), max_length=100, blank=True)
    pkcs11_key = models.CharField(_("PKCS#11 key label"), max_length=100, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("added by"))
    deactivated_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        constraints = [
            models.CheckConstraint(
                condition=(Q(official__isnull=False) & Q(agency__isnull=True))
                | (Q(official__isnull=True) & Q(agency__isnull=False)),
                name="documents_credential_one_holder"),
            models.UniqueConstraint(fields=["official", "fingerprint"], condition=Q(official__isnull=False),
                                    name="documents_credential_once_per_official"),
            models.UniqueConstraint(fields=["agency", "fingerprint"], condition=Q(agency__isnull=False),
                                    name="documents_credential_once_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.fingerprint[:16]})"


class PendingSignature(models.Model):
    """A signature revision prepared by the platform and waiting for the signer's device
    (phase one of a two-phase signature). ``prepared`` holds the PreparedSignature
    (nothing secret); completion checks the answer against it and the certificate."""

    class Purpose(models.TextChoices):
        PERSONAL = "personal", _("Signature of the competent person")
        SEAL = "seal", _("Seal of the agency")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE,
                                 related_name="pending_signatures")
    credential = models.ForeignKey(SigningCredential, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.PERSONAL)
    prepared = models.JSONField()
    digest = models.CharField(max_length=128, help_text="hex of the digest the signer signs")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signature in progress")
        verbose_name_plural = _("signatures in progress")

    def __str__(self) -> str:
        return f"{self.document_id}/{self.purpose}/{self.pk}"


class ExchangeMessage(models.Model):
    """An edXML file that left or reached an agency: a document package or a status
    message, kept byte for byte. Outgoing ones wait in the agency's outbox until they
    are fetched for the exchange (``sent_at``)."""

    class Kind(models.TextChoices):
        PACKAGE = "package", _("Document package")
        STATUS = "status", _("Status message")

    class Direction(models.TextChoices):
        OUT = "out", _("Sent")
        IN = "in", _("Received")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="exchange_messages",
                               verbose_name=_("agency"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    outgoing, incoming = (
        models.ForeignKey(OutgoingDocument, on_delete=models.PROTECT, null=True, blank=True,
                          related_name="exchange_messages", verbose_name=_("outgoing document")),
        models.ForeignKey(IncomingDocument, on_delete=models.PROTECT, null=True, blank=True,
                          related_name="exchange_messages", verbose_name=_("incoming document")),
    )
    document_ref = models.CharField(_("document id in the exchange"), max_length=200, db_index=True)
    counterpart = models.CharField(_("other organisation"), max_length=300, blank=True)
    status_code = models.CharField(_("status"), max_length=2, blank=True)
    description = models.TextField(_("description"), blank=True)
    payload = models.FileField(upload_to="exchange/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    sent_at = models.DateTimeField(_("fetched for sending"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("exchange message")
        verbose_name_plural = _("exchange messages")

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_kind_display()} {self.document_ref} {self.status_code}"
