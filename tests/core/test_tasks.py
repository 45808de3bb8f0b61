"""The e-mail notification task on both task backends, with real workers."""

import pytest
from django.core import mail
from django.core.management import call_command

from chinhquyenso.core.models import AuditEntry, OutgoingEmail
from chinhquyenso.core.services import queue_email

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_by_the_database_worker(settings):
    settings.TASKS = DB_TASKS
    email = queue_email(to="nguoidan@example.vn", subject="Hồ sơ đã được tiếp nhận",
                        body="Hồ sơ của ông/bà đã được tiếp nhận.")
    assert OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.QUEUED
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*",
                 verbosity=0)

    assert [m.subject for m in mail.outbox] == ["Hồ sơ đã được tiếp nhận"]
    assert mail.outbox[0].to == ["nguoidan@example.vn"]
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.sent_at is not None
    assert list(AuditEntry.objects.filter(object_id=str(email.pk))
                .values_list("action", flat=True)) == ["email.queued", "email.sent"]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_when_the_transaction_rolls_back(settings):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to="a@example.vn", subject="s", body="b")
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()
    assert not OutgoingEmail.objects.exists()


@pytest.fixture
def redis_queue(settings):
    import django_rq
    import redis

    url = "redis://127.0.0.1:6379/15"
    settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 60}}
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError as exc:  # pragma: no cover - the machine provides Redis
        pytest.fail(f"Redis is required for the RQ backend test: {exc}")
    settings.TASKS = RQ_TASKS
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_by_the_rq_worker(redis_queue):
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    email = queue_email(to="canbo@example.vn", subject="Văn bản đến mới", body="Có văn bản đến.")
    assert redis_queue.count == 1
    assert mail.outbox == []

    SimpleWorker([redis_queue], connection=redis_queue.connection, job_class=Job).work(burst=True)

    assert [m.subject for m in mail.outbox] == ["Văn bản đến mới"]
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_nothing_reaches_the_rq_queue_when_the_transaction_rolls_back(redis_queue):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to="a@example.vn", subject="s", body="b")
        assert redis_queue.count == 0  # not before the commit either
        raise RuntimeError("rolled back")
    assert redis_queue.count == 0
    assert not OutgoingEmail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sms_goes_through_the_configured_sender_with_the_number_masked(settings, caplog):
    import logging

    from chinhquyenso.core.models import OutgoingSms
    from chinhquyenso.core.services import queue_sms

    settings.TASKS = DB_TASKS
    sms = queue_sms(to="0912345678", text="Hồ sơ 000.00.21.H62-261126-0001 đã được tiếp nhận")
    with caplog.at_level(logging.INFO, logger="chinhquyenso.sms"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*",
                     verbosity=0)
    sms.refresh_from_db()
    assert sms.status == OutgoingSms.Status.SENT
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "chinhquyenso.sms")
    assert "091****678" in logged and "0912345678" not in logged
    assert "0912345678" not in str(sms)
