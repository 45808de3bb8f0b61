"""Logins, logouts and failed logins of officials go to the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from chinhquyenso.core.services import record_audit


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:64]


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    with transaction.atomic():
        record_audit(actor=user, action="auth.login", obj=user,
                     object_repr=user.get_username(), after={"address": _address(request)})


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    with transaction.atomic():
        record_audit(actor=user, action="auth.logout", obj=user,
                     object_repr=user.get_username(), after={"address": _address(request)})


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    with transaction.atomic():
        record_audit(action="auth.login_failed", object_type="auth.user", object_repr=username,
                     after={"username": username, "address": _address(request)})
