"""Real PAdES signatures with pyHanko: real PDFs (reportlab), real keys, a real HTTP signer
and a local timestamp authority. No database, no mocks."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from django.utils import translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.platypus import Paragraph

from chinhquyenso.core.pdf import build_pdf, escape_text, get_styles
from chinhquyenso.documents import pki, signing

SHARED_PKI = Path(__file__).resolve().parents[3] / "shared" / "pki"
SIGNED_AT = dt.datetime(2026, 11, 26, 7, 5, 9, tzinfo=dt.UTC)  # 14:05:09 in Hà Nội
LEADER_STAMP = signing.StampText(
    name="Lê Minh Đạo",
    title="Chủ tịch UBND thành phố",
    capacity="TM. ỦY BAN NHÂN DÂN",
    signed_at=SIGNED_AT,
)


class World:
    """A demo PKI: a root CA, a leader (RSA), an agency seal (ECDSA) and a TSA."""

    def __init__(self):
        self.root = pki.create_root_ca("Chính quyền số Demo Root CA")
        self.leader = pki.issue_certificate(
            self.root,
            common_name="Lê Minh Đạo",
            organisation="Ủy ban nhân dân thành phố Vĩnh Yên",
            kind="person",
            title="Chủ tịch",
        )
        self.agency = pki.issue_certificate(
            self.root,
            common_name="Ủy ban nhân dân thành phố Vĩnh Yên",
            organisation="Ủy ban nhân dân thành phố Vĩnh Yên",
            kind="agency",
            key_type="ec",
        )
        self.tsa = pki.issue_certificate(
            self.root, common_name="Demo TSA", organisation="Chính quyền số", kind="tsa"
        )
        self.other_root = pki.create_root_ca("Unknown CA")
        self.stranger = pki.issue_certificate(
            self.other_root, common_name="Người lạ", organisation="Không rõ", kind="person"
        )

    @property
    def roots(self):
        return [self.root.certificate]


@pytest.fixture(scope="module")
def world():
    return World()


@pytest.fixture(scope="module")
def original():
    s = get_styles()
    return build_pdf(
        [
            Paragraph("ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN", s.centered_bold),
            Paragraph("QUYẾT ĐỊNH", s.title),
            Paragraph(
                escape_text("Về việc phê duyệt kế hoạch chuyển đổi số năm 2026.\nĐiều 1. …"),
                s.justified,
            ),
        ],
        title="Quyết định 123/QĐ-UBND",
        author="Ủy ban nhân dân thành phố Vĩnh Yên",
    )


@pytest.fixture(scope="module")
def leader_signed(world, original):
    return signing.sign_pdf(
        original,
        signing.ServerKeySigner.from_certified_key(world.leader),
        field_name="ChuKyLanhDao",
        stamp=LEADER_STAMP,
        page=-1,
    )


@pytest.fixture(scope="module")
def both_signed(world, leader_signed):
    return signing.sign_pdf(
        leader_signed,
        signing.ServerKeySigner.from_certified_key(world.agency),
        field_name="ChuKyCoQuan",
        signed_at=SIGNED_AT + dt.timedelta(minutes=3),
    )


def _reader(pdf):
    return PdfFileReader(io.BytesIO(pdf))


# ------------------------------------------------------------ leader + agency


def test_leader_then_agency_both_valid_and_incremental(world, original, leader_signed, both_signed):
    assert signing.is_incremental_update(original, leader_signed)
    assert signing.is_incremental_update(leader_signed, both_signed)
    assert both_signed.startswith(original)

    leader_v, agency_v = signing.verify_pdf(both_signed, trust_roots=world.roots)

    assert leader_v.field_name == "ChuKyLanhDao"
    assert leader_v.signer_name == "Lê Minh Đạo"
    assert leader_v.signer_title == "Chủ tịch"
    assert leader_v.signer_organisation == "Ủy ban nhân dân thành phố Vĩnh Yên"
    assert leader_v.intact and leader_v.signature_valid and leader_v.valid and leader_v.ok
    # the first signature covers its own revision; the seal was added afterwards
    assert leader_v.covers_own_revision and not leader_v.covers_whole_document
    assert leader_v.modified_after and leader_v.changes_allowed is True
    assert leader_v.signing_time == SIGNED_AT and not leader_v.signing_time_certified
    assert leader_v.problems == ()
    assert "later_revisions" in leader_v.notes
    with translation.override("vi"):  # the summary people read, in Vietnamese
        assert str(leader_v.summary) == "Chữ ký hợp lệ"

    assert agency_v.field_name == "ChuKyCoQuan"
    assert agency_v.signer_name == "Ủy ban nhân dân thành phố Vĩnh Yên"
    assert agency_v.intact and agency_v.valid and agency_v.ok
    assert agency_v.covers_whole_document and not agency_v.modified_after
    assert agency_v.signing_time == SIGNED_AT + dt.timedelta(minutes=3)
    assert agency_v.revision > leader_v.revision

    # before the seal, the leader's signature covered the whole file
    (alone,) = signing.verify_pdf(leader_signed, trust_roots=world.roots)
    assert alone.ok and alone.covers_whole_document


def test_pades_baseline_structure(leader_signed):
    (emb,) = _reader(leader_signed).embedded_regular_signatures
    assert emb.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    attrs = {a["type"].native for a in emb.signer_info["signed_attrs"]}
    assert {"content_type", "message_digest", "signing_certificate_v2"} <= attrs
    assert "signing_time" not in attrs  # PAdES: the time is /M
    assert emb.self_reported_timestamp == SIGNED_AT


def test_visible_stamp_text_and_embedded_font(leader_signed):
    (emb,) = _reader(leader_signed).embedded_regular_signatures
    field = emb.sig_field
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    assert x2 - x1 > 100 and y2 - y1 > 40  # visible
    appearance = field["/AP"]["/N"]
    fonts = appearance["/Resources"]["/Font"]
    (font,) = (f.get_object() for f in fonts.values())
    assert font["/Subtype"] == "/Type0"
    assert "DejaVuSans" in str(font["/BaseFont"])
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert "/FontFile2" in descriptor  # the TrueType subset is embedded
    assert len(descriptor["/FontFile2"].get_object().data) > 1000
    # the stamp's text, as recorded for text extraction (/ActualText, UTF-16BE)
    texts = _actual_texts(appearance.data)
    assert texts == [
        "TM. ỦY BAN NHÂN DÂN",
        "Ký bởi: Lê Minh Đạo",
        "Chức vụ: Chủ tịch UBND thành phố",
        "Thời gian ký: 14:05:09 26/11/2026",
    ]


def _actual_texts(content: bytes) -> list[str]:
    texts = []
    marker = b"/ActualText ("
    start = 0
    while (i := content.find(marker, start)) >= 0:
        j = i + len(marker)
        raw, depth, k = bytearray(), 0, j
        while True:
            c = content[k]
            if c == 0x5C:  # backslash escape
                nxt = content[k + 1]
                if 0x30 <= nxt <= 0x37:
                    raw.append(int(content[k + 1 : k + 4], 8))
                    k += 4
                    continue
                raw.append({ord("n"): 10, ord("r"): 13, ord("t"): 9}.get(nxt, nxt))
                k += 2
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                if depth == 0:
                    break
                depth -= 1
            raw.append(c)
            k += 1
        texts.append(bytes(raw).decode("utf-16"))
        start = k
    return texts


def test_format_signing_time_is_vietnam_time():
    assert signing.format_signing_time(SIGNED_AT) == "14:05:09 26/11/2026"
    text = LEADER_STAMP.render(SIGNED_AT)
    assert text.splitlines()[-1] == "Thời gian ký: 14:05:09 26/11/2026"
    seal = signing.StampText(name="Ủy ban nhân dân thành phố Vĩnh Yên").render(SIGNED_AT)
    assert "Chức vụ" not in seal


# -------------------------------------------------------------------- tampering


def test_tampered_byte_is_not_intact(world, both_signed):
    marker = b"ReportLab PDF Library"
    index = both_signed.index(marker)  # in the original revision's /Producer
    tampered = bytearray(both_signed)
    tampered[index] = ord("X")
    verdicts = signing.verify_pdf(bytes(tampered), trust_roots=world.roots)
    assert len(verdicts) == 2
    for verdict in verdicts:
        assert not verdict.intact
        assert not verdict.ok
        assert "not_intact" in verdict.problems
        with translation.override("vi"):
            assert str(verdict.summary).startswith("Chữ ký không hợp lệ")


def test_content_changed_in_a_later_revision_is_flagged(world, leader_signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(leader_signed))
    overlay = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (KHONG HIEU LUC) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(overlay))
    out = io.BytesIO()
    writer.write(out)
    (verdict,) = signing.verify_pdf(out.getvalue(), trust_roots=world.roots)
    assert verdict.intact and verdict.valid  # its own revision is untouched…
    assert verdict.modified_after and verdict.changes_allowed is False  # …but the page changed
    assert not verdict.ok
    assert "disallowed_changes" in verdict.problems


def test_untrusted_root_is_not_valid(world, original):
    signed = signing.sign_pdf(
        original,
        signing.ServerKeySigner.from_certified_key(world.stranger),
        field_name="ChuKy",
    )
    (verdict,) = signing.verify_pdf(signed, trust_roots=world.roots)
    assert verdict.intact and verdict.signature_valid
    assert not verdict.valid and not verdict.ok
    assert verdict.problems == ("untrusted",)
    assert verdict.issuer_name == "Unknown CA"
    # trusted once its root is configured
    (verdict,) = signing.verify_pdf(signed, trust_roots=[world.other_root.certificate])
    assert verdict.ok


@pytest.mark.skipif(not (SHARED_PKI / "README.md").is_file(), reason="no ../shared/pki")
def test_demo_signature_is_not_trusted_by_the_government_roots(world, leader_signed):
    vn_roots = pki.import_vn_government_roots(SHARED_PKI)
    (verdict,) = signing.verify_pdf(leader_signed, trust_roots=vn_roots)
    assert verdict.intact and not verdict.valid


def test_unsigned_pdf_has_no_verdicts(world, original):
    assert signing.verify_pdf(original, trust_roots=world.roots) == []
    with pytest.raises(signing.SigningError):
        signing.verify_pdf(b"this is not a PDF", trust_roots=world.roots)


def test_a_signed_field_cannot_be_signed_again(world, leader_signed):
    with pytest.raises(signing.SigningError):
        signing.sign_pdf(
            leader_signed,
            signing.ServerKeySigner.from_certified_key(world.leader),
            field_name="ChuKyLanhDao",
        )


# -------------------------------------------------------------------- two phases


def test_two_phase_with_a_separately_signed_digest(world, original):
    prepared = signing.prepare_signature(
        original,
        field_name="ChuKyLanhDao",
        signer_cert=world.leader.certificate,
        chain=world.leader.chain,
        stamp=LEADER_STAMP,
    )
    assert prepared.pdf.startswith(original)
    assert prepared.original_sha256 == signing.sha256_hex(original)
    assert prepared.signature_algorithm == "rsassa_pkcs1v15"
    # kept between requests as JSON
    stored = json.dumps(prepared.to_dict())
    restored = signing.PreparedSignature.from_dict(json.loads(stored))
    assert restored == prepared

    # "the USB token": only the digest leaves the platform; the key signs it pre-hashed
    digest = restored.digest_to_sign
    assert len(digest) == 32
    signature = world.leader.private_key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))

    signed = signing.complete_signature(restored, signature)
    assert signed.startswith(original)
    (verdict,) = signing.verify_pdf(signed, trust_roots=world.roots)
    assert verdict.ok and verdict.intact and verdict.valid and verdict.covers_whole_document
    assert verdict.signer_name == "Lê Minh Đạo"
    assert verdict.signing_time == SIGNED_AT

    # the same as signing in one go
    one_shot = signing.sign_pdf(
        original,
        signing.ServerKeySigner.from_certified_key(world.leader),
        field_name="ChuKyLanhDao",
        stamp=LEADER_STAMP,
    )
    (one_shot_verdict,) = signing.verify_pdf(one_shot, trust_roots=world.roots)
    assert one_shot_verdict.ok
    assert one_shot_verdict.field_name == verdict.field_name
    assert one_shot_verdict.signing_time == verdict.signing_time


def test_two_phase_ecdsa_token_answering_raw_r_s(world, leader_signed):
    prepared = signing.prepare_signature(
        leader_signed,
        field_name="ChuKyCoQuan",
        signer_cert=world.agency.certificate,
        chain=world.agency.chain,
    )
    assert prepared.signature_algorithm == "ecdsa"
    der = world.agency.private_key.sign(
        prepared.digest_to_sign, ec.ECDSA(Prehashed(hashes.SHA256()))
    )
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # PKCS#11 CKM_ECDSA output
    signed = signing.complete_signature(prepared, raw)
    leader_v, agency_v = signing.verify_pdf(signed, trust_roots=world.roots)
    assert leader_v.ok and agency_v.ok


def test_a_wrong_signature_is_rejected_before_embedding(world, original):
    prepared = signing.prepare_signature(
        original, field_name="ChuKy", signer_cert=world.leader.certificate, chain=world.leader.chain
    )
    # signed by another key (the stranger's), or over another digest
    wrong_key = world.stranger.private_key.sign(
        prepared.digest_to_sign, padding.PKCS1v15(), Prehashed(hashes.SHA256())
    )
    with pytest.raises(signing.SignatureRejectedError):
        signing.complete_signature(prepared, wrong_key)
    wrong_digest = world.leader.private_key.sign(
        b"\0" * 32, padding.PKCS1v15(), Prehashed(hashes.SHA256())
    )
    with pytest.raises(signing.SignatureRejectedError):
        signing.complete_signature(prepared, wrong_digest)


def test_a_cms_from_a_remote_signing_service_is_embedded_and_timestamped(world, original):
    """A remote-signing service that returns a whole CMS over the document digest."""
    prepared = signing.prepare_signature(
        original, field_name="ChuKy", signer_cert=world.leader.certificate, chain=world.leader.chain
    )
    key_der = world.leader.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    from asn1crypto import keys as asn1_keys

    service = SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            world.leader.certificate.public_bytes(serialization.Encoding.DER)
        ),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
             for c in world.leader.chain]
        ),
    )
    cms = run_on_own_loop(
        service.async_sign(
            prepared.document_digest,
            "sha256",
            use_pades=True,
            signed_attr_settings=PdfCMSSignedAttributes(),
        )
    ).dump()
    signed = signing.complete_signature(
        prepared, cms, timestamper=signing.local_timestamper(world.tsa)
    )
    (verdict,) = signing.verify_pdf(signed, trust_roots=world.roots)
    assert verdict.ok and verdict.timestamp_present and verdict.timestamp_valid

    # a CMS over another document is refused
    other = run_on_own_loop(
        service.async_sign(b"\1" * 32, "sha256", use_pades=True)
    ).dump()
    with pytest.raises(signing.SignatureRejectedError):
        signing.complete_signature(prepared, other)


def run_on_own_loop(coro):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event
    loop running in the main thread for the whole session."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_verify_from_a_running_event_loop(world, leader_signed):
    async def inside():
        return signing.verify_pdf(leader_signed, trust_roots=world.roots)

    (verdict,) = run_on_own_loop(inside())
    assert verdict.ok


# ------------------------------------------------------------ external HTTP signer


class _TokenHelper(BaseHTTPRequestHandler):
    """A token helper answering the documented exchange with the key it holds."""

    key = None  # set per server
    certificate_der = b""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/refuse":
            return self._reply(403, {"error": "Người ký đã từ chối"})
        if self.headers.get("Authorization") != "Bearer token-helper-secret":
            return self._reply(401, {"error": "unauthorised"})
        assert body["version"] == 1
        assert body["algorithm"] == "sha256"
        assert base64.b64decode(body["certificate"]) == self.certificate_der
        digest = base64.b64decode(body["digest"])
        if "data" in body:  # the optional field must be consistent with the digest
            h = hashes.Hash(hashes.SHA256())
            h.update(base64.b64decode(body["data"]))
            assert h.finalize() == digest
        key = self.key
        if isinstance(key, rsa.RSAPrivateKey):
            assert body["signature_algorithm"] == "rsassa_pkcs1v15"
            sig = key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        else:
            assert body["signature_algorithm"] == "ecdsa"
            sig = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        answer = {"signature": base64.b64encode(sig).decode()}
        if self.path == "/with-certificate":
            answer["certificate"] = body["certificate"]
        return self._reply(200, answer)

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def token_helper(world):
    handler = type(
        "LeaderTokenHelper",
        (_TokenHelper,),
        {
            "key": world.leader.private_key,
            "certificate_der": world.leader.certificate.public_bytes(serialization.Encoding.DER),
        },
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _http_signer(world, url):
    return signing.ExternalHttpSigner(
        url,
        certificate=world.leader.certificate,
        chain=world.leader.chain,
        headers={"Authorization": "Bearer token-helper-secret"},
        timeout=10,
    )


def test_external_http_signer(world, original, token_helper):
    signer = _http_signer(world, token_helper + "/sign")
    assert isinstance(signer, signing.Signer)
    signed = signing.sign_pdf(original, signer, field_name="ChuKyLanhDao", stamp=LEADER_STAMP)
    (verdict,) = signing.verify_pdf(signed, trust_roots=world.roots)
    assert verdict.ok and verdict.signer_name == "Lê Minh Đạo"

    # the minimal exchange (digest only), through the Signer protocol
    prepared = signing.prepare_signature(
        original, field_name="ChuKy", signer_cert=signer.certificate, chain=signer.chain
    )
    raw = signer.sign_digest(prepared.digest_to_sign, "sha256")
    assert signing.verify_pdf(signing.complete_signature(prepared, raw), trust_roots=world.roots)[0].ok

    # a helper that echoes the certificate it used
    echo = _http_signer(world, token_helper + "/with-certificate")
    assert signing.verify_pdf(
        signing.sign_pdf(original, echo, field_name="ChuKy"), trust_roots=world.roots
    )[0].ok


def test_external_http_signer_refusals(world, original, token_helper):
    with pytest.raises(signing.ExternalSignerError, match="Người ký đã từ chối"):
        signing.sign_pdf(original, _http_signer(world, token_helper + "/refuse"), field_name="K")
    unauthorised = signing.ExternalHttpSigner(
        token_helper + "/sign", certificate=world.leader.certificate, chain=world.leader.chain
    )
    with pytest.raises(signing.ExternalSignerError, match="unauthorised"):
        signing.sign_pdf(original, unauthorised, field_name="K")
    # a helper holding another certificate's key: the answer is refused before embedding
    impostor = signing.ExternalHttpSigner(
        token_helper + "/sign",
        certificate=world.stranger.certificate,
        chain=world.stranger.chain,
        headers={"Authorization": "Bearer token-helper-secret"},
    )
    with pytest.raises(signing.ExternalSignerError):
        signing.sign_pdf(original, impostor, field_name="K")
    unreachable = signing.ExternalHttpSigner(
        "http://127.0.0.1:9/sign", certificate=world.leader.certificate, timeout=2
    )
    with pytest.raises(signing.ExternalSignerError):
        signing.sign_pdf(original, unreachable, field_name="K")


# ------------------------------------------------------------ keys and timestamps


def test_server_key_signer_from_a_stored_pkcs12(world, original):
    p12 = pki.to_pkcs12(world.agency.certificate, world.agency.private_key, world.agency.chain, "pw")
    stored = pki.encrypt_at_rest(p12, key_material="secret-key-of-the-server")
    signer = signing.ServerKeySigner.from_stored_pkcs12(
        stored, "pw", key_material="secret-key-of-the-server"
    )
    signed = signing.sign_pdf(original, signer, field_name="ChuKyCoQuan")
    assert signing.verify_pdf(signed, trust_roots=world.roots)[0].ok
    with pytest.raises(pki.AtRestDecryptionError):
        signing.ServerKeySigner.from_stored_pkcs12(stored, "pw", key_material="wrong")
    with pytest.raises(pki.Pkcs12Error):
        signing.ServerKeySigner.from_stored_pkcs12(
            stored, "wrong", key_material="secret-key-of-the-server"
        )


def test_pkcs11_signer_explains_itself_without_python_pkcs11():
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("python-pkcs11 is installed here")
    with pytest.raises(NotImplementedError, match="python-pkcs11"):
        signing.Pkcs11Signer(library_path="/usr/lib/opensc-pkcs11.so", token_label="VNPT-CA", pin="1")


def test_local_timestamp_authority(world, original):
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    signed = signing.sign_pdf(
        original,
        signing.ServerKeySigner.from_certified_key(world.leader),
        field_name="ChuKyLanhDao",
        stamp=signing.StampText(name="Lê Minh Đạo", title="Chủ tịch"),
        timestamper=signing.local_timestamper(world.tsa),
    )
    (emb,) = _reader(signed).embedded_regular_signatures
    unsigned = {a["type"].native for a in emb.signer_info["unsigned_attrs"]}
    assert "signature_time_stamp_token" in unsigned  # PAdES B-T

    (verdict,) = signing.verify_pdf(signed, trust_roots=world.roots)
    assert verdict.ok
    assert verdict.timestamp_present and verdict.timestamp_valid
    assert verdict.signing_time_certified
    assert before <= verdict.timestamp_time <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert verdict.signing_time == verdict.timestamp_time
    assert "timestamped" in verdict.notes

    # a TSA nobody trusts: the timestamp is reported invalid
    rogue_tsa = pki.issue_certificate(
        world.other_root, common_name="Rogue TSA", organisation="?", kind="tsa"
    )
    signed = signing.sign_pdf(
        original,
        signing.ServerKeySigner.from_certified_key(world.leader),
        field_name="ChuKy",
        timestamper=signing.local_timestamper(rogue_tsa),
    )
    (verdict,) = signing.verify_pdf(signed, trust_roots=world.roots)
    assert verdict.timestamp_present and not verdict.timestamp_valid
    assert "timestamp_invalid" in verdict.problems and not verdict.ok
    # …unless its root is trusted for timestamps
    (verdict,) = signing.verify_pdf(
        signed,
        trust_roots=world.roots,
        timestamp_trust_roots=[world.other_root.certificate],
    )
    assert verdict.timestamp_valid and verdict.ok


def test_timestamper_from_settings(settings):
    settings.CQS_TSA_URL = ""
    assert signing.timestamper_from_settings() is None
    settings.CQS_TSA_URL = "http://tsa.example.invalid/tsr"
    assert signing.timestamper_from_settings().url == "http://tsa.example.invalid/tsr"


def test_certificate_types_accepted(world):
    cert = world.leader.certificate
    assert signing._as_crypto(cert.public_bytes(serialization.Encoding.DER)) == cert
    assert isinstance(signing._as_crypto(signing._as_asn1(cert)), x509.Certificate)
