"""Reusing documents of earlier dossiers instead of uploading them again: only the
applicant's own, copied byte for byte, and the dossier is flagged."""

import pytest
from django.core.exceptions import ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.dossiers.models import DossierFile
from chinhquyenso.dossiers.services import submit_dossier
from chinhquyenso.dossiers.uploads import read_dossier_file
from tests.dossiers.conftest import PDF

pytestmark = pytest.mark.django_db

APPLICANT = {"name": "Nguyễn Thị Hương", "id_number": "026301005678"}


def test_a_citizen_reuses_a_document_of_an_earlier_dossier(submit, household, ward_pc, citizen):
    earlier = submit(household)
    source = earlier.files.get(kind=DossierFile.Kind.COMPONENT)
    component = household.components.get()
    dossier = submit_dossier(procedure=household, agency=ward_pc, submitted_by=citizen, applicant=APPLICANT,
                             answers={"business_name": "Tạp hóa An Bình"}, files={},
                             reuse={component.pk: [source.pk]})
    copy = dossier.files.get(kind=DossierFile.Kind.COMPONENT)
    assert copy.pk != source.pk and copy.sha256 == source.sha256 and read_dossier_file(copy) == PDF
    assert copy.component == component and dossier.components_reused and dossier.components_digitised
    assert not earlier.components_reused
    audit = AuditEntry.objects.get(action="dossier.submit", object_id=str(dossier.pk))
    assert audit.after["reused"] == [source.pk]


def test_only_the_applicants_own_documents_can_be_reused(submit, household, ward_pc, django_user_model):
    someone_elses = submit(household).files.get(kind=DossierFile.Kind.COMPONENT)
    other = django_user_model.objects.create_user("nguoidan2", password="mat-khau-dai-2")
    component = household.components.get()
    with pytest.raises(ValidationError) as refused:
        submit_dossier(procedure=household, agency=ward_pc, submitted_by=other,
                       applicant={"name": "Trần Văn Bình", "id_number": "026301009999"},
                       answers={"business_name": "Quán Bình"}, files={},
                       reuse={component.pk: [someone_elses.pk]})
    assert list(refused.value.message_dict) == ["files"]
    assert not household.dossiers.filter(components_reused=True).exists()


def test_at_the_counter_the_officer_reuses_the_identified_applicants_documents(
        submit, household, ward_pc, counter):
    source = submit(household).files.get(kind=DossierFile.Kind.COMPONENT)
    component = household.components.get()
    with pytest.raises(ValidationError):  # another applicant's number: not theirs
        submit_dossier(procedure=household, agency=ward_pc, submitted_by=counter,
                       applicant={"name": "Trần Văn Bình", "id_number": "026301009999"},
                       answers={"business_name": "Quán Bình"}, files={}, reuse={component.pk: [source.pk]})
    dossier = submit_dossier(procedure=household, agency=ward_pc, submitted_by=counter, applicant=APPLICANT,
                             answers={"business_name": "Tạp hóa An Bình"}, files={},
                             reuse={component.pk: [source.pk]})
    assert dossier.components_reused and dossier.assisted_by == counter


def test_the_submission_page_offers_the_earlier_documents(client, submit, household, citizen, ward_pc):
    from tests.dossiers.test_pages import eid_login

    source = submit(household).files.get(kind=DossierFile.Kind.COMPONENT)
    component = household.components.get()
    eid_login(client, citizen, level=2)
    page = client.get(f"/dich-vu-cong/thu-tuc/{household.code}/nop/").content.decode()
    assert f'name="reuse_{component.pk}" value="{source.pk}"' in page
    response = client.post(f"/dich-vu-cong/thu-tuc/{household.code}/nop/", {
        "agency": ward_pc.pk, "answer-business_name": "Tạp hóa An Bình",
        "applicant_name": APPLICANT["name"], "applicant_id_number": APPLICANT["id_number"],
        f"reuse_{component.pk}": [source.pk]})
    assert response.status_code == 302
    assert household.dossiers.filter(components_reused=True).count() == 1
