"""Officials' API for official documents under /api/v1/documents/."""

from ninja import Router

router = Router(tags=["documents"])
