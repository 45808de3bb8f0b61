"""Citizens change only through the services, each change with its audit entry, and
the audit log never receives an identification or phone number in clear."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template

from chinhquyenso.core.models import AuditEntry, AuditLogIsAppendOnly
from chinhquyenso.identity import services
from chinhquyenso.identity.admin import CitizenAdmin
from chinhquyenso.identity.models import Citizen, CitizenRecordView

from .conftest import LAN_NUMBER, LAN_PHONE

pytestmark = pytest.mark.django_db


def audit_json() -> str:
    return json.dumps(list(AuditEntry.objects.values()), default=str, ensure_ascii=False)


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user(username="motcua.thu", password=None)


def test_registration_writes_an_audit_entry_without_number_or_phone(lan):
    entry = AuditEntry.objects.get(action="citizen.registered")
    assert entry.object_id == str(lan.pk)
    assert entry.object_type == "identity.citizen"
    assert entry.after["id_number"] == "026******345"
    assert entry.after["phone"] == "091****678"
    assert entry.after["email"] == "l***@example.com"
    assert entry.after["residential_group"] == "8707.01"
    assert entry.object_repr == "Nguyễn Thị Lan (026******345)"
    dump = audit_json()
    assert LAN_NUMBER not in dump
    assert LAN_PHONE not in dump
    assert "lan.nguyen@example.com" not in dump


def test_a_registered_citizen(lan, group, ward):
    lan.refresh_from_db()
    assert lan.search_name == "nguyen thi lan"
    assert lan.ward == ward  # derived from the residential group
    assert lan.eid_level == 2
    assert LAN_NUMBER not in str(lan)
    assert str(lan) == "Nguyễn Thị Lan"
    assert lan.masked_id_number == "026******345"


def test_typed_numbers_are_normalised(group):
    citizen = services.register_citizen(
        id_number="026 090 000 001", full_name="  Trần   Văn  Hùng ", birth_date=date(1990, 2, 3),
        sex="male", residential_group=group, phone="+84 988.123.456")
    assert citizen.id_number == "026090000001"
    assert citizen.full_name == "Trần Văn Hùng"
    assert citizen.phone == "0988123456"


def test_a_number_inconsistent_with_the_birth_date_is_refused(group):
    with pytest.raises(ValidationError) as exc:
        services.register_citizen(id_number="026185012345", full_name="Lê Văn Nam",
                                  birth_date=date(1986, 1, 1), sex="male", residential_group=group)
    assert "id_number" in exc.value.message_dict
    assert not Citizen.objects.exists()
    assert not AuditEntry.objects.filter(action="citizen.registered").exists()


@pytest.mark.parametrize(("number", "code"), [("02618501234", "format"),
                                               ("003185012345", "province")])
def test_malformed_numbers_are_refused_by_the_field(group, number, code):
    with pytest.raises(ValidationError) as exc:
        services.register_citizen(id_number=number, full_name="Lê Thị Hoa",
                                  birth_date=date(1985, 1, 1), sex="female")
    assert [e.code for e in exc.value.error_dict["id_number"]] == [code]


def test_a_number_is_registered_once(lan):
    with pytest.raises(ValidationError) as exc:
        services.register_citizen(id_number=LAN_NUMBER, full_name="Nguyễn Thị Lan",
                                  birth_date=date(1985, 9, 2), sex="female")
    assert "id_number" in exc.value.message_dict
    assert Citizen.objects.count() == 1


def test_a_citizen_lives_in_a_residential_group_not_a_ward(ward):
    with pytest.raises(ValidationError) as exc:
        services.register_citizen(id_number=LAN_NUMBER, full_name="Nguyễn Thị Lan",
                                  birth_date=date(1985, 9, 2), sex="female", residential_group=ward)
    assert "residential_group" in exc.value.message_dict


def test_a_bad_phone_is_refused(group):
    with pytest.raises(ValidationError) as exc:
        services.register_citizen(id_number=LAN_NUMBER, full_name="Nguyễn Thị Lan",
                                  birth_date=date(1985, 9, 2), sex="female", phone="12345")
    assert "phone" in exc.value.message_dict


def test_update_records_only_the_changes_masked(lan, groups, clerk):
    new_number, new_phone = "026185999999", "0387654321"
    updated = services.update_citizen(citizen=lan, actor=clerk, id_number=new_number,
                                      phone=new_phone, residential_group=groups[3],
                                      full_name="Nguyễn Thị Lan")  # unchanged
    assert updated.id_number == new_number
    assert updated.ward == groups[3].parent
    entry = AuditEntry.objects.get(action="citizen.updated")
    assert entry.actor == clerk
    assert set(entry.before) == {"id_number", "phone", "residential_group"}
    assert entry.before == {"id_number": "026******345", "phone": "091****678",
                            "residential_group": "8707.01"}
    assert entry.after == {"id_number": "026******999", "phone": "038****321",
                           "residential_group": "8731.01"}
    dump = audit_json()
    for secret in (LAN_NUMBER, LAN_PHONE, new_number, new_phone):
        assert secret not in dump


def test_an_update_that_changes_nothing_writes_nothing(lan):
    before = AuditEntry.objects.count()
    services.update_citizen(citizen=lan, full_name="Nguyễn Thị Lan", eid_level=2)
    assert AuditEntry.objects.count() == before


def test_an_update_must_stay_consistent(lan):
    with pytest.raises(ValidationError):
        services.update_citizen(citizen=lan, sex="male")  # the number says female
    lan.refresh_from_db()
    assert lan.sex == "female"
    assert not AuditEntry.objects.filter(action="citizen.updated").exists()


def test_renaming_updates_the_search_name(lan):
    services.update_citizen(citizen=lan, full_name="Đỗ Thị Lan")
    lan.refresh_from_db()
    assert lan.search_name == "do thi lan"
    assert Citizen.objects.filter(search_name__contains="do thi").count() == 1


def test_a_full_view_is_recorded_with_its_purpose(lan, clerk):
    view = services.record_full_view(viewer=clerk, citizen=lan,
                                     purpose="Xử lý hồ sơ H62.25.0001 (khai sinh)")
    assert isinstance(view, CitizenRecordView)
    assert view.viewer == clerk
    assert view.citizen_id == lan.pk
    assert view.purpose == "Xử lý hồ sơ H62.25.0001 (khai sinh)"
    assert list(CitizenRecordView.objects.for_citizen(lan)) == [view]
    assert list(CitizenRecordView.objects.by_viewer(clerk)) == [view]
    entry = AuditEntry.objects.get(pk=view.pk)
    assert entry.action == "citizen.full_record_viewed"
    assert entry.object_id == str(lan.pk)
    assert LAN_NUMBER not in audit_json()


def test_numbers_typed_into_the_purpose_are_masked(lan, clerk):
    view = services.record_full_view(viewer=clerk, citizen=lan,
                                     purpose=f"Công dân số {LAN_NUMBER[:3]} {LAN_NUMBER[3:]}, "
                                             f"ĐT {LAN_PHONE} gọi hỏi")
    assert view.purpose == "Công dân số 026******345, ĐT 091****678 gọi hỏi"
    assert LAN_NUMBER not in audit_json() and LAN_PHONE not in audit_json()


def test_a_full_view_needs_a_signed_in_viewer_and_a_purpose(lan, clerk):
    with pytest.raises(PermissionDenied):
        services.record_full_view(viewer=AnonymousUser(), citizen=lan, purpose="tra cứu")
    with pytest.raises(ValidationError) as exc:
        services.record_full_view(viewer=clerk, citizen=lan, purpose="  ")
    assert exc.value.code == "purpose_required"
    assert not CitizenRecordView.objects.exists()


def test_record_views_cannot_be_written_around_the_chain(lan, clerk):
    view = services.record_full_view(viewer=clerk, citizen=lan, purpose="kiểm tra hồ sơ")
    with pytest.raises(AuditLogIsAppendOnly):
        view.save()
    with pytest.raises(AuditLogIsAppendOnly):
        CitizenRecordView.objects.filter(pk=view.pk).delete()


def test_template_filters_mask_numbers(lan):
    html = Template("{% load identity_tags %}{{ c.id_number|mask_id }} {{ c.phone|mask_phone }}"
                    ).render(Context({"c": lan}))
    assert html == "026******345 091****678"


def test_the_admin_shows_masked_numbers_and_changes_nothing(lan, client):
    admin_user = get_user_model().objects.create_superuser(username="quantri", password=None)
    model_admin = CitizenAdmin(Citizen, None)
    assert model_admin.masked_number(lan) == "026******345"
    assert model_admin.masked_phone_number(lan) == "091****678"
    assert "id_number" not in model_admin.fields and "phone" not in model_admin.fields
    client.force_login(admin_user)
    response = client.get(f"/quan-tri/identity/citizen/{lan.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "026******345" in page
    assert LAN_NUMBER not in page and LAN_PHONE not in page
    listing = client.get("/quan-tri/identity/citizen/", {"q": "nguyen thi"}).content.decode()
    assert "026******345" in listing and LAN_NUMBER not in listing
