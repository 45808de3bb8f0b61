"""Loads the demo data set through the apps' services (so the audit log records it)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from chinhquyenso.org import services as org
from chinhquyenso.org.models import AdministrativeUnit, AgencyKind
from chinhquyenso.procedures.catalogue_data import PROCEDURES
from chinhquyenso.procedures.services import load_catalogue

from . import city

Progress = Callable[[str], None]


def database_is_empty() -> bool:
    return not AdministrativeUnit.objects.exists()


def load_demo(*, progress: Progress = lambda message: None, import_today: bool = True) -> dict:
    with transaction.atomic():
        progress("Đơn vị hành chính: tỉnh Vĩnh Phúc, thành phố Vĩnh Yên, 9 phường/xã")
        province = org.create_unit(**city.PROVINCE)
        city_unit = org.create_unit(parent=province, **city.CITY)
        wards: dict[str, AdministrativeUnit] = {}
        group_count = 0
        for code, name, unit_type, groups in city.WARDS:
            ward = org.create_unit(code=code, name=name, unit_type=unit_type, parent=city_unit,
                                   valid_from=city.WARDS_VALID_FROM, valid_to=city.CITY["valid_to"])
            wards[code] = ward
            group_type = "thon" if unit_type == "xa" else "to_dan_pho"
            label = "Thôn" if unit_type == "xa" else "Tổ dân phố số"
            for n in range(1, groups + 1):
                org.create_unit(code=f"{code}.{n:02d}", name=f"{label} {n}", unit_type=group_type,
                                parent=ward, valid_from=city.GROUPS_VALID_FROM,
                                valid_to=city.CITY["valid_to"])
                group_count += 1
        progress(f"{group_count} tổ dân phố/thôn")

        progress("Cơ quan: UBND thành phố, các phòng chuyên môn, UBND 9 phường/xã")
        city_pc = org.create_agency(code="000.00.00.H62", name="Ủy ban nhân dân thành phố Vĩnh Yên",
                                    abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE,
                                    unit=city_unit)
        agencies = {"city": city_pc}
        for i, (suffix, name, abbr) in enumerate(city.CITY_OFFICES, start=1):
            kind = AgencyKind.ONE_STOP if suffix == "MC" else AgencyKind.OFFICE
            agencies[f"city:{suffix}"] = org.create_agency(
                code=f"000.{i:02d}.00.H62", name=name, abbreviation=abbr, kind=kind,
                unit=city_unit, parent=city_pc)
        for i, (code, name, _type, _groups) in enumerate(city.WARDS, start=1):
            agencies[f"ward:{code}"] = org.create_agency(
                code=f"000.00.{i + 20:02d}.H62", name=f"Ủy ban nhân dân {name[0].lower()}{name[1:]}",
                abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=wards[code])

        progress("Tài khoản cán bộ mẫu")
        units = {"city": city_unit, **{f"ward:{c}": u for c, u in wards.items()}}
        for username, full_name, title, agency_key, roles in city.OFFICIALS:
            org.create_official(
                username=username, password=city.DEMO_PASSWORD, full_name=full_name, title=title,
                agency=agencies[agency_key],
                roles=[(role, units[unit_key]) for role, unit_key in roles])

        progress("Danh mục thủ tục hành chính mẫu")
        procedures = load_catalogue(PROCEDURES)

    imported = {"created": 0, "updated": 0}
    if import_today:
        progress("Danh mục đơn vị hành chính hiện hành (từ 01/07/2025)")
        imported = org.import_current_units()
    return {"wards": len(wards), "groups": group_count, "agencies": len(agencies),
            "officials": len(city.OFFICIALS), "procedures": procedures,
            "current_units": imported["created"]}
