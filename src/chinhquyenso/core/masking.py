"""Masking of personal data (identification and phone numbers) for pages and logs."""

from __future__ import annotations


def mask_digits(value: str, *, keep_start: int = 3, keep_end: int = 3) -> str:
    """`026******123`: the first and last digits stay, the middle is hidden."""
    value = (value or "").strip()
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(value: str) -> str:
    return mask_digits(value, keep_start=3, keep_end=3)


def mask_phone(value: str) -> str:
    return mask_digits(value, keep_start=3, keep_end=3)
