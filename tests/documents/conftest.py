"""A city People's Committee (UBND) with its Văn phòng (VP), a ward People's Committee,
their officials with real signing keys (a test certificate authority), and helpers that
bring a real PDF through the outgoing flow."""

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from reportlab.platypus import Paragraph

from chinhquyenso.core.pdf import build_pdf, escape_text, get_styles
from chinhquyenso.documents import pki, services
from chinhquyenso.documents.models import DocumentType
from chinhquyenso.org.models import AgencyKind, Role
from tests.factories import AgencyFactory, OfficialFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PASSPHRASE = "Mat-khau-ky-so-2026"
#: The test certificates are valid through the years the tests sign in.
CERTS_FROM = datetime(2025, 1, 1, tzinfo=UTC)


def make_pdf(title="QUYẾT ĐỊNH", body="Về việc phê duyệt kế hoạch chuyển đổi số năm 2026.") -> bytes:
    styles = get_styles()
    return build_pdf([Paragraph("ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN", styles.centered_bold),
                      Paragraph(escape_text(title), styles.title),
                      Paragraph(escape_text(body), styles.justified)],
                     title=title, author="Ủy ban nhân dân thành phố Vĩnh Yên")


PDF = make_pdf()


@cache
def signing_ca() -> pki.CertifiedKey:
    return pki.create_root_ca("Chính quyền số Test Root CA", not_before=CERTS_FROM, days=3650)


def person_pkcs12(full_name: str, organisation: str, title: str = "") -> bytes:
    key = pki.issue_certificate(signing_ca(), common_name=full_name, organisation=organisation,
                                kind="person", title=title or None, key_type="ec",
                                not_before=CERTS_FROM, days=3000)
    return pki.to_pkcs12(key.certificate, key.private_key, key.chain, PASSPHRASE)


def agency_pkcs12(name: str) -> bytes:
    key = pki.issue_certificate(signing_ca(), common_name=name, organisation=name, kind="agency",
                                key_type="ec", not_before=CERTS_FROM, days=3000)
    return pki.to_pkcs12(key.certificate, key.private_key, key.chain, PASSPHRASE)


def give_personal_key(user) -> None:
    official = user.official
    services.add_signing_credential(actor=user, official=official, passphrase=PASSPHRASE,
                                    pkcs12=person_pkcs12(official.full_name, official.agency.name,
                                                         official.title))


def give_seal(agency, admin) -> None:
    services.add_signing_credential(actor=admin, agency=agency, passphrase=PASSPHRASE,
                                    pkcs12=agency_pkcs12(agency.name))


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The services' messages are asserted in English (their msgids); pages choose their
    language per request, so page tests are not affected."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _trust_the_test_ca(settings, tmp_path):
    """Only the test CA is trusted (the trust store is a directory of certificates)."""
    from cryptography.hazmat.primitives import serialization

    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "test-root.pem").write_bytes(signing_ca().certificate.public_bytes(serialization.Encoding.PEM))
    settings.CQS_TRUST_DIR = trust
    settings.CQS_TRUST_ROOTS = []


@pytest.fixture
def it_admin(city_pc, city):
    return OfficialFactory(agency=city_pc, full_name="Quản trị hệ thống", title="Chuyên viên CNTT",
                           roles=[(Role.SYSTEM_ADMIN, city)]).user


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
def sealed_agencies(city_pc, it_admin):
    """Agencies whose seal the platform applies: asked for by the fixtures that number."""
    def seal(*agencies):
        for agency in agencies:
            give_seal(agency, it_admin)
    seal(city_pc)
    return seal


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
    user = OfficialFactory(agency=city_pc, full_name="Bùi Văn Sơn", title="Chủ tịch",
                           roles=[(Role.LEADER, city)]).user
    give_personal_key(user)
    return user


@pytest.fixture
def city_clerk(city_office, city, sealed_agencies):
    return OfficialFactory(agency=city_office, full_name="Lê Thị Hoa", title="Văn thư",
                           roles=[(Role.CLERK, city)]).user


@pytest.fixture
def ward_clerk(ward_pc, ward, sealed_agencies):
    sealed_agencies(ward_pc)
    return OfficialFactory(agency=ward_pc, full_name="Phạm Thị Thu", title="Văn thư",
                           roles=[(Role.CLERK, ward)]).user


@pytest.fixture
def ward_leader(ward_pc, ward):
    user = OfficialFactory(agency=ward_pc, full_name="Đỗ Văn Hùng", title="Chủ tịch UBND phường",
                           roles=[(Role.LEADER, ward)]).user
    give_personal_key(user)
    return user


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
        kwargs.setdefault("draft", ("du-thao.pdf", PDF))
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
        return services.sign_document(document_id=document.pk, actor=city_leader, passphrase=PASSPHRASE,
                                      at=kwargs.get("at"))

    return make
