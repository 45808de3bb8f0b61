"""The population-data adapter: lookup, confirmation and form prefill, and the choice of
implementation by settings."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from chinhquyenso.identity.population import (
    DemoPopulationRegistry,
    PersonRecord,
    PopulationRegistry,
    get_registry,
    prefill_for,
)

from .conftest import LAN_NUMBER


class FixedRegistry(PopulationRegistry):
    """Stands in for the national service in these tests."""

    def lookup(self, id_number):
        if id_number != "001099000001":
            return None
        return PersonRecord(id_number=id_number, full_name="Hoàng Minh Đức",
                            birth_date=date(1999, 12, 31), sex="male", address="Hà Nội")

    def confirm(self, id_number, *, full_name, birth_date):
        return False


@pytest.mark.django_db
def test_lookup_by_number(lan):
    record = DemoPopulationRegistry().lookup(LAN_NUMBER)
    assert record == PersonRecord(
        id_number=LAN_NUMBER, full_name="Nguyễn Thị Lan", birth_date=date(1985, 9, 2),
        sex="female", address="Số 12, đường Mê Linh, Tổ dân phố số 1, Phường Tích Sơn",
        ward_code="8707", residential_group_code="8707.01")
    assert DemoPopulationRegistry().lookup("026 185 012 345") == record


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["026185000000", "0261850", "abc", ""])
def test_lookup_of_an_unknown_or_malformed_number_finds_nobody(lan, number):
    assert DemoPopulationRegistry().lookup(number) is None


@pytest.mark.django_db
def test_confirm_compares_name_and_date_of_birth(lan):
    registry = DemoPopulationRegistry()
    assert registry.confirm(LAN_NUMBER, full_name="Nguyễn Thị Lan", birth_date=date(1985, 9, 2))
    # case, spacing and decomposed Unicode (as some phone keyboards type it) don't matter
    assert registry.confirm(LAN_NUMBER, full_name="  NGUYỄN  thị lan ", birth_date=date(1985, 9, 2))
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Lan"
    assert registry.confirm(LAN_NUMBER, full_name=decomposed, birth_date=date(1985, 9, 2))
    # diacritics do: "Lân" is another name
    assert not registry.confirm(LAN_NUMBER, full_name="Nguyễn Thị Lân", birth_date=date(1985, 9, 2))
    assert not registry.confirm(LAN_NUMBER, full_name="Nguyen Thi Lan", birth_date=date(1985, 9, 2))
    assert not registry.confirm(LAN_NUMBER, full_name="Nguyễn Thị Lan", birth_date=date(1985, 9, 3))
    assert not registry.confirm("026185000000", full_name="Nguyễn Thị Lan",
                                birth_date=date(1985, 9, 2))
    assert not registry.confirm("bad", full_name="Nguyễn Thị Lan", birth_date=date(1985, 9, 2))


@pytest.mark.django_db
def test_prefill_gives_name_date_and_address_for_a_form(lan):
    assert prefill_for(LAN_NUMBER) == {
        "full_name": "Nguyễn Thị Lan", "birth_date": "02/09/1985",
        "address": "Số 12, đường Mê Linh, Tổ dân phố số 1, Phường Tích Sơn"}
    assert prefill_for("026185000000") == {}


def test_the_demo_registry_is_the_default(settings):
    if hasattr(settings, "POPULATION_REGISTRY"):
        del settings.POPULATION_REGISTRY
    assert isinstance(get_registry(), DemoPopulationRegistry)


def test_the_registry_is_chosen_by_settings(settings):
    settings.POPULATION_REGISTRY = "tests.identity.test_population.FixedRegistry"
    registry = get_registry()
    assert isinstance(registry, FixedRegistry)
    assert get_registry() is registry  # one instance per process
    assert prefill_for("001099000001") == {"full_name": "Hoàng Minh Đức",
                                           "birth_date": "31/12/1999", "address": "Hà Nội"}


@pytest.mark.parametrize("path", ["tests.identity.test_population.NoSuchClass",
                                  "chinhquyenso.identity.population.PersonRecord"])
def test_a_wrong_registry_setting_is_a_configuration_error(settings, path):
    settings.POPULATION_REGISTRY = path
    with pytest.raises(ImproperlyConfigured):
        get_registry()
