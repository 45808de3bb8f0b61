"""Pages of the one-stop shop: submitting, following and handling dossiers."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chinhquyenso.identity import oidc
from chinhquyenso.org.models import Agency, AgencyKind, UnitLevel
from chinhquyenso.org.permissions import can, holders
from chinhquyenso.org.queries import calendar_for
from chinhquyenso.procedures.models import CompetentLevel, Procedure, ServiceLevel

from . import services
from .answers import form_class_for
from .deadlines import DUE_SOON, Standing, overdue_q, standing
from .locking import LockedDossier, lock_dossier
from .models import OPEN_STATES, ApologyLetter, Dossier, DossierFile, State
from .queries import (
    ACTION_FIELDS,
    actions_for,
    behind_indicator,
    dossiers_visible_to,
    find_for_tracking,
    may_view,
)
from .services import ACTION_LABELS, TransitionNotAllowed


def receiving_agencies(procedure: Procedure):
    level = UnitLevel.DISTRICT if procedure.level == CompetentLevel.CITY else UnitLevel.WARD
    return (Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE, is_active=True, unit__level=level)
            .select_related("unit").order_by("unit__code"))


def _errors_of(error: ValidationError) -> tuple[dict, list]:
    if hasattr(error, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}, []
    return {}, list(error.messages)


def _applicant_from_citizen(user) -> dict:
    """The logged-in citizen's details: name and address from the population registry
    (looked up by the number of their e-ID account), contact from their record."""
    from chinhquyenso.identity.population import get_registry

    account = getattr(user, "citizen_account", None)
    citizen = getattr(account, "citizen", None)
    if citizen is None:
        return {}
    person = get_registry().lookup(citizen.id_number)
    return {"applicant_name": person.full_name if person else citizen.full_name,
            "applicant_id_number": citizen.id_number,
            "applicant_birth_date": (person.birth_date if person else citizen.birth_date).strftime("%d/%m/%Y"),
            "applicant_address": (person.address if person else "") or citizen.address,
            "applicant_phone": citizen.phone, "applicant_email": citizen.email}


SELF_PREFIXES = ("", "applicant_", "requester_", "owner_", "holder_")


def _answers_from_population(spec: list[dict], values: dict) -> dict:
    """Declaration fields about the applicant themself (their name, date of birth,
    address) filled from the population data, in the form's own format."""
    known = {"full_name": values.get("applicant_name", ""),
             "birth_date": values.get("applicant_birth_date", ""),
             "address": values.get("applicant_address", "")}
    initial = {}
    for field in spec:
        for prefix in SELF_PREFIXES:
            for name, value in known.items():
                if value and field["key"] == f"{prefix}{name}":
                    initial[field["key"]] = value
    return initial


def _applicant_from_registry(request, id_number: str) -> dict:
    """At the counter: the citizen identified by number (as a chip-card reader types it),
    from the population registry, so nobody retypes their details. The look-up of a
    full record is audited."""
    from chinhquyenso.identity.idnumbers import normalize_id_number
    from chinhquyenso.identity.models import Citizen
    from chinhquyenso.identity.population import get_registry
    from chinhquyenso.identity.services import record_full_view

    number = normalize_id_number(id_number)
    person = get_registry().lookup(number) if len(number) == 12 and number.isdigit() else None
    if person is None:
        messages.error(request, _("No resident has this identification number in the population data."))
        return {"applicant_id_number": number}
    citizen = Citizen.objects.filter(id_number=number).first()
    if citizen is not None:
        record_full_view(viewer=request.user, citizen=citizen, purpose="Tiếp nhận hồ sơ tại bộ phận một cửa")
    return {"applicant_name": person.full_name, "applicant_id_number": number,
            "applicant_birth_date": person.birth_date.strftime("%d/%m/%Y"),
            "applicant_address": getattr(person, "address", ""), "population_data": "1"}


def submit(request, code: str):
    procedure = get_object_or_404(Procedure.objects.prefetch_related("components"), code=code,
                                  is_published=True)
    if procedure.service_level == ServiceLevel.INFORMATION:
        messages.info(request, _("This procedure is information only: it cannot be submitted online."))
        return redirect("procedures:detail", code=code)
    assisted = can(request.user, "dossiers.submit_assisted")
    if not assisted:
        # Citizens log in with their electronic identification at the level the procedure asks.
        from chinhquyenso.identity.oidc import require_eid_level

        login = require_eid_level(request, procedure.eid_level_required)
        if login is not None:
            return login
    agencies = list(receiving_agencies(procedure))
    AnswersForm = form_class_for(procedure.form)
    field_errors, general_errors = {}, []
    own = {} if assisted else _applicant_from_citizen(request.user)
    if request.method == "POST":
        values = request.POST.copy()
        values.update(own)  # a citizen submits as themself: their record's name and number
    elif assisted and request.GET.get("id_number"):
        values = _applicant_from_registry(request, request.GET["id_number"])
    else:
        values = own
    answers_form = AnswersForm(request.POST or None, prefix="answer",
                               initial=_answers_from_population(procedure.form, values))
    if request.method == "POST":
        agency = next((a for a in agencies if str(a.pk) == request.POST.get("agency")), None)
        files = {c.pk: request.FILES.getlist(f"file_{c.pk}") for c in procedure.components.all()}
        try:
            if agency is None:
                raise ValidationError({"agency": [_("Choose the agency that receives the dossier.")]})
            dossier = services.submit_dossier(
                procedure=procedure, agency=agency, submitted_by=request.user,
                applicant={"name": values.get("applicant_name", ""),
                           "phone": values.get("applicant_phone", ""),
                           "email": values.get("applicant_email", ""),
                           "id_number": values.get("applicant_id_number", ""),
                           "address": values.get("applicant_address", "")},
                answers={k[len("answer-"):]: v for k, v in request.POST.items() if k.startswith("answer-")},
                files={k: v for k, v in files.items() if v},
                reuse={c.pk: [f for f in request.POST.getlist(f"reuse_{c.pk}") if f.isdigit()]
                       for c in procedure.components.all()},
                channel=request.POST.get("channel") or None,
                citizen_consent=request.POST.get("citizen_consent") == "on",
                population_data_used=bool(own) or request.POST.get("population_data") == "1",
                eid_level=oidc.eid_level(request))
        except ValidationError as error:
            field_errors, general_errors = _errors_of(error)
            answers_form.is_valid()  # show the per-field messages next to the fields
        else:
            messages.success(request, _("Dossier %(code)s has been submitted. Keep this code to follow it.")
                             % {"code": dossier.code})
            return redirect("dossiers:detail", code=dossier.code)
    from .queries import reusable_files

    earlier = list(reusable_files(request.user, values.get("applicant_id_number", ""))[:20])
    components = []
    for component in procedure.components.all():
        chosen = set(request.POST.getlist(f"reuse_{component.pk}"))
        components.append({"component": component,
                           "earlier": [(f, str(f.pk) in chosen) for f in earlier],
                           "reusing": bool(chosen)})
    return render(request, "dossiers/submit.html", {
        "procedure": procedure, "agencies": agencies, "answers_form": answers_form,
        "components": components,
        "assisted": assisted, "values": values, "from_record": bool(own),
        "field_errors": field_errors, "general_errors": general_errors,
    })


@login_required
def my_dossiers(request):
    dossiers = dossiers_visible_to(request.user).order_by("-submitted_at")
    page = Paginator(dossiers, 25).get_page(request.GET.get("page"))
    rows = [(dossier, st, None) for dossier, st in _with_standing(page)]
    return render(request, "dossiers/list.html", {"page": page, "rows": rows})


def _with_standing(dossiers):
    calendars, now, rows = {}, timezone.now(), []
    for d in dossiers:
        cal = calendars.get(d.agency_id)
        if cal is None:
            cal = calendars[d.agency_id] = calendar_for(d.agency)
        rows.append((d, standing(d, cal, now)))
    return rows


QUEUES = (
    # key, label, filter on the dossiers visible to the official
    ("to_receive", gettext_lazy("To receive"), lambda now: Q(state=State.SUBMITTED)),
    ("to_process", gettext_lazy("To process"),
     lambda now: Q(state__in=[State.RECEIVED, State.ASSIGNED, State.PROCESSING])),
    ("to_sign", gettext_lazy("To sign"), lambda now: Q(state=State.AWAITING_SIGNATURE)),
    ("to_return", gettext_lazy("To return"), lambda now: Q(state=State.DONE)),
    ("waiting", gettext_lazy("Waiting for the citizen"),
     lambda now: Q(state__in=[State.SUPPLEMENT_REQUESTED, State.FEE_DUE])),
    ("due_soon", gettext_lazy("Due soon"), None),
    ("overdue", gettext_lazy("Overdue"), lambda now: overdue_q(now)),
    ("all_open", gettext_lazy("All open"), lambda now: Q(state__in=OPEN_STATES)),
    ("closed", gettext_lazy("Closed"), lambda now: ~Q(state__in=OPEN_STATES)),
    ("all", gettext_lazy("All dossiers"), lambda now: Q()),
)


def _queue_filter(key: str, now, calendar) -> Q:
    if key == "due_soon":
        soon = calendar.add_working_time(now, DUE_SOON)
        return Q(state__in=OPEN_STATES - {State.SUBMITTED}, paused_at__isnull=True,
                 due_at__gte=now, due_at__lte=soon)
    return dict((k, f) for k, _label, f in QUEUES)[key](now)


#: The query parameters of "the dossiers behind a number" of the indicators' dashboard.
BEHIND_PARAMS = ("set", "unit", "from", "to")


@login_required
def inbox(request):
    """Officials' work queues: to receive, to process, to sign, to return, due soon, overdue,
    with counts, filters and the working time left on each dossier."""
    if not can(request.user, "dossiers.view"):
        raise PermissionDenied(_("Your role does not include handling dossiers."))
    now = timezone.now()
    calendar = calendar_for(None)
    queue = request.GET.get("queue", "all_open")
    queue = queue if queue in {k for k, _l, _f in QUEUES} else "all_open"
    visible = dossiers_visible_to(request.user)
    procedure = request.GET.get("procedure", "")
    agency = request.GET.get("agency", "")
    q = request.GET.get("q", "").strip()
    if procedure.isdigit():
        visible = visible.filter(procedure_id=procedure)
    if agency.isdigit():
        visible = visible.filter(agency_id=agency)
    if q:
        visible = visible.filter(Q(code__icontains=q) | Q(applicant_name__icontains=q))
    if request.GET.get("mine") == "1":
        visible = visible.filter(assignee=request.user)
    # From a number of the indicators' dashboard: the dossiers it counts.
    visible, behind = behind_indicator(visible, request.GET)
    if behind:
        messages.info(request, _("Dossiers behind the number: %(what)s") % {"what": behind})
    counts = visible.aggregate(**{key: Count("pk", filter=_queue_filter(key, now, calendar))
                                  for key, _label, _f in QUEUES})
    dossiers = visible.filter(_queue_filter(queue, now, calendar)).order_by(
        F("due_at").asc(nulls_last=True), "submitted_at")
    page = Paginator(dossiers, 50).get_page(request.GET.get("page"))
    rows = []
    for dossier, st in _with_standing(page):
        left = None
        if dossier.due_at and dossier.is_open and dossier.paused_at is None:
            left = calendar_for(dossier.agency).working_time_between(now, dossier.due_at).total_seconds() / 3600
        rows.append((dossier, st, left))
    ids = visible.values("procedure_id").distinct()
    # Tabs and pages keep every filter, those of a dashboard's number included.
    keep = request.GET.copy()
    for name in ("queue", "page"):
        keep.pop(name, None)
    return render(request, "dossiers/inbox.html", {
        "page": page, "rows": rows, "queue": queue, "keep": keep.urlencode(),
        "behind_params": [(k, request.GET[k]) for k in BEHIND_PARAMS if request.GET.get(k)],
        "queues": [(key, label, counts[key]) for key, label, _f in QUEUES],
        "procedures": Procedure.objects.filter(pk__in=ids).order_by("name"),
        "agencies": Agency.objects.filter(pk__in=visible.values("agency_id").distinct()),
        "filters": {"procedure": procedure, "agency": agency, "q": q, "mine": request.GET.get("mine", "")},
    })


def _visible_dossier(request, code: str) -> Dossier:
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "agency", "agency__unit", "current_step", "assignee",
                                       "transferred_to", "assisted_by"), code=code)
    if not may_view(request.user, dossier):
        raise Http404
    return dossier


@login_required
def detail(request, code: str):
    dossier = _visible_dossier(request, code)
    calendar = calendar_for(dossier.agency)
    offered = actions_for(request.user, dossier)
    context = {
        "dossier": dossier, "standing": standing(dossier, calendar),
        "standing_labels": Standing.LABELS, "events": dossier.events.select_related("actor"),
        "files": dossier.files.select_related("component"),
        "apologies": dossier.apologies.all(),
        "complaints": dossier.complaints.all(),
        "can_answer_complaints": can(request.user, "dossiers.approve", dossier.agency.unit),
        "is_owner": request.user.pk == dossier.owner_id,
        "actions": [(a, ACTION_LABELS[a], ACTION_FIELDS[a]) for a in offered],
        "is_official": can(request.user, "dossiers.view", dossier.agency.unit),
        "answers": [(spec.get("label", spec["key"]), dossier.answers.get(spec["key"], ""))
                    for spec in dossier.procedure.form],
    }
    if "assign" in offered:
        context["assignees"] = holders("dossiers.process", dossier.agency.unit)
    if "transfer" in offered:
        context["other_agencies"] = Agency.objects.filter(is_active=True).exclude(pk=dossier.agency_id)
    return render(request, "dossiers/detail.html", context)


@login_required
@require_POST
def act(request, code: str, action: str):
    if action not in ACTION_FIELDS:
        raise Http404
    try:
        # The dossier is read once, its row locked before the visibility check, and the
        # service performs the transition in that same transaction (locking.py).
        with lock_dossier(code=code) as held:
            if held is None or not may_view(request.user, held.dossier):
                raise Http404
            _perform(request, action, held)
    except (ValidationError, TransitionNotAllowed) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
    return redirect("dossiers:detail", code=code)


def _perform(request, action: str, held: LockedDossier) -> None:
    post, user = request.POST, request.user
    if action == "assign":
        assignee = get_user_model().objects.filter(pk=post.get("assignee") or 0).first()
        if assignee is None:
            raise ValidationError(_("Choose the official to assign."))
        services.assign_dossier(locked=held, actor=user, assignee=assignee)
    elif action == "transfer":
        target = Agency.objects.filter(pk=post.get("to_agency") or 0).first()
        if target is None:
            raise ValidationError(_("Choose the agency."))
        services.transfer_dossier(locked=held, actor=user, to_agency=target, reason=post.get("reason", ""))
    elif action == "attach_result":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(_("Choose the result file."))
        services.attach_result(locked=held, actor=user, uploaded_file=upload)
    elif action == "supplement":
        services.supplement_dossier(locked=held, actor=user, files=request.FILES.getlist("files"),
                                    note=post.get("note", ""))
    elif action == "request_fee":
        amount = post.get("amount", "").replace(".", "").replace(",", "").strip()
        services.request_fee(locked=held, actor=user,
                             amount=int(amount) if amount.isdigit() else (0 if amount else None))
    elif action == "pay_fee":
        services.pay_fee(locked=held, actor=user, reference=post.get("reference", ""))
    elif action == "complain":
        services.file_complaint(locked=held, actor=user, text=post.get("text", ""))
    elif action == "apologise":
        services.issue_apology(locked=held, actor=user, reason=post.get("reason", ""),
                               new_due_at=_parse_moment(post.get("new_due_at", "")))
    elif action == "rate":
        if post.get("satisfied") not in ("yes", "no"):
            raise ValidationError(_("Say whether you are satisfied."))
        services.rate_dossier(locked=held, actor=user, satisfied=post.get("satisfied") == "yes",
                              comment=post.get("comment", ""))
    else:
        simple = {
            "receive": lambda: services.receive_dossier(locked=held, actor=user),
            "refuse": lambda: services.refuse_dossier(locked=held, actor=user, reason=post.get("reason", "")),
            "start": lambda: services.start_processing(locked=held, actor=user),
            "forward": lambda: services.forward_dossier(locked=held, actor=user, note=post.get("note", "")),
            "send_back": lambda: services.send_back(locked=held, actor=user, reason=post.get("reason", "")),
            "return_result": lambda: services.return_result(locked=held, actor=user),
            "request_supplement": lambda: services.request_supplement(
                locked=held, actor=user, reason=post.get("reason", "")),
            "withdraw": lambda: services.withdraw_dossier(locked=held, actor=user,
                                                          reason=post.get("reason", "")),
            "approve_withdrawal": lambda: services.approve_withdrawal(locked=held, actor=user),
            "take_back": lambda: services.take_back_dossier(locked=held, actor=user,
                                                            note=post.get("note", "")),
            "stop": lambda: services.stop_dossier(locked=held, actor=user, reason=post.get("reason", "")),
        }
        simple[action]()


def _parse_moment(value: str) -> datetime:
    """dd/mm/yyyy [HH:MM] in Vietnam time; 17:00 when no time is given."""
    value = value.strip()
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt == "%d/%m/%Y":
            parsed = datetime.combine(parsed.date(), time(17, 0))
        return timezone.make_aware(parsed)
    raise ValidationError(_("Write the new return date as dd/mm/yyyy, optionally followed by HH:MM."))


@login_required
@require_POST
def answer_complaint(request, code: str, complaint_id: int):
    dossier = _visible_dossier(request, code)
    complaint = get_object_or_404(dossier.complaints, pk=complaint_id)
    try:
        if "satisfied" in request.POST:
            services.judge_complaint_answer(complaint_id=complaint.pk, actor=request.user,
                                            satisfied=request.POST["satisfied"] == "yes")
        else:
            services.answer_complaint(complaint_id=complaint.pk, actor=request.user,
                                      answer=request.POST.get("answer", ""))
    except (ValidationError, TransitionNotAllowed) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        messages.success(request, _("The complaint has been updated."))
    return redirect("dossiers:detail", code=code)


@login_required
def download(request, code: str, file_id: int):
    dossier = _visible_dossier(request, code)
    stored = get_object_or_404(DossierFile, pk=file_id, dossier=dossier)
    if (stored.kind == DossierFile.Kind.RESULT and request.user.pk == dossier.owner_id
            and dossier.state != State.RETURNED and not can(request.user, "dossiers.view", dossier.agency.unit)):
        raise Http404  # the citizen gets the result once it is returned
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.original_name)


@login_required
def apology_pdf(request, code: str, letter_id: int):
    dossier = _visible_dossier(request, code)
    letter = get_object_or_404(ApologyLetter, pk=letter_id, dossier=dossier)
    return FileResponse(letter.pdf.open("rb"), as_attachment=False,
                        filename=f"phieu-xin-loi-{dossier.code}.pdf", content_type="application/pdf")


def track(request):
    """Public: follow a dossier with its code and the last 4 digits of the applicant's ID number."""
    code = request.GET.get("code", "").strip()[:64]
    id4 = request.GET.get("id4", "").strip()[:4]
    dossier = find_for_tracking(code=code, id4=id4) if code and id4 else None
    context = {"code": code, "id4": id4, "dossier": dossier, "searched": bool(code and id4)}
    if dossier is not None:
        context["standing"] = standing(dossier, calendar_for(dossier.agency))
        context["standing_labels"] = Standing.LABELS
        context["events"] = dossier.events.all()
    return render(request, "dossiers/track.html", context)
