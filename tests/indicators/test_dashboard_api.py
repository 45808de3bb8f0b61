"""The leader's dashboard as JSON (/api/v1/indicators/dashboard/...), on the hand-computed
fixture of conftest.py (November 2026: Tích Sơn 2/3 received online, Liên Bảo 0/1, the
city 2/4): the answers hold the declared schema, the figures, the links to the dossiers
behind a number and the same rights as the pages."""

from urllib.parse import parse_qs, urlparse

import pytest

from chinhquyenso.indicators import services
from chinhquyenso.indicators.api import DashboardOut, ProcedureDashboardOut
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_leader(city):
    return OfficialFactory(full_name="Lê Văn Thành", roles=[(Role.LEADER, city)]).user


def _row(board, code):
    return next(row for row in board["indicators"] if row["code"] == code)


def test_the_city_dashboard_answers_every_indicator_per_ward_with_its_target_and_trend(
        client, dossiers, city, ward, other_ward, city_leader, reporter):
    services.set_target(indicator=Indicator.objects.get(code="ho-so-truc-tuyen"), year=2026, value=90,
                        actor=reporter)
    client.force_login(city_leader)
    response = client.get(f"/api/v1/indicators/dashboard/{city.pk}", {"period": "2026-11"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    board = response.json()
    DashboardOut.model_validate(board)  # the shape the OpenAPI document declares
    assert (board["unit"], board["period"]) == (city.code, "2026-11")
    assert len(board["indicators"]) == Indicator.objects.count()

    online = _row(board, "ho-so-truc-tuyen")
    assert (online["figure"]["numerator"], online["figure"]["denominator"]) == (2, 4)
    assert online["figure"]["value"] == 50 and online["figure"]["target"] == 90
    assert online["figure"]["gap"] == -40
    by_ward = {u["unit"]: (u["numerator"], u["denominator"]) for u in online["units"]}
    assert by_ward == {ward.code: (2, 3), other_ward.code: (0, 1)}
    trend = dict(online["trend"])
    assert len(trend) == 12 and trend["2026-11"] == 50 and trend["2026-10"] == 100  # October: 1/1

    link = urlparse(online["figure"]["numerator_url"])
    query = parse_qs(link.query)
    assert (query["set"], query["from"], query["to"]) == (["received_online"], ["2026-11-01"], ["2026-11-30"])
    listing = client.get(online["figure"]["numerator_url"]).content.decode()
    assert listing.count("/ho-so/") >= 2

    procedures = {p["code"]: p for p in board["procedures"]}
    birth = procedures["1.001193"]
    assert (birth["figures"]["ho-so-truc-tuyen"]["numerator"],
            birth["figures"]["ho-so-truc-tuyen"]["denominator"]) == (2, 4)


def test_the_procedure_drill_down_answers_the_period_and_each_month(
        client, dossiers, city, ward, city_leader, birth):
    client.force_login(city_leader)
    response = client.get(f"/api/v1/indicators/dashboard/{ward.pk}/procedures/{birth.pk}",
                          {"period": "2026"})
    assert response.status_code == 200
    board = response.json()
    ProcedureDashboardOut.model_validate(board)
    assert (board["procedure"], board["period"]) == (birth.code, "2026")
    on_time = board["figures"]["ho-so-dung-han"]
    assert (on_time["numerator"], on_time["denominator"]) == (2, 3)
    months = dict(board["months"])
    assert months["2026-11"]["ho-so-truc-tuyen"]["denominator"] == 3
    assert months["2026-10"]["ho-so-truc-tuyen"]["denominator"] == 0


def test_the_dashboard_api_keeps_the_pages_rights_and_refuses_bad_input(
        client, dossiers, city, ward, leader, counter, birth):
    url = f"/api/v1/indicators/dashboard/{ward.pk}"
    assert client.get(url).status_code == 401
    client.force_login(counter)
    assert client.get(url).status_code == 403
    client.force_login(leader)  # the ward's leader: the ward, not the city
    assert client.get(url, {"period": "2026-11"}).status_code == 200
    assert client.get(f"/api/v1/indicators/dashboard/{city.pk}").status_code == 403
    bad = client.get(url, {"period": "2026-13"})
    assert bad.status_code == 400 and "YYYY" in bad.json()["detail"]
    assert client.get("/api/v1/indicators/dashboard/999999").status_code == 404
    assert client.get(f"{url}/procedures/999999").status_code == 404
