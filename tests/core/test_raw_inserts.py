"""Rows inserted by a statement built once are the rows the ORM would have written."""

import pytest
from django.db.models.signals import post_save
from django.utils import timezone

from chinhquyenso.core import raw_inserts
from chinhquyenso.core.models import OutgoingEmail, OutgoingSms


def _row(model, pk):
    return {k: v for k, v in model.objects.values().get(pk=pk).items() if k not in ("id", "created_at")}


@pytest.mark.django_db
def test_the_row_equals_the_orm_row_and_the_instance_is_saved():
    ours = raw_inserts.insert(OutgoingEmail(to="a@example.vn", subject="Hồ sơ", body="Nội dung"))
    theirs = OutgoingEmail.objects.create(to="a@example.vn", subject="Hồ sơ", body="Nội dung")
    assert ours.pk is not None and ours.pk != theirs.pk
    assert _row(OutgoingEmail, ours.pk) == _row(OutgoingEmail, theirs.pk)
    stored = OutgoingEmail.objects.get(pk=ours.pk)
    assert abs(stored.created_at - timezone.now()).total_seconds() < 60  # auto_now_add filled
    assert stored.status == OutgoingEmail.Status.QUEUED  # the model's default
    assert not ours._state.adding  # a later save() updates this row
    ours.subject = "Đổi"
    ours.save()
    assert OutgoingEmail.objects.get(pk=ours.pk).subject == "Đổi"
    assert OutgoingEmail.objects.count() == 2


@pytest.mark.django_db
def test_a_model_with_save_signal_receivers_is_saved_through_the_orm():
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=OutgoingSms)
    try:
        sms = raw_inserts.insert(OutgoingSms(to="0912345678", text="Đã tiếp nhận"))
    finally:
        post_save.disconnect(receiver, sender=OutgoingSms)
    assert seen == [(sms.pk, True)]
    assert OutgoingSms.objects.get(pk=sms.pk).text == "Đã tiếp nhận"


@pytest.mark.django_db
def test_a_model_with_its_own_save_is_saved_through_it(monkeypatch):
    saved = []

    def save(self, *args, **kwargs):
        saved.append(self.to)
        return super(OutgoingEmail, self).save(*args, **kwargs)

    monkeypatch.setattr(OutgoingEmail, "save", save, raising=False)
    email = raw_inserts.insert(OutgoingEmail(to="c@example.vn", subject="s", body="b"))
    assert saved == ["c@example.vn"]
    assert OutgoingEmail.objects.get(pk=email.pk).to == "c@example.vn"


@pytest.mark.django_db
def test_an_unsaved_related_object_is_refused_as_save_refuses_it(django_user_model):
    from chinhquyenso.dossiers.models import Dossier, DossierEvent

    event = DossierEvent(dossier=Dossier(code="chua-luu"), actor=django_user_model(username="chua-luu"),
                         at=timezone.now(), action="receive", from_state="submitted", to_state="received")
    with pytest.raises(ValueError, match="unsaved related object"):
        raw_inserts.insert(event)
    with pytest.raises(ValueError, match="unsaved related object"):
        raw_inserts.prepared(event)
    assert not DossierEvent.objects.exists()
