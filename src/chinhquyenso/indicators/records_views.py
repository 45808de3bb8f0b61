"""Pages that list the records behind a dashboard's number where no other page of the
platform lists them for the leaders: the officials of a unit with, or without, a
personal signing certificate in force (the indicator "can-bo-dinh-danh-so"). Read-only,
for the readers of the unit's dashboard; names, positions, agencies and the end of the
certificate, nothing that identifies a person further."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from chinhquyenso.documents.queries import officials_by_certificate

from . import queries
from .computation import unit_ids
from .views import _breadcrumbs, _leader_unit

#: ?set= of the officials' list: all of them (the denominator), those with a certificate
#: in force (the numerator), those without.
OFFICIAL_SETS = (
    ("", _("All officials with an active account")),
    ("certified", _("Officials with a signing certificate in force")),
    ("uncertified", _("Officials without a signing certificate in force")),
)


@require_GET
def officials(request, unit_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    unit = _leader_unit(request, unit_id)
    chosen = request.GET.get("set", "")
    chosen = chosen if chosen in dict(OFFICIAL_SETS) else ""
    now = timezone.now()
    found = officials_by_certificate(unit_ids(unit), now)
    if chosen == "certified":
        found = found.filter(certificate_until__isnull=False)
    elif chosen == "uncertified":
        found = found.filter(certificate_until__isnull=True)
    return render(request, "indicators/officials.html", {
        "unit": unit, "officials": list(found), "set": chosen, "sets": OFFICIAL_SETS,
        "set_label": dict(OFFICIAL_SETS)[chosen], "now": now,
        # The crumbs end with this page, after the unit's dashboard (as a procedure's page does).
        "procedure": {"name": dict(OFFICIAL_SETS)[chosen]},
        "breadcrumbs": _breadcrumbs(unit, queries.dashboard_root(request.user),
                                    queries.period_from({}, timezone.localdate()), request.user),
    })
