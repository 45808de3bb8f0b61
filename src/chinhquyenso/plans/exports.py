"""A plan's task table as an Excel workbook (.xlsx), as the plan page shows it (with its
filters): Vietnamese headers, since the file goes to other offices as it is; dates as
real dates; lateness counted for the day given.

    write_task_table(plan, rows, handle, today) -> int     rows written
"""

from __future__ import annotations

from datetime import date
from typing import IO, Any

from django.utils.functional import Promise

from .models import Plan
from .queries import TaskRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = ("STT", "Mục tiêu", "Nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Ngày bắt đầu",
           "Thời hạn", "Trạng thái", "Ngày hoàn thành", "Tiến độ (%)", "Số ngày quá hạn", "Chỉ số")
WIDTHS = (6, 9, 60, 30, 40, 12, 12, 16, 14, 10, 12, 30)
DATE_COLUMNS = {5, 6, 8}


def _cells(row: TaskRow) -> list[Any]:
    task = row.task
    return [task.order, task.goal.order if task.goal_id else None, task.name, task.lead_unit.name,
            "; ".join(a.name for a in task.co_units.all()), task.start_date, task.deadline,
            task.get_status_display(), task.done_on, row.percent, row.days_late or None,
            "; ".join(i.name for i in task.indicators.all())]


def write_task_table(plan: Plan, rows: list[TaskRow], handle: IO[bytes], today: date) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nhiệm vụ"
    heading = f"{plan.name} — tình hình thực hiện ngày {today:%d/%m/%Y}"
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    red = Font(color="B3261E", bold=True)
    for row in rows:
        values = [str(v) if isinstance(v, Promise) else v for v in _cells(row)]
        sheet.append(values)
        written = sheet[sheet.max_row]
        for index, cell in enumerate(written):
            if index in DATE_COLUMNS and isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
            elif cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
        if row.late:
            written[10].font = red
    for position, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(HEADERS))}{len(rows) + 2}"
    workbook.properties.title = plan.name[:250]
    workbook.save(handle)
    return len(rows)
