"""The city's chairman deletes a task of the plan in the browser: from the task table to
the confirmation page (cancelling first changes nothing), then confirmed, back on the
plan's page with the task gone and a message; a goal that still has tasks is refused
with the tasks to move. The browser, its page and the live server are the shared
fixtures of tests/browser.py."""

from __future__ import annotations

import pytest
from django.conf import settings

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.plans.models import Goal, ProgressNote, Task

PLAN = "/ke-hoach/ke-hoach-thu/"


@pytest.fixture
def logged_in(page, client, live_server):
    """`page`, with the session of whom `client` logs in (the login form is tested with
    the accounts, tests/org)."""

    def as_user(user):
        client.force_login(user)
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
        return page

    return as_user


def test_a_leader_deletes_a_task_through_the_page(logged_in, chairman, goals, tasks):
    page = logged_in(chairman)
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    late = tasks[0]
    page.goto(PLAN)
    assert page.locator("tr[data-task]").count() == 3

    # To the confirmation page; cancelling it changes nothing.
    page.locator('tr[data-task="1"] a[data-action="delete-task"]').click()
    page.wait_for_url(f"**{PLAN}nhiem-vu/{late.pk}/xoa/")
    confirm = page.locator('[data-delete="task"]')
    assert "Nâng cấp mạng LAN" in confirm.inner_text()
    assert confirm.locator("[data-note-count]").get_attribute("data-note-count") == "1"
    confirm.locator("a", has_text="Hủy").click()
    page.wait_for_url(f"**{PLAN}#task-1")
    assert Task.objects.filter(pk=late.pk).exists() and page.locator("tr[data-task]").count() == 3

    # Confirmed: back on the plan's page, the task gone, a message saying which.
    page.locator('tr[data-task="1"] a[data-action="delete-task"]').click()
    page.locator('button[data-action="confirm-delete"]').click()
    page.wait_for_url(f"**{PLAN}#plan-tasks")
    assert "Nâng cấp mạng LAN" in page.locator("ul.messages").inner_text()
    assert page.locator('tr[data-task="1"]').count() == 0
    assert [page.locator("tr[data-task]").nth(i).get_attribute("data-task") for i in range(2)] == ["2", "3"]
    assert not Task.objects.filter(pk=late.pk).exists()
    assert not ProgressNote.objects.filter(task_id=late.pk).exists()
    assert AuditEntry.objects.filter(action="plan.task.deleted", object_id=str(late.pk)).count() == 1

    # Goal 1 keeps task 2: refused, with the task to move, and nothing to confirm.
    page.locator('li#goal-1 a[data-action="delete-goal"]').click()
    page.wait_for_url(f"**{PLAN}muc-tieu/{goals[0].pk}/xoa/")
    assert page.locator('[data-delete="goal"] [role="alert"]').is_visible()
    assert page.locator('button[data-action="confirm-delete"]').count() == 0
    assert "Số hóa tài liệu lưu trữ" in page.locator("ul.goal-tasks").inner_text()
    assert Goal.objects.filter(pk=goals[0].pk).exists()
    assert not errors
