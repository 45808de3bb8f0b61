"""Teams, members, trainings and activities: every rule of community.services."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chinhquyenso.community import services
from chinhquyenso.community.models import Activity, Member, Team, Training
from chinhquyenso.core.models import AuditEntry
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory

from .conftest import DECISION_DAY, make_group

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def record(user, **kwargs):
    values = {"day": today(), "category": "vneid_l2", "people_reached": 3, **kwargs}
    return services.record_activity(actor=user, **values)


# --- teams ------------------------------------------------------------------------------

def test_a_ward_decision_creates_the_team_of_a_group(team, groups, ward_admin):
    assert team.group == groups[0] and team.decision_number == "125/QĐ-UBND"
    assert team.decision_date == DECISION_DAY and team.is_active
    entry = AuditEntry.objects.get(action="community.team_created")
    assert entry.actor == ward_admin and entry.object_id == str(team.pk)


def test_one_team_per_group(team, groups, make_team):
    with pytest.raises(ValidationError, match="already has a team"):
        make_team(groups[0], name="Tổ thứ hai")
    assert Team.objects.filter(group=groups[0]).count() == 1


def test_a_team_belongs_to_a_group_not_to_a_ward(ward, make_team):
    with pytest.raises(ValidationError, match="residential group or a village"):
        make_team(ward)


def test_a_village_may_have_a_team(ward, make_team):
    village = make_group(ward, 9, unit_type="thon")
    assert make_team(village).group == village


@pytest.mark.parametrize("field, value, message", [
    ("decision_number", " ", "decision number"),
    ("decision_signer", "", "signer"),
    ("name", "", "team name"),
    ("decision_date", None, "date of the decision"),
])
def test_a_team_needs_its_decision(groups, make_team, field, value, message):
    with pytest.raises(ValidationError, match=message):
        make_team(groups[0], **{field: value})
    assert not Team.objects.exists()


def test_a_decision_is_not_dated_in_the_future(groups, make_team):
    with pytest.raises(ValidationError, match="future"):
        make_team(groups[0], decision_date=today() + timedelta(days=1))


def test_only_the_wards_administrator_creates_its_teams(groups, other_group, make_team,
                                                        other_admin, ward_leader, member_account):
    with pytest.raises(PermissionDenied):
        make_team(groups[0], actor=other_admin)
    with pytest.raises(PermissionDenied):
        make_team(groups[0], actor=ward_leader)
    with pytest.raises(PermissionDenied):
        make_team(groups[0], actor=member_account())
    assert make_team(other_group, actor=other_admin).group == other_group
    assert not Team.objects.filter(group=groups[0]).exists()


def test_a_city_administrator_creates_teams_in_every_ward(city, groups, make_team):
    admin = OfficialFactory(roles=[(Role.UNIT_ADMIN, city)]).user
    assert make_team(groups[0], actor=admin)


# --- members ----------------------------------------------------------------------------

def test_add_a_member(team, ward_admin):
    m = services.add_member(team=team, full_name="  Lê   Thị Thu ", phone="+84 912 000 111",
                            organisation="Hội Phụ nữ", skills="Thanh toán điện tử",
                            joined_on=date(2024, 4, 1), actor=ward_admin)
    assert m.full_name == "Lê Thị Thu" and m.phone == "0912000111" and m.role == "member"
    assert m.is_active and m.joined_on == date(2024, 4, 1)
    entry = AuditEntry.objects.get(action="community.member_added")
    assert "0912000111" not in str(entry.after)  # no phone number in the audit log
    assert entry.after["full_name"] == "Lê Thị Thu"


def test_a_member_joins_today_by_default(team, ward_admin):
    m = services.add_member(team=team, full_name="Lê Văn Nam", actor=ward_admin)
    assert m.joined_on == today() and m.phone == ""


def test_one_leader_per_team(team, leader, ward_admin):
    with pytest.raises(ValidationError, match="already has a leader, Đặng Văn Tuấn"):
        services.add_member(team=team, full_name="Trần Văn Hùng", role="leader", actor=ward_admin)
    deputy = services.add_member(team=team, full_name="Trần Văn Hùng", role="deputy",
                                 actor=ward_admin)
    assert deputy.role == "deputy"
    assert Member.objects.filter(team=team, role="leader").count() == 1


def test_another_team_has_its_own_leader(leader, second_team, ward_admin):
    other = services.add_member(team=second_team, full_name="Phạm Văn Long", role="leader",
                                actor=ward_admin)
    assert other.role == "leader"


@pytest.mark.parametrize("kwargs, message", [
    ({"full_name": " "}, "full name"),
    ({"phone": "12345"}, "Vietnamese phone number"),
    ({"phone": "0912 345"}, "Vietnamese phone number"),
    ({"role": "boss"}, "role"),
    ({"joined_on": date.today() + timedelta(days=5)}, "future"),
    ({"organisation": "x" * 101}, "too long"),
])
def test_bad_members_are_refused(team, ward_admin, kwargs, message):
    values = {"full_name": "Lê Văn Nam", **kwargs}
    with pytest.raises(ValidationError, match=message):
        services.add_member(team=team, actor=ward_admin, **values)
    assert not Member.objects.exists()


def test_an_account_belongs_to_one_member(team, member_user, ward_admin):
    with pytest.raises(ValidationError, match="already belongs to Nguyễn Thị Hoa"):
        services.add_member(team=team, full_name="Người khác", user=member_user, actor=ward_admin)


def test_members_are_managed_only_in_the_administrators_ward(team, other_admin, member_user):
    with pytest.raises(PermissionDenied):
        services.add_member(team=team, full_name="Lê Văn Nam", actor=other_admin)
    with pytest.raises(PermissionDenied):
        services.add_member(team=team, full_name="Lê Văn Nam", actor=member_user)


def test_change_the_leader(team, leader, ward_admin):
    deputy = services.add_member(team=team, full_name="Trần Văn Hùng", role="deputy",
                                 actor=ward_admin)
    with pytest.raises(ValidationError, match="already has a leader"):
        services.change_member_role(member_id=deputy.pk, role="leader", actor=ward_admin)
    services.change_member_role(member_id=leader.pk, role="member", actor=ward_admin)
    services.change_member_role(member_id=deputy.pk, role="leader", actor=ward_admin)
    assert Member.objects.get(team=team, role="leader") == deputy
    assert AuditEntry.objects.filter(action="community.member_role_changed").count() == 2


def test_a_leader_who_leaves_frees_the_place(team, leader, ward_admin, other_admin):
    with pytest.raises(PermissionDenied):
        services.deactivate_member(member_id=leader.pk, actor=other_admin)
    services.deactivate_member(member_id=leader.pk, actor=ward_admin, reason="Chuyển công tác")
    leader.refresh_from_db()
    assert not leader.is_active
    with pytest.raises(ValidationError, match="already inactive"):
        services.deactivate_member(member_id=leader.pk, actor=ward_admin)
    with pytest.raises(ValidationError, match="no longer an active member"):
        services.change_member_role(member_id=leader.pk, role="leader", actor=ward_admin)
    new = services.add_member(team=team, full_name="Trần Văn Hùng", role="leader", actor=ward_admin)
    assert new.role == "leader"


def test_link_an_account(team, leader, ward_admin, member_account):
    user = member_account()
    services.link_member_account(member_id=leader.pk, user=user, actor=ward_admin)
    assert services.member_of(user) == leader
    services.link_member_account(member_id=leader.pk, user=None, actor=ward_admin)
    assert services.member_of(user) is None


def test_record_a_training(leader, ward_admin, other_admin):
    t = services.record_training(member_id=leader.pk, course="Kỹ năng số cơ bản",
                                 completed_on=date(2025, 5, 20), certificate="KNS-2025-001",
                                 actor=ward_admin)
    assert t.member == leader and t.certificate == "KNS-2025-001"
    assert AuditEntry.objects.filter(action="community.training_recorded").count() == 1
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_training(member_id=leader.pk, course="Kỹ năng số cơ bản",
                                 completed_on=date(2025, 5, 20), actor=ward_admin)
    with pytest.raises(ValidationError, match="future"):
        services.record_training(member_id=leader.pk, course="Khác",
                                 completed_on=today() + timedelta(days=1), actor=ward_admin)
    with pytest.raises(ValidationError, match="course"):
        services.record_training(member_id=leader.pk, course="", completed_on=date(2025, 1, 1),
                                 actor=ward_admin)
    with pytest.raises(PermissionDenied):
        services.record_training(member_id=leader.pk, course="Khác",
                                 completed_on=date(2025, 1, 1), actor=other_admin)
    assert Training.objects.count() == 1


# --- recording activities ----------------------------------------------------------------

def test_a_member_records_an_activity(team, member_user):
    a = record(member_user, category="payment", people_reached=4, place=" Nhà văn hóa ",
               note="Mở tài khoản cho 4 hộ")
    assert a.just_created and a.status == Activity.Status.RECORDED
    assert a.team == team and a.member.user == member_user and a.people_reached == 4
    assert a.place == "Nhà văn hóa" and a.day == today()
    entry = AuditEntry.objects.get(action="community.activity_recorded")
    assert entry.actor == member_user and entry.object_id == str(a.pk)


def test_a_member_records_only_for_their_own_team(team, second_team, member_user):
    with pytest.raises(PermissionDenied, match="own team"):
        record(member_user, team=second_team)
    assert record(member_user, team=team).team == team
    assert Activity.objects.count() == 1


def test_only_team_members_with_the_role_record(team, ward_admin, ward_leader, member_account):
    with pytest.raises(PermissionDenied):
        record(member_account())              # the role, but no team membership
    with pytest.raises(PermissionDenied):
        record(ward_admin)                    # an official, not a member
    no_role = OfficialFactory(roles=[(Role.SPECIALIST, team.group.parent)]).user
    services.add_member(team=team, full_name="Không vai trò", user=no_role, actor=ward_admin)
    with pytest.raises(PermissionDenied):
        record(no_role)                       # a member, but without the role
    assert not Activity.objects.exists()


def test_a_member_of_another_wards_team_with_a_role_here_only(
        other_group, other_admin, member_account):
    """A member whose community role is for another ward cannot record for this team."""
    other_team = services.create_team(group=other_group, name="Tổ LB 1", decision_number="1/QĐ",
                                      decision_date=DECISION_DAY, decision_signer="X",
                                      actor=other_admin)
    user = member_account()  # community_member of `ward`, not of the other ward
    services.add_member(team=other_team, full_name="Lạc Đường", user=user, actor=other_admin)
    with pytest.raises(PermissionDenied):
        record(user)


def test_a_member_who_left_no_longer_records(member_user, ward_admin):
    services.deactivate_member(member_id=services.member_of(member_user).pk, actor=ward_admin)
    with pytest.raises(PermissionDenied):
        record(member_user)


@pytest.mark.parametrize("kwargs, message", [
    ({"day": date.today() + timedelta(days=2)}, "future"),
    ({"day": date.today() - timedelta(days=services.ACTIVITY_MAX_AGE_DAYS + 2)}, "too far back"),
    ({"people_reached": 0}, "from 1 to 1000"),
    ({"people_reached": 1001}, "from 1 to 1000"),
    ({"people_reached": "nhiều"}, "from 1 to 1000"),
    ({"category": "party"}, "Choose what the activity was"),
    ({"note": "x" * 501}, "too long"),
    ({"client_uuid": "not-a-uuid"}, "not a valid UUID"),
])
def test_bad_activities_are_refused(member_user, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        record(member_user, **kwargs)
    assert not Activity.objects.exists()


def test_the_oldest_day_allowed(member_user):
    oldest = today() - timedelta(days=services.ACTIVITY_MAX_AGE_DAYS)
    assert record(member_user, day=oldest).day == oldest


def test_a_resent_activity_is_recorded_once(member_user):
    key = uuid.uuid4()
    first = record(member_user, client_uuid=key)
    again = record(member_user, client_uuid=str(key), people_reached=9)  # the phone resends
    assert first.just_created and not again.just_created
    assert again.pk == first.pk and again.people_reached == 3
    assert Activity.objects.count() == 1
    assert AuditEntry.objects.filter(action="community.activity_recorded").count() == 1


def test_a_client_key_is_not_shared_between_members(team, member_user, ward_admin,
                                                    member_account):
    key = uuid.uuid4()
    record(member_user, client_uuid=key)
    other = member_account()
    services.add_member(team=team, full_name="Lê Văn Nam", user=other, actor=ward_admin)
    with pytest.raises(ValidationError, match="another member"):
        record(other, client_uuid=key)
    assert Activity.objects.count() == 1


# --- confirming -------------------------------------------------------------------------

def test_a_ward_official_confirms(member_user, ward_leader, ward_admin):
    a = record(member_user)
    done = services.confirm_activity(activity_id=a.pk, actor=ward_leader)
    assert done.status == Activity.Status.CONFIRMED and done.reviewed_by == ward_leader
    assert done.reviewed_at is not None
    b = record(member_user)
    assert services.confirm_activity(activity_id=b.pk, actor=ward_admin).status == "confirmed"
    entry = AuditEntry.objects.filter(action="community.activity_confirmed").first()
    assert entry.before == {"status": "recorded"} and entry.after["status"] == "confirmed"


def test_a_ward_official_confirms_only_in_their_ward(member_user, other_leader, other_admin):
    a = record(member_user)
    for official in (other_leader, other_admin):
        with pytest.raises(PermissionDenied):
            services.confirm_activity(activity_id=a.pk, actor=official)
        with pytest.raises(PermissionDenied):
            services.reject_activity(activity_id=a.pk, actor=official, reason="Không rõ")
    a.refresh_from_db()
    assert a.status == Activity.Status.RECORDED


def test_members_and_other_roles_do_not_confirm(member_user, ward, member_account):
    a = record(member_user)
    for user in (member_user, member_account(),
                 OfficialFactory(roles=[(Role.COUNTER_OFFICER, ward)]).user):
        with pytest.raises(PermissionDenied):
            services.confirm_activity(activity_id=a.pk, actor=user)


def test_a_city_leader_confirms_in_every_ward(member_user, city):
    a = record(member_user)
    leader = OfficialFactory(roles=[(Role.LEADER, city)]).user
    assert services.confirm_activity(activity_id=a.pk, actor=leader).status == "confirmed"


def test_reject_with_a_reason(member_user, ward_leader):
    a = record(member_user)
    with pytest.raises(ValidationError, match="Say why"):
        services.reject_activity(activity_id=a.pk, actor=ward_leader, reason="  ")
    done = services.reject_activity(activity_id=a.pk, actor=ward_leader, reason="Trùng hoạt động")
    assert done.status == Activity.Status.REJECTED and done.review_note == "Trùng hoạt động"


def test_only_recorded_activities_are_reviewed(member_user, ward_leader):
    a = record(member_user)
    services.confirm_activity(activity_id=a.pk, actor=ward_leader)
    with pytest.raises(ValidationError, match="already"):
        services.confirm_activity(activity_id=a.pk, actor=ward_leader)
    with pytest.raises(ValidationError, match="already"):
        services.reject_activity(activity_id=a.pk, actor=ward_leader, reason="Sai")
    b = record(member_user)
    services.reject_activity(activity_id=b.pk, actor=ward_leader, reason="Sai")
    with pytest.raises(ValidationError, match="already"):
        services.confirm_activity(activity_id=b.pk, actor=ward_leader)
    with pytest.raises(ValidationError, match="does not exist"):
        services.confirm_activity(activity_id=999_999, actor=ward_leader)


def test_nobody_reviews_their_own_activity(team, ward, ward_admin):
    both = OfficialFactory(roles=[(Role.COMMUNITY_MEMBER, ward), (Role.LEADER, ward)]).user
    services.add_member(team=team, full_name="Hai Vai", user=both, actor=ward_admin)
    a = record(both)
    with pytest.raises(PermissionDenied, match="yourself"):
        services.confirm_activity(activity_id=a.pk, actor=both)


# --- dossiers submitted for a citizen ------------------------------------------------------

def test_an_assisted_dossier_is_the_members_activity(birth, submit, team, member_user):
    dossier = submit(birth, by=member_user, citizen_consent=True)
    a = Activity.objects.get(dossier=dossier)
    assert a.team == team and a.member == services.member_of(member_user)
    assert a.category == "dossier" and a.people_reached == 1
    assert a.status == Activity.Status.CONFIRMED  # the dossier is its own evidence
    assert a.day == timezone.localdate(dossier.submitted_at)
    assert dossier.assistance_consent and dossier.assisted_by == member_user
    assert AuditEntry.objects.filter(action="community.dossier_linked").count() == 1
    # idempotent
    assert services.link_assisted_dossier(dossier) == a
    assert Activity.objects.filter(dossier=dossier).count() == 1


def test_without_consent_nothing_is_submitted_nor_counted(birth, submit, member_user):
    with pytest.raises(ValidationError, match="consent"):
        submit(birth, by=member_user)
    assert not Activity.objects.exists()


def test_dossiers_not_helped_by_a_member_are_not_activities(birth, submit, citizen, ward,
                                                            ward_pc, member_account):
    own = submit(birth)                                            # the citizen themself
    role_only = submit(birth, by=member_account(), citizen_consent=True)  # no team
    counter = OfficialFactory(agency=ward_pc, roles=[(Role.COUNTER_OFFICER, ward)]).user
    at_counter = submit(birth, by=counter, citizen_consent=True)
    assert role_only.assisted_by is not None and at_counter.assisted_by == counter
    assert not Activity.objects.exists()
    for d in (own, role_only, at_counter):
        assert services.link_assisted_dossier(d) is None


def test_the_number_reached_may_come_from_a_form(member_user):
    assert record(member_user, people_reached=" 12 ").people_reached == 12
    with pytest.raises(ValidationError, match="from 1 to 1000"):
        record(member_user, people_reached=2.5)
    with pytest.raises(ValidationError, match="from 1 to 1000"):
        record(member_user, people_reached=True)


def test_confirming_and_rejecting_keep_the_indicators_counts(member_user, team, ward_leader):
    from chinhquyenso.indicators import record_tallies
    from chinhquyenso.indicators.models import RecordSource, RecordTally

    def kept():
        return sorted(RecordTally.objects.exclude(total=0).values_list("unit_id", "month", "source", "key", "total"))

    a = record(member_user, people_reached=3)
    b = record(member_user, category="explain", people_reached=20)
    assert kept() == []  # awaiting confirmation: counts nowhere
    services.confirm_activity(activity_id=a.pk, actor=ward_leader)
    services.reject_activity(activity_id=b.pk, actor=ward_leader, reason="Trùng buổi đã ghi")
    month = today().replace(day=1)
    member = a.member_id
    assert kept() == [(team.group_id, month, RecordSource.ACTIVITIES, "accounts", 3),
                      (team.group_id, month, RecordSource.ACTIVITIES, f"member:{member}", 1),
                      (team.group_id, month, RecordSource.ACTIVITIES, "people", 3)]
    before = kept()
    record_tallies.rebuild()
    assert kept() == before
