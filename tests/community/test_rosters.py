"""Roster import (every rejection, nothing imported until the file is clean) and the
Excel exports."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from chinhquyenso.community import rosters, services
from chinhquyenso.community.models import Activity, Member, Training
from chinhquyenso.core.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = list(rosters.ROSTER_HEADERS)


def xlsx(rows, header=HEADER, title_rows=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in title_rows:
        ws.append(list(row))
    if header is not None:
        ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(n, name, phone="0912345678", group="Tổ dân phố số 1", role="Thành viên",
        organisation="Đoàn Thanh niên", skills="", course="", completed="", certificate=""):
    return [n, name, phone, group, role, organisation, skills, course, completed, certificate]


@pytest.fixture
def teams(team, second_team):
    """Teams on groups 1 and 2 of the ward; group 3 has none."""
    return team, second_team


def run(ward, ward_admin, data):
    return rosters.import_roster(ward=ward, file=data, actor=ward_admin)


def errors(result):
    return [(e.row, e.column) for e in result.errors]


# --- a clean file -------------------------------------------------------------------------

def test_a_clean_roster_is_imported(ward, ward_admin, teams):
    team, second = teams
    data = xlsx([
        row(1, "Đặng Văn Tuấn", "0912 345 678", "Tổ dân phố số 1", "Tổ trưởng", "Tổ dân phố",
            "Tuyên truyền", "Kỹ năng số cơ bản", "15/03/2025", "KNS-2025-001"),
        row(2, "Nguyễn Thị Hoa", 987654321, "TDP 1", "Tổ phó", "Hội Phụ nữ"),
        row(3, "Lê Văn Nam", "+84 903 111 222", "8707.02", "tổ trưởng"),
        row(4, "Trần Thị Thu", "", "tổ dân phố số 02", "", "", "",
            "VNeID", datetime(2025, 6, 1), ""),
        [None] * 10,  # an empty line is skipped
    ], title_rows=[["DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"], []])
    result = run(ward, ward_admin, data)
    assert result.ok, result.errors
    assert (result.rows, result.members_created, result.members_updated,
            result.trainings_created, result.teams) == (4, 4, 0, 2, 2)
    tuan = Member.objects.get(full_name="Đặng Văn Tuấn")
    assert tuan.team == team and tuan.role == "leader" and tuan.phone == "0912345678"
    assert tuan.trainings.get().completed_on == date(2025, 3, 15)
    assert Member.objects.get(full_name="Nguyễn Thị Hoa").phone == "0987654321"
    nam = Member.objects.get(full_name="Lê Văn Nam")
    assert nam.team == second and nam.role == "leader" and nam.phone == "0903111222"
    thu = Member.objects.get(full_name="Trần Thị Thu")
    assert thu.role == "member" and thu.team == second
    assert thu.trainings.get().completed_on == date(2025, 6, 1)
    assert AuditEntry.objects.filter(action="community.member_added").count() == 4
    summary = AuditEntry.objects.get(action="community.roster_imported")
    assert summary.after["members_created"] == 4 and summary.actor == ward_admin


def test_columns_are_found_by_title_in_any_order(ward, ward_admin, teams):
    header = ["Số ĐT", "Chức danh", "Thôn/Tổ dân phố", "Họ tên", "Ghi chú"]
    data = xlsx([["0912000111", "Tổ trưởng", "1", "Phạm Văn Long", "bỏ qua"]], header=header)
    result = run(ward, ward_admin, data)
    assert result.ok, result.errors
    assert Member.objects.get().role == "leader"


def test_a_second_import_updates_instead_of_duplicating(ward, ward_admin, teams):
    first = xlsx([row(1, "Nguyễn Thị Hoa", role="Thành viên")])
    assert run(ward, ward_admin, first).members_created == 1
    again = xlsx([row(1, "Nguyễn Thị Hoa", role="Tổ trưởng", organisation="Hội Phụ nữ",
                      course="VNeID", completed="01/02/2025"),
                  row(2, "Lê Văn Nam", phone="0903000111")])
    result = run(ward, ward_admin, again)
    assert result.ok, result.errors
    assert (result.members_created, result.members_updated, result.trainings_created) == (1, 1, 1)
    hoa = Member.objects.get(full_name="Nguyễn Thị Hoa")
    assert hoa.role == "leader" and hoa.organisation == "Hội Phụ nữ"
    assert Member.objects.count() == 2


def test_a_leader_can_be_replaced_in_one_file(ward, ward_admin, teams, leader):
    data = xlsx([row(1, "Đặng Văn Tuấn", phone="0912345678", role="Thành viên"),
                 row(2, "Lê Văn Nam", phone="0903000111", role="Tổ trưởng")])
    result = run(ward, ward_admin, data)
    assert result.ok, result.errors
    leader.refresh_from_db()
    assert leader.role == "member"
    assert Member.objects.get(team=leader.team, role="leader").full_name == "Lê Văn Nam"


def test_the_exported_roster_imports_back_without_changes(ward, ward_admin, teams, leader):
    services.record_training(member_id=leader.pk, course="VNeID", completed_on=date(2025, 1, 2),
                             certificate="C-1", actor=ward_admin)
    data = rosters.export_members(Member.objects.all())
    result = run(ward, ward_admin, data)
    assert result.ok, result.errors
    assert (result.members_created, result.members_updated, result.trainings_created) == (0, 0, 0)
    assert Member.objects.count() == 1 and Training.objects.count() == 1


# --- every rejection: nothing is imported -----------------------------------------------

@pytest.fixture
def rejected(ward, ward_admin, teams):
    """rejected(data) → the errors as (row, column), checking nothing was imported."""

    def check(data):
        before = (Member.objects.count(), Training.objects.count())
        result = run(ward, ward_admin, data)
        assert not result.ok
        assert (Member.objects.count(), Training.objects.count()) == before
        assert not AuditEntry.objects.filter(action="community.roster_imported").exists()
        for e in result.errors:
            assert e.message and str(e)
        return result

    return check


def test_bad_header_a_column_is_missing(rejected):
    header = [h for h in HEADER if h != "Chức danh trong tổ"]
    result = rejected(xlsx([row(1, "Lê Văn Nam")[:4]], header=header))
    assert errors(result) == [(1, "Chức danh trong tổ")]
    assert "missing" in result.errors[0].message


def test_bad_header_no_header_row(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam")], header=None))
    assert errors(result) == [(1, "")]
    assert "header row was not found" in result.errors[0].message


def test_bad_header_a_column_twice(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam") + ["0912"]], header=HEADER + ["SĐT"]))
    assert "appears twice" in result.errors[0].message


def test_missing_name(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam"), row(2, "", phone="0903000111")]))
    assert errors(result) == [(3, "Họ và tên")]
    assert "name is missing" in result.errors[0].message


@pytest.mark.parametrize("phone", ["12345", "0912 345", "091234567890", "abc", "0012345678"])
def test_bad_phone(rejected, phone):
    result = rejected(xlsx([row(1, "Lê Văn Nam", phone=phone)]))
    assert errors(result) == [(2, "Số điện thoại")]
    assert "not a Vietnamese phone number" in result.errors[0].message


def test_unknown_group(rejected, other_group):
    result = rejected(xlsx([row(1, "Lê Văn Nam", group="Tổ dân phố số 9"),
                            row(2, "Lê Văn Hải", phone="0903000111", group=other_group.code)]))
    assert errors(result) == [(2, "Tổ dân phố/Thôn"), (3, "Tổ dân phố/Thôn")]
    assert "is not a residential group or village of Phường Tích Sơn" in result.errors[0].message


def test_missing_group(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam", group="")]))
    assert errors(result) == [(2, "Tổ dân phố/Thôn")]


def test_group_without_team(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam", group="Tổ dân phố số 3")]))
    assert errors(result) == [(2, "Tổ dân phố/Thôn")]
    assert "has no team yet" in result.errors[0].message


def test_second_leader_in_the_file(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam", role="Tổ trưởng"),
                            row(2, "Lê Văn Hải", phone="0903000111", role="Tổ trưởng"),
                            row(3, "Lê Văn Hà", phone="0903000222", group="TDP 2",
                                role="Tổ trưởng")]))
    assert errors(result) == [(3, "Chức danh trong tổ")]
    assert "second leader" in result.errors[0].message and "row 2" in result.errors[0].message


def test_second_leader_besides_the_sitting_one(rejected, leader):
    result = rejected(xlsx([row(1, "Lê Văn Nam", phone="0903000111", role="Tổ trưởng")]))
    assert errors(result) == [(2, "Chức danh trong tổ")]
    assert "already has a leader, Đặng Văn Tuấn" in result.errors[0].message


def test_unknown_role(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam", role="Trưởng ban")]))
    assert errors(result) == [(2, "Chức danh trong tổ")]


@pytest.mark.parametrize("value", ["31/02/2025", "2025-03-15", "hôm qua", "15/13/2025"])
def test_bad_date(rejected, value):
    result = rejected(xlsx([row(1, "Lê Văn Nam", course="VNeID", completed=value)]))
    assert errors(result) == [(2, "Ngày hoàn thành")]
    assert "dd/mm/yyyy" in result.errors[0].message


def test_date_in_the_future(rejected):
    later = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    result = rejected(xlsx([row(1, "Lê Văn Nam", course="VNeID", completed=later)]))
    assert errors(result) == [(2, "Ngày hoàn thành")]


def test_course_and_date_go_together(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam", course="VNeID"),
                            row(2, "Lê Văn Hải", phone="0903000111", completed="01/01/2025")]))
    assert errors(result) == [(2, "Ngày hoàn thành"), (3, "Khóa tập huấn")]


def test_duplicate_row(rejected):
    result = rejected(xlsx([row(1, "Lê Văn Nam"), row(2, "Lê Văn Hải", phone="0903000111"),
                            row(3, "lê văn  nam", phone="0912.345.678")]))
    assert errors(result) == [(4, "")]
    assert "already on row 2" in result.errors[0].message


def test_every_bad_row_is_reported_at_once(rejected):
    result = rejected(xlsx([row(1, ""), row(2, "Lê Văn Hải", phone="1"),
                            row(3, "Lê Văn Hà", group="Tổ dân phố số 3"),
                            row(4, "Lê Văn Hùng", phone="0903000222")]))
    assert [e.row for e in result.errors] == [2, 3, 4]


def test_not_an_excel_file(rejected):
    result = rejected(b"STT,H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan\n1,A\n")
    assert errors(result) == [(None, "")]
    assert ".xlsx" in result.errors[0].message


def test_no_member_rows(rejected):
    result = rejected(xlsx([]))
    assert "no member rows" in result.errors[0].message


def test_only_the_wards_administrator_imports(ward, other_admin, ward_leader, teams):
    for user in (other_admin, ward_leader):
        with pytest.raises(PermissionDenied):
            rosters.import_roster(ward=ward, file=xlsx([row(1, "Lê Văn Nam")]), actor=user)
    assert not Member.objects.exists()


# --- exports ------------------------------------------------------------------------------

def read(data: bytes, sheet=0):
    wb = load_workbook(io.BytesIO(data))
    return [list(r) for r in wb.worksheets[sheet].iter_rows(values_only=True)]


def test_the_template(ward, teams):
    data = rosters.roster_template(ward)
    rows = read(data)
    assert rows == [HEADER]
    help_rows = read(data, sheet=1)
    assert any(r[0] == "8707.03" and "no team yet" in r[1] for r in help_rows)
    assert any(r[0] == "8707.01" and "has a team" in r[1] for r in help_rows)
    # the empty template is a valid (empty) roster
    assert read(rosters.roster_template())[0] == HEADER


def test_export_members(ward_admin, team, leader):
    services.add_member(team=team, full_name="=HYPERLINK(\"http://x\")", actor=ward_admin)
    rows = read(rosters.export_members(Member.objects.all()))
    assert rows[0][:10] == HEADER and rows[0][10:] == list(rosters.EXPORT_EXTRA)
    assert rows[1][1:5] == ["Đặng Văn Tuấn", "0912345678", "Tổ dân phố số 1", "Tổ trưởng"]
    assert rows[1][10] == "Phường Tích Sơn"
    wb = load_workbook(io.BytesIO(rosters.export_members(Member.objects.all())))
    cell = wb.active.cell(row=3, column=2)
    assert cell.value.startswith("=") and cell.data_type == "s"  # text, never a formula


def test_export_activities(member_user, ward_leader):
    a = services.record_activity(actor=member_user, day=timezone.localdate(), category="payment",
                                 people_reached=4, place="Nhà văn hóa")
    services.confirm_activity(activity_id=a.pk, actor=ward_leader)
    rows = read(rosters.export_activities(Activity.objects.all()))
    assert rows[0][0] == "Date" and len(rows) == 2
    assert rows[1][4] == "Nguyễn Thị Hoa" and rows[1][6] == 4 and rows[1][9] == "Confirmed"
    assert isinstance(rows[1][0], datetime) and isinstance(rows[1][11], datetime)


def test_export_table():
    data = rosters.export_table(["Phường", "Số hộ", "Ngày"],
                                [["Tích Sơn", 12, date(2026, 1, 2)], ["Liên Bảo", 3, None]],
                                title="Xếp hạng: tháng 1/2026")
    wb = load_workbook(io.BytesIO(data))
    assert wb.active.title == "Xếp hạng  tháng 1 2026"
    assert read(data)[1][:2] == ["Tích Sơn", 12] and read(data)[2] == ["Liên Bảo", 3, None]
