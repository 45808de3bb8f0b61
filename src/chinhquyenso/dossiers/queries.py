"""Reads of dossiers that pages, the API and indicators share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from chinhquyenso.org.permissions import can, scope_units

from .models import Dossier


def _in_units(units) -> Q:
    """Dossiers of agencies attached to these units or to any unit below them."""
    ids = [u.pk for u in units]
    return (Q(agency__unit__in=ids) | Q(agency__unit__parent__in=ids)
            | Q(agency__unit__parent__parent__in=ids)
            | Q(agency__unit__parent__parent__parent__in=ids)
            | Q(transferred_to__unit__in=ids))


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """An official sees the dossiers in their scope; a citizen sees their own."""
    dossiers = Dossier.objects.select_related("procedure", "agency", "current_step")
    if not getattr(user, "is_authenticated", False):
        return dossiers.none()
    units = list(scope_units(user, "dossiers.view"))
    if units:
        return dossiers.filter(_in_units(units) | Q(owner=user) | Q(assisted_by=user)).distinct()
    return dossiers.filter(Q(owner=user) | Q(assisted_by=user))


def behind_indicator(dossiers: QuerySet[Dossier], params) -> tuple[QuerySet[Dossier], str | None]:
    """The dossiers behind a number of the indicators' dashboard: `params` (the query
    string) names a unit (`unit`, its id: the unit, the units below it and those merged
    into them), a period (`from`, `to`: yyyy-mm-dd) and a set of dossiers (`set`, one of
    indicators.aggregates.DOSSIER_SETS). Returns the filtered dossiers and a description
    of the filter, or the dossiers unchanged and None when the parameters do not name one."""
    from datetime import date

    from chinhquyenso.indicators import aggregates
    from chinhquyenso.indicators.computation import unit_ids
    from chinhquyenso.org.models import AdministrativeUnit

    name, unit_id = params.get("set", ""), params.get("unit", "")
    if name not in aggregates.DOSSIER_SETS or not unit_id.isdigit():
        return dossiers, None
    try:
        start, end = date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
    except ValueError:
        return dossiers, None
    unit = AdministrativeUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        return dossiers.none(), None
    found = aggregates.dossiers_behind(dossiers, dossier_set=name, unit_ids=unit_ids(unit), start=start, end=end)
    return found, f"{aggregates.set_label(name)} · {unit.name} · {start:%d/%m/%Y}–{end:%d/%m/%Y}"


def may_view(user, dossier: Dossier) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk in (dossier.owner_id, dossier.assisted_by_id):
        return True
    if can(user, "dossiers.view", dossier.agency.unit):
        return True
    return dossier.transferred_to is not None and can(user, "dossiers.view", dossier.transferred_to.unit)


def find_for_tracking(*, code: str, id4: str) -> Dossier | None:
    """Public tracking: the code plus the last four digits of the applicant's identification
    number, so a code alone reveals nothing. A wrong pair finds nothing, exactly like an
    unknown code."""
    id4 = id4.strip()
    if len(id4) != 4 or not id4.isdigit():
        return None
    from .loading import load_dossier

    dossier = load_dossier(code=code.strip())  # codes are unique
    if dossier is None or not dossier.applicant_id_number.endswith(id4):
        return None
    return dossier


# Actions offered on a dossier's page, in the order shown, with what each asks for.
ACTION_FIELDS = {
    "receive": (), "refuse": ("reason",), "assign": ("assignee",), "start": (),
    "attach_result": ("file",), "forward": ("note",), "send_back": ("reason",),
    "return_result": (), "request_supplement": ("reason",), "supplement": ("files", "note"),
    "request_fee": ("amount",), "pay_fee": ("reference",), "withdraw": ("reason",),
    "approve_withdrawal": (), "transfer": ("to_agency", "reason"), "take_back": ("note",),
    "apologise": ("reason", "new_due_at"), "stop": ("reason",), "rate": ("satisfied", "comment"),
    "complain": ("text",),
}


def actions_for(user, dossier: Dossier) -> list[str]:
    """The transitions this user may perform on this dossier now (the services check
    again; this only decides which buttons to show)."""
    from chinhquyenso.org.models import Role

    from .models import OPEN_STATES, State

    unit = dossier.agency.unit
    owner = getattr(user, "pk", None) is not None and user.pk == dossier.owner_id
    state = dossier.state
    step_role = dossier.current_step.role if dossier.current_step_id else None
    offered = []

    def offer(action, allowed):
        if allowed:
            offered.append(action)

    offer("receive", state == State.SUBMITTED and can(user, "dossiers.receive", unit))
    offer("refuse", state == State.SUBMITTED and can(user, "dossiers.receive", unit))
    offer("assign", state in (State.RECEIVED, State.ASSIGNED) and can(user, "dossiers.assign", unit))
    offer("start", state == State.ASSIGNED and dossier.assignee_id == user.pk)
    processing_here = state in (State.PROCESSING, State.AWAITING_SIGNATURE)
    offer("attach_result", processing_here and (can(user, "dossiers.process", unit)
                                                or can(user, "dossiers.approve", unit)))
    step_action = {Role.SPECIALIST: "dossiers.process", Role.LEADER: "dossiers.approve",
                   Role.COUNTER_OFFICER: "dossiers.return_result"}.get(step_role)
    offer("forward", processing_here and step_action is not None and can(user, step_action, unit)
          and (step_role != Role.SPECIALIST or dossier.assignee_id in (None, user.pk)))
    offer("send_back", state == State.AWAITING_SIGNATURE and can(user, "dossiers.approve", unit))
    offer("return_result", state == State.DONE and can(user, "dossiers.return_result", unit))
    offer("request_supplement", state in (State.SUBMITTED, State.RECEIVED, State.ASSIGNED,
                                          State.PROCESSING)
          and can(user, "dossiers.supplement_request", unit))
    offer("supplement", state == State.SUPPLEMENT_REQUESTED
          and (owner or can(user, "dossiers.receive", unit)))
    offer("request_fee", state == State.PROCESSING and can(user, "dossiers.process", unit))
    offer("pay_fee", state == State.FEE_DUE and can(user, "dossiers.receive", unit))
    offer("withdraw", owner and state in OPEN_STATES and not dossier.withdrawal_requested)
    offer("approve_withdrawal", dossier.withdrawal_requested and state in OPEN_STATES
          and can(user, "dossiers.approve", unit))
    offer("transfer", state in (State.RECEIVED, State.ASSIGNED, State.PROCESSING)
          and can(user, "dossiers.transfer", unit))
    offer("take_back", state == State.TRANSFERRED and (
        can(user, "dossiers.transfer", unit)
        or (dossier.transferred_to is not None and can(user, "dossiers.receive", dossier.transferred_to.unit))))
    offer("apologise", state in OPEN_STATES and state != State.SUBMITTED
          and can(user, "dossiers.apologise", unit))
    offer("stop", state in OPEN_STATES and state != State.SUBMITTED and can(user, "dossiers.stop", unit))
    offer("rate", owner and state == State.RETURNED and not hasattr(dossier, "rating"))
    offer("complain", owner and state != State.SUBMITTED)
    return offered


def reusable_files(user, applicant_id_number: str) -> QuerySet:
    """Documents of the applicant's earlier dossiers that a new dossier may reuse instead
    of an upload (components, supplements, results): a citizen's own dossiers; at a
    counter or with a community team, the earlier dossiers of the applicant the official
    identified by number and may assist."""
    from .models import DossierFile

    files = DossierFile.objects.select_related("dossier", "component").filter(
        kind__in=[DossierFile.Kind.COMPONENT, DossierFile.Kind.SUPPLEMENT, DossierFile.Kind.RESULT])
    if not getattr(user, "is_authenticated", False):
        return files.none()
    if can(user, "dossiers.submit_assisted"):
        number = str(applicant_id_number or "").strip()
        if len(number) != 12 or not number.isdigit():
            return files.none()
        return files.filter(dossier__applicant_id_number=number).order_by("-uploaded_at", "-pk")
    return files.filter(dossier__owner=user).order_by("-uploaded_at", "-pk")
