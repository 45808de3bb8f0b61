import time

from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.identity.demo_population import generate_population
from chinhquyenso.identity.models import Citizen
from chinhquyenso.org.models import AdministrativeUnit, UnitLevel

CITY_CODE = "243"  # Thành phố Vĩnh Yên, the seed's city (demo/city.py)


class Command(BaseCommand):
    help = (
        "Generate the demo population of Vĩnh Yên: citizens with valid identification "
        "numbers, Vietnamese names and addresses in the city's residential groups. "
        "Needs the demo data (load_demo); refuses when citizens exist unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=150_000,
                            help="Number of citizens to create (default 150000).")
        parser.add_argument("--seed", type=int, default=2026,
                            help="Random seed: the same seed gives the same people (default 2026).")
        parser.add_argument("--force", action="store_true",
                            help="Add citizens even if some exist already (their numbers are kept).")

    def handle(self, *args, count, seed, force, **options):
        if count < 1:
            raise CommandError("--count phải lớn hơn 0 (--count must be positive).")
        if Citizen.objects.exists() and not force:
            raise CommandError("Đã có công dân trong cơ sở dữ liệu; dùng --force để thêm "
                               "(citizens exist already; use --force to add more).")
        groups = list(AdministrativeUnit.objects.filter(
            level=UnitLevel.GROUP, parent__parent__code=CITY_CODE,
            parent__parent__level=UnitLevel.DISTRICT))
        if not groups:
            raise CommandError("Không tìm thấy tổ dân phố/thôn của thành phố Vĩnh Yên (mã 243): "
                               "hãy nạp dữ liệu mẫu trước bằng load_demo (no residential groups "
                               "under unit 243; run load_demo first).")
        self.stdout.write(f"Đang tạo {count:,} công dân ở {len(groups)} tổ dân phố/thôn "
                          f"(seed {seed})…")
        started = time.perf_counter()
        created = generate_population(count=count, seed=seed, groups=groups,
                                      progress=self._progress)
        elapsed = time.perf_counter() - started
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"Đã tạo {created:,} công dân trong {elapsed:.1f} giây "
            f"({created / max(elapsed, 1e-9):,.0f} bản ghi/giây)."))

    def _progress(self, done: int, total: int) -> None:
        width = 40
        filled = width * done // total if total else width
        self.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] "
                          f"{100 * done // max(total, 1):3d}% {done:,}/{total:,}", ending="")
        self.stdout.flush()
