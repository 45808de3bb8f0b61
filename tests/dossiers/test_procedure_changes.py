"""A procedure in use can be saved again: its components and steps are updated where
they stand, so the dossiers' files and current steps keep pointing at them; one that a
dossier still points at cannot be removed, and the message says which."""

import copy

import pytest
from django.core.exceptions import ValidationError

from chinhquyenso.dossiers.models import DossierFile
from chinhquyenso.procedures.models import Procedure
from chinhquyenso.procedures.services import save_procedure
from tests.procedures.conftest import BIRTH


@pytest.mark.django_db
def test_a_procedure_with_dossiers_is_saved_again_in_place(birth, submit, counter):
    from chinhquyenso.dossiers import services

    dossier = submit(birth)
    services.receive_dossier(dossier_id=dossier.pk, actor=counter)
    dossier.refresh_from_db()
    step_id = dossier.current_step_id
    component_ids = [c.pk for c in birth.components.all()]
    spec = copy.deepcopy(BIRTH)
    spec["name"] = "Đăng ký khai sinh (sửa đổi)"
    spec["components"][0]["name"] = "Tờ khai đăng ký khai sinh (mẫu mới)"
    spec["steps"][1]["name"] = "Thẩm định hồ sơ"  # where the received dossier stands
    procedure = save_procedure(**spec)
    assert [c.pk for c in procedure.components.all()] == component_ids
    assert procedure.components.get(order=1).name == "Tờ khai đăng ký khai sinh (mẫu mới)"
    dossier.refresh_from_db()
    assert dossier.current_step_id == step_id and dossier.current_step.name == "Thẩm định hồ sơ"
    assert {f.component_id for f in DossierFile.objects.filter(dossier=dossier)} == set(component_ids)


@pytest.mark.django_db
def test_a_component_with_files_or_a_step_with_dossiers_is_not_removed(birth, submit, counter):
    from chinhquyenso.dossiers import services

    dossier = submit(birth)
    spec = copy.deepcopy(BIRTH)
    spec["name"] = "Tên mới không được lưu"
    spec["components"] = spec["components"][:1]
    with pytest.raises(ValidationError, match="Giấy chứng sinh"):
        save_procedure(**spec)
    assert Procedure.objects.get(pk=birth.pk).name == BIRTH["name"]  # nothing saved
    assert birth.components.count() == 2

    services.receive_dossier(dossier_id=dossier.pk, actor=counter)
    spec = copy.deepcopy(BIRTH)
    spec["steps"] = [{"name": "Giải quyết ngay", "role": "counter_officer", "hours": 8}]
    dossier.refresh_from_db()
    assert dossier.current_step.order == 2  # received: at the specialists' step
    with pytest.raises(ValidationError, match=dossier.current_step.name):
        save_procedure(**spec)
    assert birth.steps.count() == 4


@pytest.mark.django_db
def test_parts_nobody_points_at_are_removed(birth):
    spec = copy.deepcopy(BIRTH)
    spec["components"] = spec["components"][:1]
    spec["steps"] = [{"name": "Giải quyết ngay", "role": "counter_officer", "hours": 8}]
    procedure = save_procedure(**spec)
    assert [c.name for c in procedure.components.all()] == ["Tờ khai đăng ký khai sinh"]
    assert [s.name for s in procedure.steps.all()] == ["Giải quyết ngay"]
