"""The PDF report of a unit for a period (the leadership meeting), on the hand-computed
fixture of conftest.py (November 2026: received online, city 2/4 = 50%, Tích Sơn 2/3 =
66,67%, Liên Bảo 0/1 = 0%; finished on time, city 2/3) with a target of 90% for
"received online" and 60% for "on time", and a plan of the city with tasks around the
real today (the report counts lateness on the day it is made):

  "Nâng cấp mạng LAN"           lead: an office of the city, due 10 days ago, in progress → late 10 days
  "Số hóa hồ sơ một cửa phường"  lead: Tích Sơn's People's Committee, due 3 days ago     → late 3 days
  "Lắp camera hội trường"        lead: the city office, due 20 days ago, done            → not late
  "Số hóa tài liệu lưu trữ"      lead: the city office, due in 60 days                   → not late
"""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from pypdf import PdfReader

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.indicators import services
from chinhquyenso.indicators.models import Group, Indicator
from chinhquyenso.org.models import AgencyKind, Role
from chinhquyenso.plans import services as plans
from chinhquyenso.plans.models import TaskStatus
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ONLINE = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
ON_TIME = "Tỷ lệ hồ sơ giải quyết trước và đúng hạn"
BROADBAND = "Tỷ lệ hộ gia đình có kết nối Internet băng rộng cố định"


@pytest.fixture
def city_leader(city):
    return OfficialFactory(full_name="Lê Văn Thành", roles=[(Role.LEADER, city)]).user


@pytest.fixture
def targets(reporter):
    for code, value in [("ho-so-truc-tuyen", 90), ("ho-so-dung-han", 60)]:
        services.set_target(indicator=Indicator.objects.get(code=code), year=2026, value=value, actor=reporter)


@pytest.fixture
def late_tasks(city, ward_pc, city_leader):
    city_pc = AgencyFactory(code="000.00.00.H62", name="Ủy ban nhân dân thành phố Vĩnh Yên",
                            kind=AgencyKind.PEOPLES_COMMITTEE, unit=city)
    office = AgencyFactory(code="000.07.00.H62", name="Phòng Văn hóa và Thông tin", abbreviation="VHTT",
                           kind=AgencyKind.OFFICE, unit=city, parent=city_pc)
    plan = plans.create_plan(actor=city_leader, code="ke-hoach-cds", name="Kế hoạch chuyển đổi số",
                             issuing_agency=city_pc, start_year=2024, end_year=2025,
                             outlook_year=TODAY.year + 5)

    def task(name, lead, deadline, status=TaskStatus.IN_PROGRESS):
        made = plans.create_task(plan_id=plan.pk, actor=city_leader, name=name, lead_unit=lead,
                                 start_date=date(2024, 1, 1), deadline=deadline)
        if status != TaskStatus.NOT_STARTED:
            plans.change_task_status(task_id=made.pk, actor=city_leader, status=status, today=TODAY,
                                     **({"done_on": TODAY} if status == TaskStatus.DONE else {}))
        return made

    return [task("Nâng cấp mạng LAN", office, TODAY - timedelta(days=10)),
            task("Số hóa hồ sơ một cửa phường", ward_pc, TODAY - timedelta(days=3)),
            task("Lắp camera hội trường", office, TODAY - timedelta(days=20), TaskStatus.DONE),
            task("Số hóa tài liệu lưu trữ", office, TODAY + timedelta(days=60), TaskStatus.NOT_STARTED)]


def report_url(unit) -> str:
    return f"/chi-so/lanh-dao/don-vi/{unit.pk}/bao-cao.pdf"


def text_of(pdf: bytes) -> str:
    """All pages' text, whitespace runs (line wraps inside a cell too) collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def download(client, unit, **params) -> str:
    response = client.get(report_url(unit), params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="bao-cao-chi-so-')
    return text_of(response.content)


def vi(message: str, context: str = "") -> str:
    """A message of the report as the Vietnamese interface shows it."""
    with translation.override("vi"):
        return pgettext(context, message) if context else gettext(message)


REACHED, NOT_REACHED = vi("Reached", "indicator target"), vi("Not reached", "indicator target")


def after(text: str, start: str, length: int = 80) -> str:
    assert start in text, start
    return text[text.index(start) + len(start):][:length]


def test_the_city_leader_downloads_the_report_of_the_city(
        client, dossiers, city, ward, other_ward, city_leader, targets, late_tasks):
    client.force_login(city_leader)
    text = download(client, city, period="2026-11")
    # the title: the unit and the period
    assert "Thành phố Vĩnh Yên" in text
    assert "11/2026 (01/11/2026 – 30/11/2026)" in text
    # each indicator: value, target, against the target, numerator/denominator
    assert after(text, ONLINE).startswith(f" 50% 90% {NOT_REACHED} 2/4")
    assert after(text, ON_TIME).startswith(f" 66,67% 60% {REACHED} 2/3")
    # by ward: Tích Sơn 66,67% (below 90: ✗), Liên Bảo 0% ✗, the city 50% ✗
    wards = after(text, vi("Main indicators by ward"), 2000)
    assert after(wards, "Phường Tích Sơn").startswith(" 66,67% ✗")
    assert after(wards, "Phường Liên Bảo").startswith(" 0% ✗")
    assert after(wards, "Thành phố Vĩnh Yên").startswith(" 50% ✗")
    # the late tasks of the city and its wards, the longest late first, with their lead unit
    late = after(text, vi("Tasks of the plans that are late"), 2000)
    assert f"Nâng cấp mạng LAN (Kế hoạch chuyển đổi số) Phòng Văn hóa và Thông tin " \
           f"{TODAY - timedelta(days=10):%d/%m/%Y} 10" in late
    assert f"Số hóa hồ sơ một cửa phường (Kế hoạch chuyển đổi số) Ủy ban nhân dân phường Tích Sơn " \
           f"{TODAY - timedelta(days=3):%d/%m/%Y} 3" in late
    assert late.index("Nâng cấp mạng LAN") < late.index("Số hóa hồ sơ một cửa phường")
    assert "Lắp camera hội trường" not in text and "Số hóa tài liệu lưu trữ" not in text


def test_indicators_are_listed_group_by_group(client, dossiers, city, city_leader, reporter):
    services.set_target(indicator=Indicator.objects.get(code="thue-bao-bang-rong"), year=2026, value=80,
                        actor=reporter)
    Indicator.objects.filter(code="thue-bao-bang-rong").update(group=Group.SOCIETY)
    Indicator.objects.filter(code="ho-so-truc-tuyen").update(group=Group.SERVICES)
    client.force_login(city_leader)
    text = download(client, city, period="2026-11")
    services_title, society_title = vi(Group.SERVICES.label), vi(Group.SOCIETY.label)
    assert text.index(services_title) < text.index(ONLINE) < text.index(society_title) < text.index(BROADBAND)
    # a reported indicator without a value for the period says so
    assert after(text, BROADBAND).startswith(f" — 80% {vi('No data')} —")


def test_a_ward_leader_gets_the_wards_report_with_its_own_late_tasks_only(
        client, dossiers, ward, leader, targets, late_tasks):
    client.force_login(leader)
    text = download(client, ward, period="2026-Q4")
    assert "Phường Tích Sơn" in text and "(01/10/2026 – 31/12/2026)" in text
    assert after(text, ONLINE).startswith(f" 66,67% 90% {NOT_REACHED} 2/3")
    assert vi("Main indicators by ward") not in text  # a ward has no wards below
    assert "Số hóa hồ sơ một cửa phường" in text and "Nâng cấp mạng LAN" not in text


def test_no_late_task_is_said_plainly(client, dossiers, city, city_leader):
    client.force_login(city_leader)
    text = download(client, city, period="2026")
    assert vi("No task of the plans is late.") in text
    assert f"{vi('As of %(day)s.') % {'day': f'{TODAY:%d/%m/%Y}'}}" in text


def test_the_dashboard_links_to_the_report_of_its_period(client, dossiers, city, city_leader):
    import lxml.html

    client.force_login(city_leader)
    doc = lxml.html.fromstring(client.get(f"/chi-so/lanh-dao/don-vi/{city.pk}/", {"period": "2026-Q4"})
                               .content.decode())
    assert doc.xpath('//a[@data-report="pdf"]/@href') == [f"{report_url(city)}?period=2026-Q4"]


def test_only_the_leaders_of_the_unit_get_its_report(client, dossiers, city, ward, leader, counter):
    client.logout()
    response = client.get(report_url(ward), {"period": "2026-11"})
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    client.force_login(counter)  # an official of the ward without the leader's right
    assert client.get(report_url(ward), {"period": "2026-11"}).status_code == 403
    client.force_login(leader)  # the ward's leader: the ward, not the city
    assert client.get(report_url(city), {"period": "2026-11"}).status_code == 403
    assert not AuditEntry.objects.filter(action="indicator.report.export").exists()


def test_each_download_is_in_the_audit_log(client, dossiers, ward, leader):
    client.force_login(leader)
    download(client, ward, period="2026-11")
    entry = AuditEntry.objects.get(action="indicator.report.export")
    assert entry.actor == leader
    assert entry.object_id == str(ward.pk)
    assert entry.after == {"unit": "8707", "period": "2026-11"}


def test_a_malformed_period_is_refused_and_no_period_means_this_year(client, dossiers, ward, leader):
    client.force_login(leader)
    response = client.get(report_url(ward), {"period": "2026-13"})
    assert response.status_code == 400
    assert "2026-13" in response.content.decode() and "2026-Q4" in response.content.decode()
    assert not AuditEntry.objects.filter(action="indicator.report.export").exists()
    text = download(client, ward)
    assert f"(01/01/{TODAY.year} – 31/12/{TODAY.year})" in text


def test_the_report_makes_no_query_per_task(client, dossiers, city, city_leader, late_tasks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(city_leader)

    def queries():
        with CaptureQueriesContext(connection) as made:
            download(client, city, period="2026-11")
        return [q["sql"] for q in made.captured_queries]

    download(client, city, period="2026-11")  # the first request after the login also saves the session
    first = queries()
    lead = late_tasks[0].lead_unit
    for n in range(3):
        plans.create_task(plan_id=late_tasks[0].plan_id, actor=city_leader, name=f"Nhiệm vụ {n}", lead_unit=lead,
                          deadline=TODAY - timedelta(days=1))
    assert len(queries()) == len(first)
