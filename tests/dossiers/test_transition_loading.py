"""A transition request reads its dossier once, with the row locked before anything decides
the transition (the caller's right to see the dossier included); concurrent transitions on
one dossier still wait for each other; the events and audit entries are those of the
services called by id; a procedure's changed process is seen by the next transition."""

import copy
import json
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.dossiers import services
from chinhquyenso.dossiers.loading import load_dossier
from chinhquyenso.dossiers.locking import LockNotHeld, lock_dossier
from chinhquyenso.dossiers.models import Dossier, DossierEvent, State
from chinhquyenso.dossiers.queries import may_view
from chinhquyenso.org.models import Role
from chinhquyenso.procedures.services import save_procedure
from tests.concurrency import run_at_once
from tests.dossiers.conftest import pdf_upload
from tests.factories import OfficialFactory
from tests.procedures.conftest import BIRTH

GRAPH = '"dossiers_dossier" d '  # the statement that reads a dossier's graph (loading.py)
UNKNOWN = "000.00.21.H62-000000-9999"


def act(client, code, action, **body):
    return client.post(f"/api/v1/dossiers/{code}/actions/{action}", json.dumps(body),
                       content_type="application/json")


def graph_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if GRAPH in q["sql"]]


def lifecycle(counter, specialist, leader):
    """(who, what) of a whole lifecycle through the API, result file included."""
    return [
        (counter, lambda c, code: act(c, code, "receive")),
        (counter, lambda c, code: act(c, code, "assign", assignee=specialist.username)),
        (specialist, lambda c, code: act(c, code, "start")),
        (specialist, lambda c, code: c.post(f"/api/v1/dossiers/{code}/result",
                                            {"file": pdf_upload("ket-qua.pdf", b"%PDF-1.4 ket qua")})),
        (specialist, lambda c, code: act(c, code, "forward", note="Đủ điều kiện")),
        (leader, lambda c, code: act(c, code, "forward")),
        (counter, lambda c, code: act(c, code, "return_result")),
    ]


@pytest.mark.django_db
def test_each_transition_request_reads_the_dossier_once_with_its_row_locked(
        client, birth, submit, counter, specialist, leader):
    dossier = submit(birth)
    for user, step in lifecycle(counter, specialist, leader):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = step(client, dossier.code)
        assert response.status_code in (200, 201), response.content
        reads = graph_reads(queries)
        assert len(reads) == 1
        if connection.vendor == "postgresql":
            assert reads[0].endswith("FOR UPDATE OF d")
    assert Dossier.objects.get(pk=dossier.pk).state == State.RETURNED


@pytest.mark.django_db
def test_an_officials_page_action_reads_the_dossier_once(client, birth, submit, counter):
    dossier = submit(birth)
    client.force_login(counter)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/thao-tac/receive/")
    assert response.status_code == 302
    assert len(graph_reads(queries)) == 1
    assert Dossier.objects.get(pk=dossier.pk).state == State.RECEIVED


@pytest.mark.django_db
def test_a_transition_takes_one_query_less_than_a_visibility_read_then_the_service(
        birth, submit, counter, specialist):
    """Measured against what the API did before: read the dossier to check the caller may
    see it, then call the service by id, which reads it again locked. No savepoint is
    added for the service inside the request's transaction."""
    before, after = submit(birth), submit(birth)
    for d in (before, after):
        services.receive_dossier(dossier_id=d.pk, actor=counter)
        services.assign_dossier(dossier_id=d.pk, actor=counter, assignee=specialist)
        assert may_view(specialist, load_dossier(code=d.code))  # the specialist's roles are read here

    with CaptureQueriesContext(connection) as old:
        seen = load_dossier(code=before.code)
        assert may_view(specialist, seen)
        services.start_processing(dossier_id=seen.pk, actor=specialist)
    with CaptureQueriesContext(connection) as new, lock_dossier(code=after.code) as held:
        assert may_view(specialist, held.dossier)
        services.start_processing(locked=held, actor=specialist)

    assert len(graph_reads(old)) == 2 and len(graph_reads(new)) == 1
    assert len(new.captured_queries) == len(old.captured_queries) - 1
    assert {d.state for d in Dossier.objects.filter(pk__in=[before.pk, after.pk])} == {State.PROCESSING}


@pytest.mark.django_db
def test_an_invisible_dossier_answers_as_an_unknown_code_and_nothing_changes(
        client, birth, submit, other_ward):
    dossier = submit(birth)
    elsewhere = OfficialFactory(roles=[(Role.COUNTER_OFFICER, other_ward)]).user
    client.force_login(elsewhere)
    events, entries = DossierEvent.objects.count(), AuditEntry.objects.count()
    for path, body in (("actions/receive", None), ("actions/refuse", None), ("actions/no-such-action", None),
                       ("result", {"file": pdf_upload()}), ("supplement", {"files": [pdf_upload()]})):
        responses = []
        for code in (dossier.code, UNKNOWN):
            if body is None:
                responses.append(client.post(f"/api/v1/dossiers/{code}/{path}", json.dumps({"reason": "x"}),
                                             content_type="application/json"))
            else:
                responses.append(client.post(f"/api/v1/dossiers/{code}/{path}", body))
        hidden, unknown = responses
        assert hidden.status_code == unknown.status_code == 404, path
        assert hidden.json() == unknown.json(), path
    assert client.post(f"/dich-vu-cong/ho-so/{dossier.code}/thao-tac/receive/").status_code == 404
    assert client.post(f"/dich-vu-cong/ho-so/{UNKNOWN}/thao-tac/receive/").status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUBMITTED
    assert (DossierEvent.objects.count(), AuditEntry.objects.count()) == (events, entries)


def _events(dossier):
    return [(e.action, e.from_state, e.to_state, e.actor_id, e.note) for e in dossier.events.order_by("at", "pk")]


def _audit(dossier):
    """The dossier's audit entries, without what depends on the moment (due times)."""
    entries = AuditEntry.objects.filter(object_type="dossiers.dossier", object_id=str(dossier.pk)).order_by("seq")
    assert {a.object_repr for a in entries} == {str(dossier)}
    return [(a.action, a.actor_id, a.actor_label, a.before,
             {k: v for k, v in (a.after or {}).items() if k != "due_at"}) for a in entries]


@pytest.mark.django_db
def test_events_and_audit_entries_are_those_of_the_services_called_by_id(
        client, birth, submit, counter, specialist, leader):
    through_api, by_id = submit(birth), submit(birth)
    for user, step in lifecycle(counter, specialist, leader):
        client.force_login(user)
        assert step(client, through_api.code).status_code in (200, 201)
    services.receive_dossier(dossier_id=by_id.pk, actor=counter)
    services.assign_dossier(dossier_id=by_id.pk, actor=counter, assignee=specialist)
    services.start_processing(dossier_id=by_id.pk, actor=specialist)
    services.attach_result(dossier_id=by_id.pk, actor=specialist,
                           uploaded_file=pdf_upload("ket-qua.pdf", b"%PDF-1.4 ket qua"))
    services.forward_dossier(dossier_id=by_id.pk, actor=specialist, note="Đủ điều kiện")
    services.forward_dossier(dossier_id=by_id.pk, actor=leader)
    services.return_result(dossier_id=by_id.pk, actor=counter)

    assert _events(through_api) == _events(by_id)
    assert [e[:3] for e in _events(through_api)] == [
        ("submit", "", State.SUBMITTED), ("receive", State.SUBMITTED, State.RECEIVED),
        ("assign", State.RECEIVED, State.ASSIGNED), ("start", State.ASSIGNED, State.PROCESSING),
        ("attach_result", State.PROCESSING, State.PROCESSING),
        ("forward", State.PROCESSING, State.AWAITING_SIGNATURE), ("forward", State.AWAITING_SIGNATURE, State.DONE),
        ("return_result", State.DONE, State.RETURNED)]
    audit = _audit(through_api)
    assert audit == _audit(by_id)
    assert [(a[0], a[3], a[4].get("state")) for a in audit] == [
        ("dossier.submit", {"state": ""}, State.SUBMITTED),
        ("dossier.receive", {"state": State.SUBMITTED}, State.RECEIVED),
        ("dossier.assign", {"state": State.RECEIVED}, State.ASSIGNED),
        ("dossier.start", {"state": State.ASSIGNED}, State.PROCESSING),
        ("dossier.attach_result", {"state": State.PROCESSING}, State.PROCESSING),
        ("dossier.forward", {"state": State.PROCESSING}, State.AWAITING_SIGNATURE),
        ("dossier.forward", {"state": State.AWAITING_SIGNATURE}, State.DONE),
        ("dossier.return_result", {"state": State.DONE}, State.RETURNED)]


@pytest.mark.django_db
def test_a_transitions_event_row_is_the_one_the_orm_writes(birth, submit, counter):
    """The event is inserted by a statement built once per process (core/raw_inserts.py);
    its row is the one the ORM writes for the same values (the time to the microsecond,
    Vietnamese text)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    dossier = submit(birth)
    moment = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    reason = "Thiếu giấy chứng sinh: đã hướng dẫn ✓"
    services.refuse_dossier(dossier_id=dossier.pk, actor=counter, reason=reason, at=moment)
    ours = DossierEvent.objects.get(dossier=dossier, action="refuse")
    theirs = DossierEvent.objects.create(dossier=dossier, at=moment, actor=counter, action="refuse",
                                         from_state=State.SUBMITTED, to_state=State.REFUSED, note=reason)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in DossierEvent._meta.concrete_fields
                        if not f.primary_key)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM dossiers_dossierevent WHERE id IN (%s, %s) ORDER BY id",  # noqa: S608
                       [ours.pk, theirs.pk])
        first, second = cursor.fetchall()
    assert first == second
    assert (ours.at, ours.actor_id, ours.note) == (moment, counter.pk, reason)


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_on_one_dossier_are_serialised(birth, submit, counter):
    dossier = submit(birth)
    clients = 4

    def receive(_i):
        own = Client()
        own.force_login(counter)
        return act(own, dossier.code, "receive").status_code

    statuses = run_at_once(clients, receive)
    assert sorted(statuses) == [200] + [409] * (clients - 1)
    assert DossierEvent.objects.filter(dossier=dossier, action="receive").count() == 1
    assert AuditEntry.objects.filter(action="dossier.receive", object_id=str(dossier.pk)).count() == 1


def _wait_behind(dossier, holder_acts, client, action) -> dict:
    """Run `action` through the API for `client` while this thread holds the dossier's
    lock and performs `holder_acts(held)`; the outcome once the lock is released."""
    import time

    outcome = {}

    def request():
        try:
            response = act(client, dossier.code, action)
            outcome.update(status=response.status_code, body=response.content[:300])
        finally:
            connections.close_all()

    thread = threading.Thread(target=request)
    with lock_dossier(pk=dossier.pk) as held:
        holder_acts(held)
        thread.start()
        waiting = 0
        for _ in range(3000):  # until the request waits for this lock (a bound, not a timing)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid IN "
                               "(SELECT pid FROM pg_stat_activity WHERE datname = current_database())")
                waiting = cursor.fetchone()[0]
            if waiting or not thread.is_alive():
                break
            time.sleep(0.01)
        assert waiting, f"the other request never waited for the dossier's lock: {outcome}"
    thread.join(timeout=120)
    return outcome


@pytest.mark.django_db(transaction=True)
def test_a_transition_waits_for_the_dossiers_lock_and_decides_on_the_committed_state(birth, submit, counter):
    """While another transaction holds the dossier's row, a request for the same transition
    waits (before its visibility check and its state check), then sees the committed
    state: 409, and a single receipt."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's IMMEDIATE transactions serialise whole writers")
    dossier = submit(birth)
    other = Client()
    other.force_login(counter)
    outcome = _wait_behind(dossier, lambda held: services.receive_dossier(locked=held, actor=counter),
                           other, "receive")
    assert outcome["status"] == 409
    assert DossierEvent.objects.filter(dossier=dossier, action="receive").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_request_that_waited_sees_the_step_the_other_moved_the_dossier_to(
        birth, submit, counter, specialist):
    """A second "forward" (a double click) waits while the first moves the dossier to the
    leader's step; it then reads the dossier with its new step, and is refused (the
    specialist may not sign), not failed."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's IMMEDIATE transactions serialise whole writers")
    dossier = submit(birth)
    services.receive_dossier(dossier_id=dossier.pk, actor=counter)
    services.assign_dossier(dossier_id=dossier.pk, actor=counter, assignee=specialist)
    services.start_processing(dossier_id=dossier.pk, actor=specialist)
    services.attach_result(dossier_id=dossier.pk, actor=specialist, uploaded_file=pdf_upload("kq.pdf"))
    other = Client()
    other.force_login(specialist)
    outcome = _wait_behind(dossier, lambda held: services.forward_dossier(locked=held, actor=specialist),
                           other, "forward")
    assert outcome["status"] in (403, 409), outcome
    assert DossierEvent.objects.filter(dossier=dossier, action="forward").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).state == State.AWAITING_SIGNATURE


@pytest.mark.django_db
def test_a_procedures_changed_process_is_seen_by_the_next_transition(ward_pc, citizen, counter, client):
    """The catalogue can rewrite a process while no dossier stands at its steps or holds
    its components' files (both are protected): here, dossiers submitted without files."""
    spec = copy.deepcopy(BIRTH)
    for component in spec["components"]:
        component["mandatory"] = False
    procedure = save_procedure(**spec)
    first, second = (services.submit_dossier(
        procedure=procedure, agency=ward_pc, submitted_by=citizen, answers={
            "child_full_name": "Nguyễn Văn An", "child_birth_date": "01/11/2026", "child_sex": "Nam"},
        applicant={"name": "Nguyễn Thị Hương", "id_number": "026301005678"}) for _ in range(2))

    class Undo(Exception):
        pass

    # A receipt reads the process (and keeps it); undone, so no dossier stands at its steps.
    with pytest.raises(Undo), transaction.atomic():
        assert services.receive_dossier(dossier_id=first.pk, actor=counter).current_step.name == "Thẩm định"
        raise Undo
    spec["steps"][1]["name"] = "Thẩm định, xác minh"
    save_procedure(**spec)

    client.force_login(counter)
    response = act(client, first.code, "receive")
    assert response.status_code == 200 and response.json()["current_step"] == "Thẩm định, xác minh"
    with CaptureQueriesContext(connection) as queries:  # the process is kept: not read again
        response = act(client, second.code, "receive")
    assert response.json()["current_step"] == "Thẩm định, xác minh"
    assert not [q for q in queries.captured_queries if 'FROM "procedures_processstep"' in q["sql"]]


@pytest.mark.django_db
def test_a_locked_dossier_serves_only_inside_its_transaction(birth, submit, counter):
    dossier = submit(birth)
    with lock_dossier(pk=dossier.pk) as held:
        assert held.dossier.pk == dossier.pk
    with pytest.raises(LockNotHeld):
        services.receive_dossier(locked=held, actor=counter)
    with pytest.raises(TypeError):  # a dossier read without the lock is not a locked one
        services.receive_dossier(locked=load_dossier(pk=dossier.pk), actor=counter)
    with lock_dossier(pk=dossier.pk) as held, pytest.raises(TypeError):
        services.receive_dossier(dossier_id=dossier.pk, locked=held, actor=counter)
    with pytest.raises(TypeError):
        services.receive_dossier(actor=counter)
    with lock_dossier(code=UNKNOWN) as nothing:
        assert nothing is None
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUBMITTED


@pytest.mark.django_db
def test_a_failed_change_inside_the_lock_is_not_taken_for_a_saved_one(birth, submit, counter, specialist):
    """A service that fails inside lock_dossier() leaves its transaction to roll back: a
    caller that catches the error and goes on is told so when the `with` ends, and the
    locked dossier serves no further change."""
    dossier = submit(birth)
    with pytest.raises(transaction.TransactionManagementError), lock_dossier(pk=dossier.pk) as held:
        with pytest.raises(services.TransitionNotAllowed):
            services.start_processing(locked=held, actor=specialist)  # not received yet
        with pytest.raises(LockNotHeld):
            services.receive_dossier(locked=held, actor=counter)
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUBMITTED
    assert not DossierEvent.objects.filter(dossier=dossier).exclude(action="submit").exists()
