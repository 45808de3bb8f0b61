"""A citizen logs in through the development provider's page in a real browser."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore

from chinhquyenso.identity.accounts import CitizenAccount
from chinhquyenso.identity.oidc import SESSION_LEVEL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_logs_in_through_the_provider_page(page, live_server, citizen):
    page.goto("/dang-nhap-cong-dan/?level=2&next=/")
    page.wait_for_selector("[data-devidp=authorize]")
    assert "/devidp/authorize/" in page.url
    page.get_by_label("Nguyễn Thị Lan").check()
    page.locator("input[name=level][value='2']").check()
    page.locator("button[name=allow]").click()
    page.wait_for_url(f"{live_server.url}/")

    account = CitizenAccount.objects.get(citizen=citizen)
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"]).load()
    assert session["_auth_user_id"] == str(account.user.pk)
    assert session[SESSION_LEVEL] == 2
