"""Pages for officials."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from .models import AdministrativeUnit, UnitLevel
from .permissions import can
from .queries import official_of, role_assignments_of, unit_tree


@login_required
def workspace(request):
    return render(request, "org/workspace.html", {
        "official": official_of(request.user),
        "assignments": role_assignments_of(request.user),
        "can_view_audit": can(request.user, "audit.view"),
        "can_view_officials": can(request.user, "officials.view"),
        "can_view_dossiers": can(request.user, "dossiers.view"),
    })


@login_required
def units(request):
    """The units in the official's scope, each with the units below it."""
    today = timezone.localdate()
    roots = AdministrativeUnit.objects.valid_on(today).filter(level=UnitLevel.PROVINCE)
    assignments = role_assignments_of(request.user)
    scope_roots = [a.unit for a in assignments] or list(roots[:1])
    seen, trees = set(), []
    for root in scope_roots:
        if root.pk in seen:
            continue
        rows = unit_tree(root)
        seen.update(u.pk for u, _ in rows)
        trees.append(rows)
    return render(request, "org/unit_tree.html", {"trees": trees, "today": today})


def locked_out(request, original_response=None, credentials=None):
    """Shown instead of the login form while an account is throttled."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes},
                  status=429)
