"""Pages of the community digital technology teams: the member's activity form (which
keeps working offline, see static/community/offline.js), the team, ward and city
dashboards with their Excel exports, the ward officials' review of recorded
activities, and the roster import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify as _slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chinhquyenso.core.areas import AREA_BY_SLUG
from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import AdministrativeUnit, Role, RoleAssignment, UnitLevel
from chinhquyenso.org.permissions import (
    ACTION_ROLES,
    can,
    permission_required,
    roles_of,
    scope_units,
)

from . import queries, rosters, services
from .models import Activity, ActivityCategory, Member, Team, Training

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Roles that oversee teams (as opposed to being in one).
OVERSEER_ROLES = frozenset(ACTION_ROLES["community.view"] - {Role.COMMUNITY_MEMBER}) | {Role.SYSTEM_ADMIN}


# --- helpers -------------------------------------------------------------------------------

def parse_day(value: Any) -> date | None:
    """A date as a browser's date field sends it (yyyy-mm-dd) or as typed (dd/mm/yyyy)."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def activity_input(data) -> dict:
    """The fields of an activity from the form or the sync API, for
    services.record_activity (which checks them)."""
    day = parse_day(data.get("day"))
    if day is None:
        raise ValidationError({"day": [_("Enter the date of the activity as dd/mm/yyyy.")]})
    people = data.get("people_reached")
    if isinstance(people, str):
        people = people.strip().replace(".", "").replace(",", "")
    return {"day": day, "category": str(data.get("category") or ""), "people_reached": people,
            "place": str(data.get("place") or ""), "note": str(data.get("note") or ""),
            "client_uuid": str(data.get("client_uuid") or "").strip() or None}


def _errors_of(error: ValidationError) -> tuple[dict, list]:
    if hasattr(error, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}, []
    return {}, list(error.messages)


def _period(request) -> tuple[date, date]:
    """The period of a dashboard: ?from=&to= (dd/mm/yyyy, or yyyy-mm-dd), this year by default."""
    today = timezone.localdate()
    start = parse_day(request.GET.get("from")) or date(today.year, 1, 1)
    end = parse_day(request.GET.get("to")) or date(today.year, 12, 31)
    return (start, end) if start <= end else (end, start)


def _login_required(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _overseen_units(user) -> list[AdministrativeUnit]:
    """The units for which `user` oversees teams (any role of community.view but team
    member), broadest first, without units inside another one of the list."""
    if Role.SYSTEM_ADMIN in roles_of(user):
        units = list(AdministrativeUnit.objects.filter(parent__isnull=True))
    else:
        units = [a.unit for a in RoleAssignment.objects.filter(
            official__user=user, role__in=OVERSEER_ROLES).select_related("unit__parent__parent")]
    units.sort(key=lambda u: (u.level, u.code))
    kept: list[AdministrativeUnit] = []
    for unit in units:
        chain = {unit.pk, *(a.pk for a in unit.ancestors())}
        if not any(k.pk in chain for k in kept):
            kept.append(unit)
    return kept


def _city_choices(user) -> list[AdministrativeUnit]:
    """The cities (or provinces) whose dashboard `user` may open, cities first."""
    found: dict[int, AdministrativeUnit] = {}
    for unit in _overseen_units(user):
        if unit.level == UnitLevel.PROVINCE:
            for child in unit.children.filter(level=UnitLevel.DISTRICT).order_by("code"):
                found[child.pk] = child
            found[unit.pk] = unit
        elif unit.level == UnitLevel.DISTRICT:
            found[unit.pk] = unit
    return sorted(found.values(), key=lambda u: (-u.level, u.code))


def _ward_by_code(code: str) -> AdministrativeUnit:
    """The ward with this code: the one in force, or the latest (codes are reused)."""
    wards = list(AdministrativeUnit.objects.filter(level=UnitLevel.WARD, code=code)
                 .select_related("parent").order_by("-valid_from"))
    if not wards:
        raise Http404
    with_teams = set(Team.objects.filter(group__parent__in=wards)
                     .values_list("group__parent", flat=True))
    in_force = next((w for w in wards if w.valid_to is None), wards[0])
    return next((w for w in wards if w.pk in with_teams), in_force)


def _visible_wards(user) -> list[dict]:
    """coverage_by_ward rows for the wards `user` oversees."""
    rows, seen = [], set()
    for unit in _overseen_units(user):
        for row in queries.coverage_by_ward(scope=unit):
            if row["ward"].pk not in seen:
                seen.add(row["ward"].pk)
                rows.append(row)
    return rows


@dataclass
class Table:
    """A table shown on a dashboard and offered as an Excel file (rosters.export_table)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    links: list[str | None] = field(default_factory=list)  # one per row, for `link_column`
    link_column: int = 0
    numeric_from: int = 1  # columns from this index on are numbers (right-aligned)

    @property
    def cells(self) -> list[list[tuple[Any, str | None, bool]]]:
        """Per row: (value, link, is a number) for each cell."""
        links = self.links or [None] * len(self.rows)
        return [[(value, link if i == self.link_column else None, i >= self.numeric_from)
                 for i, value in enumerate(row)] for row, link in zip(self.rows, links, strict=False)]


def slugify(name: str) -> str:
    """"Phường Đống Đa" → "phuong-dong-da", for file names."""
    return _slugify(normalize_vi(name))


def _percent(value: float) -> int:
    return round(value * 100)


def _figure_tables(stats: dict) -> list[Table]:
    labels = dict(ActivityCategory.choices)
    by_category = Table(
        "by-category", _("Activities by category"),
        [_("Category"), _("Activities"), _("Households or people reached")],
        [[labels[c], n, stats["people_by_category"][c]] for c, n in stats["activities_by_category"].items()]
        + [[_("Total"), stats["activities"], stats["households_reached"]]])
    by_month = Table(
        "by-month", _("Activities by month"),
        [_("Month"), *(labels[c] for c in ActivityCategory.values), _("Total")],
        [[f"{month[5:]}/{month[:4]}", *counts.values(), sum(counts.values())]
         for month, counts in stats["activities_by_month"]])
    return [by_category, by_month]


def _ranking_table(ranking: list[dict], *, with_ward: bool) -> Table:
    headers = [_("Rank"), _("Team")] + ([_("Ward")] if with_ward else []) + [
        _("Members"), _("Active members"), _("Activities"), _("Households or people reached"),
        _("Accounts activated")]
    rows = [[r["rank"], r["team"].name]
            + ([r["ward"].name if r["ward"] else ""] if with_ward else [])
            + [r["members"], r["active_members"], r["activities"], r["people_reached"],
               r["accounts_activated"]]
            for r in ranking]
    return Table("ranking", _("Ranking of teams"), headers, rows,
                 [reverse("community:team", args=[r["team"].pk]) for r in ranking], link_column=1,
                 numeric_from=3 if with_ward else 2)


def _coverage_table(rows: list[dict]) -> Table:
    return Table(
        "coverage", _("Residential groups with a team, by ward"),
        [_("Ward"), _("Residential groups"), _("With a team"), _("Without a team"), _("Coverage (%)")],
        [[r["ward"].name, r["groups"], r["with_team"], len(r["without_team"]), _percent(r["coverage"])]
         for r in rows],
        [reverse("community:ward", args=[r["ward"].code]) for r in rows])


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_requested(request, tables: list[Table], name: str) -> HttpResponse | None:
    """?xlsx=<table key>: that table as an Excel file."""
    key = request.GET.get("xlsx")
    if not key:
        return None
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        raise Http404
    start, end = _period(request)
    title = f"{table.title} {start:%d.%m.%Y}-{end:%d.%m.%Y}"
    return _xlsx(rosters.export_table(table.headers, table.rows, title),
                 f"{slugify(name) or 'cong-dong'}-{table.key}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


def _dashboard_context(request, stats: dict) -> dict:
    start, end = _period(request)
    labels = dict(ActivityCategory.choices)
    by_month = stats["activities_by_month"]
    chart = {"labels": [m[5:] for m, _c in by_month],  # "01"…"12", the year below January
             "sublabels": [m[:4] if i == 0 or m.endswith("-01") else ""
                           for i, (m, _c) in enumerate(by_month)],
             "title": _("Confirmed activities by category and month"),
             "series": [{"label": labels[c], "values": [counts[c] for _m, counts in by_month]}
                        for c in ActivityCategory.values]}
    return {"stats": stats, "start": start, "end": end, "chart": chart,
            "training_percent": _percent(stats["training_coverage"]),
            "query": f"from={start:%Y-%m-%d}&to={end:%Y-%m-%d}"}


def _queue_context(request, member) -> dict:
    """What the offline queue box needs (see static/community/offline.js)."""
    return {"queue_user": request.user.pk, "sync_api": "/api/v1/community/activities",
            "queue_text": {
                "categories": dict((k, str(v)) for k, v in ActivityCategory.choices),
                "saved": _("No connection: the activity is saved on this phone and will be sent "
                           "when the connection returns."),
                "sent": _("The activities saved on this phone have been sent."),
                "waiting": _("Still no connection: the saved activities will be sent later."),
                "offline": _("You are offline. Activities you record are kept on this phone."),
                "login": _("Your session has ended: log in again to send the saved activities."),
                "forbidden": _("The server refused the saved activities: reload the page and "
                               "log in again."),
                "refused": _("The server refused this activity."),
                "drop": _("Delete"),
                "confirmDrop": _("Delete this activity from the phone? It will not be sent."),
            }} if member is not None else {}


# --- overview ------------------------------------------------------------------------------

def overview(request):
    """For a team member: their team and the button to record an activity. For the
    officials who oversee teams: the coverage of the wards and the dashboards. For
    anyone else (the page is in the main navigation): what the teams do."""
    member = services.member_of(request.user)
    overseer = bool(roles_of(request.user) & OVERSEER_ROLES)
    context = {"member": member, "overseer": overseer, "area": AREA_BY_SLUG["cong-dong"]}
    if member is not None:
        context["my_activities"] = member.activities.order_by("-day", "-pk")[:10]
        context["month_count"] = member.activities.filter(
            day__gte=timezone.localdate().replace(day=1)).exclude(status=Activity.Status.REJECTED).count()
        context.update(_queue_context(request, member))
    if overseer:
        wards = _visible_wards(request.user)
        context.update(wards=wards, cities=_city_choices(request.user),
                       can_confirm=can(request.user, "community.confirm"),
                       can_manage=can(request.user, "community.manage"),
                       groups_total=sum(r["groups"] for r in wards),
                       with_team_total=sum(r["with_team"] for r in wards))
        if context["can_confirm"]:
            context["pending"] = _reviewable(request.user).filter(status=Activity.Status.RECORDED).count()
    return render(request, "community/overview.html", context)


# --- recording an activity -----------------------------------------------------------------

def record(request):
    """The member's activity form: done in under a minute on a phone. It works offline
    too (offline.js keeps the activity on the phone and sends it later)."""
    wants_json = request.headers.get("X-Offline-Form") == "1"
    if not request.user.is_authenticated:
        if wants_json:
            return JsonResponse({"detail": _("Log in again.")}, status=401)
        return redirect_to_login(request.get_full_path())
    member = services.member_of(request.user)
    if member is None or not can(request.user, "community.record", member.team.group):
        raise PermissionDenied(_("Only an active member of a community digital technology team, "
                                 "with their own account, can record activities."))
    values = {"day": timezone.localdate().isoformat(), "category": "", "people_reached": "1",
              "place": "", "note": "", "client_uuid": ""}
    field_errors, general_errors, status = {}, [], 200
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values})
        try:
            activity = services.record_activity(actor=request.user, **activity_input(request.POST))
        except ValidationError as error:
            field_errors, general_errors = _errors_of(error)
            status = 400
        else:
            if activity.just_created:
                messages.success(request, _("Activity recorded: %(category)s, %(people)d reached. "
                                            "It counts once the ward confirms it.")
                                 % {"category": activity.get_category_display(),
                                    "people": activity.people_reached})
            else:
                messages.info(request, _("This activity was already recorded."))
            if wants_json:
                return JsonResponse({"next": reverse("community:record"), "id": activity.pk},
                                    status=201 if activity.just_created else 200)
            return redirect("community:record")
    context = {"member": member, "values": values, "field_errors": field_errors,
               "general_errors": general_errors, "categories": ActivityCategory.choices,
               "recent": member.activities.order_by("-created_at")[:5],
               "max_people": services.PEOPLE_REACHED_MAX, **_queue_context(request, member)}
    return render(request, "community/record.html", context, status=status)


# --- team, ward and city -------------------------------------------------------------------

def team(request, team_id: int):
    if (login := _login_required(request)) is not None:
        return login
    team = get_object_or_404(Team.objects.select_related("group__parent__parent"), pk=team_id)
    if not can(request.user, "community.view", team.group):
        raise PermissionDenied(_("This team is outside your scope."))
    start, end = _period(request)
    stats = queries.team_stats(team, start, end)
    breakdown = queries.member_breakdown(team, start, end)
    members_table = Table(
        "members", _("Members"),
        [_("Full name"), _("Role in the team"), _("Organisation"), _("Activities"),
         _("Households or people reached"), _("Trainings")],
        [[b["member"].full_name, b["member"].get_role_display(), b["member"].organisation,
          b["activities"], b["people_reached"], b["trainings"]] for b in breakdown], numeric_from=3)
    tables = [members_table, *_figure_tables(stats)]
    if (export := _export_requested(request, tables, team.name)) is not None:
        return export
    may_export_roster = (can(request.user, "community.manage", team.group)
                         or can(request.user, "community.confirm", team.group))
    what = request.GET.get("export")
    if what == "roster":
        if not may_export_roster:
            raise PermissionDenied(_("The roster, with phone numbers, is for the ward's officials."))
        return _xlsx(rosters.export_members(Member.objects.filter(team=team)),
                     f"danh-sach-{slugify(team.name)}.xlsx")
    if what == "activities":
        return _xlsx(rosters.export_activities(team.activities.filter(day__gte=start, day__lte=end)),
                     f"hoat-dong-{slugify(team.name)}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    context = _dashboard_context(request, stats)
    context.update(team=team, tables=tables, may_export_roster=may_export_roster,
                   trainings=Training.objects.filter(member__team=team, member__is_active=True)
                   .select_related("member").order_by("-completed_on")[:50],
                   recent=team.activities.select_related("member").order_by("-day", "-pk")[:20])
    return render(request, "community/team.html", context)


def ward(request, code: str):
    if (login := _login_required(request)) is not None:
        return login
    ward = _ward_by_code(code)
    if not can(request.user, "community.view", ward):
        raise PermissionDenied(_("This ward is outside your scope."))
    start, end = _period(request)
    stats = queries.ward_stats(ward, start, end)
    ranking = _ranking_table(queries.team_ranking(ward, start, end), with_ward=False)
    coverage = next(iter(queries.coverage_by_ward(scope=ward)), None)
    tables = [ranking, *_figure_tables(stats)]
    if (export := _export_requested(request, tables, ward.name)) is not None:
        return export
    if request.GET.get("export") == "activities":
        return _xlsx(rosters.export_activities(
            queries.activities_in(ward).filter(day__gte=start, day__lte=end)),
            f"hoat-dong-{slugify(ward.name)}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    context = _dashboard_context(request, stats)
    context.update(ward=ward, tables=tables, ranking=ranking, coverage=coverage,
                   can_confirm=can(request.user, "community.confirm", ward),
                   can_manage=can(request.user, "community.manage", ward))
    return render(request, "community/ward.html", context)


def city(request):
    if (login := _login_required(request)) is not None:
        return login
    choices = _city_choices(request.user)
    code = request.GET.get("unit", "")
    unit = next((c for c in choices if c.code == code), choices[0] if choices else None)
    if unit is None or not can(request.user, "community.view", unit):
        raise PermissionDenied(_("The city dashboard is for the officials of the city."))
    start, end = _period(request)
    stats = queries.city_stats(unit, start, end)
    ranking = _ranking_table(queries.team_ranking(unit, start, end), with_ward=True)
    coverage_rows = queries.coverage_by_ward(scope=unit)
    tables = [_coverage_table(coverage_rows), ranking, *_figure_tables(stats)]
    if (export := _export_requested(request, tables, unit.name)) is not None:
        return export
    context = _dashboard_context(request, stats)
    context.update(unit=unit, choices=choices, tables=tables, ranking=ranking,
                   coverage_rows=coverage_rows)
    if len(choices) > 1:
        context["query"] += f"&unit={unit.code}"
    return render(request, "community/city.html", context)


# --- the activities behind a number -----------------------------------------------------------

#: What the list of activities shows (?set=): the confirmed activities, those that helped
#: open an account, or the members who did them (the indicators' numbers link here).
ACTIVITY_LIST_SETS = (
    ("", gettext_lazy("All confirmed activities")),
    ("accounts", gettext_lazy("Accounts helped open (VNeID, payment, e-commerce)")),
    ("members", gettext_lazy("Members with a confirmed activity")),
)


def activities(request):
    """The confirmed activities of the teams of a unit (?unit=<id>: the unit, the units
    below it and those merged into it) in a period (?from=&to=), with the households or
    people they reached: the records behind the community indicators. ?set=accounts
    keeps those that helped open an account; ?set=members lists the members who did
    them. ?export=xlsx: the activities as an Excel file."""
    from chinhquyenso.indicators.computation import unit_ids

    if (login := _login_required(request)) is not None:
        return login
    wanted = request.GET.get("unit", "")
    if wanted.isdigit() and len(wanted) < 12:
        unit = get_object_or_404(AdministrativeUnit.objects.select_related("parent__parent"), pk=wanted)
    else:
        unit = next(iter(_overseen_units(request.user)), None)
    if unit is None or not can(request.user, "community.view", unit):
        raise PermissionDenied(_("These activities are outside your scope."))
    start, end = _period(request)
    chosen = request.GET.get("set", "")
    chosen = chosen if chosen in dict(ACTIVITY_LIST_SETS) else ""
    ids = unit_ids(unit)
    query = f"unit={unit.pk}&from={start:%Y-%m-%d}&to={end:%Y-%m-%d}" + (f"&set={chosen}" if chosen else "")
    context = {"unit": unit, "start": start, "end": end, "set": chosen, "sets": ACTIVITY_LIST_SETS,
               "set_label": dict(ACTIVITY_LIST_SETS)[chosen], "query": query}
    if chosen == "members":
        members = list(queries.members_with_activity(ids, start, end))
        context.update(members=members, total_activities=sum(m.done for m in members),
                       total_reached=sum(m.reached or 0 for m in members))
        return render(request, "community/activities.html", context)
    found = queries.confirmed_activities(ids, start, end, chosen)
    if request.GET.get("export") == "xlsx":
        return _xlsx(rosters.export_activities(found),
                     f"hoat-dong-{slugify(unit.name)}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    totals = found.aggregate(n=Count("pk"), reached=Sum("people_reached"))
    context.update(page=Paginator(found, 50).get_page(request.GET.get("page")),
                   total_activities=totals["n"], total_reached=totals["reached"] or 0)
    return render(request, "community/activities.html", context)


# --- review --------------------------------------------------------------------------------

def _reviewable(user):
    """Activities of the teams where `user` may confirm activities."""
    activities = Activity.objects.all()
    if Role.SYSTEM_ADMIN in roles_of(user):
        return activities
    q = Q(pk__in=[])
    for unit in scope_units(user, "community.confirm"):
        q |= Q(team__in=queries.teams_in(unit).values("pk"))
    return activities.filter(q)


REVIEW_TABS = (
    (Activity.Status.RECORDED, gettext_lazy("Awaiting confirmation")),
    (Activity.Status.CONFIRMED, gettext_lazy("Confirmed")),
    (Activity.Status.REJECTED, gettext_lazy("Rejected")),
)


@permission_required("community.confirm")
def review(request):
    """Ward officials confirm or reject the activities their teams recorded."""
    status = request.GET.get("status", Activity.Status.RECORDED)
    status = status if status in Activity.Status.values else Activity.Status.RECORDED
    visible = _reviewable(request.user)
    counts = visible.aggregate(**{s: Count("pk", filter=Q(status=s)) for s, _l in REVIEW_TABS})
    activities = (visible.filter(status=status).select_related("team__group__parent", "member")
                  .order_by("day", "pk") if status == Activity.Status.RECORDED
                  else visible.filter(status=status).select_related("team__group__parent", "member")
                  .order_by("-reviewed_at", "-pk"))
    page = Paginator(activities, 50).get_page(request.GET.get("page"))
    return render(request, "community/review.html", {
        "page": page, "status": status, "tabs": [(s, label, counts[s]) for s, label in REVIEW_TABS]})


@require_POST
@permission_required("community.confirm")
def review_act(request, activity_id: int, decision: str):
    """Confirm or reject one activity: an HTMX request gets the table row back, a plain
    form post goes back to the list."""
    activity = get_object_or_404(_reviewable(request.user), pk=activity_id)
    error = ""
    try:
        if decision == "confirm":
            activity = services.confirm_activity(activity_id=activity.pk, actor=request.user)
        elif decision == "reject":
            activity = services.reject_activity(activity_id=activity.pk, actor=request.user,
                                                reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error = " ".join(getattr(exc, "messages", None) or [str(exc)])
    if request.headers.get("HX-Request") == "true":
        activity = Activity.objects.select_related("team__group__parent", "member").get(pk=activity.pk)
        return render(request, "community/_review_row.html", {"a": activity, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The activity is now “%(status)s”.")
                         % {"status": activity.get_status_display()})
    return redirect("community:review")


# --- roster import -------------------------------------------------------------------------

def _managed_wards(user) -> list[AdministrativeUnit]:
    wards: dict[int, AdministrativeUnit] = {}
    units = (AdministrativeUnit.objects.filter(parent__isnull=True) if Role.SYSTEM_ADMIN in roles_of(user)
             else scope_units(user, "community.manage"))
    for unit in units:
        if unit.level == UnitLevel.WARD:
            wards[unit.pk] = unit
        elif unit.level < UnitLevel.WARD:
            for row in queries.coverage_by_ward(scope=unit):
                wards[row["ward"].pk] = row["ward"]
    return sorted(wards.values(), key=lambda w: w.code)


@permission_required("community.manage")
def import_roster(request):
    """Upload the ward's roster (.xlsx): every bad row is listed with its number and
    why; nothing is imported until the whole file is correct."""
    wards = _managed_wards(request.user)
    chosen = request.POST.get("ward") or request.GET.get("ward") or ""
    ward = next((w for w in wards if str(w.pk) == chosen), wards[0] if len(wards) == 1 else None)
    result, errors, status = None, [], 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if ward is None:
            errors.append(_("Choose the ward."))
        if upload is None:
            errors.append(_("Choose the roster file (.xlsx)."))
        if not errors:
            try:
                result = rosters.import_roster(ward=ward, file=upload, actor=request.user)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                if result.ok:
                    messages.success(request, _(
                        "Roster imported: %(rows)d rows, %(created)d members added, %(updated)d updated, "
                        "%(trainings)d trainings recorded.") % {
                        "rows": result.rows, "created": result.members_created,
                        "updated": result.members_updated, "trainings": result.trainings_created})
                    return redirect(f"{reverse('community:import')}?ward={ward.pk}")
        status = 400
    return render(request, "community/import.html", {
        "wards": wards, "ward": ward, "result": result, "errors": errors,
        "layout": rosters.ROSTER_LAYOUT}, status=status)


@permission_required("community.manage")
def roster_template(request):
    wards = _managed_wards(request.user)
    ward = next((w for w in wards if str(w.pk) == request.GET.get("ward")), None)
    name = f"mau-danh-sach-to-cong-nghe-so{'-' + slugify(ward.name) if ward else ''}.xlsx"
    return _xlsx(rosters.roster_template(ward), name)
