"""Certificates, PKCS#12, keys at rest and trust roots (no database)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from chinhquyenso.documents import pki

SHARED_PKI = Path(__file__).resolve().parents[3] / "shared" / "pki"
VGCA_ROOT_CN = "Co quan chung thuc so chuyen dung Chinh phu (RootCA)"

needs_shared_pki = pytest.mark.skipif(
    not (SHARED_PKI / "README.md").is_file(), reason="../shared/pki is not checked out here"
)


@pytest.fixture(scope="module")
def root():
    return pki.create_root_ca("Chính quyền số Demo Root CA", organisation="Chính quyền số (demo)")


@pytest.fixture(scope="module")
def leader(root):
    return pki.issue_certificate(
        root,
        common_name="Lê Minh Đạo",
        organisation="Ủy ban nhân dân thành phố Vĩnh Yên",
        kind="person",
        title="Chủ tịch",
        email="lmdao@vinhyen.gov.vn",
    )


def _ext(cert, cls):
    return cert.extensions.get_extension_for_class(cls)


def test_root_ca_is_a_self_signed_ca(root):
    cert = root.certificate
    assert cert.subject == cert.issuer
    cert.verify_directly_issued_by(cert)
    basic = _ext(cert, x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    usage = _ext(cert, x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert isinstance(root.private_key, rsa.RSAPrivateKey)
    assert root.private_key.key_size == 2048
    assert root.chain == ()


def test_person_certificate_for_document_signing(root, leader):
    cert = leader.certificate
    cert.verify_directly_issued_by(root.certificate)
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Lê Minh Đạo"
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Chủ tịch"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Ủy ban nhân dân thành phố Vĩnh Yên"
    )
    assert not _ext(cert, x509.BasicConstraints).value.ca
    usage = _ext(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment  # nonRepudiation
    assert not usage.value.key_cert_sign
    eku = _ext(cert, x509.ExtendedKeyUsage).value
    assert pki.DOCUMENT_SIGNING_EKU in eku
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    san = _ext(cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["lmdao@vinhyen.gov.vn"]
    assert leader.chain == (root.certificate,)
    assert leader.common_name == "Lê Minh Đạo"


def test_agency_certificate_with_ecdsa_and_tsa_certificate(root):
    agency = pki.issue_certificate(
        root,
        common_name="Ủy ban nhân dân thành phố Vĩnh Yên",
        organisation="Ủy ban nhân dân thành phố Vĩnh Yên",
        kind="agency",
        key_type="ec",
    )
    assert isinstance(agency.private_key, ec.EllipticCurvePrivateKey)
    assert agency.private_key.curve.name == "secp256r1"
    assert list(_ext(agency.certificate, x509.ExtendedKeyUsage).value) == [pki.DOCUMENT_SIGNING_EKU]
    assert not agency.certificate.subject.get_attributes_for_oid(NameOID.TITLE)

    tsa = pki.issue_certificate(root, common_name="Demo TSA", organisation="Demo", kind="tsa")
    eku = _ext(tsa.certificate, x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]

    with pytest.raises(ValueError):
        pki.issue_certificate(root, common_name="x", organisation="y", kind="robot")


def test_certificate_never_outlives_its_ca():
    short_root = pki.create_root_ca("Short-lived CA", days=30)
    cert = pki.issue_certificate(
        short_root, common_name="A", organisation="B", kind="person", days=3650
    ).certificate
    assert cert.not_valid_after_utc <= short_root.certificate.not_valid_after_utc


def test_pkcs12_round_trip(root, leader):
    blob = pki.to_pkcs12(leader.certificate, leader.private_key, leader.chain, "mật-khẩu-123")
    loaded = pki.load_pkcs12(blob, "mật-khẩu-123")
    assert loaded.certificate == leader.certificate
    assert loaded.chain == (root.certificate,)
    der = serialization.Encoding.DER
    pkcs8 = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    assert loaded.private_key.private_bytes(der, pkcs8, none) == leader.private_key.private_bytes(
        der, pkcs8, none
    )

    with pytest.raises(pki.Pkcs12Error):
        pki.load_pkcs12(blob, "sai mật khẩu")
    with pytest.raises(pki.Pkcs12Error):
        pki.load_pkcs12(b"not a pkcs12 at all", "mật-khẩu-123")
    with pytest.raises(ValueError):
        pki.to_pkcs12(leader.certificate, leader.private_key, leader.chain, "")


def test_pkcs12_chain_is_ordered_leaf_to_root():
    top = pki.create_root_ca("Top CA")
    # an intermediate: a CA certificate issued by the root (built by hand here)
    middle_key = ec.generate_private_key(ec.SECP256R1())
    middle_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Middle CA")])
    now = top.certificate.not_valid_before_utc
    middle_cert = (
        x509.CertificateBuilder()
        .subject_name(middle_name)
        .issuer_name(top.certificate.subject)
        .public_key(middle_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(top.certificate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(top.private_key, hashes.SHA256())
    )
    middle = pki.CertifiedKey(middle_cert, middle_key, (top.certificate,))
    leaf = pki.issue_certificate(middle, common_name="Leaf", organisation="Org", kind="agency")
    assert leaf.chain == (middle_cert, top.certificate)
    # stored root-first: loading puts the issuer nearest to the leaf first again
    blob = pki.to_pkcs12(leaf.certificate, leaf.private_key, [top.certificate, middle_cert], "pw")
    assert pki.load_pkcs12(blob, "pw").chain == (middle_cert, top.certificate)


def test_encryption_at_rest_uses_the_secret_key(settings, leader):
    blob = pki.to_pkcs12(leader.certificate, leader.private_key, leader.chain, "pw")
    settings.SECRET_KEY = "server-secret-one"
    settings.SECRET_KEY_FALLBACKS = []
    token = pki.encrypt_at_rest(blob)
    assert blob not in token and token != blob
    assert pki.decrypt_at_rest(token) == blob
    # explicit key material = the same derivation
    assert pki.decrypt_at_rest(token, key_material="server-secret-one") == blob

    with pytest.raises(pki.AtRestDecryptionError):
        pki.decrypt_at_rest(token, key_material="another-secret")

    tampered = bytearray(token)
    tampered[len(tampered) // 2] ^= 0x01
    with pytest.raises(pki.AtRestDecryptionError):
        pki.decrypt_at_rest(bytes(tampered))

    # a rotated SECRET_KEY fails, unless the old one is kept as a fallback
    settings.SECRET_KEY = "server-secret-two"
    with pytest.raises(pki.AtRestDecryptionError):
        pki.decrypt_at_rest(token)
    settings.SECRET_KEY_FALLBACKS = ["server-secret-one"]
    assert pki.decrypt_at_rest(token) == blob


def test_load_trust_roots_from_files_and_directories(tmp_path, root, leader):
    pem = tmp_path / "bundle.pem"
    pem.write_bytes(
        root.certificate.public_bytes(serialization.Encoding.PEM)
        + leader.certificate.public_bytes(serialization.Encoding.PEM)
    )
    certs_dir = tmp_path / "dir"
    certs_dir.mkdir()
    (certs_dir / "root.cer").write_bytes(root.certificate.public_bytes(serialization.Encoding.DER))
    (certs_dir / "notes.txt").write_text("ignored")
    loaded = pki.load_trust_roots([pem, certs_dir])
    assert loaded == [root.certificate, leader.certificate]  # the duplicate root is dropped

    (certs_dir / "broken.crt").write_bytes(b"garbage")
    with pytest.raises(pki.TrustRootError):
        pki.load_trust_roots([certs_dir])
    with pytest.raises(pki.TrustRootError):
        pki.load_trust_roots([tmp_path / "missing"])


@needs_shared_pki
def test_readme_fingerprints_are_parsed():
    table = pki.parse_pki_readme_fingerprints((SHARED_PKI / "README.md").read_text("utf-8"))
    assert len(table) == 7
    assert table["vgca-root.cer"] == (
        "F7:BC:89:05:4C:EC:7F:12:73:0D:7B:8C:D3:EB:79:55:"
        "B1:63:83:50:87:E5:EB:87:3E:DF:B5:84:76:3B:3F:90"
    )
    assert set(table) >= {"mic-national-root.cer", "vgca-chinh-phu.cer"}


@needs_shared_pki
def test_import_vn_government_roots_checks_fingerprints():
    certs = pki.import_vn_government_roots(SHARED_PKI)
    assert len(certs) == 7
    names = {c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in certs}
    assert VGCA_ROOT_CN in names
    assert "MIC National Root CA" in names
    table = pki.parse_pki_readme_fingerprints((SHARED_PKI / "README.md").read_text("utf-8"))
    assert sorted(pki.certificate_fingerprint(c) for c in certs) == sorted(table.values())
    vgca_root = next(
        c for c in certs if c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        == VGCA_ROOT_CN
    )
    government = next(
        c for c in certs if c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        == "Co quan chung thuc so Chinh phu"
    )
    # the VGCA certificates are signed with SHA-1 (cryptography's verify_directly_issued_by
    # refuses it), so check the issuer's signature by hand
    assert government.issuer == vgca_root.subject
    assert government.signature_hash_algorithm.name == "sha1"
    vgca_root.public_key().verify(
        government.signature,
        government.tbs_certificate_bytes,
        padding.PKCS1v15(),
        government.signature_hash_algorithm,
    )


@needs_shared_pki
def test_a_corrupted_copy_is_refused(tmp_path):
    copy = tmp_path / "pki"
    shutil.copytree(SHARED_PKI, copy)
    target = copy / "vgca-root.cer"
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[-10] ^= 0xFF  # inside the signature: still parses, different fingerprint
    target.write_bytes(bytes(data))
    with pytest.raises(pki.FingerprintMismatchError, match="vgca-root.cer"):
        pki.import_vn_government_roots(copy)


@needs_shared_pki
def test_a_substituted_certificate_or_missing_file_is_refused(tmp_path, root):
    copy = tmp_path / "pki"
    shutil.copytree(SHARED_PKI, copy)
    target = copy / "mic-national-root.cer"
    target.chmod(0o644)
    target.write_bytes(root.certificate.public_bytes(serialization.Encoding.DER))
    with pytest.raises(pki.FingerprintMismatchError):
        pki.import_vn_government_roots(copy)
    target.unlink()
    with pytest.raises(pki.TrustRootError):
        pki.import_vn_government_roots(copy)


def test_readme_without_a_fingerprint_table_is_refused(tmp_path):
    (tmp_path / "README.md").write_text("# nothing here\n")
    with pytest.raises(pki.TrustRootError):
        pki.import_vn_government_roots(tmp_path)
    bad = "| file | SHA-256 |\n|---|---|\n| a.cer | 12:34 |\n"
    with pytest.raises(pki.TrustRootError):
        pki.parse_pki_readme_fingerprints(bad)
