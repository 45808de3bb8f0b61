"""Demo content: the figures units report (broadband per provider, smartphones, payment
accounts, digital skills, health records, officials' equipment, work records handled
online, and the service index's reported items), for every ward and the city, for last
year and the current year. Plausible values around the seed's (≈ 86% of households on
fixed broadband from five providers; every official with a computer), reproducible from
a seed. Written in bulk as reported values of the city's system administrator, with one
audit entry for the whole load."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from chinhquyenso.core.services import record_audit
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

from .computation import parse_period, ratio
from .models import Indicator, IndicatorValue

# Share of each provider among the fixed-broadband subscriptions (demo content).
PROVIDER_SHARES = {"Viettel": 0.41, "VNPT": 0.33, "FPT Telecom": 0.17, "MobiFone": 0.05, "CMC Telecom": 0.04}

# indicator code → (denominator basis, centre of the share in %, spread, reported by wards / city)
SHARES: dict[str, tuple[str, float, float, str]] = {
    "dien-thoai-thong-minh": ("adults", 84, 4, "ward"),
    "tai-khoan-thanh-toan": ("over15", 79, 5, "ward"),
    "ky-nang-so": ("working", 66, 6, "ward"),
    "ho-so-suc-khoe-dien-tu": ("people", 87, 5, "ward"),
    "can-bo-co-may-tinh": ("officials", 100, 0, "all"),
    "can-bo-co-dien-thoai-thong-minh": ("officials", 96, 3, "all"),
    "ho-so-cong-viec-truc-tuyen": ("records", 72, 8, "all"),
    "tthc-cong-bo-dung-han": ("procedures", 100, 0, "all"),
    "tthc-cap-nhat-dung-han": ("procedures", 96, 4, "all"),
    "ho-so-dong-bo-cong-quoc-gia": ("dossiers", 97, 2, "all"),
    "ban-sao-dien-tu": ("copies", 38, 10, "all"),
    "ho-so-dong-bo-kho-du-lieu": ("dossiers", 42, 12, "all"),
}


def _whole(value: float) -> Decimal:
    return Decimal(value).quantize(Decimal(1), ROUND_HALF_UP)


def generate(*, seed: int = 766) -> int:
    """Write the demo's reported values; returns how many rows."""
    from chinhquyenso.org.models import Official

    rng = random.Random(seed)
    reporter = (Official.objects.filter(agency__unit__level=UnitLevel.DISTRICT, roles__role="system_admin")
                .select_related("user", "agency__unit").order_by("pk").first())
    if reporter is None:
        return 0
    city = reporter.agency.unit
    wards = list(AdministrativeUnit.objects.filter(parent=city, level=UnitLevel.WARD).order_by("code"))
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=[*SHARES, "thue-bao-bang-rong"])}
    this_year = timezone.localdate().year
    now = timezone.now()
    rows: list[IndicatorValue] = []

    def add(indicator, unit, period, numerator, denominator, breakdown=""):
        rows.append(IndicatorValue(
            indicator=indicator, unit=unit, period_type=period.type, period_start=period.start,
            period_end=period.end, breakdown=breakdown, numerator=numerator, denominator=denominator,
            value=ratio(numerator, denominator, indicator.factor), reported_by=reporter.user, reported_at=now))

    for year in (this_year - 1, this_year):
        period = parse_period(str(year))
        growth = 0 if year < this_year else 2.5  # the programme moves on
        for ward in wards:
            households = rng.randint(2600, 5200)
            people = int(households * rng.uniform(3.4, 3.8))
            basis = {"adults": int(people * 0.72), "over15": int(people * 0.78), "working": int(people * 0.6),
                     "people": people}
            broadband = indicators.get("thue-bao-bang-rong")
            if broadband is not None:
                subscribed = households * min(0.97, rng.gauss(84 + growth, 3) / 100)
                numbers = {name: _whole(subscribed * share) for name, share in PROVIDER_SHARES.items()}
                for name, number in numbers.items():
                    add(broadband, ward, period, number, Decimal(households), name)
                add(broadband, ward, period, sum(numbers.values()), Decimal(households))
            for code, (kind, centre, spread, _who) in SHARES.items():
                if code not in indicators:
                    continue
                denominator = basis.get(kind) or rng.randint(40, 400)
                share = min(100.0, rng.gauss(centre + (growth if centre < 100 else 0), spread))
                add(indicators[code], ward, period, _whole(denominator * share / 100), Decimal(denominator))
        for code, (_kind, centre, spread, who) in SHARES.items():
            if who == "all" and code in indicators:
                denominator = rng.randint(300, 2400)
                share = min(100.0, rng.gauss(centre + (growth if centre < 100 else 0), spread))
                add(indicators[code], city, period, _whole(denominator * share / 100), Decimal(denominator))
    with transaction.atomic():
        IndicatorValue.objects.bulk_create(rows, batch_size=500)
        record_audit(actor=reporter.user, action="indicator.demo_reports", object_type="indicators.values",
                     after={"rows": len(rows), "years": [this_year - 1, this_year]})
    return len(rows)
