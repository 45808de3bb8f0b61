"""A procedure in use can be saved again: a component or step keeps its identity (a
component by its name; a step by its name, role and acting unit) wherever it moves in the
list, so the dossiers' files and current steps keep pointing at the same thing; one that
a dossier still points at cannot be removed or renamed, and the message says which."""

import copy

import pytest
from django.core.exceptions import ValidationError

from chinhquyenso.dossiers import services
from chinhquyenso.dossiers.models import DossierFile
from chinhquyenso.procedures.models import Procedure
from chinhquyenso.procedures.services import save_procedure
from tests.procedures.conftest import BIRTH


def received(submit, birth, counter):
    dossier = submit(birth)
    services.receive_dossier(dossier_id=dossier.pk, actor=counter)
    dossier.refresh_from_db()
    return dossier


def files_by_component_name(dossier):
    return sorted((f.original_name, f.component.name) for f in DossierFile.objects.filter(dossier=dossier))


@pytest.mark.django_db
def test_parts_keep_their_identity_when_others_are_added_before_them(birth, submit, counter):
    dossier = received(submit, birth, counter)
    assert dossier.current_step.name == "Thẩm định"
    files_before = files_by_component_name(dossier)
    ids = {c.name: c.pk for c in birth.components.all()}
    spec = copy.deepcopy(BIRTH)
    spec["components"].insert(0, {"name": "Bản sao CCCD của người đi khai sinh", "mandatory": False,
                                  "file_types": ["pdf"]})
    spec["components"][2]["file_types"] = ["pdf", "png"]  # Giấy chứng sinh, now third
    spec["steps"].insert(1, {"name": "Lãnh đạo phân công", "role": "leader", "hours": 1})
    spec["steps"][2]["hours"] = 4  # Thẩm định: the total stays 8 working hours
    procedure = save_procedure(**spec)
    components = list(procedure.components.all())
    assert [c.name for c in components] == ["Bản sao CCCD của người đi khai sinh",
                                            "Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert {c.name: c.pk for c in components[1:]} == ids
    assert components[2].file_types == ["pdf", "png"]
    assert files_by_component_name(dossier) == files_before  # no file relabelled
    dossier.refresh_from_db()
    assert (dossier.current_step.name, dossier.current_step.order) == ("Thẩm định", 3)
    assert dossier.current_step.hours == 4
    assert [s.name for s in procedure.steps.all()] == [
        "Tiếp nhận hồ sơ", "Lãnh đạo phân công", "Thẩm định", "Ký kết quả", "Trả kết quả"]


@pytest.mark.django_db
def test_parts_can_change_places(birth, submit, counter):
    dossier = received(submit, birth, counter)
    files_before = files_by_component_name(dossier)
    spec = copy.deepcopy(BIRTH)
    spec["components"].reverse()
    procedure = save_procedure(**spec)
    assert [c.name for c in procedure.components.all()] == ["Giấy chứng sinh", "Tờ khai đăng ký khai sinh"]
    assert files_by_component_name(dossier) == files_before


@pytest.mark.django_db
def test_a_component_with_files_or_a_step_with_dossiers_is_not_removed_or_renamed(birth, submit, counter):
    dossier = received(submit, birth, counter)
    for change in ("remove", "rename"):
        spec = copy.deepcopy(BIRTH)
        spec["name"] = "Tên mới không được lưu"
        if change == "remove":
            spec["components"] = spec["components"][1:]  # without the declaration form
        else:
            spec["components"][0]["name"] = "Tờ khai (mẫu mới)"
        with pytest.raises(ValidationError, match="Tờ khai đăng ký khai sinh") as refused:
            save_procedure(**spec)
        assert "Giấy chứng sinh" not in str(refused.value)  # only what blocks the save
        assert Procedure.objects.get(pk=birth.pk).name == BIRTH["name"]  # nothing saved
        assert [c.name for c in birth.components.all()] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]

    spec = copy.deepcopy(BIRTH)
    spec["steps"] = [{"name": "Giải quyết ngay", "role": "counter_officer", "hours": 8}]
    with pytest.raises(ValidationError, match=dossier.current_step.name):
        save_procedure(**spec)
    assert birth.steps.count() == 4


@pytest.mark.django_db
def test_parts_nobody_points_at_are_removed(birth):
    spec = copy.deepcopy(BIRTH)
    spec["components"] = spec["components"][1:]
    spec["steps"] = [{"name": "Giải quyết ngay", "role": "counter_officer", "hours": 8}]
    procedure = save_procedure(**spec)
    assert [(c.order, c.name) for c in procedure.components.all()] == [(1, "Giấy chứng sinh")]
    assert [s.name for s in procedure.steps.all()] == ["Giải quyết ngay"]


@pytest.mark.django_db(transaction=True)
def test_removing_a_component_while_a_dossier_is_submitted_does_not_deadlock(birth, submit, monkeypatch):
    """The procedure's save takes the audit log's chain head before it removes anything.
    A submission storing a file for the component being removed waits for it; the other
    order deadlocked: the save held the removed row and waited for the head, which the
    submission held while its file's reference waited for the row."""
    import threading
    import time

    from django.db import IntegrityError, connection, connections

    from chinhquyenso.procedures.models import Component

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    removed = threading.Event()
    create = Component.objects.bulk_create

    def create_after_a_pause(objs, *args, **kwargs):
        removed.set()  # the surplus component is deleted, its row locked
        time.sleep(1.5)
        return create(objs, *args, **kwargs)

    monkeypatch.setattr(Component.objects, "bulk_create", create_after_a_pause)
    spec = copy.deepcopy(BIRTH)
    spec["components"] = spec["components"][:1]
    outcome = {}

    def run(name, work):
        try:
            outcome[name] = work()
        except Exception as exc:  # noqa: BLE001 — what happened is the assertion
            outcome[name] = exc
        finally:
            connections.close_all()

    def submission():
        removed.wait(10)
        return submit(Procedure.objects.get(pk=birth.pk))

    threads = [threading.Thread(target=run, args=("save", lambda: save_procedure(**spec))),
               threading.Thread(target=run, args=("submit", submission))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert isinstance(outcome["save"], Procedure), outcome  # no deadlock
    # the submission waited for the save and then found its component gone
    assert isinstance(outcome["submit"], IntegrityError), outcome
    assert [c.name for c in Procedure.objects.get(pk=birth.pk).components.all()] == ["Tờ khai đăng ký khai sinh"]
