"""Two wards of the city, their residential groups, a team with its leader and a
member with an account, the ward's officials and the other ward's."""

from __future__ import annotations

from datetime import date

import pytest

from chinhquyenso.community import services
from chinhquyenso.org.models import Role

# The dossier fixtures, for assisted submissions.
from tests.dossiers.conftest import birth, citizen, submit, ward_pc  # noqa: F401
from tests.factories import OfficialFactory, UnitFactory

DECISION_DAY = date(2024, 3, 15)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_group(ward, number: int, unit_type: str = "to_dan_pho"):
    label = "Thôn" if unit_type == "thon" else "Tổ dân phố số"
    return UnitFactory(code=f"{ward.code}.{number:02d}", name=f"{label} {number}",
                       unit_type=unit_type, parent=ward, valid_from=date(2019, 1, 1))


@pytest.fixture
def groups(ward):
    return [make_group(ward, n) for n in (1, 2, 3)]


@pytest.fixture
def other_group(other_ward):
    return make_group(other_ward, 1)


@pytest.fixture
def ward_admin(ward):
    return OfficialFactory(full_name="Ngô Thị Mai", roles=[(Role.UNIT_ADMIN, ward)]).user


@pytest.fixture
def ward_leader(ward):
    return OfficialFactory(full_name="Bùi Văn Sơn", roles=[(Role.LEADER, ward)]).user


@pytest.fixture
def other_admin(other_ward):
    return OfficialFactory(roles=[(Role.UNIT_ADMIN, other_ward)]).user


@pytest.fixture
def other_leader(other_ward):
    return OfficialFactory(roles=[(Role.LEADER, other_ward)]).user


@pytest.fixture
def make_team(ward_admin):
    def make(group, actor=None, **kwargs):
        values = {"name": f"Tổ công nghệ số cộng đồng {group.name}",
                  "decision_number": "125/QĐ-UBND", "decision_date": DECISION_DAY,
                  "decision_signer": "Bùi Văn Sơn", **kwargs}
        return services.create_team(group=group, actor=actor or ward_admin, **values)

    return make


@pytest.fixture
def team(groups, make_team):
    return make_team(groups[0])


@pytest.fixture
def second_team(groups, make_team):
    return make_team(groups[1])


@pytest.fixture
def leader(team, ward_admin):
    return services.add_member(team=team, full_name="Đặng Văn Tuấn", phone="0912345678",
                               role="leader", organisation="Tổ dân phố", actor=ward_admin)


@pytest.fixture
def member_account(ward):
    """make(): a user with the community_member role for the ward."""
    def make(**kwargs):
        return OfficialFactory(roles=[(Role.COMMUNITY_MEMBER, ward)], **kwargs).user

    return make


@pytest.fixture
def member_user(team, ward_admin, member_account):
    """A member of `team` with an account that may record."""
    user = member_account(full_name="Nguyễn Thị Hoa")
    services.add_member(team=team, full_name="Nguyễn Thị Hoa", phone="0987654321",
                        organisation="Đoàn Thanh niên", user=user, actor=ward_admin)
    return user


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked by their English text (the Vietnamese ones come later)."""
    from django.utils import translation

    with translation.override("en"):
        yield
