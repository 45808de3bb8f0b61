"""Public API: signature verification, a contract other portals rely on.

``POST /api/v1/public/signatures/verify`` with the PDF as the multipart field ``file``
answers ``200 {"verdict": ..., "signatures": [{"signer", "signed_at", "intact",
"trusted", "modification_level"}]}``; a file that is not a PDF, or no file, ``422
{"detail": reason}``; a file over 20 MiB ``413 {"detail": reason}``. Keep the path and
the shape: portals and the national document exchange call it. No login: the route
has no authentication, so django-ninja does not ask for a CSRF token either (it only
does for cookie-based authentication).
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Literal

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from .public_views import request_too_large
from .verification import (
    MAX_UPLOAD_BYTES,
    FileTooLarge,
    UnverifiableUpload,
    too_large_reason,
    verify_upload,
)

router = Router(tags=["public"])


def refuse_oversized_bodies(run):
    """Answer 413 from the declared Content-Length, before the multipart body is parsed."""

    @wraps(run)
    def guarded(request, *args, **kwargs):
        if request_too_large(request):
            return JsonResponse({"detail": too_large_reason()}, status=413)
        return run(request, *args, **kwargs)

    return guarded


# Names prefixed "Public": OpenAPI component names are global to the whole API.
class PublicSignatureOut(Schema):
    signer: str
    signed_at: datetime | None
    intact: bool
    trusted: bool
    modification_level: Literal["none", "form_filling_or_signatures", "disallowed"]


class PublicVerificationOut(Schema):
    verdict: Literal["valid", "tampered", "untrusted", "expired", "unsigned"]
    signatures: list[PublicSignatureOut]


class PublicErrorOut(Schema):
    detail: str


@router.post(
    "signatures/verify",
    response={200: PublicVerificationOut, 413: PublicErrorOut, 422: PublicErrorOut},
    auth=None,
    summary="Verify the digital signatures of a PDF (multipart field `file`)",
    description=(
        "Checks every signature of the uploaded PDF against the platform's trusted roots. "
        "`verdict`: `valid`, `tampered` (changed after signing), `untrusted` (a signer's "
        "certificate does not chain to a trusted root), `expired` (a certificate out of its "
        "validity period at the signing time, or expired without a timestamp), `unsigned`. "
        "`modification_level`: `none`, `form_filling_or_signatures`, `disallowed`. "
        "422 when the file is missing or is not a readable PDF; 413 above 20 MiB."
    ),
)
@decorate_view(refuse_oversized_bodies)
def verify_signatures(request, file: File[UploadedFile] = None):
    if file is None:
        return Status(422, {"detail": _("Choose a PDF file to check (multipart field “file”).")})
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        return Status(413, {"detail": too_large_reason()})
    try:
        report = verify_upload(file.read())
    except FileTooLarge as exc:
        return Status(413, {"detail": str(exc.reason)})
    except UnverifiableUpload as exc:
        return Status(422, {"detail": str(exc.reason)})
    return report.as_dict()
