"""Every number of the computed indicators other than the dossier ratios leads to the
records it counts (indicators/links.py): following the link lists exactly what the
measure counted, on hand-made fixtures.

Documents of Phường Tích Sơn in November 2026: outgoing A (signed), B (signed, issued
30/11 at 23:30, still November in Việt Nam), C (not signed), D (signed, in October);
incoming P (assigned, completed on time), Q (assigned, completed late), R (not
assigned), T (assigned, completed, no deadline). Community teams: the fixture of
tests/community/test_queries.py (first quarter of 2026)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urljoin, urlparse
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.conf import settings
from django.utils import timezone

from chinhquyenso.indicators import record_tallies
from chinhquyenso.indicators.computation import compute, parse_period
from chinhquyenso.indicators.links import LINKED_CODES, records_urls
from chinhquyenso.indicators.measures import MEASURES
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.models import Role
from tests.community.conftest import (  # noqa: F401  (the community teams' fixtures)
    groups,
    make_team,
    other_admin,
    other_group,
    second_team,
    team,
    ward_admin,
)
from tests.community.test_queries import fixture  # noqa: F401
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = parse_period("2026-11")
Q1 = parse_period("2026-Q1")


def numbers(code, unit, period):
    result = compute(Indicator.objects.get(code=code), unit=unit, start=period.start, end=period.end)
    return result.numerator, result.denominator


def open_as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def follow(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def listed_documents(client, url) -> set[int]:
    return {d.pk for d in follow(client, url).context["page"].paginator.object_list}


@pytest.fixture
def city_leader(city):
    return OfficialFactory(full_name="Lê Văn Thành", roles=[(Role.LEADER, city)]).user


@pytest.fixture
def documents(ward_pc, leader):
    from chinhquyenso.documents.models import (
        DocumentType,
        IncomingChannel,
        IncomingDocument,
        IncomingState,
        OutgoingDocument,
        OutgoingState,
    )

    kind = DocumentType.objects.first()
    nov = datetime(2026, 11, 10, 9, tzinfo=VN)

    def outgoing(issued_at, signed=True):
        return OutgoingDocument.objects.create(
            agency=ward_pc, document_type=kind, subject="Văn bản", created_by=leader, state=OutgoingState.ISSUED,
            issued_at=issued_at, signed_at=issued_at if signed else None).pk

    def incoming(registered_at, assigned=True, completed_at=None, deadline=None):
        return IncomingDocument.objects.create(
            agency=ward_pc, channel=IncomingChannel.ELECTRONIC, received_at=registered_at,
            registered_at=registered_at, subject="Văn bản đến", state=IncomingState.REGISTERED,
            assigned_at=registered_at if assigned else None, completed_at=completed_at, deadline=deadline).pk

    made = {"A": outgoing(nov), "B": outgoing(datetime(2026, 11, 30, 23, 30, tzinfo=VN)),
            "C": outgoing(nov, signed=False), "D": outgoing(nov - timedelta(days=30)),
            "P": incoming(nov, completed_at=nov + timedelta(days=2), deadline=date(2026, 11, 12)),
            "Q": incoming(nov, completed_at=nov + timedelta(days=9), deadline=date(2026, 11, 15)),
            "R": incoming(nov, assigned=False),
            "T": incoming(nov, completed_at=nov + timedelta(days=1))}
    record_tallies.rebuild()  # written directly, past the services (as the demo does)
    return made


def test_every_linked_code_is_a_measure_and_the_others_have_no_link(ward):
    assert set(MEASURES) >= LINKED_CODES
    for code in set(MEASURES) - LINKED_CODES:
        assert records_urls(code, ward, NOVEMBER) == (None, None), code
    # A count has no denominator to link.
    assert records_urls("so-to-cong-nghe-so", ward, NOVEMBER)[1] is None
    assert records_urls("hoat-dong-cong-dong", ward, NOVEMBER)[1] is None


def test_document_numbers_list_the_documents_they_count(client, documents, ward, leader):
    open_as(client, leader)
    expected = {"van-ban-di-ky-so": ({"A", "B"}, {"A", "B", "C"}),
                "van-ban-den-xu-ly-tren-he-thong": ({"P", "Q", "T"}, {"P", "Q", "R", "T"}),
                "van-ban-den-dung-han": ({"P"}, {"P", "Q"})}
    for code, (numerator, denominator) in expected.items():
        numerator_url, denominator_url = records_urls(code, ward, NOVEMBER)
        assert listed_documents(client, numerator_url) == {documents[k] for k in numerator}, code
        assert listed_documents(client, denominator_url) == {documents[k] for k in denominator}, code
        assert numbers(code, ward, NOVEMBER) == (len(numerator), len(denominator)), code
    query = parse_qs(urlparse(records_urls("van-ban-di-ky-so", ward, NOVEMBER)[0]).query)
    assert query == {"set": ["issued_signed"], "unit": [str(ward.pk)], "from": ["2026-11-01"], "to": ["2026-11-30"]}


def test_the_dashboard_carries_the_links_to_the_records(client, documents, ward, leader):
    open_as(client, leader)
    doc = lxml.html.fromstring(follow(client, f"/chi-so/lanh-dao/don-vi/{ward.pk}/?period=2026-11").content)
    row = '//table[contains(@class,"indicators")]//tr[@data-indicator="van-ban-di-ky-so"]'
    numerator = doc.xpath(row + '//a[@data-link="numerator"]')[0]
    denominator = doc.xpath(row + '//a[@data-link="denominator"]')[0]
    assert (numerator.text_content(), denominator.text_content()) == ("2", "3")
    assert numerator.get("href") == records_urls("van-ban-di-ky-so", ward, NOVEMBER)[0]
    assert len(listed_documents(client, numerator.get("href"))) == 2
    people = doc.xpath('//tr[@data-indicator="hoat-dong-cong-dong"]//a[@data-link="numerator"]/@href')
    assert people == [records_urls("hoat-dong-cong-dong", ward, NOVEMBER)[0]]
    # The public dashboard links to no records.
    public = lxml.html.fromstring(follow(client, "/chi-so/cong-khai/?period=2026-11").content)
    assert not public.xpath('//a[@data-link="numerator"]')


def test_community_numbers_list_the_activities_and_members_they_count(client, fixture, ward, city, leader,  # noqa: F811
                                                                      city_leader):
    open_as(client, leader)
    people_url, _none = records_urls("hoat-dong-cong-dong", ward, Q1)
    response = follow(client, people_url)
    activities = list(response.context["page"].paginator.object_list)
    assert sum(a.people_reached for a in activities) == response.context["total_reached"] == 67
    assert numbers("hoat-dong-cong-dong", ward, Q1)[0] == 67
    assert all(a.status == "confirmed" and Q1.start <= a.day <= Q1.end for a in activities)

    accounts_url, _none = records_urls("tai-khoan-duoc-ho-tro", ward, Q1)
    accounts = follow(client, accounts_url)
    assert sum(a.people_reached for a in accounts.context["page"].paginator.object_list) == 10
    assert numbers("tai-khoan-duoc-ho-tro", ward, Q1)[0] == 10

    active_url, members_url = records_urls("thanh-vien-hoat-dong", ward, Q1)
    members = follow(client, active_url).context["members"]
    assert {m.full_name for m in members} == {"A", "B", "E", "F"}  # D left, C's awaits confirmation
    assert numbers("thanh-vien-hoat-dong", ward, Q1) == (4, 5)
    # The members and teams of the ward are on the ward's page of the teams.
    ward_page = follow(client, members_url).context
    assert ward_page["ward"] == ward and ward_page["stats"]["members"] == 5
    coverage_url, groups_url = records_urls("to-cong-nghe-so-bao-phu", ward, Q1)
    assert coverage_url == groups_url == members_url
    assert (ward_page["coverage"]["with_team"], ward_page["coverage"]["groups"]) == \
        numbers("to-cong-nghe-so-bao-phu", ward, Q1) == (2, 3)
    assert len(ward_page["ranking"].rows) == numbers("so-to-cong-nghe-so", ward, Q1)[0] == 2

    # The city: its activities, and its page of the teams with the coverage of each ward.
    open_as(client, city_leader)
    city_people = follow(client, records_urls("hoat-dong-cong-dong", city, Q1)[0]).context
    assert city_people["total_reached"] == numbers("hoat-dong-cong-dong", city, Q1)[0] == 74
    city_accounts = follow(client, records_urls("tai-khoan-duoc-ho-tro", city, Q1)[0]).context
    assert city_accounts["total_reached"] == numbers("tai-khoan-duoc-ho-tro", city, Q1)[0] == 17
    wards_url, _same = records_urls("phuong-xa-co-mo-hinh-ho-tro", city, Q1)
    city_page = follow(client, wards_url).context
    assert city_page["unit"] == city
    rows = city_page["coverage_rows"]
    assert (sum(1 for r in rows if r["with_team"]), len(rows)) == numbers("phuong-xa-co-mo-hinh-ho-tro", city, Q1)
    assert (sum(r["with_team"] for r in rows), sum(r["groups"] for r in rows)) == \
        numbers("to-cong-nghe-so-bao-phu", city, Q1) == (3, 4)
    assert city_page["stats"]["members"] == numbers("so-thanh-vien-to-cong-nghe-so", city, Q1)[0] == 6


def test_the_list_of_activities_is_for_those_who_oversee_the_unit(client, fixture, ward, other_ward):  # noqa: F811
    other_leader = OfficialFactory(roles=[(Role.LEADER, other_ward)]).user
    open_as(client, other_leader)
    url = records_urls("hoat-dong-cong-dong", ward, Q1)[0]
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_list_of_activities_says_what_it_shows_and_exports_it(client, fixture, ward, leader):  # noqa: F811
    open_as(client, leader)
    url = records_urls("tai-khoan-duoc-ho-tro", ward, Q1)[0]
    doc = lxml.html.fromstring(follow(client, url).content)
    shown = " ".join(doc.xpath("//*[@data-shown-filter]")[0].text_content().split())
    assert shown.startswith("Showing: Accounts helped open (VNeID, payment, e-commerce), Phường Tích Sơn, "
                            "01/01/2026–31/03/2026")
    assert len(doc.xpath('//table[@data-records="activities"]//tr[@data-activity]')) == 3
    export = doc.xpath('//a[@data-export="activities"]/@href')[0]
    workbook = client.get(urljoin(url, export))
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(workbook.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 3


def test_official_numbers_list_the_officials_with_and_without_a_certificate(client, ward, ward_pc, leader, counter,
                                                                           specialist, certificates):
    now = certificates
    open_as(client, leader)
    certified_url, all_url = records_urls("can-bo-dinh-danh-so", ward, NOVEMBER)
    certified = follow(client, certified_url).context["officials"]
    everyone = follow(client, all_url).context["officials"]
    assert [o.user_id for o in certified] == [leader.pk]
    assert timezone.localdate(certified[0].certificate_until) == timezone.localdate(now + timedelta(days=300))
    assert (len(certified), len(everyone)) == numbers("can-bo-dinh-danh-so", ward, NOVEMBER)
    without = follow(client, all_url + "?set=uncertified").context["officials"]
    assert {o.user_id for o in without} == {o.user_id for o in everyone} - {leader.pk}
    page = follow(client, all_url).content.decode()
    assert counter.username not in page  # names, positions and agencies; no account or identifier
    # For the leaders of the unit only.
    open_as(client, counter)
    assert client.get(all_url).status_code == 403
