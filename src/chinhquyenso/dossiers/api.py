"""Dossier API: submission, listing, detail, transitions (409 when the state does not
allow it, 403 when the role or scope does not), and public tracking."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from chinhquyenso.identity import oidc
from chinhquyenso.org.models import Agency

from . import services
from .deadlines import standing
from .loading import load_dossier
from .locking import LockedDossier, lock_dossier
from .models import Dossier
from .queries import dossiers_visible_to, find_for_tracking, may_view
from .submission_targets import submission_targets

router = Router(tags=["dossiers"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class EventOut(Schema):
    at: datetime
    action: str
    from_state: str
    to_state: str
    note: str


class DossierOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    channel: str
    state: str
    standing: str
    assisted: bool
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    current_step: str | None


class DossierDetailOut(DossierOut):
    events: list[EventOut]
    answers: dict


def timeline_of(dossier: Dossier):
    """The dossier's events in order. Explicitly ordered: the model's default ordering
    starts with the dossier, which joins the dossiers table to sort by its submission."""
    return dossier.events.order_by("at", "pk")


def dossier_out(dossier: Dossier, *, detail: bool = False) -> dict:
    from chinhquyenso.org.queries import calendar_for

    body = {
        "code": dossier.code, "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure.name, "agency_code": dossier.agency.code,
        "channel": dossier.channel, "state": dossier.state,
        "standing": standing(dossier, calendar_for(dossier.agency)),
        "assisted": dossier.assisted_by_id is not None, "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at, "due_at": dossier.due_at,
        "finished_at": dossier.finished_at,
        "current_step": dossier.current_step.name if dossier.current_step_id else None,
    }
    if detail:
        body["events"] = list(timeline_of(dossier))
        body["answers"] = dossier.answers
    return body


@router.post("dossiers", response={201: DossierOut, **ERRORS}, auth=django_auth,
             summary="Submit a dossier (multipart: fields, answers as answer_<key>, files as file_<order>)")
def submit(request):
    from chinhquyenso.identity.oidc import has_eid_level
    from chinhquyenso.org.permissions import can

    data = request.POST
    # One statement (submission_targets.py); the components, read three times (here, the
    # check for missing ones, the storing), come with the procedure. The agency's unit is
    # checked by the service.
    procedure, agency = submission_targets(procedure_code=data.get("procedure", ""),
                                           agency_code=data.get("agency", ""))
    if procedure is None:
        raise Http404("No Procedure matches the given query.")
    if not can(request.user, "dossiers.submit_assisted") and not has_eid_level(
            request, procedure.eid_level_required):
        return Status(403, {"detail": _("Log in with a level %(level)s electronic identification "
                                        "account to submit this dossier.")
                            % {"level": procedure.eid_level_required}})
    if agency is None:
        raise Http404("No Agency matches the given query.")
    components = {c.order: c.pk for c in procedure.components.all()}
    files = {}
    for name in request.FILES:
        if name.startswith("file_") and name[5:].isdigit() and int(name[5:]) in components:
            files[components[int(name[5:])]] = request.FILES.getlist(name)
    answers = {key[7:]: value for key, value in data.items() if key.startswith("answer_")}
    dossier = services.submit_dossier(
        procedure=procedure, agency=agency, submitted_by=request.user,
        applicant={"name": data.get("applicant_name", ""), "phone": data.get("applicant_phone", ""),
                   "email": data.get("applicant_email", ""), "id_number": data.get("applicant_id_number", ""),
                   "address": data.get("applicant_address", "")},
        answers=answers, files=files, channel=data.get("channel") or None,
        citizen_consent=data.get("citizen_consent") in ("1", "true", "on"),
        eid_level=oidc.eid_level(request))
    return Status(201, dossier_out(dossier))


@router.get("dossiers", response=list[DossierOut], auth=django_auth,
            summary="Dossiers the caller may see (an official's scope, a citizen's own)")
def list_dossiers(request, state: str = "", standing_is: str = "", limit: int = 100):
    dossiers = dossiers_visible_to(request.user).order_by("-submitted_at")
    if state:
        dossiers = dossiers.filter(state=state)
    rows = [dossier_out(d) for d in dossiers[: max(1, min(limit, 500))]]
    if standing_is:
        rows = [r for r in rows if r["standing"] == standing_is]
    return rows


def _check_visible(request, dossier: Dossier | None) -> None:
    if dossier is None or not may_view(request.user, dossier):
        raise HttpError(404, "Not found")


def _visible(request, code: str) -> Dossier:
    """The dossier if the caller may see it (404 otherwise, as for an unknown code), with
    its procedure, agency, units and current step (one prebuilt statement)."""
    dossier = load_dossier(code=code)
    _check_visible(request, dossier)
    return dossier


@contextmanager
def _locked_visible(request, code: str) -> Iterator[LockedDossier]:
    """As _visible(), for a transition: a transaction in which the dossier's row is locked
    before the caller's right to see it is checked; the service performs the transition
    in it with this same instance (locking.py), so the dossier is read once."""
    with lock_dossier(code=code) as held:
        _check_visible(request, held.dossier if held is not None else None)
        yield held


@router.get("dossiers/{code}", response={200: DossierDetailOut, 401: ErrorOut, 404: ErrorOut},
            auth=django_auth, summary="One dossier")
def dossier_detail(request, code: str):
    return dossier_out(_visible(request, code), detail=True)


class ActionIn(Schema):
    reason: str = ""
    note: str = ""
    assignee: str | None = None
    amount: int | None = None
    to_agency: str | None = None
    new_due_at: datetime | None = None
    satisfied: bool | None = None
    reference: str = ""
    text: str = ""


ACTIONS = {
    "receive": lambda h, u, b: services.receive_dossier(locked=h, actor=u),
    "refuse": lambda h, u, b: services.refuse_dossier(locked=h, actor=u, reason=b.reason),
    "assign": lambda h, u, b: services.assign_dossier(
        locked=h, actor=u,
        assignee=get_object_or_404(get_user_model(), username=b.assignee or "")),
    "start": lambda h, u, b: services.start_processing(locked=h, actor=u),
    "forward": lambda h, u, b: services.forward_dossier(locked=h, actor=u, note=b.note),
    "send_back": lambda h, u, b: services.send_back(locked=h, actor=u, reason=b.reason),
    "return_result": lambda h, u, b: services.return_result(locked=h, actor=u),
    "request_supplement": lambda h, u, b: services.request_supplement(
        locked=h, actor=u, reason=b.reason),
    "request_fee": lambda h, u, b: services.request_fee(locked=h, actor=u, amount=b.amount),
    "pay_fee": lambda h, u, b: services.pay_fee(locked=h, actor=u, reference=b.reference),
    "withdraw": lambda h, u, b: services.withdraw_dossier(locked=h, actor=u, reason=b.reason),
    "approve_withdrawal": lambda h, u, b: services.approve_withdrawal(locked=h, actor=u),
    "stop": lambda h, u, b: services.stop_dossier(locked=h, actor=u, reason=b.reason),
    "transfer": lambda h, u, b: services.transfer_dossier(
        locked=h, actor=u, reason=b.reason,
        to_agency=get_object_or_404(Agency, code=b.to_agency or "")),
    "take_back": lambda h, u, b: services.take_back_dossier(locked=h, actor=u, note=b.note),
    "apologise": lambda h, u, b: services.issue_apology(
        locked=h, actor=u, reason=b.reason,
        new_due_at=b.new_due_at or timezone.now()).dossier,
    "rate": lambda h, u, b: services.rate_dossier(
        locked=h, actor=u, satisfied=bool(b.satisfied), comment=b.note).dossier,
    "complain": lambda h, u, b: services.file_complaint(locked=h, actor=u, text=b.text).dossier,
}


@router.post("dossiers/{code}/actions/{action}", response={200: DossierOut, **ERRORS}, auth=django_auth,
             summary="Perform a transition: receive, refuse, assign, start, forward, …")
def perform(request, code: str, action: str, body: ActionIn):
    handler = ACTIONS.get(action)
    if handler is None:
        _visible(request, code)  # an invisible dossier answers as an unknown code
        raise HttpError(404, f"Unknown action {action}")
    with _locked_visible(request, code) as held:
        dossier = handler(held, request.user, body)
    return dossier_out(dossier)


class FileOut(Schema):
    id: int
    kind: str
    original_name: str
    size: int
    sha256: str


@router.post("dossiers/{code}/result", response={201: FileOut, **ERRORS}, auth=django_auth,
             summary="Attach the result file (multipart field `file`)")
def attach_result(request, code: str):
    with _locked_visible(request, code) as held:
        upload = request.FILES.get("file")
        if upload is None:
            return Status(400, {"detail": _("Choose the result file.")})
        stored = services.attach_result(locked=held, actor=request.user, uploaded_file=upload)
    return Status(201, stored)


@router.post("dossiers/{code}/supplement", response={200: DossierOut, **ERRORS}, auth=django_auth,
             summary="Add the requested documents (multipart fields `files`, optional `note`)")
def supplement(request, code: str):
    with _locked_visible(request, code) as held:
        dossier = services.supplement_dossier(locked=held, actor=request.user,
                                              files=request.FILES.getlist("files"),
                                              note=request.POST.get("note", ""))
    return dossier_out(dossier)


class TimelineOut(Schema):
    status: str
    at: datetime


class TrackingOut(Schema):
    code: str
    procedure: str
    status: str
    status_label: str
    standing: str
    received_at: datetime | None
    due_at: datetime | None
    timeline: list[TimelineOut]


@router.get("public/dossiers/{code}", response={200: TrackingOut, 404: ErrorOut},
            summary="Track a dossier: its code and the last 4 digits of the applicant's ID number")
def track(request, code: str, id4: str = ""):
    """A public contract (printed QR codes link here): keep its path and shape. A wrong
    `id4` answers exactly like an unknown code."""
    from chinhquyenso.org.queries import calendar_for

    dossier = find_for_tracking(code=code, id4=id4)
    if dossier is None:
        return Status(404, {"detail": "Không tìm thấy hồ sơ (dossier not found)."})
    return {"code": dossier.code, "procedure": dossier.procedure.name, "status": dossier.state,
            "status_label": str(dossier.get_state_display()),
            "standing": standing(dossier, calendar_for(dossier.agency)),
            "received_at": dossier.received_at, "due_at": dossier.due_at,
            "timeline": [{"status": e.to_state, "at": e.at} for e in timeline_of(dossier)]}
