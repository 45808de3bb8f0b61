"""A citizen's login account at an identity provider (the national SSO / VNeID, or a
broker in front of it), as the platform knows it.

Keyed on the provider's issuer and subject (the `sub` claim), never on the personal
identification number: the number only links the account to the citizen record, once,
when the account is first seen. Imported by `identity/models.py`; this module must not
import `.models` (that would be circular), hence the string reference to Citizen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginLevel(models.IntegerChoices):
    LEVEL_1 = 1, _("level 1 (LoA1)")
    LEVEL_2 = 2, _("level 2 (LoA2)")


class CitizenAccount(models.Model):
    issuer = models.CharField(_("identity provider (issuer)"), max_length=255)
    subject = models.CharField(_("subject at the identity provider"), max_length=255)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="citizen_account", verbose_name=_("user"))
    citizen = models.ForeignKey("identity.Citizen", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="accounts", verbose_name=_("citizen"))
    level = models.PositiveSmallIntegerField(_("level of the last login"),
                                             choices=LoginLevel.choices,
                                             default=LoginLevel.LEVEL_1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen login account")
        verbose_name_plural = _("citizen login accounts")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"],
                                    name="identity_citizenaccount_issuer_subject"),
        ]

    def __str__(self) -> str:
        # Neither the number nor the subject: this ends up in logs and the audit log.
        return _("login account %(pk)s") % {"pk": self.pk}
