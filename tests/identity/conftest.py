"""Fixtures of the identity tests: residential groups of the demo city and citizens."""

from __future__ import annotations

from datetime import date

import pytest

from chinhquyenso.identity import services
from tests.factories import UnitFactory


@pytest.fixture
def groups(ward, city):
    """Three residential groups of Phường Tích Sơn and two villages of Xã Thanh Trù."""
    commune = UnitFactory(code="8731", name="Xã Thanh Trù", unit_type="xa", parent=city)
    made = [UnitFactory(code=f"8707.{n:02d}", name=f"Tổ dân phố số {n}",
                        unit_type="to_dan_pho", parent=ward) for n in (1, 2, 3)]
    made += [UnitFactory(code=f"8731.{n:02d}", name=f"Thôn {n}", unit_type="thon",
                         parent=commune) for n in (1, 2)]
    return made


@pytest.fixture
def group(groups):
    return groups[0]


# A woman born on 2 September 1985 whose birth was registered in Vĩnh Phúc (026):
# 026 (province) 1 (1900s, female) 85 (year) 012345 (serial).
LAN_NUMBER = "026185012345"
LAN_PHONE = "0912345678"


@pytest.fixture
def lan(group):
    return services.register_citizen(
        id_number=LAN_NUMBER, full_name="Nguyễn Thị Lan", birth_date=date(1985, 9, 2),
        sex="female", address="Số 12, đường Mê Linh, Tổ dân phố số 1, Phường Tích Sơn",
        residential_group=group, phone=LAN_PHONE, email="lan.nguyen@example.com",
        eid_level=2)
