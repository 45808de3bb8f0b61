"""Public API: signature verification, a contract other portals rely on."""

from ninja import Router

router = Router(tags=["public"])
