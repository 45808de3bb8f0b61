"""Administrative units: a dated hierarchy whose history survives mergers."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chinhquyenso.org import services as org
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

pytestmark = pytest.mark.django_db


def test_hierarchy_levels_follow_the_type(ward, city, province):
    assert province.level == UnitLevel.PROVINCE
    assert city.level == UnitLevel.DISTRICT
    assert ward.level == UnitLevel.WARD
    group = org.create_unit(code="8707.01", name="Tổ dân phố số 1", unit_type="to_dan_pho",
                            parent=ward, valid_from=date(2019, 1, 1))
    assert group.level == UnitLevel.GROUP
    assert [u.code for u in group.ancestors()] == ["8707", "243", "26"]


def test_a_unit_cannot_sit_above_its_parent(ward):
    with pytest.raises(ValidationError):
        org.create_unit(code="27", name="Tỉnh Sai", unit_type="tinh", parent=ward,
                        valid_from=date(2020, 1, 1))


def test_valid_to_cannot_precede_valid_from(city):
    with pytest.raises(ValidationError):
        org.create_unit(code="8799", name="Phường Ngược", unit_type="phuong", parent=city,
                        valid_from=date(2020, 1, 1), valid_to=date(2019, 1, 1))


def test_two_current_units_cannot_share_a_code(ward, city):
    with pytest.raises((ValidationError, IntegrityError)), transaction.atomic():
        org.create_unit(code="8707", name="Phường Trùng", unit_type="phuong", parent=city,
                        valid_from=date(2020, 1, 1))


def test_merger_keeps_history_and_links_the_successor(ward, other_ward):
    successor = org.create_successor(
        predecessors=[ward, other_ward], code="8707", name="Phường Vĩnh Yên", unit_type="phuong",
        effective_on=date(2025, 7, 1), legal_basis="Nghị quyết của UBTVQH (demo)")
    ward.refresh_from_db()
    assert ward.valid_to == date(2025, 6, 30)
    assert set(successor.predecessors.values_list("name", flat=True)) == {
        "Phường Tích Sơn", "Phường Liên Bảo"}
    # the old unit is still found on a day in its period, the new one after it
    june = AdministrativeUnit.objects.valid_on(date(2025, 6, 1)).filter(code="8707").get()
    july = AdministrativeUnit.objects.valid_on(date(2025, 7, 1)).filter(code="8707").get()
    assert (june.name, july.name) == ("Phường Tích Sơn", "Phường Vĩnh Yên")


def test_a_new_unit_cannot_take_a_code_in_use_in_its_period(ward):
    with pytest.raises(ValidationError):
        org.create_unit(code="8707", name="Phường Vĩnh Yên", unit_type="phuong",
                        valid_from=date(2025, 7, 1))


def test_a_unit_cannot_succeed_itself(ward):
    with pytest.raises(ValidationError):
        org.record_succession(predecessors=[ward], successor=ward, effective_on=date(2025, 7, 1))


def test_import_of_todays_units(capsys):
    from django.core.management import call_command

    call_command("import_units")
    provinces = AdministrativeUnit.objects.current().filter(level=UnitLevel.PROVINCE)
    assert provinces.count() == 34
    phu_tho = provinces.get(code="25")
    assert phu_tho.name == "Phú Thọ"
    wards = AdministrativeUnit.objects.current().filter(parent=phu_tho)
    assert wards.count() == 148
    assert wards.get(code="8707").name == "Phường Vĩnh Yên"
    assert wards.get(code="8716").name == "Phường Vĩnh Phúc"
    assert wards.get(code="8707").valid_from == date(2025, 7, 1)
    total = AdministrativeUnit.objects.count()
    call_command("import_units")  # again: nothing duplicated
    assert AdministrativeUnit.objects.count() == total
    assert "0 mới" in capsys.readouterr().out


def test_demo_data_holds_the_seed_city():
    from django.core.management import call_command

    call_command("load_demo", "--without-current-units", "--without-dossiers", "--population", "0",
                 "--without-teams",
                 verbosity=0)
    city = AdministrativeUnit.objects.get(code="243")
    assert city.name == "Thành phố Vĩnh Yên" and city.parent.code == "26"
    wards = dict(city.children.values_list("code", "name"))
    assert wards == {
        "8707": "Phường Tích Sơn", "8710": "Phường Liên Bảo", "8713": "Phường Hội Hợp",
        "8716": "Phường Đống Đa", "8719": "Phường Ngô Quyền", "8722": "Phường Đồng Tâm",
        "8725": "Phường Định Trung", "8728": "Phường Khai Quang", "8731": "Xã Thanh Trù",
    }
    groups = AdministrativeUnit.objects.filter(level=UnitLevel.GROUP, parent__parent=city)
    assert groups.count() == 111
    assert all(AdministrativeUnit.objects.filter(parent__code=code).exists() for code in wards)
    assert city.valid_to == date(2025, 6, 30)


def test_demo_loads_only_into_an_empty_database(ward):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    units = AdministrativeUnit.objects.count()
    with pytest.raises(CommandError):
        call_command("load_demo", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0)  # a no-op, not an error
    assert AdministrativeUnit.objects.count() == units


def test_units_api_lists_units_in_force_on_a_day(client, ward, other_ward):
    org.create_successor(predecessors=[ward], code="8707", name="Phường Vĩnh Yên",
                         unit_type="phuong", effective_on=date(2025, 7, 1))
    before = client.get("/api/v1/org/units", {"on": "2025-06-01", "level": 3}).json()
    assert {u["name"] for u in before} == {"Phường Tích Sơn", "Phường Liên Bảo"}
    after = client.get("/api/v1/org/units", {"level": 3}).json()
    assert {u["name"] for u in after} == {"Phường Vĩnh Yên", "Phường Liên Bảo"}
    found = client.get("/api/v1/org/units", {"q": "tich son", "on": "2025-06-01"}).json()
    assert [u["code"] for u in found] == ["8707"]
    detail = client.get("/api/v1/org/units/8707", {"on": "2025-06-01"}).json()
    assert detail["name"] == "Phường Tích Sơn"
    assert [s["name"] for s in detail["successors"]] == ["Phường Vĩnh Yên"]
    assert client.get("/api/v1/org/units/0000").status_code == 404
