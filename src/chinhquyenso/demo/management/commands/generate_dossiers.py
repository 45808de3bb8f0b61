from datetime import date

from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.demo import dossiers


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--end: ngày không hợp lệ {value!r}, hãy dùng dạng YYYY-MM-DD "
                           "(invalid date).") from exc


class Command(BaseCommand):
    help = (
        "Generate demo dossiers of the wards' and the city's People's Committees over the "
        "last months, in bulk, with their events, apology letters, ratings and complaints. "
        "The same seed and end date give the same dossiers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=dossiers.DEFAULT_COUNT,
                            help=f"Number of dossiers (default {dossiers.DEFAULT_COUNT}).")
        parser.add_argument("--seed", type=int, default=dossiers.DEFAULT_SEED,
                            help=f"Random seed (default {dossiers.DEFAULT_SEED}).")
        parser.add_argument("--months", type=int, default=dossiers.DEFAULT_MONTHS,
                            help=f"Months covered (default {dossiers.DEFAULT_MONTHS}).")
        parser.add_argument("--end", type=_day, default=None,
                            help="Last day of the period, YYYY-MM-DD (default today).")

    def handle(self, *args, count, seed, months, end, verbosity=1, **options):
        if isinstance(end, str):  # call_command(end="2026-01-31") skips the parser's type
            end = _day(end)
        count, seed, months = int(count), int(seed), int(months)
        if count <= 0:
            raise CommandError("--count phải là số dương (the number of dossiers must be "
                               f"positive), không phải {count}.")
        if months <= 0:
            raise CommandError(f"--months phải là số dương (must be positive), không phải {months}.")
        if verbosity:
            self.stdout.write(f"Đang tạo {count} hồ sơ mẫu (seed {seed}, {months} tháng)…")
        try:
            result = dossiers.generate(
                count=count, seed=seed, months=months, end=end,
                progress=dossiers.text_progress_bar(self.stdout) if verbosity else None)
        except dossiers.GenerationError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity:
            self.stdout.write(self.style.SUCCESS(result.summary()))
