"""Pages of the kernel: home, areas, health check."""

from __future__ import annotations

from django.db import connection
from django.db.utils import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .areas import AREA_BY_SLUG


def home(request):
    return render(request, "core/home.html")


def area(request, slug: str):
    try:
        current = AREA_BY_SLUG[slug]
    except KeyError as exc:
        raise Http404 from exc
    return render(request, "core/area.html", {"area": current})


@never_cache
@require_GET
def healthz(request):
    """Machine-readable health: is the database reachable, how many tasks wait."""
    body = {"status": "ok", "database": "ok", "pending_tasks": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        body.update(status="error", database="unreachable")
        return JsonResponse(body, status=503)
    body["pending_tasks"] = pending_task_count()
    return JsonResponse(body)


def pending_task_count() -> int | None:
    """Tasks enqueued and not yet finished, on whichever backend is configured."""
    from django.conf import settings

    backend = settings.TASKS["default"]["BACKEND"]
    try:
        if backend.startswith("django_tasks_db"):
            from django_tasks.base import TaskResultStatus
            from django_tasks_db.models import DBTaskResult

            return DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).count()
        if backend.startswith("django_tasks_rq"):
            import django_rq

            return sum(django_rq.get_queue(name).count for name in settings.RQ_QUEUES)
    except Exception:  # a broken queue must not break the health check
        return None
    return None


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
