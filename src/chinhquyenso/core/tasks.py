"""Background work of the kernel. Tasks take ids and call services."""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task

from .models import OutgoingEmail


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
