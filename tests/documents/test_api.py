"""The officials' documents API: the flows step by step with real signatures, the two-phase
signature, edXML exchange through the API, search and downloads; 400/403/404/409 as the
services decide."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile

from chinhquyenso.documents import pki, services, signing
from chinhquyenso.documents.models import IncomingDocument
from tests.documents.conftest import CERTS_FROM, PASSPHRASE, PDF, signing_ca

pytestmark = pytest.mark.django_db

API = "/api/v1/documents/"


def as_user(client, user):
    client.force_login(user)
    return client


def step(client, document_id, action, kind="outgoing", **body):
    return client.post(f"{API}{kind}/{document_id}/actions/{action}", body, content_type="application/json")


def new_draft(client, drafter, city_pc, city_office, ward_pc=None, subject="Về việc tổ chức Ngày Chuyển đổi số"):
    as_user(client, drafter)
    data = {"agency": city_pc.code, "document_type": "KH", "subject": subject,
            "drafting_unit": city_office.code, "urgency": "khan",
            "draft": SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="application/pdf")}
    if ward_pc is not None:
        data["recipients"] = [ward_pc.code]
    response = client.post(f"{API}outgoing", data)
    assert response.status_code == 201, response.content
    return response.json()


def test_the_outgoing_flow_through_the_api(client, types, drafter, city_leader, city_clerk, city_pc,
                                           city_office, ward_pc, ward_clerk):
    created = new_draft(client, drafter, city_pc, city_office, ward_pc)
    assert created["state"] == "draft" and created["recipients"] == [ward_pc.code]
    document_id = created["id"]
    assert step(client, document_id, "submit").json()["state"] == "in_review"

    as_user(client, city_leader)
    assert step(client, document_id, "approve").json()["state"] == "approved"
    wrong = step(client, document_id, "sign", passphrase="sai")
    assert wrong.status_code == 400 and "passphrase" in wrong.json()["errors"]
    signed = step(client, document_id, "sign", passphrase=PASSPHRASE)
    assert signed.status_code == 200 and signed.json()["signer_name"] == "Bùi Văn Sơn"
    assert step(client, document_id, "number").status_code == 403  # the clerk numbers

    as_user(client, city_clerk)
    assert step(client, document_id, "issue").status_code == 409  # not numbered yet
    numbered = step(client, document_id, "number").json()
    assert numbered["notation"] == "01/KH-UBND" and numbered["state"] == "numbered"
    assert step(client, document_id, "issue").json()["state"] == "issued"

    detail = client.get(f"{API}outgoing/{document_id}").json()
    assert [f["kind"] for f in detail["files"]] == ["draft", "signed", "signed"]
    assert [e["action"] for e in detail["events"]] == ["create", "submit", "approve", "sign", "number", "issue"]
    sealed = detail["files"][-1]
    download = client.get(f"{API}files/{sealed['id']}")
    body = b"".join(download.streaming_content) if download.streaming else download.content
    assert hashlib.sha256(body).hexdigest() == sealed["sha256"] == download["X-Content-SHA256"]
    assert len(signing.verify_pdf(body, trust_roots=[signing_ca().certificate])) == 2

    # The ward receives it, registers, and its clerk sees it; the ward's clerk cannot see the drafts.
    as_user(client, ward_clerk)
    (incoming,) = client.get(f"{API}incoming").json()
    assert incoming["signature_verdict"] == "valid" and incoming["original_notation"] == "01/KH-UBND"
    registered = step(client, incoming["id"], "register", kind="incoming").json()
    assert registered["incoming_number"] == 1
    assert client.get(f"{API}files/{detail['files'][0]['id']}").status_code == 404  # the draft
    assert client.get(f"{API}files/{sealed['id']}").status_code == 200  # what it received


def test_other_agencies_and_unknown_steps(client, types, drafter, city_pc, city_office, ward_clerk):
    document_id = new_draft(client, drafter, city_pc, city_office)["id"]
    assert step(client, document_id, "teleport").status_code == 404
    as_user(client, ward_clerk)
    assert client.get(f"{API}outgoing/{document_id}").status_code == 404
    assert step(client, document_id, "submit").status_code == 404
    client.logout()
    assert client.get(f"{API}outgoing").status_code == 401


def test_a_draft_that_is_not_a_pdf_is_refused_with_its_field(client, types, drafter, city_pc, city_office):
    as_user(client, drafter)
    response = client.post(f"{API}outgoing", {
        "agency": city_pc.code, "document_type": "KH", "subject": "Kế hoạch", "drafting_unit": city_office.code,
        "draft": SimpleUploadedFile("ke-hoach.txt", b"plain text")})
    assert response.status_code == 400 and "draft" in response.json()["errors"]


def test_two_phase_signature_through_the_api(client, types, drafter, city_leader, city_pc, city_office):
    key = pki.issue_certificate(signing_ca(), common_name="Bùi Văn Sơn", organisation=city_pc.name, kind="person",
                                key_type="rsa", not_before=CERTS_FROM, days=3000)
    services.add_external_credential(actor=city_leader, official=city_leader.official,
                                     certificate=key.certificate.public_bytes(serialization.Encoding.PEM))
    document_id = new_draft(client, drafter, city_pc, city_office)["id"]
    step(client, document_id, "submit")
    as_user(client, city_leader)
    step(client, document_id, "approve")
    prepared = client.post(f"{API}outgoing/{document_id}/signature").json()
    assert prepared["signature_algorithm"] == "rsassa_pkcs1v15" and prepared["digest_algorithm"] == "sha256"
    digest = base64.b64decode(prepared["digest"])
    bad = client.post(f"{API}signatures/{prepared['pending_id']}", {"signature": "not base64!"},
                      content_type="application/json")
    assert bad.status_code == 400
    raw = signing.sign_prehashed(key.private_key, digest, prepared["digest_algorithm"])
    done = client.post(f"{API}signatures/{prepared['pending_id']}", {"signature": base64.b64encode(raw).decode()},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "signed"


def test_exchange_through_the_api(client, types, signed, city_clerk, city_pc, ward_pc, ward_clerk):
    document = signed("QĐ")
    services.number_document(document_id=document.pk, actor=city_clerk)
    document = services.issue_document(document_id=document.pk, actor=city_clerk)
    from chinhquyenso.documents import edxml

    message = services.export_edxml(document_id=document.pk, actor=city_clerk,
                                    recipients=[edxml.Organ(ward_pc.code, ward_pc.name)])
    as_user(client, city_clerk)
    package = client.get(f"{API}exchange/messages/{message.pk}")
    assert package.status_code == 200 and package["Content-Type"] == "application/xml"

    as_user(client, ward_clerk)
    refused = client.post(f"{API}exchange/packages", {"agency": ward_pc.code,
                                                   "file": SimpleUploadedFile("x.edxml", package.content[:200])})
    assert refused.status_code == 400 and refused.json()["errors"]["file"]
    assert not IncomingDocument.objects.filter(agency=ward_pc).exists()
    received = client.post(f"{API}exchange/packages", {"agency": ward_pc.code,
                                                    "file": SimpleUploadedFile("x.edxml", package.content)})
    assert received.status_code == 201 and received.json()["channel"] == "electronic"
    assert client.post(f"{API}exchange/packages", {"agency": city_pc.code, "file": SimpleUploadedFile(
        "x.edxml", package.content)}).status_code == 404  # not the ward clerk's agency
    (status,) = client.get(f"{API}exchange/outbox").json()
    assert status["kind"] == "status" and status["status_code"] == "01"
    status_file = client.get(f"{API}exchange/messages/{status['id']}").content
    assert client.post(f"{API}exchange/outbox/sent", {"ids": [status["id"]]},
                       content_type="application/json").json() == {"marked": 1}
    assert client.get(f"{API}exchange/outbox").json() == []

    as_user(client, city_clerk)
    imported = client.post(f"{API}exchange/status", {"agency": city_pc.code,
                                                     "file": SimpleUploadedFile("s.edxml", status_file)})
    assert imported.status_code == 201
    events = client.get(f"{API}outgoing/{document.pk}").json()["events"]
    assert "recipient_status_01" in [e["action"] for e in events]


def test_search_through_the_api(client, types, drafter, city_pc, city_office, ward_clerk):
    new_draft(client, drafter, city_pc, city_office, subject="Về việc tổ chức Ngày Chuyển đổi số quốc gia")
    new_draft(client, drafter, city_pc, city_office, subject="Về việc phòng chống lụt bão")
    found = client.get(f"{API}search", {"q": "chuyen doi so quoc gia"}).json()
    assert found["total"] == 1 and "Chuyển đổi số quốc gia" in found["hits"][0]["title"]
    # The drafts' text is searched too: both PDFs speak of "chuyển đổi số".
    assert client.get(f"{API}search", {"q": "chuyen doi so"}).json()["total"] == 2
    assert client.get(f"{API}search", {"q": "x", "kind": "sideways"}).status_code == 400
    as_user(client, ward_clerk)  # another agency's drafts are not found
    assert client.get(f"{API}search", {"q": "chuyen doi so"}).json()["total"] == 0


def test_confidential_documents_are_masked_and_never_found(client, types, draft, drafter, city_leader,
                                                           city_office, city):
    from chinhquyenso.org.models import Role
    from tests.factories import OfficialFactory

    secret = draft("CV", subject="Về việc phương án bảo vệ mục tiêu trọng điểm", confidentiality="mat")
    colleague = OfficialFactory(agency=city_office, roles=[(Role.SPECIALIST, city)]).user
    as_user(client, colleague)
    (listed,) = [d for d in client.get(f"{API}outgoing").json() if d["id"] == secret.pk]
    assert listed["subject"] == "(mật)"
    detail = client.get(f"{API}outgoing/{secret.pk}").json()
    assert detail["files"] == [] and detail["subject"] == "(mật)"
    assert client.get(f"{API}search", {"q": "bao ve muc tieu"}).json()["total"] == 0
    for reader in (drafter, city_leader):  # the drafter and the agency's leader read it
        as_user(client, reader)
        assert client.get(f"{API}outgoing/{secret.pk}").json()["subject"].startswith("Về việc phương án")
        assert client.get(f"{API}search", {"q": "bao ve muc tieu"}).json()["total"] == 1
