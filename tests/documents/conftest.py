"""A city People's Committee (UBND) with its Văn phòng (VP), a ward People's Committee,
their officials, and helpers that bring a document through the outgoing flow."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chinhquyenso.documents import services
from chinhquyenso.documents.models import DocumentType
from chinhquyenso.org.models import AgencyKind, Role
from tests.factories import AgencyFactory, OfficialFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIGNED_PDF = PDF + b"% signed revision\n%%EOF\n"


def at(day, month, hour=9, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def types(db):
    """The Decree 30 types the data migration loads, by abbreviation. A transactional
    test empties every table when it ends, so they are loaded again when missing."""
    from importlib import import_module

    from django.apps import apps

    if not DocumentType.objects.exists():
        import_module("chinhquyenso.documents.migrations.0002_document_types").load_types(apps, None)
    return {t.code: t for t in DocumentType.objects.all()}


@pytest.fixture
def city_pc(city):
    return AgencyFactory(code="000.00.00.H62", name="Ủy ban nhân dân thành phố Vĩnh Yên",
                         abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=city)


@pytest.fixture
def city_office(city_pc, city):
    return AgencyFactory(code="000.01.00.H62", name="Văn phòng HĐND và UBND thành phố",
                         abbreviation="VP", kind=AgencyKind.OFFICE, unit=city, parent=city_pc)


@pytest.fixture
def justice_office(city_pc, city):
    return AgencyFactory(code="000.02.00.H62", name="Phòng Tư pháp thành phố",
                         abbreviation="TP", kind=AgencyKind.OFFICE, unit=city, parent=city_pc)


@pytest.fixture
def ward_pc(ward):
    return AgencyFactory(code="000.00.21.H62", name="Ủy ban nhân dân phường Tích Sơn",
                         abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=ward)


@pytest.fixture
def other_ward_pc(other_ward):
    return AgencyFactory(code="000.00.22.H62", name="Ủy ban nhân dân phường Liên Bảo",
                         abbreviation="UBND", kind=AgencyKind.PEOPLES_COMMITTEE, unit=other_ward)


@pytest.fixture
def drafter(city_office, city):
    return OfficialFactory(agency=city_office, full_name="Trần Thị Mai", title="Chuyên viên",
                           roles=[(Role.SPECIALIST, city)]).user


@pytest.fixture
def city_leader(city_pc, city):
    return OfficialFactory(agency=city_pc, full_name="Bùi Văn Sơn", title="Chủ tịch",
                           roles=[(Role.LEADER, city)]).user


@pytest.fixture
def city_clerk(city_office, city):
    return OfficialFactory(agency=city_office, full_name="Lê Thị Hoa", title="Văn thư",
                           roles=[(Role.CLERK, city)]).user


@pytest.fixture
def ward_clerk(ward_pc, ward):
    return OfficialFactory(agency=ward_pc, full_name="Phạm Thị Thu", title="Văn thư",
                           roles=[(Role.CLERK, ward)]).user


@pytest.fixture
def ward_leader(ward_pc, ward):
    return OfficialFactory(agency=ward_pc, full_name="Đỗ Văn Hùng", title="Chủ tịch UBND phường",
                           roles=[(Role.LEADER, ward)]).user


@pytest.fixture
def ward_specialist(ward_pc, ward):
    return OfficialFactory(agency=ward_pc, full_name="Ngô Văn Nam", title="Công chức Tư pháp - Hộ tịch",
                           roles=[(Role.SPECIALIST, ward)]).user


@pytest.fixture
def draft(city_pc, city_office, drafter, types):
    """draft(type_code="QĐ", **kwargs) → a new draft the city People's Committee will issue."""

    def make(type_code="QĐ", **kwargs):
        kwargs.setdefault("subject", "Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")
        kwargs.setdefault("drafting_unit", city_office)
        return services.create_draft(agency=city_pc, actor=drafter, document_type=types[type_code],
                                     **kwargs)

    return make


@pytest.fixture
def signed(draft, drafter, city_leader):
    """signed(type_code="QĐ", **kwargs) → a draft brought through review and signature."""

    def make(type_code="QĐ", **kwargs):
        document = draft(type_code, **kwargs)
        services.submit_for_review(document_id=document.pk, actor=drafter)
        services.approve_for_signature(document_id=document.pk, actor=city_leader)
        return services.mark_signed(document_id=document.pk, actor=city_leader,
                                    signed_file_bytes=SIGNED_PDF)

    return make
