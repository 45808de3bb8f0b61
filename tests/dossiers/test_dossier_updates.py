"""A dossier's changed columns, written by a statement built once (core/raw_updates.py),
are stored exactly as save(update_fields=...) stores them, on SQLite and PostgreSQL."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection, models

from chinhquyenso.core.raw_updates import update_columns
from chinhquyenso.dossiers.models import Dossier


def stored(pk):
    qn = connection.ops.quote_name
    fields = Dossier._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(qn(f.column) for f in fields)} "  # noqa: S608
                       f"FROM {qn(Dossier._meta.db_table)} WHERE {qn('id')} = %s", [pk])
        return dict(zip([f.column for f in fields], cursor.fetchone(), strict=True))


@pytest.mark.django_db
def test_the_columns_written_are_those_the_orm_writes(submit, birth, counter):
    ours, theirs = submit(birth), submit(birth)
    changes = {
        "answers": {"child_full_name": "Nguyễn Văn Đức", "list": [1, {"b": None}]},
        "received_at": dt.datetime(2026, 11, 3, 9, 30, 15, 123456, tzinfo=dt.UTC),
        "due_at": dt.datetime(2026, 11, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        "withdrawal_requested": True, "components_digitised": False, "assisted_by_id": counter.pk,
        "state": "received", "applicant_email": "",
    }
    for dossier in (ours, theirs):
        for name, value in changes.items():
            setattr(dossier, name, value)
    with mock.patch.object(models.Model, "save", side_effect=AssertionError("saved through the ORM")):
        update_columns(ours, list(changes))  # a dossier takes the prebuilt statement
    theirs.save(update_fields=list(changes))
    a, b = stored(ours.pk), stored(theirs.pk)
    for column in ("id", "code", "submitted_at"):
        a.pop(column), b.pop(column)
    assert a == b
    reread = Dossier.objects.get(pk=ours.pk)
    assert reread.answers == changes["answers"] and reread.withdrawal_requested is True
    assert reread.due_at == changes["due_at"] and reread.assisted_by_id == counter.pk


@pytest.mark.django_db
def test_a_field_named_twice_is_written_once(submit, birth, counter):
    dossier = submit(birth)
    dossier.assisted_by_id = counter.pk
    update_columns(dossier, ["assisted_by", "assisted_by_id"])
    assert Dossier.objects.get(pk=dossier.pk).assisted_by_id == counter.pk


@pytest.mark.django_db
def test_an_unsaved_related_object_is_refused_as_save_refuses_it(submit, birth, django_user_model):
    dossier = submit(birth)
    dossier.assisted_by = django_user_model(username="chua-luu")
    with pytest.raises(ValueError, match="unsaved related object"):
        update_columns(dossier, ["assisted_by"])
    assert Dossier.objects.get(pk=dossier.pk).assisted_by_id is None
