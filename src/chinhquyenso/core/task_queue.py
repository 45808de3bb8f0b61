"""Handing background tasks to the configured backend as part of the caller's transaction.

With the database backend (the default without Redis) the task's row is inserted by the
caller's own transaction: it commits with the data it is about and rolls back with it,
so no task is lost between the commit and the enqueue, and a request pays no separate
commit per task. The row is written by core/raw_inserts.py: through the ORM, creating
it cost more Python time than the database spent on it.

Other backends (RQ with Redis, the immediate backend of some tests) cannot take part in
the database's transaction: their tasks are enqueued once it commits, as before.
"""

from __future__ import annotations

import functools
import logging
import uuid

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


def _insert(backend, task, kwargs: dict) -> uuid.UUID:
    from django_tasks.base import TaskResultStatus
    from django_tasks.utils import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    _validated(backend, task)
    row = DBTaskResult(
        id=backend._get_id(), status=TaskResultStatus.READY,
        args_kwargs=normalize_json({"args": [], "kwargs": kwargs}), priority=task.priority,
        task_path=task.module_path, queue_name=task.queue_name, backend_name=backend.alias,
        # what the backend's only save receiver (set_run_after) does:
        run_after=task.run_after or get_date_max())
    raw_inserts.insert(row, receivers_done=True)
    task_id = row.id
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Task id=%s path=%s enqueued backend=%s", task_id, task.module_path, backend.alias)
    return task_id
