"""Inserting one model row with a statement built once per process, for the rows that
every request writes (notifications, task rows, dossier events).

Through the ORM (`Model.objects.create`), building and compiling the INSERT costs more
Python time than the database spends running it. Here the statement comes from the
model's metadata once per model and database vendor, and each value goes through its
field exactly as the ORM's insert does (`pre_save`, which fills `auto_now_add` and
defaults, then `get_db_prep_save`). The instance ends up as `save()` leaves it: its
primary key set, no longer "adding", bound to the connection's database.

`save()` itself is the one difference: a model that overrides it, or that has `pre_save`
or `post_save` receivers, is saved through the ORM instead, so nothing is ever skipped;
unless the caller says it has done what the receivers do (`receivers_done=True`,
core/task_queue.py).
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Model, signals


@functools.cache
def _plan(model, vendor: str) -> tuple[str, tuple, bool]:
    """(INSERT … VALUES (%s, …) [RETURNING pk], the fields in parameter order, whether the
    statement returns the primary key). Built from model metadata only."""
    qn = connection.ops.quote_name
    meta = model._meta
    generated = meta.pk.db_returning  # an auto-incremented key: the database assigns it
    fields = tuple(f for f in meta.concrete_fields if not (f.primary_key and generated))
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    returns = generated and connection.features.can_return_columns_from_insert
    if returns:
        sql += f" RETURNING {qn(meta.pk.column)}"
    return sql, fields, returns


def _through_orm(model, receivers_done: bool) -> bool:
    return model.save is not Model.save or not receivers_done and (
        signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model))


def prepared(instance, *, receivers_done: bool = False) -> tuple[str, list] | None:
    """(the INSERT with RETURNING of the primary key, its parameters) for `instance`, to be
    run by a caller that combines it with another statement (core/services.py record_audit);
    None when it must be saved through the ORM (see above) or cannot return its key, or
    when the database cannot return columns. Pass the key returned to inserted()."""
    model = type(instance)
    if _through_orm(model, receivers_done):
        return None
    sql, fields, returns = _plan(model, connection.vendor)
    if not returns:
        return None
    instance._prepare_related_fields_for_save(operation_name="save")  # as save() refuses
    return sql, [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def inserted(instance, pk) -> None:
    """Mark `instance` as saved with primary key `pk`, as save() leaves it."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def insert(instance, *, receivers_done: bool = False):
    """Insert `instance` (unsaved) as `instance.save(force_insert=True)` would; return it."""
    model = type(instance)
    if _through_orm(model, receivers_done):
        instance.save(force_insert=True)
        return instance
    sql, fields, returns = _plan(model, connection.vendor)
    # as save() does: a related object assigned but never saved is refused, not written as NULL
    instance._prepare_related_fields_for_save(operation_name="save")
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returns:
            instance.pk = cursor.fetchone()[0]
        elif model._meta.pk.db_returning:  # a database that cannot return columns
            instance.pk = connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)
    inserted(instance, instance.pk)
    return instance
