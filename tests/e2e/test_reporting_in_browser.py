"""A ward's specialist reports indicators on a phone: the broadband subscriptions of the
ward per provider through the form (the period chosen with the selectors, the current
value shown, the history of the value), then an Excel file of values in which one row
is wrong: the good rows are recorded, the bad one is listed with its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import Workbook

from chinhquyenso.indicators import value_import
from chinhquyenso.indicators.models import Indicator, IndicatorValue
from chinhquyenso.org.models import Role
from tests.factories import PASSWORD, OfficialFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 360


@pytest.fixture
def broadband(db):
    return Indicator.objects.create(
        code="tb-bang-rong-nha-mang", name="Tỷ lệ hộ có băng rộng cố định theo nhà mạng", unit="%",
        factor=100, source="reported", group="society", breakdown_label="Nhà mạng",
        breakdown_options=["Viettel", "VNPT", "FPT"])


@pytest.fixture
def computers(db):
    return Indicator.objects.create(code="cb-may-tinh-thu", name="Tỷ lệ cán bộ có máy tính", unit="%",
                                    factor=100, source="reported", group="officials")


@pytest.fixture
def specialist(ward):
    return OfficialFactory(full_name="Phạm Thị Lan", roles=[(Role.SPECIALIST, ward)]).user


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_specialist_reports_through_the_form_and_imports_a_file_with_a_bad_row(
        phone_page, tmp_path, ward, broadband, computers, specialist):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto("/dang-nhap/?next=/chi-so/bao-cao/")
    page.locator("input[name=username]").fill(specialist.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/chi-so/bao-cao/")
    assert fits_the_phone(page)

    # The form of the indicator: one numerator per provider, for the third quarter.
    page.locator(f'tr[data-indicator="{broadband.code}"] th a').click()
    page.wait_for_url(f"**/chi-so/bao-cao/{broadband.code}/")
    page.locator("select#year").select_option("2026")
    page.locator("select#part").select_option("Q3")
    page.locator('#report-values[data-period="2026-Q3"]').wait_for()  # swapped in place (HTMX)
    assert page.locator("form.report-form fieldset label").all_inner_texts() == ["Viettel", "VNPT", "FPT"]
    page.locator("#numerator_0").fill("400")
    page.locator("#numerator_1").fill("300")
    page.locator("#numerator_2").fill("100")
    page.locator("#denominator").fill("1.000")
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_url("**period=2026-Q3**")
    assert page.locator(".messages .message-success").count() == 1
    assert page.locator("p.current-value").get_attribute("data-value") == "80.00"
    assert page.locator("#numerator_0").input_value() == "400"
    assert fits_the_phone(page)

    # An Excel file: a correction of FPT, a new value, and a row with an unknown provider.
    book = Workbook()
    sheet = book.active
    sheet.append(list(value_import.HEADERS))
    sheet.append([broadband.code, ward.code, "2026-Q3", "FPT", 150, 1000])
    sheet.append([computers.code, ward.code, "2026", "", 28, 30])
    sheet.append([broadband.code, ward.code, "2026-Q3", "Mobifone", 50, 1000])
    path = tmp_path / "so-lieu-chi-so.xlsx"
    book.save(path)
    page.goto("/chi-so/bao-cao/nhap-excel/")
    page.locator("input#file").set_input_files(str(path))
    page.locator("form.import-form button[type=submit]").click()
    summary = page.locator(".import-result [data-accepted]")
    summary.wait_for()
    assert (summary.get_attribute("data-accepted"), summary.get_attribute("data-rejected")) == ("2", "1")
    rejected = page.locator("table.rejected tbody tr")
    assert rejected.count() == 1 and rejected.get_attribute("data-row") == "4"
    assert rejected.locator("li[data-reason]").get_attribute("data-reason") == "unknown_option"
    assert "Mobifone" in rejected.inner_text()
    outcomes = page.locator("table.accepted tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.row, r.dataset.outcome])")
    assert outcomes == [["2", "corrected"], ["3", "reported"]]
    assert fits_the_phone(page)

    # The history of the broadband value: FPT corrected from 100 to 150, the total with it.
    page.locator('table.accepted tr[data-row="2"] a').click()
    page.wait_for_url("**/lich-su/**")
    fpt = page.locator('section[data-breakdown="FPT"] tbody tr')
    assert [fpt.nth(i).get_attribute("data-state") for i in range(fpt.count())] == ["current", "corrected"]
    assert "10% → 15%" in fpt.first.inner_text()
    assert fits_the_phone(page)

    total = IndicatorValue.objects.get(indicator=broadband, unit=ward, breakdown="", superseded_by=None)
    assert (total.numerator, total.value) == (850, Decimal("85.00"))
    assert IndicatorValue.objects.get(indicator=computers, unit=ward).value == Decimal("93.33")
    assert errors == []
