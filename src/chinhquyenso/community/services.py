"""Every change to community digital technology teams, their members, trainings and
activities. Each function checks the actor's right (org.permissions, PermissionDenied →
HTTP 403), validates (ValidationError with a message for the user → HTTP 400), changes
the data in one transaction and writes the audit log in that same transaction.

Who may do what (the unit checked is the team's residential group, so a role held for
the ward or the city covers it):

    create_team, add_member, change_member_role, deactivate_member,
    link_member_account, record_training            "community.manage"  (unit_admin)
    record_activity                                 "community.record"  (community_member)
                                                    + an active Member linked to the user,
                                                      for their own team only
    confirm_activity, reject_activity               "community.confirm" (unit_admin, leader)
    link_assisted_dossier                           called by dossiers.services.submit_dossier

Signatures (all keyword-only):

    create_team(*, group, name, decision_number, decision_date, decision_signer, actor) -> Team
    add_member(*, team, full_name, phone="", role="member", organisation="", skills="",
               joined_on=None, user=None, actor) -> Member
    change_member_role(*, member_id, role, actor) -> Member
    deactivate_member(*, member_id, actor, reason="") -> Member
    link_member_account(*, member_id, user, actor) -> Member     (user=None unlinks)
    record_training(*, member_id, course, completed_on, certificate="", actor) -> Training
    record_activity(*, actor, day, category, people_reached, place="", note="",
                    client_uuid=None, team=None) -> Activity     (.just_created: bool)
    confirm_activity(*, activity_id, actor, note="") -> Activity
    reject_activity(*, activity_id, actor, reason) -> Activity
    link_assisted_dossier(dossier) -> Activity | None
    member_of(user) -> Member | None
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyenso.core.services import record_audit
from chinhquyenso.indicators import record_tallies
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel
from chinhquyenso.org.permissions import require

from .models import Activity, ActivityCategory, Member, MemberRole, Team, Training

# An activity is recorded on the day or soon after (offline phones resend later), never
# for a day in the future nor more than this many days back.
ACTIVITY_MAX_AGE_DAYS = 60
PEOPLE_REACHED_MAX = 1000

# Vietnamese phone numbers: 10 digits for a mobile, 11 for a landline, starting with 0.
PHONE_RE = re.compile(r"^0[1-9][0-9]{8,9}$")


# --- helpers -------------------------------------------------------------------------------

def normalize_phone(value) -> str:
    """A phone number as typed or as read from Excel, reduced to its digits with the
    leading 0: "0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678" and the
    number 912345678 (Excel drops the leading zero) all give "0912345678". Returns ""
    for an empty value; does not validate (see PHONE_RE)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s.\-()/]", "", str(value).strip())
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    elif text.isdigit() and len(text) in (9, 10) and not text.startswith("0"):
        text = "0" + text
    return text


def _clean_phone(value) -> str:
    phone = normalize_phone(value)
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": [
            _("Enter a Vietnamese phone number: 10 digits for a mobile (e.g. 0912345678) or "
              "11 digits for a landline, starting with 0.")]})
    return phone


def _text(value, *, field: str, max_length: int, missing: str | None = None) -> str:
    """The text with its whitespace runs collapsed; `missing` is the message when it is
    required and empty."""
    text = " ".join(str(value or "").split())
    if missing is not None and not text:
        raise ValidationError({field: [missing]})
    if len(text) > max_length:
        raise ValidationError({field: [
            _("This text is too long: at most %(max)d characters.") % {"max": max_length}]})
    return text


def _today() -> date:
    return timezone.localdate()


def _not_future(day: date | None, *, field: str) -> None:
    if day is not None and day > _today():
        raise ValidationError({field: [_("The date cannot be in the future.")]})


def _role(value: str) -> str:
    if value not in MemberRole.values:
        raise ValidationError({"role": [_("Choose the member's role: team leader, deputy leader "
                                          "or member.")]})
    return value


def _lock_member(member_id: int) -> Member:
    try:
        return (Member.objects.select_for_update(of=("self",))
                .select_related("team__group__parent__parent").get(pk=member_id))
    except Member.DoesNotExist as exc:
        raise ValidationError(_("This team member does not exist.")) from exc


def _current_leader(team: Team, *, exclude_pk: int | None = None) -> Member | None:
    leaders = Member.objects.filter(team=team, role=MemberRole.LEADER, is_active=True)
    if exclude_pk is not None:
        leaders = leaders.exclude(pk=exclude_pk)
    return leaders.first()


def _refuse_second_leader(team: Team, *, exclude_pk: int | None = None) -> None:
    leader = _current_leader(team, exclude_pk=exclude_pk)
    if leader is not None:
        raise ValidationError({"role": [
            _("The team already has a leader, %(name)s. A team has one leader: change "
              "%(name)s's role first.") % {"name": leader.full_name}]})


def _check_user_free(user, *, member_pk: int | None = None) -> None:
    if user is None:
        return
    taken = Member.objects.filter(user=user).exclude(pk=member_pk).select_related("team").first()
    if taken is not None:
        raise ValidationError({"user": [
            _("This account already belongs to %(name)s of %(team)s.")
            % {"name": taken.full_name, "team": taken.team.name}]})


def _member_summary(member: Member) -> dict:
    # no phone number in the audit log
    return {"team": member.team_id, "full_name": member.full_name, "role": member.role,
            "organisation": member.organisation, "active": member.is_active,
            "user": member.user_id}


def member_of(user) -> Member | None:
    """The active team member linked to `user`'s account, with its team and group (and
    the ward and city above), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (Member.objects.select_related("team__group__parent__parent")
            .filter(user=user, is_active=True).first())


# --- teams ---------------------------------------------------------------------------------

def create_team(*, group: AdministrativeUnit, name: str, decision_number: str,
                decision_date: date, decision_signer: str, actor) -> Team:
    """Create the team of a residential group or village (a level-4 unit), as set up by
    the ward's decision (number, date, signer). One team per group. Needs
    "community.manage" for the group."""
    if group.level != UnitLevel.GROUP:
        raise ValidationError({"group": [
            _("A team belongs to a residential group or a village, not to %(unit)s.")
            % {"unit": group.name}]})
    require(actor, "community.manage", group)
    name = _text(name, field="name", max_length=200, missing=_("Enter the team name."))
    decision_number = _text(decision_number, field="decision_number", max_length=50,
                            missing=_("Enter the decision number."))
    decision_signer = _text(decision_signer, field="decision_signer", max_length=200,
                            missing=_("Enter the name of the decision's signer."))
    if decision_date is None:
        raise ValidationError({"decision_date": [_("Enter the date of the decision.")]})
    _not_future(decision_date, field="decision_date")
    with transaction.atomic():
        existing = Team.objects.select_for_update().filter(group=group).first()
        if existing is not None:
            raise ValidationError({"group": [
                _("%(group)s already has a team: %(team)s. There is one team per residential "
                  "group or village.") % {"group": group.name, "team": existing.name}]})
        team = Team.objects.create(group=group, name=name, decision_number=decision_number,
                                   decision_date=decision_date, decision_signer=decision_signer)
        record_audit(actor=actor, action="community.team_created", obj=team,
                     after={"group": group.code, "name": name,
                            "decision_number": decision_number, "decision_date": decision_date,
                            "decision_signer": decision_signer})
    return team


# --- members -------------------------------------------------------------------------------

def add_member(*, team: Team, full_name: str, phone: str = "", role: str = MemberRole.MEMBER,
               organisation: str = "", skills: str = "", joined_on: date | None = None,
               user=None, actor) -> Member:
    """Add a member to `team`. One active leader per team: adding a second leader is
    refused. `user` (optional) links the member's account, so they can record
    activities; an account belongs to one member at most. Needs "community.manage"."""
    require(actor, "community.manage", team.group)
    with transaction.atomic():
        member = _add_member(team=team, full_name=full_name, phone=phone, role=role,
                             organisation=organisation, skills=skills, joined_on=joined_on,
                             user=user, actor=actor)
    return member


def _add_member(*, team, full_name, phone, role, organisation, skills, joined_on, user,
                actor, audit_extra: dict | None = None) -> Member:
    """add_member without the permission check, inside the caller's transaction."""
    if not team.is_active:
        raise ValidationError(_("This team is no longer active."))
    full_name = _text(full_name, field="full_name", max_length=200,
                      missing=_("Enter the member's full name."))
    phone = _clean_phone(phone)
    role = _role(role or MemberRole.MEMBER)
    organisation = _text(organisation, field="organisation", max_length=100)
    skills = _text(skills, field="skills", max_length=300)
    _not_future(joined_on, field="joined_on")
    Team.objects.select_for_update().filter(pk=team.pk).first()  # serialise leader checks
    if role == MemberRole.LEADER:
        _refuse_second_leader(team)
    _check_user_free(user)
    member = Member.objects.create(team=team, full_name=full_name, phone=phone, role=role,
                                   organisation=organisation, skills=skills,
                                   joined_on=joined_on or _today(), user=user)
    record_audit(actor=actor, action="community.member_added", obj=member,
                 after={**_member_summary(member), **(audit_extra or {})})
    return member


def change_member_role(*, member_id: int, role: str, actor) -> Member:
    """Make the member leader, deputy or plain member. Making a second active leader is
    refused: the current leader's role changes first."""
    role = _role(role)
    with transaction.atomic():
        member = _lock_member(member_id)
        require(actor, "community.manage", member.team.group)
        if not member.is_active:
            raise ValidationError(_("%(name)s is no longer an active member.")
                                  % {"name": member.full_name})
        if member.role == role:
            return member
        Team.objects.select_for_update().filter(pk=member.team_id).first()
        if role == MemberRole.LEADER:
            _refuse_second_leader(member.team, exclude_pk=member.pk)
        before = {"role": member.role}
        member.role = role
        member.save(update_fields=["role"])
        record_audit(actor=actor, action="community.member_role_changed", obj=member,
                     before=before, after={"role": role})
    return member


def deactivate_member(*, member_id: int, actor, reason: str = "") -> Member:
    """The member leaves the team: kept (with their activities) but no longer active,
    no longer counted, and can no longer record activities."""
    reason = _text(reason, field="reason", max_length=300)
    with transaction.atomic():
        member = _lock_member(member_id)
        require(actor, "community.manage", member.team.group)
        if not member.is_active:
            raise ValidationError(_("%(name)s is already inactive.") % {"name": member.full_name})
        member.is_active = False
        member.save(update_fields=["is_active"])
        record_audit(actor=actor, action="community.member_deactivated", obj=member,
                     before={"active": True}, after={"active": False, "reason": reason})
    return member


def link_member_account(*, member_id: int, user, actor) -> Member:
    """Link a user account to the member (None unlinks it). The account also needs the
    community_member role for the ward to record activities."""
    with transaction.atomic():
        member = _lock_member(member_id)
        require(actor, "community.manage", member.team.group)
        _check_user_free(user, member_pk=member.pk)
        before = {"user": member.user_id}
        member.user = user
        member.save(update_fields=["user"])
        record_audit(actor=actor, action="community.member_account_linked", obj=member,
                     before=before, after={"user": member.user_id})
    return member


def record_training(*, member_id: int, course: str, completed_on: date, certificate: str = "",
                    actor) -> Training:
    """Record a training course the member completed (on the national online platform or
    in class), with its certificate number when there is one."""
    course = _text(course, field="course", max_length=200, missing=_("Enter the course."))
    certificate = _text(certificate, field="certificate", max_length=100)
    if completed_on is None:
        raise ValidationError({"completed_on": [_("Enter the date the course was completed.")]})
    _not_future(completed_on, field="completed_on")
    with transaction.atomic():
        member = _lock_member(member_id)
        require(actor, "community.manage", member.team.group)
        training = _record_training(member=member, course=course, completed_on=completed_on,
                                    certificate=certificate, actor=actor)
    return training


def _record_training(*, member, course, completed_on, certificate, actor) -> Training:
    if Training.objects.filter(member=member, course=course, completed_on=completed_on).exists():
        raise ValidationError(_("This training is already recorded for %(name)s.")
                              % {"name": member.full_name})
    training = Training.objects.create(member=member, course=course, completed_on=completed_on,
                                       certificate=certificate)
    record_audit(actor=actor, action="community.training_recorded", obj=training,
                 after={"member": member.pk, "course": course, "completed_on": completed_on,
                        "certificate": certificate})
    return training


# --- activities ----------------------------------------------------------------------------

def record_activity(*, actor, day: date, category: str, people_reached: int, place: str = "",
                    note: str = "", client_uuid=None, team: Team | None = None) -> Activity:
    """A team member records what they did: `day`, `category` (ActivityCategory), the
    number of households or people reached (1..1000), where and a note (optional).

    The actor must hold "community.record" for the team's group and be an active
    Member linked to their account; they record for their own team only (`team`, when
    given, must be it). The day is neither in the future nor more than
    ACTIVITY_MAX_AGE_DAYS days back.

    `client_uuid` (set by the phone when the activity is typed, kept when it is sent
    again after a lost connection) makes the call idempotent: a uuid already recorded
    by the same member returns that activity, unchanged. The returned activity has
    `just_created` True when this call created it, False otherwise (HTTP 201 / 200).
    The activity starts "recorded" and counts once a ward official confirms it.
    """
    if client_uuid not in (None, ""):
        try:
            client_uuid = client_uuid if isinstance(client_uuid, uuid.UUID) \
                else uuid.UUID(str(client_uuid))
        except ValueError as exc:
            raise ValidationError({"client_uuid": [_("The client key is not a valid UUID.")]}) \
                from exc
        existing = _existing_for_uuid(client_uuid, actor)
        if existing is not None:
            return existing
    else:
        client_uuid = None

    member = member_of(actor)
    if member is None:
        raise PermissionDenied(_("Only an active member of a community digital technology team, "
                                 "with their own account, can record activities."))
    if team is not None and team.pk != member.team_id:
        raise PermissionDenied(_("You can record activities only for your own team."))
    team = member.team
    require(actor, "community.record", team.group)
    if not team.is_active:
        raise ValidationError(_("This team is no longer active."))

    if category not in ActivityCategory.values:
        raise ValidationError({"category": [_("Choose what the activity was.")]})
    if isinstance(day, datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    if not isinstance(day, date):
        raise ValidationError({"day": [_("Enter the date of the activity.")]})
    today = _today()
    if day > today:
        raise ValidationError({"day": [_("The date cannot be in the future.")]})
    if day < today - timedelta(days=ACTIVITY_MAX_AGE_DAYS):
        raise ValidationError({"day": [
            _("The date is too far back: activities are recorded within %(days)d days.")
            % {"days": ACTIVITY_MAX_AGE_DAYS}]})
    people = 0
    if isinstance(people_reached, int) and not isinstance(people_reached, bool):
        people = people_reached
    elif isinstance(people_reached, str) and people_reached.strip().isdigit():
        people = int(people_reached.strip())
    if not 1 <= people <= PEOPLE_REACHED_MAX:
        raise ValidationError({"people_reached": [
            _("Enter the number of households or people reached, from 1 to %(max)d.")
            % {"max": PEOPLE_REACHED_MAX}]})
    place = _text(place, field="place", max_length=200)
    note = _text(note, field="note", max_length=500)

    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                team=team, member=member, day=day, category=category, people_reached=people,
                place=place, note=note, client_uuid=client_uuid)
            record_audit(actor=actor, action="community.activity_recorded", obj=activity,
                         after={"team": team.pk, "member": member.pk, "day": day,
                                "category": category, "people_reached": people,
                                "client_uuid": str(client_uuid) if client_uuid else None})
    except IntegrityError:
        # the same uuid sent twice at the same moment: the other request won
        existing = _existing_for_uuid(client_uuid, actor) if client_uuid else None
        if existing is None:
            raise
        return existing
    activity.just_created = True
    return activity


def _existing_for_uuid(client_uuid: uuid.UUID, actor) -> Activity | None:
    existing = Activity.objects.select_related("member").filter(client_uuid=client_uuid).first()
    if existing is None:
        return None
    if existing.member.user_id is None or existing.member.user_id != getattr(actor, "pk", None):
        raise ValidationError({"client_uuid": [
            _("This client key was already used for another member's activity.")]})
    existing.just_created = False
    return existing


def _lock_activity(activity_id: int) -> Activity:
    try:
        return (Activity.objects.select_for_update(of=("self",))
                .select_related("team__group__parent__parent", "member").get(pk=activity_id))
    except Activity.DoesNotExist as exc:
        raise ValidationError(_("This activity does not exist.")) from exc


def _review(activity_id: int, actor, *, status: str, note: str, action: str) -> Activity:
    with transaction.atomic():
        activity = _lock_activity(activity_id)
        require(actor, "community.confirm", activity.team.group)
        if activity.status != Activity.Status.RECORDED:
            raise ValidationError(_("This activity is already “%(status)s”: only activities "
                                    "awaiting confirmation can be confirmed or rejected.")
                                  % {"status": Activity.Status(activity.status).label})
        if activity.member.user_id is not None and activity.member.user_id == actor.pk:
            raise PermissionDenied(_("You cannot review an activity you recorded yourself."))
        before = {"status": activity.status}
        counted = record_tallies.snapshot(activity)
        activity.status = status
        activity.reviewed_by = actor
        activity.reviewed_at = timezone.now()
        activity.review_note = note
        activity.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        record_tallies.on_change(activity, before=counted)
        record_audit(actor=actor, action=action, obj=activity, before=before,
                     after={"status": status, "note": note})
    return activity


def confirm_activity(*, activity_id: int, actor, note: str = "") -> Activity:
    """A ward official ("community.confirm" for the team's ward: unit_admin or leader)
    confirms a recorded activity: from now on it counts in the indicators."""
    note = _text(note, field="note", max_length=300)
    return _review(activity_id, actor, status=Activity.Status.CONFIRMED, note=note,
                   action="community.activity_confirmed")


def reject_activity(*, activity_id: int, actor, reason: str) -> Activity:
    """A ward official rejects a recorded activity, saying why (shown to the member)."""
    reason = _text(reason, field="reason", max_length=300,
                   missing=_("Say why the activity is rejected."))
    return _review(activity_id, actor, status=Activity.Status.REJECTED, note=reason,
                   action="community.activity_rejected")


def link_assisted_dossier(dossier) -> Activity | None:
    """Called at the end of dossiers.services.submit_dossier's transaction: when the
    dossier was submitted online on a citizen's behalf (`assisted_by`, with the citizen's
    consent recorded in `assistance_consent`) by a user who is an active member of an
    active team, create that team's activity of category "dossier" for it (one person
    reached, dated the day of submission), linked to the dossier and the member. The
    dossier is its own evidence, so the activity is confirmed at once (no reviewer).
    A counter officer's help at the counter is not a team activity. Idempotent: a
    dossier already linked returns its activity. Returns None when there is nothing to
    link."""
    from chinhquyenso.dossiers.models import Channel

    if dossier.assisted_by_id is None or not dossier.assistance_consent \
            or dossier.channel != Channel.ONLINE:
        return None  # not helped by a team member (a counter officer's help is their job)
    existing = Activity.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    member = (Member.objects.select_related("team")
              .filter(user_id=dossier.assisted_by_id, is_active=True, team__is_active=True)
              .first())
    if member is None:
        return None
    submitted = dossier.submitted_at or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.create(
            team=member.team, member=member, day=timezone.localdate(submitted),
            category=ActivityCategory.DOSSIER, people_reached=1,
            note=_("Dossier %(code)s submitted with the citizen's consent")
            % {"code": dossier.code},
            status=Activity.Status.CONFIRMED, reviewed_at=timezone.now(),
            review_note=_("Confirmed automatically: the dossier was submitted in the system."),
            dossier=dossier)
        record_tallies.on_change(activity, before=None)
        record_audit(actor=dossier.assisted_by, action="community.dossier_linked", obj=activity,
                     after={"team": member.team_id, "member": member.pk,
                            "dossier": dossier.code, "consent": dossier.assistance_consent,
                            "status": activity.status})
    return activity
