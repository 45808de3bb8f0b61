"""Background tasks enter the database queue with the transaction that asks for them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from chinhquyenso.core.models import OutgoingEmail
from chinhquyenso.core.services import queue_email
from chinhquyenso.core.task_queue import enqueue_in_transaction
from chinhquyenso.core.tasks import send_email

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*",
                 verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_task_row_commits_with_the_data_it_is_about(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    with transaction.atomic():
        email = queue_email(to="nguoidan@example.vn", subject="Đã tiếp nhận", body="…")
        # Part of this transaction already: nothing can be lost between commit and enqueue.
        queued = DBTaskResult.objects.get()
        assert queued.args_kwargs == {"args": [], "kwargs": {"email_id": email.pk}}
    _worker()
    assert [m.subject for m in mail.outbox] == ["Đã tiếp nhận"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_the_row_is_the_one_the_backend_itself_writes(settings):
    """Same columns and values as django_tasks_db's own enqueue, also with a priority and
    a time to run after; the worker honours both."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    email = OutgoingEmail.objects.create(to="a@example.vn", subject="s", body="b")
    later = timezone.now() + timedelta(hours=1)
    for task in (send_email, send_email.using(priority=7, run_after=later)):
        theirs = task.enqueue(email_id=email.pk).id
        with transaction.atomic():
            enqueue_in_transaction(task, email_id=email.pk)
        ours = DBTaskResult.objects.exclude(pk=theirs).get()
        a = DBTaskResult.objects.values().get(pk=theirs)
        b = DBTaskResult.objects.values().get(pk=ours.pk)
        for row in (a, b):
            assert timezone.now() - row.pop("enqueued_at") < timedelta(minutes=1)
            row.pop("id")
        assert a == b
        assert ours.task_result.task.priority == task.priority
        DBTaskResult.objects.all().delete()

    with transaction.atomic():
        enqueue_in_transaction(send_email.using(run_after=later), email_id=email.pk)
    _worker()
    assert mail.outbox == []  # not before its time
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))
    _worker()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_task_is_enqueued_at_once(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    email = OutgoingEmail.objects.create(to="a@example.vn", subject="Ngay", body="b")
    enqueue_in_transaction(send_email, email_id=email.pk)
    assert DBTaskResult.objects.count() == 1
    _worker()
    assert [m.subject for m in mail.outbox] == ["Ngay"]


@pytest.mark.django_db(transaction=True)
def test_a_backend_outside_the_database_gets_the_task_after_the_commit(settings):
    settings.TASKS = IMMEDIATE_TASKS
    with transaction.atomic():
        queue_email(to="a@example.vn", subject="Sau khi ghi", body="b")
        assert mail.outbox == []  # the immediate backend would have sent it already
    assert [m.subject for m in mail.outbox] == ["Sau khi ghi"]
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to="b@example.vn", subject="Bỏ", body="b")
        raise RuntimeError("rolled back")
    assert [m.subject for m in mail.outbox] == ["Sau khi ghi"]


def test_the_task_rows_save_receivers_are_the_ones_task_queue_stands_in_for():
    """task_queue writes the row without save()'s signals, doing what the backend's own
    receiver does, and sends no task_enqueued signal (its one receiver logs a debug line,
    which task_queue writes itself); a new receiver (an upgrade) must be looked at."""
    from django.db.models.signals import post_save, pre_save
    from django_tasks_db import signal_handlers
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    def names(signal):
        sync, asynchronous = signal._live_receivers(DBTaskResult)
        return {f"{r.__module__}.{r.__qualname__}" for r in [*sync, *asynchronous]}

    assert names(pre_save) == {f"{signal_handlers.__name__}.set_run_after"}
    assert names(post_save) == set()
    from django_tasks.signals import task_enqueued  # not sent by task_queue: only a debug line

    sync, asynchronous = task_enqueued._live_receivers(DatabaseBackend)
    assert {f"{r.__module__}.{r.__qualname__}" for r in [*sync, *asynchronous]} == {
        "django_tasks.signals.log_task_enqueued"}


@pytest.mark.django_db(transaction=True)
def test_a_row_and_its_task_are_the_rows_the_orm_and_the_backend_write(settings):
    """insert_with_task() (one statement on PostgreSQL) writes the row the ORM writes and
    the task row the backend's own enqueue writes, naming the new row's key; the worker
    then sends it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from chinhquyenso.core.task_queue import insert_with_task

    settings.TASKS = DB_TASKS
    theirs_email = OutgoingEmail.objects.create(to="a@example.vn", subject="Đã tiếp nhận", body="…")
    theirs_task = send_email.enqueue(email_id=theirs_email.pk).id
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        ours_email = insert_with_task(OutgoingEmail(to="a@example.vn", subject="Đã tiếp nhận", body="…"),
                                      send_email, "email_id")
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)
    assert ours_email.pk not in (None, theirs_email.pk) and not ours_email._state.adding
    rows = {pk: OutgoingEmail.objects.values().get(pk=pk) for pk in (theirs_email.pk, ours_email.pk)}
    for row in rows.values():
        assert timezone.now() - row.pop("created_at") < timedelta(minutes=1)
        row.pop("id")
    assert rows[theirs_email.pk] == rows[ours_email.pk]
    ours_task = DBTaskResult.objects.exclude(pk=theirs_task).get()
    assert ours_task.args_kwargs == {"args": [], "kwargs": {"email_id": ours_email.pk}}
    a = DBTaskResult.objects.values().get(pk=theirs_task)
    b = DBTaskResult.objects.values().get(pk=ours_task.pk)
    for row in (a, b):
        assert timezone.now() - row.pop("enqueued_at") < timedelta(minutes=1)
        row.pop("id")
        row.pop("args_kwargs")
    assert a == b
    _worker()
    assert len(mail.outbox) == 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_row_takes_its_task_with_it(settings):
    from django_tasks_db.models import DBTaskResult

    from chinhquyenso.core.task_queue import insert_with_task

    settings.TASKS = DB_TASKS
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_with_task(OutgoingEmail(to="a@example.vn", subject="s", body="b"), send_email, "email_id")
        raise RuntimeError("the change fails after the notification was queued")
    assert not OutgoingEmail.objects.exists() and not DBTaskResult.objects.exists()
