"""The document types of Decree 30/2020/NĐ-CP (Appendix III) and the letter (công văn).
Nghị quyết and quyết định may also be legal normative documents."""

from django.db import migrations

# (abbreviation, name, may be legal normative, letter)
TYPES = [
    ("NQ", "Nghị quyết", True, False),
    ("QĐ", "Quyết định", True, False),
    ("CT", "Chỉ thị", False, False),
    ("QC", "Quy chế", False, False),
    ("QyĐ", "Quy định", False, False),
    ("TC", "Thông cáo", False, False),
    ("TB", "Thông báo", False, False),
    ("HD", "Hướng dẫn", False, False),
    ("CTr", "Chương trình", False, False),
    ("KH", "Kế hoạch", False, False),
    ("PA", "Phương án", False, False),
    ("ĐA", "Đề án", False, False),
    ("DA", "Dự án", False, False),
    ("BC", "Báo cáo", False, False),
    ("BB", "Biên bản", False, False),
    ("TTr", "Tờ trình", False, False),
    ("HĐ", "Hợp đồng", False, False),
    ("CĐ", "Công điện", False, False),
    ("BGN", "Bản ghi nhớ", False, False),
    ("BTT", "Bản thỏa thuận", False, False),
    ("GUQ", "Giấy ủy quyền", False, False),
    ("GM", "Giấy mời", False, False),
    ("GGT", "Giấy giới thiệu", False, False),
    ("GNP", "Giấy nghỉ phép", False, False),
    ("PG", "Phiếu gửi", False, False),
    ("PC", "Phiếu chuyển", False, False),
    ("PB", "Phiếu báo", False, False),
    ("CV", "Công văn", False, True),
]


def load_types(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    for order, (code, name, legal, letter) in enumerate(TYPES, start=1):
        DocumentType.objects.update_or_create(
            code=code, defaults={"name": name, "can_be_legal_normative": legal, "is_letter": letter,
                                 "sort_order": order})


def unload_types(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    DocumentType.objects.filter(code__in=[code for code, *_ in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(load_types, unload_types)]
