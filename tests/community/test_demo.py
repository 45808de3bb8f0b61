"""The demo teams: 111 teams, about 1,100 members, a year of activities, fast."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from chinhquyenso.community import demo, queries
from chinhquyenso.community.models import Activity, Member, Team, Training
from chinhquyenso.core.models import AuditEntry
from chinhquyenso.demo import city
from chinhquyenso.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def load(*options):
    out = StringIO()
    call_command("load_demo", "--without-current-units", "--population", "0", *options, stdout=out)
    return out.getvalue()


def fingerprint():
    return (list(Team.objects.order_by("group__code").values_list("group__code", "decision_number",
                                                                  "decision_date"))
            + list(Member.objects.order_by("team__group__code", "full_name", "phone")
                   .values_list("full_name", "phone", "role", "organisation", "user_id"))
            + list(Activity.objects.order_by("day", "team__group__code", "category", "pk")
                   .values_list("day", "category", "people_reached", "status"))[:3000])


def wipe():
    Activity.objects.all().delete()
    Training.objects.all().delete()
    Member.objects.all().delete()
    Team.objects.all().delete()


def test_load_demo_makes_the_teams_and_a_year_of_activity():
    out = load("--without-dossiers")
    assert "Tổ công nghệ số:" in out
    end = timezone.localdate()
    groups = sum(n for *_rest, n in city.WARDS)
    assert Team.objects.count() == groups == 111
    assert 1000 <= Member.objects.count() <= 1250
    sizes = Counter(Member.objects.values_list("team", flat=True))
    assert min(sizes.values()) >= 8 and max(sizes.values()) <= 12
    leaders = Team.objects.annotate(n=Count("members", filter=Q(members__role="leader",
                                                                 members__is_active=True)))
    assert set(leaders.values_list("n", flat=True)) == {1}
    assert Member.objects.filter(organisation="Đoàn Thanh niên").count() > 200
    assert Training.objects.count() > 500

    # each ward's demo community account leads the ward's first team and can record
    for code, slug in city.WARD_SLUGS.items():
        m = Member.objects.select_related("team__group").get(user__username=f"congdong.{slug}")
        first = Team.objects.filter(group__parent__code=code).order_by("group__code").first()
        assert m.team == first and m.role == "leader" and m.is_active

    activities = Activity.objects.all()
    total = activities.count()
    assert 12_000 <= total <= 30_000
    statuses = Counter(activities.values_list("status", flat=True))
    assert statuses["confirmed"] > 0.85 * total
    assert statuses["recorded"] > 100 and statuses["rejected"] > 100
    first_day = end - timedelta(days=366)
    assert not activities.filter(Q(day__gt=end) | Q(day__lt=first_day)).exists()
    assert not activities.filter(day__lt=F("member__joined_on")).exists()
    assert not activities.filter(member__is_active=False).exists()
    assert not activities.exclude(status="recorded").filter(reviewed_by__isnull=True).exists()
    assert set(activities.values_list("category", flat=True)) == {
        "explain", "vneid_l1", "vneid_l2", "dossier", "payment", "ecommerce", "training"}
    # reviewed by an official of the team's ward
    sample = activities.filter(status="confirmed").select_related(
        "reviewed_by__official__agency__unit", "team__group")[:200]
    assert all(a.reviewed_by.official.agency.unit_id == a.team.group.parent_id for a in sample)

    entry = AuditEntry.objects.get(action="demo.teams_generated")
    # How long it took is recorded (speed is the benchmarks' business, not a test's).
    assert entry.after["teams"] == 111 and entry.after["seconds"] >= 0

    # the dashboards have figures everywhere
    ward = Team.objects.first().group.parent
    stats = queries.ward_stats(ward, end.replace(day=1) - timedelta(days=90), end)
    assert stats["activities"] > 0 and stats["accounts_activated"] > 0
    assert 0.4 < stats["training_coverage"] < 0.95
    coverage = queries.coverage_by_ward()
    assert len(coverage) == 9 and all(r["coverage"] == 1.0 for r in coverage)

    # the same seed gives the same data
    before = fingerprint()
    wipe()
    call_command("generate_teams", "--end", end.isoformat(), stdout=StringIO())
    assert fingerprint() == before


def test_assisted_demo_dossiers_become_activities():
    load("--dossiers", "400")
    members = dict(Member.objects.filter(user__isnull=False).values_list("user_id", "pk"))
    helped = Dossier.objects.filter(assisted_by__in=members, channel="online")
    assert helped.exists()
    linked = Activity.objects.filter(dossier__isnull=False)
    assert linked.count() == helped.count()
    for a in linked.select_related("dossier", "member")[:50]:
        assert a.category == "dossier" and a.status == "confirmed"
        assert members[a.dossier.assisted_by_id] == a.member_id
        assert a.day == timezone.localdate(a.dossier.submitted_at)


def test_load_demo_without_teams():
    out = load("--without-dossiers", "--without-teams")
    assert not Team.objects.exists() and "Tổ công nghệ số:" not in out


def test_generate_teams_needs_the_demo_city_and_runs_once():
    with pytest.raises(CommandError, match="load_demo"):
        call_command("generate_teams", stdout=StringIO())
    load("--without-dossiers", "--without-teams")
    out = StringIO()
    call_command("generate_teams", "--seed", "7", stdout=out)
    assert "111 tổ công nghệ số" in out.getvalue()
    with pytest.raises(CommandError, match="already exist"):
        call_command("generate_teams", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("generate_teams", "--end", "2999-01-01", stdout=StringIO())


def test_generation_reports_what_it_made(settings):
    """Its speed is measured where speed belongs (the first run's timing), not here."""
    load("--without-dossiers", "--without-teams")
    result = demo.generate(seed=11)
    assert result.teams == 111
    assert "hoạt động" in result.summary()


@pytest.fixture(autouse=True)
def _no_slow_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

