"""The demo dossiers: twelve months of them, written in bulk, reproducible from a seed,
consistent with the lifecycle rules of the dossiers app."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.dossiers.answers import clean_answers
from chinhquyenso.dossiers.deadlines import due_time
from chinhquyenso.dossiers.models import (
    FINISHED_STATES,
    OPEN_STATES,
    PAUSED_STATES,
    ApologyLetter,
    Dossier,
    DossierCounter,
    DossierEvent,
    State,
)
from chinhquyenso.org.models import AgencyKind, UnitLevel
from chinhquyenso.org.queries import calendar_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESUMES = {"supplement", "pay_fee"}
PAUSES = {"request_supplement", "request_fee"}


@pytest.fixture
def end():
    """A fixed day in the past, so that the period is cut at its end, not at `now`."""
    return timezone.localdate() - timedelta(days=3)


@pytest.fixture
def demo(settings):
    """The demo city without dossiers (a fast password hasher: the accounts' hashing is
    not what these tests are about)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", "--without-current-units", "--without-dossiers", "--population", "0",
                 "--without-teams",
                 stdout=StringIO())


def generate(end, count=300, seed=2026, **options):
    out = StringIO()
    call_command("generate_dossiers", count=count, seed=seed, end=end.isoformat(), stdout=out,
                 **options)
    return out.getvalue()


def fingerprint():
    return list(Dossier.objects.order_by("code")
                .values_list("code", "state", "applicant_name", "applicant_id_number"))


def wipe():
    Dossier.objects.all().delete()
    DossierCounter.objects.all().delete()


def test_generates_the_count_with_distinct_codes_and_a_summary(demo, end):
    output = generate(end)
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == 300 == len(set(codes))
    for dossier in Dossier.objects.select_related("agency")[:50]:
        day = timezone.localtime(dossier.submitted_at).strftime("%y%m%d")
        assert re.fullmatch(rf"{re.escape(dossier.agency.code)}-{day}-\d{{4}}", dossier.code)
    assert "300/300" in output and "100%" in output          # the progress bar
    assert "300 hồ sơ" in output and "trực tuyến" in output   # the summary with its shares
    entry = AuditEntry.objects.get(action="demo.dossiers_generated")
    assert entry.after["dossiers"] == 300
    assert entry.after["events"] == DossierEvent.objects.count()


def test_verbosity_zero_is_quiet(demo, end):
    assert generate(end, count=50, verbosity=0) == ""
    assert Dossier.objects.count() == 50


def test_same_seed_gives_the_same_dossiers_another_seed_others(demo, end):
    generate(end, seed=11)
    first = fingerprint()
    wipe()
    generate(end, seed=11)
    assert fingerprint() == first
    wipe()
    generate(end, seed=12)
    other = fingerprint()
    assert len(other) == len(first)
    assert {row[2] for row in other} != {row[2] for row in first}
    assert other != first


def test_shares_are_roughly_those_of_a_real_one_stop_shop(demo, end):
    generate(end, count=1000)
    dossiers = Dossier.objects.all()
    channels = Counter(dossiers.values_list("channel", flat=True))
    states = Counter(dossiers.values_list("state", flat=True))
    assert channels["online"] >= 900
    assert channels["counter"] + channels["post"] >= 1
    online = dossiers.filter(channel="online")
    assisted = online.filter(assisted_by__isnull=False).count()
    assert 0.04 * len(online) <= assisted <= 0.18 * len(online)
    assert states[State.RETURNED] >= 850
    assert states[State.REFUSED] + states[State.WITHDRAWN] + states[State.STOPPED] <= 100
    finished = dossiers.filter(state__in=FINISHED_STATES)
    late = sum(d.finished_at > d.due_at for d in finished)
    assert 0.04 * len(finished) <= late <= 0.2 * len(finished)
    assert dossiers.filter(procedure__level="ward").count() > dossiers.filter(
        procedure__level="city").count()
    assert dossiers.filter(uses_population_data=True).count() in range(500, 700)
    assert not dossiers.filter(channel="online", components_digitised=False).exists()
    returned_full_online = dossiers.filter(state=State.RETURNED, channel="online",
                                           procedure__service_level="full_online")
    assert returned_full_online.exists()
    assert not returned_full_online.filter(result_electronic=False).exists()
    top = Counter(dossiers.values_list("procedure__field__name", flat=True)).most_common(2)
    assert {name for name, _n in top} == {"Chứng thực", "Hộ tịch"}


def test_each_dossier_goes_to_a_peoples_committee_of_its_procedures_level(demo, end):
    generate(end)
    for dossier in Dossier.objects.select_related("procedure", "agency__unit"):
        assert dossier.agency.kind == AgencyKind.PEOPLES_COMMITTEE
        expected = UnitLevel.DISTRICT if dossier.procedure.level == "city" else UnitLevel.WARD
        assert dossier.agency.unit.level == expected, dossier.code
    assert Dossier.objects.values("agency").distinct().count() == 10


def test_due_time_is_the_agency_calendars(demo, end):
    generate(end, count=400)
    calendars = {}
    checked = moved = 0
    for dossier in (Dossier.objects.filter(received_at__isnull=False)
                    .select_related("procedure", "agency").prefetch_related("events")):
        cal = calendars.setdefault(dossier.agency_id, calendar_for(dossier.agency))
        due = due_time(cal, dossier.procedure, cal.next_working_moment(dossier.received_at))
        paused_at = None
        for event in dossier.events.all():   # the waits for the citizen move it later
            if event.action in PAUSES:
                paused_at = event.at
            elif event.action in RESUMES:
                due = cal.add_working_time(due, cal.working_time_between(paused_at, event.at))
                moved += 1
        assert dossier.due_at == due, dossier.code
        checked += 1
    assert checked > 350 and moved > 0


def test_finished_returned_and_paused_dossiers_are_consistent(demo, end):
    generate(end, count=800, months=1)   # a busy month: many still open at its end
    states = Counter()
    for dossier in Dossier.objects.all():
        states[dossier.state] += 1
        if dossier.state == State.RETURNED:
            assert dossier.finished_at and dossier.returned_at >= dossier.finished_at
        elif dossier.state == State.DONE:
            assert dossier.finished_at and dossier.returned_at is None
        else:
            assert dossier.finished_at is None and dossier.returned_at is None
        if dossier.state in PAUSED_STATES:
            assert dossier.paused_at is not None and dossier.resume_state
        else:
            assert dossier.paused_at is None
        if dossier.state == State.SUBMITTED:
            assert dossier.received_at is None and dossier.due_at is None
        if dossier.state in (State.REFUSED, State.STOPPED):
            assert dossier.last_reason
    open_states = {s for s in states if s in OPEN_STATES}
    assert len(open_states) >= 4, states
    assert states[State.DONE] + states[State.RETURNED] > 600


def test_events_start_with_submit_and_follow_the_states(demo, end):
    generate(end)
    events: dict[int, list] = {}
    for event in DossierEvent.objects.order_by("dossier", "at", "pk"):
        events.setdefault(event.dossier_id, []).append(event)
    states = dict(Dossier.objects.values_list("pk", "state"))
    assert events.keys() == states.keys()
    for pk, chain in events.items():
        assert chain[0].action == "submit" and chain[0].from_state == ""
        assert chain[0].to_state == State.SUBMITTED
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.from_state == before.to_state, [e.action for e in chain]
            assert after.at >= before.at
        assert chain[-1].to_state == states[pk]


def test_applicants_and_answers_look_real(demo, end):
    generate(end)
    for dossier in Dossier.objects.select_related("procedure"):
        assert re.fullmatch(r"026[0-3]\d{8}", dossier.applicant_id_number)
        assert re.fullmatch(r"09\d{8}", dossier.applicant_phone)
        assert len(dossier.applicant_name.split()) >= 3
        assert clean_answers(dossier.procedure.form, dossier.answers) == dossier.answers


def test_late_dossiers_mostly_have_one_shared_apology_letter(demo, end):
    generate(end, count=1000)
    late = [d for d in Dossier.objects.filter(state__in=FINISHED_STATES)
            if d.finished_at > d.due_at]
    letters = ApologyLetter.objects.all()
    assert len(letters) >= 0.6 * len(late) > 0
    assert len({letter.pdf.name for letter in letters}) == 1
    assert letters[0].pdf.storage.exists(letters[0].pdf.name)
    for letter in letters.select_related("dossier")[:30]:
        event = letter.dossier.events.get(action="apologise")
        assert letter.created_at == event.at
        assert letter.new_due_at > max(letter.previous_due_at, event.at)


def test_real_submissions_continue_the_code_sequences(demo, end, django_user_model):
    from chinhquyenso.dossiers.services import submit_dossier

    generate(end)
    used = set(Dossier.objects.values_list("code", flat=True))
    citizen = django_user_model.objects.create_user("nguoidan.thu", password="mat-khau-dai-1")
    candidates = Dossier.objects.filter(procedure__level="ward").select_related(
        "procedure", "agency").order_by("-submitted_at")
    latest = next(d for d in candidates
                  if all("pdf" in c.file_types for c in d.procedure.components.all()))
    files = {c.pk: [SimpleUploadedFile(f"{c.order}.pdf", PDF, content_type="application/pdf")]
             for c in latest.procedure.components.all() if c.mandatory}
    dossier = submit_dossier(
        procedure=latest.procedure, agency=latest.agency, submitted_by=citizen,
        applicant={"name": "Nguyễn Thị Thử", "id_number": "026185001234", "phone": "0912000111"},
        answers=latest.answers, files=files, at=latest.submitted_at + timedelta(minutes=1))
    assert dossier.code not in used
    day_codes = [c for c in used if c.startswith(dossier.code[:-4])]
    assert int(dossier.code[-4:]) == max(int(c[-4:]) for c in day_codes) + 1


def test_a_second_run_adds_dossiers_without_code_clashes(demo, end):
    generate(end, seed=1)
    generate(end, seed=2)
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == 600 == len(set(codes))
    assert AuditEntry.objects.filter(action="demo.dossiers_generated").count() == 2


def test_load_demo_without_dossiers_skips_them(settings):
    from chinhquyenso.procedures.models import Procedure

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", "--without-current-units", "--without-dossiers", "--population", "0",
                 "--without-teams",
                 stdout=StringIO())
    assert Procedure.objects.exists()
    assert not Dossier.objects.exists()
    assert not DossierCounter.objects.exists()


def test_load_demo_loads_dossiers_after_the_procedures(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("load_demo", "--without-current-units", "--dossiers", "120", "--population", "0",
                 "--without-teams",
                 stdout=out)
    assert Dossier.objects.count() == 120
    assert "Hồ sơ mẫu: 120 hồ sơ" in out.getvalue()
    assert "motcua.<phường>" in out.getvalue()


@pytest.mark.parametrize("count", ["0", "-5"])
def test_a_count_that_is_not_positive_is_refused(demo, count):
    with pytest.raises(CommandError, match="--count"):
        call_command("generate_dossiers", "--count", count, stdout=StringIO())
    assert not Dossier.objects.exists()


def test_an_end_in_the_future_is_refused(demo):
    tomorrow = timezone.localdate() + timedelta(days=2)
    with pytest.raises(CommandError):
        call_command("generate_dossiers", "--count", "10", "--end", tomorrow.isoformat(),
                     stdout=StringIO())


def test_without_agencies_it_says_what_is_missing(db):
    with pytest.raises(CommandError, match="load_demo"):
        call_command("generate_dossiers", "--count", "10", stdout=StringIO())


def test_ward_staff_are_created_with_the_demo_password(demo):
    from django.contrib.auth import get_user_model

    from chinhquyenso.demo import city
    from chinhquyenso.org.models import Official, Role

    users = get_user_model().objects
    assert users.get(username="chuyenvien.lienbao").check_password(city.DEMO_PASSWORD)
    assert users.get(username="motcua.tichson").check_password(city.DEMO_PASSWORD)
    for code, slug in city.WARD_SLUGS.items():
        roles = set(Official.objects.filter(user__username__endswith=f".{slug}",
                                            roles__unit__code=code)
                    .values_list("roles__role", flat=True))
        assert {Role.COUNTER_OFFICER, Role.SPECIALIST, Role.LEADER,
                Role.COMMUNITY_MEMBER} <= roles, slug


@pytest.mark.django_db
def test_load_demo_loads_residents_of_the_city():
    from chinhquyenso.identity.idnumbers import validate_id_number
    from chinhquyenso.identity.models import Citizen

    call_command("load_demo", "--without-current-units", "--without-dossiers", "--population", "400",
                 "--without-teams",
                 stdout=StringIO())
    assert Citizen.objects.count() == 400
    wards = set(Citizen.objects.values_list("ward__parent__code", flat=True))
    assert wards == {"243"}
    for citizen in Citizen.objects.all()[:50]:
        validate_id_number(citizen.id_number, birth_date=citizen.birth_date, sex=citizen.sex)


def test_the_indicators_count_the_generated_dossiers(demo, end):
    """Written in bulk, the dossiers still reach the dashboards' counts."""
    from datetime import date

    from chinhquyenso.indicators.aggregates import totals
    from chinhquyenso.indicators.models import Metric
    from chinhquyenso.org.models import AdministrativeUnit

    generate(end)
    units = AdministrativeUnit.objects.values_list("pk", flat=True)
    counted = totals(units, date(2000, 1, 1), end + timedelta(days=30))
    assert counted[Metric.RECEIVED] == Dossier.objects.filter(received_at__isnull=False).count() > 0
    assert counted[Metric.FINISHED] == Dossier.objects.filter(state__in=FINISHED_STATES,
                                                               finished_at__isnull=False).count()
