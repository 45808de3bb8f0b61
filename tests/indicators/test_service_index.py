"""The service index of Decision 766 (its items at their caps, the hand-computed fixture
of conftest.py), and the documents' and officials' indicators."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from chinhquyenso.dossiers import services as svc
from chinhquyenso.indicators import aggregates, service_index
from chinhquyenso.indicators.computation import compute, parse_period
from chinhquyenso.indicators.models import Indicator, Metric
from chinhquyenso.indicators.services import report_value
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db
ITEM = {item.code: item for item in service_index.ITEMS}


def test_the_six_groups_add_up_to_100_points():
    assert sum(points for _c, _n, points in service_index.GROUPS) == 100
    for group, _name, points in service_index.GROUPS:
        assert sum(i.points for i in service_index.ITEMS if i.group == group) == points, group


@pytest.mark.parametrize(("code", "numerator", "denominator", "points"), [
    ("danh-gia-hai-long", 95, 100, "6.00"),     # above 90% satisfied: capped at the maximum
    ("danh-gia-hai-long", 90, 100, "6.00"),     # exactly at the threshold
    ("danh-gia-hai-long", 45, 100, "3.00"),     # half the threshold: half the points
    ("dung-han", 2, 3, "13.33"),                # 20 × 2/3
    ("dung-han", 3, 3, "20.00"),
    ("ho-so-thanh-toan-truc-tuyen", 0, 0, "6.00"),  # nothing to pay: full marks
    ("khieu-nai-dung-han", 0, 0, "6.00"),       # no complaint: full marks
    ("ket-qua-dien-tu", 0, 0, None),            # nothing finished: no data, no points
    ("ket-qua-dien-tu", 0, 5, "0.00"),
    ("cong-bo-dung-han", Decimal("90"), Decimal("100"), "5.40"),
])
def test_an_item_earns_its_points_times_the_ratio_up_to_its_cap(code, numerator, denominator, points):
    expected = None if points is None else Decimal(points)
    assert service_index.score(ITEM[code], numerator, denominator) == expected


def test_fee_and_payment_metrics_of_a_finished_dossier(dossiers):
    dossier = dossiers["online_late"]
    cells = aggregates.contribution(dossier).cells
    assert not any(metric in (Metric.FINISHED_WITH_FEE, Metric.FINISHED_PAID_ONLINE) for metric, _day in cells)
    dossier.fee_amount, dossier.fee_paid_at, dossier.payment_provider = 50000, dossier.finished_at, "counter"
    cells = aggregates.contribution(dossier).cells
    assert (Metric.FINISHED_WITH_FEE, date(2026, 11, 27)) in cells
    assert (Metric.FINISHED_PAID_ONLINE, date(2026, 11, 27)) not in cells   # paid at the counter
    dossier.payment_provider = "vnpay"
    assert (Metric.FINISHED_PAID_ONLINE, date(2026, 11, 27)) in aggregates.contribution(dossier).cells


@pytest.fixture
def complaint(dossiers, citizen, leader):
    made = svc.file_complaint(dossier_id=dossiers["online_early"].pk, actor=citizen,
                              text="Kết quả trả chậm so với hẹn.", at=at(26, 11, 18))
    svc.answer_complaint(complaint_id=made.pk, actor=leader, answer="Đã kiểm tra, kết quả đúng hạn.",
                         at=at(27, 11, 9))
    return svc.judge_complaint_answer(complaint_id=made.pk, actor=citizen, satisfied=False)


def test_complaints_keep_the_indicators_counts(dossiers, complaint, ward):
    from chinhquyenso.indicators import record_tallies
    from chinhquyenso.indicators.models import RecordSource, RecordTally

    rows = sorted(RecordTally.objects.filter(source=RecordSource.COMPLAINTS).exclude(total=0)
                  .values_list("unit_id", "key", "total"))
    # Filed, answered on time, judged, not satisfied.
    assert rows == [(ward.pk, "due", 1), (ward.pk, "judged", 1), (ward.pk, "on_time", 1)]
    before = sorted(RecordTally.objects.values_list("unit_id", "month", "source", "key", "total"))
    record_tallies.rebuild()
    assert sorted(RecordTally.objects.values_list("unit_id", "month", "source", "key", "total")) == before


def test_the_index_of_the_ward_computed_by_hand(dossiers, complaint, ward, reporter, birth):
    """Tích Sơn, Q4 2026 (conftest.py): 3 finished (1 late), all electronic, 1 rated
    satisfied; 3 received, all digitised, 2 of the 3 (full-online) fully online, none with
    population data or reused components; one complaint, answered on time, complainant
    not satisfied; no fee; the ward reported 90% of procedures published on time for 2026;
    the only procedure, birth registration, is complete and full-online."""
    report_value(indicator=Indicator.objects.get(code="tthc-cong-bo-dung-han"), unit=ward, period="2026",
                 numerator=9, denominator=10, actor=reporter)
    q4 = parse_period("2026-Q4")
    expected = {"cong-khai": "7.40",   # 6 × 90% + 2 (complete); not updated, not synchronised: no data
                "tien-do": "13.33",    # 20 × 2/3
                "truc-tuyen": "10.67",  # 4 (online) + 4 (used) + 4 × 2/3 (fully online)
                "thanh-toan": "10.00",  # no fee: full marks
                "hai-long": "12.00",   # 6 (100% ≥ 90%) + 6 (answered on time) + 0 (not satisfied)
                "so-hoa": "10.00"}     # 6 (electronic results) + 4 (digitised); the rest 0 or no data
    for group, points in expected.items():
        indicator = Indicator.objects.get(code=service_index.group_code(group))
        assert compute(indicator, unit=ward, start=q4.start, end=q4.end).value == Decimal(points), group
    total = compute(Indicator.objects.get(code="chi-so-766"), unit=ward, start=q4.start, end=q4.end)
    assert total.value == Decimal("63.40")


def test_the_index_page_shows_items_points_and_wards(client, dossiers, complaint, city, ward, reporter):
    from chinhquyenso.org.models import Role
    from tests.factories import OfficialFactory

    city_leader = OfficialFactory(roles=[(Role.LEADER, city)]).user
    client.force_login(city_leader)
    page = client.get(f"/chi-so/lanh-dao/don-vi/{ward.pk}/chi-so-766/", {"period": "2026-Q4"})
    assert page.status_code == 200
    html = page.content.decode()
    # 63,40 less the 5,40 of the report the other test makes: nothing reported here.
    assert '<strong data-total="index766">58/100 điểm' in html and 'data-item="khieu-nai-hai-long"' in html
    city_page = client.get(f"/chi-so/lanh-dao/don-vi/{city.pk}/chi-so-766/", {"period": "2026-Q4"})
    assert f'data-unit="{ward.code}"' in city_page.content.decode()
    client.force_login(reporter)  # a unit administrator: no dashboard
    assert client.get(f"/chi-so/lanh-dao/don-vi/{ward.pk}/chi-so-766/").status_code == 403


def test_documents_indicators(ward_pc, ward, leader):
    from chinhquyenso.documents.models import (
        DocumentType,
        IncomingChannel,
        IncomingDocument,
        IncomingState,
        OutgoingDocument,
        OutgoingState,
    )

    kind = DocumentType.objects.first()
    nov = timezone.make_aware(timezone.datetime(2026, 11, 10, 9))

    def outgoing(issued_at, signed=True):
        OutgoingDocument.objects.create(agency=ward_pc, document_type=kind, subject="Văn bản", created_by=leader,
                                        state=OutgoingState.ISSUED, issued_at=issued_at,
                                        signed_at=issued_at if signed else None)

    outgoing(nov)
    outgoing(nov + timedelta(days=3))
    outgoing(nov + timedelta(days=5), signed=False)
    outgoing(nov - timedelta(days=30))  # October

    def incoming(registered_at, assigned=False, completed_at=None, deadline=None):
        IncomingDocument.objects.create(
            agency=ward_pc, channel=IncomingChannel.ELECTRONIC, received_at=registered_at,
            registered_at=registered_at, subject="Văn bản đến", state=IncomingState.REGISTERED,
            assigned_at=registered_at if assigned else None, completed_at=completed_at, deadline=deadline)

    incoming(nov, assigned=True, completed_at=nov + timedelta(days=2), deadline=date(2026, 11, 12))    # on time
    incoming(nov, assigned=True, completed_at=nov + timedelta(days=9), deadline=date(2026, 11, 15))    # late
    incoming(nov)                                                                                         # not handled
    incoming(nov, assigned=True, completed_at=nov + timedelta(days=1))                                   # no deadline
    from chinhquyenso.indicators import record_tallies

    record_tallies.rebuild()  # written directly, past the services (as the demo does)
    november = parse_period("2026-11")

    def numbers(code):
        r = compute(Indicator.objects.get(code=code), unit=ward, start=november.start, end=november.end)
        return r.numerator, r.denominator, r.value

    assert numbers("van-ban-di-ky-so") == (2, 3, Decimal("66.67"))
    assert numbers("van-ban-den-xu-ly-tren-he-thong") == (3, 4, Decimal("75.00"))
    assert numbers("van-ban-den-dung-han") == (1, 2, Decimal("50.00"))


def test_officials_with_a_signing_certificate_in_force(ward_pc, ward, certificates):
    result = compute(Indicator.objects.get(code="can-bo-dinh-danh-so"), unit=ward,
                     start=date(2026, 11, 1), end=date(2026, 11, 30))
    officials = ward_pc.officials.filter(user__is_active=True).count()
    assert (result.numerator, result.denominator) == (1, officials)
    assert officials >= 3


def test_a_target_by_level_applies_to_the_units_of_that_level(city, ward, dossiers):
    from chinhquyenso.indicators.computation import target_for
    from chinhquyenso.indicators.queries import Targets, unit_dashboard

    work = Indicator.objects.get(code="ho-so-cong-viec-truc-tuyen")
    # QĐ 942: work records handled online, district 80%, commune 60% (the catalogue's).
    assert target_for(work, city, 2025) == Decimal("80")
    assert target_for(work, ward, 2025) == Decimal("60")
    targets = Targets(2025)
    assert targets.get(work, [ward.pk, city.pk]) == Decimal("60")
    assert targets.get(work, [city.pk]) == Decimal("80")
    # A unit's own target comes first.
    from chinhquyenso.indicators.models import Target

    Target.objects.create(indicator=work, year=2025, unit=ward, value=Decimal("75"))
    assert target_for(work, ward, 2025) == Decimal("75")
    dashboard = unit_dashboard(city, parse_period("2025"))
    row = next(r for r in dashboard.rows if r.indicator.code == "ho-so-cong-viec-truc-tuyen")
    assert row.figure.target == Decimal("80")
    by_ward = {unit.code: figure.target for unit, figure in zip(dashboard.children, row.children, strict=True)}
    assert by_ward == {"8707": Decimal("75"), "8710": Decimal("60")}


def test_the_index_tables_export_to_excel(client, dossiers, complaint, city, ward):
    import io

    from openpyxl import load_workbook

    from chinhquyenso.org.models import Role
    from tests.factories import OfficialFactory

    client.force_login(OfficialFactory(roles=[(Role.LEADER, city)]).user)
    url = f"/chi-so/lanh-dao/don-vi/{city.pk}/chi-so-766/"
    items = load_workbook(io.BytesIO(client.get(url, {"period": "2026-Q4", "xlsx": "items"}).content)).active
    rows = list(items.iter_rows(values_only=True))
    on_time = next(r for r in rows if r[1] == ITEM["dung-han"].name)
    assert on_time[2:] == (2, 3, 66.67, 13.33, 20)  # the city: Tích Sơn's 3 finished, 1 late
    units = load_workbook(io.BytesIO(client.get(url, {"period": "2026-Q4", "xlsx": "units"}).content)).active
    assert [r[0] for r in units.iter_rows(values_only=True)][-2:] == [ward.name, "Phường Liên Bảo"]


def test_the_procedure_catalogue_kept_per_process_follows_each_change(birth):
    import copy

    from chinhquyenso.indicators.measures import procedure_catalogue
    from chinhquyenso.procedures.services import save_procedure
    from tests.procedures.conftest import BIRTH

    def ward_entry():
        return next((entry for entry in procedure_catalogue().get("ward", []) if entry[0] == birth.pk), None)

    assert ward_entry() is not None and ward_entry()[2] is True  # published and complete
    save_procedure(**{**copy.deepcopy(BIRTH), "legal_basis": []})
    assert ward_entry()[2] is False  # no legal basis: not complete any more
    save_procedure(**{**copy.deepcopy(BIRTH), "is_published": False})
    assert ward_entry() is None
    save_procedure(**copy.deepcopy(BIRTH))
    assert ward_entry() is not None
