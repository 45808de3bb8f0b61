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
