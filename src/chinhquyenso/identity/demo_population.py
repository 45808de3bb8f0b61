"""A synthetic population for the demo city: citizens with valid, unique, consistent
identification numbers, a Vietnamese age/sex pyramid, Vietnamese names, addresses in
the given residential groups, phones and e-ID levels.

Everything here is invented. Reproducible: the same seed, count, groups and `as_of`
give the same people (creation timestamps aside). Fast: rows are built as plain tuples
with no query per row (names normalised once per distinct name part) and written in
batches of BATCH_SIZE rows by one prepared INSERT each (`executemany`), in one
transaction with a single audit entry summarising the run. `bulk_create` did the same
job in about 18 s for 150,000 rows on SQLite, three quarters of it spent by the ORM
preparing 13 values per row and building model instances; the prepared statement takes
about a quarter of that. The INSERT goes through Django's connection with the
backend's own date adapters, so it runs unchanged on PostgreSQL.

    plan_population(...)      the people, as PlannedCitizen rows (no writes)
    generate_population(...)  plan and write them
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from itertools import accumulate, islice
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from chinhquyenso.core.services import record_audit
from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from .idnumbers import FEMALE, MALE, PROVINCE_CODES, make_id_number
from .models import AssuranceLevel, Citizen

Progress = Callable[[int, int], None]

# The day the population is "as of": the last day of the demo city's units (Thành phố
# Vĩnh Yên before the two-level reform). Fixed, so a seed always gives the same ages.
AS_OF = date(2025, 6, 30)
ADULT_AGE = 18
BATCH_SIZE = 5000

# Age pyramid, shaped like Vietnam's 2019 census (5-year groups, % of the population)
# with the share of men in each group: more boys than girls among the young (sex ratio
# at birth ~111), more women among the old. (first age, last age, % of people, share male)
AGE_GROUPS: list[tuple[int, int, float, float]] = [
    (0, 4, 8.0, 0.526), (5, 9, 8.6, 0.524), (10, 14, 7.5, 0.520), (15, 19, 6.8, 0.515),
    (20, 24, 7.0, 0.505), (25, 29, 8.0, 0.500), (30, 34, 8.4, 0.500), (35, 39, 7.9, 0.500),
    (40, 44, 7.2, 0.497), (45, 49, 6.6, 0.495), (50, 54, 5.9, 0.485), (55, 59, 5.2, 0.475),
    (60, 64, 4.3, 0.465), (65, 69, 3.0, 0.455), (70, 74, 1.8, 0.435), (75, 79, 1.3, 0.415),
    (80, 84, 1.0, 0.380), (85, 97, 1.0, 0.330),
]

# Where births were registered: mostly in Vĩnh Phúc (026), otherwise mostly in the
# neighbouring and large provinces, the rest anywhere.
LOCAL_PROVINCE = "026"
LOCAL_SHARE = 0.82
MIGRANT_PROVINCES: dict[str, float] = {
    "001": 20, "025": 14, "019": 6, "008": 5, "015": 4, "027": 4, "024": 4, "030": 3,
    "033": 3, "034": 3, "035": 2, "036": 3, "037": 2, "038": 4, "040": 3, "022": 2,
    "031": 2, "079": 2, "017": 2, "010": 1, "002": 1,
}
OTHER_PROVINCE_WEIGHT = 0.15  # each province not listed above

# Family names (họ) with their approximate frequency (%) in northern Vietnam: the
# national top list (Nguyễn ~38%, Trần ~12%, Lê ~9.5%, Phạm ~7%, Hoàng/Huỳnh ~5%,
# Phan, Vũ/Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý) with Hoàng and Vũ dominating their
# southern variants Huỳnh and Võ in the North, and names frequent around Vĩnh Phúc.
FAMILY_NAMES: dict[str, float] = {
    "Nguyễn": 37.0, "Trần": 11.0, "Lê": 9.0, "Phạm": 6.8, "Hoàng": 4.5, "Huỳnh": 0.3,
    "Vũ": 3.6, "Võ": 0.3, "Phan": 3.0, "Trương": 0.6, "Bùi": 2.1, "Đặng": 2.0, "Đỗ": 2.0,
    "Ngô": 1.3, "Hồ": 0.8, "Dương": 1.2, "Lý": 0.4, "Đào": 1.2, "Đinh": 1.0, "Hà": 1.0,
    "Phùng": 1.0, "Trịnh": 0.8, "Lưu": 0.6, "Tạ": 0.6, "Khổng": 0.4, "Kim": 0.3,
    "Lương": 0.5, "Cao": 0.5, "Chu": 0.4, "Mai": 0.4, "Nghiêm": 0.3, "Triệu": 0.3,
    "Tô": 0.4, "Lại": 0.3, "Kiều": 0.3, "Vương": 0.2, "Quách": 0.2,
}

# Middle names (tên đệm) and given names (tên) with weights for people born before
# 1975, 1975–1999 and from 2000: "Văn" and "Thị" dominate among the elders and give
# way to "Minh", "Gia", "Bảo", "Khánh"… among the young.
MIDDLE_NAMES: dict[str, list[tuple[str, float, float, float]]] = {
    MALE: [
        ("Văn", 70, 40, 12), ("Đức", 6, 10, 10), ("Minh", 3, 8, 14), ("Quang", 4, 6, 6),
        ("Hữu", 5, 5, 3), ("Ngọc", 3, 4, 4), ("Xuân", 4, 4, 3), ("Thanh", 3, 5, 4),
        ("Mạnh", 1, 4, 4), ("Tiến", 1, 3, 3), ("Công", 3, 3, 3), ("Trung", 1, 3, 3),
        ("Hoàng", 0.5, 3, 5), ("Gia", 0, 1, 8), ("Bảo", 0, 0.5, 6), ("Anh", 0.5, 2, 5),
        ("Đình", 4, 3, 2), ("Duy", 0.5, 2, 4), ("Thế", 2, 2, 2), ("Viết", 2, 2, 1),
        ("Tuấn", 0, 1, 3), ("Nhật", 0, 0.5, 3),
    ],
    FEMALE: [
        ("Thị", 85, 55, 18), ("Ngọc", 2, 6, 10), ("Thu", 3, 6, 6), ("Thanh", 2, 5, 5),
        ("Phương", 0.5, 3, 6), ("Minh", 0.5, 2, 7), ("Hồng", 2, 4, 3), ("Mai", 0.5, 2, 4),
        ("Bảo", 0, 0.5, 7), ("Khánh", 0, 1, 6), ("Thùy", 0.5, 3, 5), ("Hải", 0.5, 2, 4),
        ("Kim", 2, 3, 2), ("Diệu", 0, 1, 3), ("Hà", 0, 1, 3), ("Quỳnh", 0, 1, 3),
        ("Lan", 0, 0.5, 2), ("Tuệ", 0, 0, 2),
    ],
}
GIVEN_NAMES: dict[str, list[tuple[str, float, float, float]]] = {
    MALE: [
        ("Hùng", 5, 5, 1), ("Dũng", 5, 5, 1), ("Tuấn", 3, 6, 2), ("Minh", 3, 4, 6),
        ("Hải", 3, 5, 2), ("Nam", 3, 4, 4), ("Long", 2, 4, 3), ("Thắng", 4, 4, 1),
        ("Sơn", 4, 4, 1), ("Cường", 3, 4, 1), ("Hiếu", 1, 3, 3), ("Đức", 2, 3, 4),
        ("Trung", 3, 3, 2), ("Quân", 1, 3, 5), ("Hoàng", 1, 3, 4), ("Huy", 1, 4, 6),
        ("Khánh", 1, 2, 4), ("Phong", 1, 2, 4), ("Thành", 4, 3, 2), ("Tùng", 2, 4, 2),
        ("Bình", 4, 2, 1), ("Hưng", 3, 3, 3), ("Lâm", 1, 2, 5), ("Toàn", 3, 3, 2),
        ("Kiên", 2, 3, 2), ("Việt", 2, 3, 3), ("Quang", 2, 3, 2), ("Anh", 2, 4, 6),
        ("Duy", 1, 2, 4), ("Đạt", 0.5, 2, 6), ("Khoa", 0.5, 1, 5), ("Phúc", 1, 1, 6),
        ("Khang", 0, 0.5, 6), ("Nhật", 0, 1, 4), ("An", 1, 1, 6), ("Vinh", 3, 2, 1),
        ("Tiến", 3, 3, 1), ("Thịnh", 2, 2, 3), ("Hòa", 4, 2, 1), ("Lợi", 3, 1, 0.5),
        ("Mạnh", 3, 3, 1), ("Bảo", 0, 0.5, 5), ("Tài", 2, 2, 2), ("Chiến", 4, 2, 0.5),
        ("Thuận", 3, 1, 0.5), ("Thọ", 3, 0.5, 0), ("Định", 3, 1, 0.3), ("Quý", 3, 1, 0.5),
        ("Phú", 2, 2, 1), ("Dương", 1, 2, 3), ("Kiệt", 0, 0.5, 4), ("Trí", 1, 2, 4),
        ("Nghĩa", 3, 2, 1),
    ],
    FEMALE: [
        ("Lan", 5, 3, 1), ("Hương", 5, 5, 1), ("Hoa", 5, 3, 1), ("Mai", 4, 4, 2),
        ("Linh", 1, 5, 6), ("Trang", 1, 6, 4), ("Hằng", 3, 5, 1), ("Nga", 4, 3, 0.5),
        ("Thảo", 1, 5, 4), ("Huyền", 2, 5, 2), ("Ngọc", 1, 3, 5), ("Anh", 1, 4, 8),
        ("Phương", 2, 4, 3), ("Thủy", 4, 4, 1), ("Hà", 3, 4, 3), ("Nhung", 3, 4, 1),
        ("Yến", 3, 3, 2), ("Hạnh", 4, 3, 1), ("Dung", 4, 3, 0.5), ("Vân", 3, 3, 2),
        ("Loan", 4, 3, 0.5), ("Thu", 2, 3, 1), ("Trâm", 0.5, 2, 4), ("Vy", 0, 1, 6),
        ("My", 0, 1, 6), ("Chi", 0.5, 2, 6), ("Ngân", 0.5, 3, 5), ("Giang", 1, 4, 3),
        ("Quỳnh", 1, 3, 4), ("Nhi", 0, 1, 7), ("Hiền", 3, 4, 2), ("Oanh", 4, 2, 0.5),
        ("Tâm", 3, 2, 2), ("Diệp", 1, 1, 3), ("Hồng", 4, 2, 0.5), ("Xuân", 4, 2, 0.5),
        ("Thơm", 4, 0.5, 0), ("Hậu", 3, 2, 1), ("Tuyết", 3, 2, 0.5), ("Liên", 4, 2, 0.5),
        ("Nguyệt", 2, 2, 1), ("Ly", 0.5, 3, 4), ("Hân", 0, 0.5, 6), ("An", 0.5, 0.5, 5),
        ("Thư", 0.5, 2, 5), ("Uyên", 0.5, 2, 4), ("Hường", 4, 2, 0.3), ("Đào", 3, 1, 0.2),
        ("Cúc", 3, 0.5, 0),
    ],
}

# Streets of Vĩnh Yên, for addresses in residential groups (villages have none).
STREETS = [
    "Mê Linh", "Nguyễn Tất Thành", "Hùng Vương", "Trần Phú", "Kim Ngọc", "Lam Sơn",
    "Ngô Quyền", "Chùa Hà", "Đầm Vạc", "Lý Bôn", "Tôn Đức Thắng", "Lê Xoay",
    "Nguyễn Viết Xuân", "Hai Bà Trưng", "Trần Quốc Tuấn", "Nguyễn Chí Thanh", "Lê Duẩn",
    "Phạm Văn Đồng", "Tô Hiến Thành", "Đội Cấn", "Nguyễn Thái Học", "Lạc Long Quân",
]

# Mobile prefixes of the Vietnamese carriers (Viettel, VinaPhone, MobiFone, others),
# weighted roughly by market share. The numbers are random: demo data only ever goes to
# the logging SMS sender.
PHONE_PREFIXES: dict[str, float] = {
    **{p: 5.5 for p in ("086", "096", "097", "098", "032", "033", "034", "035", "036",
                        "037", "038", "039")},
    **{p: 3.5 for p in ("088", "091", "094", "081", "082", "083", "084", "085")},
    **{p: 2.5 for p in ("089", "090", "093", "070", "076", "077", "078", "079")},
    **{p: 0.5 for p in ("092", "056", "058", "099", "059")},
}

# Electronic identification (VNeID): about 80% of adults at level 2, some at level 1;
# fewer among the very old; teenagers with a card and some children too.
# (minimum age, share at level 2, share at level 1)
EID_SHARES: list[tuple[int, float, float]] = [
    (70, 0.55, 0.12), (ADULT_AGE, 0.82, 0.07), (14, 0.45, 0.10), (0, 0.10, 0.0),
]
ADULT_PHONE_SHARE_WITHOUT_EID = 0.6  # adults with an e-ID account all have a phone
EMAIL_SHARE = {"under_60": 0.4, "over_60": 0.08}
EMAIL_DOMAIN = "example.com"  # reserved (RFC 2606): no mail ever reaches a real person


class PlannedCitizen(NamedTuple):
    """One generated person: the values of a Citizen row (timestamps aside)."""

    id_number: str
    full_name: str
    search_name: str
    birth_date: date
    sex: str
    address: str
    residential_group_id: int
    ward_id: int | None
    phone: str
    email: str
    eid_level: int


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class _Choice:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes
    them on every call without cum_weights; this is the hot loop)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Iterable[tuple[str, float]]):
        pairs = [(item, weight) for item, weight in items if weight > 0]
        self.items = [item for item, _w in pairs]
        self.cum = list(accumulate(weight for _i, weight in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


def _era(year: int) -> int:
    return 0 if year < 1975 else (1 if year < 2000 else 2)


def _name_choices(table: dict[str, list[tuple[str, float, float, float]]]) -> dict:
    return {(sex, era): _Choice((name, weights[era]) for name, *weights in rows)
            for sex, rows in table.items() for era in range(3)}


class _GroupPlace:
    __slots__ = ("pk", "ward_id", "tail", "streets", "is_village")

    def __init__(self, group: AdministrativeUnit, tail: str, streets: list[str]):
        self.pk = group.pk
        self.ward_id = group.parent_id
        self.tail = tail
        self.streets = streets
        self.is_village = group.unit_type == "thon"


def _places(groups: list[AdministrativeUnit], rng: random.Random) -> list[_GroupPlace]:
    """Address tails ("Tổ dân phố số 3, Phường Liên Bảo, Thành phố Vĩnh Yên, Tỉnh Vĩnh
    Phúc") for the groups, with two queries for all their ancestors."""
    wards = AdministrativeUnit.objects.in_bulk({g.parent_id for g in groups if g.parent_id})
    uppers = AdministrativeUnit.objects.in_bulk({w.parent_id for w in wards.values() if w.parent_id})
    provinces = AdministrativeUnit.objects.in_bulk(
        {u.parent_id for u in uppers.values() if u.parent_id})
    places = []
    for group in groups:
        chain = [group.name]
        ward = wards.get(group.parent_id)
        if ward is not None:
            chain.append(ward.name)
            upper = uppers.get(ward.parent_id)
            if upper is not None:
                chain.append(upper.name)
                province = provinces.get(upper.parent_id)
                if province is not None:
                    chain.append(province.name)
        places.append(_GroupPlace(group, ", ".join(chain), rng.sample(STREETS, 2)))
    return places


def plan_population(*, count: int, seed: int, groups: list[AdministrativeUnit],
                    as_of: date = AS_OF,
                    taken_numbers: Iterable[str] = ()) -> Iterator[PlannedCitizen]:
    """Yield `count` people living in `groups` (level-4 units). Numbers in
    `taken_numbers` (citizens already stored) are avoided. Reads the groups' ancestors
    once; no other query."""
    if not groups:
        raise ValueError("generate_population needs at least one residential group")
    if any(g.level != UnitLevel.GROUP for g in groups):
        raise ValueError("citizens live in residential groups or villages (level 4 units)")
    rng = random.Random(seed)
    groups = sorted(groups, key=lambda g: (g.code, g.pk))
    places = _places(groups, rng)
    place_choice = _Choice((i, rng.uniform(0.6, 1.4)) for i in range(len(places)))

    age_choice = _Choice((i, share) for i, (_lo, _hi, share, _m) in enumerate(AGE_GROUPS))
    migrant_choice = _Choice(
        (code, MIGRANT_PROVINCES.get(code, OTHER_PROVINCE_WEIGHT))
        for code in PROVINCE_CODES if code != LOCAL_PROVINCE)
    family_choice = _Choice(FAMILY_NAMES.items())
    middle_choice = _name_choices(MIDDLE_NAMES)
    given_choice = _name_choices(GIVEN_NAMES)
    phone_choice = _Choice(PHONE_PREFIXES.items())

    normalized: dict[str, str] = {}

    def norm(part: str) -> str:
        value = normalized.get(part)
        if value is None:
            value = normalized[part] = normalize_vi(part)
        return value

    used = set(taken_numbers)
    phones: set[str] = set()
    days_in_year = 365.2425
    for _ in range(count):
        lo, hi, _share, male_share = AGE_GROUPS[age_choice.pick(rng)]
        birth_date = as_of - timedelta(
            days=rng.randrange(int(lo * days_in_year), int((hi + 1) * days_in_year)))
        sex = MALE if rng.random() < male_share else FEMALE
        age = age_on(birth_date, as_of)

        province = LOCAL_PROVINCE if rng.random() < LOCAL_SHARE else migrant_choice.pick(rng)
        number = make_id_number(province_code=province, birth_date=birth_date, sex=sex,
                                serial=rng.randrange(1_000_000))
        while number in used:
            number = number[:6] + f"{rng.randrange(1_000_000):06d}"
        used.add(number)

        era = _era(birth_date.year)
        family = family_choice.pick(rng)
        middle = middle_choice[sex, era].pick(rng)
        given = given_choice[sex, era].pick(rng)
        while given == middle:
            given = given_choice[sex, era].pick(rng)

        place = places[place_choice.pick(rng)]
        if place.is_village:
            address = place.tail
        else:
            street = place.streets[0] if rng.random() < 0.6 else place.streets[1]
            address = f"Số {rng.randint(1, 250)}, đường {street}, {place.tail}"

        level2, level1 = next((l2, l1) for min_age, l2, l1 in EID_SHARES if age >= min_age)
        draw = rng.random()
        eid_level = (AssuranceLevel.LEVEL_2 if draw < level2
                     else AssuranceLevel.LEVEL_1 if draw < level2 + level1
                     else AssuranceLevel.NONE)

        phone = email = ""
        if age >= ADULT_AGE:
            if eid_level or rng.random() < ADULT_PHONE_SHARE_WITHOUT_EID:
                phone = phone_choice.pick(rng) + f"{rng.randrange(10_000_000):07d}"
                while phone in phones:
                    phone = phone[:3] + f"{rng.randrange(10_000_000):07d}"
                phones.add(phone)
            if rng.random() < EMAIL_SHARE["under_60" if age < 60 else "over_60"]:
                local = norm(given).replace(" ", "") + "." + norm(family).replace(" ", "")
                email = f"{local}{birth_date.year % 100:02d}{rng.randrange(100)}@{EMAIL_DOMAIN}"

        yield PlannedCitizen(
            id_number=number,
            full_name=f"{family} {middle} {given}",
            search_name=f"{norm(family)} {norm(middle)} {norm(given)}",
            birth_date=birth_date, sex=sex, address=address,
            residential_group_id=place.pk, ward_id=place.ward_id,
            phone=phone, email=email, eid_level=int(eid_level),
        )


_TIMESTAMPS = ("created_at", "updated_at")


def _insert(rows: list[PlannedCitizen]) -> None:
    """INSERT the rows with one prepared statement (executemany)."""
    ops, meta = connection.ops, Citizen._meta
    columns = [meta.get_field(name.removesuffix("_id")).column
               for name in (*PlannedCitizen._fields, *_TIMESTAMPS)]
    # Identifiers come from the model's metadata, values are bound as parameters.
    sql = (f"INSERT INTO {ops.quote_name(meta.db_table)} "  # noqa: S608
           f"({', '.join(ops.quote_name(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    date_index = PlannedCitizen._fields.index("birth_date")
    stamp = ops.adapt_datetimefield_value(timezone.now())
    adapt_date = ops.adapt_datefield_value
    params = []
    for row in rows:
        values = list(row)
        values[date_index] = adapt_date(row.birth_date)
        values += (stamp, stamp)
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def generate_population(*, count: int = 150_000, seed: int = 2026,
                        groups: list[AdministrativeUnit], as_of: date = AS_OF,
                        progress: Progress = lambda done, total: None, actor=None) -> int:
    """Create `count` citizens in `groups` in one transaction, in batches of
    BATCH_SIZE, and one audit entry summarising the run. Returns the number created.
    Citizens already stored are kept and their numbers avoided."""
    with transaction.atomic():
        taken = Citizen.objects.values_list("id_number", flat=True).iterator(chunk_size=10_000)
        people = plan_population(count=count, seed=seed, groups=groups, as_of=as_of,
                                 taken_numbers=taken)
        created = 0
        progress(0, count)
        while batch := list(islice(people, BATCH_SIZE)):
            _insert(batch)
            created += len(batch)
            progress(created, count)
        record_audit(actor=actor, action="citizens.generated",
                     object_type=Citizen._meta.label_lower,
                     object_repr=f"{created} demo citizens",
                     after={"count": created, "seed": seed, "as_of": as_of,
                            "groups": len(groups),
                            "wards": len({g.parent_id for g in groups})})
    return created
