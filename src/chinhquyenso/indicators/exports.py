"""Every table of the dashboards as an Excel file (openpyxl): the same rows the page
shows, numbers as numbers (so officials can compute with them), one sheet per table.

    indicator_table(dashboard) / unit_table(dashboard) / procedure_table(dashboard)
    month_table(procedure_dashboard) / period_table(procedure_dashboard)
        -> Table(key, title, headers, rows)
    workbook(table) -> bytes
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .queries import Dashboard, Figure, ProcedureDashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


def _n(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _figure_cells(figure: Figure) -> list:
    return [_n(figure.value), _n(figure.numerator), _n(figure.denominator), _n(figure.target),
            _n(figure.gap), figure.band.label if figure.band else ""]


FIGURE_HEADERS = (gettext_lazy("Value"), gettext_lazy("Numerator"), gettext_lazy("Denominator"),
                  gettext_lazy("Target"), gettext_lazy("Gap to target"), gettext_lazy("Legend"))


def indicator_table(dashboard: Dashboard) -> Table:
    headers = [_("Indicator"), _("Unit of measure"), *(str(h) for h in FIGURE_HEADERS)]
    rows = [[row.indicator.name, row.indicator.unit, *_figure_cells(row.figure)] for row in dashboard.rows]
    return Table("indicators", _("Indicators"), headers, rows)


def unit_table(dashboard: Dashboard) -> Table:
    headers = [_("Unit"), *(f"{row.indicator.name} ({row.indicator.unit})" for row in dashboard.rows)]
    rows = [[child.name, *(_n(row.children[i].value) for row in dashboard.rows)]
            for i, child in enumerate(dashboard.children)]
    return Table("units", _("Indicators by unit"), headers, rows)


def trend_table(dashboard: Dashboard) -> Table:
    headers = [_("Indicator"), *(f"{m:%m/%Y}" for m in dashboard.months)]
    rows = [[row.indicator.name, *(_n(v) for _m, v in row.trend)] for row in dashboard.rows]
    return Table("trend", _("Trend over 12 months"), headers, rows)


def procedure_table(dashboard: Dashboard) -> Table:
    headers = [_("Procedure code"), _("Procedure")]
    for indicator in dashboard.dossier_indicators:
        headers += [f"{indicator.name} (%)", _("Numerator"), _("Denominator")]
    rows = []
    for row in dashboard.procedures:
        cells = [row.code, row.name]
        for indicator in dashboard.dossier_indicators:
            figure = row.figures[indicator.code]
            cells += [_n(figure.value), _n(figure.numerator), _n(figure.denominator)]
        rows.append(cells)
    return Table("procedures", _("Indicators by procedure"), headers, rows)


def period_table(dashboard: ProcedureDashboard) -> Table:
    headers = [_("Indicator"), *(str(h) for h in FIGURE_HEADERS)]
    rows = [[i.name, *_figure_cells(dashboard.figures[i.code])] for i in dashboard.indicators]
    return Table("indicators", _("Indicators"), headers, rows)


def month_table(dashboard: ProcedureDashboard) -> Table:
    headers = [_("Month")]
    for indicator in dashboard.indicators:
        headers += [f"{indicator.name} (%)", _("Numerator"), _("Denominator")]
    rows = []
    for month, figures in dashboard.months:
        cells = [f"{month:%m/%Y}"]
        for indicator in dashboard.indicators:
            figure = figures[indicator.code]
            cells += [_n(figure.value), _n(figure.numerator), _n(figure.denominator)]
        rows.append(cells)
    return Table("months", _("By month"), headers, rows)


def workbook(table: Table, *, subtitle: str = "") -> bytes:
    """The table on one sheet: a title row, an optional subtitle (unit and period), the
    header row (bold, frozen) and the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "".join(c for c in table.title if c not in "[]:*?/\\")[:31] or "Sheet"
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([subtitle])
    sheet.append([str(h) for h in table.headers])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A4"
    for row in table.rows:
        sheet.append([str(v) if hasattr(v, "__html__") or (v is not None and not isinstance(
            v, (int, float, str))) else v for v in row])
    for index, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(str(header)) + 2, 10), 45)
    book.properties.title = table.title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def index_item_table(view) -> Table:
    """The service index's items of a unit: group, item, numerator, denominator, share,
    points earned (empty: no data) and the maximum."""
    headers = [_("Group"), _("Criterion"), _("Numerator"), _("Denominator"), _("Share (%)"), _("Points"),
               _("Maximum")]
    rows = [[name, s.item.name, _n(s.numerator), _n(s.denominator), _n(s.ratio_percent), _n(s.score),
             s.item.points]
            for _code, name, _points, _score, items in view.groups for s in items]
    return Table("items", _("Service index: criteria"), headers, rows)


def index_unit_table(view) -> Table:
    headers = [_("Unit"), *(f"{name} ({points})" for _c, name, points, _s, _i in view.groups), _("Total")]
    rows = [[child.name, *(_n(by_group[code]) for code, *_rest in view.groups), _n(total)]
            for child, by_group, total in view.children]
    return Table("units", _("Service index by unit"), headers, rows)
