"""External signer: the platform asks a device or service over HTTP to sign a digest.

Vietnamese officials sign with a USB token on their own computer (a small "token
helper" program listening on the machine, or reachable by the platform) or with a
remote-signing service on their phone. Neither hands the key to the platform, so
the platform prepares the PDF revision (:func:`.signing.prepare_signature`), sends
the digest, and embeds what comes back (:func:`.signing.complete_signature`).

The HTTP exchange (version 1)
-----------------------------
The platform sends ``POST <url>`` with ``Content-Type: application/json``
(plus any configured headers, e.g. ``Authorization: Bearer …``)::

    {
      "version": 1,
      "digest": "<base64>",              # what to sign: hash of the CMS signed attributes
      "algorithm": "sha256",             # hash algorithm of "digest" (sha256/sha384/sha512)
      "signature_algorithm": "rsassa_pkcs1v15" | "ecdsa",
      "certificate": "<base64 DER>",     # the certificate whose key must sign
      "data": "<base64 DER>",            # optional: the signed attributes themselves,
                                         #   for signers that hash (CKM_SHA256_RSA_PKCS)
      "document_digest": "<base64>",     # optional: hash of the PDF byte range, for
                                         #   services that build their own CMS
      "document": {"name": "...", "sha256": "<hex>"}   # optional, for display only
    }

``digest`` is always present. A USB-token helper signs it as a *pre-hashed* value:
RSA PKCS#1 v1.5 (the DigestInfo for ``algorithm`` wrapped around ``digest``, i.e.
PKCS#11 ``CKM_RSA_PKCS`` over DigestInfo, or ``CKM_SHA256_RSA_PKCS`` over ``data``),
or ECDSA over ``digest``.

The signer answers ``200 OK`` with JSON, exactly one of::

    {"signature": "<base64>"}   # raw signature value: RSA PKCS#1 v1.5 bytes, or
                                #   ECDSA as DER (r, s) or as raw r||s (converted)
    {"cms": "<base64 DER>"}     # a complete CMS SignedData over "document_digest"
                                #   (remote-signing services that build the CMS)

and may add ``"certificate": "<base64 DER>"``, which must then be the requested
certificate. Any other status, or ``{"error": "..."}``, is a refusal: the
message is passed on in :class:`ExternalSignerError`. The platform never trusts the
answer blindly: a raw signature is verified against the certificate before it is
embedded, and the embedded result is checked again.

The exchange may take as long as the official needs to confirm on the phone; the
client waits ``timeout`` seconds (60 by default). For longer waits use the two
phases directly: keep the :class:`.signing.PreparedSignature` server-side, send
the same JSON from a background job or let the device fetch it, and call
:func:`.signing.complete_signature` when the answer arrives.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

if TYPE_CHECKING:
    from .signing import PreparedSignature

__all__ = ["PROTOCOL_VERSION", "ExternalHttpSigner", "ExternalSignerError", "signature_algorithm_for"]

PROTOCOL_VERSION = 1


class ExternalSignerError(Exception):
    """The external signer refused, failed or answered something unusable."""


def signature_algorithm_for(cert: x509.Certificate) -> str:
    """``"rsassa_pkcs1v15"`` or ``"ecdsa"`` for the certificate's key."""
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return "rsassa_pkcs1v15"
    if isinstance(public, ec.EllipticCurvePublicKey):
        return "ecdsa"
    raise ExternalSignerError("Only RSA and ECDSA certificates can sign documents")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class ExternalHttpSigner:
    """A :class:`.signing.Signer` whose key lives elsewhere (token helper, remote service).

    ``certificate`` and ``chain`` are the signer's registered certificate and its
    issuers (the platform needs them to prepare the revision before asking).
    """

    def __init__(
        self,
        url: str,
        *,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ):
        if not url.startswith(("http://", "https://")):
            raise ValueError("The external signer URL must be http:// or https://")
        self.url = url
        self._certificate = certificate
        self._chain = tuple(chain)
        self.headers = dict(headers or {})
        self.timeout = timeout
        self._session = session

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    # -- the Signer protocol -------------------------------------------------

    def sign_digest(self, digest: bytes, algorithm: str) -> bytes:
        """Ask for a raw signature of ``digest`` (only the mandatory fields are sent)."""
        answer = self._exchange(self.build_request(digest=digest, algorithm=algorithm))
        if "signature" not in answer:
            raise ExternalSignerError("The external signer did not return a raw signature")
        return answer["signature"]

    def sign_prepared(self, prepared: PreparedSignature, *, document_name: str = "") -> bytes:
        """Send the full request for a prepared signature; returns the raw signature
        or the DER CMS, whichever the signer answered (``complete_signature`` takes both)."""
        request = self.build_request(
            digest=prepared.digest_to_sign,
            algorithm=prepared.md_algorithm,
            data=prepared.signed_attributes,
            document_digest=prepared.document_digest,
            document={"name": document_name, "sha256": prepared.original_sha256},
        )
        answer = self._exchange(request)
        return answer.get("signature") or answer["cms"]

    # -- the exchange --------------------------------------------------------

    def build_request(
        self,
        *,
        digest: bytes,
        algorithm: str,
        data: bytes | None = None,
        document_digest: bytes | None = None,
        document: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The JSON body documented in the module docstring."""
        body: dict[str, Any] = {
            "version": PROTOCOL_VERSION,
            "digest": _b64(digest),
            "algorithm": algorithm,
            "signature_algorithm": signature_algorithm_for(self._certificate),
            "certificate": _b64(self._certificate.public_bytes(serialization.Encoding.DER)),
        }
        if data is not None:
            body["data"] = _b64(data)
        if document_digest is not None:
            body["document_digest"] = _b64(document_digest)
        if document:
            body["document"] = {k: v for k, v in document.items() if v}
        return body

    def _exchange(self, body: dict[str, Any]) -> dict[str, bytes]:
        http = self._session or requests
        try:
            response = http.post(
                self.url,
                json=body,
                headers={"Accept": "application/json", **self.headers},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ExternalSignerError(f"The external signer could not be reached: {exc}") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise ExternalSignerError(
                f"The external signer answered HTTP {response.status_code} without a JSON object"
            )
        if response.status_code != 200 or "error" in payload:
            message = str(payload.get("error") or f"HTTP {response.status_code}")
            raise ExternalSignerError(f"The external signer refused: {message}")
        decoded: dict[str, bytes] = {}
        for key in ("signature", "cms", "certificate"):
            value = payload.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ExternalSignerError(f"'{key}' must be a base64 string")
            try:
                decoded[key] = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ExternalSignerError(f"'{key}' is not valid base64") from exc
        if ("signature" in decoded) == ("cms" in decoded):
            raise ExternalSignerError("The answer must hold exactly one of 'signature' and 'cms'")
        if "certificate" in decoded:
            expected = self._certificate.public_bytes(serialization.Encoding.DER)
            if decoded.pop("certificate") != expected:
                raise ExternalSignerError(
                    "The external signer used a different certificate from the one registered"
                )
        return decoded
