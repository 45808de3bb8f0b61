"""Public catalogue pages: no login needed."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .models import CompetentLevel, Field, Procedure, ServiceLevel
from .queries import search_procedures


def catalogue(request):
    q = request.GET.get("q", "").strip()[:200]
    field = request.GET.get("field", "")
    field = field if field.isdigit() else ""
    level = request.GET.get("level", "")
    level = level if level in CompetentLevel.values else ""
    service_level = request.GET.get("service_level", "")
    service_level = service_level if service_level in ServiceLevel.values else ""
    results = search_procedures(q=q, field=field, level=level, service_level=service_level)
    page = Paginator(results, 25).get_page(request.GET.get("page"))
    context = {
        "page": page, "q": q, "field": field, "level": level, "service_level": service_level,
        "fields": Field.objects.order_by("name"), "levels": CompetentLevel.choices,
        "service_levels": ServiceLevel.choices,
    }
    template = "procedures/_results.html" if request.htmx else "procedures/catalogue.html"
    return render(request, template, context)


def detail(request, code: str):
    procedure = get_object_or_404(
        Procedure.objects.select_related("field").prefetch_related("components", "steps"),
        code=code, is_published=True)
    return render(request, "procedures/detail.html", {"procedure": procedure})
