"""Signing through the officials' pages: “My signing certificate” (a key file with its
passphrase, the certificate of a key on a token or phone, withdrawal), the agencies'
seals, and the three ways a leader signs an approved draft on its page — the key kept
on the server, a PDF signed with the token's own software, and two phases on a device.
Real keys from the test CA, real PDFs, real verification.

The pages are asked for in English (the language switch's cookie)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.documents import pki, services, signing
from chinhquyenso.documents.files import read_document_file
from chinhquyenso.documents.models import (
    DocumentFile,
    OutgoingState,
    PendingSignature,
    SigningCredential,
)
from chinhquyenso.org.models import Role
from tests.documents.conftest import (
    CERTS_FROM,
    PASSPHRASE,
    agency_pkcs12,
    person_pkcs12,
    signing_ca,
)
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db

CERTIFICATES = "/van-ban/chung-thu-so/"


def open_as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html(response) -> str:
    return response.content.decode()


def upload(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@pytest.fixture
def deputy(city_pc, city):
    """A vice-chairman without any certificate yet."""
    return OfficialFactory(agency=city_pc, full_name="Vũ Thị Lan", title="Phó Chủ tịch",
                           roles=[(Role.LEADER, city)]).user


@pytest.fixture
def approved(draft, drafter, city_leader):
    """approved() → a draft submitted and approved for signature."""

    def make(**kwargs):
        document = draft("QĐ", **kwargs)
        services.submit_for_review(document_id=document.pk, actor=drafter)
        return services.approve_for_signature(document_id=document.pk, actor=city_leader)

    return make


def device_key(name: str, organisation: str, key_type: str = "ec"):
    """A key that never leaves the signer's token or phone, and its certificate."""
    return pki.issue_certificate(signing_ca(), common_name=name, organisation=organisation, kind="person",
                                 key_type=key_type, not_before=CERTS_FROM, days=3000)


def register_device_certificate(client, key, signer_url=""):
    pem = key.certificate.public_bytes(serialization.Encoding.PEM)
    return client.post(CERTIFICATES + "tren-thiet-bi/", {
        "external-certificate": upload(pem, "chung-thu.cer"), "external-signer_url": signer_url})


def latest_signed(document) -> bytes:
    return read_document_file(document.files.filter(kind=DocumentFile.Kind.SIGNED).latest("pk"))


# --- My signing certificate ---------------------------------------------------------------------

def test_a_key_file_with_its_passphrase(client, deputy, city_pc):
    open_as(client, deputy)
    page = client.get(CERTIFICATES)
    assert page.status_code == 200 and "My signing certificate" in html(page)
    assert "No certificate registered." in html(page)
    assert 'type="password"' in html(page) and 'enctype="multipart/form-data"' in html(page)
    key_file = person_pkcs12("Vũ Thị Lan", city_pc.name, "Phó Chủ tịch")

    wrong = client.post(CERTIFICATES + "tep-khoa/", {"key-pkcs12": upload(key_file, "lan.p12"),
                                                      "key-passphrase": "sai-mat-khau-9"})
    assert wrong.status_code == 400
    assert wrong.context["key_form"].errors["passphrase"] == [
        "The key file cannot be opened: wrong passphrase or damaged file."]
    assert "sai-mat-khau-9" not in html(wrong)
    assert not SigningCredential.objects.filter(official=deputy.official).exists()

    done = client.post(CERTIFICATES + "tep-khoa/", {"key-pkcs12": upload(key_file, "lan.p12"),
                                                     "key-passphrase": PASSPHRASE}, follow=True)
    assert done.redirect_chain[-1][0] == CERTIFICATES
    credential = SigningCredential.objects.get(official=deputy.official)
    page = html(done)
    assert "Your signing certificate is registered: Vũ Thị Lan." in page
    assert credential.fingerprint in page and "Chính quyền số Test Root CA" in page and "In use" in page
    assert credential.not_after.strftime("%d/%m/%Y") in page
    assert PASSPHRASE not in page

    again = client.post(CERTIFICATES + "tep-khoa/", {"key-pkcs12": upload(key_file, "lan.p12"),
                                                      "key-passphrase": PASSPHRASE})
    assert again.status_code == 400 and "This certificate is already registered." in html(again)


def test_a_certificate_whose_key_stays_on_a_token_and_withdrawal(client, deputy, city_pc):
    open_as(client, deputy)
    not_a_certificate = client.post(CERTIFICATES + "tren-thiet-bi/", {
        "external-certificate": upload(b"hello", "chung-thu.cer")})
    assert not_a_certificate.status_code == 400
    assert "This is not a certificate file (PEM or DER)." in html(not_a_certificate)

    key = device_key("Vũ Thị Lan", city_pc.name)
    refused = register_device_certificate(client, key, signer_url="ftp://ky-so.local")
    assert refused.status_code == 400
    assert refused.context["external_form"].errors["signer_url"] == ["The signer address must start with https://."]

    der = key.certificate.public_bytes(serialization.Encoding.DER)
    done = client.post(CERTIFICATES + "tren-thiet-bi/", {
        "external-certificate": upload(der, "chung-thu.der"),
        "external-signer_url": "https://127.0.0.1:8765/ky"}, follow=True)
    credential = SigningCredential.objects.get(official=deputy.official)
    assert (credential.source, credential.signer_url) == (SigningCredential.Source.EXTERNAL, "https://127.0.0.1:8765/ky")
    assert credential.fingerprint in html(done) and "External signer" in html(done)

    withdrawn = client.post(f"{CERTIFICATES}{credential.pk}/thu-hoi/", follow=True)
    credential.refresh_from_db()
    assert not credential.is_active and credential.deactivated_at is not None
    assert "is withdrawn" in html(withdrawn) and "Withdrawn" in html(withdrawn)
    assert AuditEntry.objects.filter(action="document.credential.withdraw", object_id=str(credential.pk)).exists()


def test_nobody_withdraws_someone_elses_certificate(client, city_leader, deputy, ward_clerk):
    credential = SigningCredential.objects.get(official=city_leader.official)
    for stranger in (deputy, ward_clerk):
        assert open_as(client, stranger).post(f"{CERTIFICATES}{credential.pk}/thu-hoi/").status_code == 404
    credential.refresh_from_db()
    assert credential.is_active


# --- the agencies' seals ---------------------------------------------------------------------------

def test_the_seal_page_is_for_the_it_department_and_the_agencys_clerk(client, it_admin, city_clerk, ward_pc,
                                                                      ward_specialist, ward_clerk, city_pc):
    seal_page = f"{CERTIFICATES}co-quan/{ward_pc.pk}/"
    assert open_as(client, ward_specialist).get(seal_page).status_code == 403
    assert client.get(CERTIFICATES + "co-quan/").status_code == 403
    assert open_as(client, city_clerk).get(seal_page).status_code == 403  # another agency's seal

    # The city's clerk, of the Văn phòng, keeps the registers of the People's Committee too.
    listing = open_as(client, city_clerk).get(CERTIFICATES + "co-quan/")
    sealed = {agency.name: valid for agency, valid in listing.context["agencies"]}
    assert sealed == {city_pc.name: True, "Văn phòng HĐND và UBND thành phố": False}
    assert "In use" in html(client.get(f"{CERTIFICATES}co-quan/{city_pc.pk}/"))

    # The IT department lists every agency and registers the ward's seal.
    listing = html(open_as(client, it_admin).get(CERTIFICATES + "co-quan/"))
    assert ward_pc.name in listing and city_pc.name in listing
    key_file = agency_pkcs12(ward_pc.name)
    wrong = client.post(seal_page, {"key-pkcs12": upload(key_file, "con-dau.p12"), "key-passphrase": "khong-dung"})
    assert wrong.status_code == 400 and wrong.context["key_form"].errors["passphrase"]
    assert "khong-dung" not in html(wrong)
    before = SigningCredential.objects.filter(agency=ward_pc).count()
    done = client.post(seal_page, {"key-pkcs12": upload(key_file, "con-dau.p12"), "key-passphrase": PASSPHRASE},
                       follow=True)
    assert f"The seal certificate of {ward_pc.name} is registered" in html(done)
    assert SigningCredential.objects.filter(agency=ward_pc).count() == before + 1
    newest = SigningCredential.objects.filter(agency=ward_pc).latest("pk")
    assert newest.is_active and newest.fingerprint in html(done)

    # The ward's clerk manages it too, and withdraws it.
    open_as(client, ward_clerk)
    assert client.get(seal_page).status_code == 200
    client.post(f"{CERTIFICATES}{newest.pk}/thu-hoi/")
    newest.refresh_from_db()
    assert not newest.is_active
    assert open_as(client, ward_specialist).post(f"{CERTIFICATES}{newest.pk}/thu-hoi/").status_code == 404


# --- signing on the document's page -------------------------------------------------------------------

def test_sign_with_the_key_kept_on_the_server(client, approved, city_leader):
    document = approved()
    address = f"/van-ban/di/{document.pk}/"
    page = open_as(client, city_leader).get(address)
    assert {a["action"] for a in page.context["actions"]} == {"sign"}
    assert "Upload a PDF signed with my token" in html(page) and "Sign on my device" in html(page)
    response = client.post(address + "sign/", {"passphrase": PASSPHRASE}, follow=True)
    assert "Done: sign." in html(response)
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED
    (verdict,) = signing.verify_pdf(latest_signed(document), trust_roots=[signing_ca().certificate])
    assert verdict.ok and verdict.signer_name == "Bùi Văn Sơn"


def test_upload_a_pdf_signed_with_the_token(client, approved, city_leader, city_pc):
    document = approved()
    address = f"/van-ban/di/{document.pk}/"
    key = device_key("Bùi Văn Sơn", city_pc.name)
    open_as(client, city_leader)
    register_device_certificate(client, key)
    page = client.get(address)
    draft_file = document.files.get(kind=DocumentFile.Kind.DRAFT)
    assert f"/van-ban/tep/{draft_file.pk}/" in html(page)  # the draft to sign with the token's software
    draft_pdf = client.get(f"/van-ban/tep/{draft_file.pk}/").content

    stranger = device_key("Người lạ", "Nơi khác")
    by_stranger = signing.sign_pdf(draft_pdf, signing.ServerKeySigner.from_certified_key(stranger), field_name="K")
    refused = client.post(address + "ban-da-ky/", {"signed-file": upload(by_stranger, "da-ky.pdf")})
    assert refused.status_code == 400
    assert "The signature is not made with a certificate registered for you." in html(refused)
    assert refused.context["signing"]["upload_form"].errors["file"]
    not_a_pdf = client.post(address + "ban-da-ky/", {"signed-file": upload(b"not a pdf", "da-ky.pdf")})
    assert not_a_pdf.status_code == 400 and "The signed document must be a PDF file." in html(not_a_pdf)

    by_token = signing.sign_pdf(draft_pdf, signing.ServerKeySigner.from_certified_key(key),
                                field_name="ChuKyNguoiCoThamQuyen")
    response = client.post(address + "ban-da-ky/", {"signed-file": upload(by_token, "da-ky.pdf")}, follow=True)
    assert "Done: sign." in html(response)
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED
    assert latest_signed(document) == by_token  # kept byte for byte


def test_sign_on_the_device_in_two_phases(client, approved, city_leader, city_pc):
    document = approved()
    address = f"/van-ban/di/{document.pk}/"
    key = device_key("Bùi Văn Sơn", city_pc.name, key_type="rsa")
    open_as(client, city_leader)
    register_device_certificate(client, key)
    page = client.get(address)
    # The key is only on the device: no “sign” step here, the device's two phases instead.
    assert "sign" not in {a["action"] for a in page.context["actions"]}
    assert "Prepare the signature" in html(page) and "Sign this document" in html(page)
    not_here = client.post(address + "sign/", {"passphrase": ""})
    assert not_here.status_code == 400 and "sign on your device" in html(not_here)

    prepared = client.post(address + "ky-tren-thiet-bi/", follow=True)
    pending = PendingSignature.objects.get(document=document)
    page = html(prepared)
    digest_b64 = re.search(r'<code class="digest"[^>]*>([^<]+)</code>', page).group(1)
    assert base64.b64decode(digest_b64) == bytes.fromhex(pending.digest)
    assert f'<dd class="pending-id">{pending.pk}</dd>' in page
    assert timezone.localtime(pending.expires_at).strftime("%d/%m/%Y %H:%M") in page
    assert "sha256" in page

    complete = f"{address}ky-tren-thiet-bi/{pending.pk}/"
    bad = client.post(complete, {"device-signature": "not base64!"})
    assert bad.status_code == 400 and "The signature must be base64." in html(bad)
    wrong_key = device_key("Người lạ", "Nơi khác", key_type="rsa")
    wrong = signing.sign_prehashed(wrong_key.private_key, base64.b64decode(digest_b64), "sha256")
    refused = client.post(complete, {"device-signature": base64.b64encode(wrong).decode()})
    assert refused.status_code == 400 and "The signature was refused" in html(refused)
    document.refresh_from_db()
    assert document.state == OutgoingState.APPROVED

    answer = signing.sign_prehashed(key.private_key, base64.b64decode(digest_b64), "sha256")
    wrapped = base64.encodebytes(answer).decode()  # as a phone app may show it, in lines
    response = client.post(complete, {"device-signature": wrapped}, follow=True)
    assert "Done: sign." in html(response)
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED
    (verdict,) = signing.verify_pdf(latest_signed(document), trust_roots=[signing_ca().certificate])
    assert verdict.ok and verdict.certificate_sha256 == SigningCredential.objects.get(
        official=city_leader.official, is_active=True).fingerprint
    assert client.post(complete, {"device-signature": base64.b64encode(answer).decode()}).status_code == 409


def test_prepared_signatures_are_their_signers(client, approved, city_leader, deputy, city_pc):
    document = approved()
    address = f"/van-ban/di/{document.pk}/"
    open_as(client, city_leader)
    client.post(address + "ky-tren-thiet-bi/")
    pending = PendingSignature.objects.get(document=document)
    open_as(client, deputy)
    assert client.post(f"{address}ky-tren-thiet-bi/{pending.pk}/", {"device-signature": "AAAA"}).status_code == 404
    refused = client.post(address + "ky-tren-thiet-bi/")  # without a certificate: said on the page
    assert refused.status_code == 400
    assert "You have no valid signing certificate" in html(refused)
    assert PendingSignature.objects.filter(document=document).count() == 1


def test_the_passphrase_is_never_shown_nor_logged(client, deputy, approved, city_pc):
    open_as(client, deputy)
    key_file = person_pkcs12("Vũ Thị Lan", city_pc.name)
    responses = [client.post(CERTIFICATES + "tep-khoa/", {"key-pkcs12": upload(key_file, "lan.p12"),
                                                           "key-passphrase": secret}, follow=True)
                 for secret in ("Sai-Mat-Khau-Rieng", PASSPHRASE)]
    document = approved()
    responses.append(client.post(f"/van-ban/di/{document.pk}/sign/", {"passphrase": "Sai-Mat-Khau-Rieng"}))
    responses.append(client.post(f"/van-ban/di/{document.pk}/sign/", {"passphrase": PASSPHRASE}, follow=True))
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED
    for response in responses:
        assert PASSPHRASE not in html(response) and "Sai-Mat-Khau-Rieng" not in html(response)
    for entry in AuditEntry.objects.all():
        logged = f"{entry.before} {entry.after} {entry.object_repr}"
        assert PASSPHRASE not in logged and "Sai-Mat-Khau-Rieng" not in logged


def test_the_drafter_replaces_the_draft_file(client, draft, drafter, city_leader):
    from tests.documents.conftest import make_pdf

    document = draft()
    address = f"/van-ban/di/{document.pk}/"
    open_as(client, drafter)
    assert 'data-form="replace_draft"' in html(client.get(address))
    refused = client.post(address + "thay-du-thao/", {"replace-file": upload(b"just text", "ghi-chu.txt")})
    assert refused.status_code == 400
    assert "The draft must be a PDF file" in html(refused)
    new_version = make_pdf(body="Bản sửa đổi lần hai.")
    response = client.post(address + "thay-du-thao/", {"replace-file": upload(new_version, "du-thao-2.pdf")},
                           follow=True)
    assert "Done: replace the draft file." in html(response)
    drafts = list(document.files.filter(kind=DocumentFile.Kind.DRAFT).order_by("pk"))
    assert len(drafts) == 2 and read_document_file(drafts[-1]) == new_version
    services.submit_for_review(document_id=document.pk, actor=drafter)
    assert 'data-form="replace_draft"' not in html(client.get(address))  # only while it is a draft
    assert client.post(address + "thay-du-thao/", {"replace-file": upload(new_version, "x.pdf")}).status_code == 409
