"""Public verification of signed PDFs: the trust store, the five verdicts through the
public API and page, the page a QR code on an issued document opens, and the command
that imports trusted roots. Real PDFs, really signed, checked against a real PKI."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.platypus import Paragraph

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.core.pdf import build_pdf, escape_text, get_styles
from chinhquyenso.documents import pki, services, signing, trust
from chinhquyenso.documents.models import Confidentiality, OutgoingState
from chinhquyenso.documents.verification import (
    MODIFICATION_LABELS,
    VERDICT_SENTENCES,
    NotAPdf,
    document_for_token,
    issued_document_token,
    verify_upload,
)

SHARED_PKI = Path(__file__).resolve().parents[3] / "shared" / "pki"
needs_shared_pki = pytest.mark.skipif(not (SHARED_PKI / "README.md").is_file(),
                                      reason="../shared/pki is not checked out here")
VN = ZoneInfo("Asia/Ho_Chi_Minh")
API = "/api/v1/public/signatures/verify"
PAGE = "/xac-thuc/"
CITY = "Ủy ban nhân dân thành phố Vĩnh Yên"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
SIGNED_AT = NOW - dt.timedelta(days=1, hours=3)  # declared signing time of the valid signatures


class DemoPki:
    """A root CA the city trusts, its leader (RSA) and seal (ECDSA), a leader whose
    certificate expired a year ago, a timestamp authority, and a stranger CA."""

    def __init__(self):
        self.root = pki.create_root_ca("Chính quyền số Verification Root CA",
                                       not_before=NOW - dt.timedelta(days=1500), days=3650)
        self.leader = pki.issue_certificate(
            self.root, common_name="Lê Minh Đạo", organisation=CITY, kind="person", title="Chủ tịch",
            not_before=NOW - dt.timedelta(days=30), days=730)
        self.agency = pki.issue_certificate(
            self.root, common_name=CITY, organisation=CITY, kind="agency", key_type="ec",
            not_before=NOW - dt.timedelta(days=30), days=730)
        self.expired_leader = pki.issue_certificate(
            self.root, common_name="Nguyễn Văn Cũ", organisation=CITY, kind="person",
            not_before=NOW - dt.timedelta(days=800), days=365)
        self.tsa = pki.issue_certificate(
            self.root, common_name="Demo TSA", organisation="Chính quyền số", kind="tsa",
            not_before=NOW - dt.timedelta(days=1500), days=3000)
        self.stranger_ca = pki.create_root_ca("Unknown CA")
        self.stranger = pki.issue_certificate(
            self.stranger_ca, common_name="Người lạ", organisation="Không rõ", kind="person")


def sign(pdf: bytes, who: pki.CertifiedKey, field: str, **kwargs) -> bytes:
    return signing.sign_pdf(pdf, signing.ServerKeySigner.from_certified_key(who), field_name=field,
                            **kwargs)


def flip_byte_in_first_revision(pdf: bytes) -> bytes:
    """Change one byte of the original document, inside every signature's byte range."""
    index = pdf.index(b"ReportLab PDF Library")
    tampered = bytearray(pdf)
    tampered[index] = ord("X")
    return bytes(tampered)


def stamp_over_page(pdf: bytes) -> bytes:
    """An incremental revision that writes over the page: a change PAdES does not allow."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    overlay = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (KHONG HIEU LUC) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(overlay))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_signed_pdfs(world: DemoPki) -> dict[str, bytes]:
    styles = get_styles()
    original = build_pdf(
        [Paragraph("ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN", styles.centered_bold),
         Paragraph("QUYẾT ĐỊNH", styles.title),
         Paragraph(escape_text("Về việc phê duyệt kế hoạch chuyển đổi số năm 2026."), styles.justified)],
        title="Quyết định 123/QĐ-UBND", author=CITY)
    leader = sign(original, world.leader, "ChuKyLanhDao", page=-1, signed_at=SIGNED_AT,
                  stamp=signing.StampText(name="Lê Minh Đạo", title="Chủ tịch",
                                          capacity="TM. ỦY BAN NHÂN DÂN"))
    valid = sign(leader, world.agency, "ChuKyCoQuan", signed_at=SIGNED_AT + dt.timedelta(minutes=3))
    while_valid = NOW - dt.timedelta(days=600)  # inside the expired leader's validity
    return {
        "original": original,
        "valid": valid,
        "tampered": flip_byte_in_first_revision(valid),
        "overwritten": stamp_over_page(leader),
        "untrusted": sign(original, world.stranger, "ChuKy"),
        "expired": sign(original, world.expired_leader, "ChuKy"),
        "expired_backdated": sign(original, world.expired_leader, "ChuKy", signed_at=while_valid),
        "timestamped_in_time": sign(
            original, world.expired_leader, "ChuKy", signed_at=while_valid,
            timestamper=signing.local_timestamper(world.tsa, fixed_time=while_valid)),
    }


@pytest.fixture(scope="module")
def world():
    return DemoPki()


@pytest.fixture(scope="module")
def pdfs(world):
    return make_signed_pdfs(world)


@pytest.fixture
def trusted_root(db, settings, tmp_path, world):
    """The demo root in a trust directory of the test's own (beside anything the
    documents fixtures trust there)."""
    settings.CQS_TRUST_DIR = tmp_path / "trust"
    settings.CQS_TRUST_ROOTS = []
    trust.add_trust_root(world.root.certificate, name="Demo root of the city", actor="test")
    return world.root.certificate


def vi(text) -> str:
    """What a Vietnamese reader sees for a msgid (the English text until it is translated)."""
    with translation.override("vi"):
        return str(translation.gettext(str(text)) if isinstance(text, str) else text)


def page_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def post_api(client, data: bytes, name="van-ban.pdf", content_type="application/pdf"):
    return client.post(API, {"file": SimpleUploadedFile(name, data, content_type)})


def post_page(client, data: bytes, name="van-ban.pdf"):
    return client.post(PAGE, {"file": SimpleUploadedFile(name, data, "application/pdf")})


def in_vietnam(moment: dt.datetime) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M")


# ------------------------------------------------------------------ the trust store


def test_trust_store_is_a_directory_the_platform_fills_and_rereads(db, settings, tmp_path, world):
    directory = tmp_path / "trust-store"
    settings.CQS_TRUST_DIR = directory
    settings.CQS_TRUST_ROOTS = []
    assert trust.trust_roots() == []  # no directory yet: nothing is trusted

    path = trust.add_trust_root(world.root.certificate, name="CA của thành phố", actor="test")
    assert path.parent == directory
    assert path.name == world.root.certificate.fingerprint(hashes.SHA256()).hex() + ".pem"
    assert trust.trust_roots() == [world.root.certificate]
    assert not list(directory.glob(".*"))  # no temporary file left behind

    (listed,) = trust.list_trust_roots()
    assert listed.label == "CA của thành phố"
    assert listed.fingerprint == pki.certificate_fingerprint(world.root.certificate)
    assert "Chính quyền số Verification Root CA" in listed.subject
    assert listed.not_after == world.root.certificate.not_valid_after_utc
    assert listed.managed and listed.is_ca

    added = AuditEntry.objects.get(action="documents.trust_root.add")
    assert added.object_id == world.root.certificate.fingerprint(hashes.SHA256()).hex()
    assert added.after["label"] == "CA của thành phố"
    # adding it again changes nothing and records nothing
    assert trust.add_trust_root(world.root.certificate, name="again") == path
    assert AuditEntry.objects.filter(action__startswith="documents.trust_root").count() == 1

    # a certificate an administrator copies in by hand (DER) is seen without a restart
    (directory / "ca-la.cer").write_bytes(
        world.stranger_ca.certificate.public_bytes(serialization.Encoding.DER))
    assert set(trust.trust_roots()) == {world.root.certificate, world.stranger_ca.certificate}

    assert trust.remove_trust_root(listed.fingerprint, actor="test")
    assert trust.trust_roots() == [world.stranger_ca.certificate]
    assert AuditEntry.objects.filter(action="documents.trust_root.remove").count() == 1
    assert not trust.remove_trust_root(listed.fingerprint)


def test_extra_roots_from_settings_are_trusted_but_not_removable(db, settings, tmp_path, world):
    extra = tmp_path / "managed-elsewhere.pem"
    extra.write_bytes(world.stranger_ca.certificate.public_bytes(serialization.Encoding.PEM))
    settings.CQS_TRUST_DIR = tmp_path / "empty"
    settings.CQS_TRUST_ROOTS = [str(extra)]
    assert trust.trust_roots() == [world.stranger_ca.certificate]
    (root,) = trust.list_trust_roots()
    assert not root.managed
    assert not trust.remove_trust_root(root.fingerprint)
    assert extra.exists()


def test_a_broken_trust_file_is_a_configuration_error(db, settings, tmp_path):
    directory = tmp_path / "broken-trust"
    directory.mkdir()
    (directory / "hong.pem").write_text("not a certificate")
    settings.CQS_TRUST_DIR = directory
    with pytest.raises(trust.TrustRootError):
        trust.trust_roots()


# ------------------------------------------------------------------ the five verdicts (API)


def test_valid_leader_and_agency_seal(client, trusted_root, pdfs):
    response = post_api(client, pdfs["valid"])
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "valid"
    leader, seal = body["signatures"]
    assert leader == {"signer": f"Lê Minh Đạo, {CITY}",
                      "signed_at": leader["signed_at"], "intact": True, "trusted": True,
                      "modification_level": "form_filling_or_signatures"}
    assert dt.datetime.fromisoformat(leader["signed_at"]) == SIGNED_AT
    assert seal["signer"] == CITY
    assert seal["intact"] and seal["trusted"] and seal["modification_level"] == "none"
    assert dt.datetime.fromisoformat(seal["signed_at"]) == SIGNED_AT + dt.timedelta(minutes=3)


def test_a_flipped_byte_is_tampered(client, trusted_root, pdfs):
    body = post_api(client, pdfs["tampered"]).json()
    assert body["verdict"] == "tampered"
    assert [s["intact"] for s in body["signatures"]] == [False, False]


def test_content_written_over_after_signing_is_tampered(client, trusted_root, pdfs):
    body = post_api(client, pdfs["overwritten"]).json()
    assert body["verdict"] == "tampered"
    (signature,) = body["signatures"]
    assert signature["intact"] and signature["trusted"]  # its own revision is untouched…
    assert signature["modification_level"] == "disallowed"  # …but the page was changed after


def test_a_stranger_ca_is_untrusted(client, trusted_root, pdfs):
    body = post_api(client, pdfs["untrusted"]).json()
    assert body["verdict"] == "untrusted"
    (signature,) = body["signatures"]
    assert signature["signer"] == "Người lạ, Không rõ"
    assert signature["intact"] and not signature["trusted"]


def test_an_expired_certificate_is_expired_not_untrusted(client, trusted_root, pdfs):
    for name in ("expired", "expired_backdated"):
        body = post_api(client, pdfs[name]).json()
        assert body["verdict"] == "expired", name
        (signature,) = body["signatures"]
        assert signature["intact"] and signature["trusted"]  # the chain reaches the root


def test_a_timestamp_made_while_the_certificate_was_valid_keeps_the_signature_valid(
        client, trusted_root, pdfs):
    body = post_api(client, pdfs["timestamped_in_time"]).json()
    assert body["verdict"] == "valid"
    assert dt.datetime.fromisoformat(body["signatures"][0]["signed_at"]) < NOW - dt.timedelta(days=500)


def test_unsigned_pdf(client, trusted_root, pdfs):
    assert post_api(client, pdfs["original"]).json() == {"verdict": "unsigned", "signatures": []}


def test_nothing_is_trusted_without_a_trust_store(db, client, settings, tmp_path, pdfs):
    settings.CQS_TRUST_DIR = tmp_path / "nothing-here"
    settings.CQS_TRUST_ROOTS = []
    body = post_api(client, pdfs["valid"]).json()
    assert body["verdict"] == "untrusted"
    assert [s["trusted"] for s in body["signatures"]] == [False, False]


def test_what_is_not_a_pdf_is_refused_with_a_reason(client, trusted_root):
    response = post_api(client, "Đây là văn bản thường.\n".encode(), name="ghi-chu.txt",
                        content_type="text/plain")
    assert response.status_code == 422
    assert response.json() == {"detail": vi("This file is not a PDF document.")}

    damaged = post_api(client, b"%PDF-1.7\n" + b"\x00garbage" * 50)
    assert damaged.status_code == 422
    assert damaged.json() == {"detail": vi("This PDF file is damaged and cannot be read.")}

    empty = post_api(client, b"")
    assert empty.status_code == 422 and empty.json()["detail"]

    missing = client.post(API, {})
    assert missing.status_code == 422
    assert set(missing.json()) == {"detail"} and isinstance(missing.json()["detail"], str)

    with pytest.raises(NotAPdf):
        verify_upload(b"GIF89a")


def test_a_file_over_20_mib_is_refused(client, trusted_root):
    big = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)
    response = post_api(client, big)
    assert response.status_code == 413
    assert "20 MB" in response.json()["detail"]
    # a body declared larger is refused before it is read
    declared = client.post(API, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7", "application/pdf")},
                           CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert declared.status_code == 413
    assert declared.json() == response.json()
    page = client.post(PAGE, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7", "application/pdf")},
                       CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert page.status_code == 413
    assert response.json()["detail"] in page_text(page)


def test_the_api_needs_no_login_and_no_csrf_token(db, trusted_root, pdfs):
    strict = Client(enforce_csrf_checks=True)
    response = post_api(strict, pdfs["valid"])
    assert response.status_code == 200
    assert response.json()["verdict"] == "valid"


def test_openapi_documents_the_contract(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/public/signatures/verify"]["post"]
    assert {"200", "413", "422"} <= set(operation["responses"])
    assert not operation.get("security")
    upload = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["properties"]["file"]["format"] == "binary"
    components = schema["components"]["schemas"]

    def fields(status):
        ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[1]]["properties"]

    assert set(fields("200")) == {"verdict", "signatures"}
    assert set(fields("200")["verdict"]["enum"]) == {"valid", "tampered", "untrusted", "expired",
                                                    "unsigned"}
    signature = components[fields("200")["signatures"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(signature["properties"]) == {"signer", "signed_at", "intact", "trusted",
                                            "modification_level"}
    assert set(fields("422")) == set(fields("413")) == {"detail"}


# ------------------------------------------------------------------ the page


def test_the_page_offers_an_upload_form_that_needs_no_script(client, db):
    response = client.get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file"' in content and 'name="file"' in content
    assert "<script" not in content.split("<main", 1)[1]


@pytest.mark.parametrize("name, verdict", [
    ("valid", "valid"), ("tampered", "tampered"), ("untrusted", "untrusted"),
    ("expired", "expired"), ("original", "unsigned"),
])
def test_the_page_says_each_verdict_in_a_sentence(client, trusted_root, pdfs, name, verdict):
    response = post_page(client, pdfs[name])
    assert response.status_code == 200
    text = page_text(response)
    assert vi(VERDICT_SENTENCES[verdict]) in text
    others = [vi(s) for v, s in VERDICT_SENTENCES.items() if v != verdict]
    assert not any(sentence in text for sentence in others)
    assert f'data-verdict="{verdict}"' in response.content.decode()


def test_the_page_details_each_signature(client, trusted_root, pdfs):
    text = page_text(post_page(client, pdfs["valid"]))
    assert "Lê Minh Đạo — Chủ tịch" in text
    assert in_vietnam(SIGNED_AT) in text
    assert in_vietnam(SIGNED_AT + dt.timedelta(minutes=3)) in text
    assert vi(MODIFICATION_LABELS["form_filling_or_signatures"]) in text
    assert vi(MODIFICATION_LABELS["none"]) in text
    assert vi("Unchanged since signing") in text
    assert vi("The certificate comes from a trusted certification authority") in text

    tampered = page_text(post_page(client, pdfs["tampered"]))
    assert vi("Changed after signing, or the signature is damaged") in tampered

    expired = page_text(post_page(client, pdfs["expired"]))
    assert vi("The signer's certificate was not valid at the time of signing.") in expired
    assert vi("The certificate was out of its validity period") in expired


def test_the_page_works_without_a_session_or_csrf_cookie(db, trusted_root, pdfs):
    """Nothing is stored: a phone that blocks cookies can still check a document."""
    response = post_page(Client(enforce_csrf_checks=True), pdfs["valid"])
    assert response.status_code == 200
    assert vi(VERDICT_SENTENCES["valid"]) in page_text(response)


def test_the_page_explains_a_file_it_cannot_check(client, trusted_root):
    response = client.post(PAGE, {"file": SimpleUploadedFile("anh.jpg", b"\xff\xd8\xff\xe0 JFIF",
                                                             "image/jpeg")})
    assert response.status_code == 422
    assert vi("This file is not a PDF document.") in page_text(response)
    assert client.post(PAGE, {}).status_code == 422


# ------------------------------------------------------------------ issued documents (QR code)


@pytest.fixture
def issued(signed, city_clerk):
    """An issued decision: signed by the leader, numbered and sealed, issued."""
    document = signed("QĐ", subject="Về việc ban hành quy chế xác thực văn bản điện tử")
    services.number_document(document_id=document.pk, actor=city_clerk)
    return services.issue_document(document_id=document.pk, actor=city_clerk)


def test_the_qr_code_page_shows_the_issued_document_and_its_verdict(client, issued):
    token = issued_document_token(issued)
    assert re.fullmatch(rf"{issued.pk}-[A-Za-z0-9_-]{{16}}", token)
    assert document_for_token(token) == issued

    response = client.get(f"/xac-thuc/van-ban/{token}/")
    assert response.status_code == 200
    text = page_text(response)
    assert issued.notation and issued.notation in text
    assert issued.agency.name in text
    assert issued.issued_on.strftime("%d/%m/%Y") in text
    assert "Về việc ban hành quy chế xác thực văn bản điện tử" in text
    assert vi(VERDICT_SENTENCES["valid"]) in text
    assert 'data-verdict="valid"' in response.content.decode()


def test_a_wrong_token_or_a_document_not_issued_is_not_found(client, issued, signed, city_leader):
    token = issued_document_token(issued)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, f"{issued.pk + 1}-{token.split('-', 1)[1]}", "abc", f"{issued.pk}"):
        assert document_for_token(bad) is None
        assert client.get(f"/xac-thuc/van-ban/{bad}/").status_code == 404

    only_signed = signed("QĐ", subject="Chưa ban hành")
    assert only_signed.state == OutgoingState.SIGNED
    assert client.get(f"/xac-thuc/van-ban/{issued_document_token(only_signed)}/").status_code == 404

    services.recall_document(document_id=issued.pk, actor=city_leader, reason="Ban hành nhầm")
    assert client.get(f"/xac-thuc/van-ban/{token}/").status_code == 404


def test_a_confidential_document_is_never_shown(client, signed, city_clerk):
    document = signed("QĐ", confidentiality=Confidentiality.CONFIDENTIAL, subject="Nội dung mật")
    services.number_document(document_id=document.pk, actor=city_clerk)
    document = services.issue_document(document_id=document.pk, actor=city_clerk)
    response = client.get(f"/xac-thuc/van-ban/{issued_document_token(document)}/")
    assert response.status_code == 404
    assert "Nội dung mật" not in response.content.decode()


def test_tokens_survive_a_key_rotation_kept_in_the_fallbacks(settings, issued):
    token = issued_document_token(issued)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789"
    assert document_for_token(token) == issued
    settings.SECRET_KEY_FALLBACKS = []
    assert document_for_token(token) is None


# ------------------------------------------------------------------ import_trust_roots


@needs_shared_pki
def test_import_the_vietnamese_government_roots(db, settings, tmp_path):
    settings.CQS_TRUST_DIR = tmp_path / "imported"
    settings.CQS_TRUST_ROOTS = []
    out = io.StringIO()
    call_command("import_trust_roots", "--vn-government", str(SHARED_PKI), stdout=out)
    expected = pki.import_vn_government_roots(SHARED_PKI)
    assert len(expected) == 7
    assert sorted(c.fingerprint(hashes.SHA256()) for c in trust.trust_roots()) == \
        sorted(c.fingerprint(hashes.SHA256()) for c in expected)
    assert AuditEntry.objects.filter(action="documents.trust_root.add").count() == 7
    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {
        "manage.py import_trust_roots"}

    call_command("import_trust_roots", "--vn-government", str(SHARED_PKI), stdout=io.StringIO())
    assert AuditEntry.objects.filter(action="documents.trust_root.add").count() == 7  # no change

    listing = io.StringIO()
    call_command("import_trust_roots", "--list", stdout=listing)
    text = listing.getvalue()
    assert "MIC National Root CA" in text
    assert "CA:91:8D:63:5B:B1:30:BE:C9:76:39:E6:AA:BF:7E:DB:C4:EB:13:10:F8:05:8B:94:19:F4:67:AE:02:30:AD:8C" \
        in text
    assert "2040-05-16" in text


@needs_shared_pki
def test_a_fingerprint_mismatch_refuses_the_whole_import(db, settings, tmp_path):
    settings.CQS_TRUST_DIR = tmp_path / "imported"
    settings.CQS_TRUST_ROOTS = []
    copy = tmp_path / "pki"
    shutil.copytree(SHARED_PKI, copy)
    altered = bytearray((copy / "vgca-bo-tai-chinh.cer").read_bytes())
    altered[-1] ^= 0x01
    (copy / "vgca-bo-tai-chinh.cer").write_bytes(bytes(altered))
    with pytest.raises(CommandError, match="vgca-bo-tai-chinh.cer"):
        call_command("import_trust_roots", "--vn-government", str(copy), stdout=io.StringIO())
    assert trust.trust_roots() == []
    assert not AuditEntry.objects.filter(action__startswith="documents.trust_root").exists()


def test_import_one_file_list_and_remove(db, settings, tmp_path, world):
    settings.CQS_TRUST_DIR = tmp_path / "imported"
    settings.CQS_TRUST_ROOTS = []
    pem = tmp_path / "ca-tinh.pem"
    pem.write_bytes(world.root.certificate.public_bytes(serialization.Encoding.PEM))
    out = io.StringIO()
    call_command("import_trust_roots", "--file", str(pem), "--name", "CA của tỉnh Vĩnh Phúc",
                 stdout=out)
    assert trust.trust_roots() == [world.root.certificate]
    listing = io.StringIO()
    call_command("import_trust_roots", "--list", stdout=listing)
    assert "CA của tỉnh Vĩnh Phúc" in listing.getvalue()

    fingerprint = pki.certificate_fingerprint(world.root.certificate)
    call_command("import_trust_roots", "--remove", fingerprint, stdout=io.StringIO())
    assert trust.trust_roots() == []
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)) == [
        "documents.trust_root.add", "documents.trust_root.remove"]

    not_a_cert = tmp_path / "readme.pem"
    not_a_cert.write_text("hello")
    with pytest.raises(CommandError):
        call_command("import_trust_roots", "--file", str(not_a_cert), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_trust_roots", stdout=io.StringIO())
