"""Dossiers: what a citizen submits for a procedure, and everything that happens to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import Agency
from chinhquyenso.procedures.models import Component, Procedure, ProcessStep


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting receipt")
    RECEIVED = "received", _("Received")
    REFUSED = "refused", _("Refused")
    ASSIGNED = "assigned", _("Assigned")
    PROCESSING = "processing", _("Processing")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    FEE_DUE = "fee_due", _("Fee due")
    AWAITING_SIGNATURE = "awaiting_signature", _("Awaiting signature")
    DONE = "done", _("Done, result ready")
    RETURNED = "returned", _("Result returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    STOPPED = "stopped", _("Stopped")
    TRANSFERRED = "transferred", _("Transferred to another agency")


OPEN_STATES = {State.SUBMITTED, State.RECEIVED, State.ASSIGNED, State.PROCESSING,
               State.SUPPLEMENT_REQUESTED, State.FEE_DUE, State.AWAITING_SIGNATURE,
               State.TRANSFERRED}
PAUSED_STATES = {State.SUPPLEMENT_REQUESTED, State.FEE_DUE}
FINISHED_STATES = {State.DONE, State.RETURNED}


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the one-stop counter")
    POST = "post", _("By post")
    TRANSFER = "transfer", _("Transferred from another agency")


class DossierCounter(models.Model):
    """The last sequence number handed out for one counter key (e.g. an agency and a day).
    Rows are locked while a number is taken, so numbers are unique across processes."""

    key = models.CharField(max_length=200, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class Dossier(models.Model):
    code = models.CharField(_("dossier code"), max_length=64, unique=True)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="dossiers",
                                  verbose_name=_("procedure"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers",
                               verbose_name=_("receiving agency"))
    channel = models.CharField(_("how it arrived"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=24, choices=State.choices,
                             default=State.SUBMITTED, db_index=True)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="dossiers", verbose_name=_("citizen account"))
    applicant_name = models.CharField(_("applicant"), max_length=200)
    applicant_id_number = models.CharField(_("identification number"), max_length=12, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=300, blank=True)
    answers = models.JSONField(_("form answers"), default=dict)

    assisted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="assisted_dossiers",
                                    verbose_name=_("helped by"))
    assistance_consent = models.BooleanField(_("citizen consented to assisted submission"),
                                             default=False)

    submitted_at = models.DateTimeField(_("submitted"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    returned_at = models.DateTimeField(_("result returned"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    resume_state = models.CharField(max_length=24, choices=State.choices, blank=True)

    current_step = models.ForeignKey(ProcessStep, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("current step"))
    step_started_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="assigned_dossiers",
                                 verbose_name=_("handled by"))
    transferred_to = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("transferred to"))
    fee_amount = models.PositiveIntegerField(_("fee due (VND)"), default=0)
    fee_paid_at = models.DateTimeField(_("fee paid"), null=True, blank=True)
    withdrawal_requested = models.BooleanField(_("withdrawal requested"), default=False)
    last_reason = models.TextField(_("reason"), blank=True)
    uses_population_data = models.BooleanField(_("population data reused"), default=False)
    # The level of the electronic identification (VNeID) the submitter logged in with:
    # 0 for a password login or a submission at the counter (Project 06 indicators).
    eid_level = models.PositiveSmallIntegerField(_("e-ID login level at submission"), default=0)
    # Digitisation (Decision 766): the components held as electronic files, the result
    # issued electronically, components reused from an earlier dossier.
    components_digitised = models.BooleanField(_("components digitised"), default=False)
    result_electronic = models.BooleanField(_("result issued electronically"), default=False)
    components_reused = models.BooleanField(_("components reused"), default=False)
    payment_provider = models.CharField(_("paid through"), max_length=20, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [models.Index(fields=["agency", "state"]), models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class DossierFile(models.Model):
    class Kind(models.TextChoices):
        COMPONENT = "component", _("Dossier component")
        SUPPLEMENT = "supplement", _("Supplement")
        RESULT = "result", _("Result")
        LETTER = "letter", _("Letter")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMPONENT)
    file = models.FileField(upload_to="dossiers/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")

    class Meta:
        ordering = ["dossier", "uploaded_at", "pk"]
        verbose_name = _("dossier file")
        verbose_name_plural = _("dossier files")

    def __str__(self) -> str:
        return self.original_name


class DossierEvent(models.Model):
    """One transition of a dossier: who did what, from which state to which, and when."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=24, choices=State.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "at", "pk"]
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")

    def __str__(self) -> str:
        return f"{self.dossier} {self.action}"


class ApologyLetter(models.Model):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apologies")
    reason = models.TextField(_("reason"))
    new_due_at = models.DateTimeField(_("new return date"))
    previous_due_at = models.DateTimeField(_("previous due date"))
    pdf = models.FileField(upload_to="letters/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["dossier", "created_at"]
        verbose_name = _("apology letter")
        verbose_name_plural = _("apology letters")

    def __str__(self) -> str:
        return f"{self.dossier} {self.new_due_at:%d/%m/%Y}"


class Rating(models.Model):
    """The citizen's satisfaction with the service, once the result is returned."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    satisfied = models.BooleanField(_("satisfied"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.dossier} {'+' if self.satisfied else '-'}"


class Complaint(models.Model):
    """A complaint about the handling of a dossier, answered by a leader within its own
    deadline; the complainant then says whether the answer satisfies them."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="complaints")
    text = models.TextField(_("complaint"))
    filed_at = models.DateTimeField(_("filed"))
    due_at = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    complainant_satisfied = models.BooleanField(_("complainant satisfied"), null=True, blank=True)

    class Meta:
        ordering = ["dossier", "filed_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"{self.dossier} {self.filed_at:%d/%m/%Y}"

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at
