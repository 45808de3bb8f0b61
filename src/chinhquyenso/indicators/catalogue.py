"""The indicators shipped with the platform (data, in Vietnamese, the platform's
language) and the national 2025 targets that map onto them (DOMAIN.md §7).

Targets, and why some indicators have none:
- "thue-bao-bang-rong": households with fibre broadband ≥ 80% in 2025 (QĐ 411/QĐ-TTg);
  fixed broadband in the city is fibre, so the target is attached.
- "ho-so-truc-tuyen" has NO default target on purpose: the ≥ 80% of QĐ 942/QĐ-TTg is for
  dossiers processed *fully* online (toàn trình), a different and much lower figure than
  dossiers *received* online (DOMAIN.md §3: ~40% vs 96–98%). A "fully online"
  indicator is left for a later increment.
- "ho-so-dung-han", "ho-so-dung-du-lieu-dan-cu", "ho-so-ket-qua-dien-tu", "hai-long":
  scored in the service index (QĐ 766), which sets no percentage target; none attached.
- "can-bo-co-may-tinh": no national target in §7 (the seed reports 100%); none attached.
- "hoat-dong-cong-dong" is a count, not a share; no target.

Legends (colours of a value, DHIS2-like): three bands per percentage indicator, "Thấp"
(red), "Trung bình" (amber), "Đạt" (green); the green band starts at the national target
where there is one (80% for fibre broadband), and otherwise at the level the service
index (QĐ 766) rewards in full (90% satisfied) or a level of good practice. The count
"hoat-dong-cong-dong" has no legend. `load_catalogue()` adds the bands of an indicator
only while it has none, so bands changed by the city stay.

Publication: the computed indicators are published when first loaded; the reported ones
stay unpublished until units report values. `load_catalogue()` never changes an existing
indicator's publication, nor an existing target's value (both are decided in the admin).
"""

from __future__ import annotations

from decimal import Decimal

COMPUTED, REPORTED = "computed", "reported"

INDICATORS: list[dict] = [
    {"code": "ho-so-truc-tuyen", "name": "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
     "definition": "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến / tổng số hồ sơ đã tiếp nhận "
                   "trong kỳ (theo ngày tiếp nhận) × 100. Hồ sơ nộp trực tiếp, qua bưu chính hoặc "
                   "liên thông từ cơ quan khác được tính ở mẫu số.",
     "unit": "%", "factor": 100, "source": COMPUTED, "published": True},
    {"code": "ho-so-dung-han", "name": "Tỷ lệ hồ sơ giải quyết trước và đúng hạn",
     "definition": "Số hồ sơ giải quyết xong trước hạn hoặc đúng hạn / tổng số hồ sơ đã giải quyết "
                   "xong trong kỳ (theo ngày hoàn thành) × 100. Hồ sơ trễ hạn là hồ sơ hoàn thành "
                   "sau thời hạn trả kết quả; thời gian chờ công dân bổ sung không tính vào thời hạn.",
     "unit": "%", "factor": 100, "source": COMPUTED, "published": True},
    {"code": "ho-so-dung-du-lieu-dan-cu", "name": "Tỷ lệ hồ sơ sử dụng dữ liệu dân cư",
     "definition": "Số hồ sơ có khai thác, sử dụng dữ liệu từ Cơ sở dữ liệu quốc gia về dân cư / "
                   "tổng số hồ sơ đã tiếp nhận trong kỳ (theo ngày tiếp nhận) × 100.",
     "unit": "%", "factor": 100, "source": COMPUTED, "published": True},
    {"code": "ho-so-ket-qua-dien-tu", "name": "Tỷ lệ hồ sơ cấp kết quả điện tử",
     "definition": "Số hồ sơ được cấp kết quả giải quyết dưới dạng điện tử / tổng số hồ sơ đã giải "
                   "quyết xong trong kỳ (theo ngày hoàn thành) × 100.",
     "unit": "%", "factor": 100, "source": COMPUTED, "published": True},
    {"code": "hai-long", "name": "Tỷ lệ người dân hài lòng",
     "definition": "Số lượt đánh giá hài lòng / tổng số lượt đánh giá của người dân về việc giải "
                   "quyết hồ sơ trong kỳ (theo ngày đánh giá) × 100.",
     "unit": "%", "factor": 100, "source": COMPUTED, "published": True},
    {"code": "hoat-dong-cong-dong", "name": "Số lượt người dân được tổ công nghệ số cộng đồng hỗ trợ",
     "definition": "Tổng số hộ gia đình hoặc người dân được hỗ trợ trong các hoạt động đã được xác "
                   "nhận của tổ công nghệ số cộng đồng trong kỳ (theo ngày hoạt động).",
     "unit": "lượt", "factor": 1, "source": COMPUTED, "published": True},
    {"code": "thue-bao-bang-rong", "name": "Tỷ lệ hộ gia đình có kết nối Internet băng rộng cố định",
     "definition": "Số hộ gia đình có thuê bao băng rộng cố định (cáp quang) / tổng số hộ gia đình "
                   "trên địa bàn × 100. Số liệu do phường, xã báo cáo theo kỳ.",
     "unit": "%", "factor": 100, "source": REPORTED, "published": False},
    {"code": "can-bo-co-may-tinh", "name": "Tỷ lệ cán bộ, công chức được trang bị máy tính",
     "definition": "Số cán bộ, công chức được trang bị máy tính phục vụ công việc / tổng số cán bộ, "
                   "công chức của cơ quan, đơn vị × 100. Số liệu do đơn vị báo cáo theo kỳ.",
     "unit": "%", "factor": 100, "source": REPORTED, "published": False},
]

# National targets (unit = every unit): (indicator code, year, value, basis).
TARGETS: list[tuple[str, int, Decimal, str]] = [
    ("thue-bao-bang-rong", 2025, Decimal("80"), "Quyết định 411/QĐ-TTg"),
]

RED, AMBER, GREEN = "#b3261e", "#9a5b00", "#1b6e3a"


def _bands(low: int, good: int) -> list[tuple[Decimal, Decimal | None, str, str]]:
    return [(Decimal(0), Decimal(low), RED, "Thấp"), (Decimal(low), Decimal(good), AMBER, "Trung bình"),
            (Decimal(good), None, GREEN, "Đạt")]


# Legend bands per indicator: (from, up to (exclusive; None = no bound), colour, label).
LEGENDS: dict[str, list[tuple[Decimal, Decimal | None, str, str]]] = {
    "ho-so-truc-tuyen": _bands(50, 80),
    "ho-so-dung-han": _bands(90, 95),
    "ho-so-dung-du-lieu-dan-cu": _bands(50, 80),
    "ho-so-ket-qua-dien-tu": _bands(50, 80),
    "hai-long": _bands(80, 90),
    "thue-bao-bang-rong": _bands(60, 80),
    "can-bo-co-may-tinh": _bands(90, 100),
}
