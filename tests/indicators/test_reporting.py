"""Reported indicators: values reported by a unit through the form or an Excel import,
broken down by option (e.g. per provider) with their total, corrections that keep the
history, who may report for which unit, and every reason a row of an import is
rejected. The indicators are made here, not taken from the shipped catalogue."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.indicators import reporting_rules, services, value_import
from chinhquyenso.indicators.computation import compute, parse_period
from chinhquyenso.indicators.models import Indicator, IndicatorValue
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory, UnitFactory

pytestmark = pytest.mark.django_db

HEADER = list(value_import.HEADERS)
PROVIDERS = ["Viettel", "VNPT", "FPT"]


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture
def broadband(db):
    """Households with fixed broadband, per provider (a percentage)."""
    return Indicator.objects.create(
        code="tb-bang-rong-nha-mang", name="Tỷ lệ hộ có băng rộng cố định theo nhà mạng", unit="%",
        factor=100, source="reported", group="society", breakdown_label="Nhà mạng",
        breakdown_options=PROVIDERS)


@pytest.fixture
def computers(db):
    """Officials with a computer (a percentage, not broken down)."""
    return Indicator.objects.create(code="cb-may-tinh-thu", name="Tỷ lệ cán bộ có máy tính", unit="%",
                                    factor=100, source="reported", group="officials")


@pytest.fixture
def hotspots(db):
    """Public Wi-Fi hotspots (a count: no denominator)."""
    return Indicator.objects.create(code="diem-wifi-thu", name="Số điểm Wi-Fi công cộng", unit="điểm",
                                    factor=1, source="reported", group="society")


@pytest.fixture
def computed(db):
    return Indicator.objects.create(code="tinh-toan-thu", name="Chỉ số tính toán", unit="%", factor=100,
                                    source="computed")


@pytest.fixture
def ward_specialist(ward):
    return OfficialFactory(full_name="Phạm Thị Lan", roles=[(Role.SPECIALIST, ward)]).user


@pytest.fixture
def other_specialist(other_ward):
    return OfficialFactory(full_name="Đỗ Văn Hùng", roles=[(Role.SPECIALIST, other_ward)]).user


@pytest.fixture
def counter_officer(ward):
    return OfficialFactory(roles=[(Role.COUNTER_OFFICER, ward)]).user


def current(indicator, unit, period):
    p = parse_period(period)
    return {r.breakdown: r for r in IndicatorValue.objects.filter(
        indicator=indicator, unit=unit, period_start=p.start, period_end=p.end, superseded_by__isnull=True)}


def codes_of(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def whole(indicator, unit, period):
    p = parse_period(period)
    return compute(indicator, unit=unit, start=p.start, end=p.end)


# --- options and their total -------------------------------------------------------------------

def test_options_are_reported_separately_and_their_total_is_the_whole_indicator(
        broadband, ward, ward_specialist):
    report = services.report_values(indicator=broadband, unit=ward, period="2026-Q3",
                                    numerators={"Viettel": 400, "VNPT": "300"}, denominator=1000,
                                    actor=ward_specialist)
    assert [(w.row.breakdown, w.row.numerator, w.row.value) for w in report.written] == [
        ("Viettel", 400, Decimal("40.00")), ("VNPT", 300, Decimal("30.00")), ("", 700, Decimal("70.00"))]
    result = whole(broadband, ward, "2026-Q3")
    assert (result.numerator, result.denominator, result.value) == (700, 1000, Decimal("70.00"))

    # FPT later, alone: the other options keep their values, the total moves.
    fpt = services.report_value(indicator=broadband, unit=ward, period="2026-Q3", breakdown="fpt",
                                numerator=150, denominator=1000, actor=ward_specialist)
    assert fpt.breakdown == "FPT"  # the option as the indicator writes it
    now = current(broadband, ward, "2026-Q3")
    assert {k: r.numerator for k, r in now.items()} == {"Viettel": 400, "VNPT": 300, "FPT": 150, "": 850}
    assert whole(broadband, ward, "2026-Q3").value == Decimal("85.00")
    first_total = report.current[""]
    first_total.refresh_from_db()
    assert first_total.superseded_by == now[""]
    actions = list(AuditEntry.objects.filter(object_type="indicators.indicatorvalue")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["indicator.report"] * 3 + ["indicator.report", "indicator.correct"]


def test_a_correction_of_one_option_keeps_its_history_and_corrects_the_total(
        broadband, ward, ward_specialist, reporter):
    services.report_values(indicator=broadband, unit=ward, period="2026", actor=ward_specialist,
                           numerators={"Viettel": 400, "VNPT": 300, "FPT": 100}, denominator=1000)
    services.report_value(indicator=broadband, unit=ward, period="2026", breakdown="Viettel",
                          numerator=450, denominator=1000, actor=reporter)
    viettel = IndicatorValue.objects.filter(indicator=broadband, unit=ward, breakdown="Viettel").order_by("pk")
    assert [(r.numerator, r.superseded_by_id is None) for r in viettel] == [(400, False), (450, True)]
    assert viettel[0].superseded_by == viettel[1] and viettel[1].reported_by == reporter
    assert IndicatorValue.objects.filter(breakdown="VNPT").count() == 1  # untouched
    assert [r.numerator for r in IndicatorValue.objects.filter(breakdown="").order_by("pk")] == [800, 850]
    entry = AuditEntry.objects.filter(action="indicator.correct", object_id=str(viettel[1].pk)).get()
    assert entry.before["numerator"] == "400.00" and entry.after["numerator"] == "450.00"
    assert entry.after["breakdown"] == "Viettel"


def test_a_new_denominator_restates_the_other_options(broadband, ward, ward_specialist):
    services.report_values(indicator=broadband, unit=ward, period="2026", actor=ward_specialist,
                           numerators={"Viettel": 400, "VNPT": 300}, denominator=1000)
    services.report_value(indicator=broadband, unit=ward, period="2026", breakdown="VNPT",
                          numerator=300, denominator=1200, actor=ward_specialist)
    now = current(broadband, ward, "2026")
    assert {k: (r.numerator, r.denominator, r.value) for k, r in now.items()} == {
        "Viettel": (400, 1200, Decimal("33.33")), "VNPT": (300, 1200, Decimal("25.00")),
        "": (700, 1200, Decimal("58.33"))}


def test_the_same_numbers_again_write_nothing(broadband, computers, ward, ward_specialist):
    services.report_values(indicator=broadband, unit=ward, period="2026", actor=ward_specialist,
                           numerators={"Viettel": 400}, denominator=1000)
    services.report_value(indicator=computers, unit=ward, period="2026", numerator=30, denominator=30,
                          actor=ward_specialist)
    count = IndicatorValue.objects.count()
    again = services.report_values(indicator=broadband, unit=ward, period="2026", actor=ward_specialist,
                                   numerators={"Viettel": "400.00"}, denominator="1000")
    row = services.report_value(indicator=computers, unit=ward, period="2026", numerator=30,
                                denominator=30, actor=ward_specialist)
    assert again.written == [] and row.superseded_by is None
    assert IndicatorValue.objects.count() == count


def test_options_of_a_percentage_cannot_exceed_the_denominator_together(broadband, ward, ward_specialist):
    services.report_values(indicator=broadband, unit=ward, period="2026", actor=ward_specialist,
                           numerators={"Viettel": 600}, denominator=1000)
    with pytest.raises(ValidationError) as caught:
        services.report_value(indicator=broadband, unit=ward, period="2026", breakdown="VNPT",
                              numerator=500, denominator=1000, actor=ward_specialist)
    assert codes_of(caught.value) == {"denominator": ["options_exceed_denominator"]}
    assert not IndicatorValue.objects.filter(breakdown="VNPT").exists()


def test_options_must_be_the_indicators(broadband, computers, ward, ward_specialist):
    for numerators, expected in [({"Mobifone": 1}, "unknown_option"), ({"": 1}, "option_required")]:
        with pytest.raises(ValidationError) as caught:
            services.report_values(indicator=broadband, unit=ward, period="2026", numerators=numerators,
                                   denominator=10, actor=ward_specialist)
        assert codes_of(caught.value) == {"breakdown": [expected]}
    with pytest.raises(ValidationError) as caught:
        services.report_value(indicator=computers, unit=ward, period="2026", breakdown="Viettel",
                              numerator=1, denominator=10, actor=ward_specialist)
    assert codes_of(caught.value) == {"breakdown": ["no_options"]}
    assert not IndicatorValue.objects.exists()


def test_the_numbers_of_a_value(computers, hotspots, ward, ward_specialist):
    cases = [(None, 10, {"numerator": ["missing"]}), (5, None, {"denominator": ["missing"]}),
             ("abc", 10, {"numerator": ["not_a_number"]}), (-1, 10, {"numerator": ["negative"]}),
             (1, 0, {"denominator": ["not_positive"]}), (11, 10, {"numerator": ["exceeds_denominator"]})]
    for numerator, denominator, expected in cases:
        with pytest.raises(ValidationError) as caught:
            services.report_value(indicator=computers, unit=ward, period="2026", numerator=numerator,
                                  denominator=denominator, actor=ward_specialist)
        assert codes_of(caught.value) == expected, (numerator, denominator)
    # A count needs no denominator, and may exceed one.
    row = services.report_value(indicator=hotspots, unit=ward, period="2026", numerator=12,
                                denominator=None, actor=ward_specialist)
    assert (row.value, row.denominator) == (Decimal("12.00"), None)
    assert IndicatorValue.objects.count() == 1


@pytest.mark.parametrize("text, number", [
    ("1.234", Decimal("1234")), ("1 234", Decimal("1234")), ("1.234.567", Decimal("1234567")),
    ("12,5", Decimal("12.5")), ("1.234,5", Decimal("1234.5")), ("1,234.5", Decimal("1234.5")),
    ("0.125", Decimal("0.125")), ("860", Decimal("860")), ("1\u00a0234", Decimal("1234")),
    (860.0, Decimal("860.0")), ("", None), ("  ", None)])
def test_numbers_are_read_as_officials_write_them(text, number):
    assert reporting_rules.read_number(text) == number


def test_a_value_for_a_period_to_come_or_a_unit_that_did_not_exist_is_refused(computers, city, ward_specialist):
    old = UnitFactory(code="8790", name="Phường Cũ", parent=city, valid_from=date(2006, 12, 1),
                      valid_to=date(2025, 6, 30))
    admin = OfficialFactory(roles=[(Role.UNIT_ADMIN, city)]).user
    with pytest.raises(ValidationError) as caught:
        services.report_value(indicator=computers, unit=old, period="2026", numerator=1, denominator=2,
                              actor=admin)
    assert codes_of(caught.value) == {"unit": ["unit_not_in_force"]}
    row = services.report_value(indicator=computers, unit=old, period="2025-Q1", numerator=1,
                                denominator=2, actor=admin)
    assert row.unit == old
    with pytest.raises(ValidationError) as caught:
        services.report_value(indicator=computers, unit=city, period="2099", numerator=1, denominator=2,
                              actor=admin)
    assert codes_of(caught.value) == {"period": ["future_period"]}


# --- who may report ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN])
def test_the_officials_of_a_unit_report_its_figures(role, computers, ward):
    user = OfficialFactory(roles=[(role, ward)]).user
    assert services.report_value(indicator=computers, unit=ward, period="2026", numerator=1,
                                 denominator=2, actor=user).reported_by == user


@pytest.mark.parametrize("role", [Role.COUNTER_OFFICER, Role.CLERK, Role.COMMUNITY_MEMBER, Role.AUDITOR])
def test_other_officials_do_not_report(role, computers, ward):
    user = OfficialFactory(roles=[(role, ward)]).user
    with pytest.raises(PermissionDenied):
        services.report_value(indicator=computers, unit=ward, period="2026", numerator=1, denominator=2,
                              actor=user)


def test_a_ward_reports_its_own_figures_the_city_its_wards(computers, city, ward, other_ward,
                                                           ward_specialist, reporter):
    with pytest.raises(PermissionDenied):
        services.report_value(indicator=computers, unit=other_ward, period="2026", numerator=1,
                              denominator=2, actor=ward_specialist)
    with pytest.raises(PermissionDenied):
        services.report_value(indicator=computers, unit=city, period="2026", numerator=1,
                              denominator=2, actor=ward_specialist)
    services.report_value(indicator=computers, unit=other_ward, period="2026", numerator=1,
                          denominator=2, actor=reporter)  # a unit administrator of the city
    assert [u.code for u in reporting_rules.reportable_units(ward_specialist)] == [ward.code]
    assert [u.code for u in reporting_rules.reportable_units(reporter)] == [city.code, ward.code,
                                                                            other_ward.code]


# --- the Excel import --------------------------------------------------------------------------

def xlsx(rows, header=HEADER, title_rows=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in title_rows:
        sheet.append(list(row))
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def reasons(result) -> dict[int, list[str]]:
    return {row.number: row.codes for row in result.rejected}


def test_an_import_accepts_the_good_rows_and_rejects_each_bad_one_with_its_reasons(
        broadband, computers, hotspots, computed, ward, other_ward, ward_specialist):
    data = xlsx([
        [broadband.code, ward.code, "2026-Q3", "Viettel", 400, 1000],       # 2 ok
        [broadband.code, ward.code, "2026-Q3", "vnpt", "300", "1.000"],     # 3 ok ("1.000" = 1000)
        [computers.code, ward.code, "2026", "", 28, 30],                    # 4 ok
        [hotspots.code, ward.code, "2026", None, 12, None],                 # 5 ok: a count
        ["khong-co", ward.code, "2026", "", 1, 2],                          # 6 unknown indicator
        [computed.code, ward.code, "2026", "", 1, 2],                       # 7 computed
        [computers.code, "99999", "2026", "", 1, 2],                        # 8 unknown unit
        [computers.code, other_ward.code, "2026", "", 1, 2],                # 9 not the user's unit
        [computers.code, ward.code, "2026-13", "", 1, 2],                   # 10 bad period
        [broadband.code, ward.code, "2026", "Mobifone", 1, 2],              # 11 unknown option
        [computers.code, ward.code, "2026-01", "", "nhiều", 2],             # 12 not a number
        [computers.code, ward.code, "2026-02", "", -3, 2],                  # 13 negative
        [computers.code, ward.code, "2026-03", "", 31, 30],                 # 14 above the denominator
        [computers.code, ward.code, "2026-04", "", None, 30],               # 15 missing numerator
        [None, ward.code, "2026-05", "", 1, 30],                            # 16 missing indicator
        [computers.code, ward.code, "2026-06", "", 5, 0],                   # 17 zero denominator
        [computers.code, ward.code, "2026-07", "", 5, None],                # 18 missing denominator
        [broadband.code, ward.code, "2026", "", 5, 10],                     # 19 option missing
        [computers.code, ward.code, "2026", "Viettel", 5, 10],              # 20 no options
        [computers.code, ward.code, "2099", "", 5, 10],                     # 21 a period to come
        [None, None, None, None, None, None],                               # (an empty line)
        [computers.code, ward.code, "2026-08", "", 5, 10],                  # 23 duplicate …
        [computers.code, ward.code, "2026-08", "", 6, 10],                  # 24 … of each other
    ])
    result = services.import_values(file=data, actor=ward_specialist, file_name="bao-cao.xlsx")
    assert result.problems == []
    assert reasons(result) == {
        6: ["unknown_indicator"], 7: ["computed_indicator"], 8: ["unknown_unit"], 9: ["unit_not_allowed"],
        10: ["bad_period"], 11: ["unknown_option"], 12: ["not_a_number"], 13: ["negative"],
        14: ["exceeds_denominator"], 15: ["missing"], 16: ["missing"], 17: ["not_positive"],
        18: ["missing"], 19: ["option_required"], 20: ["no_options"], 21: ["future_period"],
        23: ["duplicate"], 24: ["duplicate"]}
    assert [(r.number, r.outcome) for r in result.accepted] == [(2, "reported"), (3, "reported"),
                                                               (4, "reported"), (5, "reported")]
    rejected = {r.number: r for r in result.rejected}
    assert rejected[14].reasons[0].column == "Tử số"
    assert rejected[8].reasons[0].message  # a sentence for the official
    assert {k: r.numerator for k, r in current(broadband, ward, "2026-Q3").items()} == {
        "Viettel": 400, "VNPT": 300, "": 700}
    assert whole(computers, ward, "2026").value == Decimal("93.33")
    assert whole(hotspots, ward, "2026").value == Decimal("12.00")
    assert result.values_written == 5  # two options, their total, two values
    # One audit entry per value, one for the import.
    assert AuditEntry.objects.filter(action="indicator.report").count() == 5
    entry = AuditEntry.objects.get(action="indicator.import")
    assert entry.after == {"file": "bao-cao.xlsx", "rows": 22, "accepted": 4, "rejected": 18,
                           "values_written": 5}
    assert entry.actor == ward_specialist


def test_an_import_again_corrects_and_leaves_the_same_values_unchanged(computers, broadband, ward,
                                                                      ward_specialist):
    first = xlsx([[computers.code, ward.code, "2026", "", 28, 30],
                  [broadband.code, ward.code, "2026", "Viettel", 400, 1000]])
    services.import_values(file=first, actor=ward_specialist)
    again = xlsx([[computers.code, ward.code, "2026", "", 29, 30],
                  [broadband.code, ward.code, "2026", "Viettel", 400, 1000]])
    result = services.import_values(file=again, actor=ward_specialist)
    assert [r.outcome for r in result.rows] == ["corrected", "unchanged"]
    chain = IndicatorValue.objects.filter(indicator=computers).order_by("pk")
    assert [(r.numerator, r.superseded_by_id is None) for r in chain] == [(28, False), (29, True)]


def test_options_of_one_unit_and_period_share_their_denominator(broadband, computers, ward,
                                                                ward_specialist):
    data = xlsx([[broadband.code, ward.code, "2026", "Viettel", 400, 1000],
                 [broadband.code, ward.code, "2026", "VNPT", 300, 1100],
                 [computers.code, ward.code, "2026", "", 28, 30]])
    result = services.import_values(file=data, actor=ward_specialist)
    assert reasons(result) == {2: ["denominator_mismatch"], 3: ["denominator_mismatch"]}
    assert not IndicatorValue.objects.filter(indicator=broadband).exists()
    assert IndicatorValue.objects.filter(indicator=computers).count() == 1


def test_a_group_refused_with_the_values_already_reported_leaves_the_other_rows(
        broadband, computers, ward, ward_specialist):
    services.report_values(indicator=broadband, unit=ward, period="2026", actor=ward_specialist,
                           numerators={"Viettel": 700}, denominator=1000)
    data = xlsx([[broadband.code, ward.code, "2026", "VNPT", 400, 1000],   # 700 + 400 > 1000
                 [computers.code, ward.code, "2026", "", 28, 30]])
    result = services.import_values(file=data, actor=ward_specialist)
    assert reasons(result) == {2: ["options_exceed_denominator"]}
    assert [r.outcome for r in result.accepted] == ["reported"]
    assert not IndicatorValue.objects.filter(breakdown="VNPT").exists()
    assert current(broadband, ward, "2026")[""].numerator == 700
    assert IndicatorValue.objects.filter(indicator=computers).count() == 1


def test_a_unit_code_is_the_unit_in_force_in_the_period(computers, city):
    """After the 2025 reform a code can belong to a new unit: the period decides."""
    old = UnitFactory(code="8799", name="Phường Trước", parent=city, valid_to=date(2025, 6, 30))
    new = UnitFactory(code="8799", name="Phường Sau", parent=city, valid_from=date(2025, 7, 1))
    gone = UnitFactory(code="8798", name="Phường Đã Nhập", parent=city, valid_to=date(2025, 6, 30))
    padded = UnitFactory(code="00004", name="Phường Số Không", parent=city)
    admin = OfficialFactory(roles=[(Role.UNIT_ADMIN, city)]).user
    data = xlsx([[computers.code, "8799", "2025-Q1", "", 1, 2],
                 [computers.code, "8799", "2025-Q4", "", 1, 2],
                 [computers.code, "8798", "2026", "", 1, 2],
                 [computers.code, 4, "2026", "", 1, 2]])  # a number cell: "00004" lost its zeros
    result = services.import_values(file=data, actor=admin)
    assert reasons(result) == {4: ["unit_not_in_force"]}
    assert [r.unit for r in result.accepted] == [old, new, padded]
    assert not IndicatorValue.objects.filter(unit=gone).exists()


@pytest.mark.parametrize("cell, label", [
    ("2026", "2026"), (2026, "2026"), ("2026-Q3", "2026-Q3"), ("2026-q3", "2026-Q3"),
    ("Quý 3/2026", "2026-Q3"), ("Q3/2026", "2026-Q3"), ("2026-11", "2026-11"), ("11/2026", "2026-11"),
    ("Tháng 11/2026", "2026-11"), ("Năm 2026", "2026"), (datetime(2026, 11, 1), "2026-11")])
def test_periods_as_officials_write_them(cell, label):
    assert value_import.read_period(cell).label == label


@pytest.mark.parametrize("cell", ["2026-13", "Q5/2026", "26", "abc", datetime(2026, 11, 5), 2026.5])
def test_what_is_not_a_period(cell):
    with pytest.raises(ValueError):
        value_import.read_period(cell)


def test_the_header_may_be_anywhere_near_the_top_in_any_order(computers, ward, ward_specialist):
    header = ["Tên chỉ số", "mẫu số", "TỬ SỐ", "Kỳ", "Mã đơn vị", "Mã chỉ số"]
    data = xlsx([["Cán bộ có máy tính", 30, 28, "2026", ward.code, computers.code]], header=header,
                title_rows=[["BÁO CÁO SỐ LIỆU CHỈ SỐ"], []])
    result = services.import_values(file=data, actor=ward_specialist)
    assert [(r.number, r.numerator, r.denominator) for r in result.accepted] == [(4, 28, 30)]


@pytest.mark.parametrize("data, fragment", [
    (b"not an excel file", "not an Excel workbook"),
    (xlsx([[1, 2]], header=["Một", "Hai"]), "header row was not found"),
    (xlsx([["x", "8707", "2026", 1]], header=["Mã chỉ số", "Mã đơn vị", "Kỳ báo cáo", "Tử số", "Tử số"]),
     "appears twice"),
    (xlsx([["x", "2026", 1]], header=["Mã chỉ số", "Kỳ báo cáo", "Tử số"]), "Mã đơn vị"),
    (xlsx([]), "no values"),
])
def test_a_file_that_cannot_be_read_imports_nothing(data, fragment, computers, ward_specialist):
    with translation.override("en"):
        result = services.import_values(file=data, actor=ward_specialist)
    assert any(fragment in problem for problem in result.problems), result.problems
    assert result.rows == [] and not IndicatorValue.objects.exists()
    assert not AuditEntry.objects.filter(action="indicator.import").exists()


def test_the_template_lists_the_reported_indicators_and_the_officials_units(
        broadband, computers, computed, ward, other_ward, ward_specialist):
    book = load_workbook(io.BytesIO(value_import.template_workbook(ward_specialist)))
    values, catalogue = book.worksheets
    assert [c.value for c in values[1]] == HEADER
    cells = [[c for c in row if c is not None] for row in catalogue.iter_rows(values_only=True)]
    by_code = {row[0]: row for row in cells if row}
    assert "Viettel; VNPT; FPT" in by_code[broadband.code]
    assert computers.code in by_code and computed.code not in by_code
    assert by_code[ward.code] == [ward.code, ward.name]
    assert other_ward.code not in by_code


def test_the_filled_template_imports(broadband, ward, ward_specialist):
    book = load_workbook(io.BytesIO(value_import.template_workbook(ward_specialist)))
    sheet = book.worksheets[0]
    for row in ([broadband.code, ward.code, "2026-Q2", "Viettel", 400, 1000],
                [broadband.code, ward.code, "2026-Q2", "FPT", 100, 1000]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    result = services.import_values(file=out.getvalue(), actor=ward_specialist)
    assert result.rejected == [] and len(result.accepted) == 2
    assert whole(broadband, ward, "2026-Q2").value == Decimal("50.00")


# --- pages -------------------------------------------------------------------------------------

def doc(response):
    return lxml.html.fromstring(response.content.decode())


def test_the_reporting_pages_are_for_those_who_report(client, broadband, ward_specialist, counter_officer):
    for url in ("/chi-so/bao-cao/", f"/chi-so/bao-cao/{broadband.code}/", "/chi-so/bao-cao/nhap-excel/",
                "/chi-so/bao-cao/nhap-excel/mau/"):
        assert client.get(url).status_code == 302  # to the login
        client.force_login(counter_officer)
        assert client.get(url).status_code == 403
        client.force_login(ward_specialist)
        assert client.get(url).status_code == 200
        client.logout()


def test_the_list_shows_the_reported_indicators_and_links_to_their_forms(
        client, broadband, computers, computed, ward, ward_specialist):
    client.force_login(ward_specialist)
    page = doc(client.get("/chi-so/bao-cao/"))
    codes = page.xpath("//table[contains(@class,'reported-indicators')]//tr/@data-indicator")
    assert set(codes) >= {broadband.code, computers.code} and computed.code not in codes
    assert page.xpath(f"//a[@href='/chi-so/bao-cao/{broadband.code}/']")
    assert ward.name in page.xpath("string(//ul[@class='unit-list'])")


def test_the_form_has_one_numerator_per_option_and_records_them(client, broadband, ward, ward_specialist):
    client.force_login(ward_specialist)
    page = doc(client.get(f"/chi-so/bao-cao/{broadband.code}/", {"period": "2026-Q3"}))
    labels = page.xpath("//form[contains(@class,'report-form')]//fieldset//label/text()")
    assert labels == PROVIDERS
    assert page.xpath("//input[@name='period']/@value") == ["2026-Q3"]

    response = client.post(f"/chi-so/bao-cao/{broadband.code}/", {
        "unit": ward.pk, "period": "2026-Q3", "numerator_0": "400", "numerator_1": "300",
        "numerator_2": "", "denominator": "1.000"})
    assert response.status_code == 302
    assert response["Location"] == f"/chi-so/bao-cao/{broadband.code}/?unit={ward.pk}&period=2026-Q3"
    assert {k: r.numerator for k, r in current(broadband, ward, "2026-Q3").items()} == {
        "Viettel": 400, "VNPT": 300, "": 700}
    page = doc(client.get(response["Location"]))
    assert page.xpath("//p[contains(@class,'current-value')]/@data-value") == ["70.00"]
    assert page.xpath("//input[@name='numerator_0']/@value") == ["400"]
    assert page.xpath("//input[@name='denominator']/@value") == ["1000"]
    assert page.xpath("//ul[@class='messages']/li[contains(@class,'message-success')]")


def test_the_form_says_what_is_wrong_next_to_the_field(client, broadband, computers, ward, ward_specialist):
    client.force_login(ward_specialist)
    response = client.post(f"/chi-so/bao-cao/{broadband.code}/", {
        "unit": ward.pk, "period": "2026", "numerator_0": "1200", "numerator_1": "-1", "denominator": "1000"})
    assert response.status_code == 400
    page = doc(response)
    assert page.xpath("//p[@id='numerator_0-error']") and page.xpath("//p[@id='numerator_1-error']")
    assert page.xpath("//input[@name='numerator_0']/@value") == ["1200"]  # kept for correcting
    response = client.post(f"/chi-so/bao-cao/{computers.code}/", {
        "unit": ward.pk, "period": "2026", "numerator": "5", "denominator": "0"})
    assert response.status_code == 400
    assert doc(response).xpath("//p[@id='denominator-error']")
    assert not IndicatorValue.objects.exists()


def test_the_form_reports_only_for_the_officials_units(client, computers, ward, other_ward, ward_specialist):
    client.force_login(ward_specialist)
    page = doc(client.get(f"/chi-so/bao-cao/{computers.code}/", {"unit": other_ward.pk}))
    assert page.xpath("//select[@id='unit']/option/@value") == [str(ward.pk)]
    response = client.post(f"/chi-so/bao-cao/{computers.code}/", {
        "unit": other_ward.pk, "period": "2026", "numerator": "5", "denominator": "10"})
    assert response.status_code == 400
    assert not IndicatorValue.objects.exists()


def test_reporting_the_same_values_again_says_nothing_changed(client, computers, ward, ward_specialist):
    client.force_login(ward_specialist)
    form = {"unit": ward.pk, "period": "2026", "numerator": "28", "denominator": "30"}
    client.post(f"/chi-so/bao-cao/{computers.code}/", form)
    response = client.post(f"/chi-so/bao-cao/{computers.code}/", form, follow=True)
    assert doc(response).xpath("//li[contains(@class,'message-info')]")
    assert IndicatorValue.objects.count() == 1


def test_the_history_shows_each_correction_before_and_after(client, broadband, ward, ward_specialist,
                                                            reporter, other_specialist):
    services.report_values(indicator=broadband, unit=ward, period="2026", actor=ward_specialist,
                           numerators={"Viettel": 400, "VNPT": 300}, denominator=1000)
    services.report_value(indicator=broadband, unit=ward, period="2026", breakdown="Viettel",
                          numerator=450, denominator=1000, actor=reporter)
    url = f"/chi-so/bao-cao/{broadband.code}/lich-su/?unit={ward.pk}&period=2026"
    client.force_login(other_specialist)
    assert client.get(url).status_code == 403
    client.force_login(ward_specialist)
    page = doc(client.get(url))
    viettel = page.xpath("//section[@data-breakdown='Viettel']//tbody/tr")
    assert [tr.get("data-state") for tr in viettel] == ["current", "corrected"]
    newest = " ".join(viettel[0].text_content().split())
    assert "Trần Văn Báo" in newest and "40% → 45%" in newest
    total = page.xpath("//section[@data-breakdown='']//tbody/tr")
    assert len(total) == 2 and "70% → 75%" in " ".join(total[0].text_content().split())
    assert "Phạm Thị Lan" in " ".join(viettel[1].text_content().split())


def test_the_import_page_lists_accepted_and_rejected_rows(client, computers, ward, ward_specialist):
    client.force_login(ward_specialist)
    upload = io.BytesIO(xlsx([[computers.code, ward.code, "2026", "", 28, 30],
                              [computers.code, ward.code, "2026-Q1", "", 31, 30]]))
    upload.name = "so-lieu.xlsx"
    response = client.post("/chi-so/bao-cao/nhap-excel/", {"file": upload})
    assert response.status_code == 200
    page = doc(response)
    assert page.xpath("//table[contains(@class,'accepted')]//tr/@data-row") == ["2"]
    assert page.xpath("//table[contains(@class,'rejected')]//tr/@data-row") == ["3"]
    assert page.xpath("//table[contains(@class,'rejected')]//li/@data-reason") == ["exceeds_denominator"]
    assert IndicatorValue.objects.count() == 1

    bad = io.BytesIO(b"plain text")
    bad.name = "so-lieu.xlsx"
    response = client.post("/chi-so/bao-cao/nhap-excel/", {"file": bad})
    assert response.status_code == 400
    assert doc(response).xpath("//div[contains(@class,'alert-error')]")


def test_the_template_is_downloaded(client, computers, ward_specialist):
    client.force_login(ward_specialist)
    response = client.get("/chi-so/bao-cao/nhap-excel/mau/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == HEADER


def test_the_leaders_dashboard_leads_to_the_reporting_pages(client, city):
    leader = OfficialFactory(roles=[(Role.LEADER, city)]).user
    client.force_login(leader)
    page = doc(client.get(f"/chi-so/lanh-dao/don-vi/{city.pk}/"))
    assert page.xpath("//a[@data-link='report']/@href") == ["/chi-so/bao-cao/"]
    assert client.get("/chi-so/bao-cao/").status_code == 200
