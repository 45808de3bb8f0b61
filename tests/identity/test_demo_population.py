"""The demo population: valid, unique, consistent numbers, a plausible pyramid and
names, addresses in the given groups, e-ID levels, reproducible from the seed."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.identity.demo_population import (
    ADULT_AGE,
    AS_OF,
    age_on,
    generate_population,
    plan_population,
)
from chinhquyenso.identity.idnumbers import validate_id_number
from chinhquyenso.identity.models import Citizen, phone_validator

pytestmark = pytest.mark.django_db

COUNT = 2000


@pytest.fixture
def population(groups):
    calls = []
    created = generate_population(count=COUNT, seed=2026, groups=groups,
                                  progress=lambda done, total: calls.append((done, total)))
    assert created == COUNT
    assert calls[0] == (0, COUNT) and calls[-1] == (COUNT, COUNT)
    return list(Citizen.objects.all())


def test_numbers_are_unique_and_consistent_with_birth_date_and_sex(population):
    assert len(population) == COUNT
    assert len({c.id_number for c in population}) == COUNT
    for citizen in population:
        validate_id_number(citizen.id_number, birth_date=citizen.birth_date, sex=citizen.sex)
    for citizen in population[::40]:
        citizen.full_clean()  # every field as a form would check it (3 queries each)


def test_most_births_were_registered_in_vinh_phuc(population):
    provinces = Counter(c.id_number[:3] for c in population)
    assert 0.75 < provinces["026"] / COUNT < 0.9
    assert len(provinces) > 5


def test_about_80_percent_of_adults_have_level_2(population):
    adults = [c for c in population if age_on(c.birth_date, AS_OF) >= ADULT_AGE]
    assert 0.65 * COUNT < len(adults) < 0.85 * COUNT
    levels = Counter(c.eid_level for c in adults)
    assert 0.75 < levels[2] / len(adults) < 0.86
    assert 0.03 < levels[1] / len(adults) < 0.13
    assert all(c.phone for c in adults if c.eid_level)


def test_only_adults_have_phones_and_phones_are_valid(population):
    phones = [c.phone for c in population if c.phone]
    assert len(phones) == len(set(phones))
    for citizen in population:
        if citizen.phone:
            assert age_on(citizen.birth_date, AS_OF) >= ADULT_AGE
            phone_validator(citizen.phone)


def test_addresses_are_only_in_the_given_groups(population, groups):
    by_pk = {g.pk: g for g in groups}
    seen = Counter()
    for citizen in population:
        group = by_pk[citizen.residential_group_id]
        seen[group.pk] += 1
        assert citizen.ward_id == group.parent_id
        assert group.name in citizen.address
        assert citizen.address.endswith("Thành phố Vĩnh Yên, Tỉnh Vĩnh Phúc")
        if group.unit_type == "thon":
            assert citizen.address.startswith("Thôn")
        else:
            assert citizen.address.startswith("Số ")
    assert set(seen) == set(by_pk)  # every group has residents


def test_ages_and_sexes_look_like_vietnam(population):
    ages = [age_on(c.birth_date, AS_OF) for c in population]
    assert min(ages) >= 0 and max(ages) <= 98
    assert all(c.birth_date <= AS_OF for c in population)
    children = sum(a < 15 for a in ages) / COUNT
    elderly = sum(a >= 65 for a in ages) / COUNT
    assert 0.19 < children < 0.29  # 2019 census: about 24% under 15
    assert 0.05 < elderly < 0.12  # and about 8% aged 65 or more
    boys = [c for c, a in zip(population, ages, strict=True) if a < 5]
    assert 0.42 < sum(c.sex == "male" for c in boys) / len(boys) < 0.62


def test_names_are_vietnamese(population):
    family = Counter(c.full_name.split()[0] for c in population)
    assert 0.30 < family["Nguyễn"] / COUNT < 0.44
    assert family.most_common(1)[0][0] == "Nguyễn"
    assert {"Trần", "Lê", "Phạm"} <= {name for name, _n in family.most_common(6)}
    older_women = [c for c in population if c.sex == "female" and c.birth_date.year < 1975]
    assert sum(c.full_name.split()[1] == "Thị" for c in older_women) / len(older_women) > 0.6
    for citizen in population:
        assert len(citizen.full_name.split()) == 3
        assert citizen.search_name == citizen.search_name.lower()
        assert citizen.search_name.isascii()


def test_one_audit_entry_sums_up_the_run(population, groups):
    entry = AuditEntry.objects.get(action="citizens.generated")
    assert entry.after == {"count": COUNT, "seed": 2026, "as_of": "2025-06-30",
                           "groups": len(groups), "wards": 2}
    dump = str(list(AuditEntry.objects.values()))
    assert not any(c.id_number in dump for c in population[:200])


def test_the_same_seed_gives_the_same_people(groups):
    first = list(plan_population(count=300, seed=7, groups=groups))
    again = list(plan_population(count=300, seed=7, groups=list(reversed(groups))))
    other = list(plan_population(count=300, seed=8, groups=groups))
    assert first == again
    assert first != other
    generate_population(count=300, seed=7, groups=groups)
    stored = Citizen.objects.order_by("pk").values_list("id_number", "full_name", "birth_date")
    assert list(stored) == [(p.id_number, p.full_name, p.birth_date) for p in first]


def test_numbers_already_taken_are_avoided(groups):
    first = list(plan_population(count=200, seed=7, groups=groups))
    taken = {p.id_number for p in first}
    again = list(plan_population(count=200, seed=7, groups=groups, taken_numbers=taken))
    assert not taken & {p.id_number for p in again}


def test_only_residential_groups_are_accepted(ward):
    with pytest.raises(ValueError, match="level 4"):
        list(plan_population(count=1, seed=1, groups=[ward]))
    with pytest.raises(ValueError, match="at least one"):
        list(plan_population(count=1, seed=1, groups=[]))


def test_the_command_fills_the_demo_city_once(groups, capsys):
    call_command("generate_population", count=150, seed=3)
    out = capsys.readouterr().out
    assert "150/150" in out
    assert Citizen.objects.count() == 150
    with pytest.raises(CommandError, match="--force"):
        call_command("generate_population", count=10)
    call_command("generate_population", count=10, force=True)
    assert Citizen.objects.count() == 160


def test_the_command_needs_the_demo_city(db):
    with pytest.raises(CommandError, match="load_demo"):
        call_command("generate_population", count=10)


def test_as_of_is_the_last_day_of_the_demo_city():
    assert date(2025, 6, 30) == AS_OF
