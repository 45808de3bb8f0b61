"""A dashboard's independent reads, run at the same time on PostgreSQL.

The city's dashboard reads a dozen grouped counts (the dossiers' monthly tallies, the
procedures' usage, the record tallies, the active members, the per-procedure totals).
One after the other, the request waits for each in turn while the database works on
one CPU; run at once, the database works on several while Python turns the first
answers into figures. Each read then runs in a worker thread on that thread's own
connection (Django keeps one per thread, re-used while CONN_MAX_AGE allows), so it
sees the committed data of the moment, as a dashboard may: its figures are counts, not
a transaction.

Reads run one after the other instead when that is not safe or not worth it: on SQLite
(one file, and the Python work between reads dominates), inside a transaction (a worker
thread would not see what the transaction wrote — the tests, a service computing
values), when connections are not kept (DB_CONN_MAX_AGE=0: each read would open its
own), or when CQS_CONCURRENT_READS is off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection, connections

WORKERS = 4  # per process: each keeps one database connection

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="cqs-reads")
        return _executor


def concurrent() -> bool:
    """Would read_all() run its reads at once here?"""
    return (getattr(settings, "CQS_CONCURRENT_READS", True) and connection.vendor == "postgresql"
            and not connection.in_atomic_block
            # connections kept (CONN_MAX_AGE): with 0, each read would open one of its own
            and connection.settings_dict.get("CONN_MAX_AGE") != 0)


def _in_worker(read: Callable):
    close_old_connections()  # as at the start of a request: drop a broken or expired connection
    return read()


def read_all(reads: dict[str, Callable]) -> dict:
    """name → what each read returned; the reads must only read, and not depend on each
    other. An error in one is raised here, after all have finished."""
    if len(reads) < 2 or not concurrent():
        return {name: read() for name, read in reads.items()}
    futures = {name: _pool().submit(_in_worker, read) for name, read in reads.items()}
    results, error = {}, None
    for name, future in futures.items():
        try:
            results[name] = future.result()
        except Exception as exc:  # noqa: BLE001 - re-raised below, once every read is done
            error = error or exc
    if error is not None:
        raise error
    return results


def shutdown() -> None:
    """Close the worker threads' database connections and stop the threads (a new
    read_all() starts them again): before the test database is dropped, say."""
    global _executor
    with _executor_lock:
        pool, _executor = _executor, None
    if pool is None:
        return
    barrier = threading.Barrier(WORKERS)

    def close() -> None:
        connections.close_all()  # this thread's
        barrier.wait(timeout=30)  # so that each thread takes exactly one of these

    for future in [pool.submit(close) for _ in range(WORKERS)]:
        future.result()
    pool.shutdown(wait=True)
