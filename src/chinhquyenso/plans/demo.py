"""The demo city's two plans named in the seed article, as demo content (``is_demo``):

- the scheme to complete e-government towards digital government, 2021–2025, with its
  12 goals and 17 tasks;
- the digital transformation plan (digital government, digital economy, digital
  society) to 2025 with an outlook to 2030, adopted in early October 2022.

The wording is realistic; decision numbers, dates, progress and notes are invented.
Lead and co-operating units are the demo city's agencies (demo.city); each task's
history is written by an official of its lead unit who reports on plans (or else the
city's chairman). With fixed dates, by late 2026 some tasks are done (some after their
deadline), some in progress, some late, one cancelled, some not started.

    generate(*, today=None) -> dict     counts; refuses to run twice

Rows are written with bulk_create in one transaction with one audit entry per plan: it
is part of the demo's first run, which must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from chinhquyenso.core.services import record_audit
from chinhquyenso.demo import city as demo_city
from chinhquyenso.indicators.models import Indicator
from chinhquyenso.org.models import Agency, AgencyKind, Official, UnitLevel
from chinhquyenso.org.permissions import ACTION_ROLES

from .models import Goal, GoalIndicator, Plan, ProgressNote, Task, TaskStatus

D = date
NOT_STARTED, IN_PROGRESS, DONE, CANCELLED = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS,
                                            TaskStatus.DONE, TaskStatus.CANCELLED)
WARDS = tuple(f"ward:{code}" for code, *_rest in demo_city.WARDS)


class DemoPlansError(ValueError):
    """The demo city's agencies are missing, or its plans already exist."""


@dataclass
class T:
    """A task of a demo plan. `notes`: (day, percent or None, text); `closing`: the note
    of the last status change (done, or cancelled on `cancelled_on`)."""

    goal: int | None
    name: str
    lead: str
    co: tuple[str, ...] = ()
    start: date | None = None
    deadline: date | None = None
    status: str = NOT_STARTED
    done_on: date | None = None
    notes: list[tuple[date, int | None, str]] = field(default_factory=list)
    indicators: tuple[str, ...] = ()
    closing: str = ""
    cancelled_on: date | None = None


SCHEME = {
    "code": "de-an-cqdt-2021-2025",
    "name": ("Đề án hoàn thiện chính quyền điện tử, hướng đến chính quyền số thành phố Vĩnh Yên "
             "giai đoạn 2021-2025"),
    "decision_number": "1586/QĐ-UBND", "decision_date": D(2021, 6, 28),
    "start_year": 2021, "end_year": 2025, "outlook_year": None,
    "description": ("Nội dung minh họa (dữ liệu mẫu): số, ngày quyết định, tiến độ và ghi nhận "
                    "được đặt ra cho bản trình diễn. Đề án đề ra 12 mục tiêu, 17 nhiệm vụ cụ thể "
                    "nhằm hoàn thiện chính quyền điện tử, tạo nền tảng chuyển đổi số của thành phố."),
    "goals": [
        ("100% văn bản đi, đến giữa các cơ quan hành chính nhà nước của thành phố (trừ văn bản mật) "
         "được gửi, nhận dưới dạng điện tử, có chữ ký số", "100% từ năm 2022", []),
        ("100% cán bộ, công chức, viên chức được trang bị máy tính và sử dụng thành thạo các phần mềm "
         "dùng chung", "100% năm 2023", [("can-bo-co-may-tinh", 100)]),
        ("100% thủ tục hành chính đủ điều kiện được cung cấp dưới hình thức dịch vụ công trực tuyến "
         "toàn trình", "100% năm 2024", []),
        ("Tỷ lệ hồ sơ thủ tục hành chính được tiếp nhận và giải quyết trực tuyến đạt trên 80%",
         "trên 80% năm 2025", [("ho-so-truc-tuyen", 80)]),
        ("Trên 95% hồ sơ thủ tục hành chính được giải quyết trước và đúng hạn", "trên 95%",
         [("ho-so-dung-han", 95)]),
        ("Ít nhất 80% kết quả giải quyết thủ tục hành chính được cấp dưới dạng điện tử",
         "80% năm 2025", [("ho-so-ket-qua-dien-tu", 80)]),
        ("Mức độ hài lòng của người dân, doanh nghiệp về giải quyết thủ tục hành chính đạt trên 90%",
         "trên 90%", [("hai-long", 90)]),
        ("100% phòng, ban và UBND xã, phường có mạng LAN, kết nối mạng truyền số liệu chuyên dùng và "
         "Internet tốc độ cao", "100% năm 2022", []),
        ("80% hộ gia đình có kết nối Internet băng rộng cáp quang", "80% năm 2025",
         [("thue-bao-bang-rong", 80)]),
        ("90% hồ sơ công việc cấp thành phố và 60% hồ sơ công việc cấp xã được xử lý trên môi trường "
         "mạng (trừ hồ sơ mật)", "90% / 60% năm 2025", []),
        ("100% hệ thống thông tin được phân loại và bảo đảm an toàn thông tin theo cấp độ; không để "
         "xảy ra sự cố mất an toàn thông tin nghiêm trọng", "100%", []),
        ("100% cán bộ, công chức, viên chức được bồi dưỡng kỹ năng số; mỗi cơ quan, đơn vị có ít nhất "
         "01 cán bộ phụ trách công nghệ thông tin", "100% năm 2025", []),
    ],
    "tasks": [
        T(None, "Kiện toàn Ban Chỉ đạo xây dựng chính quyền điện tử, chuyển đổi số thành phố; ban hành "
          "quy chế hoạt động và phân công nhiệm vụ các thành viên", "city:VP", ("city:VHTT",),
          D(2021, 7, 1), D(2021, 9, 30), DONE, D(2021, 9, 15),
          [(D(2021, 8, 20), 60, "Đã trình dự thảo quyết định kiện toàn Ban Chỉ đạo và quy chế hoạt động.")],
          closing="Quyết định kiện toàn Ban Chỉ đạo và quy chế hoạt động đã được ban hành."),
        T(1, "Triển khai phần mềm quản lý văn bản và điều hành liên thông đến 100% phòng, ban chuyên môn "
          "và UBND các xã, phường", "city:VP", ("city:VHTT", *WARDS),
          D(2021, 7, 1), D(2021, 12, 31), DONE, D(2021, 12, 20),
          [(D(2021, 10, 15), 70, "Đã triển khai tại 8/8 phòng, ban và 6/9 xã, phường."),],
          closing="Hoàn thành triển khai tại 100% phòng, ban và 9/9 xã, phường."),
        T(1, "Cấp chứng thư số chuyên dùng và triển khai ký số văn bản điện tử cho lãnh đạo, văn thư "
          "các cơ quan, đơn vị", "city:VHTT", ("city:VP",),
          D(2021, 10, 1), D(2022, 6, 30), DONE, D(2022, 5, 27),
          [(D(2022, 2, 10), 50, "Đã cấp 64 chứng thư số cho lãnh đạo và văn thư cấp thành phố.")],
          closing="100% lãnh đạo và văn thư các cơ quan, đơn vị đã được cấp chứng thư số và ký số văn bản."),
        T(2, "Rà soát, đầu tư bổ sung máy tính cho cán bộ, công chức cấp xã còn thiếu hoặc đã hết "
          "khấu hao", "city:TCKH", ("city:VHTT", *WARDS),
          D(2022, 1, 1), D(2023, 12, 31), DONE, D(2023, 11, 30),
          [(D(2022, 12, 20), 55, "Đã mua sắm bổ sung 72 máy tính cho UBND các xã, phường.")],
          indicators=("can-bo-co-may-tinh",),
          closing="100% cán bộ, công chức được trang bị máy tính đáp ứng yêu cầu công việc."),
        T(3, "Rà soát, tái cấu trúc quy trình và cung cấp dịch vụ công trực tuyến toàn trình đối với "
          "các thủ tục hành chính đủ điều kiện", "city:VP",
          ("city:TP", "city:TNMT", "city:QLDT", "city:LDTBXH", "city:MC"),
          D(2022, 1, 1), D(2024, 12, 31), DONE, D(2024, 12, 25),
          [(D(2023, 6, 30), 60, "Đã tái cấu trúc quy trình 148 thủ tục hành chính."),
           (D(2024, 9, 30), 90, "Còn 12 thủ tục lĩnh vực đất đai chờ tỉnh hoàn thiện quy trình điện tử.")],
          indicators=("ho-so-truc-tuyen",),
          closing="100% thủ tục đủ điều kiện đã được cung cấp trực tuyến toàn trình."),
        T(4, "Xây dựng mô hình hướng dẫn, hỗ trợ người dân thực hiện dịch vụ công trực tuyến tại "
          "9/9 xã, phường", "city:MC", WARDS,
          D(2022, 3, 1), D(2023, 6, 30), DONE, D(2023, 6, 20),
          [(D(2022, 12, 15), 50, "5/9 xã, phường đã bố trí điểm hỗ trợ và đoàn viên thanh niên hướng dẫn.")],
          indicators=("ho-so-truc-tuyen", "hoat-dong-cong-dong"),
          closing="9/9 xã, phường đã xây dựng thành công mô hình; tỷ lệ hồ sơ trực tuyến trên 98%."),
        T(6, "Số hóa hồ sơ, giấy tờ, kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa thành phố "
          "và cấp xã", "city:MC", ("city:TP", *WARDS),
          D(2022, 7, 1), D(2025, 6, 30), IN_PROGRESS, None,
          [(D(2023, 12, 29), 45, "Đã số hóa kết quả giải quyết của các thủ tục hộ tịch, chứng thực."),
           (D(2025, 5, 30), 78, "Còn tồn hồ sơ đất đai giai đoạn trước 2020 chưa số hóa."),
           (D(2025, 10, 15), 85, "Đã đề nghị bổ sung kinh phí thuê dịch vụ số hóa hồ sơ tồn đọng.")],
          indicators=("ho-so-ket-qua-dien-tu",)),
        T(4, "Triển khai thanh toán trực tuyến phí, lệ phí trong giải quyết thủ tục hành chính",
          "city:TCKH", ("city:MC",),
          D(2023, 1, 1), D(2024, 6, 30), DONE, D(2024, 9, 10),
          [(D(2024, 3, 15), 60, "Đã kết nối thanh toán với 3 ngân hàng; đang thử nghiệm đối soát."),
           (D(2024, 7, 5), 85, "Chậm do chờ nâng cấp nền tảng thanh toán của tỉnh.")],
          closing="Đã áp dụng thanh toán trực tuyến đối với 100% thủ tục có phí, lệ phí."),
        T(7, "Khảo sát, đánh giá mức độ hài lòng của người dân, doanh nghiệp đối với dịch vụ hành chính "
          "công hằng năm", "city:VP", ("city:MC", *WARDS),
          D(2021, 10, 1), None, IN_PROGRESS, None,
          [(D(2024, 12, 20), None, "Kết quả khảo sát năm 2024: 94,2% người dân hài lòng."),
           (D(2025, 12, 19), None, "Kết quả khảo sát năm 2025: 95,6% người dân hài lòng.")],
          indicators=("hai-long",)),
        T(8, "Nâng cấp mạng LAN, kết nối mạng truyền số liệu chuyên dùng cấp II đến 100% UBND xã, phường",
          "city:VHTT", WARDS,
          D(2021, 9, 1), D(2022, 12, 31), DONE, D(2022, 12, 15),
          [(D(2022, 6, 30), 60, "Đã kết nối mạng truyền số liệu chuyên dùng tại 6/9 xã, phường.")],
          closing="9/9 xã, phường đã kết nối mạng truyền số liệu chuyên dùng."),
        T(9, "Phối hợp các doanh nghiệp viễn thông phát triển hạ tầng cáp quang đến các thôn, tổ dân phố",
          "city:VHTT", ("city:QLDT", *WARDS),
          D(2021, 7, 1), D(2025, 12, 31), IN_PROGRESS, None,
          [(D(2023, 12, 15), 70, "5 doanh nghiệp cung cấp Internet băng rộng cố định; khoảng 80% hộ kết nối."),
           (D(2025, 9, 30), 90, "Ước 86% người dân được kết nối; còn một số khu dân cư mới chưa có hạ tầng.")],
          indicators=("thue-bao-bang-rong",)),
        T(10, "Xây dựng cơ sở dữ liệu đất đai thành phố, kết nối với cơ sở dữ liệu đất đai của tỉnh",
          "city:TNMT", ("city:VHTT", *WARDS),
          D(2022, 1, 1), D(2025, 6, 30), IN_PROGRESS, None,
          [(D(2023, 12, 20), 35, "Hoàn thành đo đạc, chỉnh lý bản đồ địa chính 4/9 xã, phường."),
           (D(2025, 8, 15), 60, "Chậm do điều chỉnh phạm vi sau sắp xếp đơn vị hành chính.")]),
        T(10, "Số hóa sổ hộ tịch, xây dựng cơ sở dữ liệu hộ tịch điện tử của thành phố", "city:TP", WARDS,
          D(2022, 1, 1), D(2024, 12, 31), DONE, D(2025, 3, 31),
          [(D(2023, 6, 30), 50, "Đã số hóa dữ liệu đăng ký khai sinh từ năm 2000."),
           (D(2024, 12, 30), 90, "Còn sổ đăng ký kết hôn giai đoạn 1990–1999 đang nhập liệu.")],
          closing="Hoàn thành số hóa; dữ liệu đã đồng bộ với cơ sở dữ liệu hộ tịch điện tử toàn quốc."),
        T(10, "Triển khai hệ thống thông tin báo cáo của thành phố, kết nối với hệ thống báo cáo của tỉnh",
          "city:VP", ("city:TCKH",),
          D(2022, 6, 1), D(2023, 12, 31), DONE, D(2023, 10, 16),
          [(D(2023, 5, 12), 60, "Đã số hóa 42 chế độ báo cáo định kỳ.")],
          closing="Hệ thống báo cáo đã kết nối, chia sẻ dữ liệu với hệ thống báo cáo của tỉnh."),
        T(11, "Triển khai giải pháp bảo đảm an toàn thông tin theo mô hình 4 lớp; phê duyệt hồ sơ đề xuất "
          "cấp độ an toàn hệ thống thông tin", "city:VHTT", ("city:VP",),
          D(2023, 1, 1), D(2025, 9, 30), IN_PROGRESS, None,
          [(D(2024, 6, 28), 40, "Đã ký hợp đồng giám sát an toàn thông tin với doanh nghiệp."),
           (D(2025, 9, 26), 70, "Hồ sơ đề xuất cấp độ của 2 hệ thống đang chờ thẩm định.")]),
        T(12, "Tổ chức bồi dưỡng kỹ năng số, an toàn thông tin cho cán bộ, công chức, viên chức và thành viên "
          "tổ công nghệ số cộng đồng", "city:VP", ("city:VHTT", *WARDS),
          D(2021, 9, 1), None, IN_PROGRESS, None,
          [(D(2024, 11, 20), None, "Năm 2024 đã tổ chức 6 lớp cho 420 lượt cán bộ, công chức."),
           (D(2025, 11, 18), None, "Năm 2025 đã tổ chức 8 lớp, trong đó 5 lớp cho tổ công nghệ số cộng đồng.")]),
        T(8, "Xây dựng Trung tâm giám sát, điều hành đô thị thông minh (IOC) của thành phố",
          "city:VHTT", ("city:QLDT", "city:TCKH"),
          D(2024, 1, 1), D(2025, 12, 31), CANCELLED, None,
          [(D(2024, 10, 10), 10, "Đã xây dựng đề cương, dự toán; chờ bố trí vốn.")],
          closing="Dừng thực hiện do sắp xếp đơn vị hành chính; nội dung chuyển về nền tảng IOC cấp tỉnh.",
          cancelled_on=D(2025, 6, 20)),
    ],
}

PLAN_2030 = {
    "code": "ke-hoach-cds-2025-2030",
    "name": ("Kế hoạch chuyển đổi số, phát triển chính quyền số, kinh tế số, xã hội số thành phố "
             "Vĩnh Yên đến năm 2025, định hướng đến năm 2030"),
    "decision_number": "214/KH-UBND", "decision_date": D(2022, 10, 5),
    "start_year": 2022, "end_year": 2025, "outlook_year": 2030,
    "description": ("Nội dung minh họa (dữ liệu mẫu): số, ngày văn bản, tiến độ và ghi nhận được đặt "
                    "ra cho bản trình diễn. Kế hoạch triển khai chuyển đổi số trên ba trụ cột chính "
                    "quyền số, kinh tế số và xã hội số."),
    "goals": [
        ("Chính quyền số: 100% dịch vụ công đủ điều kiện được cung cấp trực tuyến toàn trình; tỷ lệ hồ "
         "sơ trực tuyến toàn trình đạt tối thiểu 80%", "≥ 80% năm 2025", [("ho-so-truc-tuyen", 80)]),
        ("Chính quyền số: 100% thủ tục hành chính đủ điều kiện sử dụng dữ liệu dân cư, định danh và xác "
         "thực điện tử (Đề án 06)", "100% năm 2025", [("ho-so-dung-du-lieu-dan-cu", 100)]),
        ("Chính quyền số: 90% hồ sơ công việc cấp thành phố, 70% cấp xã được xử lý trên môi trường mạng",
         "90% / 70% năm 2025", []),
        ("Kinh tế số: tỷ trọng kinh tế số đạt 20% GRDP năm 2025 và 30% năm 2030",
         "20% năm 2025; 30% năm 2030", []),
        ("Kinh tế số: 50% doanh nghiệp nhỏ và vừa, hộ kinh doanh sử dụng nền tảng số; thanh toán không "
         "dùng tiền mặt tại 100% chợ, trường học, cơ sở y tế", "50% năm 2025; 100% năm 2030", []),
        ("Xã hội số: 80% hộ gia đình có Internet cáp quang; 100% thôn, tổ dân phố được phủ sóng băng "
         "rộng di động 4G/5G", "80% năm 2025; 100% năm 2030", [("thue-bao-bang-rong", 80)]),
        ("Xã hội số: 80% người trưởng thành có điện thoại thông minh, tài khoản thanh toán và sổ sức khỏe "
         "điện tử", "80% năm 2025", []),
        ("Xã hội số: 100% thôn, tổ dân phố có tổ công nghệ số cộng đồng; trên 70% người trong độ tuổi "
         "lao động được phổ cập kỹ năng số cơ bản", "100% năm 2023; 70% năm 2025",
         [("hoat-dong-cong-dong", None)]),
        ("Định hướng đến năm 2030: hoàn thành chuyển đổi số toàn diện, dữ liệu trở thành tài nguyên, "
         "hình thành đô thị thông minh", "năm 2030", []),
    ],
    "tasks": [
        T(8, "Thành lập và duy trì hoạt động tổ công nghệ số cộng đồng tại 100% thôn, tổ dân phố",
          "city:VHTT", WARDS, D(2022, 10, 15), D(2023, 6, 30), DONE, D(2023, 5, 31),
          [(D(2023, 1, 31), 60, "Đã thành lập 68/111 tổ công nghệ số cộng đồng.")],
          indicators=("hoat-dong-cong-dong",),
          closing="111/111 thôn, tổ dân phố đã có tổ công nghệ số cộng đồng với hơn 1.100 thành viên."),
        T(1, "Tích hợp, cung cấp dịch vụ công trực tuyến toàn trình trên Cổng Dịch vụ công quốc gia; "
          "nâng tỷ lệ hồ sơ trực tuyến toàn trình", "city:MC", ("city:VP", *WARDS),
          D(2022, 11, 1), D(2025, 12, 31), IN_PROGRESS, None,
          [(D(2024, 6, 30), 70, "Tỷ lệ hồ sơ tiếp nhận trực tuyến đạt 96%, toàn trình đạt 52%."),
           (D(2025, 11, 28), 90, "Tỷ lệ toàn trình đạt 74%; còn vướng thủ tục lĩnh vực đất đai.")],
          indicators=("ho-so-truc-tuyen",)),
        T(2, "Kết nối, khai thác Cơ sở dữ liệu quốc gia về dân cư trong giải quyết thủ tục hành chính; "
          "không yêu cầu người dân nộp lại giấy tờ đã có trong cơ sở dữ liệu", "city:MC", ("city:TP", *WARDS),
          D(2022, 11, 1), D(2024, 12, 31), DONE, D(2024, 11, 29),
          [(D(2023, 12, 15), 65, "Đã khai thác dữ liệu dân cư tại Bộ phận Một cửa thành phố và 9/9 xã, phường.")],
          indicators=("ho-so-dung-du-lieu-dan-cu",),
          closing="100% thủ tục đủ điều kiện đã sử dụng dữ liệu dân cư."),
        T(2, "Hướng dẫn người dân kích hoạt tài khoản định danh điện tử mức độ 2 và tích hợp giấy tờ "
          "trên ứng dụng VNeID", "city:VHTT", WARDS, D(2023, 1, 1), D(2025, 6, 30), DONE, D(2025, 6, 20),
          [(D(2024, 6, 30), 70, "Tổ công nghệ số cộng đồng đã hỗ trợ kích hoạt hơn 38.000 tài khoản.")],
          indicators=("hoat-dong-cong-dong",),
          closing="Đạt chỉ tiêu kích hoạt tài khoản định danh điện tử mức 2 được giao."),
        T(3, "Phát triển hồ sơ công việc điện tử; số hóa tài liệu lưu trữ của UBND thành phố",
          "city:VP", ("city:VHTT",), D(2023, 1, 1), D(2025, 12, 31), IN_PROGRESS, None,
          [(D(2024, 12, 20), 50, "Hồ sơ công việc cấp thành phố xử lý trên mạng đạt 82%."),
           (D(2025, 11, 14), 75, "Đã số hóa 60% tài liệu lưu trữ giai đoạn 2010–2020.")]),
        T(3, "Thí điểm mô hình phường số: điều hành, báo cáo và tiếp nhận phản ánh của người dân trên "
          "nền tảng số", "ward:8707", ("city:VHTT",), D(2024, 1, 1), D(2026, 9, 30), IN_PROGRESS, None,
          [(D(2025, 6, 30), 40, "Đã triển khai tiếp nhận phản ánh qua ứng dụng và nhóm Zalo của 11 tổ dân phố."),
           (D(2026, 8, 28), 60, "Chờ kinh phí xây dựng bảng điều hành số của phường.")]),
        T(3, "Số hóa bản đồ quy hoạch; cấp giấy phép xây dựng trực tuyến toàn trình", "city:QLDT",
          ("city:TNMT", "city:MC"), D(2024, 7, 1), D(2027, 6, 30), IN_PROGRESS, None,
          [(D(2026, 3, 31), 30, "Đã số hóa 3/9 đồ án quy hoạch phân khu.")]),
        T(5, "Hỗ trợ hộ kinh doanh, hợp tác xã đưa sản phẩm lên sàn thương mại điện tử và mở gian hàng số",
          "city:TCKH", ("city:VHTT", *WARDS), D(2023, 1, 1), D(2027, 12, 31), IN_PROGRESS, None,
          [(D(2024, 12, 31), 25, "312 hộ kinh doanh đã mở gian hàng trên sàn thương mại điện tử."),
           (D(2026, 6, 30), 45, "Đã tổ chức 4 lớp tập huấn bán hàng trực tuyến cho hộ kinh doanh.")]),
        T(5, "Triển khai thanh toán không dùng tiền mặt tại chợ, trường học, cơ sở y tế trên địa bàn",
          "city:TCKH", WARDS, D(2023, 3, 1), D(2026, 6, 30), IN_PROGRESS, None,
          [(D(2024, 12, 31), 40, "100% trường học thu học phí không dùng tiền mặt."),
           (D(2026, 5, 29), 55, "Mới 3/6 chợ có trên một nửa tiểu thương dùng mã QR.")]),
        T(6, "Phủ sóng băng rộng di động 4G/5G và cáp quang đến 100% thôn, tổ dân phố, khu dân cư",
          "city:VHTT", ("city:QLDT", *WARDS), D(2023, 1, 1), D(2026, 12, 31), IN_PROGRESS, None,
          [(D(2025, 12, 15), 70, "Đã phủ sóng 4G 100% thôn, tổ dân phố; 5G tại khu trung tâm."),
           (D(2026, 10, 30), 85, "Còn 2 khu dân cư mới chưa có hạ tầng cáp quang.")],
          indicators=("thue-bao-bang-rong",)),
        T(7, "Hướng dẫn người dân cài đặt, sử dụng sổ sức khỏe điện tử trên ứng dụng VNeID",
          "ward:8731", ("city:LDTBXH",), D(2024, 3, 1), D(2025, 12, 31), DONE, D(2025, 12, 18),
          [(D(2025, 6, 30), 60, "Đã hướng dẫn 2.100 người dân tích hợp sổ sức khỏe điện tử.")],
          closing="Đạt 82% người trưởng thành của xã có sổ sức khỏe điện tử."),
        T(8, "Phổ cập kỹ năng số cơ bản cho người dân qua nền tảng học trực tuyến mở đại trà",
          "city:LDTBXH", ("city:VHTT", *WARDS), D(2023, 6, 1), D(2027, 12, 31), IN_PROGRESS, None,
          [(D(2025, 12, 31), 35, "Khoảng 41% người trong độ tuổi lao động đã hoàn thành khóa học."),]),
        T(8, "Tuyên truyền về chuyển đổi số trên hệ thống truyền thanh cơ sở, trang thông tin điện tử và "
          "mạng xã hội", "city:VHTT", WARDS, D(2022, 10, 15), None, IN_PROGRESS, None,
          [(D(2025, 12, 26), None, "Năm 2025 đã phát 1.240 tin, bài về chuyển đổi số.")]),
        T(9, "Đánh giá, xếp hạng mức độ chuyển đổi số của các phòng, ban và xã, phường hằng năm",
          "city:VHTT", ("city:VP",), D(2023, 1, 1), None, IN_PROGRESS, None,
          [(D(2025, 3, 20), None, "Đã công bố kết quả đánh giá năm 2024.")]),
        T(9, "Xây dựng kho dữ liệu dùng chung của thành phố; công bố dữ liệu mở phục vụ người dân, "
          "doanh nghiệp", "city:VHTT", ("city:VP", "city:TCKH", "city:TNMT"),
          D(2027, 1, 1), D(2029, 12, 31), NOT_STARTED, None, []),
        T(9, "Xây dựng Trung tâm điều hành đô thị thông minh, kết nối camera giám sát an ninh, giao thông",
          "city:QLDT", ("city:VHTT", "city:TCKH"), D(2027, 1, 1), D(2030, 6, 30), NOT_STARTED, None, []),
    ],
}

PLANS = (SCHEME, PLAN_2030)
REPORTING_ROLES = ACTION_ROLES["plans.report"]


def demo_agencies() -> dict[str, Agency]:
    """The demo city's agencies by key ("city", "city:VP", "ward:8707")."""
    city_pc = (Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE, unit__code=demo_city.CITY["code"],
                                     unit__level=UnitLevel.DISTRICT).order_by("pk").first())
    if city_pc is None:
        raise DemoPlansError("The demo city's People's Committee does not exist: load the demo city first.")
    agencies = {"city": city_pc}
    offices = {a.name: a for a in Agency.objects.filter(parent=city_pc)}
    for suffix, name, _abbr in demo_city.CITY_OFFICES:
        if name in offices:
            agencies[f"city:{suffix}"] = offices[name]
    for ward in Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE, unit__parent=city_pc.unit,
                                      unit__level=UnitLevel.WARD).select_related("unit"):
        agencies[f"ward:{ward.unit.code}"] = ward
    return agencies


def _reporters(agencies: dict[str, Agency]) -> dict[int, object]:
    """agency id → the user who writes its tasks' history: an official of the agency who
    reports on plans, or else the city's chairman (any official at last)."""
    chosen: dict[int, object] = {}
    for official in (Official.objects.filter(agency__in=agencies.values(), roles__role__in=REPORTING_ROLES)
                     .select_related("user").order_by("user__username")):
        chosen.setdefault(official.agency_id, official.user)
    fallback = (Official.objects.filter(agency=agencies["city"], roles__role="leader").select_related("user")
                .order_by("user__username").first()
                or Official.objects.select_related("user").order_by("pk").first())
    if fallback is None:
        raise DemoPlansError("The demo city has no officials: load the demo city first.")
    return {a.pk: chosen.get(a.pk, fallback.user) for a in agencies.values()}


@transaction.atomic
def generate(*, today: date | None = None) -> dict:
    """Create the two demo plans with their goals, tasks and histories."""
    today = today or timezone.localdate()
    if Plan.objects.filter(code__in=[p["code"] for p in PLANS]).exists():
        raise DemoPlansError("The demo plans already exist.")
    agencies = demo_agencies()
    authors = _reporters(agencies)
    indicators = {i.code: i for i in Indicator.objects.all()}
    counts = {"plans": 0, "goals": 0, "tasks": 0, "notes": 0}
    for spec in PLANS:
        plan = Plan.objects.create(
            code=spec["code"], name=spec["name"], decision_number=spec["decision_number"],
            decision_date=spec["decision_date"], start_year=spec["start_year"], end_year=spec["end_year"],
            outlook_year=spec["outlook_year"], issuing_agency=agencies["city"],
            description=spec["description"], is_demo=True)
        goals = Goal.objects.bulk_create(
            Goal(plan=plan, order=n, text=text, target_text=target)
            for n, (text, target, _measures) in enumerate(spec["goals"], start=1))
        GoalIndicator.objects.bulk_create(
            GoalIndicator(goal=goal, indicator=indicators[code], target_value=value)
            for goal, (_t, _target, measures) in zip(goals, spec["goals"], strict=True)
            for code, value in measures if code in indicators)
        specs: list[T] = spec["tasks"]
        tasks = Task.objects.bulk_create(
            Task(plan=plan, goal=goals[t.goal - 1] if t.goal else None, order=n, name=t.name,
                 lead_unit=agencies[t.lead], start_date=t.start, deadline=t.deadline, status=t.status,
                 done_on=t.done_on)
            for n, t in enumerate(specs, start=1))
        Task.co_units.through.objects.bulk_create(
            Task.co_units.through(task_id=task.pk, agency_id=agencies[key].pk)
            for task, t in zip(tasks, specs, strict=True) for key in t.co if key in agencies)
        Task.indicators.through.objects.bulk_create(
            Task.indicators.through(task_id=task.pk, indicator_id=indicators[code].pk)
            for task, t in zip(tasks, specs, strict=True) for code in t.indicators if code in indicators)
        notes = []
        for task, t in zip(tasks, specs, strict=True):
            author = authors[agencies[t.lead].pk]
            if t.status != NOT_STARTED and t.start is not None:
                notes.append(ProgressNote(task=task, author=author, day=t.start, new_status=IN_PROGRESS,
                                          text="Bắt đầu triển khai."))
            notes += [ProgressNote(task=task, author=author, day=day, percent_complete=percent, text=text)
                      for day, percent, text in t.notes]
            if t.status == DONE:
                notes.append(ProgressNote(task=task, author=author, day=t.done_on, new_status=DONE,
                                          percent_complete=100, text=t.closing))
            elif t.status == CANCELLED:
                notes.append(ProgressNote(task=task, author=authors[agencies["city"].pk],
                                          day=t.cancelled_on, new_status=CANCELLED,
                                          text=t.closing))
        notes = [n for n in notes if n.day <= today]
        ProgressNote.objects.bulk_create(notes)
        record_audit(action="plan.demo_loaded", obj=plan,
                     after={"code": plan.code, "goals": len(goals), "tasks": len(tasks), "notes": len(notes),
                            "is_demo": True})
        counts["plans"] += 1
        counts["goals"] += len(goals)
        counts["tasks"] += len(tasks)
        counts["notes"] += len(notes)
    return counts
