"""Verification of the audit log's hash chain."""

from __future__ import annotations

from dataclasses import dataclass

from .models import AuditEntry

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def holds(self) -> bool:
        return self.first_break is None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the log in order and report the first entry that breaks the chain:
    a changed entry (its hash no longer matches), a deleted or inserted one (the
    sequence or the link to the previous hash is wrong)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return ChainReport(checked, ChainBreak(
                entry.seq, f"expected entry #{expected_seq}, found #{entry.seq}: entries are missing"))
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, ChainBreak(
                entry.seq, "its link to the previous entry does not match"))
        if entry.compute_hash() != entry.entry_hash:
            return ChainReport(checked, ChainBreak(
                entry.seq, "its content was changed after it was written"))
        expected_prev = entry.entry_hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked, None)
