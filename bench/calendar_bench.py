"""How long deadline arithmetic takes: it runs for every dossier on every list page.

Prints the median of repeated runs (microseconds per call) for adding working days,
adding working hours and counting working time over a year."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from chinhquyenso.core.calendar import WorkingCalendar  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def median_us(fn, repeat=7, number=2000) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(samples)


def main() -> None:
    cal = WorkingCalendar()
    start = datetime(2025, 1, 20, 14, 15, tzinfo=VN)
    end = start + timedelta(days=365)
    cal.add_working_days(start, 1)  # warm the holiday cache
    cold = WorkingCalendar()
    t0 = time.perf_counter()
    cold.add_working_days(start, 15)
    first = (time.perf_counter() - t0) * 1e6
    print(f"first call on a new calendar (loads holidays): {first:9.1f} µs")
    print(f"add_working_days(15):                         {median_us(lambda: cal.add_working_days(start, 15)):9.1f} µs (median)")
    print(f"add_working_days(60):                         {median_us(lambda: cal.add_working_days(start, 60)):9.1f} µs (median)")
    print(f"add_working_hours(4):                         {median_us(lambda: cal.add_working_hours(start, 4)):9.1f} µs (median)")
    print(f"working_time_between(one year):               {median_us(lambda: cal.working_time_between(start, end), number=500):9.1f} µs (median)")


if __name__ == "__main__":
    main()
