"""Reported values in Excel: reading and checking an import file, and its template.

    read_values(file, *, actor) -> ValueImport      every row checked, nothing written
    template_workbook(user) -> bytes                the empty file, with the catalogue
    LAYOUT, HEADERS

indicators.services.import_values reads a file with read_values and records the rows
accepted. The layout (LAYOUT): the first sheet, one value per row, under a header row
with these columns (found by their title, in any order, accents and case ignored; other
columns are ignored; up to 9 title rows may stand above the header):

    Mã chỉ số     the indicator's code, e.g. "thue-bao-bang-rong"; a reported indicator
    Mã đơn vị     the administrative unit's code in the official list, e.g. "8707"; the
                  unit in force in the period (codes are reused after a merger)
    Kỳ báo cáo    2026 (a year), 2026-Q4 (a quarter), 2026-11 (a month); also 11/2026,
                  Q4/2026, "Quý 4/2026", "Tháng 11/2026", and a date cell on the 1st
                  of a month (Excel turns "2026-11" into one)
    Phân tổ       the breakdown option (e.g. the provider), for an indicator broken
                  down; empty otherwise. Optional column
    Tử số         the numerator: a number, not negative
    Mẫu số        the denominator: above zero; may be empty only for a count. Optional
                  column when every indicator of the file is a count

Each row is accepted or rejected with its reasons (ImportRow.reasons, each with a code,
the column and a message): missing value, unknown indicator, computed indicator, unknown
unit, unit not in force in the period, unit the official may not report for, bad or
future period, unknown or missing option, not a number, negative, zero denominator,
numerator above the denominator of a percentage, the same value twice in the file
(every row giving it is rejected), options of one unit and period with different
denominators (every row of them is rejected).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyenso.core.spreadsheets import NotAWorkbook, TooManyRows, first_sheet_rows
from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from . import reporting_rules
from .computation import Period, parse_period
from .models import Indicator, Source

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # as the template writes it
    required: bool  # the column must be present
    aliases: tuple[str, ...] = ()


LAYOUT: tuple[Column, ...] = (
    Column("indicator", "Mã chỉ số", True, ("Chỉ số", "Indicator code", "Indicator")),
    Column("unit", "Mã đơn vị", True, ("Mã đơn vị hành chính", "Mã ĐVHC", "Đơn vị", "Unit code", "Unit")),
    Column("period", "Kỳ báo cáo", True, ("Kỳ", "Period")),
    Column("breakdown", "Phân tổ", False, ("Phân loại", "Chi tiết", "Nhà mạng", "Breakdown",
                                           "Breakdown option", "Option")),
    Column("numerator", "Tử số", True, ("Numerator",)),
    Column("denominator", "Mẫu số", False, ("Denominator",)),
)
HEADERS = tuple(c.title for c in LAYOUT)
TITLE = {c.key: c.title for c in LAYOUT}
# Fields of the checks (reporting_rules, services) → the column they are about.
_FIELD_COLUMN = {"numerator": "numerator", "denominator": "denominator", "breakdown": "breakdown",
                 "period": "period", "unit": "unit", "indicator": "indicator"}


@dataclass
class Reason:
    code: str
    message: str
    column: str = ""  # the column's title; "" when about the whole row

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass
class ImportRow:
    number: int  # the Excel row number
    cells: dict[str, str]  # column key → the cell as text, to show it back
    indicator: Indicator | None = None
    unit: AdministrativeUnit | None = None
    period: Period | None = None
    breakdown: str = ""
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    reasons: list[Reason] = field(default_factory=list)
    outcome: str = ""  # once imported: "reported", "corrected" or "unchanged"

    @property
    def accepted(self) -> bool:
        return not self.reasons

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def reject(self, code: str, message: str, column_key: str = "") -> None:
        self.reasons.append(Reason(code, str(message), TITLE.get(column_key, "")))

    def reject_for(self, exc: Exception) -> None:
        """The reasons of a ValidationError (or PermissionDenied) of the checks."""
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                key = _FIELD_COLUMN.get(name.split(":")[0], "")
                for error in errors:
                    self.reject(error.code or "invalid", " ".join(error.messages), key)
        elif isinstance(exc, ValidationError):
            for error in exc.error_list:
                self.reject(error.code or "invalid", " ".join(error.messages))
        else:
            self.reject("unit_not_allowed", str(exc) or _("You may not report this value."), "unit")


@dataclass
class ValueImport:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the file as a whole: nothing read
    values_written: int = 0  # rows of values recorded, totals of options included

    @property
    def accepted(self) -> list[ImportRow]:
        return [r for r in self.rows if r.accepted]

    @property
    def rejected(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.accepted]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.accepted and r.outcome == outcome)


# --- cells -------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    return " ".join(str(value).split())


_PERIOD_FORMS = (
    (re.compile(r"^(?:nam\s*)?(\d{4})$"), lambda m: m.group(1)),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), lambda m: f"{m.group(1)}-{int(m.group(2)):02d}"),
    (re.compile(r"^(\d{4})\s*-?\s*q\s*([1-4])$"), lambda m: f"{m.group(1)}-Q{m.group(2)}"),
    (re.compile(r"^(?:thang\s*)?(\d{1,2})\s*[-/.]\s*(\d{4})$"), lambda m: f"{m.group(2)}-{int(m.group(1)):02d}"),
    (re.compile(r"^(?:thang\s*)?(\d{1,2})\s*nam\s*(\d{4})$"), lambda m: f"{m.group(2)}-{int(m.group(1)):02d}"),
    (re.compile(r"^(?:q|quy)\s*([1-4])\s*(?:[-/.]|nam)?\s*(\d{4})$"), lambda m: f"{m.group(2)}-Q{m.group(1)}"),
)


def read_period(value: Any) -> Period:
    """A period cell (see the module doc); ValueError when it is none."""
    if isinstance(value, datetime | date):
        if value.day != 1:
            raise ValueError(value)
        return parse_period(f"{value.year}-{value.month:02d}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != int(value):
            raise ValueError(value)
        return parse_period(str(int(value)))
    text = normalize_vi(_text(value))
    for pattern, canonical in _PERIOD_FORMS:
        match = pattern.match(text)
        if match:
            return parse_period(canonical(match))
    raise ValueError(value)


# --- reading -----------------------------------------------------------------------------------

def _sheet_rows(file, result: ValueImport) -> list[tuple] | None:
    try:
        return first_sheet_rows(file, max_rows=MAX_ROWS + HEADER_SEARCH_ROWS)
    except NotAWorkbook:
        result.problems.append(_("The file is not an Excel workbook (.xlsx). Save it as "
                                 "“Excel Workbook (*.xlsx)” and try again."))
    except TooManyRows:
        result.problems.append(_("The file has more than %(max)d rows: split it in several "
                                 "files.") % {"max": MAX_ROWS})
    return None


def _find_header(rows: list[tuple], result: ValueImport) -> tuple[int, dict[str, int]] | None:
    by_title = {normalize_vi(title): c.key for c in LAYOUT for title in (c.title, *c.aliases)}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = by_title.get(normalize_vi(_text(cell)))
            if key is None:
                continue
            if key in found:
                result.problems.append(_("The column “%(column)s” appears twice in the header row.")
                                       % {"column": TITLE[key]})
            found[key] = position
        if "indicator" in found and "numerator" in found:
            missing = [c.title for c in LAYOUT if c.required and c.key not in found]
            if missing:
                result.problems.append(_("The header row lacks the columns: %(columns)s.")
                                       % {"columns": ", ".join(missing)})
            return (None if result.problems else (index, found))
    result.problems.append(_("The header row was not found. The first sheet must have a row with "
                             "the columns: %(columns)s.") % {"columns": ", ".join(HEADERS)})
    return None


class _Units:
    """The units (province to ward) of the codes in the file, all their versions."""

    def __init__(self, codes: set[str]):
        codes = codes | {c.zfill(n) for c in codes if c.isdigit() for n in (2, 3, 5)}
        self.by_code: dict[str, list[AdministrativeUnit]] = defaultdict(list)
        for unit in (AdministrativeUnit.objects.filter(code__in=codes, level__lte=UnitLevel.WARD)
                     .select_related("parent__parent")):
            self.by_code[unit.code].append(unit)

    def find(self, code: str, period: Period | None, actor) -> AdministrativeUnit | None:
        """The unit with `code` in force in the period (the one the official may report
        for, then the one in force at its end, then the latest); without a period, the
        current one. None when no unit has the code; ValidationError when none of them
        was in force."""
        units = self.by_code.get(code, [])
        if not units and code.isdigit():  # a number cell lost the code's leading zeros
            units = next((self.by_code[padded] for padded in (code.zfill(n) for n in (2, 3, 5))
                          if padded in self.by_code), [])
        if not units:
            return None
        if period is not None:
            in_force = [u for u in units if u.valid_from <= period.end
                        and (u.valid_to is None or u.valid_to >= period.start)]
            if not in_force:
                reporting_rules.check_unit_in_force(max(units, key=lambda u: u.valid_from), period)
            units = in_force
        allowed = [u for u in units if reporting_rules.may_report(actor, u)] or units

        def rank(unit):
            at_end = period is not None and unit.is_valid_on(period.end)
            return (at_end, unit.valid_to is None, unit.valid_from)

        return max(allowed, key=rank)


def _check_row(row: ImportRow, values: dict[str, Any], *, indicators: dict[str, Indicator],
               units: _Units, actor, today: date) -> None:
    code = row.cells["indicator"].lower()
    if not code:
        row.reject("missing", _("The indicator's code is missing."), "indicator")
    elif code not in indicators:
        row.reject("unknown_indicator", _("“%(code)s” is not the code of an indicator.")
                   % {"code": row.cells["indicator"][:64]}, "indicator")
    elif indicators[code].source != Source.REPORTED:
        row.reject("computed_indicator", _("“%(code)s” is computed by the platform from its own "
                                           "records; it cannot be reported.") % {"code": code},
                   "indicator")
    else:
        row.indicator = indicators[code]

    if not row.cells["period"]:
        row.reject("missing", _("The period is missing."), "period")
    else:
        try:
            row.period = read_period(values["period"])
        except ValueError:
            row.reject("bad_period", _("“%(value)s” is not a period: write 2026 for a year, "
                                       "2026-Q4 for a quarter or 2026-11 for a month.")
                       % {"value": row.cells["period"][:40]}, "period")
        else:
            try:
                reporting_rules.check_period(row.period, today=today)
            except ValidationError as exc:
                row.reject_for(exc)
                row.period = None

    unit_code = row.cells["unit"]
    if not unit_code:
        row.reject("missing", _("The unit's code is missing."), "unit")
    else:
        try:
            unit = units.find(unit_code, row.period, actor)
        except ValidationError as exc:
            row.reject_for(exc)
        else:
            if unit is None:
                row.reject("unknown_unit", _("“%(code)s” is not the code of an administrative unit.")
                           % {"code": unit_code[:32]}, "unit")
            elif not reporting_rules.may_report(actor, unit):
                row.reject("unit_not_allowed", _("You may not report the figures of %(unit)s.")
                           % {"unit": unit.name}, "unit")
            else:
                row.unit = unit

    if row.indicator is not None:
        try:
            row.breakdown = reporting_rules.option_of(row.indicator, row.cells["breakdown"])
        except ValidationError as exc:
            row.reject_for(exc)
        try:
            row.numerator, row.denominator = reporting_rules.check_numbers(
                row.indicator, values["numerator"], values["denominator"])
        except ValidationError as exc:
            row.reject_for(exc)
    else:  # the numbers can still be wrong in themselves
        for key, required in (("numerator", True), ("denominator", False)):
            try:
                reporting_rules.check_amount(values[key], key, required=required, positive=key == "denominator")
            except ValidationError as exc:
                row.reject_for(exc)


def _check_file_rules(rows: list[ImportRow]) -> None:
    """The same value twice, and options of one unit and period with different
    denominators: every row concerned is rejected, so that none wins by its place."""
    by_value: dict[tuple, list[ImportRow]] = defaultdict(list)
    for row in rows:
        if (row.indicator is not None and row.unit is not None and row.period is not None
                and not any(r.column == TITLE["breakdown"] for r in row.reasons)):
            by_value[(row.indicator.pk, row.unit.pk, row.period.label, row.breakdown)].append(row)
    for same in by_value.values():
        if len(same) > 1:
            numbers = ", ".join(str(r.number) for r in same)
            for row in same:
                row.reject("duplicate", _("The file gives this value more than once (rows %(rows)s): "
                                          "keep one of these rows.") % {"rows": numbers})
    by_group: dict[tuple, list[ImportRow]] = defaultdict(list)
    for row in rows:
        if row.accepted and row.indicator.breakdown_options:
            by_group[(row.indicator.pk, row.unit.pk, row.period.label)].append(row)
    for group in by_group.values():
        if len({r.denominator for r in group}) > 1:
            numbers = ", ".join(str(r.number) for r in group)
            for row in group:
                row.reject("denominator_mismatch", _(
                    "The options of one unit and period share one denominator, but rows %(rows)s "
                    "give different ones.") % {"rows": numbers}, "denominator")


def read_values(file, *, actor) -> ValueImport:
    """Read and check every row of an import file (see the module doc); writes nothing.
    `result.problems` says why a file could not be read at all."""
    result = ValueImport()
    rows = _sheet_rows(file, result)
    if rows is None:
        return result
    found = _find_header(rows, result)
    if found is None:
        return result
    header_index, columns = found

    def cell(row: tuple, key: str) -> Any:
        position = columns.get(key)
        return row[position] if position is not None and position < len(row) else None

    raw_rows = []
    for index in range(header_index + 1, len(rows)):
        values = {c.key: cell(rows[index], c.key) for c in LAYOUT}
        cells = {key: _text(value) for key, value in values.items()}
        if any(cells.values()):
            raw_rows.append((index + 1, values, cells))
    if not raw_rows:
        result.problems.append(_("The file has no values under its header row."))
        return result
    indicators = {i.code.lower(): i for i in Indicator.objects.filter(
        code__in={cells["indicator"].lower() for _n, _v, cells in raw_rows})}
    units = _Units({cells["unit"] for _n, _v, cells in raw_rows})
    today = timezone.localdate()
    for number, values, cells in raw_rows:
        row = ImportRow(number=number, cells=cells)
        _check_row(row, values, indicators=indicators, units=units, actor=actor, today=today)
        result.rows.append(row)
    _check_file_rules(result.rows)
    return result


# --- the template ------------------------------------------------------------------------------

def template_workbook(user) -> bytes:
    """The empty import file: the header row on the first sheet (the period column as
    text, so Excel keeps "2026-11"), and on a second sheet the reported indicators
    (code, name, unit of measure, whether a denominator is needed, options) and the
    units `user` may report for (code, name)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    book = Workbook()
    sheet = book.active
    sheet.title = "Số liệu"
    sheet.append(list(HEADERS))
    for position, (header, width) in enumerate(zip(HEADERS, (28, 14, 14, 18, 14, 14), strict=True),
                                               start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(width, len(header) + 2)
        sheet[f"{letter}1"].font, sheet[f"{letter}1"].fill = bold, fill
    for letter in "BC":  # text, so Excel keeps "00004" and "2026-11" (not 4 and a date)
        sheet.column_dimensions[letter].number_format = "@"
        for row in range(2, 502):
            sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"

    catalogue = book.create_sheet("Danh mục")
    for letter, width in zip("ABCDEF", (30, 60, 14, 16, 18, 50), strict=True):
        catalogue.column_dimensions[letter].width = width

    def heading(text):
        catalogue.append([str(text)])
        catalogue.cell(row=catalogue.max_row, column=1).font = Font(bold=True, size=12)

    def header(*titles):
        catalogue.append([str(t) for t in titles])
        for cell in catalogue[catalogue.max_row]:
            cell.font, cell.fill = bold, fill

    heading(_("Reported indicators"))
    header(_("Indicator code"), _("Indicator"), _("Unit of measure"), _("Denominator"),
           _("Broken down by"), _("Options (column “%(column)s”)") % {"column": TITLE["breakdown"]})
    for indicator in reporting_rules.reported_indicators():
        catalogue.append([indicator.code, indicator.name, indicator.unit,
                          str(_("optional") if indicator.factor == 1 else _("required")),
                          indicator.breakdown_label, "; ".join(indicator.breakdown_options or [])])
    catalogue.append([])
    heading(_("Units you may report for"))
    header(_("Unit code"), _("Unit"))
    for unit in reporting_rules.reportable_units(user):
        catalogue.append([unit.code, unit.name])
    catalogue.append([])
    heading(_("Periods"))
    for example, meaning in (("2026", _("a year")), ("2026-Q4", _("a quarter")),
                             ("2026-11", _("a month"))):
        catalogue.append([example, str(meaning)])
    catalogue.append([])
    catalogue.append([str(_("One value per row. Rows with a mistake are rejected with the reason; "
                            "the other rows are imported. Importing a value again corrects it; "
                            "the history keeps the previous value."))])
    book.properties.title = "Nhập số liệu chỉ số"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
