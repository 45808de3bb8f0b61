from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.demo import city, dossiers
from chinhquyenso.demo.loading import database_is_empty, load_demo
from chinhquyenso.documents import demo as documents_demo


class Command(BaseCommand):
    help = (
        "Load the demo data set of the seed's city (Vĩnh Yên, Vĩnh Phúc, before the 2025 "
        "reform), twelve months of its dossiers and today's administrative units. Refuses "
        "a database that already holds data; with --if-empty it does nothing then."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="Load only when the database holds no units; otherwise do nothing.")
        parser.add_argument("--without-current-units", action="store_true",
                            help="Do not import today's units from vietnam-provinces.")
        parser.add_argument("--without-dossiers", action="store_true",
                            help="Do not generate the demo dossiers.")
        parser.add_argument("--dossiers", type=int, default=dossiers.DEFAULT_COUNT,
                            metavar="COUNT",
                            help=f"Number of demo dossiers (default {dossiers.DEFAULT_COUNT}).")

        parser.add_argument("--population", type=int, default=150_000, metavar="COUNT",
                            help="Number of demo residents (default 150000; 0 for none).")
        parser.add_argument("--without-teams", action="store_true",
                            help="Do not generate the community digital technology teams "
                                 "and their activities.")
        parser.add_argument("--without-documents", action="store_true",
                            help="Do not generate the demo PKI and the official documents.")
        parser.add_argument("--documents", type=int, default=None, metavar="COUNT",
                            help="Number of demo outgoing documents, each really signed by its "
                                 "leader and sealed by its agency, with the demo PKI (default: "
                                 f"{documents_demo.DEFAULT_COUNT} with the full demo, i.e. the "
                                 "default number of dossiers; none with fewer dossiers).")

    def handle(self, *args, if_empty=False, without_current_units=False, without_dossiers=False,
               without_teams=False, without_documents=False, verbosity=1, **options):
        count = 0 if without_dossiers else options.get("dossiers", dossiers.DEFAULT_COUNT)
        if count < 0:
            raise CommandError("--dossiers phải là số dương (must be positive).")
        documents = options.get("documents")
        if without_documents:
            documents = 0
        elif documents is None:  # signatures take time: only the full demo makes them unasked
            documents = documents_demo.DEFAULT_COUNT if count == dossiers.DEFAULT_COUNT else 0
        if documents < 0:
            raise CommandError("--documents phải là số dương (must be positive).")
        if not database_is_empty():
            if if_empty:
                self.stdout.write("Cơ sở dữ liệu đã có dữ liệu: bỏ qua dữ liệu mẫu.")
                return
            raise CommandError("Cơ sở dữ liệu đã có dữ liệu: dữ liệu mẫu chỉ nạp vào CSDL trống "
                               "(the database is not empty).")
        self.stdout.write("Đang nạp dữ liệu mẫu…")
        counts = load_demo(progress=lambda m: self.stdout.write(f"  · {m}"),
                           import_today=not without_current_units, dossier_count=count,
                           dossier_progress=dossiers.text_progress_bar(self.stdout)
                           if verbosity else None,
                           population=max(0, options.get("population", 150_000)),
                           population_progress=dossiers.text_progress_bar(self.stdout)
                           if verbosity else None,
                           teams=not without_teams,
                           teams_progress=dossiers.text_progress_bar(self.stdout)
                           if verbosity else None,
                           documents=documents,
                           documents_progress=dossiers.text_progress_bar(self.stdout)
                           if verbosity else None)
        self.stdout.write(self.style.SUCCESS(
            f"Đã nạp: {counts['wards']} phường/xã, {counts['groups']} tổ dân phố/thôn, "
            f"{counts['agencies']} cơ quan, {counts['officials']} cán bộ, "
            f"{counts['procedures']} thủ tục hành chính."))
        if counts["citizens"]:
            self.stdout.write(self.style.SUCCESS(f"Cư dân mẫu: {counts['citizens']}"))
        if counts["dossiers"] is not None:
            self.stdout.write(self.style.SUCCESS(f"Hồ sơ mẫu: {counts['dossiers'].summary()}"))
        if counts["teams"] is not None:
            self.stdout.write(self.style.SUCCESS(f"Tổ công nghệ số: {counts['teams'].summary()}"))
        if counts.get("documents") is not None:
            self.stdout.write(self.style.SUCCESS(f"Văn bản mẫu: {counts['documents'].summary()}"))
        print_demo_accounts(self.stdout)


def print_demo_accounts(out) -> None:
    out.write(f"Tài khoản mẫu (mật khẩu chung: {city.DEMO_PASSWORD}):")
    for username, full_name, title, _agency, _roles in city.OFFICIALS:
        out.write(f"  {username:<18} {full_name} — {title}")
    slugs = ", ".join(city.WARD_SLUGS.values())
    out.write(f"  và motcua.<phường>, chuyenvien.<phường>, lanhdao.<phường>, congdong.<phường> "
              f"cho mỗi phường/xã ({slugs})")
    if get_user_model().objects.filter(username__startswith="vanthu.").exists():
        offices = ", ".join(username for username, _name, _title in
                            documents_demo.OFFICE_SPECIALISTS.values())
        out.write(f"  văn thư phường/xã: vanthu.<phường>; chuyên viên các phòng: {offices}")
    if (documents_demo.demo_ca_dir() / documents_demo.CA_FILE).exists():
        out.write(documents_demo.pki_summary_line())
