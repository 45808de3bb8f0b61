"""Reading the first sheet of an uploaded Excel workbook (.xlsx), for the imports that
take one (community rosters, reported indicator values)."""

from __future__ import annotations

import io


class NotAWorkbook(Exception):
    """The file is not an .xlsx workbook (a zip error, an XML error, another format…)."""


class TooManyRows(Exception):
    """The sheet has more rows than the import takes."""


def first_sheet_rows(file, *, max_rows: int) -> list[tuple]:
    """The rows of the first sheet as tuples of cell values (formulas' last values),
    read in streaming mode; TooManyRows as soon as there are more than `max_rows`."""
    from openpyxl import load_workbook

    if isinstance(file, bytes | bytearray):
        file = io.BytesIO(file)
    elif hasattr(file, "seek"):
        file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (whatever the reader trips on, the file is not a workbook)
        raise NotAWorkbook(str(exc)) from exc
    try:
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(tuple(row))
            if len(rows) > max_rows:
                raise TooManyRows(max_rows)
        return rows
    finally:
        workbook.close()
