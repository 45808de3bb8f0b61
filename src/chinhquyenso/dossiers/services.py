"""Every change to a dossier: submission, the one-stop-shop lifecycle, deadlines, letters,
ratings. Each function locks the dossier, checks the state and the actor's right, changes
it in one transaction, and writes a DossierEvent and the audit log.

A transition takes the dossier by `dossier_id=` (it opens the transaction and locks the
row) or, from a request that already locked it to check that the caller may see it, by
`locked=` (a LockedDossier: it runs in that request's transaction; see locking.py).

A transition not allowed from the current state raises TransitionNotAllowed (HTTP 409);
one the actor may not perform raises PermissionDenied (HTTP 403).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chinhquyenso.community.services import link_assisted_dossier
from chinhquyenso.core import raw_inserts
from chinhquyenso.core.raw_updates import update_columns
from chinhquyenso.core.services import queue_email, queue_sms, record_audit
from chinhquyenso.indicators import aggregates as indicator_aggregates
from chinhquyenso.indicators import record_tallies
from chinhquyenso.org.models import Agency, AgencyKind, Role, UnitLevel
from chinhquyenso.org.permissions import can, require
from chinhquyenso.org.queries import calendar_for
from chinhquyenso.procedures.models import CompetentLevel, Procedure, ServiceLevel

from .answers import clean_answers
from .codes import next_dossier_code
from .deadlines import due_time
from .loading import load_dossier, save_dossier
from .locking import LockedDossier, in_held_lock
from .models import (
    OPEN_STATES,
    ApologyLetter,
    Channel,
    Complaint,
    Dossier,
    DossierEvent,
    DossierFile,
    Rating,
    State,
)
from .procedure_parts import steps_of
from .uploads import read_dossier_file, store_dossier_file

STEP_ACTION = {
    Role.COUNTER_OFFICER: "dossiers.return_result",
    Role.SPECIALIST: "dossiers.process",
    Role.LEADER: "dossiers.approve",
    Role.CLERK: "documents.register",
}


class TransitionNotAllowed(Exception):
    """The dossier's state does not allow this action (HTTP 409)."""


# --- helpers -------------------------------------------------------------------------

def _lock(dossier_id: int | None, locked: LockedDossier | None = None) -> Dossier:
    """The dossier, its row locked until the end of the transaction, with its procedure,
    agency, units and current step (one prebuilt statement: see loading.py); or the one
    the caller's transaction has locked already (`locked`)."""
    if (dossier_id is None) == (locked is None):
        raise TypeError("give dossier_id= or locked=, one of them")
    if locked is not None:
        return locked.dossier
    dossier = load_dossier(pk=dossier_id, lock=True)
    if dossier is None:
        raise Dossier.DoesNotExist(f"No dossier {dossier_id}")
    return dossier


def _require_state(dossier: Dossier, allowed: set[str], action: str) -> None:
    if dossier.state not in allowed:
        raise TransitionNotAllowed(
            _("Dossier %(code)s is “%(state)s”: “%(action)s” is not possible now.")
            % {"code": dossier.code, "state": State(dossier.state).label,
               "action": ACTION_LABELS.get(action, action)})


def _require_right(actor, action: str, dossier: Dossier) -> None:
    require(actor, action, dossier.agency.unit)


def _is_owner(actor, dossier: Dossier) -> bool:
    return dossier.owner_id is not None and getattr(actor, "pk", None) == dossier.owner_id


def _record(dossier: Dossier, *, actor, action: str, from_state: str, at: datetime,
            note: str = "", extra: dict | None = None) -> None:
    # the event by a prebuilt INSERT (core/raw_inserts.py), on PostgreSQL in the audit
    # entry's own statement
    event = DossierEvent(
        dossier=dossier, at=at, actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action, from_state=from_state, to_state=dossier.state, note=note)
    record_audit(actor=actor, action=f"dossier.{action}", obj=dossier,
                 before={"state": from_state},
                 after={"state": dossier.state, "note": note[:500], **(extra or {})}, with_row=event)


def _steps(dossier: Dossier) -> list:
    """The steps of the dossier's process, in order (kept per process: procedure_parts.py)."""
    return steps_of(dossier.procedure, current_step_id=dossier.current_step_id)


def _state_for_step(step, *, is_last: bool) -> str:
    if step.role == Role.LEADER:
        return State.AWAITING_SIGNATURE
    if step.role == Role.COUNTER_OFFICER and is_last:
        return State.DONE
    return State.PROCESSING


def _enter_step(dossier: Dossier, step, at: datetime, calendar) -> None:
    from datetime import timedelta

    dossier.current_step = step
    dossier.step_started_at = at
    dossier.step_due_at = calendar.add_working_time(at, timedelta(hours=float(step.hours)))


def _pause(dossier: Dossier, at: datetime, new_state: str) -> None:
    dossier.resume_state = dossier.state
    dossier.paused_at = at
    dossier.state = new_state


def _resume(dossier: Dossier, at: datetime, calendar) -> None:
    """Restart the clock: the due times move later by the working time spent waiting."""
    waited = calendar.working_time_between(dossier.paused_at, at)
    if dossier.due_at is not None:
        dossier.due_at = calendar.add_working_time(dossier.due_at, waited)
    if dossier.step_due_at is not None:
        dossier.step_due_at = calendar.add_working_time(dossier.step_due_at, waited)
    dossier.state = dossier.resume_state
    dossier.resume_state = ""
    dossier.paused_at = None


def _notify(dossier: Dossier, subject: str, body: str) -> None:
    """Tell the citizen by e-mail and SMS; both are sent by background tasks after commit."""
    # The transition's own audit entry stands for the notification (one entry, not three).
    if dossier.applicant_email:
        queue_email(to=dossier.applicant_email, subject=subject, body=body, audit=False)
    if dossier.applicant_phone:
        queue_sms(to=dossier.applicant_phone, text=f"{subject}. {tracking_url(dossier)}", audit=False)


def tracking_url(dossier: Dossier) -> str:
    from urllib.parse import urlencode

    from django.conf import settings

    return f"{settings.PUBLIC_BASE_URL}/dich-vu-cong/tra-cuu/?{urlencode({'code': dossier.code})}"


def _store_document(dossier: Dossier, *, name: str, pdf: bytes, kind: str, actor) -> DossierFile:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return store_dossier_file(dossier=dossier, uploaded_file=SimpleUploadedFile(name, pdf, "application/pdf"),
                              kind=kind, uploaded_by=actor)


def _officer_name(actor) -> str:
    official = getattr(actor, "official", None)
    return official.full_name if official else actor.get_username()


# --- submission ------------------------------------------------------------------------

def submit_dossier(*, procedure: Procedure, agency: Agency, submitted_by, applicant: dict,
                   answers: dict, files: dict[int, list] | None = None, channel: str | None = None,
                   citizen_consent: bool = False, population_data_used: bool = False,
                   eid_level: int = 0, reuse: dict[int, list[int]] | None = None, at: datetime | None = None) -> Dossier:
    """Submit a dossier for `procedure` to `agency`.

    A citizen submits for themself (online). A one-stop counter officer submits at the
    counter (or records one that came by post); a community team member submits online
    on the citizen's behalf with the citizen's recorded consent. Both are recorded as
    assisted, with who helped. `files` maps component ids to uploaded files; `reuse`
    maps component ids to files of the applicant's earlier dossiers used again instead of
    an upload (copied byte for byte, checked like an upload; the dossier is flagged as
    reusing components). `eid_level` is the level of the citizen's electronic
    identification login (0: none); an assisted submission records 0.
    """
    at = at or timezone.now()
    files = files or {}
    if not procedure.is_published or procedure.service_level == ServiceLevel.INFORMATION:
        raise ValidationError(_("This procedure cannot be submitted online: it is information only."))
    expected_level = UnitLevel.DISTRICT if procedure.level == CompetentLevel.CITY else UnitLevel.WARD
    if agency.kind != AgencyKind.PEOPLES_COMMITTEE or agency.unit.level != expected_level:
        raise ValidationError(_("%(agency)s does not handle this procedure.") % {"agency": agency.name})
    if not str(applicant.get("name", "")).strip():
        raise ValidationError({"applicant_name": [_("Enter the applicant's full name.")]})
    id_number = str(applicant.get("id_number", "")).strip()
    if len(id_number) != 12 or not id_number.isdigit():
        raise ValidationError({"applicant_id_number": [
            _("Enter the applicant's 12-digit personal identification number.")]})

    assisted_by, owner = None, submitted_by
    if can(submitted_by, "dossiers.submit_assisted", agency.unit):
        from chinhquyenso.org.permissions import roles_of

        assisted_by, owner = submitted_by, None
        if Role.COUNTER_OFFICER in roles_of(submitted_by):
            channel = channel if channel in (Channel.COUNTER, Channel.POST) else Channel.COUNTER
        else:
            channel = Channel.ONLINE
            if not citizen_consent:
                raise ValidationError(_("Record the citizen's consent before submitting on their behalf."))
    elif hasattr(submitted_by, "official"):
        raise PermissionDenied(_("Your role does not allow submitting dossiers for citizens here."))
    else:
        channel = Channel.ONLINE
    cleaned = clean_answers(procedure.form, answers)
    reused = _reused_files(submitted_by, id_number, reuse or {})
    missing = [c.name for c in procedure.components.all()
               if c.mandatory and not files.get(c.pk) and not reused.get(c.pk)]
    if missing:
        raise ValidationError({"files": [_("Attach: %(name)s.") % {"name": name} for name in missing]})

    with transaction.atomic():
        # The code's sequence number is taken last, so the counter row stays locked only
        # for the end of the transaction, not while the files are written.
        dossier = raw_inserts.insert(Dossier(  # its forty-odd columns: a statement built once
            code=f"~{uuid.uuid4().hex}",
            procedure=procedure, agency=agency, channel=channel, state=State.SUBMITTED,
            owner=owner if getattr(owner, "is_authenticated", False) else None,
            applicant_name=applicant["name"].strip(),
            applicant_id_number=id_number,
            applicant_phone=str(applicant.get("phone", "")).strip(),
            applicant_email=str(applicant.get("email", "")).strip(),
            applicant_address=str(applicant.get("address", "")).strip(),
            answers=cleaned, assisted_by=assisted_by,
            assistance_consent=bool(citizen_consent and assisted_by),
            uses_population_data=population_data_used, submitted_at=at,
            eid_level=0 if assisted_by is not None else max(0, min(int(eid_level or 0), 2))))
        components = {c.pk: c for c in procedure.components.all()}
        stored = 0
        for component_id, uploads in files.items():
            for upload in uploads:
                store_dossier_file(dossier=dossier, uploaded_file=upload, kind=DossierFile.Kind.COMPONENT,
                                   component=components.get(int(component_id)),
                                   uploaded_by=submitted_by)
                stored += 1
        for component_id, earlier_files in reused.items():
            for earlier in earlier_files:
                store_dossier_file(dossier=dossier, uploaded_file=ContentFile(read_dossier_file(earlier),
                                                                              name=earlier.original_name),
                                   kind=DossierFile.Kind.COMPONENT, component=components.get(component_id),
                                   uploaded_by=submitted_by)
                stored += 1
        dossier.code = next_dossier_code(agency=agency, procedure=procedure, moment=at)
        dossier.components_digitised = stored > 0
        dossier.components_reused = bool(reused)
        update_columns(dossier, ["code", "components_digitised", "components_reused"])
        _notify(dossier, _("Dossier %(code)s submitted") % {"code": dossier.code},
                _("Your dossier %(code)s for “%(procedure)s” has been submitted to %(agency)s.")
                % {"code": dossier.code, "procedure": procedure.name, "agency": agency.name})
        link_assisted_dossier(dossier)
        indicator_aggregates.on_dossier_change(dossier, before=None)
        _record(dossier, actor=submitted_by, action="submit", from_state="", at=at,
                extra={"channel": channel, "assisted": assisted_by is not None,
                       "reused": sorted(f.pk for files_ in reused.values() for f in files_)})
    return dossier


def _reused_files(actor, id_number: str, reuse: dict) -> dict[int, list[DossierFile]]:
    """The earlier files asked for, each checked to be one the submitter may reuse."""
    from .queries import reusable_files

    wanted = {int(c): [int(f) for f in ids] for c, ids in reuse.items() if ids}
    if not wanted:
        return {}
    allowed = {f.pk: f for f in reusable_files(actor, id_number).filter(
        pk__in=[f for ids in wanted.values() for f in ids])}
    if any(f not in allowed for ids in wanted.values() for f in ids):
        raise ValidationError({"files": [_("A document to reuse is not one of the applicant's earlier documents.")]})
    return {c: [allowed[f] for f in ids] for c, ids in wanted.items()}


# --- reception -----------------------------------------------------------------------------

@in_held_lock
def receive_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                    actor, at: datetime | None = None) -> Dossier:
    """Accept the dossier: the clock starts and the due time is fixed."""
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, {State.SUBMITTED}, "receive")
    _require_right(actor, "dossiers.receive", dossier)
    calendar = calendar_for(dossier.agency)
    start = calendar.next_working_moment(at)
    steps = _steps(dossier)
    dossier.received_at = at
    dossier.due_at = due_time(calendar, dossier.procedure, start)
    following = steps[1:] if steps[0].role == Role.COUNTER_OFFICER and len(steps) > 1 else steps
    step = following[0]
    _enter_step(dossier, step, start, calendar)
    dossier.state = (State.RECEIVED if step.role == Role.SPECIALIST
                     else _state_for_step(step, is_last=step == steps[-1]))
    if dossier.state == State.DONE:
        dossier.finished_at = at
    save_dossier(dossier)
    _issue_in_background("receipt", dossier.pk, actor)
    _notify(dossier, _("Dossier %(code)s received") % {"code": dossier.code},
            _("Your dossier %(code)s was received. The result is due by %(due)s.")
            % {"code": dossier.code, "due": timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")})
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="receive", from_state=State.SUBMITTED, at=at,
            extra={"due_at": dossier.due_at})
    return dossier


@in_held_lock
def refuse_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                   actor, reason: str, at: datetime | None = None) -> Dossier:
    at = at or timezone.now()
    if not reason.strip():
        raise ValidationError(_("Give the reason for refusing the dossier."))
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, {State.SUBMITTED}, "refuse")
    _require_right(actor, "dossiers.receive", dossier)
    dossier.state = State.REFUSED
    dossier.last_reason = reason.strip()
    save_dossier(dossier)
    _notify(dossier, _("Dossier %(code)s refused") % {"code": dossier.code}, reason)
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="refuse", from_state=State.SUBMITTED, at=at, note=reason)
    return dossier


# --- processing -----------------------------------------------------------------------------

@in_held_lock
def assign_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                   actor, assignee, at: datetime | None = None) -> Dossier:
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, {State.RECEIVED, State.ASSIGNED}, "assign")
    _require_right(actor, "dossiers.assign", dossier)
    if not can(assignee, STEP_ACTION[dossier.current_step.role], dossier.agency.unit):
        raise ValidationError(_("%(name)s cannot handle this step.") % {"name": assignee.get_username()})
    from_state = dossier.state
    dossier.assignee = assignee
    dossier.state = State.ASSIGNED
    save_dossier(dossier)
    _record(dossier, actor=actor, action="assign", from_state=from_state, at=at,
            extra={"assignee": assignee.get_username()})
    return dossier


@in_held_lock
def start_processing(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                     actor, at: datetime | None = None) -> Dossier:
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, {State.ASSIGNED}, "start")
    if dossier.assignee_id != actor.pk:
        raise PermissionDenied(_("Only the official the dossier is assigned to can start it."))
    dossier.state = State.PROCESSING
    save_dossier(dossier)
    _record(dossier, actor=actor, action="start", from_state=State.ASSIGNED, at=at)
    return dossier


@in_held_lock
def forward_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                    actor, note: str = "", at: datetime | None = None) -> Dossier:
    """Complete the current step and move to the next one of the process."""
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, {State.PROCESSING, State.AWAITING_SIGNATURE}, "forward")
    step = dossier.current_step
    _require_right(actor, STEP_ACTION[step.role], dossier)
    if step.role == Role.SPECIALIST and dossier.assignee_id not in (None, actor.pk):
        raise PermissionDenied(_("This dossier is assigned to another official."))
    result_attached = None  # asked at most once: the leader's step may also finish the dossier
    if step.role == Role.LEADER:
        result_attached = dossier.files.filter(kind=DossierFile.Kind.RESULT).exists()
        if not result_attached:
            raise TransitionNotAllowed(_("Attach the result before signing it off."))
    steps = _steps(dossier)
    position = next(i for i, s in enumerate(steps) if s.pk == step.pk)
    from_state = dossier.state
    calendar = calendar_for(dossier.agency)
    if position + 1 < len(steps):
        nxt = steps[position + 1]
        _enter_step(dossier, nxt, at, calendar)
        dossier.state = _state_for_step(nxt, is_last=position + 1 == len(steps) - 1)
    else:
        dossier.state = State.DONE
    if dossier.state == State.DONE:
        dossier.finished_at = at
        if result_attached is None:
            result_attached = dossier.files.filter(kind=DossierFile.Kind.RESULT).exists()
        if result_attached:
            dossier.result_electronic = True
            _issue_in_background("result_notice", dossier.pk, actor)
    save_dossier(dossier)
    if dossier.state == State.DONE:
        _notify(dossier, _("Result of dossier %(code)s is ready") % {"code": dossier.code},
                _("The result of your dossier %(code)s is ready.") % {"code": dossier.code})
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="forward", from_state=from_state, at=at, note=note,
            extra={"step": step.name})
    return dossier


def _issue_in_background(document: str, dossier_id: int, actor) -> None:
    from chinhquyenso.core.task_queue import enqueue_in_transaction

    from . import tasks

    task = {"receipt": tasks.issue_receipt, "result_notice": tasks.issue_result_notice}[document]
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    key = "officer_id" if document == "receipt" else "signer_id"
    enqueue_in_transaction(task, dossier_id=dossier_id, **{key: actor_id})


def _user(user_id: int | None):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.select_related("official").filter(pk=user_id).first()


@transaction.atomic
def issue_receipt(*, dossier_id: int, officer_id: int | None = None) -> DossierFile | None:
    """Render and keep the 'giấy tiếp nhận và hẹn trả kết quả' (once per dossier)."""
    from .letters import render_receipt

    dossier = _lock(dossier_id)
    name = f"giay-tiep-nhan-{dossier.code}.pdf"
    if dossier.received_at is None or dossier.files.filter(kind=DossierFile.Kind.LETTER,
                                                           original_name=name).exists():
        return None
    officer = _user(officer_id)
    pdf = render_receipt(
        agency_name=dossier.agency.name, place=dossier.agency.unit.name, issued_at=dossier.received_at,
        dossier_code=dossier.code, applicant_name=dossier.applicant_name,
        procedure_name=dossier.procedure.name,
        components=[c.name for c in dossier.procedure.components.all()],
        received_at=dossier.received_at, due_at=dossier.due_at, fee_total=dossier.procedure.total_fee,
        officer_name=_officer_name(officer) if officer else "", tracking_url=tracking_url(dossier))
    stored = _store_document(dossier, name=name, pdf=pdf, kind=DossierFile.Kind.LETTER, actor=officer)
    record_audit(actor=officer, action="dossier.receipt_issued", obj=dossier,
                 after={"file": name, "sha256": stored.sha256})
    return stored


@transaction.atomic
def issue_result_notice(*, dossier_id: int, signer_id: int | None = None) -> DossierFile | None:
    """The electronic result: a notice listing the result files and their SHA-256."""
    from .letters import render_result_notice

    dossier = _lock(dossier_id)
    name = f"thong-bao-ket-qua-{dossier.code}.pdf"
    results = list(dossier.files.filter(kind=DossierFile.Kind.RESULT).exclude(original_name=name))
    if not results or dossier.files.filter(original_name=name).exists():
        return None
    signer = _user(signer_id)
    official = getattr(signer, "official", None)
    pdf = render_result_notice(
        agency_name=dossier.agency.name, place=dossier.agency.unit.name,
        issued_at=dossier.finished_at or timezone.now(),
        dossier_code=dossier.code, applicant_name=dossier.applicant_name,
        procedure_name=dossier.procedure.name, result_name=dossier.procedure.result,
        files=[(f.original_name, f.sha256) for f in results],
        signer_name=_officer_name(signer) if signer else "", signer_title=official.title if official else "",
        tracking_url=tracking_url(dossier))
    stored = _store_document(dossier, name=name, pdf=pdf, kind=DossierFile.Kind.RESULT, actor=signer)
    record_audit(actor=signer, action="dossier.result_notice_issued", obj=dossier,
                 after={"file": name, "sha256": stored.sha256})
    return stored


@in_held_lock
def send_back(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
              actor, reason: str, at: datetime | None = None) -> Dossier:
    """A leader returns a dossier awaiting signature to the previous step."""
    at = at or timezone.now()
    if not reason.strip():
        raise ValidationError(_("Say what must be corrected."))
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, {State.AWAITING_SIGNATURE}, "send_back")
    _require_right(actor, "dossiers.approve", dossier)
    steps = _steps(dossier)
    position = next(i for i, s in enumerate(steps) if s.pk == dossier.current_step_id)
    previous = steps[max(position - 1, 0)]
    _enter_step(dossier, previous, at, calendar_for(dossier.agency))
    dossier.state = State.PROCESSING
    save_dossier(dossier)
    _record(dossier, actor=actor, action="send_back", from_state=State.AWAITING_SIGNATURE, at=at,
            note=reason)
    return dossier


@in_held_lock
def attach_result(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                  actor, uploaded_file, at: datetime | None = None) -> DossierFile:
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, {State.PROCESSING, State.AWAITING_SIGNATURE}, "attach_result")
    if not (can(actor, "dossiers.process", dossier.agency.unit)
            or can(actor, "dossiers.approve", dossier.agency.unit)):
        raise PermissionDenied(_("Only the specialist or the leader can attach the result."))
    stored = store_dossier_file(dossier=dossier, uploaded_file=uploaded_file,
                                kind=DossierFile.Kind.RESULT, uploaded_by=actor)
    _record(dossier, actor=actor, action="attach_result", from_state=dossier.state, at=at,
            extra={"file": stored.original_name, "sha256": stored.sha256})
    return stored


@in_held_lock
def return_result(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                  actor, at: datetime | None = None) -> Dossier:
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, {State.DONE}, "return_result")
    _require_right(actor, "dossiers.return_result", dossier)
    dossier.state = State.RETURNED
    dossier.returned_at = at
    save_dossier(dossier)
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="return_result", from_state=State.DONE, at=at)
    return dossier


# --- waiting for the citizen: supplement and fee -----------------------------------------------

@in_held_lock
def request_supplement(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                       actor, reason: str, at: datetime | None = None) -> Dossier:
    """Ask the citizen for more documents: same dossier code, the clock stops."""
    at = at or timezone.now()
    if not reason.strip():
        raise ValidationError(_("Say which documents are missing or must be corrected."))
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, {State.SUBMITTED, State.RECEIVED, State.ASSIGNED, State.PROCESSING},
                   "request_supplement")
    _require_right(actor, "dossiers.supplement_request", dossier)
    from_state = dossier.state
    _pause(dossier, at, State.SUPPLEMENT_REQUESTED)
    dossier.last_reason = reason.strip()
    save_dossier(dossier)
    _notify(dossier, _("Dossier %(code)s: documents needed") % {"code": dossier.code}, reason)
    _record(dossier, actor=actor, action="request_supplement", from_state=from_state, at=at, note=reason)
    return dossier


@in_held_lock
def supplement_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                       actor, files: list, note: str = "",
                       at: datetime | None = None) -> Dossier:
    """The citizen (or the counter on their behalf) adds the requested documents; the
    clock restarts and the due time moves later by the time waited."""
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, {State.SUPPLEMENT_REQUESTED}, "supplement")
    if not (_is_owner(actor, dossier) or can(actor, "dossiers.receive", dossier.agency.unit)):
        raise PermissionDenied(_("Only the applicant or the one-stop counter can supplement this dossier."))
    if not files:
        raise ValidationError(_("Attach at least one document."))
    for upload in files:
        store_dossier_file(dossier=dossier, uploaded_file=upload, kind=DossierFile.Kind.SUPPLEMENT,
                           uploaded_by=actor)
    _resume(dossier, at, calendar_for(dossier.agency))
    save_dossier(dossier)
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="supplement", from_state=State.SUPPLEMENT_REQUESTED, at=at,
            note=note, extra={"files": len(files), "due_at": dossier.due_at})
    return dossier


@in_held_lock
def request_fee(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                actor, amount: int | None = None,
                at: datetime | None = None) -> Dossier:
    """Ask the citizen to pay; the amount comes from the procedure's fee table unless the
    official gives another (e.g. a fee per page). The clock stops until it is paid."""
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    amount = dossier.procedure.total_fee if amount is None else amount
    if int(amount) <= 0:
        raise ValidationError(_("The fee must be more than 0 đồng."))
    _require_state(dossier, {State.PROCESSING}, "request_fee")
    _require_right(actor, "dossiers.process", dossier)
    _pause(dossier, at, State.FEE_DUE)
    dossier.fee_amount = int(amount)
    save_dossier(dossier)
    _notify(dossier, _("Dossier %(code)s: fee due") % {"code": dossier.code},
            _("Please pay %(amount)s đồng for dossier %(code)s.") % {"amount": f"{int(amount):,}".replace(",", "."), "code": dossier.code})
    _record(dossier, actor=actor, action="request_fee", from_state=State.PROCESSING, at=at,
            extra={"amount": int(amount)})
    return dossier


@in_held_lock
def pay_fee(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
            actor, reference: str, provider: str = "counter",
            at: datetime | None = None) -> Dossier:
    """Record the payment through a payment provider; the clock restarts."""
    from .payments import get_provider

    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, {State.FEE_DUE}, "pay_fee")
    get_provider(provider).check(dossier=dossier, actor=actor, reference=reference)
    dossier.fee_paid_at = at
    dossier.payment_provider = provider
    dossier.payment_reference = reference.strip()
    _resume(dossier, at, calendar_for(dossier.agency))
    save_dossier(dossier)
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="pay_fee", from_state=State.FEE_DUE, at=at,
            extra={"amount": dossier.fee_amount, "provider": provider, "reference": reference.strip()})
    return dossier


# --- side exits -----------------------------------------------------------------------------------

@in_held_lock
def withdraw_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                     actor, reason: str = "", at: datetime | None = None) -> Dossier:
    """The applicant withdraws: at once before receipt; afterwards it is a request that a
    leader must approve."""
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    if not _is_owner(actor, dossier):
        raise PermissionDenied(_("Only the applicant can withdraw the dossier."))
    _require_state(dossier, OPEN_STATES, "withdraw")
    from_state = dossier.state
    if dossier.state == State.SUBMITTED:
        dossier.state = State.WITHDRAWN
        action = "withdraw"
    else:
        dossier.withdrawal_requested = True
        action = "request_withdrawal"
    dossier.last_reason = reason
    save_dossier(dossier)
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action=action, from_state=from_state, at=at, note=reason)
    return dossier


@in_held_lock
def approve_withdrawal(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                       actor, at: datetime | None = None) -> Dossier:
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, OPEN_STATES, "approve_withdrawal")
    if not dossier.withdrawal_requested:
        raise TransitionNotAllowed(_("The applicant has not asked to withdraw this dossier."))
    _require_right(actor, "dossiers.approve", dossier)
    from_state = dossier.state
    dossier.state = State.WITHDRAWN
    dossier.paused_at = None
    save_dossier(dossier)
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="approve_withdrawal", from_state=from_state, at=at)
    return dossier


@in_held_lock
def stop_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                 actor, reason: str, at: datetime | None = None) -> Dossier:
    at = at or timezone.now()
    if not reason.strip():
        raise ValidationError(_("Give the reason for stopping the dossier."))
    dossier = _lock(dossier_id, locked)
    before = indicator_aggregates.snapshot(dossier)
    _require_state(dossier, OPEN_STATES - {State.SUBMITTED}, "stop")
    _require_right(actor, "dossiers.stop", dossier)
    from_state = dossier.state
    dossier.state = State.STOPPED
    dossier.paused_at = None
    dossier.last_reason = reason.strip()
    save_dossier(dossier)
    _notify(dossier, _("Dossier %(code)s stopped") % {"code": dossier.code}, reason)
    indicator_aggregates.on_dossier_change(dossier, before=before)
    _record(dossier, actor=actor, action="stop", from_state=from_state, at=at, note=reason)
    return dossier


@in_held_lock
def transfer_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                     actor, to_agency: Agency, reason: str,
                     at: datetime | None = None) -> Dossier:
    """Send the dossier to another agency for its part (liên thông); it comes back with
    take_back_dossier(). The clock keeps running."""
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, {State.RECEIVED, State.ASSIGNED, State.PROCESSING}, "transfer")
    _require_right(actor, "dossiers.transfer", dossier)
    if to_agency.pk == dossier.agency_id:
        raise ValidationError(_("Choose another agency."))
    from_state = dossier.state
    dossier.resume_state = from_state
    dossier.state = State.TRANSFERRED
    dossier.transferred_to = to_agency
    save_dossier(dossier)
    _record(dossier, actor=actor, action="transfer", from_state=from_state, at=at, note=reason,
            extra={"to": to_agency.code})
    return dossier


@in_held_lock
def take_back_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                      actor, note: str = "", at: datetime | None = None) -> Dossier:
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, {State.TRANSFERRED}, "take_back")
    if not (can(actor, "dossiers.transfer", dossier.agency.unit)
            or can(actor, "dossiers.receive", dossier.transferred_to.unit)):
        raise PermissionDenied(_("Only the two agencies' officials can bring the dossier back."))
    dossier.state = dossier.resume_state or State.PROCESSING
    dossier.resume_state = ""
    dossier.transferred_to = None
    save_dossier(dossier)
    _record(dossier, actor=actor, action="take_back", from_state=State.TRANSFERRED, at=at, note=note)
    return dossier


# --- apology and rating ---------------------------------------------------------------------------

@in_held_lock
def issue_apology(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                  actor, reason: str, new_due_at: datetime,
                  at: datetime | None = None) -> ApologyLetter:
    """Write the letter of apology with the reason and the new return date, keep it with
    the dossier, and send it to the citizen. The legal due time does not change: a late
    result still counts as late."""
    from .letters import render_apology_letter

    at = at or timezone.now()
    if not reason.strip():
        raise ValidationError(_("Give the reason for the delay."))
    dossier = _lock(dossier_id, locked)
    _require_state(dossier, OPEN_STATES - {State.SUBMITTED}, "apologise")
    _require_right(actor, "dossiers.apologise", dossier)
    if new_due_at <= max(dossier.due_at, at):
        raise ValidationError(_("The new return date must be later than the current due time."))
    official = getattr(actor, "official", None)
    pdf = render_apology_letter(
        agency_name=dossier.agency.name, place=dossier.agency.unit.name, issued_at=at,
        dossier_code=dossier.code, applicant_name=dossier.applicant_name,
        procedure_name=dossier.procedure.name, received_at=dossier.received_at,
        due_at=dossier.due_at, new_due_at=new_due_at, reason=reason.strip(),
        signer_name=official.full_name if official else actor.get_username(),
        signer_title=official.title if official else "")
    letter = ApologyLetter(dossier=dossier, reason=reason.strip(), new_due_at=new_due_at,
                           previous_due_at=dossier.due_at, created_by=actor)
    letter.pdf.save(f"xin-loi-{dossier.code}.pdf", ContentFile(pdf), save=False)
    letter.save()
    _notify(dossier, _("Dossier %(code)s: apology and new return date") % {"code": dossier.code},
            _("We apologise: the result of dossier %(code)s will be late (%(reason)s). "
              "New return date: %(date)s.") % {"code": dossier.code, "reason": reason.strip(),
                                                 "date": timezone.localtime(new_due_at).strftime("%H:%M %d/%m/%Y")})
    _record(dossier, actor=actor, action="apologise", from_state=dossier.state, at=at, note=reason,
            extra={"new_due_at": new_due_at})
    return letter


@in_held_lock
def rate_dossier(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                 actor, satisfied: bool, comment: str = "",
                 at: datetime | None = None) -> Rating:
    """The applicant says whether the service satisfied them, once the result is returned."""
    at = at or timezone.now()
    dossier = _lock(dossier_id, locked)
    if not _is_owner(actor, dossier):
        raise PermissionDenied(_("Only the applicant can rate the service."))
    _require_state(dossier, {State.RETURNED}, "rate")
    if Rating.objects.filter(dossier=dossier).exists():
        raise TransitionNotAllowed(_("This dossier has already been rated."))
    rating = Rating.objects.create(dossier=dossier, satisfied=bool(satisfied), comment=comment.strip(),
                                   created_at=at)
    record_audit(actor=actor, action="dossier.rate", obj=dossier, after={"satisfied": bool(satisfied)})
    indicator_aggregates.on_rating(rating)
    return rating


# --- complaints -----------------------------------------------------------------------------------

@in_held_lock
def file_complaint(*, dossier_id: int | None = None, locked: LockedDossier | None = None,
                   actor, text: str, at: datetime | None = None) -> Complaint:
    """The applicant complains about the handling; a leader must answer within
    COMPLAINT_ANSWER_DAYS working days."""
    from django.conf import settings

    at = at or timezone.now()
    if not text.strip():
        raise ValidationError(_("Write what the complaint is about."))
    dossier = _lock(dossier_id, locked)
    if not _is_owner(actor, dossier):
        raise PermissionDenied(_("Only the applicant can complain about this dossier."))
    if dossier.state == State.SUBMITTED:
        raise TransitionNotAllowed(_("The dossier has not been received yet."))
    calendar = calendar_for(dossier.agency)
    complaint = Complaint.objects.create(
        dossier=dossier, text=text.strip(), filed_at=at,
        due_at=calendar.add_working_days(calendar.next_working_moment(at), settings.COMPLAINT_ANSWER_DAYS))
    record_tallies.on_change(complaint, before=None)
    record_audit(actor=actor, action="dossier.complaint_filed", obj=dossier,
                 after={"complaint": complaint.pk, "due_at": complaint.due_at})
    return complaint


@transaction.atomic
def answer_complaint(*, complaint_id: int, actor, answer: str, at: datetime | None = None) -> Complaint:
    at = at or timezone.now()
    if not answer.strip():
        raise ValidationError(_("Write the answer to the complaint."))
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("dossier__agency__unit").get(pk=complaint_id)
    require(actor, "dossiers.approve", complaint.dossier.agency.unit)
    if complaint.answered_at is not None:
        raise TransitionNotAllowed(_("This complaint has already been answered."))
    before = record_tallies.snapshot(complaint)
    complaint.answer, complaint.answered_at, complaint.answered_by = answer.strip(), at, actor
    complaint.save()
    record_tallies.on_change(complaint, before=before)
    record_audit(actor=actor, action="dossier.complaint_answered", obj=complaint.dossier,
                 after={"complaint": complaint.pk, "on_time": complaint.answered_on_time})
    _notify(complaint.dossier, _("Answer to your complaint about dossier %(code)s")
            % {"code": complaint.dossier.code}, answer.strip())
    return complaint


@transaction.atomic
def judge_complaint_answer(*, complaint_id: int, actor, satisfied: bool) -> Complaint:
    complaint = (Complaint.objects.select_for_update(of=("self",)).select_related("dossier__agency")
                 .get(pk=complaint_id))
    if not _is_owner(actor, complaint.dossier):
        raise PermissionDenied(_("Only the applicant can judge the answer."))
    if complaint.answered_at is None:
        raise TransitionNotAllowed(_("The complaint has not been answered yet."))
    before = record_tallies.snapshot(complaint)
    complaint.complainant_satisfied = bool(satisfied)
    complaint.save(update_fields=["complainant_satisfied"])
    record_tallies.on_change(complaint, before=before)
    record_audit(actor=actor, action="dossier.complaint_judged", obj=complaint.dossier,
                 after={"complaint": complaint.pk, "satisfied": bool(satisfied)})
    return complaint


ACTION_LABELS = {
    "receive": gettext_lazy("receive"), "refuse": gettext_lazy("refuse"), "assign": gettext_lazy("assign"),
    "start": gettext_lazy("start"), "forward": gettext_lazy("move to the next step"),
    "send_back": gettext_lazy("send back"), "attach_result": gettext_lazy("attach the result"),
    "return_result": gettext_lazy("return the result"), "request_supplement": gettext_lazy("request a supplement"),
    "supplement": gettext_lazy("supplement"), "request_fee": gettext_lazy("ask for the fee"),
    "pay_fee": gettext_lazy("record the payment"), "withdraw": gettext_lazy("withdraw"),
    "approve_withdrawal": gettext_lazy("approve the withdrawal"), "stop": gettext_lazy("stop"),
    "transfer": gettext_lazy("transfer"), "take_back": gettext_lazy("take back"),
    "apologise": gettext_lazy("issue an apology"), "rate": gettext_lazy("rate"),
    "complain": gettext_lazy("complain"),
}
