"""Background work of the documents area. Tasks take ids and call services."""

from __future__ import annotations

from django_tasks import task


@task()
def check_arrivals(*, batch_size: int = 100) -> int:
    """Verify the signatures of incoming documents that arrived without a check (written
    in bulk, e.g. by the demo), a batch at a time; enqueue the next batch while some
    remain. Returns how many were checked."""
    from . import services

    checked, remaining = services.check_pending_arrivals(limit=batch_size)
    if remaining:
        check_arrivals.enqueue(batch_size=batch_size)
    return checked
