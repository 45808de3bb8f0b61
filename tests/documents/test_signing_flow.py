"""Signatures inside the document flow: certificates registered for people and agencies,
the leader's signature with a server-held key, in two phases or uploaded, and the
agency's seal at numbering. Real keys from a test CA, real PDFs, real verification."""

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.documents import conversion, pki, services, signing
from chinhquyenso.documents.errors import TransitionNotAllowed
from chinhquyenso.documents.files import read_document_file
from chinhquyenso.documents.models import (
    DocumentFile,
    NumberCounter,
    OutgoingState,
    PendingSignature,
    SigningCredential,
)
from chinhquyenso.org.models import Role
from tests.documents.conftest import CERTS_FROM, PASSPHRASE, PDF, at, person_pkcs12, signing_ca
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def approved(draft, drafter, leader, **kwargs):
    document = draft("QĐ", **kwargs)
    services.submit_for_review(document_id=document.pk, actor=drafter)
    return services.approve_for_signature(document_id=document.pk, actor=leader)


def latest_signed(document) -> bytes:
    return read_document_file(document.files.filter(kind=DocumentFile.Kind.SIGNED).latest("pk"))


def verdicts(data: bytes):
    return signing.verify_pdf(data, trust_roots=[signing_ca().certificate])


def test_the_leader_signs_and_the_clerk_seals_two_valid_revisions(draft, drafter, city_leader, city_clerk):
    document = approved(draft, drafter, city_leader, signer_capacity="TM.")
    document = services.sign_document(document_id=document.pk, actor=city_leader, passphrase=PASSPHRASE)
    leader_pdf = latest_signed(document)
    assert leader_pdf.startswith(PDF)  # the draft, byte for byte, plus a revision
    (leader,) = verdicts(leader_pdf)
    assert leader.ok and leader.signer_name == "Bùi Văn Sơn"

    document = services.number_document(document_id=document.pk, actor=city_clerk, at=at(26, 11, 10))
    sealed = latest_signed(document)
    assert sealed.startswith(leader_pdf)
    first, seal = verdicts(sealed)
    assert first.intact and first.valid and first.modified_after and first.changes_allowed
    assert seal.ok and seal.signer_name == "Ủy ban nhân dân thành phố Vĩnh Yên"
    audit = AuditEntry.objects.get(action="document.outgoing.number", object_id=str(document.pk))
    assert audit.after["seal"] == SigningCredential.objects.get(agency=document.agency).fingerprint


def test_a_wrong_passphrase_or_no_certificate_refuses_the_signature(draft, drafter, city_leader, city_pc,
                                                                     city):
    document = approved(draft, drafter, city_leader)
    with pytest.raises(ValidationError) as wrong:
        services.sign_document(document_id=document.pk, actor=city_leader, passphrase="sai-mat-khau")
    assert "passphrase" in wrong.value.message_dict
    deputy = OfficialFactory(agency=city_pc, full_name="Phó Chủ tịch", roles=[(Role.LEADER, city)]).user
    with pytest.raises(ValidationError) as none:
        services.sign_document(document_id=document.pk, actor=deputy, passphrase=PASSPHRASE)
    assert "signing certificate" in str(none.value)
    document.refresh_from_db()
    assert document.state == OutgoingState.APPROVED
    assert not document.files.filter(kind=DocumentFile.Kind.SIGNED).exists()


def test_numbering_needs_the_agencys_seal_and_takes_no_number_without_it(draft, drafter, city_leader,
                                                                         city_clerk, city_pc):
    document = approved(draft, drafter, city_leader)
    services.sign_document(document_id=document.pk, actor=city_leader, passphrase=PASSPHRASE)
    SigningCredential.objects.filter(agency=city_pc).update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        services.number_document(document_id=document.pk, actor=city_clerk)
    assert "seal" in str(refused.value)
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED and document.number is None
    assert not NumberCounter.objects.filter(agency=city_pc, last_number__gt=0).exists()


def test_two_phases_with_the_key_on_the_leaders_device(draft, drafter, city_leader, city_pc):
    key = pki.issue_certificate(signing_ca(), common_name="Bùi Văn Sơn", organisation=city_pc.name,
                                kind="person", key_type="ec", not_before=CERTS_FROM, days=3000)
    services.add_external_credential(
        actor=city_leader, official=city_leader.official,
        certificate=key.certificate.public_bytes(serialization.Encoding.PEM))
    document = approved(draft, drafter, city_leader)
    pending = services.prepare_remote_signature(document_id=document.pk, actor=city_leader)
    digest = bytes.fromhex(pending.digest)
    # The token signs the digest; a wrong answer is refused and changes nothing.
    other = pki.issue_certificate(signing_ca(), common_name="Người khác", organisation="Khác", kind="person",
                                  key_type="ec", not_before=CERTS_FROM, days=3000)
    with pytest.raises(ValidationError):
        services.complete_remote_signature(pending_id=pending.pk, actor=city_leader,
                                           signature=signing.sign_prehashed(other.private_key, digest, "sha256"))
    document = services.complete_remote_signature(
        pending_id=pending.pk, actor=city_leader,
        signature=signing.sign_prehashed(key.private_key, digest, "sha256"))
    assert document.state == OutgoingState.SIGNED
    (verdict,) = verdicts(latest_signed(document))
    assert verdict.ok and verdict.certificate_sha256 == key.certificate.fingerprint(hashes.SHA256()).hex()
    with pytest.raises(TransitionNotAllowed):
        services.complete_remote_signature(pending_id=pending.pk, actor=city_leader, signature=b"x")


def test_a_prepared_signature_expires_and_belongs_to_its_signer(draft, drafter, city_leader, city_pc, city):
    document = approved(draft, drafter, city_leader)
    start = at(26, 11, 9)
    pending = services.prepare_remote_signature(document_id=document.pk, actor=city_leader, at=start)
    deputy = OfficialFactory(agency=city_pc, full_name="Phó Chủ tịch", roles=[(Role.LEADER, city)]).user
    with pytest.raises(PermissionDenied):
        services.complete_remote_signature(pending_id=pending.pk, actor=deputy, signature=b"x")
    with pytest.raises(TransitionNotAllowed):
        services.complete_remote_signature(pending_id=pending.pk, actor=city_leader, signature=b"x",
                                           at=start + dt.timedelta(minutes=16))
    assert PendingSignature.objects.get(pk=pending.pk).completed_at is None


def test_a_pdf_signed_outside_is_accepted_only_from_a_registered_certificate(draft, drafter, city_leader,
                                                                             city_pc):
    document = approved(draft, drafter, city_leader)
    stranger = pki.issue_certificate(signing_ca(), common_name="Bùi Văn Sơn", organisation=city_pc.name,
                                     kind="person", key_type="ec", not_before=CERTS_FROM, days=3000)
    by_stranger = signing.sign_pdf(PDF, signing.ServerKeySigner.from_certified_key(stranger), field_name="K")
    with pytest.raises(ValidationError) as refused:
        services.mark_signed(document_id=document.pk, actor=city_leader, signed_file_bytes=by_stranger)
    assert "registered for you" in str(refused.value)
    other_pdf = signing.sign_pdf(PDF.replace(b"2026", b"2027"),
                                 signing.ServerKeySigner.from_certified_key(stranger), field_name="K")
    with pytest.raises(ValidationError) as not_the_draft:
        services.mark_signed(document_id=document.pk, actor=city_leader, signed_file_bytes=other_pdf)
    assert "approved draft" in str(not_the_draft.value)

    services.add_external_credential(actor=city_leader, official=city_leader.official,
                                     certificate=stranger.certificate.public_bytes(serialization.Encoding.DER))
    document = services.mark_signed(document_id=document.pk, actor=city_leader, signed_file_bytes=by_stranger)
    assert document.state == OutgoingState.SIGNED and latest_signed(document) == by_stranger


def test_registering_certificates(city_leader, drafter, city_clerk, city_pc, ward_pc, it_admin):
    # Someone else's key: refused.
    with pytest.raises(PermissionDenied):
        services.add_signing_credential(actor=drafter, official=city_leader.official, passphrase=PASSPHRASE,
                                        pkcs12=person_pkcs12("Bùi Văn Sơn", city_pc.name))
    # The clerk of the city may not register another agency's seal.
    with pytest.raises(PermissionDenied):
        services.add_signing_credential(actor=city_clerk, agency=ward_pc, passphrase=PASSPHRASE,
                                        pkcs12=person_pkcs12("UBND phường", ward_pc.name))
    # Wrong passphrase, expired certificate.
    with pytest.raises(ValidationError):
        services.add_signing_credential(actor=city_leader, official=city_leader.official, passphrase="x",
                                        pkcs12=person_pkcs12("Bùi Văn Sơn", city_pc.name))
    old = pki.issue_certificate(signing_ca(), common_name="Bùi Văn Sơn", organisation=city_pc.name, kind="person",
                                key_type="ec", not_before=CERTS_FROM, days=30)
    with pytest.raises(ValidationError) as expired:
        services.add_signing_credential(
            actor=city_leader, official=city_leader.official, passphrase=PASSPHRASE,
            pkcs12=pki.to_pkcs12(old.certificate, old.private_key, old.chain, PASSPHRASE))
    assert "cannot sign now" in str(expired.value)
    # A renewal retires the previous certificate; the passphrase is nowhere in the records.
    first = SigningCredential.objects.get(official=city_leader.official, is_active=True)
    renewed = services.add_signing_credential(actor=city_leader, official=city_leader.official,
                                              passphrase=PASSPHRASE,
                                              pkcs12=person_pkcs12("Bùi Văn Sơn", city_pc.name))
    first.refresh_from_db()
    assert renewed.is_active and not first.is_active
    assert PASSPHRASE.encode() not in bytes(renewed.key_blob)
    for entry in AuditEntry.objects.filter(action__startswith="document.credential"):
        assert PASSPHRASE not in str(entry.after) + str(entry.before)


def test_a_word_draft_is_refused_with_a_clear_message_when_the_server_cannot_convert(draft, settings):
    settings.CQS_SOFFICE = "/nonexistent/soffice"
    with pytest.raises(ValidationError) as refused:
        draft("QĐ", draft=("Dự thảo.docx", b"PK\x03\x04 a word file"))
    assert refused.value.message_dict["draft"] == ["Word files cannot be converted on this server: upload a PDF."]
    assert conversion.needs_conversion("Dự thảo.DOCX")


def test_a_draft_that_is_not_a_pdf_is_refused(draft):
    with pytest.raises(ValidationError) as refused:
        draft("QĐ", draft=("anh.png", b"\x89PNG\r\n\x1a\n"))
    assert "PDF" in str(refused.value)


class _TokenHelper(BaseHTTPRequestHandler):
    """The small program on the leader's computer that signs with the USB token's key."""

    key = None

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        digest = base64.b64decode(body["digest"])
        signature = self.key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        data = json.dumps({"signature": base64.b64encode(signature).decode()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_the_leader_signs_through_the_token_helper_on_their_computer(draft, drafter, city_leader, city_pc):
    key = pki.issue_certificate(signing_ca(), common_name="Bùi Văn Sơn", organisation=city_pc.name,
                                kind="person", key_type="ec", not_before=CERTS_FROM, days=3000)
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Helper", (_TokenHelper,), {"key": key.private_key}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        services.add_external_credential(
            actor=city_leader, official=city_leader.official,
            certificate=key.certificate.public_bytes(serialization.Encoding.PEM),
            signer_url=f"http://127.0.0.1:{server.server_address[1]}/ky-so")
        document = approved(draft, drafter, city_leader)
        document = services.sign_document(document_id=document.pk, actor=city_leader)  # no passphrase
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    (verdict,) = verdicts(latest_signed(document))
    assert verdict.ok and verdict.certificate_sha256 == key.certificate.fingerprint(hashes.SHA256()).hex()
    audit = AuditEntry.objects.get(action="document.outgoing.sign", object_id=str(document.pk))
    assert audit.after["how"] == "external"


class _TimestampAuthority(BaseHTTPRequestHandler):
    """An RFC 3161 server over HTTP (application/timestamp-query → -reply), answering with
    a local timestamp authority's key."""

    authority = None

    def do_POST(self):
        from asn1crypto import tsp

        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        reply = signing._run(self.authority.async_request_tsa_response(request)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def test_signatures_are_timestamped_by_the_configured_authority(settings, draft, drafter, city_leader,
                                                                city_clerk):
    tsa = pki.issue_certificate(signing_ca(), common_name="Máy chủ dấu thời gian", organisation="Thử nghiệm",
                                kind="tsa", not_before=CERTS_FROM, days=3000)
    handler = type("Tsa", (_TimestampAuthority,), {"authority": signing.local_timestamper(tsa)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CQS_TSA_URL = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    try:
        document = approved(draft, drafter, city_leader)
        services.sign_document(document_id=document.pk, actor=city_leader, passphrase=PASSPHRASE)
        document = services.number_document(document_id=document.pk, actor=city_clerk)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    leader, seal = verdicts(latest_signed(document))
    for verdict in (leader, seal):
        assert verdict.timestamp_present and verdict.timestamp_valid and verdict.signing_time_certified
    assert leader.changes_allowed and seal.ok
