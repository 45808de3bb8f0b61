"""Handing background tasks to the configured backend as part of the caller's transaction.

With the database backend (the default without Redis) the task's row is inserted by the
caller's own transaction: it commits with the data it is about and rolls back with it,
so no task is lost between the commit and the enqueue, and a request pays no separate
commit per task. The row is written by core/raw_inserts.py: through the ORM, creating
it cost more Python time than the database spent on it. A notification's row and its
task's row, which names it, are written by one statement on PostgreSQL
(insert_with_task()).

Other backends (RQ with Redis, the immediate backend of some tests) cannot take part in
the database's transaction: their tasks are enqueued once it commits, as before.
"""

from __future__ import annotations

import functools
import logging

from django.db import connection, transaction

from . import raw_inserts

logger = logging.getLogger("django_tasks")


def enqueue_in_transaction(task, **kwargs) -> None:
    """Enqueue `task(**kwargs)`: inside the current transaction on the database backend,
    else when the current transaction commits (at once outside a transaction)."""
    from django_tasks_db.backend import DatabaseBackend

    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend) and connection.in_atomic_block:
        _insert(backend, task, kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


@functools.cache
def _validated(backend, task) -> bool:
    # validate_task inspects the function's signature: once per backend, task and process.
    backend.validate_task(task)
    return True


def insert_with_task(row, task, kwarg: str):
    """Insert `row` (unsaved) and enqueue `task(**{kwarg: row.pk})` in the current
    transaction; return the row. On PostgreSQL with the database backend one statement
    does both (the notifications: core/services.py); otherwise the row is inserted
    (core/raw_inserts.py) and the task enqueued as enqueue_in_transaction() does."""
    from django_tasks_db.backend import DatabaseBackend

    backend = task.get_backend()
    plan = None
    if connection.vendor == "postgresql" and isinstance(backend, DatabaseBackend) and connection.in_atomic_block:
        plan = raw_inserts.prepared(row)
    if plan is None:
        raw_inserts.insert(row)
        enqueue_in_transaction(task, **{kwarg: row.pk})
        return row
    row_sql, row_params = plan
    task_row = _task_row(backend, task, {kwarg: None})
    task_sql, task_fields = _with_task_statement(type(row), row_sql)
    task_params = [kwarg if f.name == "args_kwargs" else f.get_db_prep_save(f.pre_save(task_row, True), connection)
                   for f in task_fields]
    with connection.cursor() as cursor:
        cursor.execute(task_sql, [*row_params, *task_params])
        raw_inserts.inserted(row, cursor.fetchone()[0])
    _log(task_row.id, task, backend)
    return row


@functools.cache
def _with_task_statement(model, row_sql: str) -> tuple[str, tuple]:
    """WITH r AS (<the row's INSERT … RETURNING its key>), t AS (INSERT INTO <task rows>
    SELECT …, <arguments naming r's key>, … FROM r) SELECT <key> FROM r, and the task
    row's fields in parameter order (the arguments' place takes the keyword's name).
    Built from model metadata only."""
    from django_tasks_db.models import DBTaskResult

    qn = connection.ops.quote_name
    meta = DBTaskResult._meta
    fields = tuple(meta.concrete_fields)  # the key is a UUID made here, not by the database
    pk = qn(model._meta.pk.column)
    # {"args": [], "kwargs": {<kwarg>: <key>}}, as normalize_json() writes it
    values = ", ".join(
        f"jsonb_build_object('args', '[]'::jsonb, 'kwargs', jsonb_build_object(%s::text, r.{pk}))"
        if f.name == "args_kwargs" else "%s" for f in fields)
    sql = (f"WITH r AS ({row_sql}), t AS (INSERT INTO {qn(meta.db_table)} "  # noqa: S608
           f"({', '.join(qn(f.column) for f in fields)}) SELECT {values} FROM r) SELECT r.{pk} FROM r")
    return sql, fields


def _task_row(backend, task, kwargs: dict):
    from django_tasks.base import TaskResultStatus
    from django_tasks.utils import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    _validated(backend, task)
    return DBTaskResult(
        id=backend._get_id(), status=TaskResultStatus.READY,
        args_kwargs=normalize_json({"args": [], "kwargs": kwargs}), priority=task.priority,
        task_path=task.module_path, queue_name=task.queue_name, backend_name=backend.alias,
        # what the backend's only save receiver (set_run_after) does:
        run_after=task.run_after or get_date_max())


def _log(task_id, task, backend) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Task id=%s path=%s enqueued backend=%s", task_id, task.module_path, backend.alias)


def _insert(backend, task, kwargs: dict) -> None:
    row = _task_row(backend, task, kwargs)
    raw_inserts.insert(row, receivers_done=True)
    _log(row.id, task, backend)
