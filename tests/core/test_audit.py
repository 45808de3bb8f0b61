from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from chinhquyenso.core.models import AuditEntry, AuditLogIsAppendOnly
from chinhquyenso.core.services import AuditOutsideTransaction, record_audit
from chinhquyenso.org import services as org
from chinhquyenso.org.models import AdministrativeUnit

pytestmark = pytest.mark.django_db


def write_entries(n):
    for i in range(n):
        with transaction.atomic():
            record_audit(action="test.event", object_type="test", object_id=i,
                         after={"n": i, "text": "Phường Tích Sơn"})


def test_entries_are_chained_in_sequence():
    write_entries(3)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert len({e.entry_hash for e in entries}) == 3


def test_any_content_is_chained_and_verifies(django_user_model, capsys):
    """Whatever a summary holds (Vietnamese, quotes, nesting, numbers, nothing), the entry
    as stored verifies, and what record_audit returns is what was stored."""
    actor = django_user_model.objects.create_user("kiemtra", password="x-y-z-123")
    summaries = [{"ghi chú": 'Nguyễn "Văn" \\ An\n\t', "số": [1, 2.5, None, True]},
                 {"lồng": {"b": [{"c": "đ"}], "a": ""}}, None, {}]
    written = []
    for i, after in enumerate(summaries):
        with transaction.atomic():
            written.append(record_audit(actor=actor if i % 2 else None, action="test.content",
                                        object_type="test", object_id=i, object_repr="Phường Tích Sơn",
                                        before={"i": i}, after=after))
    stored = list(AuditEntry.objects.filter(action="test.content").order_by("seq"))
    assert [(e.pk, e.seq, e.at, e.prev_hash, e.entry_hash) for e in written] == \
        [(e.pk, e.seq, e.at, e.prev_hash, e.entry_hash) for e in stored]
    assert all(e.compute_hash() == e.entry_hash for e in stored)
    assert [e.at for e in stored] == sorted(e.at for e in stored)
    call_command("verify_audit")
    assert str(AuditEntry.objects.count()) in capsys.readouterr().out


def test_a_service_write_records_who_what_and_before_after(ward, django_user_model):
    actor = django_user_model.objects.create_user("admin1", password="x-y-z-123")
    org.create_successor(predecessors=[ward], code="8707", name="Phường Vĩnh Yên",
                         unit_type="phuong", effective_on=date(2025, 7, 1), actor=actor)
    closed = AuditEntry.objects.filter(action="unit.closed").get()
    assert closed.actor == actor
    assert closed.actor_label == "admin1"
    assert closed.object_type == "org.administrativeunit"
    assert closed.object_id == str(ward.pk)
    assert closed.before == {"valid_to": None}
    assert closed.after == {"valid_to": "2025-06-30"}
    linked = AuditEntry.objects.filter(action="unit.succeeded").get()
    assert linked.after["successor"] == "8707"


def test_entries_cannot_be_changed_or_deleted():
    write_entries(1)
    entry = AuditEntry.objects.get()
    entry.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().action == "test.event"


@pytest.mark.django_db(transaction=True)
def test_audit_must_be_written_inside_the_change_transaction():
    with pytest.raises(AuditOutsideTransaction):
        record_audit(action="test.outside")
    assert not AuditEntry.objects.exists()


def test_a_failed_change_leaves_no_audit_entry(city):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        org.create_unit(code="9999", name="Phường Sẽ Hủy", unit_type="phuong", parent=city,
                        valid_from=city.valid_from)
        raise RuntimeError("the request failed after the unit was written")
    assert AuditEntry.objects.count() == before
    assert not AdministrativeUnit.objects.filter(code="9999").exists()
    call_command("verify_audit")  # the chain still holds after the rollback


def tamper(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_audit_passes_on_an_intact_chain(capsys):
    write_entries(5)
    call_command("verify_audit")
    assert "5" in capsys.readouterr().out


def test_verify_audit_names_the_first_changed_entry():
    write_entries(5)
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET action = %s WHERE seq = %s", ["forged", 3])
    with pytest.raises(CommandError, match="#3"):
        call_command("verify_audit")


def test_verify_audit_detects_a_deleted_entry():
    write_entries(5)
    tamper(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = %s", [2])
    with pytest.raises(CommandError, match="#3"):
        call_command("verify_audit")


def test_verify_audit_detects_a_rewritten_summary():
    write_entries(4)
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET after = {cast} WHERE seq = %s",
           ['{"n": 99, "text": "Phường Tích Sơn"}', 4])
    with pytest.raises(CommandError, match="#4"):
        call_command("verify_audit")


def test_verify_audit_exit_code_from_the_command_line(monkeypatch):
    """The command as operators run it: exit 0 when intact, non-zero when broken."""
    from django.core.management import execute_from_command_line
    from django.db import connections

    # the command closes database connections when it ends; keep the test's one open
    monkeypatch.setattr(connections, "close_all", lambda: None)
    write_entries(2)
    execute_from_command_line(["manage.py", "verify_audit"])  # returns: exit status 0
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET object_repr = %s WHERE seq = %s", ["x", 1])
    with pytest.raises(SystemExit) as broken:
        execute_from_command_line(["manage.py", "verify_audit"])
    assert broken.value.code == 1


def test_a_row_recorded_with_its_entry_is_inserted_once_and_the_chain_holds():
    """record_audit(with_row=...) inserts the row (on PostgreSQL in the entry's own
    statement), also for the log's first entry, which creates the chain head."""
    from django.test.utils import CaptureQueriesContext

    from chinhquyenso.core.audit_chain import verify_chain
    from chinhquyenso.core.models import OutgoingEmail

    for i in range(3):
        email = OutgoingEmail(to="huong@example.vn", subject=f"Hồ sơ {i}", body="Đã tiếp nhận")
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            entry = record_audit(action="email.queued", object_type="core.outgoingemail", object_id=i,
                                 after={"subject": email.subject}, with_row=email)
        assert email.pk is not None and not email._state.adding
        stored = OutgoingEmail.objects.get(pk=email.pk)
        assert (stored.subject, stored.to, stored.status) == (f"Hồ sơ {i}", "huong@example.vn", "queued")
        assert OutgoingEmail.objects.filter(subject=f"Hồ sơ {i}").count() == 1
        assert entry.seq == i + 1
        if i and connection.vendor == "postgresql":  # the head exists: one statement
            assert len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]) == 1
    assert verify_chain().holds and verify_chain().checked == 3
    assert OutgoingEmail.objects.count() == 3


def test_a_failing_row_leaves_neither_the_row_nor_the_entry():
    """A row the database refuses (too long a value: PostgreSQL checks it inside the
    combined statement) takes its entry with it, and stays unsaved."""
    from django.db import DatabaseError

    from chinhquyenso.core.models import OutgoingEmail

    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not check the length of text")
    write_entries(1)
    too_long = OutgoingEmail(to="a" * 300 + "@example.vn", subject="s", body="b")
    with pytest.raises(DatabaseError), transaction.atomic():
        record_audit(action="email.queued", object_type="core.outgoingemail", object_id=1, with_row=too_long)
    assert AuditEntry.objects.count() == 1
    assert OutgoingEmail.objects.count() == 0
    assert too_long.pk is None and too_long._state.adding
