"""A procedure is saved only when its process adds up and its form is well specified."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.procedures.models import Procedure
from chinhquyenso.procedures.services import save_procedure

pytestmark = pytest.mark.django_db


def test_a_complete_procedure_is_saved_with_components_steps_and_audit(birth_spec):
    procedure = save_procedure(**birth_spec)
    assert procedure.field.name == "Hộ tịch"
    assert [c.name for c in procedure.components.all()] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert procedure.components.get(order=2).file_types == ["pdf"]
    assert [s.hours for s in procedure.steps.all()] == [1, 5, 1, 1]
    assert procedure.duration_hours == Decimal(8)
    assert AuditEntry.objects.filter(action="procedure.saved", object_id=str(procedure.pk)).exists()


def test_steps_that_do_not_add_up_are_refused(birth_spec):
    birth_spec["steps"][1]["hours"] = 4  # 7 hours for an 8-hour procedure
    with pytest.raises(ValidationError) as error:
        save_procedure(**birth_spec)
    assert "7" in str(error.value) and "8" in str(error.value)
    assert not Procedure.objects.exists()


def test_working_days_count_eight_hours_each(birth_spec):
    birth_spec.update(duration_unit="days", duration=1)
    assert save_procedure(**birth_spec).duration_hours == 8
    birth_spec.update(duration=2)
    with pytest.raises(ValidationError):
        save_procedure(**birth_spec)


@pytest.mark.parametrize("bad_step", [
    {"name": "Xử lý", "role": "auditor", "hours": 5},
    {"name": "Xử lý", "role": "specialist", "hours": 0},
    {"name": "Xử lý", "role": "specialist", "hours": "năm"},
])
def test_bad_steps_are_refused(birth_spec, bad_step):
    birth_spec["steps"][1] = bad_step
    with pytest.raises(ValidationError):
        save_procedure(**birth_spec)


@pytest.mark.parametrize("bad_field", [
    {"key": "Child Name", "label": "Tên", "type": "text"},
    {"key": "child_full_name", "label": "Trùng khóa", "type": "text"},
    {"key": "note", "label": "", "type": "text"},
    {"key": "note", "label": "Ghi chú", "type": "file"},
    {"key": "kind", "label": "Loại", "type": "choice"},
])
def test_bad_form_fields_are_refused(birth_spec, bad_field):
    birth_spec["form"].append(bad_field)
    with pytest.raises(ValidationError):
        save_procedure(**birth_spec)


def test_procedure_without_components_or_with_negative_fee_is_refused(birth_spec):
    with pytest.raises(ValidationError):
        save_procedure(**{**birth_spec, "components": []})
    with pytest.raises(ValidationError):
        save_procedure(**{**birth_spec, "fees": [{"name": "Lệ phí", "amount": -1}]})


def test_saving_again_replaces_the_process(birth_spec):
    save_procedure(**birth_spec)
    birth_spec["steps"] = [{"name": "Giải quyết ngay", "role": "counter_officer", "hours": 8}]
    procedure = save_procedure(**birth_spec)
    assert [s.name for s in procedure.steps.all()] == ["Giải quyết ngay"]
    assert Procedure.objects.count() == 1
