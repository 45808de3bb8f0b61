"""Citizens' login over real HTTP against the live server and its development identity
provider. Nothing in the flow is mocked: the relying party talks to the provider's
token, JWKS and userinfo endpoints over HTTP, as it would to the national SSO."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from chinhquyenso.identity.idnumbers import FEMALE, MALE, make_id_number
from chinhquyenso.identity.services import register_citizen

CALLBACK_PATH = "/dang-nhap-cong-dan/xac-thuc/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def citizen(transactional_db):
    born = date(1990, 5, 17)
    return register_citizen(
        id_number=make_id_number(province_code="026", birth_date=born, sex=FEMALE, serial=4321),
        full_name="Nguyễn Thị Lan", birth_date=born, sex=FEMALE, eid_level=2)


@pytest.fixture
def level_one_citizen(transactional_db):
    born = date(1985, 1, 2)
    return register_citizen(
        id_number=make_id_number(province_code="026", birth_date=born, sex=MALE, serial=9876),
        full_name="Trần Văn Bình", birth_date=born, sex=MALE, eid_level=1)


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class Flow:
    """One browser's worth of HTTP: a requests.Session with its own cookies."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def start(self, level: int = 1, next_url: str = "/dich-vu-cong/ho-so/") -> str:
        """The platform's login start; returns the provider's authorization URL."""
        response = self.http.get(f"{self.base}/dang-nhap-cong-dan/",
                                 params={"level": level, "next": next_url},
                                 allow_redirects=False, timeout=30)
        assert response.status_code == 302, response.text[:500]
        location = response.headers["Location"]
        assert location.startswith(f"{self.base}/devidp/authorize/?"), location
        return location

    def pick(self, authorize_url: str, **fields) -> str:
        """Open the provider's page, submit a pick; returns where the provider sends the
        browser (the platform's callback with code and state)."""
        shown = self.http.get(authorize_url, timeout=30)
        assert shown.status_code == 200, shown.text[:500]
        assert 'data-devidp="authorize"' in shown.text
        data = {"csrfmiddlewaretoken": CSRF_INPUT.search(shown.text).group(1),
                "level": "1", "fault": "", **{k: str(v) for k, v in fields.items()}}
        if "cancel" not in data:
            data["allow"] = "1"
        response = self.http.post(authorize_url, data=data, allow_redirects=False, timeout=30)
        assert response.status_code == 302, response.text[:2000]
        return response.headers["Location"]

    def finish(self, callback_url: str) -> requests.Response:
        assert callback_url.startswith(self.base + CALLBACK_PATH), callback_url
        return self.http.get(callback_url, allow_redirects=False, timeout=60)

    def login(self, level: int = 1, **fields) -> requests.Response:
        """Start at `level`, pick (at the same level unless told), come back."""
        fields.setdefault("level", level)
        return self.finish(self.pick(self.start(level), **fields))

    def session(self) -> dict:
        key = self.http.cookies.get("sessionid")
        return SessionStore(session_key=key).load() if key else {}


@pytest.fixture
def flow(live_server, transactional_db):
    return Flow(live_server.url)


def logged_in_sessions() -> list[dict]:
    return [data for data in (s.get_decoded() for s in Session.objects.all())
            if "_auth_user_id" in data]


def assert_refused(response, reason: str, status: int) -> None:
    assert response.status_code == status, response.text[:2000]
    assert f'data-login-error="{reason}"' in response.text, response.text[:2000]
    assert logged_in_sessions() == []
