"""Monthly counts of the records other than dossiers that the dashboards read — official
documents, community activities, complaints — kept current as they change, so that a
dashboard never scans those records (aggregates.py does the same for dossiers).

What each record counts for (`cells`), by the unit of its agency (documents; complaints
through their dossier) or the residential group of its team (activities), in local
months, exactly as the sets of the registers (documents.queries) and measures.py's scans
define them:

    outgoing     issued, signed                  month of issue
    incoming     registered, handled             month of registration
                 completed, completed_on_time    month of completion (with a deadline)
    activities   people, accounts, member:<id>   month of the activity (confirmed ones)
    complaints   due, on_time, judged, satisfied month the answer was due

Keeping them current: a service that changes such a record takes `snapshot(record)` once
it has locked it and, after saving, calls `on_change(record, before=...)`: the difference
is added in the same transaction (one upsert; nothing when nothing counted changed).
`rebuild()` counts everything again from the records with measures.py's scans (called by
aggregates.rebuild_aggregates, hence by `rebuild_indicators` and the demo); rebuilt and
kept tables are equal, which the tests check.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.db import connection, transaction

from .models import RecordSource, RecordTally

MEMBER = "member:"
EVERY_MONTH = (date(1900, 1, 1), date(2199, 12, 1))


def _month(moment) -> date:
    from .aggregates import local_day

    return local_day(moment).replace(day=1)


def cells(record) -> Counter:
    """(source, unit id, month, key) → n: what the record counts for now."""
    from chinhquyenso.community.models import Activity
    from chinhquyenso.documents.models import IncomingDocument, OutgoingDocument
    from chinhquyenso.dossiers.models import Complaint

    from .aggregates import local_day
    from .measures import ACCOUNT_CATEGORIES

    found: Counter = Counter()
    if record is None:
        return found
    if isinstance(record, OutgoingDocument):
        if record.issued_at is not None:
            cell = (RecordSource.OUTGOING, record.agency.unit_id, _month(record.issued_at))
            found[(*cell, "issued")] += 1
            if record.signed_at is not None:
                found[(*cell, "signed")] += 1
    elif isinstance(record, IncomingDocument):
        unit_id = record.agency.unit_id
        if record.registered_at is not None:
            cell = (RecordSource.INCOMING, unit_id, _month(record.registered_at))
            found[(*cell, "registered")] += 1
            if record.assigned_at is not None:
                found[(*cell, "handled")] += 1
        if record.completed_at is not None and record.deadline is not None:
            day = local_day(record.completed_at)
            cell = (RecordSource.INCOMING, unit_id, day.replace(day=1))
            found[(*cell, "completed")] += 1
            if day <= record.deadline:
                found[(*cell, "completed_on_time")] += 1
    elif isinstance(record, Activity):
        if record.status == Activity.Status.CONFIRMED:
            cell = (RecordSource.ACTIVITIES, record.team.group_id, record.day.replace(day=1))
            found[(*cell, "people")] += record.people_reached
            if record.category in ACCOUNT_CATEGORIES:
                found[(*cell, "accounts")] += record.people_reached
            found[(*cell, f"{MEMBER}{record.member_id}")] += 1
    elif isinstance(record, Complaint):
        cell = (RecordSource.COMPLAINTS, record.dossier.agency.unit_id, _month(record.due_at))
        found[(*cell, "due")] += 1
        if record.answered_at is not None and record.answered_at <= record.due_at:
            found[(*cell, "on_time")] += 1
        if record.complainant_satisfied is not None:
            found[(*cell, "judged")] += 1
            if record.complainant_satisfied:
                found[(*cell, "satisfied")] += 1
    else:
        raise TypeError(f"no record tallies for {type(record).__name__}")
    return found


snapshot = cells  # what a service takes before it changes the record


def on_change(record, *, before: Counter | None) -> None:
    """Bring the tallies up to date after `record` changed (or was created: before=None).
    Call it inside the change's transaction."""
    changes = Counter(cells(record))
    changes.subtract(before or Counter())
    apply_changes(changes)


def apply_changes(changes: Counter) -> None:
    from .aggregates import _upsert

    rows = sorted((unit_id, month, int(source), key, n)
                  for (source, unit_id, month, key), n in changes.items() if n)
    if rows:
        with transaction.atomic(savepoint=False):
            _upsert(RecordTally, ("unit_id", "month", "source", "key"), rows)


# --- reading -------------------------------------------------------------------------------------

def read(source: RecordSource, ids, first_month: date, last_month: date) -> dict:
    """(unit, month) → Counter of the source's keys for the units and months (inclusive),
    without the members' keys (measures.ActiveMembers counts those in the database)."""
    found: dict = defaultdict(Counter)
    rows = (RecordTally.objects.filter(source=source, unit_id__in=list(ids), month__gte=first_month,
                                       month__lte=last_month).exclude(total=0).exclude(key__startswith=MEMBER))
    for unit_id, month, key, total in rows.values_list("unit_id", "month", "key", "total"):
        found[(unit_id, month)][key] += total
    return found


# --- rebuilding from scratch -----------------------------------------------------------------------

def _scans() -> dict:
    from . import measures

    return {RecordSource.OUTGOING: measures.scan_outgoing, RecordSource.INCOMING: measures.scan_incoming,
            RecordSource.ACTIVITIES: measures.scan_activities, RecordSource.COMPLAINTS: measures.scan_complaints}


def rebuild() -> int:
    """Count every source again from its records (inside the caller's transaction, or
    one of its own); returns the number of rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(RecordTally._meta.db_table)} "
                               "IN EXCLUSIVE MODE")
        RecordTally.objects.all().delete()
        made = []
        for source, scan in _scans().items():
            for (unit_id, month), counts in scan(None, *EVERY_MONTH).items():
                for key, total in counts.items():
                    if not total:
                        continue
                    name = f"{MEMBER}{key[1]}" if isinstance(key, tuple) else key
                    made.append(RecordTally(unit_id=unit_id, month=month, source=source, key=name,
                                            total=total))
        RecordTally.objects.bulk_create(made, batch_size=2000)
    return len(made)
