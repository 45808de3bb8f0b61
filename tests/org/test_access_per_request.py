"""An official's roles and second-factor facts are read once per request, in one
statement, and never kept from one request to the next: a role revoked, a policy
changed or an authenticator set up counts from the very next request."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyenso.org import services
from chinhquyenso.org.models import Role, RoleAssignment
from chinhquyenso.org.permissions import can, roles_of, scope_units, second_factor_facts
from chinhquyenso.org.second_factor import (
    MIDDLEWARE_PATH,
    OTP_MIDDLEWARE_PATH,
    second_factor_needed,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CODE_PAGE = "/dang-nhap/ma-xac-thuc/"
ENROL_PAGE = "/can-bo/xac-thuc-hai-lop/"
ACCESS_TABLES = ("org_roleassignment", "org_secondfactorpolicy", "otp_totp_totpdevice")


@pytest.fixture(autouse=True)
def _second_factor_middleware(settings):
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_PATH]
    at = middleware.index(OTP_MIDDLEWARE_PATH) + 1
    settings.MIDDLEWARE = [*middleware[:at], MIDDLEWARE_PATH, *middleware[at:]]
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


def log_in(client, user):
    return client.post("/dang-nhap/", {"username": user.username, "password": PASSWORD})


def access_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if any(table in q["sql"] for table in ACCESS_TABLES)]


def fresh(user):
    """The user as the next request loads it (nothing kept on the object)."""
    return type(user).objects.get(pk=user.pk)


def test_a_request_reads_roles_and_second_factor_in_one_statement(client, official_with_role, ward):
    user = official_with_role(Role.CLERK, ward).user
    services.set_second_factor_policy(role=Role.LEADER, required=True)  # a policy, not for clerks
    log_in(client, user)
    with CaptureQueriesContext(connection) as queries:
        me = client.get("/api/v1/org/me")
    assert me.status_code == 200 and me.json()["roles"] == ["clerk"]
    assert len(access_reads(queries.captured_queries)) == 1


def test_a_role_revoked_counts_from_the_next_request(client, official_with_role, ward):
    official = official_with_role(Role.AUDITOR, ward)
    log_in(client, official.user)
    assert client.get("/api/v1/org/me").json()["roles"] == ["auditor"]
    assert client.get("/kiem-toan/").status_code == 200
    services.revoke_role(official=official, role=Role.AUDITOR, unit=ward)
    assert client.get("/api/v1/org/me").json()["roles"] == []
    assert client.get("/kiem-toan/").status_code == 403
    services.assign_role(official=official, role=Role.CLERK, unit=ward)
    assert client.get("/api/v1/org/me").json()["roles"] == ["clerk"]
    assert client.get("/kiem-toan/").status_code == 403
    services.assign_role(official=official, role=Role.AUDITOR, unit=ward)
    assert client.get("/kiem-toan/").status_code == 200


def test_a_policy_requiring_a_code_counts_from_the_next_request(client, official_with_role, ward):
    user = official_with_role(Role.SPECIALIST, ward).user
    log_in(client, user)
    assert client.get("/api/v1/org/me").status_code == 200
    services.set_second_factor_policy(role=Role.SPECIALIST, required=True)
    assert client.get("/api/v1/org/me").status_code == 403
    assert urlsplit(client.get("/can-bo/")["Location"]).path == ENROL_PAGE
    services.set_second_factor_policy(role=Role.SPECIALIST, required=False)
    assert client.get("/api/v1/org/me").status_code == 200


def test_a_role_assigned_that_requires_a_code_counts_from_the_next_request(
        client, official_with_role, ward):
    official = official_with_role(Role.SPECIALIST, ward)
    services.set_second_factor_policy(role=Role.LEADER, required=True)
    log_in(client, official.user)
    assert client.get("/can-bo/").status_code == 200
    services.assign_role(official=official, role=Role.LEADER, unit=ward)
    assert urlsplit(client.get("/can-bo/")["Location"]).path == ENROL_PAGE
    services.revoke_role(official=official, role=Role.LEADER, unit=ward)
    assert client.get("/can-bo/").status_code == 200


def test_an_authenticator_counts_for_citizens_and_officials_alike(client, official_with_role, ward):
    citizen = get_user_model().objects.create_user("citizen-0263", password=PASSWORD)
    assert second_factor_facts(citizen) == (False, False)
    assert not second_factor_needed(citizen)
    client.force_login(citizen)
    assert client.get("/api/v1/org/me").status_code == 200
    TOTPDevice.objects.create(user=citizen, name="TOTP", confirmed=True)  # set up on a phone
    assert second_factor_facts(fresh(citizen)) == (False, True)
    assert second_factor_needed(fresh(citizen))
    assert client.get("/api/v1/org/me").status_code == 403

    official = official_with_role(Role.COUNTER_OFFICER, ward).user
    TOTPDevice.objects.create(user=official, name="TOTP", confirmed=False)  # not confirmed yet
    assert not second_factor_needed(official)


def test_a_policy_that_does_not_require_a_code_requires_nothing(official_with_role, ward, other_ward):
    official = official_with_role(Role.LEADER, ward)
    services.assign_role(official=official, role=Role.CLERK, unit=other_ward)
    services.set_second_factor_policy(role=Role.LEADER, required=False)
    assert second_factor_facts(fresh(official.user)) == (False, False)
    services.set_second_factor_policy(role=Role.CLERK, required=True)
    assert second_factor_facts(fresh(official.user)) == (True, False)


def test_roles_read_in_one_statement_are_the_roles_the_orm_reads(official_with_role, city, ward,
                                                                  other_ward):
    """Units, their parents and grandparents come with the assignments, dates as dates,
    and the permission checks climb them without another query."""
    official = official_with_role(Role.LEADER, ward)
    services.assign_role(official=official, role=Role.AUDITOR, unit=city)
    services.assign_role(official=official, role=Role.CLERK, unit=city.parent)
    user = fresh(official.user)
    with CaptureQueriesContext(connection) as queries:
        assert roles_of(user) == {Role.LEADER, Role.AUDITOR, Role.CLERK}
        assert can(user, "documents.sign", ward) and not can(user, "documents.sign", other_ward)
        assert can(user, "audit.view", other_ward)
        assert {u.code for u in scope_units(user, "audit.view")} == {city.code}
        units = {a.unit.pk: a.unit for a in user._cqs_role_cache}
        chains = {pk: [x.pk for x in unit.ancestors()] for pk, unit in units.items()}
    assert len(queries.captured_queries) == 1
    expected = {a.pk: a for a in RoleAssignment.objects.filter(official=official)
                .select_related("unit__parent__parent")}
    for assignment in user._cqs_role_cache:
        orm = expected.pop(assignment.pk)
        assert (assignment.role, assignment.official_id, assignment.unit_id) == (
            orm.role, orm.official_id, orm.unit_id)
        for ours, theirs in ((assignment.unit, orm.unit), (assignment.unit.parent, orm.unit.parent)):
            if theirs is None:
                assert ours is None
                continue
            fields = [f.attname for f in type(theirs)._meta.concrete_fields]
            assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
            assert type(ours.valid_from) is type(theirs.valid_from)
    assert expected == {}
    assert chains[ward.pk] == [city.pk, city.parent_id]
