from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.demo import city
from chinhquyenso.demo.loading import database_is_empty, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data set of the seed's city (Vĩnh Yên, Vĩnh Phúc, before the 2025 "
        "reform) and today's administrative units. Refuses a database that already holds "
        "data; with --if-empty it does nothing then."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="Load only when the database holds no units; otherwise do nothing.")
        parser.add_argument("--without-current-units", action="store_true",
                            help="Do not import today's units from vietnam-provinces.")

    def handle(self, *args, if_empty=False, without_current_units=False, **options):
        if not database_is_empty():
            if if_empty:
                self.stdout.write("Cơ sở dữ liệu đã có dữ liệu: bỏ qua dữ liệu mẫu.")
                return
            raise CommandError("Cơ sở dữ liệu đã có dữ liệu: dữ liệu mẫu chỉ nạp vào CSDL trống "
                               "(the database is not empty).")
        self.stdout.write("Đang nạp dữ liệu mẫu…")
        counts = load_demo(progress=lambda m: self.stdout.write(f"  · {m}"),
                           import_today=not without_current_units)
        self.stdout.write(self.style.SUCCESS(
            f"Đã nạp: {counts['wards']} phường/xã, {counts['groups']} tổ dân phố/thôn, "
            f"{counts['agencies']} cơ quan, {counts['officials']} cán bộ, "
            f"{counts['procedures']} thủ tục hành chính."))
        print_demo_accounts(self.stdout)


def print_demo_accounts(out) -> None:
    out.write(f"Tài khoản mẫu (mật khẩu chung: {city.DEMO_PASSWORD}):")
    for username, full_name, title, _agency, _roles in city.OFFICIALS:
        out.write(f"  {username:<18} {full_name} — {title}")
