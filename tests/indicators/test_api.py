"""The public indicators API: a contract others build on (shape, CSV, 404, 400)."""

import csv
import io

import pytest

from chinhquyenso.indicators import services
from chinhquyenso.indicators.models import Indicator

pytestmark = pytest.mark.django_db

URL = "/api/v1/public/indicators"
VALUE_KEYS = {"unit", "unit_name", "period", "value", "numerator", "denominator", "target", "source"}


def test_list_shows_published_indicators_only(client, reporter):
    body = client.get(URL).json()
    codes = [i["code"] for i in body]
    assert "ho-so-truc-tuyen" in codes and "dien-thoai-thong-minh" not in codes
    assert set(body[0]) == {"code", "name", "unit", "definition"}
    services.publish(Indicator.objects.get(code="dien-thoai-thong-minh"), reporter)
    services.publish(Indicator.objects.get(code="hai-long"), reporter, published=False)
    codes = [i["code"] for i in client.get(URL).json()]
    assert "dien-thoai-thong-minh" in codes and "hai-long" not in codes


def test_values_for_the_city_and_its_wards(client, dossiers, reporter):
    services.set_target(indicator=Indicator.objects.get(code="ho-so-truc-tuyen"), year=2026, value=90,
                        actor=reporter)
    response = client.get(f"{URL}/ho-so-truc-tuyen", {"period": "2026-11"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["code"], body["name"], body["unit"]) == (
        "ho-so-truc-tuyen", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "%")
    assert set(body) == {"code", "name", "unit", "values"}
    assert all(set(v) == VALUE_KEYS for v in body["values"])
    assert [(v["unit"], v["unit_name"], v["period"], v["value"], v["numerator"], v["denominator"],
             v["target"], v["source"]) for v in body["values"]] == [
        ("243", "Thành phố Vĩnh Yên", "2026-11", 50, 2, 4, 90, "computed"),
        ("8707", "Phường Tích Sơn", "2026-11", 66.67, 2, 3, 90, "computed"),
        ("8710", "Phường Liên Bảo", "2026-11", 0, 0, 1, 90, "computed"),
    ]


def test_values_for_one_unit_and_a_year(client, dossiers):
    body = client.get(f"{URL}/ho-so-truc-tuyen", {"period": "2026", "unit": "243"}).json()
    assert body["values"] == [{"unit": "243", "unit_name": "Thành phố Vĩnh Yên", "period": "2026",
                               "value": 60, "numerator": 3, "denominator": 5, "target": None,
                               "source": "computed"}]
    assert client.get(f"{URL}/ho-so-truc-tuyen", {"period": "2026", "unit": "9999"}).status_code == 404


def test_csv_has_the_same_values(client, dossiers):
    response = client.get(f"{URL}/ho-so-dung-han.csv", {"period": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["code", "unit", "unit_name", "period", "value", "numerator", "denominator",
                       "target", "source"]
    assert rows[1:] == [
        ["ho-so-dung-han", "243", "Thành phố Vĩnh Yên", "2026-11", "66.67", "2", "3", "", "computed"],
        ["ho-so-dung-han", "8707", "Phường Tích Sơn", "2026-11", "66.67", "2", "3", "", "computed"],
        ["ho-so-dung-han", "8710", "Phường Liên Bảo", "2026-11", "", "0", "0", "", "computed"],
    ]


def test_reported_values_with_the_national_target(client, ward, reporter):
    smartphones = Indicator.objects.get(code="dien-thoai-thong-minh")
    services.report_value(indicator=smartphones, unit=ward, period="2025", numerator=860, denominator=1000,
                          actor=reporter)
    assert client.get(f"{URL}/dien-thoai-thong-minh", {"period": "2025"}).status_code == 404  # unpublished
    assert client.get(f"{URL}/dien-thoai-thong-minh.csv", {"period": "2025"}).status_code == 404
    services.publish(smartphones, reporter)
    body = client.get(f"{URL}/dien-thoai-thong-minh", {"period": "2025", "unit": "8707"}).json()
    assert body["values"] == [{"unit": "8707", "unit_name": "Phường Tích Sơn", "period": "2025",
                               "value": 86, "numerator": 860, "denominator": 1000, "target": 80,
                               "source": "reported"}]


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_errors(client, city, suffix):
    assert client.get(f"{URL}/khong-co{suffix}").status_code == 404
    for period in ["2026-13", "2026-Q5", "11-2026", "x"]:
        response = client.get(f"{URL}/ho-so-truc-tuyen{suffix}", {"period": period})
        assert response.status_code == 400, period
        assert "detail" in response.json()
