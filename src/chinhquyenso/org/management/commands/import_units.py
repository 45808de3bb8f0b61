from django.core.management.base import BaseCommand

from chinhquyenso.org.services import import_current_units


class Command(BaseCommand):
    help = (
        "Import today's administrative units (34 provinces and their wards/communes, in "
        "force since 1 July 2025) from the vietnam-provinces package. Safe to run again: "
        "existing units are updated, none is deleted."
    )

    def handle(self, *args, **options):
        import vietnam_provinces

        counts = import_current_units()
        self.stdout.write(self.style.SUCCESS(
            f"Đã nhập danh mục đơn vị hành chính (vietnam-provinces {vietnam_provinces.__version__}): "
            f"{counts['created']} mới, {counts['updated']} cập nhật."
        ))
