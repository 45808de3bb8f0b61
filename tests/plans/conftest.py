"""The city with its People's Committee, two of its offices and a ward; the people who
meet plans: the city's chairman (manages them), officials of the offices that lead or
do not lead a task, a ward leader, a community team member, a system administrator, a
citizen's account; and a plan with two goals and three tasks.

The pages and the API count lateness for the real today, so the deadlines are set
around it (TODAY); the query functions take `today=` and are tested with fixed days.

Plan "ke-hoach-thu" (2024–2025, outlook five years from now), issued by the city:
  task 1  lead VHTT, due 10 days before TODAY, in progress   → late by 10 days
  task 2  lead VP,   due 60 days after TODAY, not started    → not late
  task 3  lead VHTT, no deadline (recurring), in progress    → never late
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from chinhquyenso.org.models import AgencyKind, Role
from chinhquyenso.plans import services
from chinhquyenso.plans.models import TaskStatus
from tests.factories import AgencyFactory, OfficialFactory

TODAY = timezone.localdate()


@pytest.fixture
def city_pc(city):
    return AgencyFactory(code="000.00.00.H62", name="Ủy ban nhân dân thành phố Vĩnh Yên",
                         kind=AgencyKind.PEOPLES_COMMITTEE, unit=city)


@pytest.fixture
def vhtt(city_pc, city):
    return AgencyFactory(code="000.07.00.H62", name="Phòng Văn hóa và Thông tin", abbreviation="VHTT",
                         kind=AgencyKind.OFFICE, unit=city, parent=city_pc)


@pytest.fixture
def vp(city_pc, city):
    return AgencyFactory(code="000.01.00.H62", name="Văn phòng HĐND và UBND thành phố", abbreviation="VP",
                         kind=AgencyKind.OFFICE, unit=city, parent=city_pc)


@pytest.fixture
def ward_pc(ward):
    return AgencyFactory(code="000.00.21.H62", name="Ủy ban nhân dân phường Tích Sơn",
                         kind=AgencyKind.PEOPLES_COMMITTEE, unit=ward)


@pytest.fixture
def chairman(city_pc, city):
    return OfficialFactory(username="lanhdao", full_name="Lê Minh Đạo", agency=city_pc,
                           roles=[(Role.LEADER, city)]).user


@pytest.fixture
def vhtt_specialist(vhtt, city):
    return OfficialFactory(username="chuyenvien.vhtt", full_name="Trần Văn Thông", agency=vhtt,
                           roles=[(Role.SPECIALIST, city)]).user


@pytest.fixture
def vp_specialist(vp, city):
    return OfficialFactory(username="chuyenvien.vp", full_name="Phạm Thu Văn", agency=vp,
                           roles=[(Role.SPECIALIST, city)]).user


@pytest.fixture
def vhtt_clerk(vhtt, city):
    """Works for the lead unit, but as a clerk: no right to report on plans."""
    return OfficialFactory(username="vanthu.vhtt", agency=vhtt, roles=[(Role.CLERK, city)]).user


@pytest.fixture
def ward_leader(ward_pc, ward):
    return OfficialFactory(username="lanhdao.tichson", full_name="Bùi Văn Sơn", agency=ward_pc,
                           roles=[(Role.LEADER, ward)]).user


@pytest.fixture
def community_member(ward_pc, ward):
    return OfficialFactory(username="congdong.tichson", agency=ward_pc,
                           roles=[(Role.COMMUNITY_MEMBER, ward)]).user


@pytest.fixture
def admin(vhtt, city):
    return OfficialFactory(username="quantri", agency=vhtt, roles=[(Role.SYSTEM_ADMIN, city)]).user


@pytest.fixture
def citizen_user(db, django_user_model):
    return django_user_model.objects.create_user(username="nguoidan", password="mat-khau-dung-1")


@pytest.fixture
def plan(chairman, city_pc):
    return services.create_plan(actor=chairman, code="ke-hoach-thu", name="Kế hoạch chuyển đổi số thử nghiệm",
                                issuing_agency=city_pc, start_year=2024, end_year=2025, outlook_year=TODAY.year + 5,
                                decision_number="12/KH-UBND", decision_date=date(2024, 1, 15))


@pytest.fixture
def goals(plan, chairman):
    return [services.create_goal(plan_id=plan.pk, actor=chairman, text="Chính quyền số", target_text="100%"),
            services.create_goal(plan_id=plan.pk, actor=chairman, text="Xã hội số")]


@pytest.fixture
def tasks(plan, goals, chairman, vhtt, vp, ward_pc):
    late = services.create_task(plan_id=plan.pk, actor=chairman, name="Nâng cấp mạng LAN", lead_unit=vhtt,
                                co_units=[vp, ward_pc], goal=goals[0], start_date=date(2024, 3, 1),
                                deadline=TODAY - timedelta(days=10))
    later = services.create_task(plan_id=plan.pk, actor=chairman, name="Số hóa tài liệu lưu trữ", lead_unit=vp,
                                 goal=goals[0], deadline=TODAY + timedelta(days=60))
    recurring = services.create_task(plan_id=plan.pk, actor=chairman, name="Tuyên truyền chuyển đổi số",
                                     lead_unit=vhtt, goal=goals[1], start_date=date(2024, 1, 1))
    for task in (late, recurring):
        services.change_task_status(task_id=task.pk, actor=chairman, status=TaskStatus.IN_PROGRESS, today=TODAY)
    for task in (late, later, recurring):
        task.refresh_from_db()
    return [late, later, recurring]


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are checked by their English text (the Vietnamese ones come later): in
    the services, and in the pages the test client asks for."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
