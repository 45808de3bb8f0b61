"""The report of a unit for a period, for the leadership meeting: an A4 PDF built with
reportlab and the platform's embedded DejaVu fonts (core.pdf), from the same aggregates
as the leader's dashboard (queries.unit_dashboard) and the late tasks of the plans
(plans.queries.late_tasks).

    unit_report(unit, period, *, now) -> bytes          reads, then lays out
    build_report(dashboard, late, *, generated_at) -> bytes
    record_report_export(actor=, unit=, period=)        the download, in the audit log

What it holds: a title (unit, period, when it was made); per group of indicators, each
indicator's value, target, whether the target is reached, numerator / denominator; the
main indicators (those the city publishes) per ward; the plans' tasks late on the day
the report is made, with their lead unit, deadline and days late. Numbers are written
as on the dashboard (1.234,5) in the language of the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from chinhquyenso.core.pdf import FONT_BOLD, build_pdf, escape_text, get_styles
from chinhquyenso.core.services import record_audit
from chinhquyenso.org.models import AdministrativeUnit

from . import queries
from .computation import Period
from .models import Group, PeriodType
from .templatetags.indicator_charts import num

PDF = "application/pdf"
# A4 (210 mm) less core.pdf's default margins (25 mm left, 18 mm right).
WIDTH = (210 - 25 - 18) * mm
# How many indicators side by side in the table of the wards (A4 portrait).
WARD_COLUMNS = 4
REACHED, NOT_REACHED = "✓", "✗"
HEADER_FILL = colors.HexColor("#e8eaef")
RULE = colors.HexColor("#8a8a90")


@dataclass(frozen=True)
class LateTask:
    plan: str
    name: str
    lead_unit: str
    deadline: date
    days_late: int


def late_tasks_of(unit: AdministrativeUnit, today: date) -> list[LateTask]:
    """The plans' tasks late on `today` whose lead unit belongs to the unit or a unit
    below it (or merged into it), the longest late first."""
    from chinhquyenso.plans.queries import late_tasks

    ids = queries.rollup_sets([unit])[unit.pk]
    return [LateTask(t.plan.name, t.name, t.lead_unit.name, t.deadline, t.days_late(today))
            for t in late_tasks(today).filter(lead_unit__unit_id__in=ids)]


def period_name(period: Period) -> str:
    year = period.start.year
    if period.type == PeriodType.MONTH:
        name = _("Month %(month)s/%(year)s") % {"month": f"{period.start.month:02d}", "year": year}
    elif period.type == PeriodType.QUARTER:
        name = _("Quarter %(quarter)s of %(year)s") % {"quarter": (period.start.month - 1) // 3 + 1,
                                                         "year": year}
    else:
        name = _("Year %(year)s") % {"year": year}
    return f"{name} ({period.start:%d/%m/%Y} – {period.end:%d/%m/%Y})"


# --- numbers as written here ------------------------------------------------------------------

def with_unit(value, unit: str) -> str:
    if value is None:
        return "—"
    return f"{num(value)}%" if unit == "%" else f"{num(value)} {unit}"


def ratio_text(figure: queries.Figure) -> str:
    if figure.numerator is None:
        return "—"
    if figure.denominator is None:
        return num(figure.numerator)
    return f"{num(figure.numerator)}/{num(figure.denominator)}"


def reached(figure: queries.Figure) -> bool | None:
    """Whether the value reaches its target (None: no value or no target)."""
    if figure.value is None or figure.target is None:
        return None
    return Decimal(figure.value) >= Decimal(figure.target)


def status_text(figure: queries.Figure) -> str:
    if figure.value is None:
        return _("No data")
    if figure.target is None:
        return _("No target")
    # With a context: "Reached" of a target is not the people a community team reached.
    if reached(figure):
        return pgettext("indicator target", "Reached")
    return pgettext("indicator target", "Not reached")


# --- layout -----------------------------------------------------------------------------------

class _Styles:
    def __init__(self):
        base = get_styles(base_size=10)
        self.title, self.centered, self.normal = base.title, base.centered, base.normal
        self.cell = ParagraphStyle("report-cell", parent=base.small, spaceAfter=0)
        self.number = ParagraphStyle("report-number", parent=base.right_small, spaceAfter=0)
        self.head = ParagraphStyle("report-head", parent=self.cell, fontName=FONT_BOLD)
        self.head_number = ParagraphStyle("report-head-number", parent=self.number, fontName=FONT_BOLD)
        self.section = ParagraphStyle("report-section", parent=base.bold, fontSize=12, leading=16,
                                      spaceBefore=10, spaceAfter=4)
        self.group = ParagraphStyle("report-group", parent=base.bold, spaceBefore=6, spaceAfter=3)
        self.note = ParagraphStyle("report-note", parent=base.small, textColor=colors.HexColor("#4a4a50"))


def _grid(header: list[str], rows: list[list[str]], widths: list[float], s: _Styles, *,
          numeric: Iterable[int] = (), shade_last: bool = False) -> Table:
    """A table with a shaded header repeated on each page; the `numeric` columns are
    right-aligned."""
    numeric = set(numeric)

    def cells(texts, left, right):
        return [Paragraph(escape_text(t), right if i in numeric else left) for i, t in enumerate(texts)]

    data = [cells(header, s.head, s.head_number), *(cells(r, s.cell, s.number) for r in rows)]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("GRID", (0, 0), (-1, -1), 0.4, RULE), ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
             ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if shade_last and rows:
        style.append(("BACKGROUND", (0, -1), (-1, -1), HEADER_FILL))
    table.setStyle(TableStyle(style))
    return table


def _groups(rows: list[queries.IndicatorRow]) -> list[tuple[str, list[queries.IndicatorRow]]]:
    """The rows by indicator group, in the order of models.Group (a group not in it
    after them), keeping the dashboard's order inside a group."""
    known = list(Group.values)
    by_group: dict[str, list[queries.IndicatorRow]] = {}
    for row in rows:
        by_group.setdefault(row.indicator.group, []).append(row)
    order = sorted(by_group, key=lambda g: (known.index(g) if g in known else len(known), g))
    return [(by_group[g][0].indicator.get_group_display(), by_group[g]) for g in order]


def _indicator_section(dashboard: queries.Dashboard, s: _Styles) -> list[Flowable]:
    header = [_("Indicator"), _("Value"), _("Target"), _("Against the target"), _("Numerator / denominator")]
    widths = [x * mm for x in (65, 23, 21, 28, 30)]
    out: list[Flowable] = []
    for title, rows in _groups(dashboard.rows):
        table = _grid(header, [[r.indicator.name, with_unit(r.figure.value, r.indicator.unit),
                                with_unit(r.figure.target, r.indicator.unit), status_text(r.figure),
                                ratio_text(r.figure)] for r in rows], widths, s, numeric=(1, 2, 4))
        out.append(KeepTogether([Paragraph(escape_text(title), s.group), table]))
    return out


def main_rows(dashboard: queries.Dashboard) -> list[queries.IndicatorRow]:
    """The indicators compared ward by ward: those the city publishes (all of them when
    it publishes none)."""
    return [r for r in dashboard.rows if r.indicator.is_published] or list(dashboard.rows)


def _ward_cell(figure: queries.Figure, unit: str) -> str:
    mark = {True: f" {REACHED}", False: f" {NOT_REACHED}", None: ""}[reached(figure)]
    return with_unit(figure.value, unit) + mark


def _ward_section(dashboard: queries.Dashboard, s: _Styles) -> list[Flowable]:
    rows = main_rows(dashboard)
    if not dashboard.children or not rows:
        return []
    out: list[Flowable] = [Paragraph(escape_text(_("Main indicators by ward")), s.section)]
    for first in range(0, len(rows), WARD_COLUMNS):
        chunk = rows[first:first + WARD_COLUMNS]
        header = [_("Unit"), *(r.indicator.name for r in chunk)]
        body = [[child.name, *(_ward_cell(r.children[i], r.indicator.unit) for r in chunk)]
                for i, child in enumerate(dashboard.children)]
        body.append([dashboard.unit.name, *(_ward_cell(r.figure, r.indicator.unit) for r in chunk)])
        name_width = 43 * mm
        widths = [name_width] + [(WIDTH - name_width) / len(chunk)] * len(chunk)
        out += [_grid(header, body, widths, s, numeric=range(1, len(header)), shade_last=True),
                Spacer(1, 3 * mm)]
    out.append(Paragraph(escape_text(_("%(reached)s the target is reached, %(not_reached)s it is not; "
                                       "— no data.") % {"reached": REACHED, "not_reached": NOT_REACHED}),
                         s.note))
    return out


def _late_section(late: list[LateTask], today: date, s: _Styles) -> list[Flowable]:
    out: list[Flowable] = [
        Paragraph(escape_text(_("Tasks of the plans that are late")), s.section),
        Paragraph(escape_text(_("As of %(day)s.") % {"day": f"{today:%d/%m/%Y}"}), s.note),
    ]
    if not late:
        out.append(Paragraph(escape_text(_("No task of the plans is late.")), s.normal))
        return out
    header = [_("Task"), _("Lead unit"), _("Deadline"), _("Days late")]
    rows = [[f"{t.name} ({t.plan})", t.lead_unit, f"{t.deadline:%d/%m/%Y}", num(t.days_late)] for t in late]
    out.append(_grid(header, rows, [x * mm for x in (77, 45, 23, 22)], s, numeric=(2, 3)))
    return out


def build_report(dashboard: queries.Dashboard, late: Iterable[LateTask], *, generated_at: datetime) -> bytes:
    s = _Styles()
    local = timezone.localtime(generated_at)
    unit, period = dashboard.unit, dashboard.period
    flowables: list[Flowable] = [
        Paragraph(escape_text(_("Digital transformation indicators report")), s.title),
        Paragraph(f"<b>{escape_text(unit.name)}</b>", s.centered),
        Paragraph(escape_text(_("Period: %(period)s") % {"period": period_name(period)}), s.centered),
        Paragraph(escape_text(_("Made on %(moment)s") % {"moment": f"{local:%d/%m/%Y %H:%M}"}), s.centered),
        Spacer(1, 4 * mm),
        Paragraph(escape_text(_("Indicators against their targets")), s.section),
        *_indicator_section(dashboard, s),
        *_ward_section(dashboard, s),
        *_late_section(list(late), local.date(), s),
    ]
    title = f"{_('Digital transformation indicators report')} · {unit.name} · {period.label}"
    return build_pdf(flowables, title=title, author=unit.name, subject=period_name(period))


def unit_report(unit: AdministrativeUnit, period: Period, *, now: datetime) -> bytes:
    """The report as the unit's leaders see it on the dashboard (every indicator, the
    wards below it), without the per-procedure table."""
    dashboard = queries.unit_dashboard(unit, period, with_procedures=False)
    return build_report(dashboard, late_tasks_of(unit, timezone.localdate(now)), generated_at=now)


def record_report_export(*, actor, unit: AdministrativeUnit, period: Period) -> None:
    """Log a download of the report: figures leaving the platform as a document for a
    meeting are logged, as the registers' exports are (documents.exports)."""
    with transaction.atomic():
        record_audit(actor=actor, action="indicator.report.export", object_type="indicators.report",
                     object_id=unit.pk, object_repr=f"{unit.name} · {period.label}",
                     after={"unit": unit.code, "period": period.label})
