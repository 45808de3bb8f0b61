"""A dashboard's reads run at once on PostgreSQL outside a transaction, one after the
other otherwise, and give the same figures either way (hand-computed fixture of
conftest.py, November 2026)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test import override_settings

from chinhquyenso.indicators.computation import parse_period
from chinhquyenso.indicators.concurrent_reads import concurrent, read_all
from chinhquyenso.indicators.queries import unit_dashboard


def _thread():
    return threading.current_thread().name


@pytest.mark.django_db
def test_inside_a_transaction_the_reads_run_one_after_the_other_in_the_callers_thread():
    assert connection.in_atomic_block  # each test runs in one
    assert not concurrent()
    assert read_all({"a": _thread, "b": _thread}) == {"a": _thread(), "b": _thread()}


@pytest.mark.django_db
def test_an_error_in_one_read_reaches_the_caller():
    def broken():
        raise LookupError("no such tally")

    with pytest.raises(LookupError, match="no such tally"):
        read_all({"fine": _thread, "broken": broken})


def _figures(board):
    rows = {row.indicator.code: ((row.figure.numerator, row.figure.denominator, row.figure.value),
                                 [(f.numerator, f.denominator, f.value) for f in row.children],
                                 list(row.trend))
            for row in board.rows}
    procedures = {p.code: {code: (f.numerator, f.denominator) for code, f in p.figures.items()}
                  for p in board.procedures}
    return rows, procedures


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_dashboard_reads_at_once_and_counts_the_same(dossiers, city, ward):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent reads are PostgreSQL's")
    from chinhquyenso.indicators.services import load_catalogue

    load_catalogue()  # the catalogue comes with a migration; a transactional test empties it afterwards
    assert not connection.in_atomic_block and concurrent()
    threads = set(read_all({"a": _thread, "b": _thread, "c": _thread}).values())
    assert threads and all(name.startswith("cqs-reads") for name in threads)

    november = parse_period("2026-11")
    at_once = unit_dashboard(city, november)
    with override_settings(CQS_CONCURRENT_READS=False):
        assert not concurrent()
        one_by_one = unit_dashboard(city, november)
    assert _figures(at_once) == _figures(one_by_one)
    online = next(row for row in at_once.rows if row.indicator.code == "ho-so-truc-tuyen")
    assert (online.figure.numerator, online.figure.denominator) == (2, 4)
    # Inside a transaction the reads see its writes: they run in the caller's thread.
    with transaction.atomic():
        assert not concurrent()
        assert _figures(unit_dashboard(city, november)) == _figures(one_by_one)
