"""The registers as Excel workbooks (.xlsx), in the columns of the registers of Decree
30/2020/NĐ-CP, with Vietnamese headers (the file goes to other offices as it is) and
dates as real dates.

    write_outgoing_register(documents, handle) -> int     rows written
    write_incoming_register(documents, handle) -> int

`documents` is the filtered register queryset; it is read in chunks (never more than
the filtered rows, never all at once) and written with openpyxl's write-only workbook
into `handle`, a binary file the caller then streams. A confidential document the
reader may not read (its `readable` annotation, see queries) is written with
``queries.CONFIDENTIAL_MARK`` instead of its subject.

    record_register_export(actor=, register=, filters=, rows=)

An export is a read, but official records leaving the platform as a file are logged in
this product: each export writes the audit log with the register, its filters and the
number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import IO, Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from chinhquyenso.core.services import record_audit
from chinhquyenso.org.models import Agency

from .models import IncomingDocument, OutgoingDocument
from .queries import CONFIDENTIAL_MARK

CHUNK = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

OUTGOING_HEADERS = ("Số, ký hiệu văn bản", "Ngày tháng văn bản", "Loại văn bản", "Trích yếu nội dung",
                    "Người ký", "Nơi nhận văn bản", "Đơn vị soạn thảo", "Độ khẩn", "Trạng thái",
                    "Hạn trả lời")
OUTGOING_WIDTHS = (18, 12, 16, 60, 24, 40, 24, 12, 16, 12)
INCOMING_HEADERS = ("Số đến", "Ngày đến", "Tác giả (nơi gửi)", "Số, ký hiệu văn bản",
                    "Ngày tháng văn bản", "Loại văn bản", "Trích yếu nội dung", "Đơn vị chủ trì",
                    "Độ khẩn", "Trạng thái", "Hạn giải quyết")
INCOMING_WIDTHS = (8, 12, 30, 18, 12, 16, 60, 24, 12, 16, 12)


def _local(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: a moment is written in Vietnam time, without one."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None)


def _subject(document) -> str:
    return document.subject if getattr(document, "readable", True) else CONFIDENTIAL_MARK


def _outgoing_row(document: OutgoingDocument) -> list[Any]:
    recipients = [a.name for a in document.internal_recipients.all()]
    recipients += [line.strip() for line in document.external_recipients.splitlines() if line.strip()]
    signer = " ".join(part for part in (document.get_signer_capacity_display() if document.signer_capacity
                                        else "", document.signer_position, document.signer_name) if part)
    return [document.notation or f"(#{document.pk})", document.issued_on, document.document_type.name,
            _subject(document), signer, "; ".join(recipients),
            document.drafting_unit.name if document.drafting_unit else "", document.get_urgency_display(),
            document.get_state_display(), document.deadline]


def _incoming_row(document: IncomingDocument) -> list[Any]:
    return [document.incoming_number, _local(document.received_at),
            document.sender_name or (document.from_agency.name if document.from_agency else ""),
            document.original_notation, document.original_date,
            document.document_type.name if document.document_type else "", _subject(document),
            document.lead_unit.name if document.lead_unit else "", document.get_urgency_display(),
            document.get_state_display(), document.deadline]


def _write(handle: IO[bytes], title: str, headers: Sequence[str], widths: Sequence[int],
           rows: Iterable[Any], to_cells: Callable[[Any], list[Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    bold = Font(bold=True)

    def cell(value, header=False):
        written = WriteOnlyCell(sheet, value=str(value) if isinstance(value, Promise) else value)
        if header:
            written.font = bold
        if isinstance(value, datetime):
            written.number_format = "DD/MM/YYYY HH:MM"
        elif isinstance(value, date):
            written.number_format = "DD/MM/YYYY"
        elif written.data_type == "f":
            written.data_type = "s"  # text that looks like a formula stays text
        return written

    sheet.append([cell(h, header=True) for h in headers])
    count = 0
    for row in rows:
        sheet.append([cell(value) for value in to_cells(row)])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    workbook.properties.title = title
    workbook.save(handle)
    return count


def write_outgoing_register(documents: QuerySet[OutgoingDocument], handle: IO[bytes]) -> int:
    rows = (documents.select_related("document_type", "drafting_unit")
            .prefetch_related(Prefetch("internal_recipients", queryset=Agency.objects.order_by("name")))
            .iterator(chunk_size=CHUNK))
    return _write(handle, "Sổ văn bản đi", OUTGOING_HEADERS, OUTGOING_WIDTHS, rows, _outgoing_row)


def write_incoming_register(documents: QuerySet[IncomingDocument], handle: IO[bytes]) -> int:
    rows = documents.select_related("document_type", "from_agency", "lead_unit").iterator(chunk_size=CHUNK)
    return _write(handle, "Sổ văn bản đến", INCOMING_HEADERS, INCOMING_WIDTHS, rows, _incoming_row)


def record_register_export(*, actor, register: str, filters: dict[str, str], rows: int) -> None:
    """Log an export of the outgoing or incoming register (``register``: "outgoing" or
    "incoming") with the filters it was made with and how many rows it holds."""
    with transaction.atomic():
        record_audit(actor=actor, action="document.register.export", object_type="documents.register",
                     object_id=register, object_repr=register,
                     after={"register": register, "filters": {k: v for k, v in filters.items() if v},
                            "rows": rows})
