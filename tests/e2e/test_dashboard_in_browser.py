"""The city leader follows a number of the indicators' dashboard down to the dossiers
behind it: city → ward → procedure → the dossier list; and a visitor reads the public
dashboard on a phone. Data: the hand-computed fixture of tests/indicators/conftest.py
(November 2026)."""

from __future__ import annotations

import pytest

from chinhquyenso.org.models import Role
from tests.factories import PASSWORD, OfficialFactory
from tests.indicators import conftest as indicator_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

# The fixture's procedure, officials, citizen and dossiers (their conftest is not
# visible from this folder).
birth = indicator_fixtures.birth
ward_pc = indicator_fixtures.ward_pc
counter = indicator_fixtures.counter
specialist = indicator_fixtures.specialist
leader = indicator_fixtures.leader
citizen = indicator_fixtures.citizen
submit = indicator_fixtures.submit
other_pc = indicator_fixtures.other_pc
other_counter_officer = indicator_fixtures.other_counter_officer
dossiers = indicator_fixtures.dossiers


@pytest.fixture(autouse=True)
def catalogue(db):
    """The indicators come with a migration; a test with real transactions empties the
    tables afterwards, so each test loads them again."""
    from chinhquyenso.indicators.services import load_catalogue

    load_catalogue()


@pytest.fixture
def city_leader(city):
    return OfficialFactory(full_name="Lê Văn Thành", roles=[(Role.LEADER, city)]).user


def test_the_leader_drills_down_from_the_city_to_the_dossiers_behind_a_number(
        page, dossiers, city, ward, birth, city_leader):
    page.goto("/dang-nhap/?next=/chi-so/")
    page.locator("input[name=username]").fill(city_leader.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/chi-so/lanh-dao/don-vi/{city.pk}/")

    # Choose November 2026 with the period selector.
    page.locator("select#year").select_option("2026")
    page.locator("select#part").select_option("11")
    page.locator("form.period button[type=submit]").click()
    page.wait_for_url("**part=11**")
    online = page.locator('table.indicators tr[data-indicator="ho-so-truc-tuyen"] td').first
    assert online.inner_text().startswith("50%")

    # city → ward
    page.locator('table.units tr[data-unit="8707"] th a').click()
    page.wait_for_url(f"**/chi-so/lanh-dao/don-vi/{ward.pk}/?period=2026-11")
    assert "Phường Tích Sơn" in page.locator("h1").inner_text()
    on_time = page.locator('table.indicators tr[data-indicator="ho-so-dung-han"] td').first
    assert on_time.inner_text().startswith("66,67%")

    # ward → procedure
    page.locator(f'table.procedures tr[data-procedure="{birth.code}"] th a').click()
    page.wait_for_url(f"**/thu-tuc/{birth.pk}/?period=2026-11")
    late_row = page.locator('table.indicators tr[data-indicator="ho-so-dung-han"]')
    assert late_row.locator('a[data-link="numerator"]').inner_text() == "2"
    assert late_row.locator('a[data-link="denominator"]').inner_text() == "3"

    # procedure → the dossiers finished early or on time
    late_row.locator('a[data-link="numerator"]').click()
    page.wait_for_url("**/can-bo/ho-so/**set=finished_on_time**")
    listed = page.locator("main table tbody tr td:first-child a").all_inner_texts()
    assert sorted(listed) == sorted([dossiers["online_early"].code, dossiers["counter_on_time"].code])
    assert dossiers["online_late"].code not in listed


def test_the_public_dashboard_on_a_phone(phone_page, dossiers, city):
    page = phone_page
    page.goto("/chi-so/cong-khai/?period=2026-11")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card = page.locator('li.indicator-card[data-indicator="ho-so-truc-tuyen"]')
    assert card.locator("p.big").inner_text().startswith("50")
    assert page.locator('li.indicator-card[data-indicator="thue-bao-bang-rong"]').count() == 0
    page.locator('table.units tr[data-unit="8710"] th a').click()
    page.wait_for_url("**unit=8710**")
    assert "Phường Liên Bảo" in page.locator("h1").inner_text()


def test_the_leader_reads_the_service_index_and_its_wards(page, dossiers, city, ward, city_leader):
    page.goto("/dang-nhap/?next=/chi-so/")
    page.locator("input[name=username]").fill(city_leader.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/chi-so/lanh-dao/don-vi/{city.pk}/")
    page.goto(f"/chi-so/lanh-dao/don-vi/{city.pk}/?period=2026-11")
    page.locator('table.indicators tr[data-indicator="chi-so-766"] a[data-link="index766"]').click()
    page.wait_for_url(f"**/don-vi/{city.pk}/chi-so-766/?period=2026-11")
    # Progress: 20 × 2/3 (Tích Sơn's three finished dossiers, one late).
    assert page.locator("#group-tien-do").inner_text().endswith("13,33 / 20")
    assert "không có dữ liệu" not in page.locator('tr[data-item="dung-han"]').inner_text()
    page.locator(f'tr[data-unit="{ward.code}"] a').click()
    page.wait_for_url(f"**/don-vi/{ward.pk}/chi-so-766/?period=2026-11")
    assert "Phường Tích Sơn" in page.locator("h1").inner_text()


def test_the_leader_publishes_an_indicator_and_sets_its_target(page, city, ward, city_leader):
    page.goto("/dang-nhap/?next=/chi-so/")
    page.locator("input[name=username]").fill(city_leader.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/chi-so/lanh-dao/don-vi/{city.pk}/")
    page.locator('a[data-link="manage"]').click()
    page.wait_for_url("**/chi-so/quan-ly/")
    row = page.locator('tr[data-indicator="ky-nang-so"]')
    row.locator('button[value="publish"]').click()
    page.wait_for_url("**/chi-so/quan-ly/ky-nang-so/")
    assert page.locator('[data-published="yes"]').count() == 1
    page.locator("select#scope").select_option(f"unit:{ward.pk}")
    page.locator("input#year").fill("2027")
    page.locator("input#value").fill("75")
    page.locator('button[value="set_target"]').click()
    page.wait_for_url("**/chi-so/quan-ly/ky-nang-so/")
    target_row = page.locator("table.targets tbody tr").filter(has_text=ward.name)
    assert "75" in target_row.inner_text() and "2027" in target_row.inner_text()
    page.goto("/chi-so/cong-khai/")
    assert page.locator('li.indicator-card[data-indicator="ky-nang-so"]').count() == 1


def test_the_leader_follows_a_document_number_to_the_register_and_clears_the_filter(page, ward, ward_pc, leader):
    """A number of the documents' indicators opens the register filtered to the documents
    it counts (indicators/links.py); the filter is shown and cleared on the page."""
    from datetime import datetime, timedelta
    from importlib import import_module
    from zoneinfo import ZoneInfo

    from django.apps import apps

    from chinhquyenso.documents.models import DocumentType, OutgoingDocument, OutgoingState
    from chinhquyenso.indicators import record_tallies

    if not DocumentType.objects.exists():  # a test with real transactions before this one emptied them
        import_module("chinhquyenso.documents.migrations.0002_document_types").load_types(apps, None)
    issued = datetime(2026, 11, 10, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    for when, signed in ((issued, True), (issued + timedelta(days=3), True), (issued, False),
                         (issued - timedelta(days=30), True)):
        OutgoingDocument.objects.create(agency=ward_pc, document_type=DocumentType.objects.get(code="QĐ"),
                                        subject="Về việc chuyển đổi số", created_by=leader,
                                        state=OutgoingState.ISSUED, issued_at=when,
                                        signed_at=when if signed else None)
    record_tallies.rebuild()  # written directly, past the services (as the demo does)
    page.goto(f"/dang-nhap/?next=/chi-so/lanh-dao/don-vi/{ward.pk}/%3Fperiod%3D2026-11")
    page.locator("input[name=username]").fill(leader.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/chi-so/lanh-dao/don-vi/{ward.pk}/?period=2026-11")
    row = page.locator('table.indicators tr[data-indicator="van-ban-di-ky-so"]')
    assert row.locator('a[data-link="numerator"]').inner_text() == "2"
    assert row.locator('a[data-link="denominator"]').inner_text() == "3"

    row.locator('a[data-link="numerator"]').click()
    page.wait_for_url("**/van-ban/so-van-ban-di/?**set=issued_signed**")
    assert page.locator("table.register tbody tr").count() == 2
    shown = page.locator("[data-shown-filter]")
    assert "01/11/2026–30/11/2026" in shown.inner_text() and "Phường Tích Sơn" in shown.inner_text()
    assert page.locator("input#from").input_value() == "2026-11-01"

    shown.locator("a[data-clear-filter]").click()
    page.wait_for_url("**/van-ban/so-van-ban-di/")
    assert page.locator("[data-shown-filter]").count() == 0
    assert page.locator("table.register tbody tr").count() == 4
