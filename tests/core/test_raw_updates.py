"""Columns updated by a statement built once are written as the ORM would write them."""

import pytest
from django.db import DatabaseError
from django.db.models.signals import post_save

from chinhquyenso.core import raw_updates
from chinhquyenso.core.models import OutgoingEmail, OutgoingSms


@pytest.mark.django_db
def test_only_the_named_columns_are_written():
    email = OutgoingEmail.objects.create(to="a@example.vn", subject="Hồ sơ", body="Nội dung")
    OutgoingEmail.objects.filter(pk=email.pk).update(body="Sửa ở nơi khác")
    email.subject, email.status, email.attempts = "Đã đổi", OutgoingEmail.Status.SENT, 2
    email.body = "Không ghi"
    raw_updates.update_columns(email, ["subject", "status", "attempts"])
    stored = OutgoingEmail.objects.get(pk=email.pk)
    assert (stored.subject, stored.status, stored.attempts) == ("Đã đổi", OutgoingEmail.Status.SENT, 2)
    assert stored.body == "Sửa ở nơi khác"  # not named: left as it is in the database


@pytest.mark.django_db
def test_a_row_that_is_gone_fails_as_save_does():
    email = OutgoingEmail.objects.create(to="a@example.vn", subject="s", body="b")
    OutgoingEmail.objects.filter(pk=email.pk).delete()
    email.subject = "x"
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        raw_updates.update_columns(email, ["subject"])


@pytest.mark.django_db
def test_unsaved_instances_and_unknown_or_key_fields_are_refused():
    with pytest.raises(ValueError, match="not saved yet"):
        raw_updates.update_columns(OutgoingEmail(to="a@example.vn"), ["subject"])
    email = OutgoingEmail.objects.create(to="a@example.vn", subject="s", body="b")
    with pytest.raises(ValueError, match="cannot be updated"):
        raw_updates.update_columns(email, ["id"])
    with pytest.raises(ValueError, match="do not exist"):
        raw_updates.update_columns(email, ["nothing"])


@pytest.mark.django_db
def test_a_model_with_save_signal_receivers_is_saved_through_the_orm():
    sms = OutgoingSms.objects.create(to="0912345678", text="Đã tiếp nhận")
    seen = []

    def receiver(sender, instance, created, update_fields, **kwargs):
        seen.append((instance.pk, created, sorted(update_fields)))

    post_save.connect(receiver, sender=OutgoingSms)
    try:
        sms.text = "Đã trả kết quả"
        raw_updates.update_columns(sms, ["text"])
    finally:
        post_save.disconnect(receiver, sender=OutgoingSms)
    assert seen == [(sms.pk, False, ["text"])]
    assert OutgoingSms.objects.get(pk=sms.pk).text == "Đã trả kết quả"
