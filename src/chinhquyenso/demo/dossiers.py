"""Twelve months of demo dossiers, generated in bulk.

Each dossier is simulated through the lifecycle of ``chinhquyenso.dossiers.services``
(submission; receipt, with the due time computed from the agency's working calendar
exactly as ``receive_dossier`` does; assignment; the procedure's process steps; waits
for a supplement or a fee, which move the due time as ``_resume`` does; the result and
its return), then cut at the present: what had not happened by then has not happened,
so the dossiers of the last weeks are still open in whatever state they had reached.

The rows are written with ``bulk_create`` in batches, not through the services (each
service call writes receipts, PDFs, notifications and audit entries: hours for 20,000
dossiers). No files are stored, except one shared apology letter PDF.

The same seed, count, months and end date give the same dossiers (codes, states,
applicants) on a database without earlier generated dossiers. When the period ends
today, the present moment cuts the last day, so only a past end date is fully
reproducible.
"""

from __future__ import annotations

import calendar as _monthcal
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from chinhquyenso.core.calendar import VIETNAM_TZ, WorkingCalendar
from chinhquyenso.core.services import record_audit
from chinhquyenso.core.text import normalize_vi
from chinhquyenso.dossiers.codes import counter_key, format_code
from chinhquyenso.dossiers.deadlines import due_time
from chinhquyenso.dossiers.models import (
    OPEN_STATES,
    ApologyLetter,
    Channel,
    Complaint,
    Dossier,
    DossierCounter,
    DossierEvent,
    Rating,
    State,
)
from chinhquyenso.dossiers.services import _state_for_step
from chinhquyenso.org.models import Agency, AgencyKind, Role, RoleAssignment, UnitLevel
from chinhquyenso.org.queries import calendar_for
from chinhquyenso.procedures.models import CompetentLevel, Procedure, ServiceLevel

from . import city

DEFAULT_COUNT = 20000
DEFAULT_SEED = 2026
DEFAULT_MONTHS = 12
BATCH_SIZE = 1000

Progress = Callable[[int, int], None]
"""progress(done, total), called after each batch."""


class GenerationError(ValueError):
    """The database lacks what the generation needs (agencies, procedures)."""


# --- shares -------------------------------------------------------------------------------

SHARE_COUNTER = 0.015          # the rest of the 2% not online came by post
SHARE_POST = 0.005
SHARE_ASSISTED_ONLINE = 0.10   # of the online ones
SHARE_POPULATION_DATA = 0.60
SHARE_REUSED = 0.04            # of the online ones
SHARE_EMAIL = 0.35
SHARE_REFUSED = 0.02
SHARE_WITHDRAWN_BEFORE_RECEIPT = 0.007   # of the online ones
SHARE_WITHDRAWN_AFTER_RECEIPT = 0.003
SHARE_STOPPED = 0.01           # half of them after a supplement never given
SHARE_SUPPLEMENT = 0.05
SHARE_FEE_REQUEST = 0.30       # of the dossiers of procedures with a fee
SHARE_LATE = 0.115
SHARE_APOLOGY = 0.85           # of the late ones
SHARE_RATED = 0.60             # of the returned ones
SHARE_SATISFIED = 0.95
SHARE_COMPLAINT_LATE = 0.03
SHARE_COMPLAINT_OTHER = 0.0012

# Relative volumes per procedure (national code); other submittable procedures weigh 1.
# Certification and civil status make up most of a ward's one-stop shop.
PROCEDURE_WEIGHTS = {
    "2.000815": 300, "2.000884": 90, "2.000942": 12, "2.000992": 4,    # chứng thực
    "1.001193": 70, "2.000986": 45, "1.004873": 60, "2.000635": 50,    # hộ tịch
    "1.000894": 28, "1.000656": 25, "1.004859": 10, "1.004884": 4,
    "1.001022": 3, "1.004837": 2, "1.004845": 1,
    "2.000528": 2, "2.000806": 2, "2.002189": 1,
    "1.001612": 14, "2.000720": 10, "1.001570": 4, "1.001266": 4,     # hộ kinh doanh
    "1.012794": 14, "1.012783": 6, "1.012786": 2,                      # đất đai
    "1.009122": 8, "1.009124": 1,                                      # xây dựng
    "1.001776": 5, "1.001731": 2, "1.001699": 2, "1.001653": 1,
    "1.010803": 1, "1.010833": 2, "1.003622": 1, "1.001029": 1,
    "2.002481": 3, "1.005092": 4, "1.001055": 1,
}
# More dossiers before Tết and in the wedding season, fewer in the Tết month.
MONTH_FACTOR = {1: 1.15, 2: 0.8, 3: 1.0, 4: 0.95, 5: 1.0, 6: 1.0, 7: 0.95, 8: 1.0,
                9: 1.0, 10: 1.05, 11: 1.1, 12: 1.15}
WEEKDAY_FACTOR = {0: 1.15, 1: 1.0, 2: 1.0, 3: 1.0, 4: 0.95, 5: 0.8, 6: 0.8}
CLOSED_DAY_FACTOR = 0.12       # online submissions on weekends and holidays


# --- people -------------------------------------------------------------------------------

FAMILY_NAMES = [
    ("Nguyễn", 36), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Vũ", 4),
    ("Phan", 3), ("Đỗ", 3), ("Bùi", 3), ("Đặng", 2), ("Ngô", 2), ("Dương", 2), ("Hà", 1.5),
    ("Đào", 1.5), ("Lưu", 1), ("Tạ", 1), ("Khổng", 1), ("Kim", 1), ("Phùng", 1), ("Đinh", 1),
    ("Trịnh", 1), ("Lý", 0.7), ("Cao", 0.7), ("Lương", 0.7), ("Văn", 0.5), ("Chu", 0.5),
]
MIDDLE_NAMES = {
    "M": [("Văn", 40), ("Đức", 10), ("Minh", 9), ("Quang", 7), ("Hữu", 6), ("Xuân", 5),
          ("Thanh", 5), ("Tiến", 4), ("Công", 4), ("Mạnh", 3), ("Ngọc", 3), ("Trung", 2),
          ("Hoàng", 2), ("Duy", 2)],
    "F": [("Thị", 55), ("Thu", 7), ("Ngọc", 6), ("Thanh", 6), ("Minh", 4), ("Phương", 4),
          ("Hồng", 4), ("Khánh", 3), ("Bảo", 2), ("Hải", 2), ("Mai", 2), ("Kim", 2)],
}
GIVEN_NAMES = {
    "M": ["An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hòa",
          "Hùng", "Huy", "Hưng", "Khánh", "Kiên", "Long", "Lâm", "Mạnh", "Minh", "Nam",
          "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tâm", "Thắng", "Thành", "Toàn",
          "Trung", "Tú", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ"],
    "F": ["An", "Anh", "Ánh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa",
          "Hồng", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga",
          "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thủy", "Trang", "Vân",
          "Yến"],
}
SECOND_MIDDLE_F = ["Thu", "Minh", "Ngọc", "Hồng", "Thanh", "Phương", "Kim", "Hải"]
FOREIGNERS = [
    ("Hàn Quốc", ["Kim Ji-hoon", "Lee Min-jung", "Park Seo-yeon", "Choi Dong-hyun"]),
    ("Nhật Bản", ["Tanaka Hiroshi", "Sato Yuki", "Suzuki Kenta"]),
    ("Trung Quốc", ["Wang Wei", "Li Na", "Zhang Jun", "Liu Yang"]),
    ("Đài Loan (Trung Quốc)", ["Chen Chih-wei", "Lin Mei-ling"]),
    ("Hoa Kỳ", ["John Smith", "Emily Johnson", "Michael Brown"]),
    ("Australia", ["James Wilson", "Olivia Taylor"]),
]
STREETS = [
    "đường Mê Linh", "đường Nguyễn Tất Thành", "đường Hùng Vương", "đường Kim Ngọc",
    "đường Lam Sơn", "đường Trần Phú", "đường Ngô Quyền", "đường Chiền Thắng",
    "đường Đinh Tiên Hoàng", "đường Lý Bôn", "đường Tôn Đức Thắng", "đường Nguyễn Chí Thanh",
    "đường Lê Xoay", "đường Hai Bà Trưng", "đường Nguyễn Viết Xuân", "đường Hàm Nghi",
    "đường Trần Quốc Tuấn", "đường Lạc Long Quân",
]
EMAIL_DOMAINS = ["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "yahoo.com.vn"]

REFUSE_REASONS = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan; đề nghị nộp tại cơ quan có thẩm quyền.",
    "Thành phần hồ sơ không đúng theo quy định của thủ tục.",
    "Tờ khai không đúng mẫu quy định, thông tin kê khai không đầy đủ.",
    "Giấy tờ đính kèm không đọc được (ảnh chụp mờ, thiếu trang).",
]
SUPPLEMENT_REASONS = [
    "Đề nghị bổ sung bản chụp rõ nét giấy tờ tùy thân còn hiệu lực.",
    "Đề nghị bổ sung văn bản ủy quyền có chứng thực.",
    "Tờ khai thiếu chữ ký của người yêu cầu; đề nghị ký và nộp lại.",
    "Đề nghị bổ sung giấy tờ chứng minh nơi cư trú.",
    "Thông tin trên tờ khai chưa khớp với giấy tờ đính kèm; đề nghị kiểm tra, bổ sung.",
]
STOP_REASONS = [
    "Hồ sơ không đủ điều kiện giải quyết theo quy định.",
    "Kết quả xác minh cho thấy thông tin kê khai không đúng sự thật.",
    "Đối tượng đề nghị không thuộc diện được giải quyết.",
]
STOP_AFTER_SUPPLEMENT = "Người nộp không bổ sung hồ sơ trong thời hạn theo yêu cầu."
WITHDRAW_REASONS = [
    "Tôi nộp nhầm thủ tục, xin rút để nộp lại.",
    "Gia đình đã thay đổi kế hoạch, không còn nhu cầu.",
    "Xin rút hồ sơ để bổ sung giấy tờ rồi nộp lại.",
]
APOLOGY_REASONS = [
    "Hồ sơ cần xác minh thêm thông tin tại cơ quan khác.",
    "Số lượng hồ sơ tiếp nhận tăng đột biến trong kỳ.",
    "Cán bộ thụ lý đi công tác, chậm bàn giao hồ sơ.",
    "Chờ kết quả liên thông từ cơ quan có liên quan.",
    "Hệ thống phần mềm chuyên ngành gặp sự cố kỹ thuật.",
]
RATING_COMMENTS_GOOD = ["Cán bộ hướng dẫn nhiệt tình.", "Giải quyết nhanh, đúng hẹn.",
                        "Nộp trực tuyến rất thuận tiện.", "Rất hài lòng."]
RATING_COMMENTS_BAD = ["Phải chờ lâu hơn thời gian hẹn.", "Hướng dẫn bổ sung chưa rõ ràng.",
                       "Nhận kết quả chậm."]
COMPLAINT_TEXTS = [
    "Hồ sơ của tôi đã quá hạn trả kết quả mà chưa nhận được thông báo.",
    "Tôi bị yêu cầu bổ sung giấy tờ nhiều lần, mỗi lần một nội dung khác nhau.",
    "Thái độ của cán bộ tiếp nhận chưa đúng mực.",
    "Đề nghị giải thích lý do chậm trả kết quả.",
]
COMPLAINT_ANSWERS = [
    "UBND đã kiểm tra, xin lỗi Ông/Bà về sự chậm trễ và đã chỉ đạo trả kết quả ngay.",
    "Cán bộ đã được nhắc nhở; đơn vị cam kết hướng dẫn bổ sung hồ sơ một lần, đầy đủ.",
    "Nội dung phản ánh đã được tiếp thu; hồ sơ đã được giải quyết theo quy định.",
]


def _weighted(pairs):
    values = [v for v, _w in pairs]
    cum, total = [], 0.0
    for _v, w in pairs:
        total += w
        cum.append(total)
    return values, cum


_FAMILY = _weighted(FAMILY_NAMES)
_MIDDLE = {sex: _weighted(pairs) for sex, pairs in MIDDLE_NAMES.items()}


def _pick(rng: random.Random, weighted) -> object:
    values, cum = weighted
    return values[bisect(cum, rng.random() * cum[-1])]


def person_name(rng: random.Random, sex: str, family: str | None = None) -> str:
    family = family or _pick(rng, _FAMILY)
    middle = _pick(rng, _MIDDLE[sex])
    if sex == "F" and middle == "Thị" and rng.random() < 0.2:
        middle = f"Thị {rng.choice(SECOND_MIDDLE_F)}"
    return f"{family} {middle} {rng.choice(GIVEN_NAMES[sex])}"


def id_number(rng: random.Random, birth_year: int, sex: str) -> str:
    """A 12-digit personal identification number: province of birth (026 Vĩnh Phúc),
    century and sex (0/1 born 1900-1999, 2/3 born 2000-2099; even for men), the last
    two digits of the birth year, six random digits."""
    century = 0 if birth_year < 2000 else 2
    digit = century + (1 if sex == "F" else 0)
    return f"026{digit}{birth_year % 100:02d}{rng.randrange(1_000_000):06d}"


def phone_number(rng: random.Random) -> str:
    return f"09{rng.randrange(100_000_000):08d}"


@dataclass
class Person:
    name: str
    sex: str
    birth: date
    id_number: str


def make_person(rng: random.Random, *, on: date, sex: str | None = None, min_age: int = 18,
                max_age: int = 75, family: str | None = None) -> Person:
    sex = sex or rng.choice("MF")
    mode = 38 if min_age <= 38 <= max_age else (min_age + max_age) / 2
    age = min(max_age, max(min_age, int(rng.triangular(min_age, max_age, mode))))
    birth = on - timedelta(days=365 * age + rng.randrange(365))
    return Person(person_name(rng, sex, family), sex, birth, id_number(rng, birth.year, sex))


# --- answers ------------------------------------------------------------------------------

APPLICANT_PREFIXES = [
    "applicant", "requester", "owner", "holder", "representative", "translator",
    "worshipper", "relative", "organiser", "family_head", "proposer", "parent", "transferee",
    "vn_spouse", "guardian", "subject", "beneficiary", "person",
]
FEMALE_PREFIXES = ("mother", "wife")
MALE_PREFIXES = ("father", "husband")

TEXTS = {
    "business_lines": ["Bán lẻ hàng tạp hóa, đồ uống", "Dịch vụ ăn uống (quán phở, cơm)",
                       "Sửa chữa điện thoại, máy tính", "Bán lẻ vật liệu xây dựng",
                       "May đo quần áo", "Bán lẻ văn phòng phẩm", "Cà phê, giải khát"],
    "purpose": ["Đăng ký kết hôn", "Bổ sung hồ sơ vay vốn ngân hàng",
                "Làm thủ tục mua bán nhà đất", "Bổ sung hồ sơ xin việc",
                "Hoàn thiện hồ sơ đi lao động ở nước ngoài", "Hưởng chế độ ưu đãi"],
    "reason": ["Giấy tờ cũ bị rách, mờ thông tin", "Thay đổi thông tin cá nhân",
               "Bổ sung thông tin còn thiếu", "Theo yêu cầu của cơ quan cấp giấy tờ"],
    "current_content": ["Họ tên ghi trong Giấy khai sinh: thiếu dấu",
                        "Ngày sinh ghi sai so với hồ sơ gốc", "Chưa có thông tin dân tộc"],
    "requested_content": ["Cải chính họ tên theo giấy tờ tùy thân",
                          "Cải chính ngày sinh theo hồ sơ gốc", "Bổ sung thông tin dân tộc: Kinh"],
    "change_detail": ["Thay đổi địa điểm kinh doanh sang số nhà mới",
                      "Bổ sung ngành nghề kinh doanh", "Thay đổi vốn kinh doanh"],
    "loss_circumstances": ["Bị mất trong lúc chuyển nhà", "Bị thất lạc, đã tìm nhưng không thấy",
                           "Bị hư hỏng do ngập nước"],
    "extension_reason": ["Chưa khởi công được do vướng mặt bằng",
                         "Thời tiết mưa kéo dài, chưa kịp thi công"],
    "termination_reason": ["Người được giám hộ đã đủ 18 tuổi", "Cha mẹ đã đủ điều kiện chăm sóc"],
    "dispute_description": ["Tranh chấp ranh giới thửa đất giáp ranh",
                            "Tranh chấp lối đi chung"],
    "achievement_summary": ["Hoàn thành xuất sắc nhiệm vụ năm",
                            "Có thành tích trong phong trào xây dựng nông thôn mới"],
    "contribution_summary": ["Ủng hộ kinh phí xây dựng nhà văn hóa tổ dân phố",
                             "Hiến đất làm đường giao thông"],
    "programme": ["Phần lễ: dâng hương, tế lễ; phần hội: các trò chơi dân gian"],
    "activity_list": ["Lễ kỳ phúc đầu năm; lễ giỗ Thành hoàng làng; lễ cầu an"],
    "asset_description": ["Quyền sử dụng đất ở, diện tích 90 m²", "Xe ô tô con 5 chỗ"],
    "document_name": ["Bằng tốt nghiệp trung học phổ thông", "Giấy khai sinh", "Học bạ",
                      "Hợp đồng lao động", "Giấy chứng nhận quyền sử dụng đất",
                      "Bằng tốt nghiệp đại học", "Sổ tiết kiệm"],
    "document_title": ["Giấy ủy quyền", "Đơn xin việc", "Bản cam kết", "Giấy xác nhận",
                       "Văn bản thỏa thuận"],
    "relationship": ["Con", "Vợ", "Chồng", "Cháu", "Em ruột", "Anh ruột"],
    "deceased_group": ["Người cao tuổi", "Người khuyết tật nặng", "Trẻ em mồ côi"],
    "death_cause": ["Bệnh già", "Bệnh hiểm nghèo", "Tai nạn"],
    "religion": ["Phật giáo", "Công giáo"],
    "school": ["Trường THCS Vĩnh Yên", "Trường THCS Liên Bảo", "Trường THCS Tích Sơn",
               "Trường THCS Khai Quang", "Trường THCS Đống Đa", "Trường THCS Hội Hợp"],
    "high_school": ["Trường THPT Trần Phú", "Trường THPT Vĩnh Yên", "Trường THPT Liên Bảo"],
    "business": ["Tạp hóa", "Cửa hàng điện thoại", "Cà phê", "Vật liệu xây dựng", "Tiệm may",
                 "Quán phở", "Văn phòng phẩm", "Thực phẩm sạch"],
    "establishment": ["Đình làng", "Chùa", "Đền", "Miếu"],
    "language": ["Tiếng Anh", "Tiếng Trung", "Tiếng Hàn", "Tiếng Nhật"],
}


@dataclass
class _AnswerContext:
    rng: random.Random
    on: date
    applicant: Person
    applicant_prefix: str | None
    phone: str
    email: str
    address: str
    place: str                     # the ward's name, e.g. "Phường Tích Sơn"
    foreign_prefix: str | None = None
    foreign: tuple[str, str] | None = None   # nationality, name
    people: dict[str, Person] = field(default_factory=dict)
    start_date: date | None = None
    languages: tuple[str, str] | None = None


def _prefix(key: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if key == suffix.lstrip("_"):
            return ""
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return None


def applicant_prefix(keys: list[str]) -> str | None:
    """The form's person who is the applicant (their name, number and birth date are
    the applicant's), e.g. "requester" for requester_full_name; "" for full_name."""
    if "full_name" in keys:
        return ""
    for prefix in APPLICANT_PREFIXES:
        if f"{prefix}_full_name" in keys:
            return prefix
    for prefix in ("mother", "husband", "wife"):
        if f"{prefix}_full_name" in keys:
            return prefix
    return None


def _sex_of(prefix: str) -> str | None:
    if prefix.startswith(FEMALE_PREFIXES):
        return "F"
    if prefix.startswith(MALE_PREFIXES):
        return "M"
    return None


def _person(ctx: _AnswerContext, prefix: str) -> Person:
    if prefix == ctx.applicant_prefix:
        return ctx.applicant
    person = ctx.people.get(prefix)
    if person is None:
        rng, on = ctx.rng, ctx.on
        ages = {"child": (0, 0), "recognised": (1, 30), "ward_person": (2, 15),
                "student": (11, 15), "beneficiary": (60, 90), "deceased": (55, 95),
                "martyr": (70, 95), "merit_person": (70, 95), "person": (5, 70)}
        low, high = ages.get(prefix, (20, 70))
        if prefix == "child":
            birth = on - timedelta(days=rng.randint(1, 55))
            sex = rng.choice("MF")
            family = ctx.people["father"].name.split()[0] if "father" in ctx.people else None
            person = Person(person_name(rng, sex, family), sex, birth, "")
        else:
            person = make_person(rng, on=on, sex=_sex_of(prefix), min_age=low, max_age=high)
        ctx.people[prefix] = person
    return person


def _address(rng: random.Random, place: str) -> str:
    if place.startswith("Xã"):
        street = f"Thôn {rng.randint(1, 8)}"
    elif rng.random() < 0.5:
        street = f"Số {rng.randint(1, 250)}, {rng.choice(STREETS)}"
    else:
        street = f"Tổ dân phố số {rng.randint(1, 12)}"
    return f"{street}, {place}, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc"


def _text_answer(ctx: _AnswerContext, key: str) -> str:
    rng = ctx.rng
    prefix = _prefix(key, ("_full_name",))
    if prefix is not None:
        if prefix and prefix == ctx.foreign_prefix:
            return ctx.foreign[1]
        return _person(ctx, prefix).name
    if key.endswith("nationality"):
        return ctx.foreign[0] if key == f"{ctx.foreign_prefix}_nationality" else "Việt Nam"
    if key == "marriage_country":
        return ctx.foreign[0] if ctx.foreign else "Hàn Quốc"
    if key in ("child_birth_place",):
        return rng.choice(["Bệnh viện Sản - Nhi tỉnh Vĩnh Phúc",
                           "Bệnh viện Đa khoa tỉnh Vĩnh Phúc", f"Trạm Y tế {ctx.place.lower()}"])
    if key == "death_place":
        return rng.choice([f"Tại nhà riêng, {ctx.address}", "Bệnh viện Đa khoa tỉnh Vĩnh Phúc"])
    if key.endswith("registration_place"):
        return f"UBND {ctx.place.lower()}, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc"
    if key.endswith("address") or key == "venue":
        return _address(rng, ctx.place) if key != "permanent_address" else ctx.address
    if key == "business_name":
        return f"Hộ kinh doanh {rng.choice(TEXTS['business'])} {ctx.applicant.name.split()[-1]}"
    if key == "registration_number":
        return f"26A8{rng.randrange(1_000_000):06d}"
    if key.endswith("certificate_number") and "martyr" not in key:
        return f"{rng.choice(['CS', 'CT', 'DA', 'DB'])} {rng.randrange(1_000_000):06d}"
    if key == "parcel_number":
        return f"Thửa số {rng.randint(1, 900)}, tờ bản đồ số {rng.randint(1, 60)}"
    if key == "permit_number":
        return f"{rng.randint(1, 999)}/GPXD"
    if key == "certification_number":
        return f"{rng.randint(1, 3000)}/{ctx.on.year - rng.randint(0, 4)}/SCT/HĐ,GD"
    if key in ("martyr_certificate_number", "merit_record_number"):
        return f"{rng.randint(1, 9999)}/HS-{rng.choice(['LS', 'NCC'])}"
    if key == "bank_account":
        return f"{rng.randrange(10**12, 10**13)}"
    if key in ("relationship", "applicant_relationship", "organiser_relationship"):
        return rng.choice(TEXTS["relationship"])
    if key in ("current_school", "target_school"):
        return rng.choice(TEXTS["school"])
    if key == "school_name":
        return rng.choice(TEXTS["high_school"])
    if key in ("source_language", "target_language"):
        if ctx.languages is None:
            pair = (rng.choice(TEXTS["language"]), "Tiếng Việt")
            ctx.languages = pair if rng.random() < 0.5 else pair[::-1]
        return ctx.languages[0 if key == "source_language" else 1]
    if key == "unit_name" or key == "residential_group":
        return f"Tổ dân phố số {rng.randint(1, 12)}, {ctx.place}"
    if key == "nominee_name":
        return person_name(rng, rng.choice("MF"))
    if key == "organiser_name":
        return f"Ban quản lý di tích {ctx.place.lower()}"
    if key == "festival_name":
        return f"Lễ hội truyền thống {ctx.place}"
    if key == "establishment_name":
        return f"{rng.choice(TEXTS['establishment'])} {ctx.place.split(maxsplit=1)[1]}"
    options = TEXTS.get(key) or TEXTS.get(key.rsplit("_", 1)[-1])
    if options:
        return rng.choice(options)
    return "Theo giấy tờ kèm theo hồ sơ"


def _date_answer(ctx: _AnswerContext, key: str) -> str:
    rng, on = ctx.rng, ctx.on
    prefix = _prefix(key, ("_birth_date",))
    if prefix is not None:
        return _person(ctx, prefix).birth.isoformat()
    if key == "death_date":
        return (on - timedelta(days=rng.randint(1, 20))).isoformat()
    if key == "marriage_date":
        return (on - timedelta(days=rng.randint(30, 720))).isoformat()
    if key == "start_date":
        ctx.start_date = on + timedelta(days=rng.randint(3, 20))
        return ctx.start_date.isoformat()
    if key == "end_date":
        start = ctx.start_date or on
        return (start + timedelta(days=rng.randint(1, 60))).isoformat()
    if key == "termination_date":
        return (on + timedelta(days=rng.randint(0, 15))).isoformat()
    return (on - timedelta(days=rng.randint(30, 1800))).isoformat()


NUMBER_RANGES = {
    "copies": (1, 5), "page_count": (1, 12), "employee_count": (1, 9), "floor_count": (1, 5),
    "total_floor_area": (60, 420), "room_count": (3, 12), "smallest_room_area": (20, 40),
    "member_count": (2, 7), "graduation_year": (1995, 2024), "participant_count": (20, 200),
}


def _number_answer(ctx: _AnswerContext, key: str) -> int:
    rng = ctx.rng
    if key == "year":
        return ctx.on.year
    if key == "capital":
        return rng.randint(5, 200) * 10_000_000
    if key == "contribution_value":
        return rng.randint(1, 50) * 1_000_000
    low, high = NUMBER_RANGES.get(key, (1, 3))
    return rng.randint(low, high)


def make_answers(ctx: _AnswerContext, form: list[dict]) -> dict:
    """Plausible answers for every field of a procedure's form, in the form that
    dossiers.answers.clean_answers stores (dates as YYYY-MM-DD, numbers as ints)."""
    rng = ctx.rng
    answers: dict = {}
    for spec in form:
        key, kind = str(spec["key"]), spec.get("type")
        if not spec.get("required") and rng.random() < 0.12:
            answers[key] = None if kind in ("date", "number") else ""
            continue
        if kind == "text" or kind == "textarea":
            value = _text_answer(ctx, key)
        elif kind == "date":
            value = _date_answer(ctx, key)
        elif kind == "number":
            value = _number_answer(ctx, key)
        elif kind == "choice":
            choices = [c.get("label", "") if isinstance(c, dict) else str(c)
                       for c in spec.get("choices") or []]
            value = rng.choice(choices) if choices else ""
        elif kind == "phone":
            value = ctx.phone
        elif kind == "email":
            value = ctx.email or f"{normalize_vi(ctx.applicant.name).replace(' ', '.')}@gmail.com"
        elif kind == "id_number":
            prefix = _prefix(key, ("_id_number", "_document_number"))
            if prefix is not None and prefix == ctx.foreign_prefix:
                value = f"{rng.randrange(10**11, 10**12)}"
            else:
                person = _person(ctx, "other" if prefix is None else prefix)
                value = person.id_number or id_number(rng, person.birth.year, person.sex)
        else:
            value = ""
        answers[key] = value
    return answers


# --- the simulation -------------------------------------------------------------------------

@dataclass
class _Proc:
    obj: Procedure
    steps: list[tuple[int, str, float]]   # (pk, role, hours), in order
    form: list[dict]
    keys: list[str]
    applicant_prefix: str | None
    foreign_prefixes: list[str]
    full_online: bool
    fee: int


@dataclass
class _Agency:
    obj: Agency
    calendar: WorkingCalendar
    staff: dict[str, list[int]]
    place: str
    office_days: tuple[list[date], list[float]] = ((), ())
    any_days: tuple[list[date], list[float]] = ((), ())

    def actor(self, rng: random.Random, *roles: str) -> int | None:
        for role in roles:
            users = self.staff.get(role)
            if users:
                return users[0] if len(users) == 1 else rng.choice(users)
        return None


@dataclass
class _Plan:
    submitted_at: datetime
    index: int
    procedure: _Proc
    agency: _Agency
    channel: str


# One change of the dossier: when, which action, the new state (None: unchanged), who,
# a note, and the fields it sets.
_Transition = tuple[datetime, str, str | None, int | None, str, dict]

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
WORKDAY = timedelta(hours=8)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=VIETNAM_TZ)


def _after(cal: WorkingCalendar, moment: datetime, working: timedelta) -> datetime:
    """`working` office time after `moment`, at least a minute."""
    return cal.add_working_time(moment, max(working, MINUTE))


@dataclass
class _Sim:
    plan: _Plan
    applicant: Person
    phone: str
    email: str
    address: str
    answers: dict
    assisted_by: int | None
    consent: bool
    population: bool
    reused: bool
    transitions: list[_Transition]
    late: bool = False
    apology: dict | None = None       # reason, at, new_due_at, previous_due_at, actor
    rating: dict | None = None
    complaint: dict | None = None


def _eid_level(sim: _Sim, online: bool) -> int:
    """The VNeID login a citizen submitting online for themself used: level 2 for about
    eight in ten, level 1 for the rest (from the random digits of the identification
    number, so the demo's other draws stay as they were); none when helped or at the
    counter."""
    if not online or sim.assisted_by is not None:
        return 0
    return 2 if int(sim.applicant.id_number[-1]) < 8 else 1


def _simulate(rng: random.Random, plan: _Plan) -> _Sim:
    proc, agency, cal = plan.procedure, plan.agency, plan.agency.calendar
    sub = plan.submitted_at
    online = plan.channel == Channel.ONLINE
    on = sub.astimezone(VIETNAM_TZ).date()

    # Who submits, and their answers.
    sex = {"mother": "F", "wife": "F", "husband": "M"}.get(proc.applicant_prefix or "")
    applicant = make_person(rng, on=on, sex=sex,
                            max_age=42 if proc.applicant_prefix == "mother" else 75)
    phone = phone_number(rng)
    email = ""
    if rng.random() < SHARE_EMAIL:
        words = normalize_vi(applicant.name).split()
        email = f"{words[-1]}.{words[0]}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
    place = agency.place if agency.place else rng.choice(_WARD_NAMES)
    address = _address(rng, place)
    ctx = _AnswerContext(rng=rng, on=on, applicant=applicant,
                         applicant_prefix=proc.applicant_prefix, phone=phone, email=email,
                         address=address, place=place)
    if proc.foreign_prefixes:
        candidates = [p for p in proc.foreign_prefixes if p != proc.applicant_prefix]
        ctx.foreign_prefix = ("foreign_spouse" if "foreign_spouse" in candidates
                              else rng.choice(candidates or proc.foreign_prefixes))
        nationality, names = rng.choice(FOREIGNERS)
        ctx.foreign = (nationality, rng.choice(names))
    if "child_full_name" in proc.keys and "father_full_name" in proc.keys \
            and ctx.foreign_prefix != "father":
        _person(ctx, "father")  # the child takes the father's family name
    answers = make_answers(ctx, proc.form)

    assisted_by, consent = None, False
    if online and rng.random() < SHARE_ASSISTED_ONLINE:
        if rng.random() < 0.7:
            assisted_by = agency.actor(rng, Role.COMMUNITY_MEMBER, Role.COUNTER_OFFICER)
        else:
            assisted_by = agency.actor(rng, Role.COUNTER_OFFICER)
        consent = assisted_by is not None
    elif not online:
        assisted_by = agency.actor(rng, Role.COUNTER_OFFICER)
    sim = _Sim(plan=plan, applicant=applicant, phone=phone, email=email, address=address,
               answers=answers, assisted_by=assisted_by, consent=consent,
               population=rng.random() < SHARE_POPULATION_DATA,
               reused=online and rng.random() < SHARE_REUSED, transitions=[])
    tr = sim.transitions
    tr.append((sub, "submit", State.SUBMITTED, assisted_by, "", {}))

    counter = agency.actor(rng, Role.COUNTER_OFFICER)
    specialist = agency.actor(rng, Role.SPECIALIST, Role.COUNTER_OFFICER)
    leader = agency.actor(rng, Role.LEADER)
    outcome = rng.random()

    # Receipt: at the counter at once; online within hours, or the next working morning.
    if online:
        opening = cal.next_working_moment(sub)
        delay = (timedelta(minutes=rng.uniform(10, 180)) if opening == sub
                 else timedelta(minutes=rng.uniform(5, 90)))
    else:
        opening = sub
        delay = timedelta(minutes=rng.uniform(3, 20))
    received = _after(cal, opening, delay)

    if outcome < SHARE_REFUSED:
        tr.append((received, "refuse", State.REFUSED, counter, reason := rng.choice(
            REFUSE_REASONS), {"last_reason": reason}))
        return sim
    outcome -= SHARE_REFUSED
    if online and outcome < SHARE_WITHDRAWN_BEFORE_RECEIPT:
        at = sub + (received - sub) * rng.uniform(0.2, 0.8)
        reason = rng.choice(WITHDRAW_REASONS)
        tr.append((at, "withdraw", State.WITHDRAWN, None, reason, {"last_reason": reason}))
        return sim
    outcome -= SHARE_WITHDRAWN_BEFORE_RECEIPT

    steps = proc.steps
    start = cal.next_working_moment(received)
    due = due_time(cal, proc.obj, start)
    following = steps[1:] if steps[0][1] == Role.COUNTER_OFFICER and len(steps) > 1 else steps
    first = steps.index(following[0])
    step_pk, role, hours = steps[first]
    step_due = cal.add_working_time(start, timedelta(hours=hours))
    state = (State.RECEIVED if role == Role.SPECIALIST
             else _state_for_step(_StepRole(role), is_last=first == len(steps) - 1))
    receive = {"received_at": received, "due_at": due, "current_step_id": step_pk,
               "step_started_at": start, "step_due_at": step_due}
    if state == State.DONE:
        receive["finished_at"] = received
    tr.append((received, "receive", state, counter, "", receive))
    if state == State.DONE:
        _return(rng, sim, cal, received, counter, proc, online)
        return sim

    # The steps worked until the result is ready (DONE).
    worked = [first]
    while True:
        k = worked[-1]
        if k + 1 < len(steps) and _state_for_step(
                _StepRole(steps[k + 1][1]), is_last=k + 1 == len(steps) - 1) != State.DONE:
            worked.append(k + 1)
        else:
            break
    budget = cal.working_time_between(start, due)
    late = rng.random() < SHARE_LATE
    if late:  # mostly a little late; some forgotten for days
        if rng.random() < 0.3:
            share = 1 + WORKDAY * rng.uniform(1, 12) / max(budget, HOUR)
        else:
            share = 1 + (rng.uniform(0.1, 1.0) if budget <= WORKDAY else rng.uniform(0.05, 0.6))
    else:
        share = min(0.97, max(0.08, rng.betavariate(2.2, 1.6)))
    total = budget * share
    weights = [max(steps[k][2], 0.5) for k in worked]
    portions = [total * (w / sum(weights)) for w in weights]

    stop_kind = None
    if outcome < SHARE_STOPPED:
        stop_kind = "supplement" if rng.random() < 0.5 else "processing"
    elif outcome < SHARE_STOPPED + SHARE_WITHDRAWN_AFTER_RECEIPT:
        stop_kind = "withdrawal"
    supplement = stop_kind == "supplement" or (
        stop_kind is None and rng.random() < SHARE_SUPPLEMENT)
    fee = proc.fee > 0 and stop_kind is None and rng.random() < SHARE_FEE_REQUEST
    early_supplement = supplement and state == State.RECEIVED and rng.random() < 0.4

    cursor = start
    assignee = specialist
    current = {"due": due, "step_due": step_due}

    def pause(kind: str, at: datetime, actor: int | None, from_state: str) -> datetime | None:
        """Pause at `at`; returns when the clock restarts (None: never, dossier stopped)."""
        if kind == "supplement":
            reason = rng.choice(SUPPLEMENT_REASONS)
            tr.append((at, "request_supplement", State.SUPPLEMENT_REQUESTED, actor, reason,
                       {"paused_at": at, "resume_state": from_state, "last_reason": reason}))
            if stop_kind == "supplement":
                stop_at = cal.next_working_moment(at + timedelta(days=rng.uniform(10, 25)))
                tr.append((stop_at, "stop", State.STOPPED, leader, STOP_AFTER_SUPPLEMENT,
                           {"paused_at": None, "last_reason": STOP_AFTER_SUPPLEMENT}))
                return None
            wait = timedelta(hours=rng.uniform(3, 24 * 6))
            resume_at = at + wait if online else cal.next_working_moment(at + wait)
            action, by, extra = "supplement", None if online else counter, {}
        else:
            tr.append((at, "request_fee", State.FEE_DUE, specialist, "",
                       {"paused_at": at, "resume_state": from_state, "fee_amount": proc.fee}))
            resume_at = cal.next_working_moment(at + timedelta(hours=rng.uniform(1, 72)))
            action, by = "pay_fee", counter
            extra = {"fee_paid_at": resume_at, "payment_provider": "counter",
                     "payment_reference": f"BL{resume_at:%y}-{rng.randrange(100000):05d}"}
        waited = cal.working_time_between(at, resume_at)
        current["due"] = cal.add_working_time(current["due"], waited)
        current["step_due"] = cal.add_working_time(current["step_due"], waited)
        tr.append((resume_at, action, from_state, by, "",
                   {"paused_at": None, "resume_state": "", "due_at": current["due"],
                    "step_due_at": current["step_due"], **extra}))
        return resume_at

    for n, k in enumerate(worked):
        step_pk, role, _hours = steps[k]
        portion = portions[n]
        done = timedelta()

        def advance(fraction: float, portion=portion) -> datetime:
            nonlocal cursor, done
            target = portion * fraction
            cursor = _after(cal, cursor, target - done)
            done = max(done, target)
            return cursor

        if n == 0 and state == State.RECEIVED:
            if early_supplement:
                resumed = pause("supplement", advance(0.1), counter, State.RECEIVED)
                if resumed is None:
                    return sim
                cursor = resumed
            tr.append((advance(0.15), "assign", State.ASSIGNED,
                       leader if rng.random() < 0.3 else counter, "",
                       {"assignee_id": assignee}))
            tr.append((advance(0.3), "start", State.PROCESSING, assignee, "", {}))
            state = State.PROCESSING
        actor = (assignee if role == Role.SPECIALIST
                 else agency.actor(rng, role, Role.SPECIALIST, Role.COUNTER_OFFICER))
        if state == State.PROCESSING and role == Role.SPECIALIST:
            if supplement and not early_supplement:
                supplement = False
                resumed = pause("supplement", advance(0.5), actor, State.PROCESSING)
                if resumed is None:
                    return sim
                cursor = resumed
            if fee:
                fee = False
                cursor = pause("fee", advance(0.75), actor, State.PROCESSING)
            if stop_kind == "processing":
                reason = rng.choice(STOP_REASONS)
                tr.append((advance(0.8), "stop", State.STOPPED, leader, reason,
                           {"last_reason": reason}))
                return sim
        if stop_kind == "withdrawal":
            reason = rng.choice(WITHDRAW_REASONS)
            at = advance(0.4)
            tr.append((at, "request_withdrawal", None, None, reason,
                       {"withdrawal_requested": True, "last_reason": reason}))
            approved = _after(cal, at, timedelta(hours=rng.uniform(1, 8)))
            tr.append((approved, "approve_withdrawal", State.WITHDRAWN, leader, "",
                       {"paused_at": None}))
            return sim
        nxt = k + 1
        next_is_leader = nxt < len(steps) and steps[nxt][1] == Role.LEADER
        if role in (Role.SPECIALIST, Role.CLERK) and next_is_leader:
            finish_at = advance(1.0)
            attach_at = max(finish_at - timedelta(minutes=rng.randint(2, 20)),
                            tr[-1][0] + timedelta(seconds=20))
            tr.append((min(attach_at, finish_at), "attach_result", None, assignee or actor, "",
                       {}))  # the specialist attaches the result before the leader signs
        at = advance(1.0)
        if nxt < len(steps):
            new_state = _state_for_step(_StepRole(steps[nxt][1]), is_last=nxt == len(steps) - 1)
            current["step_due"] = cal.add_working_time(
                at, timedelta(hours=steps[nxt][2]))
            fields = {"current_step_id": steps[nxt][0], "step_started_at": at,
                      "step_due_at": current["step_due"]}
        else:
            new_state, fields = State.DONE, {}
        if new_state == State.DONE:
            fields["finished_at"] = at
            if proc.full_online and online:
                fields["result_electronic"] = True
        tr.append((at, "forward", new_state, actor, "", fields))
        state = new_state

    finished = cursor
    sim.late = finished > current["due"]
    if sim.late and rng.random() < SHARE_APOLOGY:
        _apologise(rng, sim, cal, current["due"], received, finished, leader, counter)
    _return(rng, sim, cal, finished, counter, proc, online)
    return sim


@dataclass(frozen=True)
class _StepRole:
    """What services._state_for_step reads of a process step."""
    role: str


def _apologise(rng, sim: _Sim, cal, due: datetime, received: datetime, finished: datetime,
               leader, counter) -> None:
    at = due - timedelta(hours=rng.uniform(1, 20))
    if at <= received:
        at = received + (due - received) * 0.8
    at = min(at, finished - MINUTE)
    due_then = next(f["due_at"] for when, _a, _s, _u, _n, f in reversed(sim.transitions)
                    if "due_at" in f and when <= at)
    lateness = cal.working_time_between(due_then, finished)
    days = max(1, -(-lateness // WORKDAY)) + (1 if rng.random() < 0.3 else 0)
    new_due = cal.add_working_days(due_then, days)
    if new_due <= at:
        new_due = cal.add_working_days(at, 1)
    reason = rng.choice(APOLOGY_REASONS)
    actor = leader if rng.random() < 0.7 or counter is None else counter
    sim.apology = {"reason": reason, "new_due_at": new_due, "previous_due_at": due_then,
                   "at": at, "actor": actor}
    sim.transitions.append((at, "apologise", None, actor, reason, {}))
    sim.transitions.sort(key=lambda t: t[0])


def _return(rng, sim: _Sim, cal, finished: datetime, counter, proc: _Proc, online: bool) -> None:
    if proc.full_online and online:
        returned = _after(cal, finished, timedelta(minutes=rng.uniform(2, 120)))
    else:
        pickup = finished + timedelta(hours=rng.uniform(2, 24 * 5))
        returned = _after(cal, cal.next_working_moment(pickup), timedelta(minutes=rng.uniform(0, 180)))
    sim.transitions.append((returned, "return_result", State.RETURNED, counter, "",
                            {"returned_at": returned}))
    if rng.random() < SHARE_RATED:
        satisfied = rng.random() < SHARE_SATISFIED
        comment = ""
        if rng.random() < 0.3:
            comment = rng.choice(RATING_COMMENTS_GOOD if satisfied else RATING_COMMENTS_BAD)
        sim.rating = {"satisfied": satisfied, "comment": comment,
                      "created_at": returned + timedelta(minutes=rng.uniform(5, 60 * 48))}
    if rng.random() < (SHARE_COMPLAINT_LATE if sim.late else SHARE_COMPLAINT_OTHER):
        filed = returned + timedelta(hours=rng.uniform(1, 96))
        due = cal.add_working_days(cal.next_working_moment(filed), settings.COMPLAINT_ANSWER_DAYS)
        chance = rng.random()
        if chance < 0.85:
            answered = filed + (due - filed) * rng.uniform(0.1, 0.9)
        elif chance < 0.95:
            answered = cal.add_working_days(due, rng.randint(1, 5))
        else:
            answered = None
        satisfied = rng.choice([True, True, True, True, False, None])
        sim.complaint = {"text": rng.choice(COMPLAINT_TEXTS), "filed_at": filed, "due_at": due,
                         "answer": rng.choice(COMPLAINT_ANSWERS), "answered_at": answered,
                         "answered_by": sim.plan.agency.actor(rng, Role.LEADER),
                         "satisfied": satisfied}


_WARD_NAMES = [name for _code, name, _type, _groups in city.WARDS]
_GROUPS = {code: groups for code, _name, _type, groups in city.WARDS}


# --- setup ------------------------------------------------------------------------------------

def _months_before(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, _monthcal.monthrange(year, month)[1]))


def _agencies(first_day: date, last_day: date) -> dict[str, list[_Agency]]:
    """The People's Committees receiving dossiers: of the wards (unit level 3) and of the
    city (unit level 2), with their calendars and staff."""
    found = list(Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE, is_active=True,
                                       unit__level__in=[UnitLevel.DISTRICT, UnitLevel.WARD])
                 .select_related("unit").order_by("code"))
    staff: dict[int, dict[str, list[int]]] = {}
    for unit_id, role, user_id in (RoleAssignment.objects
                                   .filter(unit__in={a.unit_id for a in found},
                                           official__user__is_active=True)
                                   .order_by("official__user__username")
                                   .values_list("unit_id", "role", "official__user_id")):
        staff.setdefault(unit_id, {}).setdefault(role, []).append(user_id)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    result: dict[str, list[_Agency]] = {CompetentLevel.CITY: [], CompetentLevel.WARD: []}
    for agency in found:
        cal = calendar_for(agency)
        office, anytime = [], []
        for i, day in enumerate(days):
            trend = (0.8 + 0.4 * i / max(len(days) - 1, 1)) * MONTH_FACTOR[day.month]
            open_day = cal.is_working_day(day)
            office.append(trend * WEEKDAY_FACTOR[day.weekday()] if open_day else 0.0)
            anytime.append(office[-1] if open_day else trend * CLOSED_DAY_FACTOR)
        level = CompetentLevel.WARD if agency.unit.level == UnitLevel.WARD else CompetentLevel.CITY
        result[level].append(_Agency(
            obj=agency, calendar=cal, staff=staff.get(agency.unit_id, {}),
            place=agency.unit.name if level == CompetentLevel.WARD else "",
            office_days=(days, _cumulative(office)), any_days=(days, _cumulative(anytime))))
    # the city's staff (whose roles cover the wards) stand in for a role a ward lacks
    for a in result[CompetentLevel.WARD]:
        for role, users in staff.get(a.obj.unit.parent_id, {}).items():
            a.staff.setdefault(role, users)
    return result


def _cumulative(weights: list[float]) -> list[float]:
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return cum


def _procedures() -> list[_Proc]:
    found = []
    for procedure in (Procedure.objects.filter(is_published=True)
                      .exclude(service_level=ServiceLevel.INFORMATION)
                      .prefetch_related("steps").order_by("code")):
        steps = [(s.pk, s.role, float(s.hours)) for s in procedure.steps.all()]
        if not steps:
            continue
        keys = [str(spec["key"]) for spec in procedure.form]
        found.append(_Proc(
            obj=procedure, steps=steps, form=list(procedure.form), keys=keys,
            applicant_prefix=applicant_prefix(keys),
            foreign_prefixes=[k[: -len("_nationality")] for k in keys if k.endswith("_nationality")],
            full_online=procedure.service_level == ServiceLevel.FULL_ONLINE,
            fee=procedure.total_fee))
    return found


def _moment(rng: random.Random, agency: _Agency, channel: str) -> datetime:
    cal = agency.calendar
    days, cum = agency.office_days if channel != Channel.ONLINE else agency.any_days
    day = days[min(bisect(cum, rng.random() * cum[-1]), len(days) - 1)]
    periods = cal.periods_on(day)
    if periods and (channel != Channel.ONLINE or rng.random() < 0.82):
        length = sum((end - begin for begin, end in periods), timedelta())
        offset = length * rng.random()
        for begin, end in periods:
            if offset < end - begin:
                return begin + offset
            offset -= end - begin
        return periods[-1][1] - MINUTE
    if periods and rng.random() < 0.8:   # an evening after work
        return _local(day, time(18)) + timedelta(minutes=rng.uniform(0, 300))
    if periods:                          # early morning
        return _local(day, time(5, 30)) + timedelta(minutes=rng.uniform(0, 115))
    return _local(day, time(7)) + timedelta(minutes=rng.uniform(0, 930))


def _plans(rng: random.Random, count: int, procedures: list[_Proc],
           agencies: dict[str, list[_Agency]], horizon: datetime) -> list[_Plan]:
    usable = [p for p in procedures if agencies[p.obj.level]]
    if not usable:
        raise GenerationError(
            "No procedure can be submitted: load the procedures and the People's Committees "
            "of the wards and the city first (load_demo).")
    proc_pick = _weighted([(p, PROCEDURE_WEIGHTS.get(p.obj.code, 1)) for p in usable])
    agency_pick = {
        level: _weighted([(a, _GROUPS.get(a.obj.unit.code, 10)) for a in found])
        for level, found in agencies.items() if found}
    day_start = datetime.combine(horizon.astimezone(VIETNAM_TZ).date(), time(), VIETNAM_TZ)
    plans = []
    for index in range(count):
        procedure = _pick(rng, proc_pick)
        agency = _pick(rng, agency_pick[procedure.obj.level])
        draw = rng.random()
        channel = (Channel.COUNTER if draw < SHARE_COUNTER
                   else Channel.POST if draw < SHARE_COUNTER + SHARE_POST else Channel.ONLINE)
        moment = _moment(rng, agency, channel)
        if moment > horizon:  # the last day is today: squeeze its times into the hours gone
            moment = day_start + (moment - day_start) * ((horizon - day_start) / timedelta(days=1))
        plans.append(_Plan(submitted_at=moment.astimezone(UTC), index=index, procedure=procedure,
                           agency=agency, channel=channel))
    plans.sort(key=lambda p: (p.submitted_at, p.index))
    return plans


def _apology_pdf() -> str:
    """One shared letter for every generated apology (demo data: no per-dossier PDF)."""
    from chinhquyenso.dossiers.letters import render_apology_letter

    name = "letters/demo/phieu-xin-loi-mau.pdf"
    if default_storage.exists(name):
        return name
    moment = timezone.now()
    pdf = render_apology_letter(
        agency_name="Ủy ban nhân dân thành phố Vĩnh Yên", place="Thành phố Vĩnh Yên",
        issued_at=moment, dossier_code="(dữ liệu mẫu)", applicant_name="(người nộp hồ sơ)",
        procedure_name="(thủ tục hành chính)", received_at=moment, due_at=moment,
        new_due_at=moment + timedelta(days=2), reason="Dữ liệu mẫu của hệ thống.",
        signer_name="(lãnh đạo cơ quan)", signer_title="Chủ tịch")
    return default_storage.save(name, ContentFile(pdf))


# --- the result ---------------------------------------------------------------------------------

@dataclass
class GenerationResult:
    count: int = 0
    events: int = 0
    states: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    levels: Counter = field(default_factory=Counter)
    assisted_online: int = 0
    finished: int = 0
    finished_late: int = 0
    finished_early: int = 0
    open_overdue: int = 0
    supplemented: int = 0
    apologies: int = 0
    late_total: int = 0
    ratings: int = 0
    satisfied: int = 0
    complaints: int = 0
    complaints_on_time: int = 0
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0

    def share(self, part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "–"

    def as_dict(self) -> dict:
        return {"dossiers": self.count, "events": self.events, "states": dict(self.states),
                "channels": dict(self.channels), "levels": dict(self.levels),
                "assisted_online": self.assisted_online, "finished": self.finished,
                "finished_late": self.finished_late, "open_overdue": self.open_overdue,
                "supplement_requested": self.supplemented, "apologies": self.apologies,
                "ratings": self.ratings, "satisfied": self.satisfied,
                "complaints": self.complaints, "first_day": self.first_day,
                "last_day": self.last_day}

    def summary(self) -> str:
        n, s = self.count, self.states
        online = self.channels[Channel.ONLINE]
        open_count = sum(v for k, v in s.items() if k in OPEN_STATES)
        return (
            f"{n} hồ sơ ({self.first_day:%d/%m/%Y}–{self.last_day:%d/%m/%Y}, {self.events} sự kiện, "
            f"{self.seconds:.1f} s): trực tuyến {self.share(online, n)} "
            f"(được hỗ trợ {self.share(self.assisted_online, online)}), "
            f"cấp xã {self.share(self.levels[CompetentLevel.WARD], n)}; "
            f"đã trả kết quả {self.share(s[State.RETURNED], n)}, "
            f"đúng hạn/trước hạn {self.share(self.finished - self.finished_late, self.finished)} "
            f"(trước hạn {self.share(self.finished_early, self.finished)}, "
            f"trễ hạn {self.share(self.finished_late, self.finished)}) của {self.finished} đã xong; "
            f"từ chối {self.share(s[State.REFUSED], n)}, rút {self.share(s[State.WITHDRAWN], n)}, "
            f"dừng {self.share(s[State.STOPPED], n)}; đang giải quyết {open_count} "
            f"({self.open_overdue} quá hạn); yêu cầu bổ sung {self.share(self.supplemented, n)}; "
            f"phiếu xin lỗi {self.apologies} ({self.share(self.apologies, self.late_total)} hồ sơ trễ); "
            f"đánh giá {self.share(self.ratings, s[State.RETURNED])} hồ sơ đã trả "
            f"(hài lòng {self.share(self.satisfied, self.ratings)}); "
            f"phản ánh {self.complaints} (trả lời đúng hạn {self.complaints_on_time}).")


def text_progress_bar(out, width: int = 30) -> Progress:
    """A progress callback drawing `[#####.....]  45% 9000/20000` on `out` (a command's
    stdout), redrawn in place after each batch and ended with a new line."""

    def show(done: int, total: int) -> None:
        filled = width * done // total
        out.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {100 * done // total:3d}% "
                  f"{done}/{total}", ending="\n" if done >= total else "")
        out.flush()

    return show


# --- writing ------------------------------------------------------------------------------------

def _apply(sim: _Sim, horizon: datetime) -> tuple[dict, list[tuple]]:
    """The dossier's fields and its events up to the horizon."""
    fields = {"state": State.SUBMITTED}
    events = []
    for at, action, to_state, actor, note, updates in sim.transitions:
        if at > horizon:
            break
        from_state = fields["state"] if action != "submit" else ""
        fields.update(updates)
        if to_state is not None:
            fields["state"] = to_state
        events.append((at, actor, action, from_state, fields["state"], note))
    return fields, events


def generate(*, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED,
             months: int = DEFAULT_MONTHS, end: date | None = None,
             progress: Progress | None = None, batch_size: int = BATCH_SIZE,
             now: datetime | None = None) -> GenerationResult:
    """Generate `count` dossiers submitted over `months` months up to `end` (today by
    default) and write them in bulk, with their events, apology letters, ratings and
    complaints; move the code counters past the numbers used; record one audit entry."""
    import time as _time

    if count <= 0:
        raise GenerationError("The number of dossiers must be positive.")
    if months <= 0:
        raise GenerationError("The number of months must be positive.")
    started = _time.monotonic()
    now = now or timezone.now()
    today = now.astimezone(VIETNAM_TZ).date()
    end = end or today
    if end > today:
        raise GenerationError("The period cannot end in the future.")
    horizon = now if end == today else _local(end, time(23, 59, 59))
    first_day = _months_before(end, months) + timedelta(days=1)

    rng = random.Random(seed)
    agencies = _agencies(first_day, end)
    plans = _plans(rng, count, _procedures(), agencies, horizon)
    result = GenerationResult(first_day=first_day, last_day=end)

    with transaction.atomic():
        counters = dict(DossierCounter.objects.select_for_update().values_list("key", "value"))
        used: dict[str, int] = {}
        pdf_name = None
        for begin in range(0, len(plans), batch_size):
            batch = plans[begin:begin + batch_size]
            sims = [_simulate(rng, plan) for plan in batch]
            dossiers, all_events = [], []
            for sim in sims:
                plan = sim.plan
                agency, procedure = plan.agency.obj, plan.procedure.obj
                key = counter_key(agency=agency, procedure=procedure, moment=plan.submitted_at)
                seq = used.get(key, counters.get(key, 0)) + 1
                used[key] = seq
                fields, events = _apply(sim, horizon)
                online = plan.channel == Channel.ONLINE
                dossiers.append(Dossier(
                    code=format_code(procedure.dossier_code_pattern, agency_code=agency.code,
                                     procedure_code=procedure.code, moment=plan.submitted_at,
                                     seq=seq),
                    procedure_id=procedure.pk, agency_id=agency.pk, channel=plan.channel,
                    applicant_name=sim.applicant.name, applicant_id_number=sim.applicant.id_number,
                    applicant_phone=sim.phone, applicant_email=sim.email,
                    applicant_address=sim.address, answers=sim.answers,
                    assisted_by_id=sim.assisted_by, assistance_consent=sim.consent,
                    submitted_at=plan.submitted_at, uses_population_data=sim.population,
                    components_digitised=online, components_reused=sim.reused,
                    eid_level=_eid_level(sim, online), **fields))
                all_events.append(events)
                _count(result, sim, fields, events, horizon)
            Dossier.objects.bulk_create(dossiers)
            rows, letters, ratings, complaints = [], [], [], []
            for dossier, sim, events in zip(dossiers, sims, all_events, strict=True):
                rows.extend(DossierEvent(dossier_id=dossier.pk, at=at, actor_id=actor,
                                         action=action, from_state=from_state,
                                         to_state=to_state, note=note)
                            for at, actor, action, from_state, to_state, note in events)
                if sim.apology and sim.apology["at"] <= horizon and sim.apology["actor"]:
                    pdf_name = pdf_name or _apology_pdf()
                    letters.append((ApologyLetter(
                        dossier_id=dossier.pk, reason=sim.apology["reason"],
                        new_due_at=sim.apology["new_due_at"],
                        previous_due_at=sim.apology["previous_due_at"], pdf=pdf_name,
                        created_by_id=sim.apology["actor"]), sim.apology["at"]))
                if sim.rating and dossier.state == State.RETURNED \
                        and sim.rating["created_at"] <= horizon:
                    ratings.append(Rating(dossier_id=dossier.pk, satisfied=sim.rating["satisfied"],
                                          comment=sim.rating["comment"],
                                          created_at=sim.rating["created_at"]))
                    result.ratings += 1
                    result.satisfied += sim.rating["satisfied"]
                c = sim.complaint
                if c and dossier.state == State.RETURNED and c["filed_at"] <= horizon:
                    answered = c["answered_at"] if c["answered_at"] and c["answered_at"] <= horizon \
                        else None
                    complaints.append(Complaint(
                        dossier_id=dossier.pk, text=c["text"], filed_at=c["filed_at"],
                        due_at=c["due_at"], answer=c["answer"] if answered else "",
                        answered_at=answered,
                        answered_by_id=c["answered_by"] if answered else None,
                        complainant_satisfied=c["satisfied"] if answered else None))
                    result.complaints += 1
                    result.complaints_on_time += bool(answered and answered <= c["due_at"])
            DossierEvent.objects.bulk_create(rows, batch_size=2000)
            if letters:
                created = ApologyLetter.objects.bulk_create([letter for letter, _at in letters])
                for letter, (_letter, at) in zip(created, letters, strict=True):
                    letter.created_at = at   # auto_now_add set it to now on insert
                ApologyLetter.objects.bulk_update(created, ["created_at"], batch_size=500)
                result.apologies += len(created)
            Rating.objects.bulk_create(ratings)
            Complaint.objects.bulk_create(complaints)
            result.events += len(rows)
            if progress:
                progress(begin + len(batch), len(plans))

        # Later submissions take the next numbers (take_number adds one to the value).
        for key, value in used.items():
            if key in counters:
                DossierCounter.objects.filter(key=key, value__lt=value).update(value=value)
        DossierCounter.objects.bulk_create(
            [DossierCounter(key=k, value=v) for k, v in used.items() if k not in counters],
            batch_size=500)
        result.seconds = _time.monotonic() - started
        record_audit(action="demo.dossiers_generated", object_type="dossiers.dossier",
                     after={"seed": seed, "months": months, "end": end,
                            **result.as_dict()})
        # Written in bulk, past the services that keep the indicators' counts current.
        from chinhquyenso.indicators.aggregates import rebuild_aggregates

        rebuild_aggregates()
    result.seconds = _time.monotonic() - started
    return result


def _count(result: GenerationResult, sim: _Sim, fields: dict, events: list, horizon) -> None:
    plan = sim.plan
    state = fields["state"]
    result.count += 1
    result.states[state] += 1
    result.channels[plan.channel] += 1
    result.levels[plan.procedure.obj.level] += 1
    result.assisted_online += plan.channel == Channel.ONLINE and sim.assisted_by is not None
    result.supplemented += any(e[2] == "request_supplement" for e in events)
    if state in (State.DONE, State.RETURNED):
        result.finished += 1
        if fields["finished_at"] > fields["due_at"]:
            result.finished_late += 1
            result.late_total += 1
        else:
            tz = plan.agency.calendar.tz
            result.finished_early += (fields["finished_at"].astimezone(tz).date()
                                      < fields["due_at"].astimezone(tz).date())
    elif (state in OPEN_STATES and state != State.SUBMITTED
          and fields.get("paused_at") is None and fields["due_at"] < horizon):
        result.open_overdue += 1
        result.late_total += 1
