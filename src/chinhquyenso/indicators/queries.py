"""What the dashboards show, read from the aggregates in a handful of queries whatever
the number of dossiers: the leader's dashboard of a unit (every indicator for the unit
and each unit below it, against its target, coloured by its legend, with a 12-month
trend and a per-procedure table), the page of one procedure in a unit, and the public
dashboard (published indicators only, no links to dossiers).

Every dossier number carries the link to the officials' dossier list filtered to the
dossiers it counts (unit, period, procedure and the set of aggregates.DOSSIER_SETS).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache, partial
from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import get_script_prefix, reverse

from chinhquyenso.org.models import AdministrativeUnit, UnitLevel
from chinhquyenso.org.permissions import can, scope_units

from . import aggregates
from .computation import FORMULAS, Period, parse_period, ratio, rolled_up_report
from .concurrent_reads import read_all
from .measures import MEASURES, ActiveMembers, dossier_cells, load_sources, source_reads, summed
from .models import Indicator, IndicatorValue, Legend, PeriodType, Source, Target

# Who sees the leader's dashboard: the leaders of a unit (for it and the units below it)
# and system administrators.
DASHBOARD_ACTION = "dossiers.approve"
TREND_MONTHS = 12
ONE_DAY = timedelta(days=1)
CITY_CODE = "243"


# --- units ------------------------------------------------------------------------------------

def rollup_sets(units: list[AdministrativeUnit]) -> dict[int, frozenset[int]]:
    """For each unit: its id, the ids below it and of the units merged into them, as
    computation.unit_ids() gives, for all the units together in one query per level."""
    return rollup_tree(units)[0]


def rollup_tree(units: list[AdministrativeUnit]) -> tuple[dict[int, frozenset[int]], dict[int, set[int]]]:
    """rollup_sets(units), and the ids right below each id (children, merged units)."""
    below: dict[int, set[int]] = defaultdict(set)
    seen = {u.pk for u in units}
    frontier = set(seen)
    while frontier:
        rows = (AdministrativeUnit.objects
                .filter(Q(parent_id__in=frontier) | Q(succession_out__successor_id__in=frontier))
                .values_list("pk", "parent_id", "succession_out__successor_id"))
        found = set()
        for pk, parent_id, successor_id in rows:
            for upper in (parent_id, successor_id):
                if upper in frontier or upper in seen:
                    below[upper].add(pk)
            if pk not in seen:
                found.add(pk)
        seen |= found
        frontier = found
    sets = {}
    for unit in units:
        closure, stack = {unit.pk}, [unit.pk]
        while stack:
            for child in below.get(stack.pop(), ()):
                if child not in closure:
                    closure.add(child)
                    stack.append(child)
        sets[unit.pk] = frozenset(closure)  # hashable as it is: the figures' memo keys
    return sets, below


def children_of(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """The units shown below a unit on its dashboard: for a province or a city, its
    wards in force (all of them if none is); nothing for a ward (its procedures are)."""
    if unit.level >= UnitLevel.WARD:
        return []
    children = AdministrativeUnit.objects.filter(parent=unit).select_related("parent")
    current = [c for c in children if c.valid_to is None]
    return sorted(current or list(children), key=lambda c: (c.code, c.valid_from))


def dashboard_root(user) -> AdministrativeUnit | None:
    """The unit a user's dashboard opens on: the city when their role covers it (its
    leaders, the province's, system administrators), else the highest unit they lead."""
    if not can(user, DASHBOARD_ACTION):
        return None
    city = public_root()
    if city is not None and can(user, DASHBOARD_ACTION, city):
        return city
    units = sorted(scope_units(user, DASHBOARD_ACTION), key=lambda u: (u.level, u.code))
    return units[0] if units else None


def public_root() -> AdministrativeUnit | None:
    """The city the platform serves: the district-level unit with the city's code, the
    one in force if there is one, else the latest (districts were abolished on
    1 July 2025: the city's records stay attached to it and roll up from it), else any
    district in force."""
    districts = AdministrativeUnit.objects.filter(level=UnitLevel.DISTRICT).select_related("parent")
    latest = F("valid_to").desc(nulls_first=True)
    return (districts.filter(code=CITY_CODE).order_by(latest, "-valid_from").first()
            or districts.current().order_by("code").first())


# --- periods ----------------------------------------------------------------------------------

def months_of(period: Period) -> list[date]:
    months, month = [], period.start
    while month <= period.end:
        months.append(month)
        month = aggregates.next_month(month)
    return months


def trend_months(period: Period) -> list[date]:
    """The 12 months ending with the last month of the period."""
    months = [aggregates.month_start(period.end)]
    while len(months) < TREND_MONTHS:
        months.insert(0, aggregates.month_start(months[0].replace(day=1) - ONE_DAY))
    return months


def period_from(request_get, today: date) -> Period:
    """?period=YYYY|YYYY-Qn|YYYY-MM, or ?year=YYYY&part=(""|Qn|MM); default: this year."""
    text = request_get.get("period", "")
    if not text and request_get.get("year"):
        part = request_get.get("part", "")
        text = request_get["year"] + (f"-{part}" if part else "")
    try:
        return parse_period(text or str(today.year))
    except ValueError:
        return parse_period(str(today.year))


# --- figures ----------------------------------------------------------------------------------

@dataclass
class Figure:
    """One number of an indicator: for a unit (or a procedure in it) and a period."""

    numerator: Decimal | int | None
    denominator: Decimal | int | None
    value: Decimal | None
    target: Decimal | None = None
    band: Legend | None = None
    numerator_url: str | None = None
    denominator_url: str | None = None
    url: str | None = None  # the drill-down from this number

    @property
    def gap(self) -> Decimal | None:
        if self.value is None or self.target is None:
            return None
        return (Decimal(self.value) - Decimal(self.target)).quantize(Decimal("0.01"))

    @property
    def colour(self) -> str:
        return self.band.colour if self.band else ""


@dataclass
class IndicatorRow:
    indicator: Indicator
    figure: Figure
    children: list[Figure] = field(default_factory=list)
    trend: list[tuple[date, Decimal | None]] = field(default_factory=list)


@dataclass
class ProcedureRow:
    procedure_id: int
    name: str
    code: str
    figures: dict[str, Figure]
    url: str | None = None


@dataclass
class Dashboard:
    unit: AdministrativeUnit
    period: Period
    indicators: list[Indicator]
    children: list[AdministrativeUnit]
    rows: list[IndicatorRow]
    months: list[date]
    procedures: list[ProcedureRow] = field(default_factory=list)
    dossier_indicators: list[Indicator] = field(default_factory=list)

    # The tables as the pages lay them out, row by row (a template looking each cell up
    # by index walked units × indicators × units: thousands of steps for a city).
    @property
    def unit_table(self) -> list[tuple[AdministrativeUnit, list[tuple[Indicator, Figure]]]]:
        return [(child, [(row.indicator, row.children[index]) for row in self.rows])
                for index, child in enumerate(self.children)]

    @property
    def procedure_table(self) -> list[tuple[ProcedureRow, list[tuple[Indicator, Figure]]]]:
        return [(row, [(i, row.figures[i.code]) for i in self.dossier_indicators if i.code in row.figures])
                for row in self.procedures]


def band_for(bands: list[Legend], value) -> Legend | None:
    if value is None:
        return None
    return next((b for b in bands if b.holds(Decimal(value))), None)


class Targets:
    """The targets of one year for all indicators, resolved as computation.target_for():
    the unit's own, else its nearest ancestor's, else the one for the unit's level, else
    the one for every unit."""

    def __init__(self, year: int):
        self.values, self.by_level = {}, {}
        for t in Target.objects.filter(year=year):
            if t.unit_id is None and t.level is not None:
                self.by_level[(t.indicator_id, t.level)] = t.value
            else:
                self.values[(t.indicator_id, t.unit_id)] = t.value
        self.levels: dict[int, int] = {}

    def know(self, units) -> None:
        """The levels of units already loaded (no query for them in level_of)."""
        self.levels.update({unit.pk: unit.level for unit in units})

    def level_of(self, unit_id: int) -> int | None:
        if unit_id not in self.levels:
            self.levels[unit_id] = (AdministrativeUnit.objects.filter(pk=unit_id)
                                    .values_list("level", flat=True).first())
        return self.levels[unit_id]

    def get(self, indicator: Indicator, chain: list[int]) -> Decimal | None:
        for unit_id in chain:
            if (indicator.pk, unit_id) in self.values:
                return self.values[(indicator.pk, unit_id)]
        if chain and any(key[0] == indicator.pk for key in self.by_level):
            found = self.by_level.get((indicator.pk, self.level_of(chain[0])))
            if found is not None:
                return found
        return self.values.get((indicator.pk, None))


def _chain(unit: AdministrativeUnit) -> list[int]:
    return [unit.pk] + [u.pk for u in unit.ancestors()]


@lru_cache(maxsize=8)
def _inbox_path(prefix: str) -> str:
    return reverse("inbox:inbox")


def dossier_url(*, unit: AdministrativeUnit, start: date, end: date, dossier_set: str,
                procedure_id: int | None = None) -> str:
    """The officials' dossier list showing the dossiers a number counts (a dashboard
    has hundreds of these links: the list's path is looked up once)."""
    # Every part is a number, a date or a set name: nothing to quote.
    url = (f"{_inbox_path(get_script_prefix())}?queue=all&unit={int(unit.pk)}&from={start.isoformat()}"
           f"&to={end.isoformat()}&set={dossier_set}")
    return url if procedure_id is None else f"{url}&procedure={int(procedure_id)}"


def unit_url(unit: AdministrativeUnit, period: Period, *, public: bool = False) -> str:
    if public:
        return f"{reverse('indicators:public')}?{urlencode({'unit': unit.code, 'period': period.label})}"
    return f"{reverse('indicators:unit', args=[unit.pk])}?{urlencode({'period': period.label})}"


def procedure_url(unit: AdministrativeUnit, procedure_id: int, period: Period) -> str:
    return (f"{reverse('indicators:procedure', args=[unit.pk, procedure_id])}?"
            f"{urlencode({'period': period.label})}")


def _figure(indicator: Indicator, numerator, denominator, *, target=None, bands=(),
            unit=None, period: Period | None = None, procedure_id=None, links=False) -> Figure:
    value = (ratio(numerator, denominator, indicator.factor)
             if numerator is not None else None)
    figure = Figure(numerator, denominator, value, target, band_for(list(bands), value))
    formula = FORMULAS.get(indicator.code)
    if links and formula is not None and unit is not None:
        common = {"unit": unit, "start": period.start, "end": period.end, "procedure_id": procedure_id}
        figure.numerator_url = dossier_url(dossier_set=formula.numerator_set, **common)
        if formula.denominator_set is not None:
            figure.denominator_url = dossier_url(dossier_set=formula.denominator_set, **common)
    elif links and unit is not None and procedure_id is None:  # documents, community, officials
        from .links import records_urls

        figure.numerator_url, figure.denominator_url = records_urls(indicator.code, unit, period)
    return figure


def _reported(indicators: list[Indicator], units, period: Period, months: list[date]) -> dict:
    """(indicator id, unit id, period start, period end) → the latest value reported, for
    the units and every unit below them (roll-up)."""
    reported = [i.pk for i in indicators if i.source == Source.REPORTED]
    if not reported:
        return {}
    rows = (IndicatorValue.objects.filter(indicator_id__in=reported, unit__in=list(units),
                                          superseded_by__isnull=True, breakdown="")
            .filter(Q(period_start=period.start, period_end=period.end)
                    | Q(period_type=PeriodType.MONTH, period_start__gte=months[0],
                        period_start__lte=months[-1]))
            .order_by("reported_at", "pk"))
    return {(r.indicator_id, r.unit_id, r.period_start, r.period_end): r for r in rows}


def unit_dashboard(unit: AdministrativeUnit, period: Period, *, public: bool = False,
                   with_procedures: bool = True) -> Dashboard:
    """Every indicator (the published ones when `public`) for the unit and each unit
    below it in the period, its 12-month trend and, unless public, the per-procedure
    table and the links to the dossiers."""
    indicators = list(Indicator.objects.filter(**({"is_published": True} if public else {}))
                      .prefetch_related("legends"))
    children = children_of(unit)
    everyone = [unit, *children]
    sets, below = rollup_tree(everyone)
    all_ids = set().union(*sets.values())
    trend = trend_months(period)
    months = months_of(period)
    first = min(trend[0], months[0])
    measured = [i.code for i in indicators if i.code in MEASURES and i.code not in FORMULAS]
    needed = {name for code in measured for name in MEASURES[code].sources}
    # Every read of the dashboard at once (concurrent_reads.py); the figures below only
    # compute from what was read.
    reads = {"totals": partial(aggregates.unit_month_totals, all_ids, first, months[-1]),
             "reported": partial(_reported, indicators, all_ids, period, trend)}
    reads.update(source_reads(needed - {"dossiers", "members"}, all_ids, first, months[-1]))
    if "members" in needed:
        members = ActiveMembers(all_ids, first, months[-1])
        reads["members: period"] = partial(members.load_span, months)  # the unit's and each ward's
        reads["members: trend"] = partial(members.load_months, sets[unit.pk])  # every month's
    dossier_indicators = [i for i in indicators if i.code in FORMULAS]
    procedures = with_procedures and not public
    if procedures:
        reads["procedure totals"] = partial(aggregates.procedure_totals, sets[unit.pk], months[0], months[-1],
                                            metrics=formula_metrics(dossier_indicators))
    read = read_all(reads)
    totals, reported = read.pop("totals"), read.pop("reported")
    sources = {name: read[name] for name in needed - {"dossiers", "members"}}
    sources["dossiers"] = dossier_cells(totals)
    if "members" in needed:
        sources["members"] = members
    reported_units: dict = defaultdict(dict)  # (indicator, start, end) → unit → value
    for (indicator_id, unit_id, start, end), row in reported.items():
        reported_units[(indicator_id, start, end)][unit_id] = row
    targets = Targets(period.start.year)
    targets.know(everyone)
    unit_chain = _chain(unit)
    links = not public
    urls = {each.pk: unit_url(each, period, public=public) for each in everyone}  # the same for every row
    rows = []
    for indicator in indicators:
        bands = list(indicator.legends.all())

        def numbers(ids, span, *, exact_unit, start, end, _indicator=indicator):
            if _indicator.code in FORMULAS:
                return FORMULAS[_indicator.code].numbers(summed(sources, "dossiers", ids, span))
            if _indicator.code in MEASURES:
                return MEASURES[_indicator.code].numbers(sources, ids, span,
                                                         unit_id=exact_unit.pk if exact_unit else None)
            if _indicator.source == Source.REPORTED and exact_unit is not None:
                own = {u: (row.numerator, row.denominator)
                       for u, row in reported_units.get((_indicator.pk, start, end), {}).items() if u in ids}
                return rolled_up_report(exact_unit.pk, below, own) or (None, None)
            return None, None

        def figure_for(each, chain, _indicator=indicator, _bands=bands):
            numerator, denominator = numbers(sets[each.pk], months, exact_unit=each,
                                             start=period.start, end=period.end)
            figure = _figure(_indicator, numerator, denominator,
                             target=targets.get(_indicator, chain), bands=_bands, unit=each,
                             period=period, links=links)
            own = reported.get((_indicator.pk, each.pk, period.start, period.end))
            if _indicator.source == Source.REPORTED and own is not None:
                figure.value = own.value  # as reported (a rolled-up value is computed)
                figure.band = band_for(_bands, figure.value)
            figure.url = urls[each.pk]
            return figure

        figure = figure_for(unit, unit_chain)
        child_figures = [figure_for(child, [child.pk, *unit_chain]) for child in children]
        series = []
        for month in trend:
            end = aggregates.next_month(month) - ONE_DAY
            numerator, denominator = numbers(sets[unit.pk], [month], exact_unit=unit, start=month, end=end)
            if indicator.source == Source.REPORTED:
                row = reported.get((indicator.pk, unit.pk, month, end))
                series.append((month, row.value if row else (
                    ratio(numerator, denominator, indicator.factor) if numerator is not None else None)))
            else:
                series.append((month, ratio(numerator, denominator, indicator.factor)
                               if numerator is not None else None))
        rows.append(IndicatorRow(indicator, figure, child_figures, series))
    dashboard = Dashboard(unit, period, indicators, children, rows, trend, dossier_indicators=dossier_indicators)
    if procedures:
        dashboard.procedures = procedure_rows(unit, period, dossier_indicators, targets, unit_chain,
                                              read["procedure totals"])
    return dashboard


def formula_metrics(indicators) -> list[int]:
    """The metrics the dossier indicators' formulas read."""
    return sorted({metric for i in indicators for _sign, metric in FORMULAS[i.code].numerator}
                  | {FORMULAS[i.code].denominator for i in indicators} - {None})


def procedure_rows(unit, period, indicators, targets, chain, totals: dict) -> list[ProcedureRow]:
    """One row per procedure with dossiers in the unit in the period, from the
    aggregates' procedure_totals() of the unit's ids and the period."""
    from chinhquyenso.procedures.models import Procedure

    procedure_ids = sorted({p for p, _m in totals})
    names = {p.pk: p for p in Procedure.objects.filter(pk__in=procedure_ids).only("pk", "name", "code")}
    by_procedure: dict = defaultdict(dict)
    for (procedure_id, metric), n in totals.items():
        by_procedure[procedure_id][metric] = n
    goals = [(indicator, targets.get(indicator, chain), list(indicator.legends.all())) for indicator in indicators]
    rows = []
    for procedure_id in procedure_ids:
        by_metric = by_procedure[procedure_id]
        figures = {}
        for indicator, target, bands in goals:
            numerator, denominator = FORMULAS[indicator.code].numbers(by_metric)
            figures[indicator.code] = _figure(
                indicator, numerator, denominator, target=target,
                bands=bands, unit=unit, period=period, procedure_id=procedure_id,
                links=True)
        procedure = names.get(procedure_id)
        rows.append(ProcedureRow(procedure_id, procedure.name if procedure else str(procedure_id),
                                 procedure.code if procedure else "", figures,
                                 procedure_url(unit, procedure_id, period)))
    rows.sort(key=lambda r: -(r.figures[indicators[0].code].denominator or 0) if indicators else 0)
    return rows


@dataclass
class ProcedureDashboard:
    unit: AdministrativeUnit
    period: Period
    procedure: object
    indicators: list[Indicator]
    figures: dict[str, Figure]
    months: list[tuple[date, dict[str, Figure]]]

    @property
    def figure_table(self) -> list[tuple[Indicator, Figure]]:
        return [(i, self.figures[i.code]) for i in self.indicators if i.code in self.figures]

    @property
    def month_table(self) -> list[tuple[date, list[tuple[Indicator, Figure]]]]:
        return [(month, [(i, figures[i.code]) for i in self.indicators if i.code in figures])
                for month, figures in self.months]


def procedure_dashboard(unit: AdministrativeUnit, procedure, period: Period) -> ProcedureDashboard:
    """The dossier indicators of one procedure in a unit: for the period and for each
    of the 12 months of the trend, each number linking to its dossiers."""
    indicators = [i for i in Indicator.objects.prefetch_related("legends") if i.code in FORMULAS]
    ids = rollup_sets([unit])[unit.pk]
    trend = trend_months(period)
    months = months_of(period)
    totals = aggregates.procedure_month_totals(ids, procedure.pk, min(trend[0], months[0]), months[-1])
    targets = Targets(period.start.year)
    chain = _chain(unit)

    def figures_for(span: list[date], sub_period: Period) -> dict[str, Figure]:
        by_metric: dict[int, int] = defaultdict(int)
        for (month, metric), n in totals.items():
            if month in span:
                by_metric[metric] += n
        return {i.code: _figure(i, *FORMULAS[i.code].numbers(by_metric), target=targets.get(i, chain),
                                bands=i.legends.all(), unit=unit, period=sub_period,
                                procedure_id=procedure.pk, links=True)
                for i in indicators}

    from .computation import period_of

    per_month = [(month, figures_for([month], period_of(PeriodType.MONTH, month))) for month in trend]
    return ProcedureDashboard(unit, period, procedure, indicators, figures_for(months, period), per_month)


@dataclass
class ServiceIndexView:
    """The service index (Decision 766) of a unit in a period: every item with its ratio
    and points, the groups, the total, and each unit below it by group."""

    unit: AdministrativeUnit
    period: Period
    groups: list[tuple[str, str, int, Decimal, list]]  # code, name, max, score, item scores
    total: Decimal
    children: list[tuple[AdministrativeUnit, dict[str, Decimal], Decimal]]


def service_index_view(unit: AdministrativeUnit, period: Period) -> ServiceIndexView:
    from . import service_index

    children = children_of(unit)
    sets = rollup_sets([unit, *children])
    months = months_of(period)
    data = load_sources(service_index.SOURCES, set().union(*sets.values()), months[0], months[-1])
    scores = service_index.evaluate(data, sets[unit.pk], months, unit_id=unit.pk)
    groups = [(code, name, points, service_index.total(scores, code),
               [s for s in scores if s.item.group == code])
              for code, name, points in service_index.GROUPS]
    rows = []
    for child in children:
        child_scores = service_index.evaluate(data, sets[child.pk], months, unit_id=child.pk)
        rows.append((child, {code: service_index.total(child_scores, code) for code, _n, _p in service_index.GROUPS},
                     service_index.total(child_scores)))
    return ServiceIndexView(unit, period, groups, service_index.total(scores), rows)
