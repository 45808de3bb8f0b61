"""The indicators' monthly counts of documents (and of the other records: activities,
complaints are covered in tests/community and tests/indicators) follow each step of the
services, equal a rebuild from the documents, and give the measures their numbers."""

from datetime import date

import pytest

from chinhquyenso.documents import services
from chinhquyenso.indicators import record_tallies
from chinhquyenso.indicators.computation import compute, parse_period
from chinhquyenso.indicators.models import Indicator, RecordSource, RecordTally
from chinhquyenso.org.models import AgencyKind, Role
from tests.documents.conftest import at
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


def kept() -> list[tuple]:
    return sorted(RecordTally.objects.exclude(total=0).values_list("unit_id", "month", "source", "key", "total"))


def assert_equal_to_a_rebuild():
    before = kept()
    record_tallies.rebuild()
    assert kept() == before


@pytest.fixture
def ward_office(ward_pc, ward):
    return AgencyFactory(code="000.00.21.H62.01", name="Bộ phận Văn hóa - Xã hội", abbreviation="VHXH",
                         kind=AgencyKind.OFFICE, unit=ward, parent=ward_pc)


def test_each_step_of_both_flows_is_counted_once(signed, city_clerk, city, city_pc, ward, ward_pc, ward_clerk,
                                                  ward_leader, ward_office, types):
    specialist = OfficialFactory(agency=ward_office, roles=[(Role.SPECIALIST, ward)]).user
    document = signed("QĐ")
    services.number_document(document_id=document.pk, actor=city_clerk, at=at(26, 11, 10))
    assert kept() == []  # numbered, not issued: counts nowhere yet
    services.issue_document(document_id=document.pk, actor=city_clerk, at=at(26, 11, 11))
    nov = date(2026, 11, 1)
    assert kept() == [(city.pk, nov, RecordSource.OUTGOING, "issued", 1),
                      (city.pk, nov, RecordSource.OUTGOING, "signed", 1)]
    assert_equal_to_a_rebuild()

    paper = services.receive_external(agency=ward_pc, actor=ward_clerk, subject="Về việc tổng vệ sinh",
                                      sender_name="Công ty Môi trường Xanh", document_type=types["CV"],
                                      at=at(27, 11, 8))
    services.register_incoming(document_id=paper.pk, actor=ward_clerk, at=at(27, 11, 9))
    services.assign_incoming(document_id=paper.pk, actor=ward_leader, lead_unit=ward_office,
                             deadline=date(2026, 12, 2), at=at(27, 11, 10))
    services.start_processing(document_id=paper.pk, actor=specialist, at=at(30, 11, 9))
    assert_equal_to_a_rebuild()
    services.complete_incoming(document_id=paper.pk, actor=specialist, at=at(3, 12, 9))  # after its deadline
    ward_cells = {(month, key): total for unit, month, source, key, total in kept()
                  if unit == ward.pk and source == RecordSource.INCOMING}
    assert ward_cells == {(nov, "registered"): 1, (nov, "handled"): 1, (date(2026, 12, 1), "completed"): 1}
    assert_equal_to_a_rebuild()

    q4 = parse_period("2026-Q4")
    on_time = compute(Indicator.objects.get(code="van-ban-den-dung-han"), unit=ward, start=q4.start, end=q4.end)
    assert (on_time.numerator, on_time.denominator) == (0, 1)
    signed_share = compute(Indicator.objects.get(code="van-ban-di-ky-so"), unit=city, start=q4.start, end=q4.end)
    assert signed_share.value == 100
