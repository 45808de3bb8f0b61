"""The user of a logged-in request, read with a prebuilt statement: the same user the
ORM would load, and Django's rules about who stays logged in (a deactivated user, a
password changed elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from chinhquyenso.identity.oidc import SESSION_LEVEL, CitizenOIDCBackend, link_citizen_account
from chinhquyenso.identity.services import register_citizen
from chinhquyenso.org.auth_backend import PasswordBackend, load_user
from chinhquyenso.org.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
WORKSPACE = "/can-bo/"
PASSWORD_BACKEND = "chinhquyenso.org.auth_backend.PasswordBackend"
CITIZEN_BACKEND = "chinhquyenso.identity.oidc.CitizenOIDCBackend"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


@pytest.fixture
def official(official_with_role, ward):
    user = official_with_role(Role.COUNTER_OFFICER, ward).user
    User.objects.filter(pk=user.pk).update(  # every kind of column holds a value
        first_name="Lan", last_name="Vũ Thị", email="lan.vu@example.gov.vn", is_staff=True,
        last_login=datetime(2026, 11, 2, 3, 4, 5, 678901, tzinfo=UTC))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def citizen_user(ward):
    from datetime import date

    citizen = register_citizen(id_number="026185012345", full_name="Nguyễn Thị Lan",
                               birth_date=date(1985, 9, 2), sex="female")
    return link_citizen_account(issuer="https://sso.example.gov.vn", subject="lan-1",
                                citizen=citizen, level=2).user


def logged_in(user) -> Client:
    client = Client()
    response = client.post("/dang-nhap/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def citizen_logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=CITIZEN_BACKEND)
    session = client.session
    session[SESSION_LEVEL] = 2
    session.save()
    return client


def is_anonymous(client, page=WORKSPACE) -> bool:
    response = client.get(page)
    return response.status_code == 302 and "/dang-nhap" in response["Location"]


def fields_of(user) -> list[tuple[str, object, type]]:
    return [(f.attname, getattr(user, f.attname), type(getattr(user, f.attname)))
            for f in User._meta.concrete_fields]


def assert_same_as_the_orms(loaded, user_id):
    orm = User.objects.get(pk=user_id)
    assert loaded is not None
    assert fields_of(loaded) == fields_of(orm)  # value and type, field by field
    assert loaded == orm
    assert (loaded._state.adding, loaded._state.db) == (orm._state.adding, orm._state.db)
    assert loaded.get_session_auth_hash() == orm.get_session_auth_hash()


def test_the_user_read_is_the_one_the_orm_loads_field_by_field(official, citizen_user):
    assert official.last_login is not None and official.is_staff  # not only defaults
    for user in (official, citizen_user):
        assert_same_as_the_orms(load_user(user.pk), user.pk)
        assert_same_as_the_orms(load_user(str(user.pk)), user.pk)  # as the session holds it
        assert_same_as_the_orms(PasswordBackend().get_user(user.pk), user.pk)
        assert_same_as_the_orms(CitizenOIDCBackend().get_user(user.pk), user.pk)


def test_the_loaded_user_saves_and_follows_its_relations(official):
    user = load_user(official.pk)
    assert user.official.full_name
    user.first_name = "Hoa"
    user.save(update_fields=["first_name"])
    assert User.objects.get(pk=official.pk).first_name == "Hoa"


def test_nobody_is_found_for_an_unknown_or_impossible_id_as_with_the_orm(official):
    for user_id in (0, -1, official.pk + 1000, 2**31, 2**63, 2**70):
        assert load_user(user_id) is None
        assert PasswordBackend().get_user(user_id) is None is ModelBackend().get_user(user_id)
    with pytest.raises(ValueError):
        User.objects.get(pk="abc")
    with pytest.raises(ValueError):
        load_user("abc")


def test_a_logged_in_official_reaches_the_workspace(official):
    client = logged_in(official)
    assert client.session["_auth_user_backend"] == PASSWORD_BACKEND
    assert client.get(WORKSPACE).status_code == 200
    assert client.get("/api/v1/org/me").json()["username"] == official.username


def test_a_deactivated_official_is_logged_out_at_the_next_request(official):
    client = logged_in(official)
    assert client.get(WORKSPACE).status_code == 200
    User.objects.filter(pk=official.pk).update(is_active=False)
    assert PasswordBackend().get_user(official.pk) is None is ModelBackend().get_user(official.pk)
    assert is_anonymous(client)
    assert client.get("/api/v1/org/me").status_code == 401


def test_a_password_changed_elsewhere_ends_the_other_sessions(official):
    office, phone = logged_in(official), logged_in(official)
    assert office.get(WORKSPACE).status_code == 200 and phone.get(WORKSPACE).status_code == 200
    user = User.objects.get(pk=official.pk)  # e.g. an administrator resets it
    user.set_password("mat-khau-moi-2")
    user.save()
    assert is_anonymous(office) and is_anonymous(phone)
    again = Client()
    assert again.post("/dang-nhap/", {"username": official.username,
                                      "password": "mat-khau-moi-2"}).status_code == 302
    assert again.get(WORKSPACE).status_code == 200


def test_logout(official):
    client = logged_in(official)
    assert client.get(WORKSPACE).status_code == 200
    client.post("/dang-xuat/")
    assert is_anonymous(client)


def test_a_citizen_session_reads_the_user_the_same_way(citizen_user):
    client = citizen_logged_in(citizen_user)
    assert client.get("/dich-vu-cong/ho-so/").status_code == 200
    User.objects.filter(pk=citizen_user.pk).update(is_active=False)
    assert CitizenOIDCBackend().get_user(citizen_user.pk) is None
    assert is_anonymous(client, "/dich-vu-cong/ho-so/")


class CountingHasher(MD5PasswordHasher):
    """The tests' hasher, counting the passwords it hashes."""

    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("username", ["known", "unknown"])
def test_a_wrong_password_is_hashed_once(settings, official, username):
    """One backend checks passwords: a failed login costs one hashing, as before."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0
    client = Client()
    name = official.username if username == "known" else "khong-co-ai"
    response = client.post("/dang-nhap/", {"username": name, "password": "sai-mat-khau"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert CountingHasher.hashed == 1


def _access(user):
    from chinhquyenso.org.permissions import _assignments, second_factor_facts

    return ([(a.pk, a.role, a.unit_id, a.unit.parent_id) for a in _assignments(user)],
            second_factor_facts(user))


def test_the_user_comes_with_their_roles_and_second_factor_answers_in_one_statement(
        official, city, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from chinhquyenso.org.models import RoleAssignment, SecondFactorPolicy
    from chinhquyenso.org.permissions import _load_access

    RoleAssignment.objects.create(official=official.official, role=Role.LEADER, unit=city)
    SecondFactorPolicy.objects.update_or_create(role=Role.LEADER, defaults={"require_totp": True})
    TOTPDevice.objects.create(user=official, name="Điện thoại", confirmed=True)
    with CaptureQueriesContext(connection) as queries:
        user = PasswordBackend().get_user(official.pk)
        access = _access(user)
    assert len(queries) == 1  # the user, their roles with units, the second-factor answers
    fresh = User.objects.get(pk=official.pk)
    assert access == _access(fresh)  # what the roles' own statement reads
    assert sorted(r for _pk, r, _u, _p in access[0]) == sorted([Role.COUNTER_OFFICER, Role.LEADER])
    assert access[1] == (True, True)
    roles, facts = _load_access(fresh)
    assert facts == access[1] and len(roles) == 2
    for user_id in (official.pk, official.pk + 1000):  # nobody: no user, no access
        assert (load_user(user_id, with_access=True) is None) == (user_id != official.pk)


def test_a_citizen_without_roles_comes_with_empty_access(citizen_user):
    user = CitizenOIDCBackend().get_user(citizen_user.pk)
    assert _access(user) == ([], (False, False))


def test_a_role_taken_away_counts_from_the_next_request(official):
    from chinhquyenso.org.models import RoleAssignment

    client = logged_in(official)
    assert client.get("/api/v1/org/me").json()["roles"] == [Role.COUNTER_OFFICER]
    RoleAssignment.objects.filter(official__user=official).delete()
    assert client.get("/api/v1/org/me").json()["roles"] == []
