"""Text messages: a pluggable sender chosen by settings.SMS_SENDER. The default writes
a line to the log (with the number masked) instead of sending; an operator plugs in a
provider by naming a class with a `send(to, text)` method."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_phone

logger = logging.getLogger("chinhquyenso.sms")


class LogSender:
    """Development and demo sender: logs that a message would go out."""

    def send(self, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(to), text)


def get_sender():
    return import_string(getattr(settings, "SMS_SENDER", "chinhquyenso.core.sms.LogSender"))()
