"""A dossier locked by the request that acts on it, handed to the service that performs
the transition, so that the dossier graph is read once per request.

    with lock_dossier(code=code) as held:
        if held is None or not may_view(request.user, held.dossier):
            raise Http404
        services.receive_dossier(locked=held, actor=request.user)

lock_dossier() opens the transaction, reads the dossier and its graph with the dossier's
row locked (loading.py; FOR UPDATE on PostgreSQL, SQLite's IMMEDIATE transactions
serialise the writers) and yields a LockedDossier, or None when there is no such
dossier. Every check that decides the transition, the caller's visibility check
included, therefore reads the locked row.

The price: a request about a dossier its caller may not see takes (or waits for) the
row's lock for the moment of the check before its 404, where it used to read only.

A service given `locked=` runs inside that transaction without a savepoint of its own
(in_held_lock), so an error in it rolls the whole transaction back. It takes the instance
only through LockedDossier.dossier, which refuses once the `with` has ended or on another
thread's connection: an instance never serves outside the transaction that locked it,
and a dossier loaded without the lock is never a LockedDossier.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from .loading import load_dossier
from .models import Dossier


class LockNotHeld(RuntimeError):
    """A LockedDossier used outside the transaction that locked it."""


class LockedDossier:
    """A dossier whose row the current transaction holds locked; made by lock_dossier()
    only, and valid until its `with` ends."""

    __slots__ = ("_dossier", "_connection", "_held")

    def __init__(self, dossier: Dossier, connection) -> None:
        self._dossier = dossier
        self._connection = connection
        self._held = True

    def check(self) -> None:
        """Raise LockNotHeld unless the transaction that locked the row is still open
        on this thread's connection."""
        if not (self._held and transaction.get_connection() is self._connection
                and self._connection.in_atomic_block):
            raise LockNotHeld(f"dossier {self._dossier.pk}: its lock is not held by this transaction")

    @property
    def dossier(self) -> Dossier:
        self.check()
        return self._dossier


@contextmanager
def lock_dossier(*, code: str | None = None, pk: int | None = None) -> Iterator[LockedDossier | None]:
    """A transaction in which the dossier (by code or id) is read with its row locked;
    yields None when there is no such dossier. The lock lasts until the transaction ends
    (the end of the `with`, or of the caller's own transaction when there is one)."""
    with transaction.atomic():
        dossier = load_dossier(code=code, pk=pk, lock=True)
        if dossier is None:
            yield None
            return
        connection = transaction.get_connection()
        held = LockedDossier(dossier, connection)
        try:
            yield held
        finally:
            held._held = False
        if connection.needs_rollback:
            # A service failed inside and the caller went on: its transaction is lost.
            # Say so, instead of ending the `with` as if the change had been saved.
            raise transaction.TransactionManagementError(
                f"dossier {dossier.pk}: a change failed inside lock_dossier(); nothing was saved")


def in_held_lock(service):
    """`transaction.atomic` for a service that changes one dossier. Called with
    `locked=` (a LockedDossier), it runs inside the transaction that holds the lock,
    with no savepoint (two round trips fewer): an error rolls that transaction back.
    Called with `dossier_id=`, it opens its own transaction as before."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        locked = kwargs.get("locked")
        if locked is None:
            with transaction.atomic():
                return service(*args, **kwargs)
        if not isinstance(locked, LockedDossier):
            raise TypeError("locked= takes a LockedDossier from lock_dossier()")
        if kwargs.get("dossier_id") is not None:
            raise TypeError("give dossier_id= or locked=, one of them")
        locked.check()  # before anything else
        try:
            with transaction.atomic(savepoint=False):
                return service(*args, **kwargs)
        except BaseException:
            locked._held = False  # the transaction will roll back: no further use
            raise

    return run

