"""A ward with its People's Committee, its officials, a citizen and two procedures."""

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chinhquyenso.org.models import AgencyKind, Role
from chinhquyenso.procedures.services import save_procedure
from tests.factories import AgencyFactory, OfficialFactory
from tests.procedures.conftest import BIRTH

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

HOUSEHOLD = {
    "code": "2.000720",
    "name": "Đăng ký thành lập hộ kinh doanh",
    "field": "Hộ kinh doanh",
    "level": "ward",
    "service_level": "partial_online",
    "duration_unit": "days",
    "duration": 3,
    "fees": [{"name": "Lệ phí đăng ký hộ kinh doanh", "amount": 100000}],
    "form": [
        {"key": "business_name", "label": "Tên hộ kinh doanh", "type": "text", "required": True}
    ],
    "components": [{"name": "Giấy đề nghị đăng ký hộ kinh doanh", "file_types": ["pdf"]}],
    "result": "Giấy chứng nhận đăng ký hộ kinh doanh",
    "steps": [
        {"name": "Tiếp nhận", "role": "counter_officer", "hours": 2},
        {"name": "Thẩm định", "role": "specialist", "hours": 16},
        {"name": "Ký", "role": "leader", "hours": 4},
        {"name": "Trả kết quả", "role": "counter_officer", "hours": 2},
    ],
}


def at(day, month, hour, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def pdf_upload(name="to-khai.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def ward_pc(ward):
    return AgencyFactory(
        code="000.00.21.H62",
        name="Ủy ban nhân dân phường Tích Sơn",
        kind=AgencyKind.PEOPLES_COMMITTEE,
        unit=ward,
    )


@pytest.fixture
def counter(ward_pc, ward):
    return OfficialFactory(
        agency=ward_pc, full_name="Vũ Thị Lan", roles=[(Role.COUNTER_OFFICER, ward)]
    ).user


@pytest.fixture
def specialist(ward_pc, ward):
    return OfficialFactory(agency=ward_pc, roles=[(Role.SPECIALIST, ward)]).user


@pytest.fixture
def leader(ward_pc, ward):
    return OfficialFactory(
        agency=ward_pc,
        full_name="Bùi Văn Sơn",
        title="Chủ tịch UBND phường",
        roles=[(Role.LEADER, ward)],
    ).user


@pytest.fixture
def citizen(django_user_model):
    return django_user_model.objects.create_user("nguoidan1", password="mat-khau-dai-1")


@pytest.fixture
def birth(db):
    return save_procedure(**copy.deepcopy(BIRTH))


@pytest.fixture
def household(db):
    return save_procedure(**copy.deepcopy(HOUSEHOLD))


@pytest.fixture
def submit(ward_pc, citizen):
    """submit(procedure, when=..., by=...) → a dossier submitted online with its files."""
    from chinhquyenso.dossiers.services import submit_dossier

    def make(procedure, when=None, by=None, answers=None, **kwargs):
        files = {c.pk: [pdf_upload(f"{c.order}.pdf")] for c in procedure.components.all()}
        default_answers = {
            "child_full_name": "Nguyễn Văn An",
            "child_birth_date": "01/11/2026",
            "child_sex": "Nam",
            "business_name": "Tạp hóa An Bình",
        }
        return submit_dossier(
            procedure=procedure,
            agency=ward_pc,
            submitted_by=by or citizen,
            applicant={
                "name": "Nguyễn Thị Hương",
                "email": "huong@example.vn",
                "phone": "0912340000",
                "id_number": "026301005678",
            },
            answers=answers or default_answers,
            files=files,
            at=when,
            **kwargs,
        )

    return make
