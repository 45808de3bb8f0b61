"""The demo's two plans: the seed's 12 goals and 17 tasks, the plan to 2025 with its
outlook to 2030, marked as demo content, led by the demo city's agencies, with tasks
done, in progress and late."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.org.models import Agency
from chinhquyenso.plans import demo, queries
from chinhquyenso.plans.models import Plan, ProgressNote, Task, TaskStatus

pytestmark = pytest.mark.django_db

# A fixed day for the counts (the demo's dates are fixed too).
DAY = date(2026, 11, 26)


@pytest.fixture
def demo_city():
    call_command("load_demo", "--without-current-units", "--without-dossiers", "--without-teams",
                 "--population", "0", stdout=StringIO())


def test_the_demo_holds_both_plans_of_the_seed(demo_city):
    scheme = Plan.objects.get(code="de-an-cqdt-2021-2025")
    assert scheme.name.startswith("Đề án hoàn thiện chính quyền điện tử, hướng đến chính quyền số")
    assert (scheme.start_year, scheme.end_year, scheme.outlook_year) == (2021, 2025, None)
    assert scheme.goals.count() == 12 and scheme.tasks.count() == 17
    plan = Plan.objects.get(code="ke-hoach-cds-2025-2030")
    assert "đến năm 2025, định hướng đến năm 2030" in plan.name
    assert (plan.start_year, plan.end_year, plan.outlook_year, plan.decision_date.month) == (2022, 2025, 2030, 10)
    assert plan.goals.count() >= 6 and plan.tasks.count() >= 10
    for each in (scheme, plan):
        assert each.is_demo and "minh họa" in each.description
        assert each.issuing_agency.name == "Ủy ban nhân dân thành phố Vĩnh Yên"
    assert AuditEntry.objects.filter(action="plan.demo_loaded").count() == 2


def test_demo_tasks_are_done_in_progress_and_late(demo_city):
    demo_agencies = set(demo.demo_agencies().values())
    for plan in Plan.objects.all():
        counts = queries.status_counts(plan, DAY)
        assert counts["done"] > 0 and counts["in_progress"] > 0 and counts["late"] > 0, plan.code
        assert counts["late"] < counts["total"]
    assert Task.objects.filter(status=TaskStatus.NOT_STARTED).exists()
    assert Task.objects.filter(status=TaskStatus.CANCELLED).count() == 1
    assert Task.objects.filter(deadline=None).exists()  # recurring tasks
    for task in Task.objects.select_related("lead_unit").prefetch_related("co_units"):
        assert task.lead_unit in demo_agencies and set(task.co_units.all()) <= demo_agencies
        assert task.lead_unit not in set(task.co_units.all())
        assert (task.done_on is not None) == (task.status == TaskStatus.DONE)
        if task.done_on:
            assert task.done_on <= DAY and task.notes.filter(new_status=TaskStatus.DONE).exists()
        if task.deadline:
            assert task.plan.start_year <= task.deadline.year <= task.plan.last_year
    # lead units vary: offices of the city and ward People's Committees
    assert Agency.objects.filter(led_plan_tasks__isnull=False).distinct().count() >= 7
    assert Task.objects.filter(lead_unit__unit__level=3).exists()
    assert Task.objects.filter(indicators__isnull=False).exists()
    assert not ProgressNote.objects.filter(day__gt=DAY).exists()
    assert all(n.author.official for n in ProgressNote.objects.select_related("author__official"))


def test_the_demo_plans_are_loaded_once(demo_city):
    with pytest.raises(demo.DemoPlansError):
        demo.generate()
    assert Plan.objects.count() == 2


def test_the_demo_plan_pages_open(demo_city, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="lanhdao"))
    assert client.get("/ke-hoach/").status_code == 200
    response = client.get("/ke-hoach/de-an-cqdt-2021-2025/")
    assert response.status_code == 200 and response.content.decode().count("<tr data-task=") == 17
    task = Task.objects.filter(plan__code="ke-hoach-cds-2025-2030").order_by("order").first()
    assert client.get(f"/ke-hoach/ke-hoach-cds-2025-2030/nhiem-vu/{task.pk}/").status_code == 200
