"""Vietnamese text helpers shared by search in every app."""

from __future__ import annotations

import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})


def normalize_vi(text: str) -> str:
    """Lower-case, strip diacritics and map đ/Đ to d, so that "Đăng ký khai sinh"
    and "dang ky khai sinh" compare equal. Unicode does not decompose đ, so it is
    mapped explicitly. Whitespace runs collapse to one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
