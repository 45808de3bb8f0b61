"""What the development identity provider remembers between the tester's pick and the
tokens it issues. Development data only: the provider is off in production."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Fault(models.TextChoices):
    """Deliberate defects a tester can ask for, to see how the platform refuses them."""

    NONE = "", _("none: a correct token")
    EXPIRED = "expired", _("an ID token that has already expired")
    BAD_SIGNATURE = "bad_signature", _("an ID token signed with a wrong key")


class DemoLogin(models.Model):
    """One login picked on the provider's page. Its primary key is the `jti` of the ID
    token issued for it, which is how the userinfo endpoint finds it again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code_hash = models.CharField(max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=64)
    id_number = models.CharField(_("personal identification number"), max_length=12)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=6, blank=True)
    level = models.PositiveSmallIntegerField(_("assurance level"))
    fault = models.CharField(_("deliberate fault"), max_length=20, blank=True,
                             choices=Fault.choices, default=Fault.NONE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("development login")
        verbose_name_plural = _("development logins")

    def __str__(self) -> str:
        # Never the identification number (logs, audit log, admin).
        return f"{self.full_name or '—'} (LoA{self.level})"
