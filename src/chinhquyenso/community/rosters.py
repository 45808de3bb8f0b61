"""Team rosters in Excel: import in the layout the wards already use, and exports.

    import_roster(*, ward, file, actor) -> ImportResult
    roster_template(ward=None) -> bytes                      an empty roster (.xlsx)
    export_members(queryset) -> bytes                        members, in the roster layout
    export_activities(queryset) -> bytes                     activities, one row each
    export_table(headers, rows, title) -> bytes              any table (dashboards)

The roster layout (ROSTER_LAYOUT): the first sheet, one row per member, under a header
row with these columns (found by their title, in any order, accents and case ignored;
other columns are ignored; up to 9 title rows may stand above the header):

    STT                   row number (optional, ignored)
    Họ và tên             required
    Số điện thoại         10-digit mobile or 11-digit landline starting with 0 (spaces,
                          dots and +84 accepted); may be empty
    Tổ dân phố/Thôn       the residential group or village: its name ("Tổ dân phố số 3",
                          "TDP 3", "Thôn 2"), its number or its code; required; the group
                          must belong to the ward and already have a team
    Chức danh trong tổ    Tổ trưởng / Tổ phó / Thành viên (empty = Thành viên)
    Tổ chức               Đoàn Thanh niên, Hội Phụ nữ, Công an, … (optional)
    Kỹ năng               optional
    Khóa tập huấn         a completed course (optional)
    Ngày hoàn thành       dd/mm/yyyy; required when a course is given
    Số chứng chỉ          optional; only with a course

A row whose person (same name and phone, or same name when no phone) is already an
active member of that group's team updates that member (role, organisation, skills)
and adds the training if it is new; other rows add members. Every row is checked
first; any error and nothing is imported (ImportResult.errors lists each one with the
Excel row number, the column and the reason). Otherwise everything is written in one
transaction, with the audit log. The file exported by export_members can be edited and
imported again.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from chinhquyenso.core.services import record_audit
from chinhquyenso.core.spreadsheets import NotAWorkbook, TooManyRows, first_sheet_rows
from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel
from chinhquyenso.org.permissions import require

from . import services
from .models import Member, MemberRole, Team, Training

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class RosterColumn:
    key: str
    title: str            # as written in the wards' files
    required: bool        # the column must be present
    aliases: tuple[str, ...] = ()


ROSTER_LAYOUT: tuple[RosterColumn, ...] = (
    RosterColumn("number", "STT", False, ("TT", "Số TT", "Số thứ tự")),
    RosterColumn("full_name", "Họ và tên", True, ("Họ tên", "Họ và tên thành viên")),
    RosterColumn("phone", "Số điện thoại", True, ("Điện thoại", "SĐT", "Số ĐT")),
    RosterColumn("group", "Tổ dân phố/Thôn", True,
                 ("Thôn/Tổ dân phố", "Tổ dân phố", "Thôn", "TDP/Thôn", "Thôn/TDP", "Tổ dân phố, thôn")),
    RosterColumn("role", "Chức danh trong tổ", True, ("Chức danh", "Chức vụ trong tổ", "Vai trò")),
    RosterColumn("organisation", "Tổ chức", False, ("Đơn vị", "Tổ chức đoàn thể", "Đơn vị/Tổ chức")),
    RosterColumn("skills", "Kỹ năng", False, ("Kỹ năng số",)),
    RosterColumn("course", "Khóa tập huấn", False, ("Khóa học", "Tập huấn", "Khóa đào tạo")),
    RosterColumn("completed_on", "Ngày hoàn thành", False, ("Ngày hoàn thành khóa học",)),
    RosterColumn("certificate", "Số chứng chỉ", False, ("Chứng chỉ", "Số giấy chứng nhận")),
)
ROSTER_HEADERS = tuple(c.title for c in ROSTER_LAYOUT)

# Values of "Chức danh trong tổ" (normalised, without accents) and how they are written.
ROLE_TITLES = {MemberRole.LEADER: "Tổ trưởng", MemberRole.DEPUTY: "Tổ phó",
               MemberRole.MEMBER: "Thành viên"}
_ROLE_WORDS = {
    "to truong": MemberRole.LEADER, "truong to": MemberRole.LEADER, "leader": MemberRole.LEADER,
    "to pho": MemberRole.DEPUTY, "pho to": MemberRole.DEPUTY, "deputy": MemberRole.DEPUTY,
    "thanh vien": MemberRole.MEMBER, "to vien": MemberRole.MEMBER, "member": MemberRole.MEMBER,
}


def parse_role(text: str) -> str | None:
    """"Tổ trưởng" → "leader" (also "Tổ trưởng TDP số 3", "tổ phó", "Thành viên");
    "" for an empty cell; None when not a role."""
    word = _norm(text)
    if not word:
        return ""
    if word in _ROLE_WORDS:
        return _ROLE_WORDS[word]
    return next((role for prefix, role in _ROLE_WORDS.items() if word.startswith(prefix + " ")),
                None)
ORGANISATIONS = ("Đoàn Thanh niên", "Hội Phụ nữ", "Công an", "Hội Cựu chiến binh",
                 "Hội Nông dân", "Mặt trận Tổ quốc", "Chi hội Người cao tuổi", "Giáo viên",
                 "Y tế", "Bưu điện")

# Extra columns of export_members (ignored by the import).
EXPORT_EXTRA = ("Phường/Xã", "Mã tổ dân phố/thôn", "Tên tổ công nghệ số", "Ngày tham gia",
                "Trạng thái", "Số khóa đã học")


@dataclass
class RowError:
    row: int | None      # the Excel row number; None for the file as a whole
    column: str          # the column's title, "" when about the row or the file
    message: str

    def __str__(self) -> str:
        where = _("Row %(row)d") % {"row": self.row} if self.row else _("File")
        return f"{where}{f' ({self.column})' if self.column else ''}: {self.message}"


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0                 # member rows read
    members_created: int = 0
    members_updated: int = 0
    trainings_created: int = 0
    teams: int = 0                # teams the file touches

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, str(message)))


@dataclass
class _Row:
    number: int
    full_name: str
    phone: str
    team: Team
    role: str
    organisation: str
    skills: str
    course: str
    completed_on: date | None
    certificate: str
    existing: Member | None = None


# --- reading -------------------------------------------------------------------------------

def _norm(value: Any) -> str:
    return normalize_vi(str(value)) if value is not None else ""


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int], list[str]] | None:
    """(index of the header row, column key → index, problems) or None."""
    by_title = {}
    for column in ROSTER_LAYOUT:
        for title in (column.title, *column.aliases):
            by_title[_norm(title)] = column.key
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        problems = []
        for position, cell in enumerate(row):
            key = by_title.get(_norm(cell))
            if key is None:
                continue
            if key in found:
                problems.append(_("The column “%(column)s” appears twice.")
                                % {"column": _title(key)})
            found[key] = position
        if "full_name" in found and ("group" in found or "phone" in found):
            return index, found, problems
    return None


def _title(key: str) -> str:
    return next(c.title for c in ROSTER_LAYOUT if c.key == key)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


_DATE_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def parse_day(value: Any) -> date:
    """A date cell: an Excel date, or text dd/mm/yyyy (also with - or .). ValueError
    otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        result = from_excel(value)
        return result.date() if isinstance(result, datetime) else result
    match = _DATE_RE.match(_cell_text(value))
    if not match:
        raise ValueError(value)
    day, month, year = (int(part) for part in match.groups())
    return date(year, month, day)


_GROUP_PREFIX = re.compile(r"^(to dan pho|tdp|to|khu pho|khu|thon|xom|lang|ban)\b\s*(so\b)?\s*")


def _group_key(text: str) -> str:
    """"Tổ dân phố số 03" → "3"; "Thôn Đồng Giang" → "dong giang"."""
    rest = _GROUP_PREFIX.sub("", _norm(text)).strip()
    return str(int(rest)) if rest.isdigit() else rest


class _Groups:
    """The ward's residential groups and villages, found by code, name or number."""

    def __init__(self, ward: AdministrativeUnit):
        groups = list(AdministrativeUnit.objects.filter(parent=ward, level=UnitLevel.GROUP)
                      .order_by("code"))
        teams = {t.group_id: t for t in Team.objects.filter(group__in=groups)}
        self.team_of = {g.pk: teams.get(g.pk) for g in groups}
        self.by_code = {g.code.casefold(): [g] for g in groups}
        self.by_name: dict[str, list] = defaultdict(list)
        self.by_key: dict[str, list] = defaultdict(list)
        for g in groups:
            self.by_name[_norm(g.name)].append(g)
            self.by_key[_group_key(g.name)].append(g)

    def find(self, text: str) -> list[AdministrativeUnit]:
        return (self.by_code.get(text.casefold()) or self.by_name.get(_norm(text))
                or self.by_key.get(_group_key(text)) or [])


def _read_rows(file, result: ImportResult) -> list[tuple] | None:
    try:
        return first_sheet_rows(file, max_rows=MAX_ROWS + HEADER_SEARCH_ROWS)
    except NotAWorkbook:
        result.error(None, "", _("The file is not an Excel workbook (.xlsx). Save it as "
                                 "“Excel Workbook (*.xlsx)” and try again."))
    except TooManyRows:
        result.error(None, "", _("The file has more than %(max)d rows: split it by "
                                 "residential group.") % {"max": MAX_ROWS})
    return None


def _check_rows(ward, rows: list[tuple], result: ImportResult) -> list[_Row]:
    found = _find_header(rows)
    if found is None:
        result.error(1, "", _("The header row was not found. The first sheet must have a row "
                              "with the columns: %(columns)s.") % {"columns": ", ".join(
                                  c.title for c in ROSTER_LAYOUT if c.required)})
        return []
    header_index, columns, problems = found
    header_row = header_index + 1
    for problem in problems:
        result.error(header_row, "", problem)
    for column in ROSTER_LAYOUT:
        if column.required and column.key not in columns:
            result.error(header_row, column.title,
                         _("The column “%(column)s” is missing from the header row.")
                         % {"column": column.title})
    if result.errors:
        return []

    def cell(row: tuple, key: str) -> Any:
        position = columns.get(key)
        return row[position] if position is not None and position < len(row) else None

    groups = _Groups(ward)
    today = timezone.localdate()
    checked: list[_Row] = []
    seen: dict[tuple, int] = {}
    for index in range(header_index + 1, len(rows)):
        row, number = rows[index], index + 1
        values = {c.key: cell(row, c.key) for c in ROSTER_LAYOUT if c.key != "number"}
        if all(_cell_text(v) == "" for v in values.values()):
            continue  # an empty line
        result.rows += 1
        errors_before = len(result.errors)

        def bad(key: str, message: str, number=number) -> None:
            result.error(number, _title(key), message)

        full_name = _cell_text(values["full_name"])
        if not full_name:
            bad("full_name", _("The name is missing."))
        elif len(full_name) > 200:
            bad("full_name", _("The name is too long (at most 200 characters)."))

        phone = services.normalize_phone(values["phone"])
        if phone and not services.PHONE_RE.match(phone):
            bad("phone", _("“%(value)s” is not a Vietnamese phone number: 10 digits for a "
                           "mobile or 11 for a landline, starting with 0.")
                % {"value": _cell_text(values["phone"])})

        team = None
        group_text = _cell_text(values["group"])
        if not group_text:
            bad("group", _("The residential group or village is missing."))
        else:
            matches = groups.find(group_text)
            if not matches:
                bad("group", _("“%(value)s” is not a residential group or village of %(ward)s.")
                    % {"value": group_text, "ward": ward.name})
            elif len(matches) > 1:
                bad("group", _("“%(value)s” matches several groups (%(names)s): write the full "
                               "name or the code.")
                    % {"value": group_text, "names": ", ".join(g.name for g in matches)})
            else:
                team = groups.team_of[matches[0].pk]
                if team is None:
                    bad("group", _("%(group)s has no team yet: create its team (with the ward's "
                                   "decision) before importing its members.")
                        % {"group": matches[0].name})
                elif not team.is_active:
                    bad("group", _("The team of %(group)s is no longer active.")
                        % {"group": matches[0].name})
                    team = None

        role_text = _cell_text(values["role"])
        role = parse_role(role_text)
        if role is None:
            bad("role", _("“%(value)s” is not a role in the team: write Tổ trưởng, Tổ phó or "
                          "Thành viên.") % {"value": role_text})

        organisation = _cell_text(values["organisation"])
        if len(organisation) > 100:
            bad("organisation", _("The organisation is too long (at most 100 characters)."))
        skills = _cell_text(values["skills"])
        if len(skills) > 300:
            bad("skills", _("The skills are too long (at most 300 characters)."))

        course = _cell_text(values["course"])
        certificate = _cell_text(values["certificate"])
        completed_on = None
        if len(course) > 200:
            bad("course", _("The course name is too long (at most 200 characters)."))
        if len(certificate) > 100:
            bad("certificate", _("The certificate number is too long (at most 100 characters)."))
        if _cell_text(values["completed_on"]):
            try:
                completed_on = parse_day(values["completed_on"])
            except (ValueError, TypeError, OverflowError):
                bad("completed_on", _("“%(value)s” is not a date: write it as dd/mm/yyyy, e.g. "
                                      "15/03/2025.") % {"value": _cell_text(values["completed_on"])})
            else:
                if completed_on > today:
                    bad("completed_on", _("The date is in the future."))
                elif completed_on.year < 2000:
                    bad("completed_on", _("The date is too far back."))
        if course and completed_on is None and not _cell_text(values["completed_on"]):
            bad("completed_on", _("Enter the date the course was completed."))
        if not course and (completed_on is not None or certificate):
            bad("course", _("The course is missing: a completion date or a certificate needs "
                            "the course's name."))

        if full_name:
            key = (_norm(full_name), phone) if phone else (_norm(full_name), group_text.casefold())
            if key in seen:
                result.error(number, "", _("The same member is already on row %(row)d.")
                             % {"row": seen[key]})
            else:
                seen[key] = number

        if len(result.errors) == errors_before:
            checked.append(_Row(number=number, full_name=full_name, phone=phone, team=team,
                                role=role, organisation=organisation, skills=skills, course=course,
                                completed_on=completed_on, certificate=certificate))
    if result.rows == 0 and not result.errors:
        result.error(None, "", _("The file has no member rows under the header."))
    return checked


def _match_existing(rows: list[_Row]) -> None:
    teams = {row.team.pk for row in rows}
    members = defaultdict(list)
    for m in Member.objects.filter(team__in=teams, is_active=True):
        members[m.team_id, _norm(m.full_name)].append(m)
    for row in rows:
        candidates = members.get((row.team.pk, _norm(row.full_name)), [])
        same_phone = [m for m in candidates if m.phone == row.phone]
        if same_phone:
            row.existing = same_phone[0]
        elif not row.phone and len(candidates) == 1:
            row.existing = candidates[0]


def _check_leaders(rows: list[_Row], result: ImportResult) -> None:
    """One leader per team once the file is imported: the sitting leader (unless their
    row gives them another role) and the file's leader rows."""
    by_team: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_team[row.team.pk].append(row)
    sitting = {m.team_id: m for m in Member.objects.filter(
        team__in=by_team, role=MemberRole.LEADER, is_active=True)}
    role_title = _title("role")
    for team_id, team_rows in by_team.items():
        leader = sitting.get(team_id)
        first_row = None
        if leader is not None:
            own_row = next((r for r in team_rows if r.existing and r.existing.pk == leader.pk), None)
            if own_row is not None:
                first_row = own_row if own_row.role == MemberRole.LEADER else None
                leader = None if own_row.role != MemberRole.LEADER else leader
        for row in team_rows:
            if row.role != MemberRole.LEADER or row is first_row:
                continue
            if first_row is None and leader is None:
                first_row = row
            elif first_row is not None:
                result.error(row.number, role_title,
                             _("A second leader for %(team)s: row %(row)d is already its leader.")
                             % {"team": row.team.name, "row": first_row.number})
            else:
                result.error(row.number, role_title,
                             _("%(team)s already has a leader, %(name)s: a team has one leader.")
                             % {"team": row.team.name, "name": leader.full_name})


def import_roster(*, ward: AdministrativeUnit, file, actor) -> ImportResult:
    """Import the members of the ward's teams from an .xlsx roster (ROSTER_LAYOUT).
    `file`: an uploaded file, a binary file object or bytes. Needs "community.manage"
    for the ward (PermissionDenied otherwise). Returns the counts, or the errors and
    nothing imported."""
    if ward.level != UnitLevel.WARD:
        raise ValidationError(_("Rosters are imported for a ward or commune."))
    require(actor, "community.manage", ward)
    result = ImportResult()
    rows = _read_rows(file, result)
    if rows is None:
        return result
    checked = _check_rows(ward, rows, result)
    if result.errors:
        return result
    _match_existing(checked)
    for row in checked:  # an empty role keeps a member's role; a new member is a member
        row.role = row.role or (row.existing.role if row.existing else MemberRole.MEMBER)
    _check_leaders(checked, result)
    if result.errors:
        return result
    result.teams = len({row.team.pk for row in checked})

    def order(row: _Row) -> int:
        if row.existing is not None:
            return 0 if row.existing.role == MemberRole.LEADER and row.role != MemberRole.LEADER \
                else 1
        return 2

    with transaction.atomic():
        for row in sorted(checked, key=order):
            member = row.existing
            if member is None:
                member = services._add_member(
                    team=row.team, full_name=row.full_name, phone=row.phone, role=row.role,
                    organisation=row.organisation, skills=row.skills, joined_on=None, user=None,
                    actor=actor, audit_extra={"roster_row": row.number})
                result.members_created += 1
            else:
                member = Member.objects.select_for_update().get(pk=member.pk)
                changes = {name: value for name, value in (
                    ("role", row.role), ("organisation", row.organisation),
                    ("skills", row.skills)) if value and getattr(member, name) != value}
                if changes:
                    before = {name: getattr(member, name) for name in changes}
                    for name, value in changes.items():
                        setattr(member, name, value)
                    member.save(update_fields=list(changes))
                    record_audit(actor=actor, action="community.member_updated", obj=member,
                                 before=before, after={**changes, "roster_row": row.number})
                    result.members_updated += 1
            if row.course and not Training.objects.filter(
                    member=member, course=row.course, completed_on=row.completed_on).exists():
                services._record_training(member=member, course=row.course,
                                          completed_on=row.completed_on,
                                          certificate=row.certificate, actor=actor)
                result.trainings_created += 1
        record_audit(actor=actor, action="community.roster_imported", obj=ward,
                     after={"rows": result.rows, "members_created": result.members_created,
                            "members_updated": result.members_updated,
                            "trainings_created": result.trainings_created,
                            "teams": result.teams})
    return result


# --- writing -------------------------------------------------------------------------------

def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | date):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, Promise):
        return str(value)
    if hasattr(value, "as_tuple"):  # Decimal
        return value
    return str(value)


def _workbook(title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]],
              widths: Sequence[int] | None = None, extra=None) -> bytes:
    """One sheet: a bold frozen header row, then the rows; dates as dd/mm/yyyy. Text
    that looks like a formula ("=…") stays text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    sheet.freeze_panes = "A2"
    headers = [str(h) for h in headers]
    for position, header in enumerate(headers, start=1):
        width = widths[position - 1] if widths and position <= len(widths) else \
            min(max(len(header) + 2, 10), 40)
        sheet.column_dimensions[get_column_letter(position)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")

    def header_cell(text):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill = bold, fill
        if cell.data_type == "f":
            cell.data_type = "s"
        return cell

    sheet.append([header_cell(h) for h in headers])
    count = 0
    for row in rows:
        cells = []
        for raw in row:
            value = _value(raw)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
            elif cell.data_type == "f":
                cell.data_type = "s"  # never a formula from user data
            cells.append(cell)
        sheet.append(cells)
        count += 1
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(count + 1, 1)}"
    if extra is not None:
        extra(workbook)
    workbook.properties.title = str(title)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip() or "Sheet"
    return cleaned[:31]


def export_table(headers: Sequence[Any], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    """Any table as an .xlsx: `title` names the sheet (first 31 characters) and the
    document; `headers` the columns; `rows` sequences of values (text, numbers, dates,
    datetimes — aware ones shown in local time — or lazy translations)."""
    return _workbook(title, headers, rows)


def roster_template(ward: AdministrativeUnit | None = None) -> bytes:
    """An empty roster in ROSTER_LAYOUT, with a list of roles to pick from and a second
    sheet explaining each column; with `ward`, that sheet lists the ward's groups and
    whether each has a team yet."""
    from openpyxl import load_workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    data = _workbook("Danh sách", ROSTER_HEADERS, [],
                     widths=(6, 28, 15, 20, 18, 20, 28, 36, 16, 16))
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    roles = DataValidation(type="list", formula1='"' + ",".join(ROLE_TITLES.values()) + '"',
                           allow_blank=True)
    sheet.add_data_validation(roles)
    role_column = ROSTER_HEADERS.index(_title("role")) + 1
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(role_column)
    roles.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    help_sheet = workbook.create_sheet(_sheet_title(_("Instructions")))
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["B"].width = 90
    help_sheet.append([_("Column"), _("What to write")])
    explanations = {
        "number": _("Row number (optional, not imported)."),
        "full_name": _("Member's full name (required)."),
        "phone": _("Mobile phone, 10 digits starting with 0 (may be empty)."),
        "group": _("Residential group or village: its name (“Tổ dân phố số 3”, “TDP 3”, "
                   "“Thôn 2”) or its code. Its team must already exist."),
        "role": _("Tổ trưởng (team leader, one per team), Tổ phó (deputy) or Thành viên "
                  "(member; the default)."),
        "organisation": _("Organisation the member comes from: %(examples)s…")
        % {"examples": ", ".join(ORGANISATIONS[:5])},
        "skills": _("Digital skills (optional)."),
        "course": _("A training course completed (optional)."),
        "completed_on": _("Date the course was completed, dd/mm/yyyy (required with a course)."),
        "certificate": _("Certificate number (optional)."),
    }
    for column in ROSTER_LAYOUT:
        help_sheet.append([column.title, str(explanations[column.key])])
    help_sheet.append([])
    help_sheet.append([_("One row per member. The file is imported only when every row is "
                         "correct: the import lists each row to fix.")])
    if ward is not None:
        help_sheet.append([])
        help_sheet.append([_("Residential groups of %(ward)s") % {"ward": ward.name}])
        teams = set(Team.objects.filter(group__parent=ward).values_list("group_id", flat=True))
        for group in AdministrativeUnit.objects.filter(parent=ward, level=UnitLevel.GROUP) \
                .order_by("code"):
            status = _("has a team") if group.pk in teams else _("no team yet")
            help_sheet.append([group.code, f"{group.name} — {status}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_members(queryset) -> bytes:
    """Members (a Member queryset) in the roster layout, the most recent training in the
    training columns, then EXPORT_EXTRA (ignored when the file is imported again)."""
    members = (queryset.select_related("team__group__parent")
               .prefetch_related(Prefetch("trainings",
                                          queryset=Training.objects.order_by("-completed_on", "-pk")))
               .order_by("team__group__parent__code", "team__group__code", "role", "full_name"))

    def rows():
        for number, m in enumerate(members, start=1):
            trainings = list(m.trainings.all())
            latest = trainings[0] if trainings else None
            yield (number, m.full_name, m.phone, m.team.group.name, ROLE_TITLES[m.role],
                   m.organisation, m.skills, latest.course if latest else "",
                   latest.completed_on if latest else None, latest.certificate if latest else "",
                   m.team.group.parent.name if m.team.group.parent else "", m.team.group.code,
                   m.team.name, m.joined_on, "Đang hoạt động" if m.is_active else "Đã thôi",
                   len(trainings))

    return _workbook("Danh sách", (*ROSTER_HEADERS, *EXPORT_EXTRA), rows(),
                     widths=(6, 28, 15, 20, 18, 20, 28, 36, 16, 16, 20, 14, 36, 14, 16, 10))


def export_activities(queryset) -> bytes:
    """Activities (an Activity queryset), one row each, newest first."""
    activities = (queryset.select_related("team__group__parent", "member", "reviewed_by",
                                          "dossier")
                  .order_by("-day", "-pk"))
    headers = (_("Date"), _("Ward"), _("Residential group"), _("Team"), _("Member"),
               _("Category"), _("Households or people reached"), _("Place"), _("Note"),
               _("Status"), _("Reviewed by"), _("Reviewed at"), _("Review note"),
               _("Dossier"), _("Recorded at"))

    def rows():
        for a in activities.iterator(chunk_size=2000):
            group = a.team.group
            reviewer = ""
            if a.reviewed_by is not None:
                reviewer = a.reviewed_by.get_full_name() or a.reviewed_by.get_username()
            yield (a.day, group.parent.name if group.parent else "", group.name, a.team.name,
                   a.member.full_name, a.get_category_display(), a.people_reached, a.place,
                   a.note, a.get_status_display(), reviewer, a.reviewed_at, a.review_note,
                   a.dossier.code if a.dossier else "", a.created_at)

    return _workbook(_("Activities"), headers, rows(),
                     widths=(12, 20, 20, 36, 24, 40, 12, 24, 40, 24, 20, 17, 30, 30, 17))

