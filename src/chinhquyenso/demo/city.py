"""The seed's city as it was before the 2025 reform: Vĩnh Phúc province, Thành phố
Vĩnh Yên and its 9 wards/communes with their official codes, their residential
groups, agencies and demo officials. Names of people and agency codes are invented."""

from __future__ import annotations

from datetime import date

PROVINCE = {"code": "26", "name": "Tỉnh Vĩnh Phúc", "unit_type": "tinh",
            "valid_from": date(1997, 1, 1), "valid_to": date(2025, 6, 30)}
CITY = {"code": "243", "name": "Thành phố Vĩnh Yên", "unit_type": "thanh_pho",
        "valid_from": date(2006, 12, 1), "valid_to": date(2025, 6, 30)}

# code, name, type, number of residential groups (tổ dân phố) or villages (thôn).
# 111 groups in all: one community digital technology team each in the seed.
WARDS = [
    ("8707", "Phường Tích Sơn", "phuong", 11),
    ("8710", "Phường Liên Bảo", "phuong", 14),
    ("8713", "Phường Hội Hợp", "phuong", 16),
    ("8716", "Phường Đống Đa", "phuong", 12),
    ("8719", "Phường Ngô Quyền", "phuong", 10),
    ("8722", "Phường Đồng Tâm", "phuong", 15),
    ("8725", "Phường Định Trung", "phuong", 12),
    ("8728", "Phường Khai Quang", "phuong", 13),
    ("8731", "Xã Thanh Trù", "xa", 8),
]
WARDS_VALID_FROM = date(2006, 12, 1)
GROUPS_VALID_FROM = date(2019, 1, 1)

CITY_OFFICES = [
    # code suffix, name, abbreviation
    ("VP", "Văn phòng HĐND và UBND thành phố", "VP"),
    ("TP", "Phòng Tư pháp", "TP"),
    ("TNMT", "Phòng Tài nguyên và Môi trường", "TNMT"),
    ("QLDT", "Phòng Quản lý đô thị", "QLĐT"),
    ("LDTBXH", "Phòng Lao động - Thương binh và Xã hội", "LĐTBXH"),
    ("TCKH", "Phòng Tài chính - Kế hoạch", "TCKH"),
    ("VHTT", "Phòng Văn hóa và Thông tin", "VHTT"),
    ("MC", "Bộ phận Tiếp nhận và Trả kết quả (Một cửa)", "BPMC"),
]

DEMO_PASSWORD = "ChinhQuyenSo@2026"  # noqa: S105 - printed to the demo user on purpose

# username, full name, position, agency key ("city", "city:TP", "ward:8707"), roles
# as (role, unit key) with unit keys "city" or "ward:CODE".
OFFICIALS = [
    ("quantri", "Nguyễn Văn Quản", "Chuyên viên CNTT, quản trị hệ thống", "city:VHTT",
     [("system_admin", "city")]),
    ("kiemtoan", "Trần Thị Kiểm", "Thanh tra viên", "city:VP", [("auditor", "city")]),
    ("lanhdao", "Lê Minh Đạo", "Chủ tịch UBND thành phố", "city", [("leader", "city")]),
    ("vanthu", "Phạm Thu Thư", "Văn thư UBND thành phố", "city:VP", [("clerk", "city")]),
    ("chuyenvien.tp", "Hoàng Văn Pháp", "Chuyên viên Phòng Tư pháp", "city:TP",
     [("specialist", "city")]),
    ("motcua", "Đỗ Thị Hà", "Công chức Bộ phận Một cửa thành phố", "city:MC",
     [("counter_officer", "city")]),
    ("motcua.tichson", "Vũ Thị Lan", "Công chức một cửa phường Tích Sơn", "ward:8707",
     [("counter_officer", "ward:8707")]),
    ("lanhdao.tichson", "Bùi Văn Sơn", "Chủ tịch UBND phường Tích Sơn", "ward:8707",
     [("leader", "ward:8707")]),
    ("quantri.tichson", "Ngô Thị Mai", "Công chức Văn phòng - Thống kê phường Tích Sơn",
     "ward:8707", [("unit_admin", "ward:8707")]),
    ("congdong.tichson", "Đặng Văn Tuấn", "Tổ trưởng Tổ công nghệ số cộng đồng TDP số 1",
     "ward:8707", [("community_member", "ward:8707")]),
]

# Short ASCII names of the wards, used in user names (motcua.tichson).
WARD_SLUGS = {
    "8707": "tichson", "8710": "lienbao", "8713": "hoihop", "8716": "dongda",
    "8719": "ngoquyen", "8722": "dongtam", "8725": "dinhtrung", "8728": "khaiquang",
    "8731": "thanhtru",
}

# The staff every ward People's Committee needs to run its one-stop shop: a counter
# officer, a specialist (tư pháp - hộ tịch), a leader and a community team member.
# ward code: (counter officer, specialist, leader, community member); None where
# OFFICIALS already has that account.
_WARD_STAFF = {
    "8707": (None, "Lê Thị Thu Hằng", None, None),
    "8710": ("Nguyễn Thị Hồng Nhung", "Trần Văn Hưng", "Phạm Quốc Việt", "Hoàng Thị Yến"),
    "8713": ("Đỗ Thị Phương", "Nguyễn Đức Thắng", "Lê Văn Hải", "Kim Văn Toàn"),
    "8716": ("Bùi Thị Ngọc Ánh", "Phan Văn Long", "Trần Quang Huy", "Vũ Thị Hoa"),
    "8719": ("Đặng Thị Thanh Huyền", "Ngô Văn Dũng", "Nguyễn Minh Tuấn", "Lưu Thị Hạnh"),
    "8722": ("Phùng Thị Loan", "Dương Văn Kiên", "Hà Mạnh Cường", "Tạ Văn Bình"),
    "8725": ("Nguyễn Thị Mai Anh", "Lê Đức Anh", "Khổng Văn Thành", "Trần Thị Thủy"),
    "8728": ("Hoàng Thị Linh", "Đinh Văn Nam", "Phạm Văn Quân", "Nguyễn Thị Dung"),
    "8731": ("Đào Thị Vân", "Nguyễn Văn Phong", "Lê Hữu Trung", "Trịnh Văn Lợi"),
}


def _ward_officials() -> list[tuple]:
    rows = []
    for code, name, unit_type, _groups in WARDS:
        slug, place = WARD_SLUGS[code], f"{name[0].lower()}{name[1:]}"
        group = "thôn 1" if unit_type == "xa" else "TDP số 1"
        counter, specialist, leader, community = _WARD_STAFF[code]
        for prefix, full_name, title, role in (
            ("motcua", counter, f"Công chức một cửa {place}", "counter_officer"),
            ("chuyenvien", specialist, f"Công chức Tư pháp - Hộ tịch {place}", "specialist"),
            ("lanhdao", leader, f"Chủ tịch UBND {place}", "leader"),
            ("congdong", community, f"Tổ trưởng Tổ công nghệ số cộng đồng {group}, {place}",
             "community_member"),
        ):
            if full_name is not None:
                rows.append((f"{prefix}.{slug}", full_name, title, f"ward:{code}",
                             [(role, f"ward:{code}")]))
    return rows


# Same shape as OFFICIALS; created with one shared password hash (hashing 33 passwords
# one by one would take several seconds).
WARD_OFFICIALS = _ward_officials()
