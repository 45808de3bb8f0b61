"""A small, hand-computed set of dossiers in two wards of the city (November 2026).

Birth registration takes 8 working hours; received Thursday 26/11 at 14:00 it is due
Friday 27/11 at 14:00.

Phường Tích Sơn (8707):
  online_early    online,  received 26/11 14:00, finished 26/11 16:30  → early; returned, rated satisfied;
                  submitted after a VNeID level-2 login
  online_late     online,  received 26/11 14:00, finished 27/11 16:00  → late
  counter_on_time counter, received 26/11 14:00, finished 27/11 10:00  → on time (due day, before due time)
  not_received    online,  submitted 26/11, never received              → counts nowhere
Phường Liên Bảo (8710):
  other_counter   counter, received 26/11 15:00, still open
  other_october   online,  received 15/10 09:00, still open            → in 2026, not in 2026-11

Received online in 2026-11: Tích Sơn 2/3, Liên Bảo 0/1, city 2/4; in 2026: city 3/5.
Finished early or on time in 2026-11: Tích Sơn 2/3 (the late one: online_late).
Birth registration is full-online and every dossier carries its files (digitised):
fully online in 2026-11, Tích Sơn 2/3 eligible; after an e-ID login 1/3.
"""

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from chinhquyenso.dossiers import services as svc
from chinhquyenso.org.models import AgencyKind, Role
from chinhquyenso.procedures.services import save_procedure
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import at, pdf_upload
from tests.factories import AgencyFactory, OfficialFactory
from tests.procedures.conftest import BIRTH

# The ward, its People's Committee, officials and citizen of the dossier tests.
citizen = dossier_fixtures.citizen
counter = dossier_fixtures.counter
leader = dossier_fixtures.leader
specialist = dossier_fixtures.specialist
submit = dossier_fixtures.submit
ward_pc = dossier_fixtures.ward_pc

APPLICANT = {"name": "Nguyễn Thị Hương", "email": "huong@example.vn", "phone": "0912340000",
             "id_number": "026301005678"}
ANSWERS = {"child_full_name": "Nguyễn Văn An", "child_birth_date": "01/11/2026", "child_sex": "Nam"}


@pytest.fixture
def birth(db):
    return save_procedure(**copy.deepcopy(BIRTH))


@pytest.fixture
def other_pc(other_ward):
    return AgencyFactory(code="000.00.22.H62", name="Ủy ban nhân dân phường Liên Bảo",
                         kind=AgencyKind.PEOPLES_COMMITTEE, unit=other_ward)


@pytest.fixture
def other_counter_officer(other_pc, other_ward):
    return OfficialFactory(agency=other_pc, roles=[(Role.COUNTER_OFFICER, other_ward)]).user


@pytest.fixture
def reporter(city):
    return OfficialFactory(full_name="Trần Văn Báo", roles=[(Role.UNIT_ADMIN, city)]).user


@pytest.fixture
def certificates(leader, counter, specialist):
    """Personal signing certificates: the leader's in force, the counter officer's
    expired, the specialist's withdrawn. Returns the moment they are measured from."""
    from chinhquyenso.documents.models import SigningCredential

    now = timezone.now()

    def credential(user, **kwargs):
        values = {"not_before": now - timedelta(days=10), "not_after": now + timedelta(days=300), "is_active": True}
        values.update(kwargs)
        SigningCredential.objects.create(official=user.official, source="file", certificate=b"-",
                                         subject=user.official.full_name, issuer="CA", serial_number="1",
                                         fingerprint=str(user.pk).zfill(64), **values)

    credential(leader)
    credential(counter, not_after=now - timedelta(days=1))   # expired
    credential(specialist, is_active=False)                  # withdrawn
    return now


def _files(procedure):
    return {c.pk: [pdf_upload(f"{c.order}.pdf")] for c in procedure.components.all()}


def finish(dossier, *, specialist, leader, done_at):
    svc.assign_dossier(dossier_id=dossier.pk, actor=leader, assignee=specialist, at=at(26, 11, 14, 5))
    svc.start_processing(dossier_id=dossier.pk, actor=specialist, at=at(26, 11, 14, 10))
    svc.attach_result(dossier_id=dossier.pk, actor=specialist, uploaded_file=pdf_upload("kq.pdf"),
                      at=at(26, 11, 14, 20))
    svc.forward_dossier(dossier_id=dossier.pk, actor=specialist, at=at(26, 11, 14, 30))
    return svc.forward_dossier(dossier_id=dossier.pk, actor=leader, at=done_at)


@pytest.fixture
def dossiers(birth, submit, citizen, counter, specialist, leader, other_pc, other_counter_officer):
    made = {}
    for name, by, done in [("online_early", None, at(26, 11, 16, 30)),
                           ("online_late", None, at(27, 11, 16)),
                           ("counter_on_time", counter, at(27, 11, 10))]:
        d = submit(birth, when=at(26, 11, 13), by=by, **({"eid_level": 2} if name == "online_early" else {}))
        svc.receive_dossier(dossier_id=d.pk, actor=counter, at=at(26, 11, 14))
        made[name] = finish(d, specialist=specialist, leader=leader, done_at=done)
    svc.return_result(dossier_id=made["online_early"].pk, actor=counter, at=at(26, 11, 17))
    svc.rate_dossier(dossier_id=made["online_early"].pk, actor=citizen, satisfied=True, at=at(26, 11, 17))
    made["not_received"] = submit(birth, when=at(26, 11, 13))

    d = svc.submit_dossier(procedure=birth, agency=other_pc, submitted_by=other_counter_officer,
                           applicant=APPLICANT, answers=ANSWERS, files=_files(birth), at=at(26, 11, 14))
    made["other_counter"] = svc.receive_dossier(dossier_id=d.pk, actor=other_counter_officer,
                                                at=at(26, 11, 15))
    d = svc.submit_dossier(procedure=birth, agency=other_pc, submitted_by=citizen, applicant=APPLICANT,
                           answers=ANSWERS, files=_files(birth), at=at(15, 10, 8))
    made["other_october"] = svc.receive_dossier(dossier_id=d.pk, actor=other_counter_officer,
                                                at=at(15, 10, 9))
    return made
