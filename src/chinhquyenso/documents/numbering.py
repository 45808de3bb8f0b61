"""Document numbers and notations (Decree 30/2020/NĐ-CP, Article 15-16).

Numbers run from 01 on 1 January to 31 December of each year, per issuing (or receiving)
agency and per series: regular, legal normative, confidential, incoming. They come from a
locked counter row taken in the transaction that uses the number, so a rolled-back
numbering gives its number back: no gap and no duplicate, across processes and machines.

At the local level each issuer has one legal normative type (People's Councils issue
nghị quyết, People's Committees quyết định), so a legal normative series per agency is
the "own series per legal normative type" the law asks for.
"""

from __future__ import annotations

from django.db import connection

from chinhquyenso.core.counters import next_value
from chinhquyenso.org.models import Agency

from .models import Confidentiality, NumberCounter, OutgoingDocument, SeriesKind


class NumberOutsideTransaction(RuntimeError):
    """A number must be taken in the transaction that stores it, or a rollback leaves a gap."""


def take_number(*, agency: Agency, year: int, series: str) -> int:
    """The next number of `agency`'s `series` in `year`. Call inside the transaction that
    stores the number: the counter row stays locked until it ends."""
    if not connection.in_atomic_block:
        raise NumberOutsideTransaction("take_number() must be called inside transaction.atomic()")
    SeriesKind(series)  # refuses an unknown series with ValueError
    return next_value(NumberCounter, field="last_number", agency=agency, year=year, series=series)


def next_number(*, agency: Agency, year: int, series: str) -> int:
    """The number the series would give next: a forecast, read without a lock (another
    clerk may take it first); only take_number hands out numbers."""
    last = (NumberCounter.objects.filter(agency=agency, year=year, series=series)
            .values_list("last_number", flat=True).first())
    return (last or 0) + 1


def series_for(document: OutgoingDocument) -> str:
    """Confidential documents and legal normative documents have their own series."""
    if document.confidentiality != Confidentiality.NORMAL:
        return SeriesKind.CONFIDENTIAL
    if document.is_legal_normative:
        return SeriesKind.LEGAL_NORMATIVE
    return SeriesKind.REGULAR


def format_number(number: int) -> str:
    """Numbers below 10 are written with a leading zero: 05."""
    return f"{number:02d}"


def notation_for(document: OutgoingDocument) -> str:
    """The number and notation of a numbered document:

    - a letter (công văn): number/issuer-drafting unit, e.g. 45/UBND-VP, or number/issuer
      when the issuer drafted it itself, e.g. 46/UBND;
    - a legal normative document: number/year/type-issuer, e.g. 12/2026/QĐ-UBND;
    - any other document: number/type-issuer, e.g. 123/QĐ-UBND.
    """
    if document.number is None or document.year is None:
        raise ValueError("The document has no number yet.")
    number = format_number(document.number)
    issuer = document.agency.abbreviation.strip()
    if document.document_type.is_letter:
        # A letter the People's Committee drafts itself (a ward's, often) names no unit.
        drafted_elsewhere = document.drafting_unit_id not in (None, document.agency_id)
        unit = document.drafting_unit.abbreviation.strip() if drafted_elsewhere else ""
        return f"{number}/{issuer}-{unit}" if unit else f"{number}/{issuer}"
    kind = document.document_type.code
    if document.is_legal_normative:
        return f"{number}/{document.year}/{kind}-{issuer}"
    return f"{number}/{kind}-{issuer}"
