"""From a stored SigningCredential to a Signer, and what a certificate says about its holder.

No writes here: the services store credentials (``services.add_signing_credential``);
this module reads them. How each kind of key is kept is told in
``models.SigningCredential``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext as _

from .models import SigningCredential
from .pki import AtRestDecryptionError, Pkcs12Error, decrypt_at_rest, load_pkcs12
from .signing import ExternalHttpSigner, Pkcs11Signer, ServerKeySigner, Signer


class KeyUnavailable(Exception):
    """The key cannot be used now: wrong passphrase, token missing, damaged blob.
    The message is for the person signing."""


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    issuer: str
    serial_number: str
    fingerprint: str
    not_before: dt.datetime
    not_after: dt.datetime


def _common_name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string()


def certificate_facts(cert: x509.Certificate) -> CertificateFacts:
    return CertificateFacts(
        subject=_common_name(cert.subject)[:300],
        issuer=_common_name(cert.issuer)[:300],
        serial_number=format(cert.serial_number, "x")[:80],
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def chain_pem(chain: list[x509.Certificate] | tuple[x509.Certificate, ...]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)


def credential_certificate(credential: SigningCredential) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(credential.certificate))


def credential_chain(credential: SigningCredential) -> list[x509.Certificate]:
    data = bytes(credential.chain or b"")
    return x509.load_pem_x509_certificates(data) if data.strip() else []


def seal_blob(key_der: bytes) -> bytes:
    """How an agency's seal key is kept: its PKCS#8 DER under the server secret."""
    from .pki import encrypt_at_rest

    return encrypt_at_rest(key_der)


def signer_for(credential: SigningCredential, passphrase: str | None = None) -> Signer:
    """The Signer for one signature. ``passphrase`` opens a person's key file or is the
    token's PIN; an agency's seal and an external signer need none."""
    cert = credential_certificate(credential)
    chain = credential_chain(credential)
    source = credential.source
    if source == SigningCredential.Source.EXTERNAL:
        if not credential.signer_url:
            raise KeyUnavailable(_("The key of this certificate is on your token or phone: "
                                   "sign on your device."))
        return ExternalHttpSigner(credential.signer_url, certificate=cert, chain=chain)
    if source == SigningCredential.Source.PKCS11:
        try:
            return Pkcs11Signer(library_path=credential.pkcs11_library,
                                token_label=credential.pkcs11_token, pin=passphrase or "", key_label=credential.pkcs11_key,
                                certificate=cert, chain=chain)
        except NotImplementedError as exc:
            raise KeyUnavailable(str(exc)) from exc
    try:
        data = decrypt_at_rest(bytes(credential.key_blob))
    except AtRestDecryptionError as exc:
        raise KeyUnavailable(_("The stored key cannot be opened with this server's secret: "
                               "ask the IT department to upload it again.")) from exc
    if credential.agency_id is not None:
        key = serialization.load_der_private_key(data, password=None)
        return ServerKeySigner(cert, key, chain)  # type: ignore[arg-type]
    if not passphrase:
        raise KeyUnavailable(_("Enter the passphrase of your signing key."))
    try:
        return ServerKeySigner.from_certified_key(load_pkcs12(data, passphrase))
    except Pkcs12Error as exc:
        raise KeyUnavailable(_("The passphrase of the signing key is wrong.")) from exc
