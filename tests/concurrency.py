"""Running the same work in several threads at once, as concurrent requests would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def run_at_once(threads: int, work: Callable[[int], object]) -> list:
    """Run work(i) for i in range(threads), each in its own thread and database
    connection, all released together; the results in no particular order. An error in
    any thread fails the test with the errors."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    assert errors == []
    assert len(results) == threads, "a thread did not finish"
    return results
