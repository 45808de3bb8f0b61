"""The demo's reported figures: every ward reports the society indicators (broadband per
provider adding up to its total), the city and wards the officials' and the service
index's items, for last year and this year."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.indicators.computation import compute, parse_period
from chinhquyenso.indicators.models import Indicator, IndicatorValue
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

pytestmark = pytest.mark.django_db


def test_the_demo_reports_figures_for_every_ward():
    call_command("load_demo", "--without-current-units", "--without-dossiers", "--without-teams",
                 "--population", "0", stdout=StringIO())
    year = timezone.localdate().year
    wards = AdministrativeUnit.objects.filter(level=UnitLevel.WARD)
    assert wards.count() == 9
    broadband = Indicator.objects.get(code="thue-bao-bang-rong")
    period = parse_period(str(year))
    for ward in wards:
        rows = IndicatorValue.objects.filter(indicator=broadband, unit=ward, period_start=period.start,
                                             period_end=period.end)
        assert set(rows.values_list("breakdown", flat=True)) == {"", *broadband.breakdown_options}
        total = rows.get(breakdown="")
        assert rows.exclude(breakdown="").aggregate(n=Sum("numerator"))["n"] == total.numerator
        value = compute(broadband, unit=ward, start=period.start, end=period.end).value
        assert 70 <= value <= 97
    city = AdministrativeUnit.objects.get(level=UnitLevel.DISTRICT)
    computers = compute(Indicator.objects.get(code="can-bo-co-may-tinh"), unit=city,
                        start=period.start, end=period.end)
    assert computers.value == 100
    last_year = parse_period(str(year - 1))
    assert IndicatorValue.objects.filter(period_start=last_year.start, indicator__code="ky-nang-so").count() == 9
    assert AuditEntry.objects.filter(action="indicator.demo_reports").count() == 1
