"""Demo community digital technology teams: one per residential group or village of the
demo city (111), about 1,100 members with their organisations and trainings, and a year
of their activities, generated in bulk.

    generate(*, seed=2026, months=12, end=None, progress=None, now=None) -> TeamsResult

Each ward set up its teams by one decision of its chairman (2023–2024). A team has a
leader (the head of the group, or for the first team of each ward the ward's demo
account `congdong.<slug>`, linked so it can log in and record), a deputy from the Youth
Union, a police officer and members from the Youth Union, Women's Union, veterans…
(8–12 people in all). About two thirds completed a training course.

Activities follow the campaigns of the year: VNeID level-2 activation early, electronic
payment and e-commerce growing, fewer during Tết, more at weekends; some members are
very active, some hardly at all. Most are confirmed by the ward's leader or
administrator a few days later; some were rejected; the last days' are mostly awaiting
confirmation. The dossiers the demo `congdong.<slug>` accounts submitted on citizens'
behalf (demo.dossiers) become their team's "dossier" activities, as
services.link_assisted_dossier does for real submissions, so run this after the
dossiers.

Rows are written with bulk_create, in one transaction with one audit entry. The same
seed, months and end date give the same data on a fresh demo city (timestamps aside).
"""

from __future__ import annotations

import math
import random
import time as _time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from chinhquyenso.core.calendar import VIETNAM_TZ
from chinhquyenso.core.services import record_audit
from chinhquyenso.demo import city as demo_city
from chinhquyenso.demo.dossiers import person_name
from chinhquyenso.dossiers.models import Channel, Dossier
from chinhquyenso.identity.demo_population import PHONE_PREFIXES
from chinhquyenso.org.models import AdministrativeUnit, Official, Role, RoleAssignment, UnitLevel

from .models import Activity, ActivityCategory, Member, MemberRole, Team, Training

DEFAULT_SEED = 2026
DEFAULT_MONTHS = 12
BATCH_SIZE = 2000

Progress = Callable[[int, int], None]
"""progress(done, total), called after each batch of activities."""


class GenerationError(ValueError):
    """The database lacks the demo city, or its teams already exist."""


# --- people and places ---------------------------------------------------------------------

# (organisation, weight, share of women, skills)
ORGANISATIONS = [
    ("Đoàn Thanh niên", 34, 0.5, ["Cài đặt VNeID, dịch vụ công trực tuyến",
                                 "Thanh toán điện tử, mã QR", "Bán hàng trên sàn thương mại điện tử",
                                 "Tin học văn phòng, mạng xã hội"]),
    ("Hội Phụ nữ", 20, 1.0, ["Hướng dẫn thanh toán không dùng tiền mặt",
                            "Cài đặt VNeID", "Mở gian hàng trên sàn thương mại điện tử"]),
    ("Hội Cựu chiến binh", 8, 0.05, ["Tuyên truyền chuyển đổi số", "Cài đặt VNeID"]),
    ("Hội Nông dân", 5, 0.3, ["Đưa nông sản lên sàn thương mại điện tử", "Tuyên truyền"]),
    ("Mặt trận Tổ quốc", 5, 0.4, ["Tuyên truyền chuyển đổi số"]),
    ("Chi hội Người cao tuổi", 3, 0.4, ["Hướng dẫn người cao tuổi dùng điện thoại thông minh"]),
    ("Giáo viên", 6, 0.8, ["Tin học, kỹ năng số cơ bản", "An toàn thông tin"]),
    ("Y tế", 3, 0.7, ["Sổ sức khỏe điện tử trên VNeID"]),
    ("Bưu điện", 3, 0.6, ["Dịch vụ công trực tuyến, nộp hồ sơ", "Thanh toán điện tử"]),
    ("Doanh nghiệp viễn thông", 3, 0.3, ["Cài đặt ứng dụng, sim chính chủ",
                                        "Thanh toán điện tử, mã QR"]),
]
POLICE = ("Công an", ["Kích hoạt định danh điện tử mức 2", "Thu nhận hồ sơ định danh"])

COURSES = [
    ("Bồi dưỡng kiến thức, kỹ năng số cơ bản cho Tổ công nghệ số cộng đồng", "KNS", 40),
    ("Bình dân học vụ số: kỹ năng số cho mọi người dân", "BDHVS", 30),
    ("Hướng dẫn cài đặt, kích hoạt tài khoản định danh điện tử VNeID", "VNEID", 20),
    ("Hỗ trợ người dân sử dụng dịch vụ công trực tuyến", "DVC", 15),
    ("Thanh toán không dùng tiền mặt và thương mại điện tử cho hộ gia đình", "TMDT", 10),
    ("An toàn thông tin cơ bản cho người dân", "ATTT", 8),
]

# Relative weight of each category at the start and at the end of the period.
CATEGORY_TREND = {
    ActivityCategory.EXPLAIN: (22, 18),
    ActivityCategory.VNEID_L1: (12, 5),
    ActivityCategory.VNEID_L2: (22, 9),
    ActivityCategory.DOSSIER: (7, 9),
    ActivityCategory.PAYMENT: (10, 17),
    ActivityCategory.ECOMMERCE: (4, 11),
    ActivityCategory.TRAINING: (5, 6),
}
# More of a category for members of an organisation.
ORGANISATION_BIAS = {
    "Công an": {ActivityCategory.VNEID_L2: 3.0, ActivityCategory.VNEID_L1: 1.5},
    "Đoàn Thanh niên": {ActivityCategory.ECOMMERCE: 1.6, ActivityCategory.PAYMENT: 1.4},
    "Hội Phụ nữ": {ActivityCategory.PAYMENT: 1.6},
    "Hội Nông dân": {ActivityCategory.ECOMMERCE: 2.0},
    "Bưu điện": {ActivityCategory.DOSSIER: 2.5},
    "Giáo viên": {ActivityCategory.TRAINING: 2.5},
}
LEADER_BIAS = {ActivityCategory.EXPLAIN: 1.8, ActivityCategory.TRAINING: 2.0}
MONTH_FACTOR = {1: 1.1, 2: 0.55, 3: 1.1, 4: 1.0, 5: 1.0, 6: 0.9, 7: 1.1, 8: 1.0, 9: 1.05,
                10: 1.1, 11: 1.1, 12: 0.95}
WEEKDAY_WEIGHT = [0.8, 0.8, 0.8, 0.8, 0.9, 1.6, 1.5]
MEAN_PER_MONTH = 1.25  # confirmed or not, for an average active member

PLACES_GROUP = ["Nhà văn hóa {group}", "Tại nhà dân, {group}", "Nhà văn hóa {group}",
                "Hộ gia đình, {group}", "Sân nhà văn hóa {group}"]
PLACES_WARD = ["Bộ phận Một cửa UBND {ward}", "Chợ {short}", "Điểm bưu điện văn hóa {short}",
               "Trường THCS {short}", "Công an {ward}"]
NOTES = {
    ActivityCategory.EXPLAIN: ["Tuyên truyền Đề án 06 tại buổi họp tổ dân phố",
                               "Đến từng hộ phát tờ rơi hướng dẫn", "Lồng ghép buổi sinh hoạt chi hội"],
    ActivityCategory.VNEID_L1: ["Cài đặt ứng dụng VNeID cho người cao tuổi",
                                "Hướng dẫn đăng ký tài khoản mức 1"],
    ActivityCategory.VNEID_L2: ["Phối hợp công an phường kích hoạt mức 2",
                                "Kích hoạt tài khoản mức 2 tại nhà cho người cao tuổi"],
    ActivityCategory.DOSSIER: ["Hướng dẫn nộp hồ sơ chứng thực trực tuyến",
                               "Hỗ trợ đăng ký khai sinh trực tuyến"],
    ActivityCategory.PAYMENT: ["Mở tài khoản ngân hàng trên điện thoại",
                               "Hướng dẫn thanh toán tiền điện, nước qua ứng dụng"],
    ActivityCategory.ECOMMERCE: ["Mở gian hàng bán nông sản trên sàn thương mại điện tử",
                                 "Hướng dẫn bán hàng qua mạng xã hội"],
    ActivityCategory.TRAINING: ["Buổi tập huấn kỹ năng số tại nhà văn hóa",
                                "Lớp Bình dân học vụ số cho người dân"],
}
REJECT_REASONS = ["Trùng với hoạt động đã ghi ngày trước.",
                  "Số hộ chưa chính xác, đề nghị ghi lại.",
                  "Không rõ địa điểm và nội dung hoạt động."]
DOSSIER_NOTE = "Hồ sơ {code} nộp thay người dân, có sự đồng ý của người dân"
AUTO_REVIEW_NOTE = "Xác nhận tự động: hồ sơ được nộp trên hệ thống."


# --- the result ----------------------------------------------------------------------------

@dataclass
class TeamsResult:
    teams: int = 0
    members: int = 0
    linked_accounts: int = 0
    trainings: int = 0
    activities: int = 0
    statuses: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    people_reached: int = 0
    dossiers_linked: int = 0
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"teams": self.teams, "members": self.members,
                "linked_accounts": self.linked_accounts, "trainings": self.trainings,
                "activities": self.activities,
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "categories": {str(k): v for k, v in self.categories.items()}, "people_reached": self.people_reached,
                "dossiers_linked": self.dossiers_linked, "first_day": self.first_day,
                "last_day": self.last_day, "seconds": round(self.seconds, 2)}

    def summary(self) -> str:
        s = self.statuses
        return (f"{self.teams} tổ công nghệ số, {self.members} thành viên "
                f"({self.linked_accounts} có tài khoản), {self.trainings} lượt tập huấn; "
                f"{self.activities} hoạt động ({self.first_day:%d/%m/%Y}–{self.last_day:%d/%m/%Y}"
                f"): đã xác nhận {s[Activity.Status.CONFIRMED]}, chờ xác nhận "
                f"{s[Activity.Status.RECORDED]}, bị từ chối {s[Activity.Status.REJECTED]}; "
                f"{self.dossiers_linked} hồ sơ nộp thay; {self.people_reached} lượt hộ/người "
                f"được hỗ trợ ({self.seconds:.1f} s).")


# --- helpers -------------------------------------------------------------------------------

class _Choice:
    def __init__(self, pairs):
        self.items = [item for item, _w in pairs]
        self.cum = []
        total = 0.0
        for _item, weight in pairs:
            total += weight
            self.cum.append(total)

    def pick(self, rng: random.Random):
        from bisect import bisect

        return self.items[min(bisect(self.cum, rng.random() * self.cum[-1]), len(self.items) - 1)]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _months_before(day: date, months: int) -> date:
    from chinhquyenso.demo.dossiers import _months_before as before

    return before(day, months)


def _short(name: str) -> str:
    for prefix in ("Phường ", "Xã ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VIETNAM_TZ)


def _demo_groups() -> list[AdministrativeUnit]:
    return list(AdministrativeUnit.objects
                .filter(level=UnitLevel.GROUP, parent__level=UnitLevel.WARD,
                        parent__parent__code=demo_city.CITY["code"],
                        parent__parent__level=UnitLevel.DISTRICT)
                .select_related("parent").order_by("parent__code", "code"))


@dataclass
class _Ward:
    unit: AdministrativeUnit
    signer: str
    reviewers: list[int]
    account: tuple[int, str] | None   # (user id, full name) of congdong.<slug>


def _wards(groups: list[AdministrativeUnit]) -> dict[int, _Ward]:
    wards = {g.parent_id: g.parent for g in groups}
    roles = defaultdict(lambda: defaultdict(list))
    for unit_id, role, user_id, name in (
            RoleAssignment.objects.filter(unit__in=wards, official__user__is_active=True)
            .order_by("official__user__username")
            .values_list("unit_id", "role", "official__user_id", "official__full_name")):
        roles[unit_id][role].append((user_id, name))
    result = {}
    for ward_id, unit in wards.items():
        slug = demo_city.WARD_SLUGS.get(unit.code)
        account = None
        if slug:
            account = (Official.objects.filter(user__username=f"congdong.{slug}",
                                               user__is_active=True)
                       .values_list("user_id", "full_name").first())
        leaders = roles[ward_id][Role.LEADER]
        reviewers = [u for u, _n in leaders + roles[ward_id][Role.UNIT_ADMIN]]
        result[ward_id] = _Ward(unit=unit, signer=leaders[0][1] if leaders else "Chủ tịch UBND",
                                reviewers=reviewers, account=account)
    return result


# --- generation ----------------------------------------------------------------------------

def generate(*, seed: int = DEFAULT_SEED, months: int = DEFAULT_MONTHS, end: date | None = None,
             progress: Progress | None = None, now: datetime | None = None,
             batch_size: int = BATCH_SIZE) -> TeamsResult:
    """Create the demo city's teams, members, trainings and `months` months of
    activities up to `end` (today by default); link the demo community accounts and
    their assisted dossiers. GenerationError without the demo city or when its teams
    exist already."""
    started = _time.monotonic()
    if months <= 0:
        raise GenerationError("The number of months must be positive.")
    now = now or timezone.now()
    today = now.astimezone(VIETNAM_TZ).date()
    end = end or today
    if end > today:
        raise GenerationError("The period cannot end in the future.")
    first_day = _months_before(end, months) + timedelta(days=1)
    groups = _demo_groups()
    if not groups:
        raise GenerationError("The demo city has no residential groups: load it first "
                              "(load_demo).")
    if Team.objects.filter(group__in=groups).exists():
        raise GenerationError("The demo city's teams already exist.")
    rng = random.Random(seed)
    wards = _wards(groups)
    result = TeamsResult(first_day=first_day, last_day=end)

    with transaction.atomic():
        teams = _create_teams(rng, groups, wards, result)
        members = _create_members(rng, teams, wards, end, result)
        _create_trainings(rng, members, end, result)
        _create_activities(rng, members, wards, first_day, end, now, result, progress,
                           batch_size)
        _link_dossiers(members, now, result)
        result.seconds = _time.monotonic() - started
        record_audit(action="demo.teams_generated", object_type=Team._meta.label_lower,
                     object_repr=f"{result.teams} demo teams",
                     after={"seed": seed, "months": months, "end": end, **result.as_dict()})
    result.seconds = _time.monotonic() - started
    return result


def _create_teams(rng, groups, wards, result) -> list[Team]:
    decisions = {}
    for ward_id in sorted(wards, key=lambda w: wards[w].unit.code):
        day = date(2023, 3, 1) + timedelta(days=rng.randrange(480))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        decisions[ward_id] = (f"{rng.randint(60, 420)}/QĐ-UBND", day)
    teams = [Team(group=g, name=f"Tổ công nghệ số cộng đồng {g.name}",
                  decision_number=decisions[g.parent_id][0], decision_date=decisions[g.parent_id][1],
                  decision_signer=wards[g.parent_id].signer)
             for g in groups]
    Team.objects.bulk_create(teams)
    result.teams = len(teams)
    return teams


@dataclass
class _Member:
    obj: Member
    team: Team
    weight: float          # how active
    bias: dict


def _phone(rng, prefixes: _Choice, used: set[str]) -> str:
    while True:
        phone = prefixes.pick(rng) + f"{rng.randrange(10_000_000):07d}"
        if phone not in used:
            used.add(phone)
            return phone


def _create_members(rng, teams, wards, end, result) -> list[_Member]:
    organisations = _Choice([(o, w) for o, w, _f, _s in ORGANISATIONS])
    details = {o: (f, s) for o, _w, f, s in ORGANISATIONS}
    prefixes = _Choice(list(PHONE_PREFIXES.items()))
    used_phones: set[str] = set()
    first_of_ward: set[int] = set()
    planned: list[_Member] = []
    for team in teams:
        group = team.group
        ward = wards[group.parent_id]
        village = group.unit_type == "thon"
        size = rng.randint(8, 12)
        team_factor = math.exp(rng.gauss(0, 0.45))
        for position in range(size):
            user_id = None
            if position == 0:
                role, organisation = MemberRole.LEADER, "Tổ dân phố" if not village else "Thôn"
                skills = "Tuyên truyền, vận động nhân dân"
                name = person_name(rng, "M" if rng.random() < 0.75 else "F")
                if ward.account and group.parent_id not in first_of_ward:
                    user_id, name = ward.account
                    first_of_ward.add(group.parent_id)
            elif position == 1:
                role, organisation = MemberRole.DEPUTY, "Đoàn Thanh niên"
                skills = rng.choice(details[organisation][1])
                name = person_name(rng, rng.choice("MF"))
            elif position == 2:
                role, organisation = MemberRole.MEMBER, POLICE[0]
                skills = rng.choice(POLICE[1])
                name = person_name(rng, "M" if rng.random() < 0.85 else "F")
            else:
                role = MemberRole.MEMBER
                organisation = organisations.pick(rng)
                while organisation == "Hội Nông dân" and not village and rng.random() < 0.8:
                    organisation = organisations.pick(rng)
                women, skill_list = details[organisation]
                skills = rng.choice(skill_list)
                name = person_name(rng, "F" if rng.random() < women else "M")
            joined = team.decision_date
            if position > 2 and rng.random() < 0.2:
                joined = team.decision_date + timedelta(
                    days=rng.randrange(max(1, (end - team.decision_date).days - 30)))
            active = user_id is not None or position < 2 or rng.random() > 0.04
            # how active: a few very active, most moderately, some hardly at all
            draw = rng.random()
            weight = (0.0 if not active else 0.08 if draw < 0.18 else
                      rng.uniform(0.5, 1.3) if draw < 0.85 else rng.uniform(1.8, 3.5))
            if role != MemberRole.MEMBER or user_id is not None:
                weight = max(weight, 1.0)
            bias = dict(ORGANISATION_BIAS.get(organisation, {}))
            if role == MemberRole.LEADER:
                bias = {**bias, **LEADER_BIAS}
            planned.append(_Member(
                obj=Member(team=team, user_id=user_id, full_name=name,
                           phone=_phone(rng, prefixes, used_phones), role=role,
                           organisation=organisation, skills=skills, is_active=active,
                           joined_on=joined),
                team=team, weight=weight * team_factor, bias=bias))
    Member.objects.bulk_create([m.obj for m in planned], batch_size=1000)
    result.members = len(planned)
    result.linked_accounts = sum(1 for m in planned if m.obj.user_id)
    return planned


def _create_trainings(rng, members: list[_Member], end: date, result) -> None:
    courses = _Choice([((c, code), w) for c, code, w in COURSES])
    rows, serial = [], 0
    for m in members:
        if rng.random() > (0.9 if m.obj.role != MemberRole.MEMBER else 0.62):
            continue
        taken = set()
        for _ in range(1 if rng.random() < 0.75 else 2):
            course, code = courses.pick(rng)
            if course in taken:
                continue
            taken.add(course)
            start = max(m.obj.joined_on, date(2023, 6, 1))
            span = (end - start).days
            if span <= 0:
                continue
            day = start + timedelta(days=rng.randrange(span))
            serial += 1
            certificate = f"{code}-{day.year}-{serial:05d}" if rng.random() < 0.85 else ""
            rows.append(Training(member=m.obj, course=course, completed_on=day,
                                 certificate=certificate))
    Training.objects.bulk_create(rows, batch_size=1000)
    result.trainings = len(rows)


def _create_activities(rng, members, wards, first_day, end, now, result, progress,
                       batch_size) -> None:
    span = (end - first_day).days + 1
    days = [first_day + timedelta(days=i) for i in range(span)]
    by_month: dict[tuple[int, int], list[date]] = defaultdict(list)
    for day in days:
        by_month[day.year, day.month].append(day)
    categories = list(CATEGORY_TREND)
    planned: list[Activity] = []
    for m in members:
        if m.weight <= 0:
            continue
        team, group = m.team, m.team.group
        ward = wards[group.parent_id]
        places = ([p.format(group=group.name) for p in PLACES_GROUP]
                  + [p.format(ward=ward.unit.name, short=_short(ward.unit.name))
                     for p in PLACES_WARD])
        for (_year, month), month_days in by_month.items():
            eligible = [d for d in month_days if d >= m.obj.joined_on]
            if not eligible:
                continue
            lam = MEAN_PER_MONTH * m.weight * MONTH_FACTOR[month] * len(eligible) / 30.4
            for _ in range(_poisson(rng, lam)):
                day = rng.choices(eligible, weights=[WEEKDAY_WEIGHT[d.weekday()]
                                                     for d in eligible])[0]
                t = (day - first_day).days / max(span - 1, 1)
                weights = [(a + (b - a) * t) * m.bias.get(c, 1.0)
                           for c, (a, b) in CATEGORY_TREND.items()]
                category = rng.choices(categories, weights=weights)[0]
                planned.append(_activity(rng, m, team, category, day, places, ward, end, now))
    planned.sort(key=lambda a: (a.day, a.team.group.code))
    total = len(planned)
    if progress:
        progress(0, total)
    created_at: dict[datetime, list[Activity]] = defaultdict(list)
    for begin in range(0, total, batch_size):
        batch = planned[begin:begin + batch_size]
        Activity.objects.bulk_create(batch)
        for a in batch:
            stamp = _local(a.day, 19, 30)
            created_at[min(stamp, now)].append(a)
            result.statuses[a.status] += 1
            result.categories[a.category] += 1
            if a.status == Activity.Status.CONFIRMED:
                result.people_reached += a.people_reached
        if progress:
            progress(begin + len(batch), total)
    # auto_now_add stamped them all now: put the evening of their day instead
    for stamp, rows in created_at.items():
        Activity.objects.filter(pk__in=[a.pk for a in rows]).update(created_at=stamp)
    result.activities = total


def _people(rng, category: str) -> int:
    if category == ActivityCategory.EXPLAIN:
        return rng.randint(1, 5) if rng.random() < 0.65 else rng.randint(8, 40)
    if category == ActivityCategory.TRAINING:
        return rng.randint(8, 35)
    if category in (ActivityCategory.VNEID_L1, ActivityCategory.VNEID_L2,
                    ActivityCategory.PAYMENT):
        return rng.randint(1, 4)
    return rng.randint(1, 3)


def _activity(rng, m: _Member, team, category, day, places, ward: _Ward, end, now) -> Activity:
    age = (end - day).days
    draw = rng.random()
    if age <= 7:
        status = "recorded" if draw < 0.65 else "rejected" if draw > 0.97 else "confirmed"
    elif age <= 30:
        status = "recorded" if draw < 0.07 else "rejected" if draw > 0.96 else "confirmed"
    else:
        status = "recorded" if draw < 0.015 else "rejected" if draw > 0.96 else "confirmed"
    reviewed_by = reviewed_at = None
    review_note = ""
    if status != "recorded":
        reviewed_at = _local(day + timedelta(days=rng.randint(1, 6)), rng.randint(8, 16),
                             rng.randrange(60))
        if reviewed_at > now or not ward.reviewers:
            status, reviewed_at = "recorded", None
        else:
            reviewed_by = rng.choice(ward.reviewers)
            if status == "rejected":
                review_note = rng.choice(REJECT_REASONS)
    return Activity(
        team=team, member=m.obj, day=day, category=category, people_reached=_people(rng, category),
        place=rng.choice(places) if rng.random() < 0.85 else "",
        note=rng.choice(NOTES[category]) if rng.random() < 0.35 else "",
        status=status, reviewed_by_id=reviewed_by, reviewed_at=reviewed_at,
        review_note=review_note,
        client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4) if rng.random() < 0.15 else None)


def _link_dossiers(members: list[_Member], now, result) -> None:
    """The dossiers the linked demo accounts submitted for citizens, as their "dossier"
    activities (what link_assisted_dossier does on each real submission)."""
    by_user = {m.obj.user_id: m for m in members if m.obj.user_id and m.obj.is_active}
    if not by_user:
        return
    dossiers = (Dossier.objects.filter(assisted_by__in=by_user, assistance_consent=True,
                                       channel=Channel.ONLINE, community_activity__isnull=True)
                .order_by("submitted_at", "pk").values_list("pk", "code", "assisted_by_id",
                                                            "submitted_at"))
    rows = []
    for pk, code, user_id, submitted_at in dossiers.iterator(chunk_size=2000):
        m = by_user[user_id]
        day = timezone.localtime(submitted_at, VIETNAM_TZ).date()
        if day < m.obj.joined_on:
            continue
        rows.append(Activity(team=m.team, member=m.obj, day=day,
                             category=ActivityCategory.DOSSIER, people_reached=1,
                             note=DOSSIER_NOTE.format(code=code), status="confirmed",
                             reviewed_at=min(submitted_at, now), review_note=AUTO_REVIEW_NOTE,
                             dossier_id=pk))
    Activity.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    result.dossiers_linked = len(rows)
    result.activities += len(rows)
    result.statuses[Activity.Status.CONFIRMED] += len(rows)
    result.categories[ActivityCategory.DOSSIER] += len(rows)
    result.people_reached += len(rows)
