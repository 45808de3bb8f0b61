from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.core.audit_chain import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the audit log. Exits 0 when every entry is intact; "
        "otherwise exits 1 and names the first broken entry."
    )

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.holds:
            brk = report.first_break
            raise CommandError(
                f"Nhật ký kiểm toán bị phá vỡ tại bản ghi #{brk.seq}: {brk.reason} "
                f"(audit chain broken at entry #{brk.seq}; {report.checked} entries before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(
            f"Nhật ký kiểm toán nguyên vẹn: {report.checked} bản ghi "
            f"(audit chain holds: {report.checked} entries)."
        ))
