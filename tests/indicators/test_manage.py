"""The city's choices about its indicators: publication, targets (every unit, a level,
one unit) and legends, through the management pages and services; each change audited,
refused to those who do not manage the indicators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.indicators import queries, services
from chinhquyenso.indicators.models import Indicator, Legend, Target
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db
LIST = "/chi-so/quan-ly/"


@pytest.fixture
def city_leader(city, ward):
    return OfficialFactory(full_name="Lê Văn Thành", roles=[(Role.LEADER, city)]).user


def page(code: str) -> str:
    return f"{LIST}{code}/"


def test_only_the_citys_leaders_and_it_officer_manage_the_indicators(client, city, ward, city_leader):
    assert client.get(LIST).status_code == 302  # to the login page
    for roles in ([(Role.LEADER, ward)], [(Role.SPECIALIST, city)], [(Role.COUNTER_OFFICER, city)]):
        client.force_login(OfficialFactory(roles=roles).user)
        assert client.get(LIST).status_code == 403
        assert client.post(page("ky-nang-so"), {"action": "publish"}).status_code == 403
    assert not Indicator.objects.get(code="ky-nang-so").is_published
    client.force_login(OfficialFactory(roles=[(Role.UNIT_ADMIN, city)]).user)
    assert client.get(LIST).status_code == 200
    client.force_login(city_leader)
    listing = client.get(LIST).content.decode()
    assert 'data-indicator="chi-so-766"' in listing and 'data-indicator="thue-bao-bang-rong"' in listing


def test_publishing_shows_the_indicator_to_the_public(client, city, ward, city_leader):
    client.force_login(city_leader)
    assert client.post(page("ky-nang-so"), {"action": "publish"}).status_code == 302
    assert Indicator.objects.get(code="ky-nang-so").is_published
    entry = AuditEntry.objects.filter(action="indicator.publish").latest("pk")
    assert entry.actor_id == city_leader.pk and entry.after == {"is_published": True}
    client.logout()
    codes = [i["code"] for i in client.get("/api/v1/public/indicators").json()]
    assert "ky-nang-so" in codes
    client.force_login(city_leader)
    client.post(page("ky-nang-so"), {"action": "unpublish"})
    client.logout()
    assert "ky-nang-so" not in [i["code"] for i in client.get("/api/v1/public/indicators").json()]


def test_targets_for_every_unit_a_level_and_one_unit(client, city, ward, city_leader):
    client.force_login(city_leader)
    url = page("ho-so-toan-trinh")
    assert client.post(url, {"action": "set_target", "year": "2027", "scope": "all", "value": "85",
                             "basis": "Kế hoạch của thành phố"}).status_code == 302
    assert client.post(url, {"action": "set_target", "year": "2027", "scope": "level:3", "value": "70,5"}
                       ).status_code == 302
    assert client.post(url, {"action": "set_target", "year": "2027", "scope": f"unit:{ward.pk}", "value": "90"}
                       ).status_code == 302
    indicator = Indicator.objects.get(code="ho-so-toan-trinh")
    got = {(t.unit_id, t.level): t.value for t in indicator.targets.filter(year=2027)}
    assert got == {(None, None): Decimal("85"), (None, 3): Decimal("70.5"), (ward.pk, None): Decimal("90")}
    targets = queries.Targets(2027)
    assert targets.get(indicator, [ward.pk, city.pk]) == Decimal("90")
    assert targets.get(indicator, [city.pk]) == Decimal("85")  # the city is a district: no level target
    # Changing a target keeps one row and records the value before.
    client.post(url, {"action": "set_target", "year": "2027", "scope": "all", "value": "88"})
    assert indicator.targets.get(year=2027, unit=None, level=None).value == Decimal("88")
    assert AuditEntry.objects.filter(action="indicator.set_target").latest("pk").before["value"] == "85.00"
    # Removing the ward's own target lets the level's apply again.
    own = indicator.targets.get(year=2027, unit=ward)
    assert client.post(url, {"action": "remove_target", "target": own.pk}).status_code == 302
    assert queries.Targets(2027).get(indicator, [ward.pk, city.pk]) == Decimal("70.5")
    assert AuditEntry.objects.filter(action="indicator.remove_target").count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"year": "2027", "scope": "all", "value": "120"}, "A percentage target cannot exceed 100."),
    ({"year": "2027", "scope": "all", "value": "nhiều"}, "Enter a number."),
    ({"year": "hai", "scope": "all", "value": "80"}, "Enter a year."),
    ({"year": "2027", "scope": "unit:999999", "value": "80"}, "Choose the city or one of its wards."),
])
def test_a_wrong_target_is_refused_with_its_reason(client, city, ward, city_leader, data, message, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(city_leader)
    response = client.post(page("ho-so-toan-trinh"), {"action": "set_target", **data},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Target.objects.filter(indicator__code="ho-so-toan-trinh", year=2027).exists()


def test_the_legend_is_replaced_whole_and_checked(client, city, ward, city_leader):
    client.force_login(city_leader)
    url = page("ky-nang-so")
    bands = {"action": "set_legend",
             "band1_start": "0", "band1_end": "40", "band1_colour": "#b3261e", "band1_label": "Thấp",
             "band2_start": "40", "band2_end": "", "band2_colour": "#1b6e3a", "band2_label": "Đạt"}
    assert client.post(url, bands).status_code == 302
    legend = list(Legend.objects.filter(indicator__code="ky-nang-so").values_list("start", "end", "label"))
    assert legend == [(Decimal("0"), Decimal("40"), "Thấp"), (Decimal("40"), None, "Đạt")]
    entry = AuditEntry.objects.filter(action="indicator.set_legend").latest("pk")
    assert len(entry.before["bands"]) == 3 and len(entry.after["bands"]) == 2  # the catalogue had three
    # A gap between bands is refused, and nothing changes.
    gap = {**bands, "band2_start": "50"}
    response = client.post(url, gap)
    assert response.status_code == 422 and 'data-error="band2"' in response.content.decode()
    assert Legend.objects.filter(indicator__code="ky-nang-so").count() == 2
    # Every row empty: no legend.
    assert client.post(url, {"action": "set_legend"}).status_code == 302
    assert not Legend.objects.filter(indicator__code="ky-nang-so").exists()


@pytest.mark.parametrize(("bands", "field"), [
    ([{"start": "0", "end": "", "colour": "#000000", "label": "A"},
      {"start": "50", "end": "", "colour": "#111111", "label": "B"}], "band1"),   # open band not last
    ([{"start": "10", "end": "5", "colour": "#000000", "label": "A"}], "band1"),   # ends below its start
    ([{"start": "0", "end": "5", "colour": "green", "label": "A"}], "band1"),      # not #rrggbb
    ([{"start": "0", "end": "5", "colour": "#000000", "label": ""}], "band1"),     # no label
])
def test_set_legend_refuses_bands_that_do_not_follow_each_other(city, ward, city_leader, bands, field):
    indicator = Indicator.objects.get(code="ky-nang-so")
    with pytest.raises(ValidationError) as error:
        services.set_legend(indicator=indicator, bands=bands, actor=city_leader)
    assert field in error.value.message_dict


def test_services_refuse_a_ward_leader(city, ward):
    ward_leader = OfficialFactory(roles=[(Role.LEADER, ward)]).user
    indicator = Indicator.objects.get(code="ky-nang-so")
    with pytest.raises(PermissionDenied):
        services.publish(indicator, ward_leader, check_right=True)
    with pytest.raises(PermissionDenied):
        services.set_target(indicator=indicator, year=2027, value=80, actor=ward_leader, check_right=True)
    with pytest.raises(PermissionDenied):
        services.set_legend(indicator=indicator, bands=[], actor=ward_leader)


def test_the_city_stays_the_public_root_after_districts_were_abolished(client, city, ward):
    """Since 1 July 2025 there are no districts: the city's unit has an end date, and
    the public dashboard still shows it and its wards."""
    city.valid_to = date(2025, 6, 30)
    city.save(update_fields=["valid_to"])
    assert queries.public_root() == city
    assert client.get("/chi-so/cong-khai/").status_code == 200
