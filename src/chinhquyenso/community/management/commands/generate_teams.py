from datetime import date

from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.community import demo
from chinhquyenso.demo.dossiers import text_progress_bar


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--end: ngày không hợp lệ {value!r}, hãy dùng dạng YYYY-MM-DD "
                           "(invalid date).") from exc


class Command(BaseCommand):
    help = (
        "Generate the demo city's community digital technology teams (one per residential "
        "group or village), their members and trainings, and a year of their activities, in "
        "bulk. Needs the demo city (load_demo); run it after the demo dossiers so the ones "
        "submitted by team members become their activities. The same seed gives the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help=f"Random seed (default {demo.DEFAULT_SEED}).")
        parser.add_argument("--months", type=int, default=demo.DEFAULT_MONTHS,
                            help=f"Months of activities (default {demo.DEFAULT_MONTHS}).")
        parser.add_argument("--end", type=_day, default=None,
                            help="Last day of the activities, YYYY-MM-DD (default today).")

    def handle(self, *args, seed, months, end, verbosity=1, **options):
        if isinstance(end, str):  # call_command(end="2026-01-31") skips the parser's type
            end = _day(end)
        seed, months = int(seed), int(months)
        if months <= 0:
            raise CommandError(f"--months phải là số dương (must be positive), không phải {months}.")
        if verbosity:
            self.stdout.write(f"Đang tạo tổ công nghệ số cộng đồng mẫu (seed {seed}, "
                              f"{months} tháng hoạt động)…")
        try:
            result = demo.generate(seed=seed, months=months, end=end,
                                   progress=text_progress_bar(self.stdout) if verbosity else None)
        except demo.GenerationError as exc:
            raise CommandError(f"{exc} (hãy chạy load_demo trước; tổ đã có thì không tạo lại)") \
                from exc
        if verbosity:
            self.stdout.write(self.style.SUCCESS(result.summary()))
