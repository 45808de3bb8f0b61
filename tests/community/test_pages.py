"""The community pages as team members and officials use them, their Excel exports and
the sync API of the members' phones (fixtures in tests/community/conftest.py)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from chinhquyenso.community import rosters, services
from chinhquyenso.community.models import Activity, Member
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/community/activities"


def today():
    return timezone.localdate()


def record(user, **kwargs):
    values = {"day": today(), "category": "vneid_l2", "people_reached": 3, **kwargs}
    return services.record_activity(actor=user, **values)


def sheet_of(response):
    """The first sheet of an .xlsx response, as lists of values."""
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    data = response.content
    assert data[:2] == b"PK"
    return [list(row) for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def city_leader(city):
    return OfficialFactory(roles=[(Role.LEADER, city)]).user


@pytest.fixture
def counter_officer(ward):
    return OfficialFactory(roles=[(Role.COUNTER_OFFICER, ward)]).user


# --- overview ---------------------------------------------------------------------------

def test_a_member_sees_their_team_and_the_record_button(client, member_user, team):
    client.force_login(member_user)
    response = client.get("/cong-dong/")
    html = response.content.decode()
    assert response.status_code == 200
    assert team.name in html
    assert 'href="/cong-dong/ghi-nhan/"' in html and "big-action" in html
    assert "data-community-queue" in html  # the phone's queue is sent from here too
    assert 'data-ward="' not in html and "data-public" not in html  # no coverage for a member


def test_officials_see_the_coverage_of_their_wards(client, ward_admin, team, groups, ward, other_group):
    client.force_login(ward_admin)
    html = client.get("/cong-dong/").content.decode()
    assert f'data-ward="{ward.code}"' in html
    assert f'href="/cong-dong/phuong/{ward.code}/"' in html
    assert groups[1].name in html and groups[2].name in html  # groups without a team
    assert f'data-ward="{other_group.parent.code}"' not in html  # another ward: not in scope
    assert 'href="/cong-dong/duyet/"' in html and 'href="/cong-dong/nhap-danh-sach/"' in html


def test_others_see_what_the_teams_do(client, counter_officer, team, ward):
    """The overview is in the main navigation: anyone else gets the explanation only."""
    response = client.get("/cong-dong/")
    html = response.content.decode()
    assert response.status_code == 200 and "data-public" in html
    assert 'href="/dang-nhap/?next=/cong-dong/"' in html
    client.force_login(counter_officer)
    html = client.get("/cong-dong/").content.decode()
    assert "data-public" in html and team.name not in html and f'data-ward="{ward.code}"' not in html
    for page in ("ghi-nhan/", f"doi/{team.pk}/", f"phuong/{ward.code}/", "thanh-pho/", "duyet/",
                 "nhap-danh-sach/"):
        assert client.get(f"/cong-dong/{page}").status_code == 403, page


# --- recording ---------------------------------------------------------------------------

def test_the_record_form_is_ready_for_a_phone(client, member_user):
    client.force_login(member_user)
    response = client.get("/cong-dong/ghi-nhan/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="day" type="date" required value="{today().isoformat()}"' in html
    assert 'inputmode="numeric"' in html
    assert html.count('type="radio" name="category"') == 7
    assert "community/offline.js" in html and 'id="community-queue-text"' in html


def test_a_member_records_an_activity_through_the_form(client, member_user, team):
    client.force_login(member_user)
    key = str(uuid.uuid4())
    form = {"day": today().isoformat(), "category": "vneid_l2", "people_reached": "4",
            "place": "Nhà văn hóa TDP 1", "note": "", "client_uuid": key}
    response = client.post("/cong-dong/ghi-nhan/", form)
    assert response.status_code == 302 and response["Location"] == "/cong-dong/ghi-nhan/"
    activity = Activity.objects.get()
    assert (activity.team, activity.people_reached, str(activity.client_uuid)) == (team, 4, key)
    assert activity.status == Activity.Status.RECORDED
    client.post("/cong-dong/ghi-nhan/", form)  # sent twice: still one
    assert Activity.objects.count() == 1
    # the page's script posts with a header and gets JSON back
    response = client.post("/cong-dong/ghi-nhan/", {**form, "client_uuid": str(uuid.uuid4())},
                           headers={"X-Offline-Form": "1"})
    assert response.status_code == 201 and response.json()["next"] == "/cong-dong/ghi-nhan/"
    assert Activity.objects.count() == 2


def test_form_errors_are_shown_and_nothing_is_recorded(client, member_user):
    client.force_login(member_user)
    response = client.post("/cong-dong/ghi-nhan/", {
        "day": (today() + timedelta(days=2)).isoformat(), "category": "nonsense", "people_reached": "0"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html and 'class="field-error"' in html
    assert not Activity.objects.exists()


def test_only_members_record(client, ward_admin):
    client.force_login(ward_admin)
    assert client.get("/cong-dong/ghi-nhan/").status_code == 403
    client.logout()
    assert client.post("/cong-dong/ghi-nhan/", {}, headers={"X-Offline-Form": "1"}).status_code == 401


# --- team, ward and city -----------------------------------------------------------------

def test_team_page_with_members_trainings_and_activities(client, member_user, leader, team, ward_admin,
                                                         other_admin):
    services.record_training(member_id=leader.pk, course="Kỹ năng số cơ bản",
                             completed_on=today() - timedelta(days=3), actor=ward_admin)
    activity = record(member_user, place="Chợ Tích Sơn")
    services.confirm_activity(activity_id=activity.pk, actor=ward_admin)
    client.force_login(member_user)
    response = client.get(f"/cong-dong/doi/{team.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert leader.full_name in html and "Kỹ năng số cơ bản" in html and "Chợ Tích Sơn" in html
    assert 'data-figure="households_reached">3<' in html and 'data-figure="members">2<' in html
    assert "<svg" in html
    client.force_login(other_admin)
    assert client.get(f"/cong-dong/doi/{team.pk}/").status_code == 403


def test_team_exports(client, member_user, leader, team, ward_admin):
    record(member_user, place="Chợ Tích Sơn")
    client.force_login(ward_admin)
    rows = sheet_of(client.get(f"/cong-dong/doi/{team.pk}/?export=activities"))
    assert len(rows) == 2 and "Chợ Tích Sơn" in rows[1]
    rows = sheet_of(client.get(f"/cong-dong/doi/{team.pk}/?export=roster"))
    assert rows[0][: len(rosters.ROSTER_HEADERS)] == list(rosters.ROSTER_HEADERS)
    assert {r[1] for r in rows[1:]} == {leader.full_name, "Nguyễn Thị Hoa"}
    rows = sheet_of(client.get(f"/cong-dong/doi/{team.pk}/?xlsx=members"))
    assert len(rows[0]) == 6 and {r[0] for r in rows[1:]} == {leader.full_name, "Nguyễn Thị Hoa"}
    client.force_login(member_user)  # phone numbers are for the ward's officials
    assert client.get(f"/cong-dong/doi/{team.pk}/?export=roster").status_code == 403


def test_ward_page_ranks_its_teams(client, ward, team, second_team, member_user, ward_leader,
                                   ward_admin, other_admin):
    services.confirm_activity(activity_id=record(member_user, people_reached=7).pk, actor=ward_leader)
    client.force_login(ward_leader)
    response = client.get(f"/cong-dong/phuong/{ward.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(team.name) < html.index(second_team.name)
    assert f'href="/cong-dong/doi/{team.pk}/' in html
    rows = sheet_of(client.get(f"/cong-dong/phuong/{ward.code}/?xlsx=ranking"))
    assert len(rows[0]) == 7
    assert rows[1][:2] == [1, team.name] and rows[1][5] == 7 and rows[2][1] == second_team.name
    rows = sheet_of(client.get(f"/cong-dong/phuong/{ward.code}/?xlsx=by-category"))
    assert rows[-1][1:] == [1, 7]  # the total row
    assert client.get(f"/cong-dong/phuong/{ward.code}/?xlsx=nonsense").status_code == 404
    client.force_login(other_admin)
    assert client.get(f"/cong-dong/phuong/{ward.code}/").status_code == 403
    assert client.get("/cong-dong/phuong/0000/").status_code == 404


def test_city_dashboard_with_period_filter(client, city, ward, team, member_user, ward_leader, city_leader):
    services.confirm_activity(activity_id=record(member_user, people_reached=5).pk, actor=ward_leader)
    client.force_login(city_leader)
    response = client.get("/cong-dong/thanh-pho/")
    html = response.content.decode()
    assert response.status_code == 200
    assert city.name in html and 'data-figure="households_reached">5<' in html
    assert 'data-figure="accounts_activated">5<' in html
    assert '<svg class="chart"' in html and "<rect" in html
    assert f'value="01/01/{today().year}"' in html  # this year by default, as dd/mm/yyyy
    last_year = today().year - 1
    html = client.get(f"/cong-dong/thanh-pho/?from=01/01/{last_year}&to=31/12/{last_year}").content.decode()
    assert 'data-figure="households_reached">0<' in html
    rows = sheet_of(client.get("/cong-dong/thanh-pho/?xlsx=coverage"))
    assert rows[1][:4] == [ward.name, 3, 1, 2]
    rows = sheet_of(client.get("/cong-dong/thanh-pho/?xlsx=by-month"))
    assert len(rows) == 13  # the header and the 12 months of this year
    client.force_login(ward_leader)
    assert client.get("/cong-dong/thanh-pho/").status_code == 403


# --- review ------------------------------------------------------------------------------

def test_ward_officials_confirm_and_reject_with_htmx(client, member_user, ward_leader):
    first, second = record(member_user), record(member_user, category="payment")
    client.force_login(ward_leader)
    html = client.get("/cong-dong/duyet/").content.decode()
    assert f'id="activity-{first.pk}"' in html and f'id="activity-{second.pk}"' in html
    assert f'hx-post="/cong-dong/duyet/{first.pk}/confirm/"' in html

    response = client.post(f"/cong-dong/duyet/{first.pk}/confirm/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="activity-{first.pk}"') and "status-confirmed" in row
    first.refresh_from_db()
    assert first.status == Activity.Status.CONFIRMED and first.reviewed_by == ward_leader

    response = client.post(f"/cong-dong/duyet/{second.pk}/reject/", {"reason": ""},
                           headers={"HX-Request": "true"})
    assert 'role="alert"' in response.content.decode()  # a reason is needed
    second.refresh_from_db()
    assert second.status == Activity.Status.RECORDED
    response = client.post(f"/cong-dong/duyet/{second.pk}/reject/", {"reason": "Trùng với hoạt động khác"},
                           headers={"HX-Request": "true"})
    assert "status-rejected" in response.content.decode()
    second.refresh_from_db()
    assert (second.status, second.review_note) == (Activity.Status.REJECTED, "Trùng với hoạt động khác")
    html = client.get("/cong-dong/duyet/?status=rejected").content.decode()
    assert "Trùng với hoạt động khác" in html


def test_review_without_htmx_and_out_of_scope(client, member_user, ward_admin, other_leader):
    activity = record(member_user)
    client.force_login(other_leader)  # another ward's leader does not see it
    assert f'id="activity-{activity.pk}"' not in client.get("/cong-dong/duyet/").content.decode()
    assert client.post(f"/cong-dong/duyet/{activity.pk}/confirm/").status_code == 404
    client.force_login(member_user)
    assert client.get("/cong-dong/duyet/").status_code == 403
    client.force_login(ward_admin)
    response = client.post(f"/cong-dong/duyet/{activity.pk}/confirm/")
    assert response.status_code == 302 and response["Location"] == "/cong-dong/duyet/"
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CONFIRMED


# --- roster import -----------------------------------------------------------------------

def roster(*rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rosters.ROSTER_HEADERS))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "danh-sach.xlsx"
    return buffer


def test_import_lists_each_bad_row_and_imports_nothing(client, ward, team, groups, ward_admin):
    client.force_login(ward_admin)
    assert client.get("/cong-dong/nhap-danh-sach/").status_code == 200
    upload = roster((1, "Lê Văn Một", "0912000111", groups[0].name, "Thành viên"),
                    (2, "", "0912000222", groups[0].name, "Thành viên"),
                    (3, "Lê Văn Ba", "12345", groups[2].name, "Chủ tịch"))
    response = client.post("/cong-dong/nhap-danh-sach/", {"ward": ward.pk, "file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-row="3"' in html and 'data-row="4"' in html and 'data-row="2"' not in html
    assert not Member.objects.filter(full_name="Lê Văn Một").exists()

    upload = roster((1, "Lê Văn Một", "0912000111", groups[0].name, "Thành viên"))
    response = client.post("/cong-dong/nhap-danh-sach/", {"ward": ward.pk, "file": upload})
    assert response.status_code == 302
    assert Member.objects.get(full_name="Lê Văn Một").team == team


def test_roster_template_and_import_permission(client, ward, ward_admin, ward_leader):
    client.force_login(ward_admin)
    rows = sheet_of(client.get(f"/cong-dong/nhap-danh-sach/mau/?ward={ward.pk}"))
    assert rows[0] == list(rosters.ROSTER_HEADERS)
    client.force_login(ward_leader)
    assert client.get("/cong-dong/nhap-danh-sach/").status_code == 403


# --- the sync API ------------------------------------------------------------------------

def post_json(client, body):
    return client.post(API, json.dumps(body), content_type="application/json")


def test_the_sync_api_stores_an_activity_once(client, member_user, team):
    client.force_login(member_user)
    body = {"client_uuid": str(uuid.uuid4()), "day": today().isoformat(), "category": "vneid_l1",
            "people_reached": 2, "place": "TDP 1", "note": "Offline"}
    first = post_json(client, body)
    assert first.status_code == 201, first.content
    again = post_json(client, body)
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and again.json()["client_uuid"] == body["client_uuid"]
    activity = Activity.objects.get()
    assert (activity.team, activity.people_reached, activity.place) == (team, 2, "TDP 1")


def test_the_sync_api_refuses_bad_input_and_non_members(client, member_user, ward_admin):
    assert post_json(client, {}).status_code == 401
    client.force_login(member_user)
    response = post_json(client, {"client_uuid": "not-a-uuid", "day": "hôm qua", "category": "vneid_l1",
                                  "people_reached": 2})
    assert response.status_code == 400 and response.json()["errors"]
    response = post_json(client, {"client_uuid": str(uuid.uuid4()), "day": today().isoformat(),
                                  "category": "dancing", "people_reached": [2]})
    assert response.status_code == 400 and "category" in response.json()["errors"]
    client.force_login(ward_admin)
    response = post_json(client, {"client_uuid": str(uuid.uuid4()), "day": today().isoformat(),
                                  "category": "vneid_l1", "people_reached": 2})
    assert response.status_code == 403
    assert not Activity.objects.exists()
