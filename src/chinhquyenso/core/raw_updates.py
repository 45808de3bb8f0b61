"""Updating some columns of one model row with a statement built once per process, for
the row every dossier transition changes.

`instance.save(update_fields=[...])` builds and compiles its UPDATE through the ORM on
every call, which costs more Python time than the database spends running it. Here the
statement comes from the model's metadata once per model, set of fields and database
vendor, and each value goes through its field as the ORM's update does (`pre_save`, then
`get_db_prep_save`).

As in core/raw_inserts.py, a model that overrides `save()`, or that has `pre_save` or
`post_save` receivers, is saved through the ORM instead, so nothing is ever skipped; so
is a model with a concrete parent (its columns live in more than one table).
"""

from __future__ import annotations

import functools

from django.db import DatabaseError, connection
from django.db.models import Model, signals


@functools.cache
def _plan(model, names: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    """(UPDATE … SET a = %s, … WHERE pk = %s, the fields in parameter order). Built from
    model metadata only. A field named twice (by its name and its attribute name) is
    written once; a name that is no concrete field fails with save()'s ValueError."""
    qn = connection.ops.quote_name
    meta = model._meta
    fields = []
    by_name = {**{f.name: f for f in meta.concrete_fields}, **{f.attname: f for f in meta.concrete_fields}}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ValueError("The following fields do not exist in this model, are m2m fields, "
                         f"or are non-concrete fields: {', '.join(unknown)}")
    for name in names:
        field = by_name[name]
        if field.primary_key:
            raise ValueError(f"{model.__name__}.{name} cannot be updated by update_columns()")
        if field not in fields:
            fields.append(field)
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
    return sql, tuple(fields)


def update_columns(instance, names) -> None:
    """Write the fields `names` of a saved `instance` as `instance.save(update_fields=names)`
    would, including its error when the row is gone."""
    model = type(instance)
    names = tuple(names)
    if not names:
        return
    if model.save is not Model.save or model._meta.parents or (
            signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)):
        instance.save(update_fields=names)
        return
    if instance.pk is None or instance._state.adding:
        raise ValueError(f"{model.__name__} is not saved yet: nothing to update")
    sql, fields = _plan(model, names, connection.vendor)
    # as save() does: a related object assigned but never saved is refused, not written as NULL
    instance._prepare_related_fields_for_save(operation_name="save", fields=fields)
    params = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
    params.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    instance._state.db = connection.alias
