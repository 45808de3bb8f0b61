"""Sequence numbers that must have no gap and no duplicate (dossier codes, document
numbers), taken from a database row locked until the caller's transaction ends. A
rolled-back transaction gives its number back; nothing lives in process memory."""

from __future__ import annotations

from django.db import IntegrityError, connection, models, transaction


class CounterOutsideTransaction(RuntimeError):
    """A number must be taken inside the transaction that stores it."""


def next_value(model: type[models.Model], *, field: str, **lookup) -> int:
    """Increment `field` of the `model` row matching `lookup` (created at 0 when missing,
    safely against a concurrent creator) and return the new value."""
    if not connection.in_atomic_block:
        raise CounterOutsideTransaction("next_value() must be called inside transaction.atomic()")
    counter = model.objects.select_for_update().filter(**lookup).first()
    if counter is None:
        try:
            with transaction.atomic():
                model.objects.create(**lookup, **{field: 0})
        except IntegrityError:  # another transaction created it first
            pass
        counter = model.objects.select_for_update().get(**lookup)
    setattr(counter, field, getattr(counter, field) + 1)
    counter.save(update_fields=[field])
    return getattr(counter, field)
