"""Community digital technology teams (tổ công nghệ số cộng đồng): one per residential
group or village, created by a ward decision, with members who help residents and
record what they did."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import AdministrativeUnit


class Team(models.Model):
    group = models.OneToOneField(AdministrativeUnit, on_delete=models.PROTECT, related_name="community_team",
                                 verbose_name=_("residential group / village"))
    name = models.CharField(_("name"), max_length=200)
    decision_number = models.CharField(_("decision number"), max_length=50)
    decision_date = models.DateField(_("decision date"))
    decision_signer = models.CharField(_("decision signed by"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group__code"]
        verbose_name = _("community digital technology team")
        verbose_name_plural = _("community digital technology teams")

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Team leader")
    DEPUTY = "deputy", _("Deputy leader")
    MEMBER = "member", _("Member")


class Member(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members", verbose_name=_("team"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="community_member", verbose_name=_("account"))
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    role = models.CharField(_("role in the team"), max_length=10, choices=MemberRole.choices,
                            default=MemberRole.MEMBER)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True,
                                    help_text=_("Youth Union, Women's Union, police, …"))
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        ordering = ["team", "role", "full_name"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["team"], condition=Q(role="leader", is_active=True),
                                    name="community_one_leader_per_team"),
        ]

    def __str__(self) -> str:
        return self.full_name


class Training(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="trainings",
                               verbose_name=_("member"))
    course = models.CharField(_("course"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    certificate = models.CharField(_("certificate"), max_length=100, blank=True)

    class Meta:
        ordering = ["member", "completed_on"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return f"{self.member} · {self.course}"


class ActivityCategory(models.TextChoices):
    EXPLAIN = "explain", _("Explaining digital transformation to households")
    VNEID_L1 = "vneid_l1", _("Installing or activating VNeID level 1")
    VNEID_L2 = "vneid_l2", _("Activating VNeID level 2")
    DOSSIER = "dossier", _("Helping submit an online public service dossier")
    PAYMENT = "payment", _("Opening an electronic payment account")
    ECOMMERCE = "ecommerce", _("Opening an e-commerce account or digital shop")
    TRAINING = "training", _("Digital-skills training session")


class Activity(models.Model):
    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="activities", verbose_name=_("team"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="activities",
                               verbose_name=_("member"))
    day = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=ActivityCategory.choices)
    people_reached = models.PositiveIntegerField(_("households or people reached"), default=1)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECORDED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="community_activity", verbose_name=_("assisted dossier"))
    client_uuid = models.UUIDField(_("client key"), null=True, blank=True, unique=True,
                                   help_text=_("Set by the phone when recorded offline, so a resend "
                                               "never creates a second activity"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["team", "day"]), models.Index(fields=["status", "category"])]

    def __str__(self) -> str:
        return f"{self.team} {self.day:%d/%m/%Y} {self.get_category_display()}"
