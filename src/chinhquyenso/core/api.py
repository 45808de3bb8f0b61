"""API of the kernel: the audit log, for auditors."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema
from ninja.security import django_auth

from chinhquyenso.org.permissions import require

from .models import AuditEntry

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    entry_hash: str


@router.get("audit", response=list[AuditEntryOut], auth=django_auth,
            summary="Latest audit entries (auditors)")
def audit_entries(request, limit: int = 50):
    require(request.user, "audit.view")
    limit = max(1, min(limit, 500))
    return list(AuditEntry.objects.order_by("-seq")[:limit])
