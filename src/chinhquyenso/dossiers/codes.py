"""Dossier codes: receiving agency + date + a sequence number, by a pattern set per
procedure. Sequence numbers come from a locked database row, so codes are unique
across processes and machines."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from chinhquyenso.core.counters import next_value
from chinhquyenso.org.models import Agency
from chinhquyenso.procedures.models import CounterReset, CounterScope, Procedure

from .models import DossierCounter


def take_number(key: str) -> int:
    """The next number for `key`; call inside the transaction that uses it, so a
    rolled-back submission gives its number back."""
    return next_value(DossierCounter, field="value", key=key)


def counter_key(*, agency: Agency, procedure: Procedure, moment: datetime) -> str:
    local = timezone.localtime(moment)
    period = {
        CounterReset.DAILY: local.strftime("%Y%m%d"),
        CounterReset.MONTHLY: local.strftime("%Y%m"),
        CounterReset.YEARLY: local.strftime("%Y"),
    }[procedure.code_counter_reset]
    scope = agency.code
    if procedure.code_counter_scope == CounterScope.PROCEDURE:
        scope = f"{agency.code}/{procedure.code}"
    return f"{scope}@{period}"


def format_code(pattern: str, *, agency_code: str, procedure_code: str, moment: datetime,
                seq: int) -> str:
    local = timezone.localtime(moment)
    return pattern.format(
        agency=agency_code, procedure=procedure_code, yyyy=f"{local:%Y}", yy=f"{local:%y}",
        mm=f"{local:%m}", dd=f"{local:%d}", yymmdd=f"{local:%y%m%d}", seq=seq)


def next_dossier_code(*, agency: Agency, procedure: Procedure, moment: datetime) -> str:
    seq = take_number(counter_key(agency=agency, procedure=procedure, moment=moment))
    return format_code(procedure.dossier_code_pattern, agency_code=agency.code,
                       procedure_code=procedure.code, moment=moment, seq=seq)
