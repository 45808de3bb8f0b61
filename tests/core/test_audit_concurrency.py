"""Concurrent writers append one after the other: the chain never forks (on PostgreSQL
through the locked chain head, on SQLite through IMMEDIATE transactions)."""

import pytest
from django.db import transaction

from chinhquyenso.core.audit_chain import verify_chain
from chinhquyenso.core.models import AuditEntry
from chinhquyenso.core.services import record_audit
from tests.concurrency import run_at_once


@pytest.mark.django_db(transaction=True)
def test_parallel_transactions_keep_one_unbroken_chain():
    writers, per_writer = 8, 5

    def write(n):
        for i in range(per_writer):
            with transaction.atomic():
                record_audit(action="test.parallel", object_type="test",
                             object_id=f"{n}-{i}", after={"writer": n, "i": i})

    run_at_once(writers, write)
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    times = list(AuditEntry.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)  # read in order, the log never goes back in time
    report = verify_chain()
    assert report.holds and report.checked == writers * per_writer
