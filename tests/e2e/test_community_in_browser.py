"""A team member records an activity on a phone without a connection: it waits on the
phone, is sent once the connection returns, and is never sent twice."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from chinhquyenso.community import services
from chinhquyenso.community.models import Activity
from tests.community import conftest as community
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# The ward's groups, its team and a member with an account (tests/community/conftest.py,
# not visible from this folder).
_fast_passwords = community._fast_passwords
groups = community.groups
ward_admin = community.ward_admin
ward_leader = community.ward_leader
make_team = community.make_team
team = community.team
member_account = community.member_account
member_user = community.member_user

PHONE_WIDTH = 360


def queue_length(page) -> int:
    return int(page.locator("[data-queue-length]").text_content())


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def log_in(page, user, then):
    page.goto(f"/dang-nhap/?next={then}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{then}")


def test_an_activity_recorded_offline_is_sent_once_back_online(phone_page, member_user, team):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    log_in(page, member_user, "/cong-dong/ghi-nhan/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.locator("[data-community-queue]").wait_for()  # the script has started
    assert queue_length(page) == 0

    page.context.set_offline(True)
    page.locator("input[name=category][value=vneid_l2]").check()
    page.locator("input[name=people_reached]").fill("3")
    page.locator("input[name=place]").fill("Nhà văn hóa TDP 1")
    page.locator("form[data-offline-form] button[type=submit]").click()
    page.wait_for_function("document.querySelector('[data-queue-length]').textContent === '1'")
    assert page.locator("[data-queue-status]").text_content()  # "saved on this phone"
    assert not Activity.objects.exists()
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cqs-community-queue'))")
    assert len(stored) == 1

    page.context.set_offline(False)  # the `online` event sends the queue
    page.wait_for_function("document.querySelector('[data-queue-length]').textContent === '0'")
    assert wait_for(lambda: Activity.objects.count() == 1)
    activity = Activity.objects.get()
    assert (activity.team, activity.people_reached, activity.place, activity.category) == \
        (team, 3, "Nhà văn hóa TDP 1", "vneid_l2")
    assert activity.client_uuid is not None

    page.reload()  # nothing left to send: still one activity
    page.locator("[data-community-queue]").wait_for()
    assert queue_length(page) == 0
    page.wait_for_timeout(500)
    assert Activity.objects.count() == 1
    # the phone's activity is listed with the member's recent ones
    assert "Nhà văn hóa TDP 1" in page.locator("#recent + .table-wrap").inner_text()
    assert errors == []


def test_online_the_form_posts_and_shows_the_message(phone_page, member_user, team):
    page = phone_page
    log_in(page, member_user, "/cong-dong/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.locator("a.big-action").click()
    page.wait_for_url("**/cong-dong/ghi-nhan/")
    page.locator("input[name=category][value=payment]").check()
    page.locator("input[name=people_reached]").fill("2")
    page.locator("form[data-offline-form] button[type=submit]").click()
    page.locator(".messages").wait_for()
    activity = Activity.objects.get()
    assert (activity.category, activity.people_reached, activity.status) == ("payment", 2, "recorded")
    assert queue_length(page) == 0



def test_the_ward_confirms_an_activity_without_leaving_the_list(phone_page, member_user, ward_leader):
    activity = services.record_activity(actor=member_user, day=timezone.localdate(),
                                        category="vneid_l2", people_reached=4)
    page = phone_page
    log_in(page, ward_leader, "/cong-dong/duyet/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    row = page.locator(f"#activity-{activity.pk}")
    row.locator("[data-decision=confirm]").click()
    row.locator(".status-confirmed").wait_for()  # the row swapped in place (HTMX)
    assert page.url.endswith("/cong-dong/duyet/")
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CONFIRMED
