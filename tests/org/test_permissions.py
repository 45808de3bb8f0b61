"""Who may do what: one decision, used by pages and the API alike."""

import pytest
from django.core.exceptions import PermissionDenied

from chinhquyenso.org.models import Role
from chinhquyenso.org.permissions import can, require

pytestmark = pytest.mark.django_db


def test_a_role_covers_its_unit_and_the_units_below(official_with_role, city, ward, other_ward):
    leader = official_with_role(Role.LEADER, ward).user
    assert can(leader, "documents.sign", ward)
    assert not can(leader, "documents.sign", other_ward)
    assert not can(leader, "documents.sign", city)
    city_leader = official_with_role(Role.LEADER, city).user
    assert can(city_leader, "documents.sign", ward)
    assert can(city_leader, "documents.sign", other_ward)


def test_roles_grant_only_their_own_actions(official_with_role, ward):
    counter = official_with_role(Role.COUNTER_OFFICER, ward).user
    assert can(counter, "dossiers.receive", ward)
    assert not can(counter, "documents.sign", ward)
    assert not can(counter, "audit.view")
    with pytest.raises(PermissionDenied):
        require(counter, "audit.view")


def test_system_administrator_may_do_everything(official_with_role, city, ward):
    admin = official_with_role(Role.SYSTEM_ADMIN, city).user
    assert can(admin, "audit.view") and can(admin, "documents.sign", ward)


def test_anonymous_and_inactive_users_may_do_nothing(official_with_role, ward):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), "workspace.view")
    auditor = official_with_role(Role.AUDITOR, ward).user
    auditor.is_active = False
    assert not can(auditor, "audit.view")


def test_unknown_action_is_a_programming_error(official_with_role, ward):
    user = official_with_role(Role.AUDITOR, ward).user
    with pytest.raises(KeyError):
        can(user, "no.such.action")


def test_audit_page_and_api_apply_the_same_rule(client, official_with_role, ward):
    counter = official_with_role(Role.COUNTER_OFFICER, ward)
    auditor = official_with_role(Role.AUDITOR, ward)

    assert client.get("/kiem-toan/").status_code == 302  # to the login page
    assert client.get("/api/v1/audit").status_code == 401

    client.force_login(counter.user)
    page = client.get("/kiem-toan/")
    assert page.status_code == 403
    assert "Không được phép" in page.content.decode()
    assert client.get("/api/v1/audit").status_code == 403

    client.force_login(auditor.user)
    assert client.get("/kiem-toan/").status_code == 200
    actions = [e["action"] for e in client.get("/api/v1/audit").json()]
    assert actions[0] == "auth.login"  # newest first
    assert {"official.created", "role.assigned"} <= set(actions)


def test_audit_page_verifies_the_chain(client, official_with_role, ward):
    auditor = official_with_role(Role.AUDITOR, ward)
    client.force_login(auditor.user)
    html = client.get("/kiem-toan/?verify=1").content.decode()
    assert "Chuỗi nguyên vẹn" in html


def test_me_endpoint_shows_roles_and_scope(client, official_with_role, ward):
    official = official_with_role(Role.CLERK, ward)
    client.force_login(official.user)
    me = client.get("/api/v1/org/me").json()
    assert me["roles"] == ["clerk"] and me["scope"] == ["8707"]


def test_units_page_shows_the_scope_down_to_residential_groups(client, official_with_role, ward):
    from datetime import date

    from chinhquyenso.org import services as org

    org.create_unit(code="8707.01", name="Tổ dân phố số 1", unit_type="to_dan_pho", parent=ward,
                    valid_from=date(2019, 1, 1))
    official = official_with_role(Role.COUNTER_OFFICER, ward)
    client.force_login(official.user)
    html = client.get("/can-bo/don-vi/").content.decode()
    assert "Phường Tích Sơn" in html and "Tổ dân phố số 1" in html
    assert "Phường Liên Bảo" not in html
    assert "01/12/2006" in html  # dates as dd/mm/yyyy


def test_holders_lists_the_staff_a_unit_can_call_on(official_with_role, city, ward, other_ward,
                                                    django_assert_max_num_queries):
    from chinhquyenso.org.permissions import holders

    here = official_with_role(Role.SPECIALIST, ward).user
    at_city = official_with_role(Role.SPECIALIST, city).user
    official_with_role(Role.SPECIALIST, other_ward)
    official_with_role(Role.COUNTER_OFFICER, ward)
    official_with_role(Role.SYSTEM_ADMIN, city)
    with django_assert_max_num_queries(3):
        found = set(holders("dossiers.process", ward))
    assert found == {here, at_city}
    assert all(can(u, "dossiers.process", ward) for u in found)
