"""The indicators shipped with the platform (data, in Vietnamese, the platform's
language) and the national 2025 targets that map onto them (DOMAIN.md §7).

Groups (models.Group), as the dashboards show them: online public services; the service
index of Decision 766 (its total and six groups computed by service_index.py, and the
five sub-items the platform cannot see, reported by units); official documents;
community digital technology teams; electronic identification (Project 06); digital
infrastructure and society (reported per ward; broadband per provider); officials.

Targets (DOMAIN.md §7), and why some indicators have none:
- QĐ 942/QĐ-TTg: dossiers processed fully online ≥ 80% ("ho-so-toan-trinh"; not
  "ho-so-truc-tuyen": dossiers *received* online are a different, much higher figure,
  DOMAIN.md §3); inter-agency documents signed and electronic 100% ("van-ban-di-ky-so":
  the platform's outgoing documents, non-secret and secret alike — secret ones are few);
  work records handled online 90 / 80 / 60% by level (province / district / commune:
  targets with a level); officials with a digital identity for work 100%
  ("can-bo-dinh-danh-so": a personal signing certificate in force).
- QĐ 411/QĐ-TTg: fibre broadband households, adults with a smartphone, people 15+ with a
  payment account 80%; basic digital skills > 70% (loaded as 70); electronic health
  records 90%.
- Project 06: eligible procedures online with e-ID 100%, attached to the share of online
  dossiers submitted after a VNeID login (the platform offers every online procedure
  with e-ID login, so the dossiers show how far it is used).
- The dossier shares scored in the service index (on time, electronic results,
  population data, satisfaction) have no percentage target; the index itself has none.
- Counts (people reached, accounts, dossiers assisted) have no target.

Legends (colours of a value, DHIS2-like): three bands per percentage indicator, "Thấp"
(red), "Trung bình" (amber), "Đạt" (green); the green band starts at the national target
where there is one (80% for fibre broadband), and otherwise at the level the service
index (QĐ 766) rewards in full (90% satisfied) or a level of good practice. Counts and the
index's groups have no legend. `load_catalogue()` adds the bands of an indicator
only while it has none, so bands changed by the city stay.

Publication: the computed indicators are published when first loaded; the reported ones
stay unpublished until units report values. `load_catalogue()` never changes an existing
indicator's publication, nor an existing target's value (both are decided in the admin).
"""

from __future__ import annotations

from decimal import Decimal

COMPUTED, REPORTED = "computed", "reported"

SERVICES, INDEX766, DOCUMENTS, COMMUNITY, EID, SOCIETY, OFFICIALS = (
    "services", "index766", "documents", "community", "eid", "society", "officials")
BROADBAND_PROVIDERS = ["Viettel", "VNPT", "FPT Telecom", "MobiFone", "CMC Telecom"]


def _pct(code, name, definition, group, *, source=COMPUTED, published=None, **extra) -> dict:
    return {"code": code, "name": name, "definition": definition, "unit": "%", "factor": 100,
            "source": source, "published": source == COMPUTED if published is None else published,
            "group": group, **extra}


def _count(code, name, definition, group, unit="lượt") -> dict:
    return {"code": code, "name": name, "definition": definition, "unit": unit, "factor": 1,
            "source": COMPUTED, "published": True, "group": group}


def _points(code, name, definition, published=True) -> dict:
    return {"code": code, "name": name, "definition": definition, "unit": "điểm", "factor": 1,
            "source": COMPUTED, "published": published, "group": INDEX766}


_INDEX_GROUPS = [
    ("cong-khai", "Chỉ số 766: Công khai, minh bạch (tối đa 18 điểm)",
     "Công bố, công khai thủ tục đúng hạn (6), cập nhật đúng hạn (4), công khai đầy đủ nội dung (2), "
     "đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia (6); mỗi tiêu chí = điểm tối đa × tỷ lệ đạt."),
    ("tien-do", "Chỉ số 766: Tiến độ giải quyết (tối đa 20 điểm)",
     "20 × số hồ sơ giải quyết trước và đúng hạn / số hồ sơ đã giải quyết xong trong kỳ."),
    ("truc-tuyen", "Chỉ số 766: Dịch vụ công trực tuyến (tối đa 12 điểm)",
     "Thủ tục được cung cấp trực tuyến (4), thủ tục trực tuyến có phát sinh hồ sơ trực tuyến (4), "
     "hồ sơ trực tuyến toàn trình trên hồ sơ của các thủ tục toàn trình (4)."),
    ("thanh-toan", "Chỉ số 766: Thanh toán trực tuyến (tối đa 10 điểm)",
     "Hồ sơ có phí được thanh toán trực tuyến (6), thủ tục có phí đã phát sinh thanh toán trực tuyến (4); "
     "không có hồ sơ, thủ tục có phí thì đạt tối đa."),
    ("hai-long", "Chỉ số 766: Mức độ hài lòng (tối đa 18 điểm)",
     "6 × min(1, tỷ lệ đánh giá hài lòng / 90%); phản ánh, kiến nghị trả lời đúng hạn (6); người phản ánh "
     "hài lòng với trả lời (6); không có phản ánh thì đạt tối đa."),
    ("so-hoa", "Chỉ số 766: Số hóa hồ sơ (tối đa 22 điểm)",
     "Cấp kết quả điện tử (6), số hóa thành phần hồ sơ (4), chứng thực bản sao điện tử (2), tái sử dụng "
     "dữ liệu số hóa (2), đồng bộ Kho dữ liệu của tổ chức, cá nhân (4), sử dụng dữ liệu dân cư (2), "
     "thủ tục có khai thác dữ liệu dân cư (2)."),
]

INDICATORS: list[dict] = [
    # --- Online public services (DOMAIN.md §3) ---
    _pct("ho-so-truc-tuyen", "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
         "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến / tổng số hồ sơ đã tiếp nhận trong kỳ (theo ngày "
         "tiếp nhận) × 100. Hồ sơ nộp trực tiếp, qua bưu chính hoặc liên thông từ cơ quan khác được tính ở "
         "mẫu số.", SERVICES),
    _pct("ho-so-toan-trinh", "Tỷ lệ hồ sơ xử lý trực tuyến toàn trình",
         "Số hồ sơ nộp trực tuyến của thủ tục cung cấp dịch vụ công trực tuyến toàn trình / tổng số hồ sơ "
         "đã tiếp nhận trong kỳ (theo ngày tiếp nhận) × 100. Khác với tỷ lệ hồ sơ tiếp nhận trực tuyến: "
         "hồ sơ của thủ tục chỉ trực tuyến một phần không được tính ở tử số.", SERVICES),
    _pct("ho-so-dung-han", "Tỷ lệ hồ sơ giải quyết trước và đúng hạn",
         "Số hồ sơ giải quyết xong trước hạn hoặc đúng hạn / tổng số hồ sơ đã giải quyết xong trong kỳ "
         "(theo ngày hoàn thành) × 100. Hồ sơ trễ hạn là hồ sơ hoàn thành sau thời hạn trả kết quả; thời "
         "gian chờ công dân bổ sung không tính vào thời hạn.", SERVICES),
    _pct("ho-so-ket-qua-dien-tu", "Tỷ lệ hồ sơ cấp kết quả điện tử",
         "Số hồ sơ được cấp kết quả giải quyết dưới dạng điện tử / tổng số hồ sơ đã giải quyết xong trong "
         "kỳ (theo ngày hoàn thành) × 100.", SERVICES),
    _pct("hai-long", "Tỷ lệ người dân hài lòng",
         "Số lượt đánh giá hài lòng / tổng số lượt đánh giá của người dân về việc giải quyết hồ sơ trong "
         "kỳ (theo ngày đánh giá) × 100.", SERVICES),
    # --- Service index, Decision 766 (DOMAIN.md §3) ---
    _points("chi-so-766", "Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766), tổng điểm",
            "Tổng điểm của sáu nhóm tiêu chí theo Quyết định 766/QĐ-TTg, tối đa 100 điểm: công khai, minh "
            "bạch (18); tiến độ giải quyết (20); dịch vụ công trực tuyến (12); thanh toán trực tuyến (10); "
            "mức độ hài lòng (18); số hóa hồ sơ (22). Tiêu chí chưa có số liệu được 0 điểm."),
    *[_points(f"chi-so-766-{group}", name, definition) for group, name, definition in _INDEX_GROUPS],
    _pct("tthc-cong-bo-dung-han", "Tỷ lệ thủ tục hành chính được công bố, công khai đúng hạn",
         "Số thủ tục được công bố, công khai đúng hạn / tổng số thủ tục phải công bố trong kỳ × 100. Số liệu "
         "do đơn vị báo cáo (tiêu chí của Chỉ số 766).", INDEX766, source=REPORTED),
    _pct("tthc-cap-nhat-dung-han", "Tỷ lệ thủ tục hành chính được cập nhật, công khai đúng hạn",
         "Số thủ tục được cập nhật, công khai đúng hạn / tổng số thủ tục phải cập nhật trong kỳ × 100. Số "
         "liệu do đơn vị báo cáo (tiêu chí của Chỉ số 766).", INDEX766, source=REPORTED),
    _pct("ho-so-dong-bo-cong-quoc-gia", "Tỷ lệ hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
         "Số hồ sơ được đồng bộ trạng thái lên Cổng Dịch vụ công quốc gia / tổng số hồ sơ tiếp nhận trong "
         "kỳ × 100. Số liệu do đơn vị báo cáo (tiêu chí của Chỉ số 766).", INDEX766, source=REPORTED),
    _pct("ban-sao-dien-tu", "Tỷ lệ cấp bản sao điện tử được chứng thực từ bản chính",
         "Số yêu cầu chứng thực được cấp bản sao điện tử / tổng số yêu cầu chứng thực bản sao từ bản chính "
         "trong kỳ × 100. Số liệu do đơn vị báo cáo (tiêu chí của Chỉ số 766).", INDEX766, source=REPORTED),
    _pct("ho-so-dong-bo-kho-du-lieu", "Tỷ lệ hồ sơ được đồng bộ vào Kho quản lý dữ liệu điện tử",
         "Số hồ sơ có thành phần, kết quả được đồng bộ vào Kho quản lý dữ liệu điện tử của tổ chức, cá nhân "
         "/ tổng số hồ sơ trong kỳ × 100. Số liệu do đơn vị báo cáo (tiêu chí của Chỉ số 766).",
         INDEX766, source=REPORTED),
    # --- Official documents (DOMAIN.md §4) ---
    _pct("van-ban-di-ky-so", "Tỷ lệ văn bản đi được ký số và phát hành điện tử",
         "Số văn bản đi phát hành trong kỳ có chữ ký số / tổng số văn bản đi phát hành trong kỳ (theo ngày "
         "phát hành) × 100.", DOCUMENTS),
    _pct("van-ban-den-xu-ly-tren-he-thong", "Tỷ lệ văn bản đến được xử lý trên hệ thống",
         "Số văn bản đến vào sổ trong kỳ đã được giao xử lý trên hệ thống / tổng số văn bản đến vào sổ "
         "trong kỳ (theo ngày vào sổ) × 100.", DOCUMENTS),
    _pct("van-ban-den-dung-han", "Tỷ lệ văn bản đến được giải quyết đúng hạn",
         "Số văn bản đến có hạn xử lý được hoàn thành không muộn hơn hạn / tổng số văn bản đến có hạn xử "
         "lý được hoàn thành trong kỳ (theo ngày hoàn thành) × 100.", DOCUMENTS),
    _pct("ho-so-cong-viec-truc-tuyen", "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng",
         "Số hồ sơ công việc được tạo lập, xử lý trên môi trường mạng / tổng số hồ sơ công việc trong kỳ × "
         "100. Số liệu do đơn vị báo cáo theo kỳ.", DOCUMENTS, source=REPORTED),
    # --- Community digital technology teams (DOMAIN.md §6) ---
    _pct("phuong-xa-co-mo-hinh-ho-tro", "Tỷ lệ phường, xã có mô hình hỗ trợ người dân sử dụng dịch vụ công "
         "trực tuyến",
         "Số phường, xã có ít nhất một tổ công nghệ số cộng đồng đang hoạt động hỗ trợ người dân / tổng số "
         "phường, xã × 100 (số liệu hiện tại, không theo kỳ).", COMMUNITY),
    _count("so-to-cong-nghe-so", "Số tổ công nghệ số cộng đồng đang hoạt động",
           "Số tổ công nghệ số cộng đồng đang hoạt động ở các thôn, tổ dân phố (số liệu hiện tại).",
           COMMUNITY, "tổ"),
    _count("so-thanh-vien-to-cong-nghe-so", "Số thành viên tổ công nghệ số cộng đồng",
           "Số thành viên đang tham gia các tổ công nghệ số cộng đồng đang hoạt động (số liệu hiện tại).",
           COMMUNITY, "người"),
    _pct("to-cong-nghe-so-bao-phu", "Tỷ lệ thôn, tổ dân phố có tổ công nghệ số cộng đồng",
         "Số thôn, tổ dân phố có tổ công nghệ số cộng đồng đang hoạt động / tổng số thôn, tổ dân phố hiện "
         "có × 100 (số liệu hiện tại, không theo kỳ).", COMMUNITY),
    _pct("thanh-vien-hoat-dong", "Tỷ lệ thành viên tổ công nghệ số cộng đồng có hoạt động",
         "Số thành viên có ít nhất một hoạt động đã được xác nhận trong kỳ / tổng số thành viên đang tham "
         "gia các tổ đang hoạt động × 100.", COMMUNITY),
    _count("hoat-dong-cong-dong", "Số lượt người dân được tổ công nghệ số cộng đồng hỗ trợ",
           "Tổng số hộ gia đình hoặc người dân được hỗ trợ trong các hoạt động đã được xác nhận của tổ công "
           "nghệ số cộng đồng trong kỳ (theo ngày hoạt động).", COMMUNITY),
    _count("tai-khoan-duoc-ho-tro", "Số tài khoản được tổ công nghệ số cộng đồng hỗ trợ kích hoạt, mở mới",
           "Tổng số tài khoản định danh điện tử VNeID (mức 1, mức 2), tài khoản thanh toán điện tử, tài khoản "
           "thương mại điện tử được hỗ trợ trong các hoạt động đã xác nhận trong kỳ.", COMMUNITY, "tài khoản"),
    _count("ho-so-duoc-ho-tro", "Số hồ sơ trực tuyến được tổ công nghệ số cộng đồng hỗ trợ nộp",
           "Số hồ sơ tiếp nhận trong kỳ do thành viên tổ công nghệ số cộng đồng nộp trực tuyến thay người dân, "
           "có sự đồng ý của người dân (theo ngày tiếp nhận).", COMMUNITY, "hồ sơ"),
    # --- Electronic identification, Project 06 (DOMAIN.md §5) ---
    _pct("ho-so-dang-nhap-vneid", "Tỷ lệ hồ sơ trực tuyến nộp bằng tài khoản định danh điện tử",
         "Số hồ sơ trực tuyến do người dân tự nộp sau khi đăng nhập bằng tài khoản định danh điện tử VNeID "
         "/ tổng số hồ sơ tiếp nhận trực tuyến trong kỳ × 100. Hồ sơ được hỗ trợ nộp thay không tính ở tử "
         "số.", EID),
    _pct("ho-so-dung-du-lieu-dan-cu", "Tỷ lệ hồ sơ sử dụng dữ liệu dân cư",
         "Số hồ sơ có khai thác, sử dụng dữ liệu từ Cơ sở dữ liệu quốc gia về dân cư / tổng số hồ sơ đã "
         "tiếp nhận trong kỳ (theo ngày tiếp nhận) × 100.", EID),
    # --- Digital infrastructure and society (DOMAIN.md §1, §7), reported per ward ---
    _pct("thue-bao-bang-rong", "Tỷ lệ hộ gia đình có kết nối Internet băng rộng cố định",
         "Số hộ gia đình có thuê bao băng rộng cố định (cáp quang) / tổng số hộ gia đình trên địa bàn × "
         "100. Số liệu do phường, xã báo cáo theo kỳ, theo từng nhà mạng; tỷ lệ chung là tổng số thuê bao "
         "của các nhà mạng trên số hộ.", SOCIETY, source=REPORTED, breakdown_label="Nhà mạng",
         breakdown_options=BROADBAND_PROVIDERS),
    _pct("dien-thoai-thong-minh", "Tỷ lệ người trưởng thành có điện thoại thông minh",
         "Số người từ 18 tuổi trở lên sử dụng điện thoại thông minh / dân số từ 18 tuổi trở lên × 100. Số "
         "liệu do phường, xã báo cáo theo kỳ.", SOCIETY, source=REPORTED),
    _pct("tai-khoan-thanh-toan", "Tỷ lệ người dân từ 15 tuổi trở lên có tài khoản giao dịch thanh toán",
         "Số người từ 15 tuổi trở lên có tài khoản giao dịch thanh toán tại ngân hàng hoặc tài khoản tiền "
         "di động / dân số từ 15 tuổi trở lên × 100. Số liệu do phường, xã báo cáo theo kỳ.",
         SOCIETY, source=REPORTED),
    _pct("ky-nang-so", "Tỷ lệ người trong độ tuổi lao động được phổ cập kỹ năng số cơ bản",
         "Số người trong độ tuổi lao động đã được phổ cập kỹ năng số cơ bản / dân số trong độ tuổi lao động "
         "× 100. Số liệu do phường, xã báo cáo theo kỳ.", SOCIETY, source=REPORTED),
    _pct("ho-so-suc-khoe-dien-tu", "Tỷ lệ người dân có hồ sơ sức khỏe điện tử",
         "Số người dân có hồ sơ sức khỏe điện tử / dân số × 100. Số liệu do phường, xã báo cáo theo kỳ.",
         SOCIETY, source=REPORTED),
    # --- Officials and offices (DOMAIN.md §1, §7) ---
    _pct("can-bo-co-may-tinh", "Tỷ lệ cán bộ, công chức được trang bị máy tính",
         "Số cán bộ, công chức được trang bị máy tính phục vụ công việc / tổng số cán bộ, công chức của cơ "
         "quan, đơn vị × 100. Số liệu do đơn vị báo cáo theo kỳ.", OFFICIALS, source=REPORTED),
    _pct("can-bo-co-dien-thoai-thong-minh", "Tỷ lệ cán bộ, công chức sử dụng điện thoại thông minh",
         "Số cán bộ, công chức sử dụng điện thoại thông minh trong công việc / tổng số cán bộ, công chức của "
         "cơ quan, đơn vị × 100. Số liệu do đơn vị báo cáo theo kỳ.", OFFICIALS, source=REPORTED),
    _pct("can-bo-dinh-danh-so", "Tỷ lệ cán bộ, công chức có danh tính số phục vụ công việc",
         "Số cán bộ, công chức đang có chứng thư số cá nhân còn hiệu lực đăng ký trên nền tảng / tổng số cán "
         "bộ, công chức có tài khoản đang hoạt động của các cơ quan trên địa bàn × 100 (số liệu hiện tại).",
         OFFICIALS),
]

# National targets, for every unit or, with a level, every unit of that level:
# (indicator code, year, value, basis, level or None). Levels: 1 province, 2 district,
# 3 ward/commune (org.models.UnitLevel).
TARGETS: list[tuple[str, int, Decimal, str, int | None]] = [
    ("ho-so-toan-trinh", 2025, Decimal("80"), "Quyết định 942/QĐ-TTg", None),
    ("van-ban-di-ky-so", 2025, Decimal("100"), "Quyết định 942/QĐ-TTg", None),
    ("ho-so-cong-viec-truc-tuyen", 2025, Decimal("90"), "Quyết định 942/QĐ-TTg (cấp tỉnh)", 1),
    ("ho-so-cong-viec-truc-tuyen", 2025, Decimal("80"), "Quyết định 942/QĐ-TTg (cấp huyện)", 2),
    ("ho-so-cong-viec-truc-tuyen", 2025, Decimal("60"), "Quyết định 942/QĐ-TTg (cấp xã)", 3),
    ("can-bo-dinh-danh-so", 2025, Decimal("100"), "Quyết định 942/QĐ-TTg", None),
    ("thue-bao-bang-rong", 2025, Decimal("80"), "Quyết định 411/QĐ-TTg", None),
    ("dien-thoai-thong-minh", 2025, Decimal("80"), "Quyết định 411/QĐ-TTg", None),
    ("tai-khoan-thanh-toan", 2025, Decimal("80"), "Quyết định 411/QĐ-TTg", None),
    ("ky-nang-so", 2025, Decimal("70"), "Quyết định 411/QĐ-TTg (trên 70%)", None),
    ("ho-so-suc-khoe-dien-tu", 2025, Decimal("90"), "Quyết định 411/QĐ-TTg", None),
    ("ho-so-dang-nhap-vneid", 2025, Decimal("100"), "Đề án 06 (thủ tục đủ điều kiện trực tuyến dùng định "
     "danh điện tử)", None),
]

RED, AMBER, GREEN = "#b3261e", "#9a5b00", "#1b6e3a"


def _bands(low: int, good: int) -> list[tuple[Decimal, Decimal | None, str, str]]:
    return [(Decimal(0), Decimal(low), RED, "Thấp"), (Decimal(low), Decimal(good), AMBER, "Trung bình"),
            (Decimal(good), None, GREEN, "Đạt")]


# Legend bands per indicator: (from, up to (exclusive; None = no bound), colour, label).
LEGENDS: dict[str, list[tuple[Decimal, Decimal | None, str, str]]] = {
    "ho-so-truc-tuyen": _bands(50, 80),
    "ho-so-toan-trinh": _bands(40, 80),
    "chi-so-766": _bands(50, 80),
    "van-ban-di-ky-so": _bands(90, 100),
    "van-ban-den-xu-ly-tren-he-thong": _bands(80, 95),
    "van-ban-den-dung-han": _bands(80, 95),
    "ho-so-cong-viec-truc-tuyen": _bands(40, 60),
    "to-cong-nghe-so-bao-phu": _bands(80, 100),
    "phuong-xa-co-mo-hinh-ho-tro": _bands(80, 100),
    "thanh-vien-hoat-dong": _bands(50, 80),
    "ho-so-dang-nhap-vneid": _bands(80, 100),
    "dien-thoai-thong-minh": _bands(60, 80),
    "tai-khoan-thanh-toan": _bands(60, 80),
    "ky-nang-so": _bands(50, 70),
    "ho-so-suc-khoe-dien-tu": _bands(70, 90),
    "can-bo-co-dien-thoai-thong-minh": _bands(90, 100),
    "can-bo-dinh-danh-so": _bands(90, 100),
    "ho-so-dung-han": _bands(90, 95),
    "ho-so-dung-du-lieu-dan-cu": _bands(50, 80),
    "ho-so-ket-qua-dien-tu": _bands(50, 80),
    "hai-long": _bands(80, 90),
    "thue-bao-bang-rong": _bands(60, 80),
    "can-bo-co-may-tinh": _bands(90, 100),
}
