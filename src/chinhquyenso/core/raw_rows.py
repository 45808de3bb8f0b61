"""Values of a hand-built statement's row turned into what the ORM would give: the
database driver's raw values passed through each field's converters (SQLite's dates and
booleans read as text and integers, JSON, decimals, …), for the few hot reads that
build their statement once instead of through the ORM (dossiers/loading.py,
org/permissions.py), so that the instances they make are the ORM's own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def converters(fields: Iterable, connection, *, start: int = 0) -> dict[int, tuple[list, object]]:
    """Position in the row → (the ORM's converters, the column) for the `fields` read in
    that order from position `start`; fields without a converter are left out."""
    found = {}
    for position, field in enumerate(fields, start=start):
        column = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found[position] = (functions, column)
    return found


def kept_converters(connection, key, fields: Iterable, *, start: int = 0) -> dict[int, tuple[list, object]]:
    """converters() of a statement's `fields`, built once per connection and kept on it
    under `key` (the statement's name): every hot read calls this per row."""
    kept = connection.__dict__.setdefault("_cqs_converters", {})
    found = kept.get(key)
    if found is None:
        found = kept[key] = converters(fields, connection, start=start)
    return found


def convert(row: Sequence, found: dict[int, tuple[list, object]], connection) -> list:
    """The row's values as the ORM would have them (None included, as the ORM does)."""
    values = list(row)
    for position, (functions, column) in found.items():
        for function in functions:
            values[position] = function(values[position], column, connection)
    return values
