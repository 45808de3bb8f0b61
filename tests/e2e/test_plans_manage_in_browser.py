"""The city's chairman sets up a plan on a phone: creates it from the list of plans,
adds a goal measured by an indicator (a mistake in its target value is shown next to
the field without leaving the page), adds a task led by an office, finds the task in
the plan's table, and edits it in place (and a refused report on the task's page is
shown in place as well). Then, without JavaScript, the same forms work
as plain pages."""

from __future__ import annotations

import re
from datetime import date

import pytest

from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.models import AgencyKind, Role
from chinhquyenso.plans.models import Goal, Plan, Task
from tests.factories import PASSWORD, AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 360
CODE = "ke-hoach-cds-2026"


@pytest.fixture(autouse=True)
def catalogue(db):
    """The indicators come with a migration; a test with real transactions empties the
    tables afterwards, so each test loads them again."""
    from chinhquyenso.indicators.services import load_catalogue

    load_catalogue()


@pytest.fixture
def city_pc(city):
    return AgencyFactory(code="000.00.00.H62", name="Ủy ban nhân dân thành phố Vĩnh Yên",
                         kind=AgencyKind.PEOPLES_COMMITTEE, unit=city)


@pytest.fixture
def vhtt(city_pc, city):
    return AgencyFactory(code="000.07.00.H62", name="Phòng Văn hóa và Thông tin", abbreviation="VHTT",
                         kind=AgencyKind.OFFICE, unit=city, parent=city_pc)


@pytest.fixture
def vp(city_pc, city):
    return AgencyFactory(code="000.01.00.H62", name="Văn phòng HĐND và UBND thành phố", abbreviation="VP",
                         kind=AgencyKind.OFFICE, unit=city, parent=city_pc)


@pytest.fixture
def chairman(city_pc, city):
    return OfficialFactory(full_name="Lê Minh Đạo", agency=city_pc, roles=[(Role.LEADER, city)]).user


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def log_in(page, user, next_url: str) -> None:
    page.goto(f"/dang-nhap/?next={next_url}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")


def test_a_leader_sets_up_a_plan_on_a_phone(phone_page, chairman, city_pc, vhtt, vp):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    online = Indicator.objects.get(code="ho-so-truc-tuyen")
    log_in(page, chairman, "/ke-hoach/")

    # A new plan, from the list of plans.
    page.locator('a[data-action="new-plan"]').click()
    page.wait_for_url("**/ke-hoach/moi/")
    assert fits_the_phone(page)
    assert page.locator("select[name=issuing_agency]").input_value() == str(city_pc.pk)
    page.locator("input[name=code]").fill(CODE)
    page.locator("textarea[name=name]").fill("Kế hoạch chuyển đổi số năm 2026")
    page.locator("input[name=start_year]").fill("2026")
    page.locator("input[name=end_year]").fill("2026")
    page.locator("input[name=decision_number]").fill("45/KH-UBND")
    page.locator("input[name=decision_date]").fill("15/01/2025")
    page.locator("form.plan-form button[type=submit]").click()
    page.wait_for_url(f"**/ke-hoach/{CODE}/")
    assert "Kế hoạch chuyển đổi số năm 2026" in page.locator("h1").inner_text()
    assert Plan.objects.get(code=CODE).decision_date == date(2025, 1, 15)

    # A goal, in place: the form opens in the page and its address follows.
    page.locator('a[data-action="add-goal"]').click()
    form = page.locator("form#goal-form")
    form.wait_for()
    assert page.url.endswith(f"/ke-hoach/{CODE}/muc-tieu/moi/")
    assert fits_the_phone(page)
    form.locator("textarea[name=text]").fill("Nâng tỷ lệ hồ sơ trực tuyến toàn trình")
    form.locator("input[name=target_text]").fill("Trên 80% vào năm 2026")
    form.locator(f'input[name=indicators][value="{online.pk}"]').check()
    form.locator(f'input[name="target-{online.pk}"]').fill("tám mươi")
    form.locator("button[type=submit]").click()
    # refused: the message next to the indicators, what was typed kept
    error = page.locator("form#goal-form fieldset.choices .field-error")
    error.wait_for()
    assert "number" in error.inner_text() or "số" in error.inner_text()
    assert page.locator("form#goal-form textarea[name=text]").input_value() == "Nâng tỷ lệ hồ sơ trực tuyến toàn trình"
    assert not Goal.objects.exists()
    page.locator(f'form#goal-form input[name="target-{online.pk}"]').fill("80")
    page.locator("form#goal-form button[type=submit]").click()
    page.locator("form#goal-form").wait_for(state="detached")
    goal = page.locator("li#goal-1")
    assert "Nâng tỷ lệ hồ sơ trực tuyến toàn trình" in goal.inner_text()
    assert online.name in goal.inner_text()
    assert page.url.endswith(f"/ke-hoach/{CODE}/")

    # A task, led by an office, with another office co-operating.
    page.locator('a[data-action="add-task"]').click()
    form = page.locator("form#task-form")
    form.wait_for()
    assert fits_the_phone(page)
    form.locator("textarea[name=name]").fill("Triển khai dịch vụ công trực tuyến toàn trình")
    form.locator("select[name=goal]").select_option(str(Goal.objects.get().pk))
    form.locator("select[name=lead_unit]").select_option(str(vhtt.pk))
    form.locator(f'input[name=co_units][value="{vp.pk}"]').check()
    form.locator("input[name=deadline]").fill("30/11/2026")
    form.locator(f'input[name=indicators][value="{online.pk}"]').check()
    form.locator("button[type=submit]").click()
    page.locator("form#task-form").wait_for(state="detached")
    row = page.locator('tr[data-task="1"]')
    assert "Triển khai dịch vụ công trực tuyến toàn trình" in row.inner_text()
    assert "Phòng Văn hóa và Thông tin" in row.inner_text() and "30/11/2026" in row.inner_text()
    assert fits_the_phone(page)

    # Edit it in place: a new name.
    row.locator('a[data-action="edit-task"]').click()
    form = page.locator("form#task-form")
    form.wait_for()
    assert form.locator("select[name=lead_unit]").input_value() == str(vhtt.pk)
    form.locator("textarea[name=name]").fill("Triển khai 100% dịch vụ công trực tuyến toàn trình")
    form.locator("button[type=submit]").click()
    page.locator("form#task-form").wait_for(state="detached")
    assert "Triển khai 100% dịch vụ công" in page.locator('tr[data-task="1"]').inner_text()

    # The plan's page, loaded again, shows what was set up.
    page.reload()
    assert "Triển khai 100% dịch vụ công" in page.locator('tr[data-task="1"]').inner_text()
    assert "Nâng tỷ lệ hồ sơ trực tuyến toàn trình" in page.locator("li#goal-1").inner_text()
    task = Task.objects.get()
    assert (task.lead_unit, list(task.co_units.all()), list(task.indicators.all())) == (vhtt, [vp], [online])

    # On the task's page, a refused report shows why in place too.
    page.locator('tr[data-task="1"] td a[href*="/nhiem-vu/"]').first.click()
    page.wait_for_url(f"**/ke-hoach/{CODE}/nhiem-vu/{task.pk}/")
    page.locator("select#status").select_option("done")
    page.locator("#task-report form").first.locator("button[type=submit]").click()
    page.locator("#task-report .field-error").wait_for()
    assert page.locator("select#status").input_value() == "done"
    assert not errors


def test_without_javascript_the_forms_are_pages(browser, live_server, chairman, city_pc, vhtt):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, chairman, "/ke-hoach/")
        page.goto("/ke-hoach/moi/")
        page.locator("input[name=code]").fill(CODE)
        page.locator("textarea[name=name]").fill("Kế hoạch không cần JavaScript")
        page.locator("input[name=start_year]").fill("2026")
        page.locator("input[name=end_year]").fill("2027")
        page.locator("form.plan-form button[type=submit]").click()
        page.wait_for_url(f"**/ke-hoach/{CODE}/")

        page.locator('a[data-action="add-task"]').click()
        page.wait_for_url(re.compile(r".*/nhiem-vu/moi/#task-form$"))
        form = page.locator("form#task-form")
        form.locator("textarea[name=name]").fill("Số hóa hồ sơ lưu trữ")
        form.locator("select[name=lead_unit]").select_option(str(vhtt.pk))
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(rf".*/ke-hoach/{CODE}/#task-1$"))
        assert "Số hóa hồ sơ lưu trữ" in page.locator('tr[data-task="1"]').inner_text()
        assert page.locator("ul.messages").count() == 1
    finally:
        context.close()
