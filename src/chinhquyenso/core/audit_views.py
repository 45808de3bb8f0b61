"""The audit log page, for auditors and system administrators."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from chinhquyenso.org.permissions import permission_required

from .audit_chain import verify_chain
from .models import AuditEntry


@permission_required("audit.view")
def audit_log(request):
    entries = AuditEntry.objects.select_related("actor").order_by("-seq")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    report = verify_chain() if request.GET.get("verify") else None
    return render(request, "core/audit_log.html", {"page": page, "report": report})
