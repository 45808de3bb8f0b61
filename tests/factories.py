"""Factories per model; they go through the apps' services where a service exists,
so the objects they build are the ones users would create."""

from __future__ import annotations

from datetime import date

import factory

from chinhquyenso.org import services as org
from chinhquyenso.org.models import AgencyKind

PASSWORD = "mat-khau-dung-1"


class UnitFactory(factory.Factory):
    class Meta:
        model = dict

    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.Sequence(lambda n: f"Phường Thử {n}")
    unit_type = "phuong"
    parent = None
    valid_from = date(2006, 12, 1)
    valid_to = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return org.create_unit(**kwargs)


class AgencyFactory(factory.Factory):
    class Meta:
        model = dict

    code = factory.Sequence(lambda n: f"000.00.{n:02d}.T99")
    name = factory.Sequence(lambda n: f"Ủy ban nhân dân đơn vị thử {n}")
    abbreviation = "UBND"
    kind = AgencyKind.PEOPLES_COMMITTEE
    unit = factory.SubFactory(UnitFactory)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return org.create_agency(**kwargs)


class OfficialFactory(factory.Factory):
    class Meta:
        model = dict

    username = factory.Sequence(lambda n: f"canbo{n}")
    password = PASSWORD
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    title = "Chuyên viên"
    agency = factory.SubFactory(AgencyFactory)
    roles = ()

    @classmethod
    def _create(cls, model_class, **kwargs):
        return org.create_official(**kwargs)
