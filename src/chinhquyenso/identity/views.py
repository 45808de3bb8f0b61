"""Officials' pages on citizens' records. Lists and exports show identification and
phone numbers masked; the full record is shown only to those who handle dossiers, for a
stated purpose, and each such view is written to the audit log."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from chinhquyenso.core.masking import mask_id_number, mask_phone
from chinhquyenso.core.text import normalize_vi
from chinhquyenso.org.permissions import can, scope_units

from .idnumbers import normalize_id_number
from .models import Citizen
from .services import record_full_view


def citizens_in_scope(user, action: str = "citizens.view"):
    """Citizens living in the wards below the units the official acts for."""
    units = [u.pk for u in scope_units(user, action)]
    citizens = Citizen.objects.select_related("ward", "residential_group")
    return citizens.filter(Q(ward__in=units) | Q(ward__parent__in=units)
                           | Q(ward__parent__parent__in=units) | Q(residential_group__in=units))


def _search(request):
    if not can(request.user, "citizens.view"):
        raise PermissionDenied(_("Your role does not include viewing citizens' records."))
    q = request.GET.get("q", "").strip()[:100]
    citizens = citizens_in_scope(request.user)
    number = normalize_id_number(q)
    if len(number) == 12 and number.isdigit():
        citizens = citizens.filter(id_number=number)
    else:
        for word in normalize_vi(q).split():
            citizens = citizens.filter(search_name__contains=word)
    return q, citizens.order_by("search_name", "pk")


@login_required
def citizen_list(request):
    q, citizens = _search(request)
    page = Paginator(citizens, 50).get_page(request.GET.get("page")) if q else None
    return render(request, "identity/citizen_list.html", {"q": q, "page": page})


@login_required
def citizen_export(request):
    """The search result as CSV for Excel (UTF-8 with BOM), numbers masked."""
    q, citizens = _search(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cong-dan.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Full name"), _("Personal identification number"), _("Date of birth"),
                     _("Phone"), _("Ward"), _("e-ID level")])
    for citizen in citizens[:5000] if q else []:
        writer.writerow([citizen.full_name, mask_id_number(citizen.id_number),
                         citizen.birth_date.strftime("%d/%m/%Y"), mask_phone(citizen.phone),
                         citizen.ward.name if citizen.ward else "", citizen.eid_level])
    return response


@login_required
def citizen_detail(request, pk: int):
    if not can(request.user, "citizens.view"):
        raise PermissionDenied(_("Your role does not include viewing citizens' records."))
    citizen = get_object_or_404(citizens_in_scope(request.user), pk=pk)
    may_see_full = can(request.user, "citizens.view_full", citizen.ward) if citizen.ward else False
    full = False
    if request.method == "POST":
        if not may_see_full:
            raise PermissionDenied(_("Your role does not include viewing citizens' full records."))
        try:
            record_full_view(viewer=request.user, citizen=citizen, purpose=request.POST.get("purpose", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            full = True
    return render(request, "identity/citizen_detail.html",
                  {"citizen": citizen, "full": full, "may_see_full": may_see_full})
