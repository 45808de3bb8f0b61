"""The leader's dashboard (city → ward → procedure → the dossiers behind a number), the
public dashboard (published indicators only) and their Excel exports, on the
hand-computed fixture of conftest.py (November 2026: Tích Sơn 2/3 online, Liên Bảo 0/1)."""

import io
from urllib.parse import parse_qs, urlparse

import lxml.html
import pytest
from openpyxl import load_workbook

from chinhquyenso.indicators import services
from chinhquyenso.indicators.models import Indicator, Legend
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_leader(city):
    return OfficialFactory(full_name="Lê Văn Thành", roles=[(Role.LEADER, city)]).user


@pytest.fixture
def targets(reporter):
    services.set_target(indicator=Indicator.objects.get(code="ho-so-truc-tuyen"), year=2026, value=90,
                        actor=reporter)


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return lxml.html.fromstring(response.content.decode())


def cell(doc, xpath) -> str:
    found = doc.xpath(xpath)
    assert found, xpath
    return " ".join(found[0].text_content().split())


def test_the_city_leader_opens_the_city_with_every_indicator_against_its_target(
        client, dossiers, city, ward, other_ward, city_leader, targets):
    client.force_login(city_leader)
    response = client.get("/chi-so/")
    assert response.status_code == 302 and response["Location"] == f"/chi-so/lanh-dao/don-vi/{city.pk}/"
    doc = page(client, f"/chi-so/lanh-dao/don-vi/{city.pk}/", period="2026-11")
    row = '//table[contains(@class,"indicators")]//tr[@data-indicator="ho-so-truc-tuyen"]'
    values = [" ".join(td.text_content().split()) for td in doc.xpath(row + "/td")][:5]
    assert values[0].startswith("50%")
    assert values[1:] == ["2", "4", "90", "-40"]
    # the legend colours the value: 50 is in the amber band (50–80) of the shipped legend
    amber = Legend.objects.get(indicator__code="ho-so-truc-tuyen", start=50)
    assert amber.colour in doc.xpath(row + "//span[@class='band']/@style")[0]
    assert cell(doc, '//table[contains(@class,"indicators")]//tr[@data-indicator="ho-so-dung-han"]/td[1]') \
        .startswith("66,67%")
    # every indicator is there, the reported ones too (without a value yet)
    shown = doc.xpath('//table[contains(@class,"indicators")]//tr/@data-indicator')
    assert set(shown) == set(Indicator.objects.values_list("code", flat=True))
    # per ward
    assert cell(doc, '//table[contains(@class,"units")]//tr[@data-unit="8707"]/td[@data-indicator='
                     '"ho-so-truc-tuyen"]').startswith("66,67%")
    assert cell(doc, '//table[contains(@class,"units")]//tr[@data-unit="8710"]/td[@data-indicator='
                     '"ho-so-truc-tuyen"]').startswith("0%")
    # the trend: 12 months ending in November, as a picture and a table
    assert len(doc.xpath('//tr[@data-indicator="ho-so-truc-tuyen"]//svg[@class="trend"]//circle')) == 2
    months = doc.xpath('//table[contains(@class,"trend-table")]//thead//th/text()')[1:]
    assert months[0] == "12/2025" and months[-1] == "11/2026"


def test_drill_down_from_the_city_to_the_dossiers_behind_a_number(
        client, dossiers, city, ward, city_leader, birth):
    client.force_login(city_leader)
    doc = page(client, f"/chi-so/lanh-dao/don-vi/{city.pk}/", period="2026-11")
    ward_link = doc.xpath('//table[contains(@class,"units")]//tr[@data-unit="8707"]/th/a/@href')[0]
    assert ward_link == f"/chi-so/lanh-dao/don-vi/{ward.pk}/?period=2026-11"

    assert doc.xpath('//p[@class="see-also"]/a/@href') == ["/ke-hoach/"]  # the plans, a click away
    doc = page(client, ward_link)
    assert "Phường Tích Sơn" in cell(doc, "//h1")
    assert not doc.xpath('//table[contains(@class,"units")]')  # a ward: no wards below
    procedure_row = f'//table[contains(@class,"procedures")]//tr[@data-procedure="{birth.code}"]'
    procedure_link = doc.xpath(procedure_row + "/th/a/@href")[0]
    late = doc.xpath(procedure_row + '/td[@data-indicator="ho-so-dung-han"]//a[@data-link="numerator"]')[0]
    assert late.text_content() == "2"

    doc = page(client, procedure_link)
    assert birth.name in cell(doc, "//h1")
    on_time = doc.xpath('//table[contains(@class,"indicators")]//tr[@data-indicator="ho-so-dung-han"]'
                        '//a[@data-link="numerator"]')[0]
    finished = doc.xpath('//table[contains(@class,"indicators")]//tr[@data-indicator="ho-so-dung-han"]'
                         '//a[@data-link="denominator"]')[0]
    assert (on_time.text_content(), finished.text_content()) == ("2", "3")
    query = parse_qs(urlparse(on_time.get("href")).query)
    assert query["set"] == ["finished_on_time"] and query["procedure"] == [str(birth.pk)]
    assert (query["from"], query["to"]) == (["2026-11-01"], ["2026-11-30"])

    listing = client.get(on_time.get("href")).content.decode()
    for name, expected in [("online_early", True), ("counter_on_time", True), ("online_late", False),
                           ("other_counter", False), ("not_received", False)]:
        assert (dossiers[name].code in listing) is expected, name
    assert "Phường Tích Sơn · 01/11/2026–30/11/2026" in listing  # the list says what it shows
    # Switching queue tab keeps the number's filter; so does the filter form.
    tabs = lxml.html.fromstring(listing).xpath('//nav[contains(@class,"tabs")]/a/@href')
    assert tabs and all("set=finished_on_time" in href and "from=2026-11-01" in href for href in tabs)
    assert lxml.html.fromstring(listing).xpath('//form[contains(@class,"filters")]//input[@name="set"]/@value') \
        == ["finished_on_time"]
    listing = client.get(finished.get("href")).content.decode()
    assert all(dossiers[n].code in listing for n in ("online_early", "online_late", "counter_on_time"))


def test_only_leaders_of_the_unit_see_its_dashboard(client, dossiers, city, ward, leader, counter):
    client.force_login(counter)
    assert client.get(f"/chi-so/lanh-dao/don-vi/{ward.pk}/").status_code == 403
    assert client.get("/chi-so/")["Location"] == "/chi-so/cong-khai/"
    client.force_login(leader)  # the ward's leader: the ward, not the city
    assert client.get("/chi-so/")["Location"] == f"/chi-so/lanh-dao/don-vi/{ward.pk}/"
    assert client.get(f"/chi-so/lanh-dao/don-vi/{ward.pk}/").status_code == 200
    assert client.get(f"/chi-so/lanh-dao/don-vi/{city.pk}/").status_code == 403
    client.logout()
    assert client.get(f"/chi-so/lanh-dao/don-vi/{ward.pk}/").status_code == 302


def test_the_public_dashboard_shows_published_indicators_only(client, dossiers, city, reporter):
    doc = page(client, "/chi-so/cong-khai/", period="2026-11")
    shown = set(doc.xpath('//li[contains(@class,"indicator-card")]/@data-indicator'))
    published = set(Indicator.objects.filter(is_published=True).values_list("code", flat=True))
    assert shown == published and "thue-bao-bang-rong" not in shown
    assert cell(doc, '//li[@data-indicator="ho-so-truc-tuyen"]//p[@class="big"]').startswith("50%")
    assert not doc.xpath('//a[contains(@href, "/can-bo/ho-so/")]')  # no way to the dossiers
    assert cell(doc, '//table[contains(@class,"units")]//tr[@data-unit="8707"]'
                     '/td[@data-indicator="ho-so-truc-tuyen"]').startswith("66,67%")

    services.publish(Indicator.objects.get(code="hai-long"), reporter, published=False)
    doc = page(client, "/chi-so/cong-khai/", period="2026-11", unit="8707")
    shown = set(doc.xpath('//li[contains(@class,"indicator-card")]/@data-indicator'))
    assert "hai-long" not in shown and "ho-so-truc-tuyen" in shown
    assert "Phường Tích Sơn" in cell(doc, "//h1")
    workbook = load_workbook(io.BytesIO(client.get("/chi-so/cong-khai/", {
        "period": "2026-11", "xlsx": "indicators"}).content))
    names = [row[0] for row in workbook.active.iter_rows(min_row=4, values_only=True)]
    assert "Tỷ lệ người dân hài lòng" not in names and "Tỷ lệ hồ sơ tiếp nhận trực tuyến" in names


def test_the_period_selector(client, dossiers, city, city_leader):
    client.force_login(city_leader)
    doc = page(client, f"/chi-so/lanh-dao/don-vi/{city.pk}/", year="2026", part="Q4")
    assert "2026-Q4" in cell(doc, "//h1")
    values = doc.xpath('//table[contains(@class,"indicators")]//tr[@data-indicator="ho-so-truc-tuyen"]/td')
    assert [v.text_content().strip() for v in values[1:3]] == ["3", "5"]  # October and November
    doc = page(client, f"/chi-so/lanh-dao/don-vi/{city.pk}/", period="2026-10")
    values = doc.xpath('//table[contains(@class,"indicators")]//tr[@data-indicator="ho-so-truc-tuyen"]/td')
    assert [v.text_content().strip() for v in values[1:3]] == ["1", "1"]
    assert page(client, f"/chi-so/lanh-dao/don-vi/{city.pk}/", period="nonsense") is not None


@pytest.mark.parametrize("key,title,first_row", [
    ("indicators", "Chỉ tiêu so với mục tiêu", None),
    ("units", None, ["Phường Tích Sơn"]),
    ("procedures", None, None),
    ("trend", None, None),
])
def test_every_table_exports_to_excel(client, dossiers, city, city_leader, birth, key, title, first_row):
    client.force_login(city_leader)
    response = client.get(f"/chi-so/lanh-dao/don-vi/{city.pk}/", {"period": "2026-11", "xlsx": key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith(f'-{key}-2026-11.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Thành phố Vĩnh Yên · 2026-11"
    body = rows[3:]
    if key == "indicators":
        online = next(r for r in body if r[0] == "Tỷ lệ hồ sơ tiếp nhận trực tuyến")
        assert online[1:6] == ("%", 50, 2, 4, None)
    if key == "units":
        assert [r[0] for r in body] == ["Phường Tích Sơn", "Phường Liên Bảo"]
        column = rows[2].index("Tỷ lệ hồ sơ tiếp nhận trực tuyến (%)")
        assert [r[column] for r in body] == [66.67, 0]
    if key == "procedures":
        assert body == [tuple(body[0])] and body[0][:2] == (birth.code, birth.name)
        assert body[0][2:5] == (50, 2, 4)
    if key == "trend":
        assert rows[2][1] == "12/2025" and rows[2][-1] == "11/2026"
    assert client.get(f"/chi-so/lanh-dao/don-vi/{city.pk}/", {"xlsx": "nothing"}).status_code == 404


def test_the_procedure_page_exports_its_tables(client, dossiers, ward, leader, birth):
    client.force_login(leader)
    url = f"/chi-so/lanh-dao/don-vi/{ward.pk}/thu-tuc/{birth.pk}/"
    sheet = load_workbook(io.BytesIO(client.get(url, {"period": "2026-11", "xlsx": "months"}).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    november = next(r for r in rows if r[0] == "11/2026")
    assert november[1:4] == (66.67, 2, 3)
    october = next(r for r in rows if r[0] == "10/2026")
    assert october[1:4] == (None, 0, 0)
