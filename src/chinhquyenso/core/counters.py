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
    if connection.features.can_return_columns_from_insert:  # RETURNING: PostgreSQL, SQLite ≥ 3.35
        value = _increment(model, field, lookup)
        if value is None:
            _create(model, field, lookup)
            value = _increment(model, field, lookup)
        return value
    counter = model.objects.select_for_update().filter(**lookup).first()
    if counter is None:
        _create(model, field, lookup)
        counter = model.objects.select_for_update().get(**lookup)
    setattr(counter, field, getattr(counter, field) + 1)
    counter.save(update_fields=[field])
    return getattr(counter, field)


def _create(model: type[models.Model], field: str, lookup: dict) -> None:
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **{field: 0})
    except IntegrityError:  # another transaction created it first
        pass


def _increment(model: type[models.Model], field: str, lookup: dict) -> int | None:
    """One statement: add one and read the new value (the row stays locked until the
    transaction ends). None when the row does not exist yet."""
    meta = model._meta
    qn = connection.ops.quote_name
    column = qn(meta.get_field(field).column)
    where, params = [], []
    for name, value in lookup.items():
        target = meta.get_field(name)
        if target.is_relation:
            value = getattr(value, "pk", value)
            target_field = target.target_field
        else:
            target_field = target
        where.append(f"{qn(target.column)} = %s")
        params.append(target_field.get_db_prep_value(value, connection))
    sql = (f"UPDATE {qn(meta.db_table)} SET {column} = {column} + 1 "  # noqa: S608 — names from the model
           f"WHERE {' AND '.join(where)} RETURNING {column}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]
