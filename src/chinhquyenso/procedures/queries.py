"""Searching the public catalogue."""

from __future__ import annotations

from django.db.models import QuerySet

from chinhquyenso.core.text import normalize_vi

from .models import Procedure


def search_procedures(*, q: str = "", field: int | str | None = None, level: str = "",
                      service_level: str = "") -> QuerySet[Procedure]:
    """Published procedures whose code or name contains every word of `q`, typed with or
    without Vietnamese accents ("dang ky khai sinh" finds "Đăng ký khai sinh")."""
    procedures = Procedure.objects.filter(is_published=True).select_related("field")
    for word in normalize_vi(q).split():
        procedures = procedures.filter(search_text__contains=word)
    if field:
        procedures = procedures.filter(field_id=field)
    if level:
        procedures = procedures.filter(level=level)
    if service_level:
        procedures = procedures.filter(service_level=service_level)
    return procedures.order_by("field__name", "name")
