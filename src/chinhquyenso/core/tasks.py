"""Background work of the kernel. Tasks take ids and call services."""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task

from .models import OutgoingEmail, OutgoingSms


@task()
def send_email(*, email_id: int) -> str:
    """Send one stored e-mail; a failure is recorded on the e-mail and re-raised."""
    from . import services

    email = OutgoingEmail.objects.get(pk=email_id)
    if email.status == OutgoingEmail.Status.SENT:
        return email.status
    try:
        send_mail(email.subject, email.body, None, [email.to], fail_silently=False)
    except Exception as exc:
        services.mark_email_failed(email_id=email_id, error=str(exc))
        raise
    return services.mark_email_sent(email_id=email_id).status


@task()
def send_sms(*, sms_id: int) -> str:
    """Send one stored text message through the configured sender."""
    from django.utils import timezone

    from .sms import get_sender

    sms = OutgoingSms.objects.get(pk=sms_id)
    if sms.status == OutgoingSms.Status.SENT:
        return sms.status
    try:
        get_sender().send(sms.to, sms.text)
    except Exception as exc:
        OutgoingSms.objects.filter(pk=sms_id).update(status=OutgoingSms.Status.FAILED,
                                                    last_error=str(exc)[:2000])
        raise
    OutgoingSms.objects.filter(pk=sms_id).update(status=OutgoingSms.Status.SENT, sent_at=timezone.now())
    return OutgoingSms.Status.SENT
