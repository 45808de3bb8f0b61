"""The service index of Decision 766/QĐ-TTg (2022): 100 points in six groups, per unit
and period (DOMAIN.md §3). The sub-weights are reconstructed from the national portal's
published scoring and are data here (ITEMS), to be checked against the decision.

Each sub-item earns `points × min(1, ratio / threshold)`: the ratio is computed from the
platform's records (dossiers through the aggregates, procedures, complaints) or, for
what the platform cannot see (procedures published and updated on time by the
province, dossiers synchronised to the national portal or to the citizen's data store,
electronic certified copies), taken from the value a unit reports for the reported
indicator named by the item (`reported`), in percent. When there is nothing to measure
(no dossier with a fee, no complaint) an item marked `empty_full` earns full marks —
nothing was done badly — and any other earns nothing and is shown as "no data".

A group's score is the sum of its items; the index is the sum of the groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .measures import MEASURES, Measure, summed
from .measures import SOURCES as SOURCE_LOADERS
from .models import IndicatorValue, Metric
from .models import Source as ValueSource

CENT = Decimal("0.01")

GROUPS: list[tuple[str, str, int]] = [
    ("cong-khai", "Công khai, minh bạch", 18),
    ("tien-do", "Tiến độ giải quyết", 20),
    ("truc-tuyen", "Dịch vụ công trực tuyến", 12),
    ("thanh-toan", "Thanh toán trực tuyến", 10),
    ("hai-long", "Mức độ hài lòng", 18),
    ("so-hoa", "Số hóa hồ sơ", 22),
]

TOTAL_CODE = "chi-so-766"


def group_code(group: str) -> str:
    return f"{TOTAL_CODE}-{group}"


@dataclass(frozen=True)
class Item:
    group: str
    code: str
    name: str
    points: int
    ratio: object = None  # (data, ids, months) → (numerator, denominator); None when reported
    reported: str = ""  # code of the reported indicator giving the ratio in percent
    threshold: Decimal = Decimal(1)
    empty_full: bool = False


@dataclass(frozen=True)
class ItemScore:
    item: Item
    numerator: Decimal | int | None
    denominator: Decimal | int | None
    score: Decimal | None  # None: no data

    @property
    def ratio_percent(self) -> Decimal | None:
        if self.numerator is None or not self.denominator:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(CENT, ROUND_HALF_UP)


def _dossiers(numerator, denominator):
    """A ratio of dossier metrics: numerator a metric or (metric, minus metric)."""
    def ratio(data, ids, months):
        counts = summed(data, "dossiers", ids, months)
        if isinstance(numerator, tuple):
            top = counts[numerator[0]] - counts[numerator[1]]
        else:
            top = counts[numerator]
        return top, counts[denominator]
    return ratio


def _complaints(numerator, denominator):
    def ratio(data, ids, months):
        counts = summed(data, "complaints", ids, months)
        return counts[numerator], counts[denominator]
    return ratio


def _offered(data, ids) -> list[tuple]:
    """The procedures the units handle (one entry per procedure)."""
    seen = {}
    for unit_id in ids:
        for entry in data["procedures"].get(("procedures", unit_id), ()):
            seen[entry[0]] = entry
    return list(seen.values())


def _used(data, ids, months) -> dict[int, set[int]]:
    """metric → the procedures with that metric in the units and months (the usage holds
    positive totals only, so a procedure is in a set when any of its cells counts it).
    Kept in `data`: three items read the same; read it only."""
    memo = data.setdefault("_used", {})
    key = (frozenset(ids), tuple(months))
    if key in memo:
        return memo[key]
    cells = data["procedures"]["used"]  # (unit, month) → metric → procedures
    used: dict[int, set[int]] = {}
    unit_ids, wanted = key[0], set(months)
    for (unit_id, month), by_metric in cells.items():
        if unit_id in unit_ids and month in wanted:
            for metric, procedures in by_metric.items():
                used.setdefault(metric, set()).update(procedures)
    memo[key] = used
    return used


def _complete(data, ids, months):
    offered = _offered(data, ids)
    return sum(1 for _pk, _level, complete, _fee in offered if complete), len(offered)


def _online_offered(data, ids, months):
    offered = _offered(data, ids)
    return sum(1 for _pk, level, _c, _f in offered if level != "information"), len(offered)


def _online_used(data, ids, months):
    online = {pk for pk, level, _c, _f in _offered(data, ids) if level != "information"}
    used = _used(data, ids, months).get(Metric.RECEIVED_ONLINE, set())
    return len(online & used), len(online)


def _payment_coverage(data, ids, months):
    with_fee = {pk for pk, _l, _c, fee in _offered(data, ids) if fee}
    paid = _used(data, ids, months).get(Metric.FINISHED_PAID_ONLINE, set())
    return len(with_fee & paid), len(with_fee)


def _population_connected(data, ids, months):
    used = _used(data, ids, months)
    received = used.get(Metric.RECEIVED, set())
    return len(received & used.get(Metric.RECEIVED_POPULATION_DATA, set())), len(received)


ITEMS: list[Item] = [
    Item("cong-khai", "cong-bo-dung-han", "Thủ tục hành chính được công bố, công khai đúng hạn", 6,
         reported="tthc-cong-bo-dung-han"),
    Item("cong-khai", "cap-nhat-dung-han", "Thủ tục hành chính được cập nhật, công khai đúng hạn", 4,
         reported="tthc-cap-nhat-dung-han"),
    Item("cong-khai", "noi-dung-day-du", "Thủ tục công khai đầy đủ nội dung (thành phần, quy trình, "
         "căn cứ pháp lý, phí)", 2, ratio=_complete),
    Item("cong-khai", "dong-bo-cong-quoc-gia", "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia", 6,
         reported="ho-so-dong-bo-cong-quoc-gia"),
    Item("tien-do", "dung-han", "Hồ sơ giải quyết trước và đúng hạn", 20,
         ratio=_dossiers((Metric.FINISHED, Metric.FINISHED_LATE), Metric.FINISHED)),
    Item("truc-tuyen", "thu-tuc-truc-tuyen", "Thủ tục được cung cấp trực tuyến", 4, ratio=_online_offered),
    Item("truc-tuyen", "thu-tuc-phat-sinh-ho-so", "Thủ tục trực tuyến có phát sinh hồ sơ trực tuyến", 4,
         ratio=_online_used),
    Item("truc-tuyen", "ho-so-toan-trinh", "Hồ sơ trực tuyến toàn trình trên hồ sơ của thủ tục toàn trình", 4,
         ratio=_dossiers(Metric.RECEIVED_FULLY_ONLINE, Metric.RECEIVED_FULL_ONLINE_ELIGIBLE)),
    Item("thanh-toan", "ho-so-thanh-toan-truc-tuyen", "Hồ sơ có phí được thanh toán trực tuyến", 6,
         ratio=_dossiers(Metric.FINISHED_PAID_ONLINE, Metric.FINISHED_WITH_FEE), empty_full=True),
    Item("thanh-toan", "thu-tuc-thanh-toan-truc-tuyen", "Thủ tục có phí đã phát sinh thanh toán trực tuyến", 4,
         ratio=_payment_coverage, empty_full=True),
    Item("hai-long", "danh-gia-hai-long", "Người dân đánh giá hài lòng (đủ điểm từ 90%)", 6,
         ratio=_dossiers(Metric.RATED_SATISFIED, Metric.RATED), threshold=Decimal("0.9")),
    Item("hai-long", "khieu-nai-dung-han", "Phản ánh, kiến nghị được trả lời đúng hạn", 6,
         ratio=_complaints("on_time", "due"), empty_full=True),
    Item("hai-long", "khieu-nai-hai-long", "Người phản ánh hài lòng với trả lời", 6,
         ratio=_complaints("satisfied", "judged"), empty_full=True),
    Item("so-hoa", "ket-qua-dien-tu", "Hồ sơ được cấp kết quả điện tử", 6,
         ratio=_dossiers(Metric.FINISHED_ELECTRONIC, Metric.FINISHED)),
    Item("so-hoa", "thanh-phan-so-hoa", "Hồ sơ được số hóa thành phần", 4,
         ratio=_dossiers(Metric.RECEIVED_DIGITISED, Metric.RECEIVED)),
    Item("so-hoa", "ban-sao-dien-tu", "Chứng thực bản sao điện tử từ bản chính", 2, reported="ban-sao-dien-tu"),
    Item("so-hoa", "tai-su-dung", "Hồ sơ tái sử dụng dữ liệu số hóa", 2,
         ratio=_dossiers(Metric.RECEIVED_REUSED, Metric.RECEIVED)),
    Item("so-hoa", "dong-bo-kho-du-lieu", "Hồ sơ được đồng bộ vào Kho dữ liệu điện tử của tổ chức, cá nhân", 4,
         reported="ho-so-dong-bo-kho-du-lieu"),
    Item("so-hoa", "du-lieu-dan-cu", "Hồ sơ sử dụng dữ liệu dân cư", 2,
         ratio=_dossiers(Metric.RECEIVED_POPULATION_DATA, Metric.RECEIVED)),
    Item("so-hoa", "thu-tuc-ket-noi-dan-cu", "Thủ tục có hồ sơ khai thác dữ liệu dân cư", 2,
         ratio=_population_connected),
]

REPORTED_CODES = sorted({item.reported for item in ITEMS if item.reported})
SOURCES = ("dossiers", "complaints", "procedures", "reported766")


def score(item: Item, numerator, denominator) -> Decimal | None:
    if numerator is None:
        return None
    if not denominator:
        return Decimal(item.points).quantize(CENT) if item.empty_full else None
    share = Decimal(numerator) / Decimal(denominator) / item.threshold
    return (Decimal(item.points) * min(Decimal(1), share)).quantize(CENT, ROUND_HALF_UP)


def reported_source(ids, first_month, last_month) -> dict:
    """(indicator code, unit) → [(period start, period end, value in %)] of the reported
    sub-items, latest first."""
    from .aggregates import next_month

    rows = (IndicatorValue.objects.filter(indicator__code__in=REPORTED_CODES, unit_id__in=list(ids),
                                          superseded_by__isnull=True, breakdown="",
                                          indicator__source=ValueSource.REPORTED,
                                          period_start__lt=next_month(last_month),
                                          period_end__gte=first_month.replace(month=1, day=1))
            .order_by("-reported_at", "-pk").values_list("indicator__code", "unit_id", "period_start",
                                                         "period_end", "value"))
    found: dict = {}
    for code, unit_id, start, end, value in rows:
        found.setdefault((code, unit_id), []).append((start, end, value))
    return found


def _reported_ratio(data, code: str, unit_id, months) -> tuple[Decimal | None, Decimal | None]:
    """The value the unit reported for exactly the period, else for the year holding it."""
    from datetime import timedelta

    from .aggregates import next_month

    first, last = months[0], next_month(months[-1]) - timedelta(days=1)
    rows = data["reported766"].get((code, unit_id), [])
    exact = [value for start, end, value in rows if (start, end) == (first, last)]
    yearly = [value for start, end, value in rows
              if start.year == end.year == first.year == last.year and (start.month, start.day) == (1, 1)
              and (end.month, end.day) == (12, 31)]
    for values in (exact, yearly):
        if values:
            return values[0], Decimal(100)
    return None, None


def evaluate(data: dict, ids, months, *, unit_id=None) -> list[ItemScore]:
    """Every item's score for the units and months (kept in `data`, so that the index
    and its six groups, read one after the other, are evaluated once)."""
    memo = data.setdefault("_index766", {})
    key = (frozenset(ids), tuple(months), unit_id)
    if key not in memo:
        memo[key] = _evaluate(data, ids, months, unit_id)
    return memo[key]


def _evaluate(data: dict, ids, months, unit_id) -> list[ItemScore]:
    scores = []
    for item in ITEMS:
        if item.reported:
            numerator, denominator = _reported_ratio(data, item.reported, unit_id, months)
        else:
            numerator, denominator = item.ratio(data, ids, months)
        scores.append(ItemScore(item, numerator, denominator, score(item, numerator, denominator)))
    return scores


def total(scores: list[ItemScore], group: str | None = None) -> Decimal:
    return sum((s.score or Decimal(0) for s in scores if group is None or s.item.group == group),
               Decimal(0)).quantize(CENT)


def _measure(group: str | None) -> Measure:
    def numbers(data, ids, months, unit_id=None, **_):
        return total(evaluate(data, ids, months, unit_id=unit_id), group), None
    return Measure(SOURCES, numbers)


SOURCE_LOADERS["reported766"] = reported_source
MEASURES[TOTAL_CODE] = _measure(None)
for _group, _name, _points in GROUPS:
    MEASURES[group_code(_group)] = _measure(_group)
