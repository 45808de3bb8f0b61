"""How a fee gets paid. A provider records a payment for a dossier; this release ships the
counter provider (the one-stop officer records the receipt number); online gateways plug
in by adding a provider to PROVIDERS."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chinhquyenso.org.permissions import can


class PaymentProvider:
    key = ""
    label = ""

    def check(self, *, dossier, actor, reference: str) -> None:
        """Raise PermissionDenied or ValidationError when this payment cannot be recorded."""
        raise NotImplementedError


class CounterPayment(PaymentProvider):
    key = "counter"
    label = gettext_lazy("Paid at the one-stop counter")

    def check(self, *, dossier, actor, reference: str) -> None:
        if not can(actor, "dossiers.receive", dossier.agency.unit):
            raise PermissionDenied(_("Only a one-stop counter officer records a payment at the counter."))
        if not reference.strip():
            raise ValidationError(_("Enter the number of the receipt given to the citizen."))


PROVIDERS: dict[str, PaymentProvider] = {CounterPayment.key: CounterPayment()}


def get_provider(key: str) -> PaymentProvider:
    try:
        return PROVIDERS[key]
    except KeyError as exc:
        raise ValidationError(_("Unknown payment method %(key)r.") % {"key": key}) from exc
