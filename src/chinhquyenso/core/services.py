"""Writes of the kernel: the audit log and e-mail notifications."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry, OutgoingEmail, OutgoingSms


class AuditOutsideTransaction(RuntimeError):
    """An audit entry must be written in the transaction of the change it records."""


def _json_safe(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def record_audit(
    *,
    actor=None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, chained to the previous one.

    Must run inside the caller's transaction (`transaction.atomic`), so the entry
    and the change it records are committed or rolled back together. Summaries
    must not carry personal identification or phone numbers.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(
            "record_audit() must be called inside transaction.atomic() with the change it records"
        )
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:300]
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        actor=actor_user,
        actor_label=(actor_user.get_username() if actor_user else str(actor or "system"))[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        object_repr=object_repr[:300],
        before=_json_safe(before),
        after=_json_safe(after),
    )
    # The chain head stays locked from here until the caller's transaction ends: every
    # other audited transaction waits for it. On PostgreSQL the append therefore takes
    # two statements (lock and read the head; insert the entry and move the head), not
    # three, and no ORM query building happens while the lock is held.
    head = _lock_chain_head()
    entry.seq = head.last_seq + 1
    entry.at = timezone.now()
    entry.prev_hash = head.last_hash
    entry.entry_hash = entry.compute_hash()
    if connection.vendor == "postgresql":
        _append_postgresql(entry)
    else:
        entry.save()
        head.last_seq = entry.seq
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


def _lock_chain_head() -> AuditChainHead:
    """The chain head, locked until the transaction ends (created on first use)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_postgresql_statements()[0])
            row = cursor.fetchone()
        if row is not None:
            return AuditChainHead(pk=1, last_seq=row[0], last_hash=row[1])
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    return head


_ENTRY_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


@functools.cache
def _postgresql_statements() -> tuple[str, str]:
    """Lock-and-read of the chain head, and insert-the-entry-and-move-the-head in one
    statement. Built once from the models' metadata only (no outside input)."""
    qn = connection.ops.quote_name
    head, entries, pk = (qn(AuditChainHead._meta.db_table), qn(AuditEntry._meta.db_table),
                         qn(AuditEntry._meta.pk.column))
    columns = ", ".join(qn(f.column) for f in _ENTRY_FIELDS)
    placeholders = ", ".join(["%s"] * len(_ENTRY_FIELDS))
    lock = f"SELECT last_seq, last_hash FROM {head} WHERE id = 1 FOR UPDATE"  # noqa: S608
    append = (f"WITH new_entry AS (INSERT INTO {entries} ({columns}) VALUES ({placeholders}) "  # noqa: S608
              f"RETURNING {pk}) UPDATE {head} SET last_seq = %s, last_hash = %s WHERE id = 1 "
              f"RETURNING (SELECT {pk} FROM new_entry)")
    return lock, append


def _append_postgresql(entry: AuditEntry) -> None:
    """Insert `entry` and move the (locked) chain head to it, in one round trip."""
    params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_postgresql_statements()[1], [*params, entry.seq, entry.entry_hash])
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


def queue_email(*, to: str, subject: str, body: str, actor=None, audit: bool = True) -> OutgoingEmail:
    """Store an e-mail and hand it to the background worker once the transaction commits.
    `audit=False` when the caller's own audit entry already records the notification.

    No savepoint: callers queue notifications inside their own transaction, often after
    its audit entry, while the chain head is locked, and a savepoint costs two more round
    trips there. An error here still rolls back the caller's whole transaction."""
    from .tasks import send_email

    with transaction.atomic(savepoint=False):
        email = OutgoingEmail.objects.create(to=to, subject=subject, body=body)
        if audit:
            record_audit(actor=actor, action="email.queued", obj=email, after={"subject": subject})
        transaction.on_commit(lambda: send_email.enqueue(email_id=email.pk))
    return email


def queue_sms(*, to: str, text: str, actor=None, audit: bool = True) -> OutgoingSms:
    """Store a text message and hand it to the background worker once the transaction commits.
    `audit=False` when the caller's own audit entry already records the notification.
    No savepoint, as for queue_email."""
    from .masking import mask_phone
    from .tasks import send_sms

    with transaction.atomic(savepoint=False):
        sms = OutgoingSms.objects.create(to=to, text=text[:480])
        if audit:
            record_audit(actor=actor, action="sms.queued", obj=sms, object_repr=f"SMS {mask_phone(to)}")
        transaction.on_commit(lambda: send_sms.enqueue(sms_id=sms.pk))
    return sms


def mark_email_sent(*, email_id: int) -> OutgoingEmail:
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        before = {"status": email.status}
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        email.attempts += 1
        email.save(update_fields=["status", "sent_at", "attempts"])
        record_audit(action="email.sent", obj=email, before=before,
                     after={"status": email.status})
    return email


def mark_email_failed(*, email_id: int, error: str) -> OutgoingEmail:
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        before = {"status": email.status}
        email.status = OutgoingEmail.Status.FAILED
        email.attempts += 1
        email.last_error = error[:2000]
        email.save(update_fields=["status", "attempts", "last_error"])
        record_audit(action="email.failed", obj=email, before=before,
                     after={"status": email.status})
    return email
