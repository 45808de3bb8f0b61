"""Loads the demo data set through the apps' services (so the audit log records it),
then twelve months of dossiers in bulk (demo.dossiers), the residents, and the
community digital technology teams with a year of their activities (community.demo), and a
year of official documents really signed with the demo PKI (documents.demo)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from chinhquyenso.core.services import record_audit
from chinhquyenso.org import services as org
from chinhquyenso.org.models import AdministrativeUnit, AgencyKind, Official
from chinhquyenso.procedures.catalogue_data import PROCEDURES
from chinhquyenso.procedures.services import load_catalogue

from . import city

Progress = Callable[[str], None]
DossierProgress = Callable[[int, int], None]


def database_is_empty() -> bool:
    return not AdministrativeUnit.objects.exists()


def load_demo(*, progress: Progress = lambda message: None, import_today: bool = True,
              dossier_count: int = 0, dossier_progress: DossierProgress | None = None,
              population: int = 0, population_progress=None, teams: bool = False,
              teams_progress: DossierProgress | None = None, documents: int = 0,
              documents_progress: DossierProgress | None = None) -> dict:
    """Load the seed's city; then, when dossier_count is positive, that many dossiers of
    the last twelve months (demo.dossiers.generate, default seed); `population`
    residents; with `teams`, one community team per residential group with its members
    and a year of activities (community.demo.generate, after the dossiers so the assisted
    ones become activities); when `documents` is positive, the demo PKI and that many
    official documents of the last twelve months, really signed (documents.demo.generate)."""
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
        password_hash = make_password(city.DEMO_PASSWORD)  # once for all ward accounts
        for username, full_name, title, agency_key, roles in city.WARD_OFFICIALS:
            _create_official(username=username, password_hash=password_hash,
                             full_name=full_name, title=title, agency=agencies[agency_key],
                             roles=[(role, units[unit_key]) for role, unit_key in roles])
        progress(f"{len(city.OFFICIALS) + len(city.WARD_OFFICIALS)} tài khoản cán bộ "
                 "(một cửa, chuyên viên, lãnh đạo, tổ công nghệ số của mỗi phường/xã)")

        from chinhquyenso.plans import demo as plans_demo

        progress("Đề án, kế hoạch chuyển đổi số của thành phố: mục tiêu, nhiệm vụ (nội dung minh họa)")
        plans_demo.generate()

        from chinhquyenso.indicators import demo as indicators_demo

        progress(f"{indicators_demo.generate()} số liệu chỉ số do đơn vị báo cáo (băng rộng theo nhà mạng, "
                 "điện thoại thông minh, kỹ năng số, …; nội dung minh họa)")

        progress("Danh mục thủ tục hành chính mẫu")
        # Land, construction and business registration ask for a level-2 e-ID online.
        level_two = {"Đất đai", "Xây dựng", "Hộ kinh doanh"}
        procedures = load_catalogue([{**spec, "eid_level_required": 2 if spec["field"] in level_two else 1}
                                     for spec in PROCEDURES])

    generated = None
    if dossier_count > 0:
        from . import dossiers

        progress(f"{dossier_count} hồ sơ mẫu của 12 tháng gần nhất (nạp hàng loạt)")
        generated = dossiers.generate(count=dossier_count, progress=dossier_progress)

    citizens = 0
    if population > 0:
        from chinhquyenso.identity.demo_population import generate_population

        progress(f"{population} cư dân mẫu (dữ liệu dân cư, định danh điện tử)")
        groups = list(AdministrativeUnit.objects.filter(level=4, parent__parent__code=city.CITY["code"]))
        citizens = generate_population(count=population, groups=groups,
                                       progress=population_progress or (lambda done, total: None))

    community = None
    if teams:
        from chinhquyenso.community import demo as community_demo

        progress("Tổ công nghệ số cộng đồng: một tổ mỗi tổ dân phố/thôn, thành viên, "
                 "tập huấn và hoạt động 12 tháng")
        community = community_demo.generate(progress=teams_progress)

    official_documents = None
    if documents > 0:
        from chinhquyenso.documents import demo as documents_demo

        progress(f"{documents} văn bản đi mẫu của 12 tháng gần nhất, ký số thật (khóa của lãnh đạo, "
                 "con dấu số của cơ quan), và văn bản đến")
        official_documents = documents_demo.generate(count=documents, progress=documents_progress)

    if community is not None or official_documents is not None:
        from chinhquyenso.indicators.record_tallies import rebuild as rebuild_record_tallies

        progress("Số liệu tổng hợp văn bản, hoạt động cộng đồng, phản ánh cho bảng chỉ số")
        rebuild_record_tallies()  # the demo writes them in bulk, past the services

    imported = {"created": 0, "updated": 0}
    if import_today:
        progress("Danh mục đơn vị hành chính hiện hành (từ 01/07/2025)")
        imported = org.import_current_units()
    return {"wards": len(wards), "groups": group_count, "agencies": len(agencies),
            "officials": len(city.OFFICIALS) + len(city.WARD_OFFICIALS),
            "procedures": procedures, "current_units": imported["created"],
            "dossiers": generated, "citizens": citizens, "teams": community,
            "documents": official_documents}


def _create_official(*, username: str, password_hash: str, full_name: str, title: str,
                     agency, roles) -> Official:
    """org.services.create_official with a password already hashed (hashing is slow on
    purpose: a third of a second per account)."""
    user = get_user_model().objects.create(username=username, first_name=full_name[:150],
                                           password=password_hash)
    official = Official.objects.create(user=user, agency=agency, full_name=full_name,
                                       title=title)
    record_audit(action="official.created", obj=official,
                 after={"username": username, "agency": agency.code, "title": title})
    for role, unit in roles:
        org.assign_role(official=official, role=role, unit=unit)
    return official
