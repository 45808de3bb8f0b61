"""Setting up a plan in the browser: a new plan and its edit page, and on the plan's page
a goal or a task added or edited in place (HTMX) or through plain forms. Only those who
manage the plan get the forms; the services check what is typed, and their messages
come back next to the fields; every change is in the audit log."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import lxml.html
import pytest

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.plans import services
from chinhquyenso.plans.models import Goal, Plan, Task, TaskStatus

from .conftest import TODAY

pytestmark = pytest.mark.django_db

LIST = "/ke-hoach/"
NEW_PLAN = "/ke-hoach/moi/"
PLAN = "/ke-hoach/ke-hoach-thu/"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "plan-body"}


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def doc(response):
    return lxml.html.fromstring(response.content.decode())


def field_errors(response, name: str) -> list[str]:
    """The messages shown next to the field `name` (in its .field box or fieldset)."""
    page = doc(response)
    controls = page.xpath(f'//*[@name="{name}"]')
    assert controls, f"no field {name}"
    box = controls[0].xpath('ancestor::*[contains(concat(" ", normalize-space(@class), " "), " field ")'
                            ' or self::fieldset][1]')[0]
    return [e.text_content().strip() for e in box.xpath('.//*[@class="field-error"]')]


def textarea(control) -> str:
    """Its text as a browser reads it: without the newline that may open it."""
    text = control.text or ""
    return text[1:] if text.startswith("\n") else text


def value_of(response, name: str) -> str:
    [control] = doc(response).xpath(f'//*[@name="{name}"]')
    if control.tag == "textarea":
        return textarea(control)
    if control.tag == "select":
        chosen = control.xpath(".//option[@selected]")
        return chosen[0].get("value") if chosen else ""
    return control.get("value") or ""


def submitted(response, form_xpath: str = '//form[@method="post"][not(contains(@class, "lang-switch"))]'
              '[not(contains(@action, "dang-xuat"))]') -> dict[str, str | list[str]]:
    """What a browser sends from the page's form as it is: every input, ticked boxes,
    chosen options, text areas (hidden initial values included)."""
    [form] = [f for f in doc(response).xpath(form_xpath) if f.xpath('.//button[@type="submit"]')][:1]
    data: dict[str, list[str]] = {}
    for control in form.xpath(".//input|.//select|.//textarea"):
        name = control.get("name")
        if not name or control.get("type") in ("submit", "button"):
            continue
        if control.tag == "select":
            values = control.xpath(".//option[@selected]/@value")
        elif control.tag == "textarea":
            values = [textarea(control)]
        elif control.get("type") == "checkbox":
            values = [control.get("value")] if control.get("checked") is not None else []
        else:
            values = [control.get("value") or ""]
        data.setdefault(name, []).extend(values)
    return {k: v[0] if len(v) == 1 else v for k, v in data.items() if v}


def checked(response, name: str) -> set[str]:
    return {c.get("value") for c in doc(response).xpath(f'//input[@name="{name}"][@checked]')}


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


@pytest.fixture
def plan_values(city_pc):
    return {"code": "ke-hoach-cds-2026", "name": "Kế hoạch chuyển đổi số năm 2026",
            "issuing_agency": str(city_pc.pk), "start_year": "2026", "end_year": "2026", "outlook_year": "2030",
            "decision_number": "45/KH-UBND", "decision_date": "15/01/2025",
            "description": "Triển khai các nhiệm vụ chuyển đổi số trọng tâm."}


# --- who gets the forms ----------------------------------------------------------------------

def test_a_leader_is_offered_the_forms_and_a_specialist_is_not(client, chairman, vhtt_specialist, tasks, goals):
    client.force_login(chairman)
    assert doc(client.get(LIST)).xpath(f'//a[@data-action="new-plan"][@href="{NEW_PLAN}"]')
    page = doc(client.get(PLAN))
    assert page.xpath(f'//a[@data-action="edit-plan"][@href="{PLAN}sua/"]')
    assert page.xpath('//a[@data-action="add-goal"][@hx-get]') and page.xpath('//a[@data-action="add-task"]')
    assert len(page.xpath('//a[@data-action="edit-goal"]')) == 2
    assert len(page.xpath('//a[@data-action="edit-task"]')) == 3
    task_page = doc(client.get(f"{PLAN}nhiem-vu/{tasks[0].pk}/"))
    assert task_page.xpath(f'//a[@data-action="edit-task"][starts-with(@href, "{PLAN}nhiem-vu/{tasks[0].pk}/sua/")]')

    client.force_login(vhtt_specialist)
    assert not doc(client.get(LIST)).xpath('//a[@data-action="new-plan"]')
    page = doc(client.get(PLAN))
    assert not page.xpath('//*[@data-action]')
    assert not doc(client.get(f"{PLAN}nhiem-vu/{tasks[0].pk}/")).xpath('//a[@data-action="edit-task"]')


@pytest.mark.parametrize("who", ["vhtt_specialist", "citizen_user", "ward_leader"])
def test_others_are_refused_with_403_and_nothing_changes(request, client, who, tasks, goals, plan_values,
                                                         vhtt):
    client.force_login(request.getfixturevalue(who))
    before = AuditEntry.objects.count()
    goal, task = goals[0], tasks[0]
    pages = {
        f"{PLAN}sua/": {"name": "Đổi tên"},
        f"{PLAN}muc-tieu/moi/": {"text": "Mục tiêu mới"},
        f"{PLAN}muc-tieu/{goal.pk}/sua/": {"text": "Sửa mục tiêu"},
        f"{PLAN}nhiem-vu/moi/": {"name": "Nhiệm vụ mới", "lead_unit": str(vhtt.pk)},
        f"{PLAN}nhiem-vu/{task.pk}/sua/": {"name": "Sửa nhiệm vụ", "lead_unit": str(vhtt.pk)},
    }
    for url, data in pages.items():
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
        assert client.post(url, data, **HTMX).status_code == 403, url
    if who != "ward_leader":  # a ward leader sets up the plans of the ward, not the city's
        assert client.get(NEW_PLAN).status_code == 403
        assert client.post(NEW_PLAN, plan_values).status_code == 403
    assert AuditEntry.objects.count() == before
    assert Plan.objects.filter(code=plan_values["code"]).count() == 0
    assert not Goal.objects.filter(text__in=["Mục tiêu mới", "Sửa mục tiêu"]).exists()
    assert not Task.objects.filter(name__in=["Nhiệm vụ mới", "Sửa nhiệm vụ"]).exists()


def test_the_public_is_sent_to_log_in(client, plan):
    response = client.get(NEW_PLAN)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    # an HTMX request is told to load the login page as a whole
    response = client.post(f"{PLAN}muc-tieu/moi/", {"text": "x"}, **HTMX)
    assert response.status_code == 204 and "/dang-nhap/" in response["HX-Redirect"]
    assert not Goal.objects.exists()


# --- a plan ----------------------------------------------------------------------------------

def test_a_leader_creates_a_plan(client, chairman, city_pc, ward_pc, plan_values):
    client.force_login(chairman)
    form = client.get(NEW_PLAN)
    assert form.status_code == 200
    # the issuing agency: the People's Committees the leader manages plans for, theirs first
    options = doc(form).xpath('//select[@name="issuing_agency"]/option[@value!=""]/@value')
    assert options == [str(city_pc.pk), str(ward_pc.pk)]
    assert value_of(form, "issuing_agency") == str(city_pc.pk)

    response = client.post(NEW_PLAN, plan_values)
    assert response.status_code == 302 and response["Location"] == "/ke-hoach/ke-hoach-cds-2026/"
    plan = Plan.objects.get(code="ke-hoach-cds-2026")
    assert (plan.name, plan.issuing_agency, plan.start_year, plan.end_year, plan.outlook_year) == (
        "Kế hoạch chuyển đổi số năm 2026", city_pc, 2026, 2026, 2030)
    assert (plan.decision_number, plan.decision_date) == ("45/KH-UBND", date(2025, 1, 15))
    assert plan.description == "Triển khai các nhiệm vụ chuyển đổi số trọng tâm." and not plan.is_demo
    [entry] = audit("plan.created")
    assert entry.actor == chairman and entry.after["code"] == "ke-hoach-cds-2026"
    html = client.get(response["Location"]).content.decode()
    assert "The plan has been created. Add its goals and tasks." in html and "45/KH-UBND" in html


def test_a_ward_leader_creates_plans_of_the_ward_only(client, ward_leader, ward_pc, city_pc, plan_values):
    client.force_login(ward_leader)
    options = doc(client.get(NEW_PLAN)).xpath('//select[@name="issuing_agency"]/option[@value!=""]/@value')
    assert options == [str(ward_pc.pk)]
    assert client.post(NEW_PLAN, plan_values).status_code == 400  # the city's: not a choice here
    assert not Plan.objects.exists()
    response = client.post(NEW_PLAN, {**plan_values, "issuing_agency": str(ward_pc.pk)})
    assert response.status_code == 302
    assert Plan.objects.get().issuing_agency == ward_pc


def test_a_plan_with_mistakes_is_shown_again_with_every_message(client, chairman, plan_values):
    client.force_login(chairman)
    response = client.post(NEW_PLAN, {**plan_values, "code": "Kế hoạch 2026", "name": " ", "start_year": "hai",
                                      "decision_date": "30/02/2025"})
    assert response.status_code == 400
    assert field_errors(response, "code") == [
        "Use lower-case letters without accents, digits and hyphens, e.g. ke-hoach-cds-2025."]
    assert field_errors(response, "name") and "name" in field_errors(response, "name")[0]
    assert field_errors(response, "start_year") == ["Enter a year such as 2025."]
    assert field_errors(response, "decision_date") == ["Enter a date as dd/mm/yyyy (or YYYY-MM-DD)."]
    assert field_errors(response, "end_year") == []
    assert "Nothing has been saved." in response.content.decode()
    # what was typed is kept
    assert value_of(response, "code") == "Kế hoạch 2026" and value_of(response, "decision_number") == "45/KH-UBND"
    # the period's own checks
    response = client.post(NEW_PLAN, {**plan_values, "end_year": "2025"})
    assert field_errors(response, "end_year") == ["The last year cannot be before the first year."]
    assert not Plan.objects.exists() and not audit("plan.created")


def test_codes_are_unique_and_not_the_pages_own(client, chairman, plan, plan_values):
    client.force_login(chairman)
    response = client.post(NEW_PLAN, {**plan_values, "code": plan.code})
    assert field_errors(response, "code") == ["Another plan has this code."]
    response = client.post(NEW_PLAN, {**plan_values, "code": "moi"})
    assert response.status_code == 400
    assert field_errors(response, "code") == ["This code is part of the platform's addresses: choose another."]
    assert Plan.objects.count() == 1


def test_a_leader_edits_a_plan(client, chairman, plan, tasks):
    client.force_login(chairman)
    form = client.get(f"{PLAN}sua/")
    assert form.status_code == 200
    assert value_of(form, "name") == "Kế hoạch chuyển đổi số thử nghiệm"
    assert value_of(form, "decision_date") == "15/01/2024" and value_of(form, "start_year") == "2024"
    assert not doc(form).xpath('//*[@name="code"]')  # the address stays
    values = {"name": "Kế hoạch chuyển đổi số (sửa đổi)", "issuing_agency": str(plan.issuing_agency_id),
              "start_year": "2024", "end_year": "2025", "outlook_year": str(plan.outlook_year),
              "decision_number": "12/KH-UBND", "decision_date": "15/01/2024", "description": "Bổ sung"}
    response = client.post(f"{PLAN}sua/", values)
    assert response.status_code == 302 and response["Location"] == PLAN
    plan.refresh_from_db()
    assert (plan.name, plan.description) == ("Kế hoạch chuyển đổi số (sửa đổi)", "Bổ sung")
    [entry] = audit("plan.updated")
    assert entry.actor == chairman and entry.before["name"] == "Kế hoạch chuyển đổi số thử nghiệm"
    assert entry.after["name"] == "Kế hoạch chuyển đổi số (sửa đổi)"
    assert "The plan has been saved." in client.get(PLAN).content.decode()
    # the form sent as it was opened: nothing to change, nothing in the log
    response = client.post(f"{PLAN}sua/", submitted(client.get(f"{PLAN}sua/")))
    assert response.status_code == 302 and len(audit("plan.updated")) == 1
    assert "Nothing was changed." in client.get(PLAN).content.decode()


def test_a_plan_cannot_end_before_its_tasks(client, chairman, plan, tasks):
    """Task 2 is due 60 days from today, so the plan's period must reach that year."""
    client.force_login(chairman)
    values = {"name": plan.name, "issuing_agency": str(plan.issuing_agency_id), "start_year": "2024",
              "end_year": "2025", "outlook_year": "", "decision_number": "12/KH-UBND",
              "decision_date": "15/01/2024", "description": ""}
    response = client.post(f"{PLAN}sua/", values)
    assert response.status_code == 400
    assert "after the plan" in field_errors(response, "end_year")[0]
    assert Plan.objects.get(pk=plan.pk).outlook_year == TODAY.year + 5 and not audit("plan.updated")


# --- goals -----------------------------------------------------------------------------------

def test_a_leader_adds_a_goal_with_its_indicators_and_targets(client, chairman, goals):
    online, broadband = indicator("ho-so-truc-tuyen"), indicator("thue-bao-bang-rong")
    client.force_login(chairman)
    form = client.get(f"{PLAN}muc-tieu/moi/")
    assert form.status_code == 200
    page = doc(form)
    assert page.xpath('//form[@id="goal-form"][@hx-post]')
    # the whole catalogue to choose from, each with a box for its target value
    assert len(page.xpath('//form[@id="goal-form"]//input[@name="indicators"]')) == Indicator.objects.count()
    response = client.post(f"{PLAN}muc-tieu/moi/", {
        "text": "Nâng tỷ lệ hồ sơ trực tuyến", "target_text": "Trên 97,5% vào năm 2025", "order": "",
        "indicators": [str(online.pk), str(broadband.pk)], f"target-{online.pk}": "97,5",
        f"target-{broadband.pk}": ""})
    assert response.status_code == 302 and response["Location"] == f"{PLAN}#goal-3"
    goal = Goal.objects.get(plan__code="ke-hoach-thu", order=3)
    assert goal.text == "Nâng tỷ lệ hồ sơ trực tuyến" and goal.target_text == "Trên 97,5% vào năm 2025"
    assert {(m.indicator.code, m.target_value) for m in goal.measures.all()} == {
        ("ho-so-truc-tuyen", Decimal("97.5")), ("thue-bao-bang-rong", None)}
    [entry] = audit("plan.goal.created")[-1:]
    assert entry.actor == chairman and entry.after["order"] == 3
    assert {"code": "ho-so-truc-tuyen", "target_value": 97.5} in entry.after["indicators"]
    html = client.get(PLAN).content.decode()
    assert "The goal has been added." in html and "Nâng tỷ lệ hồ sơ trực tuyến" in html


def test_goals_are_added_and_edited_in_place_with_htmx(client, chairman, goals):
    online = indicator("ho-so-truc-tuyen")
    client.force_login(chairman)
    # the form opens inside the plan's body, at its place
    response = client.get(f"{PLAN}muc-tieu/{goals[0].pk}/sua/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="plan-body"') and "<html" not in html
    assert response["HX-Reswap"] == "outerHTML show:#goal-form:top"
    page = doc(response)
    assert page.xpath('//li[@id="goal-1"]//form[@id="goal-form"]')
    assert value_of(response, "text") == "Chính quyền số" and value_of(response, "target_text") == "100%"

    response = client.post(f"{PLAN}muc-tieu/{goals[0].pk}/sua/", {
        "text": "Xây dựng chính quyền số", "target_text": "100%", "order": "1",
        "indicators": [str(online.pk)], f"target-{online.pk}": "80"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == PLAN and response["HX-Reswap"] == "outerHTML show:#goal-1:top"
    html = response.content.decode()
    assert "The goal has been saved." in html and "Xây dựng chính quyền số" in html
    assert 'id="goal-form"' not in html
    goal = Goal.objects.get(pk=goals[0].pk)
    assert goal.text == "Xây dựng chính quyền số"
    assert [(m.indicator.code, m.target_value) for m in goal.measures.all()] == [("ho-so-truc-tuyen", 80)]
    [entry] = audit("plan.goal.updated")
    assert entry.before["text"] == "Chính quyền số" and entry.before["indicators"] == []
    assert entry.after["indicators"] == [{"code": "ho-so-truc-tuyen", "target_value": 80}]

    # the form shows the stored target as it is written in Vietnamese, and unticking removes it
    form = client.get(f"{PLAN}muc-tieu/{goals[0].pk}/sua/", **HTMX)
    assert checked(form, "indicators") == {str(online.pk)} and value_of(form, f"target-{online.pk}") == "80"
    client.post(f"{PLAN}muc-tieu/{goals[0].pk}/sua/", {"text": goal.text, "target_text": "100%", "order": "1"},
                **HTMX)
    assert not Goal.objects.get(pk=goals[0].pk).measures.exists()

    # a new goal through HTMX
    response = client.post(f"{PLAN}muc-tieu/moi/", {"text": "Kinh tế số", "order": ""}, **HTMX)
    assert response.status_code == 200 and "Kinh tế số" in response.content.decode()
    assert Goal.objects.filter(plan=goals[0].plan, order=3, text="Kinh tế số").exists()


def test_a_goal_with_mistakes_is_shown_again(client, chairman, goals):
    online, broadband = indicator("ho-so-truc-tuyen"), indicator("thue-bao-bang-rong")
    client.force_login(chairman)
    url = f"{PLAN}muc-tieu/moi/"
    response = client.post(url, {"text": "  ", "target_text": "Toàn bộ"}, **HTMX)
    assert response.status_code == 400
    assert field_errors(response, "text") == ["Write the goal."]
    assert value_of(response, "target_text") == "Toàn bộ"
    assert doc(response).xpath('//form[@id="goal-form"]')  # the form stays open, with why
    response = client.post(url, {"text": "Mục tiêu", "order": "2"})
    assert response.status_code == 400
    assert field_errors(response, "order") == ["The plan already has a goal with this number."]
    response = client.post(url, {"text": "Mục tiêu", "indicators": [str(online.pk)], f"target-{online.pk}": "tám"})
    assert field_errors(response, "indicators") == ["Enter the target value as a number."]
    assert checked(response, "indicators") == {str(online.pk)} and value_of(response, f"target-{online.pk}") == "tám"
    response = client.post(url, {"text": "Mục tiêu", f"target-{broadband.pk}": "80"})
    assert response.status_code == 400
    assert field_errors(response, "indicators") == [f"Tick “{broadband.name}” to give it a target value."]
    # editing: a number taken by another goal
    response = client.post(f"{PLAN}muc-tieu/{goals[1].pk}/sua/", {"text": "Xã hội số", "order": "1"})
    assert response.status_code == 400
    assert field_errors(response, "order") == ["The plan already has a goal with this number."]
    assert Goal.objects.count() == 2 and not audit("plan.goal.updated")


def test_an_empty_number_keeps_the_goals_number(client, chairman, goals):
    client.force_login(chairman)
    response = client.post(f"{PLAN}muc-tieu/{goals[1].pk}/sua/", {"text": "Phát triển xã hội số", "order": ""})
    assert response.status_code == 302 and response["Location"] == f"{PLAN}#goal-2"
    goal = Goal.objects.get(pk=goals[1].pk)
    assert (goal.order, goal.text) == (2, "Phát triển xã hội số")


# --- tasks -----------------------------------------------------------------------------------

def test_a_leader_adds_a_task(client, chairman, goals, vhtt, vp, ward_pc):
    online = indicator("ho-so-truc-tuyen")
    client.force_login(chairman)
    form = client.get(f"{PLAN}nhiem-vu/moi/")
    assert form.status_code == 200
    page = doc(form)
    assert page.xpath('//form[@id="task-form"][@hx-post]')
    assert page.xpath(f'//select[@name="goal"]/option[@value="{goals[1].pk}"]')
    deadline = date(TODAY.year + 1, 6, 30)
    response = client.post(f"{PLAN}nhiem-vu/moi/", {
        "name": "Phổ cập kỹ năng số cho người dân", "goal": str(goals[1].pk), "order": "",
        "lead_unit": str(vhtt.pk), "co_units": [str(vp.pk), str(ward_pc.pk)], "start_date": "01/03/2025",
        "deadline": day(deadline), "indicators": [str(online.pk)]})
    assert response.status_code == 302 and response["Location"] == f"{PLAN}#task-1"
    task = Task.objects.get(plan__code="ke-hoach-thu")
    assert (task.name, task.goal, task.order, task.lead_unit) == (
        "Phổ cập kỹ năng số cho người dân", goals[1], 1, vhtt)
    assert set(task.co_units.all()) == {vp, ward_pc} and list(task.indicators.all()) == [online]
    assert (task.start_date, task.deadline, task.status) == (date(2025, 3, 1), deadline, TaskStatus.NOT_STARTED)
    [entry] = audit("plan.task.created")
    assert entry.actor == chairman and entry.after["lead_unit"] == vhtt.code
    assert entry.after["co_units"] == sorted([vp.code, ward_pc.code]) and entry.after["indicators"] == [online.code]
    html = client.get(PLAN).content.decode()
    assert "The task has been added." in html
    row = doc(client.get(PLAN)).xpath('//tr[@data-task="1"]')[0].text_content()
    assert "Phổ cập kỹ năng số cho người dân" in row and "Phòng Văn hóa và Thông tin" in row and day(deadline) in row


def test_a_task_added_with_htmx_appears_in_the_table(client, chairman, tasks, vp):
    client.force_login(chairman)
    response = client.get(f"{PLAN}nhiem-vu/moi/", **HTMX)
    assert response["HX-Reswap"] == "outerHTML show:#task-form:top"
    response = client.post(f"{PLAN}nhiem-vu/moi/", {"name": "Khảo sát mức độ hài lòng", "lead_unit": str(vp.pk)},
                           **HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == PLAN and response["HX-Reswap"] == "outerHTML show:#task-4:top"
    page = doc(response)
    assert [r.get("data-task") for r in page.xpath('//tr[@data-task]')] == ["1", "2", "3", "4"]
    assert "Khảo sát mức độ hài lòng" in page.xpath('//tr[@data-task="4"]')[0].text_content()
    assert page.xpath('//ul[@class="figures"]/li[1]/strong')[0].text == "4"  # the figures follow
    assert "recurring" in page.xpath('//tr[@data-task="4"]')[0].text_content()


def test_a_task_with_mistakes_is_shown_again(client, chairman, plan, tasks, vhtt):
    client.force_login(chairman)
    url = f"{PLAN}nhiem-vu/moi/"
    response = client.post(url, {"name": "", "lead_unit": str(vhtt.pk)}, **HTMX)
    assert response.status_code == 400 and field_errors(response, "name") == ["Name the task."]
    response = client.post(url, {"name": "Nhiệm vụ", "lead_unit": ""})
    assert response.status_code == 400 and field_errors(response, "lead_unit") == ["Choose an agency."]
    response = client.post(url, {"name": "Nhiệm vụ", "lead_unit": str(vhtt.pk), "deadline": "31/12/2019"})
    assert response.status_code == 400
    assert field_errors(response, "deadline") == [
        f"The date must fall within the plan's period (2024–{plan.outlook_year})."]
    response = client.post(url, {"name": "Nhiệm vụ", "lead_unit": str(vhtt.pk), "deadline": "32/01/2025"})
    assert field_errors(response, "deadline") == ["Enter a date as dd/mm/yyyy (or YYYY-MM-DD)."]
    response = client.post(url, {"name": "Nhiệm vụ", "lead_unit": str(vhtt.pk), "co_units": [str(vhtt.pk)]})
    assert field_errors(response, "co_units") == ["The lead unit is not also a co-operating unit."]
    assert checked(response, "co_units") == {str(vhtt.pk)} and value_of(response, "name") == "Nhiệm vụ"
    response = client.post(url, {"name": "Nhiệm vụ", "lead_unit": str(vhtt.pk), "start_date": "01/06/2025",
                                 "deadline": "01/05/2025"})
    assert field_errors(response, "deadline") == ["The deadline cannot be before the start date."]
    response = client.post(url, {"name": "Nhiệm vụ", "lead_unit": str(vhtt.pk), "order": "1"})
    assert field_errors(response, "order") == ["The plan already has a task with this number."]
    assert Task.objects.count() == 3 and not audit("plan.task.created")[3:]


def test_a_leader_edits_a_task_keeping_the_filters(client, chairman, tasks, goals, vhtt, vp, ward_pc):
    late = tasks[0]
    client.force_login(chairman)
    url = f"{PLAN}nhiem-vu/{late.pk}/sua/?late=1"
    form = client.get(url)
    assert form.status_code == 200
    assert value_of(form, "name") == "Nâng cấp mạng LAN" and value_of(form, "lead_unit") == str(vhtt.pk)
    assert checked(form, "co_units") == {str(vp.pk), str(ward_pc.pk)}
    assert value_of(form, "deadline") == day(late.deadline) and value_of(form, "goal") == str(goals[0].pk)
    assert doc(form).xpath(f'//form[@id="task-form"][@action="{url}"]')
    new_deadline = TODAY + timedelta(days=30)
    response = client.post(url, {"name": "Nâng cấp mạng LAN", "goal": str(goals[0].pk), "order": "1",
                                 "lead_unit": str(vhtt.pk), "co_units": [str(vp.pk)], "start_date": "01/03/2024",
                                 "deadline": day(new_deadline)})
    assert response.status_code == 302 and response["Location"] == f"{PLAN}?late=1#task-1"
    task = Task.objects.get(pk=late.pk)
    assert task.deadline == new_deadline and list(task.co_units.all()) == [vp]
    assert task.status == TaskStatus.IN_PROGRESS  # the status is the lead unit's report, not edited here
    [entry] = audit("plan.task.updated")
    assert entry.actor == chairman and entry.before["deadline"] == late.deadline.isoformat()
    assert entry.after["deadline"] == new_deadline.isoformat() and entry.after["co_units"] == [vp.code]
    # no longer late: gone from the filtered table
    assert "Nâng cấp mạng LAN" not in client.get(response["Location"]).content.decode()


def test_an_edit_writes_only_what_was_changed(client, chairman, admin, tasks, goals, vp):
    """A leader opens the form; meanwhile another one moves the deadline. The first
    renames the task: the deadline stays the other's."""
    task = tasks[1]
    url = f"{PLAN}nhiem-vu/{task.pk}/sua/"
    client.force_login(chairman)
    opened = submitted(client.get(url))
    moved = TODAY + timedelta(days=90)
    services.update_task(task_id=task.pk, actor=admin, deadline=moved, co_units=[])
    response = client.post(url, {**opened, "name": "Số hóa toàn bộ tài liệu lưu trữ"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.name, task.deadline) == ("Số hóa toàn bộ tài liệu lưu trữ", moved)
    [entry] = [e for e in audit("plan.task.updated") if e.actor == chairman]
    assert entry.before["deadline"] == entry.after["deadline"] == moved.isoformat()
    # and the form sent as it was opened changes nothing and logs nothing
    count = len(audit("plan.task.updated"))
    response = client.post(url, submitted(client.get(url)), **HTMX)
    assert response.status_code == 200 and "Nothing was changed." in response.content.decode()
    assert len(audit("plan.task.updated")) == count


def test_a_stale_edit_is_shown_and_saved_only_when_confirmed(client, chairman, admin, tasks, goals):
    """Both leaders change the same deadline: the second is told what it is now, and
    replaces it by saving again."""
    task = tasks[1]
    url = f"{PLAN}nhiem-vu/{task.pk}/sua/"
    client.force_login(chairman)
    opened = submitted(client.get(url))
    moved = TODAY + timedelta(days=90)
    services.update_task(task_id=task.pk, actor=admin, deadline=moved)
    mine = TODAY + timedelta(days=120)
    response = client.post(url, {**opened, "deadline": day(mine)}, **HTMX)
    assert response.status_code == 409
    [message] = field_errors(response, "deadline")
    assert message == (f"Someone else changed this while you were editing: it is now “{day(moved)}”. "
                       "Save again to replace it with yours.")
    assert value_of(response, "deadline") == day(mine)  # what this user typed stays
    assert Task.objects.get(pk=task.pk).deadline == moved
    response = client.post(url, submitted(response), **HTMX)
    assert response.status_code == 200 and "The task has been saved." in response.content.decode()
    assert Task.objects.get(pk=task.pk).deadline == mine


def test_a_stale_goal_edit(client, chairman, admin, goals):
    online = indicator("ho-so-truc-tuyen")
    url = f"{PLAN}muc-tieu/{goals[0].pk}/sua/"
    client.force_login(chairman)
    opened = submitted(client.get(url))
    services.update_goal(goal_id=goals[0].pk, actor=admin, text="Chính quyền số hiện đại", indicators=[online])
    # this leader changes the target only: the other's text and indicators stay
    response = client.post(url, {**opened, "target_text": "100% vào năm 2025"})
    assert response.status_code == 302
    goal = Goal.objects.get(pk=goals[0].pk)
    assert (goal.text, goal.target_text) == ("Chính quyền số hiện đại", "100% vào năm 2025")
    assert [m.indicator for m in goal.measures.all()] == [online]
    # both change the indicators: told, and kept until saved again
    opened = submitted(client.get(url))
    services.update_goal(goal_id=goals[0].pk, actor=admin, indicators=[])
    response = client.post(url, {**opened, f"target-{online.pk}": "90"})
    assert response.status_code == 409
    assert field_errors(response, "indicators") == [
        "Someone else changed this while you were editing: it is now “—”. Save again to replace it with yours."]
    assert not Goal.objects.get(pk=goals[0].pk).measures.exists()
    response = client.post(url, submitted(response))
    assert response.status_code == 302
    assert [(m.indicator, m.target_value) for m in Goal.objects.get(pk=goals[0].pk).measures.all()] == [
        (online, 90)]


def test_a_task_edit_refused_by_the_service_keeps_the_form(client, chairman, tasks, vhtt):
    client.force_login(chairman)
    response = client.post(f"{PLAN}nhiem-vu/{tasks[2].pk}/sua/", {
        "name": "Tuyên truyền chuyển đổi số", "lead_unit": str(vhtt.pk), "order": "3",
        "start_date": "01/01/2024", "deadline": "31/12/2023"}, **HTMX)
    assert response.status_code == 400
    assert field_errors(response, "deadline") == ["The deadline cannot be before the start date."]
    assert doc(response).xpath('//form[@id="task-form"]') and "Nothing has been saved." in response.content.decode()
    assert Task.objects.get(pk=tasks[2].pk).deadline is None


def test_goals_and_tasks_of_another_plan_are_404(client, chairman, city_pc, tasks, goals):
    services.create_plan(actor=chairman, code="khac", name="Khác", issuing_agency=city_pc,
                         start_year=2024, end_year=2025)
    client.force_login(chairman)
    assert client.get(f"/ke-hoach/khac/nhiem-vu/{tasks[0].pk}/sua/").status_code == 404
    assert client.get(f"/ke-hoach/khac/muc-tieu/{goals[0].pk}/sua/").status_code == 404
    assert client.get("/ke-hoach/khong-co/nhiem-vu/moi/").status_code == 404


# --- deleting goals and tasks ----------------------------------------------------------------

def test_a_leader_is_offered_to_delete_goals_and_tasks(client, chairman, vhtt_specialist, tasks, goals):
    client.force_login(chairman)
    page = doc(client.get(f"{PLAN}?late=1"))
    assert page.xpath(f'//li[@id="goal-1"]//a[@data-action="delete-goal"][@href="{PLAN}muc-tieu/{goals[0].pk}/xoa/?late=1"]')
    assert len(page.xpath('//a[@data-action="delete-goal"]')) == 2
    assert page.xpath(f'//tr[@data-task="1"]//a[@data-action="delete-task"][@href="{PLAN}nhiem-vu/{tasks[0].pk}/xoa/?late=1"]')
    task_page = doc(client.get(f"{PLAN}nhiem-vu/{tasks[0].pk}/"))
    assert task_page.xpath(f'//a[@data-action="delete-task"][@href="{PLAN}nhiem-vu/{tasks[0].pk}/xoa/"]')
    client.force_login(vhtt_specialist)
    assert not doc(client.get(PLAN)).xpath('//a[starts-with(@data-action, "delete-")]')
    assert not doc(client.get(f"{PLAN}nhiem-vu/{tasks[0].pk}/")).xpath('//a[@data-action="delete-task"]')


def test_a_task_is_deleted_only_once_confirmed(client, chairman, vhtt_specialist, tasks):
    task = tasks[0]
    services.add_progress_note(task_id=task.pk, actor=vhtt_specialist, text="Đã lắp 5/9 điểm", today=TODAY)
    url = f"{PLAN}nhiem-vu/{task.pk}/xoa/?late=1"
    client.force_login(chairman)
    response = client.get(url)
    assert response.status_code == 200
    page = doc(response)
    assert "Nâng cấp mạng LAN" in page.xpath('//*[@data-delete="task"]')[0].text_content()
    # what goes with it: the status change of the fixture and the note
    assert "Its 2 progress notes and status changes are deleted with it." in response.content.decode()
    assert page.xpath('//form[@method="post"]//button[@data-action="confirm-delete"]')
    assert page.xpath(f'//*[@data-delete="task"]//a[@href="{PLAN}?late=1#task-1"]')  # cancel, keeping the filter
    # asking for the page deletes nothing
    assert Task.objects.filter(pk=task.pk).exists() and not audit("plan.task.deleted")

    response = client.post(url, submitted(response))
    assert response.status_code == 302 and response["Location"] == f"{PLAN}?late=1#plan-tasks"
    assert not Task.objects.filter(pk=task.pk).exists()
    [entry] = audit("plan.task.deleted")
    assert entry.actor == chairman and len(entry.before["notes"]) == 2
    html = client.get(PLAN).content.decode()
    assert "Task 1 “Nâng cấp mạng LAN” has been deleted." in html
    assert [r.get("data-task") for r in doc(client.get(PLAN)).xpath('//tr[@data-task]')] == ["2", "3"]
    # gone: its pages too
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404


def test_a_goal_without_tasks_is_deleted_once_confirmed(client, chairman, plan, goals):
    online = indicator("ho-so-truc-tuyen")
    goal = services.create_goal(plan_id=plan.pk, actor=chairman, text="Kinh tế số", indicators=[(online, 30)])
    url = f"{PLAN}muc-tieu/{goal.pk}/xoa/"
    client.force_login(chairman)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kinh tế số" in html and online.name in html
    assert doc(response).xpath('//button[@data-action="confirm-delete"]')
    assert Goal.objects.filter(pk=goal.pk).exists()
    response = client.post(url, submitted(response))
    assert response.status_code == 302 and response["Location"] == f"{PLAN}#goals"
    assert list(Goal.objects.filter(plan=plan).values_list("order", flat=True)) == [1, 2]
    [entry] = audit("plan.goal.deleted")
    assert entry.before["text"] == "Kinh tế số" and entry.before["indicators"] == [
        {"code": "ho-so-truc-tuyen", "target_value": 30}]
    assert "Goal 3 has been deleted." in client.get(PLAN).content.decode()


def test_a_goal_with_tasks_is_refused_with_its_tasks_to_move(client, chairman, goals, tasks):
    url = f"{PLAN}muc-tieu/{goals[0].pk}/xoa/"
    message = "Goal 1 still has 2 tasks (numbers 1, 2): move them to another goal or delete them first."
    client.force_login(chairman)
    response = client.get(url)
    assert response.status_code == 200
    page = doc(response)
    assert message in response.content.decode()
    assert not page.xpath('//button[@data-action="confirm-delete"]')  # nothing to confirm
    # each task, with the way to move it to another goal
    assert page.xpath('//ul[@class="goal-tasks"]//a[@data-action="edit-task"]/@href') == [
        f"{PLAN}nhiem-vu/{tasks[0].pk}/sua/#task-form", f"{PLAN}nhiem-vu/{tasks[1].pk}/sua/#task-form"]
    response = client.post(url)
    assert response.status_code == 409 and message in response.content.decode()
    assert Goal.objects.filter(pk=goals[0].pk).exists() and not audit("plan.goal.deleted")
    assert Task.objects.filter(goal=goals[0]).count() == 2


@pytest.mark.parametrize("who", ["vhtt_specialist", "citizen_user", "ward_leader"])
def test_others_cannot_delete_and_nothing_changes(request, client, who, tasks, goals):
    client.force_login(request.getfixturevalue(who))
    before = AuditEntry.objects.count()
    for url in (f"{PLAN}muc-tieu/{goals[1].pk}/xoa/", f"{PLAN}nhiem-vu/{tasks[2].pk}/xoa/"):
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    assert AuditEntry.objects.count() == before
    assert Goal.objects.count() == 2 and Task.objects.count() == 3


def test_deleting_asks_the_public_to_log_in_and_other_plans_are_404(client, chairman, city_pc, tasks, goals):
    response = client.post(f"{PLAN}nhiem-vu/{tasks[0].pk}/xoa/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    services.create_plan(actor=chairman, code="khac", name="Khác", issuing_agency=city_pc,
                         start_year=2024, end_year=2025)
    client.force_login(chairman)
    assert client.post(f"/ke-hoach/khac/nhiem-vu/{tasks[0].pk}/xoa/").status_code == 404
    assert client.get(f"/ke-hoach/khac/muc-tieu/{goals[1].pk}/xoa/").status_code == 404
    assert Task.objects.count() == 3 and Goal.objects.count() == 2
