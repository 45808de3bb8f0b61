"""Officials find residents with numbers masked; the full record needs a role and a
purpose, and each full view is audited."""

import csv
import io
from datetime import date

import pytest

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.identity.idnumbers import FEMALE, MALE
from chinhquyenso.identity.services import register_citizen
from chinhquyenso.org import services as org
from chinhquyenso.org.models import Role
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db
NUMBER, PHONE = "026301005678", "0912345678"


@pytest.fixture
def group(ward):
    return org.create_unit(code="8707.01", name="Tổ dân phố số 1", unit_type="to_dan_pho", parent=ward,
                           valid_from=date(2019, 1, 1))


@pytest.fixture
def huong(group):
    return register_citizen(id_number=NUMBER, full_name="Nguyễn Thị Hương", birth_date=date(2001, 3, 4),
                            sex=FEMALE, phone=PHONE, address="Số 5 đường Lam Sơn", residential_group=group,
                            eid_level=2)


@pytest.fixture
def elsewhere(other_ward):
    group = org.create_unit(code="8710.01", name="Tổ dân phố số 1", unit_type="to_dan_pho",
                            parent=other_ward, valid_from=date(2019, 1, 1))
    return register_citizen(id_number="026085001234", full_name="Trần Văn Hùng", birth_date=date(1985, 6, 1),
                            sex=MALE, residential_group=group)


def test_list_masks_numbers_and_searches_without_accents(client, ward, huong, elsewhere):
    client.force_login(OfficialFactory(roles=[(Role.COUNTER_OFFICER, ward)]).user)
    html = client.get("/can-bo/cong-dan/", {"q": "nguyen thi huong"}).content.decode()
    assert "Nguyễn Thị Hương" in html and "026******678" in html and "091****678" in html
    assert NUMBER not in html and PHONE not in html
    assert "Nguyễn Thị Hương" in client.get("/can-bo/cong-dan/", {"q": NUMBER}).content.decode()
    assert "Trần Văn Hùng" not in client.get("/can-bo/cong-dan/", {"q": "tran van hung"}).content.decode()


def test_export_is_masked(client, ward, huong):
    client.force_login(OfficialFactory(roles=[(Role.LEADER, ward)]).user)
    response = client.get("/can-bo/cong-dan/xuat.csv", {"q": "huong"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:4] == ["Nguyễn Thị Hương", "026******678", "04/03/2001", "091****678"]
    assert NUMBER not in text and PHONE not in text


def test_full_record_needs_role_and_purpose_and_is_audited(client, ward, huong):
    leader = OfficialFactory(roles=[(Role.LEADER, ward)]).user
    client.force_login(leader)
    page = client.get(f"/can-bo/cong-dan/{huong.pk}/").content.decode()
    assert "026******678" in page and "Xem hồ sơ đầy đủ" not in page
    assert client.post(f"/can-bo/cong-dan/{huong.pk}/", {"purpose": "tò mò"}).status_code == 403

    counter = OfficialFactory(roles=[(Role.COUNTER_OFFICER, ward)]).user
    client.force_login(counter)
    assert "Xem hồ sơ đầy đủ" in client.get(f"/can-bo/cong-dan/{huong.pk}/").content.decode()
    assert NUMBER not in client.post(f"/can-bo/cong-dan/{huong.pk}/", {"purpose": ""}).content.decode()
    assert not AuditEntry.objects.filter(action="citizen.full_record_viewed").exists()
    page = client.post(f"/can-bo/cong-dan/{huong.pk}/", {"purpose": "Hồ sơ 000.00.21.H62-261126-0001"})
    html = page.content.decode()
    assert NUMBER in html and PHONE in html and "Số 5 đường Lam Sơn" in html
    entry = AuditEntry.objects.get(action="citizen.full_record_viewed")
    assert entry.actor == counter and NUMBER not in str(entry.after) and NUMBER not in entry.object_repr


def test_officials_of_another_ward_and_citizens_see_nothing(client, other_ward, huong, citizen_user):
    client.force_login(OfficialFactory(roles=[(Role.COUNTER_OFFICER, other_ward)]).user)
    assert client.get(f"/can-bo/cong-dan/{huong.pk}/").status_code == 404
    client.force_login(citizen_user)
    assert client.get("/can-bo/cong-dan/", {"q": "huong"}).status_code == 403


@pytest.fixture
def citizen_user(django_user_model):
    return django_user_model.objects.create_user("nguoidan9", password="mat-khau-dai-9")
