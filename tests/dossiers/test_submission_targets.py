"""A submission reads the procedure and the agency it names in one statement; the
procedure's components come with it, in order, and a changed procedure's new components
are what the next submission sees."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chinhquyenso.dossiers.submission_targets import submission_targets
from chinhquyenso.org.models import Agency
from chinhquyenso.procedures.services import save_procedure
from tests.dossiers.conftest import pdf_upload
from tests.procedures.conftest import BIRTH


@pytest.mark.django_db
def test_the_procedure_its_components_and_the_agency_with_its_unit(birth, ward_pc, ward):
    with CaptureQueriesContext(connection) as first:
        procedure, agency = submission_targets(procedure_code=birth.code, agency_code=ward_pc.code)
    assert (procedure.pk, procedure.name, procedure.form) == (birth.pk, birth.name, birth.form)
    assert procedure.updated_at == birth.updated_at and procedure.duration == birth.duration
    assert (agency.pk, agency.name) == (ward_pc.pk, ward_pc.name)
    with CaptureQueriesContext(connection) as later:
        assert agency.unit.pk == ward.pk and agency.unit.level == ward.level
        components = list(procedure.components.all())
        assert [c.name for c in components] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
        assert [c.file_types for c in components] == [["pdf", "jpg"], ["pdf"]]
        assert all(c.procedure is procedure for c in components)
    assert len(later.captured_queries) == 0
    assert len(first.captured_queries) == 2  # the statement, and the components read once
    with CaptureQueriesContext(connection) as again:
        procedure2, _agency = submission_targets(procedure_code=birth.code, agency_code=ward_pc.code)
    assert len(again.captured_queries) == 1  # components kept per process
    # new instances each time: what one request changes, another never sees
    components2 = list(procedure2.components.all())
    components2[0].file_types.append("exe")
    assert list(procedure.components.all())[0].file_types == ["pdf", "jpg"]
    assert list(submission_targets(procedure_code=birth.code, agency_code=ward_pc.code)[0]
                .components.all())[0].file_types == ["pdf", "jpg"]


@pytest.mark.django_db
def test_unknown_unpublished_or_inactive_targets_are_none(birth, ward_pc):
    assert submission_targets(procedure_code="9.999999", agency_code=ward_pc.code) == (None, None)
    procedure, agency = submission_targets(procedure_code=birth.code, agency_code="000.00.99.H99")
    assert procedure.pk == birth.pk and agency is None
    Agency.objects.filter(pk=ward_pc.pk).update(is_active=False)
    assert submission_targets(procedure_code=birth.code, agency_code=ward_pc.code)[1] is None
    save_procedure(**{**copy.deepcopy(BIRTH), "is_published": False})
    assert submission_targets(procedure_code=birth.code, agency_code=ward_pc.code) == (None, None)


@pytest.mark.django_db
def test_a_procedure_saved_again_brings_its_new_components(birth, ward_pc, client, counter):
    procedure, _agency = submission_targets(procedure_code=birth.code, agency_code=ward_pc.code)
    assert len(procedure.components.all()) == 2
    spec = copy.deepcopy(BIRTH)
    spec["components"] = [{"name": "Tờ khai (mẫu mới)", "mandatory": True, "file_types": ["pdf"]}]
    save_procedure(**spec)
    procedure, _agency = submission_targets(procedure_code=birth.code, agency_code=ward_pc.code)
    assert [c.name for c in procedure.components.all()] == ["Tờ khai (mẫu mới)"]
    # and a submission through the API is checked against the new list
    client.force_login(counter)
    response = client.post("/api/v1/dossiers", {
        "procedure": birth.code, "agency": ward_pc.code, "applicant_name": "Nguyễn Thị Hương",
        "applicant_id_number": "026301005678", "answer_child_full_name": "Nguyễn Văn An",
        "answer_child_birth_date": "01/11/2026", "answer_child_sex": "Nam",
        "file_1": pdf_upload("to-khai.pdf")})
    assert response.status_code == 201, response.content
    assert response.json()["procedure_name"] == birth.name


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [("procedure", "9.999999"), ("agency", "000.00.99.H99")])
def test_the_api_answers_404_for_an_unknown_procedure_or_agency(birth, ward_pc, client, counter, field, value):
    client.force_login(counter)
    data = {"procedure": birth.code, "agency": ward_pc.code, "applicant_name": "Nguyễn Thị Hương",
            "applicant_id_number": "026301005678", field: value}
    response = client.post("/api/v1/dossiers", data)
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_citizen_without_an_eid_login_hears_of_the_procedure_before_the_agency(birth, ward_pc, client,
                                                                                 citizen):
    """The order of the answers is kept: an unknown procedure is 404; a known one needs
    the e-ID level (403) before an unknown agency is looked at (404)."""
    client.force_login(citizen)
    base = {"applicant_name": "Nguyễn Thị Hương", "applicant_id_number": "026301005678"}
    unknown_procedure = client.post("/api/v1/dossiers", {**base, "procedure": "9.999999",
                                                         "agency": "000.00.99.H99"})
    assert unknown_procedure.status_code == 404
    unknown_agency = client.post("/api/v1/dossiers", {**base, "procedure": birth.code,
                                                      "agency": "000.00.99.H99"})
    assert unknown_agency.status_code == 403
    assert "định danh" in unknown_agency.json()["detail"] or "identification" in unknown_agency.json()["detail"]
