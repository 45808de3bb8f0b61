"""Reported values (corrections keep the history), targets and publication."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.indicators import services
from chinhquyenso.indicators.computation import compute, parse_period, target_for
from chinhquyenso.indicators.models import Indicator, IndicatorValue

pytestmark = pytest.mark.django_db


def ind(code):
    return Indicator.objects.get(code=code)


def test_a_correction_supersedes_the_value_and_keeps_the_history(ward, reporter):
    broadband = ind("dien-thoai-thong-minh")
    first = services.report_value(indicator=broadband, unit=ward, period="2026-11", numerator=860,
                                  denominator=1000, actor=reporter)
    assert first.value == Decimal("86.00") and first.period_type == "month"
    assert (first.period_start, first.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    second = services.report_value(indicator=broadband, unit=ward, period="2026-11", numerator=870,
                                   denominator=1000, actor=reporter)
    first.refresh_from_db()
    assert first.superseded_by == second and second.superseded_by is None
    assert IndicatorValue.objects.filter(indicator=broadband, unit=ward).count() == 2

    r = compute(broadband, unit=ward, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert (r.numerator, r.denominator, r.value, r.source) == (870, 1000, Decimal("87.00"), "reported")
    # another period is separate
    q4 = parse_period("2026-Q4")
    assert compute(broadband, unit=ward, start=q4.start, end=q4.end).value is None

    actions = list(AuditEntry.objects.filter(object_type="indicators.indicatorvalue")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["indicator.report", "indicator.correct"]


def test_only_reported_indicators_take_reported_values(ward, reporter):
    with pytest.raises(ValidationError):
        services.report_value(indicator=ind("ho-so-truc-tuyen"), unit=ward, period="2026",
                              numerator=1, denominator=2, actor=reporter)
    broadband = ind("dien-thoai-thong-minh")
    for numerator, denominator, period in [(5, 0, "2026"), (-1, 10, "2026"), (11, 10, "2026"),
                                           ("x", 10, "2026")]:
        with pytest.raises(ValidationError):
            services.report_value(indicator=broadband, unit=ward, period=period, numerator=numerator,
                                  denominator=denominator, actor=reporter)
    with pytest.raises(ValueError):
        services.report_value(indicator=broadband, unit=ward, period="2026-13", numerator=1,
                              denominator=2, actor=reporter)
    assert not IndicatorValue.objects.exists()


def test_targets_national_and_per_unit(ward, other_ward, city, reporter):
    online = ind("ho-so-truc-tuyen")
    assert target_for(online, ward, 2026) is None
    services.set_target(indicator=online, year=2026, value=90, actor=reporter)
    services.set_target(indicator=online, year=2026, value=95, unit=ward, actor=reporter)
    services.set_target(indicator=online, year=2026, value="96.5", unit=ward, actor=reporter)  # changed
    assert online.targets.count() == 2
    assert target_for(online, ward, 2026) == Decimal("96.5")
    assert target_for(online, other_ward, 2026) == Decimal("90")
    assert target_for(online, city, 2026) == Decimal("90")
    assert target_for(online, city, 2027) is None
    assert AuditEntry.objects.filter(action="indicator.set_target").count() == 3


def test_load_catalogue_is_idempotent_and_keeps_publication(reporter):
    broadband = services.publish(ind("thue-bao-bang-rong"), reporter)
    count = Indicator.objects.count()
    services.load_catalogue()
    services.load_catalogue()
    assert Indicator.objects.count() == count
    assert Indicator.objects.get(pk=broadband.pk).is_published
    assert broadband.targets.filter(year=2025).count() == 1
    services.publish(broadband, reporter, published=False)
    assert not ind("thue-bao-bang-rong").is_published
    assert AuditEntry.objects.filter(action__in=["indicator.publish", "indicator.unpublish"]).count() == 2
