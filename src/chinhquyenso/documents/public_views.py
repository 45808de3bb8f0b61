"""Public pages under /xac-thuc/: anyone checks the signatures of a PDF they received, or
opens the QR code printed on an issued document. No login, no JavaScript needed: a plain
multipart form that works on a phone."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .verification import (
    MAX_UPLOAD_BYTES,
    MODIFICATION_LABELS,
    VERDICT_SENTENCES,
    UnverifiableUpload,
    document_for_token,
    latest_signed_file,
    too_large_reason,
    verify_document,
    verify_upload,
)

MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
#: Room for the multipart envelope (boundaries, headers, the CSRF field) around the file.
MULTIPART_ALLOWANCE = 64 * 1024


def request_too_large(request) -> bool:
    """Whether the declared body is too large to hold an acceptable PDF: refused before
    Django reads (and spools to disk) an upload that would be refused anyway."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE


def _context(**extra) -> dict:
    return {"max_upload_mb": MAX_UPLOAD_MB, "verdict_sentences": VERDICT_SENTENCES,
            "modification_labels": MODIFICATION_LABELS, **extra}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def upload(request):
    """Upload a PDF and read the verdict on its signatures.

    Exempt from CSRF: the POST changes nothing (the file is checked, not kept) and needs
    no session, so a forged request gains nothing, while a phone with an expired or
    blocked cookie can still check a document. It also lets an oversized body be refused
    before the CSRF check would parse it."""
    context = _context()
    status = 200
    if request.method == "POST" and request_too_large(request):
        context["error"] = too_large_reason()
        status = 413
    elif request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            context["error"] = _("Choose a PDF file to check.")
            status = 422
        elif upload_file.size is not None and upload_file.size > MAX_UPLOAD_BYTES:
            context["error"] = too_large_reason()
            status = 413
        else:
            try:
                context["report"] = verify_upload(upload_file.read())
                context["file_name"] = upload_file.name
            except UnverifiableUpload as exc:
                context["error"] = str(exc.reason)
                status = 422
    return render(request, "documents/verify.html", context, status=status)


@require_http_methods(["GET"])
def issued(request, token: str):
    """The page the QR code on an issued document opens: what was issued, by whom, and
    whether the signed file the agency keeps still verifies."""
    document = document_for_token(token)
    if document is None:
        raise Http404(_("No issued document matches this code."))
    context = _context(document=document, report=verify_document(document),
                       signed_file=latest_signed_file(document))
    return render(request, "documents/verify.html", context)
