"""Writes of the kernel: the audit log and e-mail notifications."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from . import raw_inserts
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
    with_row: models.Model | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, chained to the previous one.

    `with_row`: an unsaved row the entry goes with (a dossier's event), inserted first; on
    PostgreSQL by the same statement as the entry, which saves a round trip.

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
    # other audited transaction waits for it. On PostgreSQL one statement locks the head,
    # stamps and hashes the entry, inserts it and moves the head, so the lock is held for
    # that statement and the COMMIT only; elsewhere (SQLite, whose IMMEDIATE transactions
    # already serialise writers) the head is locked, read and moved with the ORM.
    extra = None
    if with_row is not None:
        extra = raw_inserts.prepared(with_row) if connection.vendor == "postgresql" else None
        if extra is None:
            raw_inserts.insert(with_row)
    if connection.vendor == "postgresql":
        appended, extra_pk = _append_postgresql(entry, (type(with_row), *extra) if extra else None)
        if extra is not None:  # inserted whether or not the head existed
            raw_inserts.inserted(with_row, extra_pk)
        if not appended:  # no chain head yet: the log's first entry
            AuditChainHead.objects.get_or_create(pk=1)
            if not _append_postgresql(entry)[0]:
                raise RuntimeError("the audit chain head could not be created")
        return entry
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    entry.seq = head.last_seq + 1
    entry.at = timezone.now()
    entry.prev_hash = head.last_hash
    entry.entry_hash = entry.compute_hash()
    entry.save()
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


# Filled in by the database, under the chain head's lock; the rest of the entry is bound.
_CHAINED = ("seq", "at", "prev_hash", "entry_hash")
_BOUND_FIELDS = [f for f in AuditEntry._meta.concrete_fields
                 if not f.primary_key and f.name not in _CHAINED]


@functools.cache
def _postgresql_append(extra_model=None, extra_sql: str = "") -> str:
    """The append as one statement: lock the chain head; take the time; hash the entry
    as AuditEntry.compute_hash() does (SHA-256 of its canonical JSON, whose parts that
    only the head decides, i.e. time, previous hash and sequence, are filled in here);
    insert it; move the head. Built once from the models' metadata only (no outside
    input). Returns no row when the head does not exist yet.

    With `extra_sql` (core/raw_inserts.py's INSERT … RETURNING of an `extra_model` row,
    its parameters first), that row is inserted by the same statement, before the head is
    locked (the main query reads it first), and the one row returned ends with its
    primary key, also when the head does not exist yet (the entry's columns are NULL
    then)."""
    qn = connection.ops.quote_name
    head, entries = qn(AuditChainHead._meta.db_table), qn(AuditEntry._meta.db_table)
    field = AuditEntry._meta.get_field
    columns = ", ".join(qn(field(name).column) for name in _CHAINED)
    bound_columns = ", ".join(qn(f.column) for f in _BOUND_FIELDS)
    # typed as the columns, except text as text: too long a value fails as in an INSERT
    # instead of being cut by a cast to varchar(n) after it was hashed
    bound_values = ", ".join(
        f"CAST(%s AS {'text' if f.get_internal_type() == 'CharField' else f.cast_db_type(connection)})"
        for f in _BOUND_FIELDS)
    at_text = """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
    canonical = f"%s || {at_text} || %s || prev || %s || seq::text || %s"
    returned = ", ".join(f"new_entry.{qn(field(name).column)}"
                         for name in ("id", *_CHAINED))
    append = (
        f"head AS MATERIALIZED (SELECT last_seq + 1 AS seq, last_hash AS prev FROM {head} "  # noqa: S608
        f"WHERE id = 1 FOR UPDATE), "
        f"stamped AS MATERIALIZED (SELECT seq, prev, clock_timestamp() AS at FROM head), "
        f"hashed AS MATERIALIZED (SELECT seq, at, prev, "
        f"encode(sha256(convert_to({canonical}, 'UTF8')), 'hex') AS hash FROM stamped), "
        f"new_entry AS (INSERT INTO {entries} ({columns}, {bound_columns}) "
        f"SELECT seq, at, prev, hash, {bound_values} FROM hashed RETURNING *)"
    )
    move = (f"UPDATE {head} SET last_seq = new_entry.{qn(field('seq').column)}, "  # noqa: S608
            f"last_hash = new_entry.{qn(field('entry_hash').column)} FROM new_entry WHERE {head}.id = 1 "
            f"RETURNING {returned}")
    if not extra_sql:
        return f"WITH {append} {move}"
    # Data-changing WITH parts run once, whether or not the main query reads them.
    extra_pk = qn(extra_model._meta.pk.column)
    return (f"WITH extra AS ({extra_sql}), {append}, moved AS ({move}) "  # noqa: S608
            f"SELECT moved.*, extra.{extra_pk} FROM extra LEFT OUTER JOIN moved ON TRUE")


# Where the database fills in AuditEntry.payload()'s values, in the keys' sorted order
# (as _postgresql_append() concatenates them), and what encloses each value in JSON.
_SLOTS = {"at": ('"', '+00:00"'), "prev_hash": ('"', '"'), "seq": ("", "")}


def _canonical_parts(entry: AuditEntry) -> list[str]:
    """AuditEntry.compute_hash()'s canonical JSON of `entry`, cut where the time, the
    previous hash and the sequence number go: json.dumps() writes a dict key by key in
    sorted order, so the pieces joined with the values give the same text."""
    entry.seq, entry.at, entry.prev_hash = 0, timezone.now(), ""  # placeholders, replaced
    payload = entry.payload()
    dump = functools.partial(json.dumps, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    parts, current = [], "{"
    for i, key in enumerate(sorted(payload)):
        current += ("," if i else "") + dump(key) + ":"
        if key in _SLOTS:
            opening, closing = _SLOTS[key]
            parts.append(current + opening)
            current = closing
        else:
            current += dump(payload[key])
    parts.append(current + "}")
    return parts


def _append_postgresql(entry: AuditEntry, extra: tuple | None = None) -> tuple[bool, object]:
    """Append `entry` to the chain in one round trip, with the `extra` insert when given
    ((its model, raw_inserts.prepared()'s statement and parameters)): (False when there is
    no head yet, the extra row's primary key or None)."""
    params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _BOUND_FIELDS]
    with connection.cursor() as cursor:
        if extra is None:
            cursor.execute(_postgresql_append(), [*_canonical_parts(entry), *params])
            row, extra_pk = cursor.fetchone(), None
        else:
            extra_model, extra_sql, extra_params = extra
            cursor.execute(_postgresql_append(extra_model, extra_sql),
                           [*extra_params, *_canonical_parts(entry), *params])
            *row, extra_pk = cursor.fetchone()
            row = None if row[0] is None else row
    if row is None:
        return False, extra_pk
    entry.pk, entry.seq, entry.at, entry.prev_hash, entry.entry_hash = row
    entry._state.adding = False
    entry._state.db = connection.alias
    return True, extra_pk


def queue_email(*, to: str, subject: str, body: str, actor=None, audit: bool = True) -> OutgoingEmail:
    """Store an e-mail and hand it to the background worker with the caller's transaction
    (core/task_queue.py).
    `audit=False` when the caller's own audit entry already records the notification.

    No savepoint: callers queue notifications inside their own transaction (the dossier
    services before their audit entry; some others after it, while the chain head is
    locked), and a savepoint costs two more round trips. An error here still rolls back
    the caller's whole transaction."""
    from .task_queue import insert_with_task
    from .tasks import send_email

    with transaction.atomic(savepoint=False):
        email = insert_with_task(OutgoingEmail(to=to, subject=subject, body=body), send_email, "email_id")
        if audit:
            record_audit(actor=actor, action="email.queued", obj=email, after={"subject": subject})
    return email


def queue_sms(*, to: str, text: str, actor=None, audit: bool = True) -> OutgoingSms:
    """Store a text message and hand it to the background worker with the caller's transaction.
    `audit=False` when the caller's own audit entry already records the notification.
    No savepoint, as for queue_email."""
    from .masking import mask_phone
    from .task_queue import insert_with_task
    from .tasks import send_sms

    with transaction.atomic(savepoint=False):
        sms = insert_with_task(OutgoingSms(to=to, text=text[:480]), send_sms, "sms_id")
        if audit:
            record_audit(actor=actor, action="sms.queued", obj=sms, object_repr=f"SMS {mask_phone(to)}")
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
