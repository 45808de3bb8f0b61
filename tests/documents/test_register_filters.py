"""The registers' filters that a number of the indicators' dashboard sets: a period (local
days, on the moment of the set: issue, registration or completion), an administrative
unit (its agencies and those of the units below it) and a named set of documents, the
very sets the indicators count. Seen on the page, cleared with one link, kept by the
pager and the Excel export, and never wider than the official's own registers.

Hand-made documents of November 2026 (Việt Nam time), written directly:

Outgoing, Phường Tích Sơn: A issued 10/11 signed; B issued 30/11 23:30 signed (still
November locally, though 16:30 UTC); C issued 15/11 unsigned; D issued 01/12 00:30
signed (December locally, 30/11 UTC); E issued 31/10 23:59 signed; F a draft. Phường
Liên Bảo: G issued 12/11 signed. The city: H issued 12/11 signed.

Incoming, Phường Tích Sơn: P registered 05/11, assigned, completed 10/11 with deadline
12/11 (on time); Q registered 05/11, assigned, completed 13/11 06:00 with deadline 12/11
(late: 12/11 23:00 UTC); R registered 06/11, not assigned; S registered 28/10, assigned,
completed 02/11 with deadline 01/11 (late); T registered 07/11, assigned, completed
09/11 without a deadline. Phường Liên Bảo: U registered 08/11, assigned, completed
09/11 with deadline 20/11.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from lxml import html as lxml_html

from chinhquyenso.documents.models import (
    IncomingChannel,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
)
from chinhquyenso.indicators.computation import compute
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
OUTGOING, INCOMING = "/van-ban/so-van-ban-di/", "/van-ban/so-van-ban-den/"


def local(day, month, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


def open_as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def admin(city_pc, city):
    return OfficialFactory(agency=city_pc, roles=[(Role.SYSTEM_ADMIN, city)]).user


@pytest.fixture
def tich_son_leader(ward_pc, ward):
    return OfficialFactory(agency=ward_pc, full_name="Đỗ Văn Hùng", roles=[(Role.LEADER, ward)]).user


@pytest.fixture
def outgoing(types, ward_pc, other_ward_pc, city_pc, admin):
    def make(agency, issued_at, signed=True):
        state = OutgoingState.ISSUED if issued_at else OutgoingState.DRAFT
        return OutgoingDocument.objects.create(
            agency=agency, document_type=types["QĐ"], subject="Về việc chuyển đổi số", created_by=admin,
            state=state, issued_at=issued_at, signed_at=issued_at if signed and issued_at else None)

    return {"A": make(ward_pc, local(10, 11)), "B": make(ward_pc, local(30, 11, 23, 30)),
            "C": make(ward_pc, local(15, 11), signed=False), "D": make(ward_pc, local(1, 12, 0, 30)),
            "E": make(ward_pc, local(31, 10, 23, 59)), "F": make(ward_pc, None),
            "G": make(other_ward_pc, local(12, 11)), "H": make(city_pc, local(12, 11))}


@pytest.fixture
def incoming(types, ward_pc, other_ward_pc):
    def make(agency, registered_at, *, assigned=True, completed_at=None, deadline=None):
        return IncomingDocument.objects.create(
            agency=agency, channel=IncomingChannel.ELECTRONIC, received_at=registered_at,
            registered_at=registered_at, subject="Văn bản đến", document_type=types["CV"],
            state=IncomingState.DONE if completed_at else IncomingState.REGISTERED,
            assigned_at=registered_at if assigned else None, completed_at=completed_at, deadline=deadline)

    return {"P": make(ward_pc, local(5, 11), completed_at=local(10, 11), deadline=date(2026, 11, 12)),
            "Q": make(ward_pc, local(5, 11), completed_at=local(13, 11, 6), deadline=date(2026, 11, 12)),
            "R": make(ward_pc, local(6, 11), assigned=False),
            "S": make(ward_pc, local(28, 10), completed_at=local(2, 11), deadline=date(2026, 11, 1)),
            "T": make(ward_pc, local(7, 11), completed_at=local(9, 11)),
            "U": make(other_ward_pc, local(8, 11), completed_at=local(9, 11), deadline=date(2026, 11, 20))}


def listed(client, address, **query) -> set[int]:
    response = client.get(address, query)
    assert response.status_code == 200
    return {d.pk for d in response.context["page"].paginator.object_list}


def names(documents, *keys) -> set[int]:
    return {documents[k].pk for k in keys}


def measure(code, unit):
    from chinhquyenso.indicators import record_tallies

    record_tallies.rebuild()  # the fixtures write documents directly, past the services (as the demo does)
    result = compute(Indicator.objects.get(code=code), unit=unit, start=date(2026, 11, 1), end=date(2026, 11, 30))
    return result.numerator, result.denominator


def test_outgoing_sets_by_unit_and_local_days(client, outgoing, admin, ward, other_ward, city):
    open_as(client, admin)
    ward_november = {"unit": ward.pk, **NOVEMBER}
    assert listed(client, OUTGOING, set="issued", **ward_november) == names(outgoing, "A", "B", "C")
    assert listed(client, OUTGOING, set="issued_signed", **ward_november) == names(outgoing, "A", "B")
    # The same numbers as the indicator, for the ward and for the city (its wards roll up).
    assert measure("van-ban-di-ky-so", ward) == (2, 3)
    assert listed(client, OUTGOING, set="issued_signed", unit=city.pk, **NOVEMBER) == names(
        outgoing, "A", "B", "G", "H")
    assert measure("van-ban-di-ky-so", city) == (4, 5)
    assert listed(client, OUTGOING, set="issued", unit=other_ward.pk, **NOVEMBER) == names(outgoing, "G")
    # Any one of the filters alone.
    assert listed(client, OUTGOING, set="issued_signed", unit=ward.pk) == names(outgoing, "A", "B", "D", "E")
    assert listed(client, OUTGOING, unit=ward.pk) == names(outgoing, "A", "B", "C", "D", "E", "F")
    assert listed(client, OUTGOING, **NOVEMBER) == names(outgoing, "A", "B", "C", "G", "H")  # on the issue
    assert listed(client, OUTGOING, **{"from": "2026-12-01"}) == names(outgoing, "D")
    assert listed(client, OUTGOING, to="2026-10-31") == names(outgoing, "E")
    # Typed dates, dates in the wrong order, and an unknown set or unit.
    assert listed(client, OUTGOING, unit=ward.pk, **{"from": "30/11/2026", "to": "01/11/2026"}) == names(
        outgoing, "A", "B", "C")
    assert listed(client, OUTGOING, set="everything", unit=ward.pk, **NOVEMBER) == names(outgoing, "A", "B", "C")
    assert listed(client, OUTGOING, unit=999999) == set()


def test_incoming_sets_by_registration_and_completion(client, incoming, admin, ward, city):
    open_as(client, admin)
    ward_november = {"unit": ward.pk, **NOVEMBER}
    assert listed(client, INCOMING, set="registered", **ward_november) == names(incoming, "P", "Q", "R", "T")
    assert listed(client, INCOMING, set="handled", **ward_november) == names(incoming, "P", "Q", "T")
    assert measure("van-ban-den-xu-ly-tren-he-thong", ward) == (3, 4)
    # Completed in November with a deadline (S was registered in October); on time by the
    # local day: Q was completed on 13/11 in Việt Nam, 12/11 in UTC.
    assert listed(client, INCOMING, set="completed", **ward_november) == names(incoming, "P", "Q", "S")
    assert listed(client, INCOMING, set="completed_on_time", **ward_november) == names(incoming, "P")
    assert measure("van-ban-den-dung-han", ward) == (1, 3)
    assert listed(client, INCOMING, set="completed_on_time", unit=city.pk, **NOVEMBER) == names(incoming, "P", "U")
    assert measure("van-ban-den-dung-han", city) == (2, 4)
    assert listed(client, INCOMING, **NOVEMBER) == names(incoming, "P", "Q", "R", "T", "U")  # on registration


def test_the_page_says_what_it_shows_and_clears_it(client, outgoing, incoming, admin, ward):
    open_as(client, admin)
    response = client.get(OUTGOING, {"set": "issued_signed", "unit": ward.pk, "state": "issued", **NOVEMBER})
    page = lxml_html.fromstring(response.content)
    shown = " ".join(page.xpath("//*[@data-shown-filter]")[0].text_content().split())
    assert "Showing: documents issued 01/11/2026–30/11/2026 with an electronic signature, Phường Tích Sơn" in shown
    # The link clears the dashboard's filter and keeps the person's own.
    clear = page.xpath("//a[@data-clear-filter]/@href")[0]
    assert clear == f"{OUTGOING}?state=issued"
    assert listed(client, clear.split("?")[0], state="issued") == names(outgoing, "A", "B", "C", "D", "E", "G", "H")
    # The period is in the form, as dates a person changes; the unit and set ride along.
    assert page.xpath("//input[@name='from']/@value") == ["2026-11-01"]
    assert page.xpath("//input[@name='to']/@value") == ["2026-11-30"]
    assert page.xpath("//input[@type='hidden'][@name='set']/@value") == ["issued_signed"]
    assert page.xpath("//input[@type='hidden'][@name='unit']/@value") == [str(ward.pk)]
    # Without the filter, nothing is said.
    assert not lxml_html.fromstring(client.get(OUTGOING).content).xpath("//*[@data-shown-filter]")

    incoming_page = lxml_html.fromstring(client.get(INCOMING, {"set": "completed_on_time", "unit": ward.pk,
                                                               "from": "2026-11-01"}).content)
    shown = " ".join(incoming_page.xpath("//*[@data-shown-filter]")[0].text_content().split())
    assert "Showing: documents completed from 01/11/2026 by their deadline, Phường Tích Sơn" in shown


def test_a_register_stays_within_the_officials_agencies(client, outgoing, tich_son_leader, ward, other_ward, city):
    open_as(client, tich_son_leader)
    response = client.get(OUTGOING, {"set": "issued", "unit": city.pk, **NOVEMBER})
    assert {d.pk for d in response.context["page"]} == names(outgoing, "A", "B", "C")  # not G nor H
    page = lxml_html.fromstring(response.content)
    assert "Only the documents of the agencies whose registers you see" in page.xpath(
        "//*[@data-shown-filter]")[0].text_content()
    # For their own ward the list is whole, and says nothing more.
    response = client.get(OUTGOING, {"set": "issued", "unit": ward.pk, **NOVEMBER})
    assert response.context["shown"].partial is False
    assert listed(client, OUTGOING, set="issued", unit=other_ward.pk, **NOVEMBER) == set()


def workbook_rows(response) -> list[tuple]:
    from openpyxl import load_workbook

    data = b"".join(response.streaming_content)
    return [tuple(c.value for c in row) for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows()]


def test_the_pager_and_the_excel_export_keep_the_filter(client, outgoing, incoming, admin, ward):
    from chinhquyenso.core.models import AuditEntry

    open_as(client, admin)
    response = client.get(OUTGOING, {"set": "issued_signed", "unit": ward.pk, **NOVEMBER})
    assert response.context["query"] == {"set": "issued_signed", "unit": str(ward.pk), **NOVEMBER}
    export = lxml_html.fromstring(response.content).xpath("//a[@download]/@href")[0]
    assert "set=issued_signed" in export and f"unit={ward.pk}" in export and "from=2026-11-01" in export
    header, *rows = workbook_rows(client.get(export))
    assert len(rows) == 2
    entry = AuditEntry.objects.filter(action="document.register.export").latest("seq")
    assert entry.after["filters"] == {"set": "issued_signed", "unit": str(ward.pk), **NOVEMBER}
    assert entry.after["rows"] == 2
    header, *rows = workbook_rows(client.get("/van-ban/so-van-ban-den/excel/",
                                             {"set": "completed", "unit": ward.pk, **NOVEMBER}))
    assert len(rows) == 3



def api_listed(client, kind, **query) -> set[int]:
    response = client.get(f"/api/v1/documents/{kind}", {"limit": 500, **query})
    assert response.status_code == 200, response.content[:300]
    return {d["id"] for d in response.json()}


def test_the_api_lists_the_documents_behind_a_number_as_the_registers_do(
        client, outgoing, incoming, admin, tich_son_leader, ward, city):
    open_as(client, admin)
    ward_november = {"unit": ward.pk, **NOVEMBER}
    assert api_listed(client, "outgoing", set="issued_signed", **ward_november) == names(outgoing, "A", "B")
    assert api_listed(client, "outgoing", set="issued_signed", unit=city.pk, **NOVEMBER) == names(
        outgoing, "A", "B", "G", "H")
    assert api_listed(client, "outgoing", **NOVEMBER) == names(outgoing, "A", "B", "C", "G", "H")
    assert api_listed(client, "incoming", set="completed_on_time", **ward_november) == names(incoming, "P")
    assert api_listed(client, "incoming", set="handled", **ward_november) == names(incoming, "P", "Q", "T")
    assert api_listed(client, "incoming", unit=999999) == set()
    # Unlike the pages, the API refuses what it does not know rather than ignore it.
    unknown = client.get("/api/v1/documents/outgoing", {"set": "everything"})
    assert unknown.status_code == 400 and "issued_signed" in unknown.json()["detail"]
    assert client.get("/api/v1/documents/incoming", {"from": "2026-11-30", "to": "2026-11-01"}).status_code == 400
    assert client.get("/api/v1/documents/incoming", {"from": "30/11/2026"}).status_code == 422
    # Never wider than the caller's own registers.
    open_as(client, tich_son_leader)
    assert api_listed(client, "outgoing", set="issued", unit=city.pk, **NOVEMBER) == names(outgoing, "A", "B", "C")
