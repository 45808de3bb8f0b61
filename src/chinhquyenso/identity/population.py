"""Adapter to a population database (cơ sở dữ liệu quốc gia về dân cư).

Project 06 asks that people at the counter be identified through the population
database, and that forms be filled from it instead of asking people again. The
platform talks to that database only through `PopulationRegistry`:

    lookup(id_number)                         look up a citizen by identification number
    confirm(id_number, full_name=, birth_date=) confirm these details (yes/no, no data out)

Which implementation runs is chosen by the setting `POPULATION_REGISTRY`, a dotted path
to a `PopulationRegistry` subclass; without it the built-in `DemoPopulationRegistry`
answers from the platform's own Citizen table (the demo population).

Plugging in the real national service
-------------------------------------
Write a subclass (for example `myprovince.population.NationalPopulationRegistry`) whose
`lookup` and `confirm` call the population-data sharing service the province is
connected to (through the national data-sharing platform NDXP or the provincial
LGSP), with its credentials read from the environment, and set

    POPULATION_REGISTRY = "myprovince.population.NationalPopulationRegistry"

in the settings. The class is instantiated once per process with no arguments.
Rules for an implementation: return None from `lookup` when nobody has the number
(raise only for technical failures, e.g. `PopulationRegistryUnavailable`); never log a
number unmasked; `confirm` must not reveal which detail differed.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.module_loading import import_string

from .idnumbers import normalize_id_number, validate_id_number_format

DEFAULT_REGISTRY = "chinhquyenso.identity.population.DemoPopulationRegistry"


class PopulationRegistryUnavailable(RuntimeError):
    """The population database could not be reached or answered with an error."""


@dataclass(frozen=True)
class PersonRecord:
    """What the population database says about one person."""

    id_number: str
    full_name: str
    birth_date: date
    sex: str
    address: str = ""
    ward_code: str = ""
    residential_group_code: str = ""


class PopulationRegistry(ABC):
    """A source of population data. Subclass it to connect a real service."""

    @abstractmethod
    def lookup(self, id_number: str) -> PersonRecord | None:
        """Look up a citizen by identification number; None when nobody has it."""

    @abstractmethod
    def confirm(self, id_number: str, *, full_name: str, birth_date: date) -> bool:
        """Confirm these details: True only if a person with this number has this name
        and date of birth."""


def same_name(a: str, b: str) -> bool:
    """Names compared the way a clerk would: case, Unicode form (precomposed or not) and
    spacing don't matter; diacritics do ("Lê" and "Le" are different names)."""
    def canonical(name: str) -> str:
        return " ".join(unicodedata.normalize("NFC", name).casefold().split())

    return canonical(a) == canonical(b)


def _well_formed(id_number: str) -> str | None:
    number = normalize_id_number(id_number)
    try:
        validate_id_number_format(number)
    except ValidationError:
        return None
    return number


class DemoPopulationRegistry(PopulationRegistry):
    """The built-in registry: answers from the Citizen table (the demo population of
    the seed's city, or citizens registered by hand)."""

    def lookup(self, id_number: str) -> PersonRecord | None:
        from .models import Citizen

        number = _well_formed(id_number)
        if number is None:
            return None
        citizen = (Citizen.objects.select_related("residential_group", "ward")
                   .filter(id_number=number).first())
        if citizen is None:
            return None
        return PersonRecord(
            id_number=citizen.id_number, full_name=citizen.full_name,
            birth_date=citizen.birth_date, sex=citizen.sex, address=citizen.address,
            ward_code=citizen.ward.code if citizen.ward else "",
            residential_group_code=(citizen.residential_group.code
                                    if citizen.residential_group else ""),
        )

    def confirm(self, id_number: str, *, full_name: str, birth_date: date) -> bool:
        from .models import Citizen

        number = _well_formed(id_number)
        if number is None:
            return False
        row = (Citizen.objects.filter(id_number=number)
               .values_list("full_name", "birth_date").first())
        return row is not None and row[1] == birth_date and same_name(row[0], full_name)


@lru_cache(maxsize=8)
def _registry_for(path: str) -> PopulationRegistry:
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"POPULATION_REGISTRY {path!r} cannot be imported: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, PopulationRegistry)):
        raise ImproperlyConfigured(f"POPULATION_REGISTRY {path!r} is not a PopulationRegistry")
    return cls()


def get_registry() -> PopulationRegistry:
    """The registry named by settings.POPULATION_REGISTRY (default: the demo one)."""
    return _registry_for(getattr(settings, "POPULATION_REGISTRY", DEFAULT_REGISTRY))


def prefill_for(id_number: str, *, registry: PopulationRegistry | None = None) -> dict[str, str]:
    """Initial values for a form from the population data: full name, date of birth
    (dd/mm/yyyy) and address. An empty dict when the number is unknown, so a form
    simply starts blank."""
    record = (registry or get_registry()).lookup(id_number)
    if record is None:
        return {}
    return {
        "full_name": record.full_name,
        "birth_date": record.birth_date.strftime("%d/%m/%Y"),
        "address": record.address,
    }
