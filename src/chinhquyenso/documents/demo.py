"""The demo's official documents: a demo PKI and a year of really signed documents.

    ensure_demo_pki(*, not_before=None) -> DemoPki
    generate(*, count=1000, seed=2026, months=12, end=None, now=None, processes=2,
             progress=None) -> DocumentsResult
    issue_demo_credential(*, ca, actor, official=None, agency=None, days=..., not_before=None,
                          passphrase=DEMO_PASSPHRASE) -> (SigningCredential, PKCS#12 bytes)

The demo PKI
------------
A root CA "Chính quyền số – CA thử nghiệm (demo)" is made once and kept in
``VAR_DIR/demo-ca`` (its PKCS#12, protected by the demo passphrase and encrypted at
rest under the server secret, and its certificate), and trusted (``trust.add_trust_root``).
It issues the seal of every People's Committee (the city's and each ward's) and the
personal certificate of every leader of the demo, registered through
``services.add_signing_credential`` with the one demo passphrase
:data:`DEMO_PASSPHRASE` that ``load_demo`` prints with the demo accounts.
``manage.py issue_certificate`` issues more from the same CA. A production installation
has no demo CA: its officials' certificates come from a licensed CA.

The documents
-------------
``count`` outgoing documents of the city and its wards over the ``months`` months up to
today (decisions, plans, reports, letters, notices, invitations… with Vietnamese
subjects fitting their type and issuer, each PDF marked as demo content) go through the
services exactly as officials would take them: draft (a PDF made with
``core.pdf.build_pdf``) → review → approval → the leader's signature with his key →
number and the agency's seal by the clerk → issue, with past ``at=`` times on working
hours. Those addressed to other agencies arrive there as incoming documents; a few are
recalled. A handful of drafts of the last days are still on their way, and some paper
documents from provincial agencies arrive with a scan (``services.receive_external``).

Then the incoming documents are worked in bulk (registered with gap-free incoming numbers
per agency and year, assigned to a lead unit with a deadline, processed, done; the
recent ones still open, some overdue, a few returned to their sender) with their
history rows and one summary audit entry, as ``demo.dossiers`` does for dossiers:
signatures are what must go through the services, and they do.

Why two processes
-----------------
A signature costs tens of milliseconds of CPU, twice per document. The leader's
signature is computed before ``sign_document`` locks anything, but ``number_document``
seals inside its transaction, and SQLite has one writer at a time. So one process (a
forked child) drafts and signs while the other (the caller) numbers, seals and issues
the documents in the order of their numbering time, so that each agency's numbers follow
its calendar; on SQLite they take turns at the write lock (``_WriteTurns``). With
``processes=1``, or inside a transaction (tests), it all runs in the calling process.

What it costs: about 0.2 s of CPU per document (two signatures of ~55 ms each, the
text extraction and index the services do at signing, the rest), half in each process,
so about 0.1 s per document on two idle cores; the seal runs inside number_document's
transaction, so on SQLite that is also the floor. The default count keeps the documents
step of a first ``make run`` near a minute; ``load_demo --documents 1000`` makes more.

The same seed, count, months and end date give the same documents (subjects, types,
dates, numbers, recipients, fates) on a fresh demo city; keys, certificates and the
signature bytes differ each time.
"""

from __future__ import annotations

import calendar as _monthcal
import datetime as dt
import multiprocessing
import random
import time as _time
import traceback
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from chinhquyenso.core.calendar import VIETNAM_TZ, WorkingCalendar
from chinhquyenso.core.pdf import build_pdf, escape_text, get_styles
from chinhquyenso.core.services import record_audit
from chinhquyenso.demo import city as demo_city
from chinhquyenso.org import services as org
from chinhquyenso.org.models import Agency, AgencyKind, Official, Role, RoleAssignment, UnitLevel
from chinhquyenso.org.queries import calendar_for

from . import pki, services, trust
from .files import store_document_file
from .models import (
    Confidentiality,
    DocumentEvent,
    DocumentFile,
    DocumentType,
    IncomingChannel,
    IncomingDocument,
    IncomingState,
    NumberCounter,
    OutgoingDocument,
    OutgoingState,
    SeriesKind,
    SigningCredential,
    Urgency,
)
from .numbering import series_for

__all__ = [
    "CA_NAME", "DEFAULT_COUNT", "DEFAULT_SEED", "DEMO_PASSPHRASE", "DemoCaMissing", "DemoPki",
    "DocumentsResult", "GenerationError", "demo_ca_dir", "ensure_demo_pki", "generate",
    "issue_demo_credential", "load_demo_ca",
]

DEFAULT_COUNT = 1000
DEFAULT_SEED = 2026
DEFAULT_MONTHS = 12
#: One passphrase for every demo key file and the demo CA's (printed with the demo accounts).
DEMO_PASSPHRASE = "demo-ky-so-2026"
CA_NAME = "Chính quyền số – CA thử nghiệm (demo)"
CA_FILE = "root-ca.p12.enc"
CA_CERT_FILE = "root-ca.pem"
CA_YEARS = 10
#: Demo certificates last this long from a month before the first demo document.
CERTIFICATE_DAYS = 3 * 365
DEMO_MARK = "VĂN BẢN MẪU – DỮ LIỆU THỬ NGHIỆM CỦA NỀN TẢNG CHÍNH QUYỀN SỐ, KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"

# Shares of the outgoing documents.
SHARE_CITY = 0.38
SHARE_RECALLED = 0.006
SHARE_IN_PROGRESS = 0.012      # extra drafts of the last days, on top of `count`
SHARE_PAPER = 0.04             # paper documents received from provincial agencies
# Fates of the incoming documents.
SHARE_RETURNED = 0.012
SHARE_LATE = 0.09
SHARE_SLOW = 0.3               # of the recent ones past their deadline: still open

Progress = Callable[[int, int], None]
"""progress(done, total), called as the documents are numbered and issued."""

User = get_user_model()


class GenerationError(ValueError):
    """The database lacks the demo city, or its documents exist already."""


class DemoCaMissing(RuntimeError):
    """No demo CA on this installation (a production one uses a licensed CA)."""


# --- the demo certificate authority --------------------------------------------------------------

def demo_ca_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-ca"


def load_demo_ca() -> pki.CertifiedKey:
    """The demo CA with its key, from ``VAR_DIR/demo-ca``. DemoCaMissing when it is not
    there or cannot be opened with this server's secret."""
    path = demo_ca_dir() / CA_FILE
    if not path.is_file():
        raise DemoCaMissing(f"No demo certificate authority in {demo_ca_dir()}.")
    try:
        return pki.load_pkcs12(pki.decrypt_at_rest(path.read_bytes()), DEMO_PASSPHRASE)
    except (pki.AtRestDecryptionError, pki.Pkcs12Error) as exc:
        raise DemoCaMissing(f"The demo certificate authority in {demo_ca_dir()} cannot be opened "
                            f"with this server's secret key ({exc}).") from exc


def _save_demo_ca(ca: pki.CertifiedKey) -> None:
    directory = demo_ca_dir()
    directory.mkdir(parents=True, exist_ok=True)
    blob = pki.encrypt_at_rest(pki.to_pkcs12(ca.certificate, ca.private_key, (), DEMO_PASSPHRASE,
                                             friendly_name=CA_NAME))
    for name, data in ((CA_FILE, blob),
                       (CA_CERT_FILE, ca.certificate.public_bytes(serialization.Encoding.PEM))):
        partial = directory / f".{name}.part"
        partial.write_bytes(data)
        partial.chmod(0o600 if name == CA_FILE else 0o644)
        partial.replace(directory / name)


def _demo_ca(not_before: dt.datetime) -> pki.CertifiedKey:
    """The existing demo CA when it covers the period, else a new one (kept and trusted)."""
    try:
        ca = load_demo_ca()
    except DemoCaMissing:
        ca = None
    horizon = timezone.now() + dt.timedelta(days=CERTIFICATE_DAYS)
    if ca is None or ca.certificate.not_valid_before_utc > not_before \
            or ca.certificate.not_valid_after_utc < horizon:
        ca = pki.create_root_ca(CA_NAME, organisation="Chính quyền số (dữ liệu thử nghiệm)",
                                key_type="ec", not_before=not_before - dt.timedelta(days=30),
                                days=CA_YEARS * 365)
        _save_demo_ca(ca)
    trust.add_trust_root(ca.certificate, name=CA_NAME, actor="load_demo")
    return ca


def issue_demo_credential(*, ca: pki.CertifiedKey, actor, official: Official | None = None,
                          agency: Agency | None = None, days: int = CERTIFICATE_DAYS,
                          not_before: dt.datetime | None = None,
                          passphrase: str = DEMO_PASSPHRASE) -> tuple[SigningCredential, bytes]:
    """Issue a certificate from the demo CA for a leader (``official``) or an agency's seal
    and register it through the services (audited). Returns the credential and the key
    file (PKCS#12 protected by ``passphrase``), which the holder may take away."""
    if (official is None) == (agency is None):
        raise ValueError("A certificate is for one official or one agency.")
    if official is not None:
        certified = pki.issue_certificate(
            ca, common_name=official.full_name, organisation=official.agency.name,
            title=official.title or None, kind="person", key_type="ec", days=days,
            not_before=not_before)
    else:
        certified = pki.issue_certificate(
            ca, common_name=agency.name, organisation=agency.name, kind="agency", key_type="ec",
            days=days, not_before=not_before)
    key_file = pki.to_pkcs12(certified.certificate, certified.private_key, certified.chain,
                             passphrase)
    credential = services.add_signing_credential(actor=actor, pkcs12=key_file, passphrase=passphrase,
                                                 official=official, agency=agency)
    return credential, key_file


@dataclass
class DemoPki:
    ca: pki.CertifiedKey
    seals: dict[int, SigningCredential] = field(default_factory=dict)       # agency id →
    personal: dict[int, SigningCredential] = field(default_factory=dict)    # official id →


def _system_admin():
    assignment = (RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN, official__user__is_active=True)
                  .select_related("official__user").order_by("official__user__username").first())
    if assignment is None:
        raise GenerationError("The demo needs a system administrator (load the demo city first).")
    return assignment.official.user


def ensure_demo_pki(*, not_before: dt.datetime | None = None) -> DemoPki:
    """The demo CA (trusted), a seal for each People's Committee and a personal
    certificate for each leader of the demo, all valid from `not_before`, registered by
    the IT department's account. Agencies and leaders who have a valid certificate
    already keep theirs."""
    now = timezone.now()
    not_before = not_before or now - dt.timedelta(days=30)
    ca = _demo_ca(not_before)
    admin = _system_admin()
    result = DemoPki(ca=ca)
    issuers = Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE, is_active=True,
                                    unit__level__in=[UnitLevel.DISTRICT, UnitLevel.WARD]).order_by("code")
    leaders = (Official.objects.filter(roles__role=Role.LEADER, user__is_active=True)
               .select_related("agency", "user").distinct().order_by("user__username"))
    valid = {"is_active": True, "not_before__lte": not_before, "not_after__gte": now}
    with transaction.atomic():
        for agency in issuers:
            existing = SigningCredential.objects.filter(agency=agency, **valid).first()
            result.seals[agency.pk] = existing or issue_demo_credential(
                ca=ca, actor=admin, agency=agency, not_before=not_before)[0]
        for official in leaders:
            existing = SigningCredential.objects.filter(official=official, **valid).first()
            result.personal[official.pk] = existing or issue_demo_credential(
                ca=ca, actor=admin, official=official, not_before=not_before)[0]
    return result


# --- staff ---------------------------------------------------------------------------------------

# The clerk (văn thư) of each ward People's Committee, who numbers, seals and issues its
# documents and registers what it receives; ward code → name.
WARD_CLERKS = {
    "8707": "Trịnh Thị Thanh Xuân", "8710": "Nguyễn Thị Bích Ngọc", "8713": "Phan Thị Hậu",
    "8716": "Lê Thị Kim Oanh", "8719": "Đỗ Thị Mỹ Linh", "8722": "Hoàng Thị Thúy Hằng",
    "8725": "Vương Thị Nga", "8728": "Tạ Thị Hương", "8731": "Kiều Thị Duyên",
}
# A specialist in each office of the city who drafts its documents and handles what is
# assigned to it (the Phòng Tư pháp has one in the demo city already).
OFFICE_SPECIALISTS = {
    "VP": ("chuyenvien.vp", "Nguyễn Thị Thu Trang", "Chuyên viên Văn phòng HĐND và UBND thành phố"),
    "TNMT": ("chuyenvien.tnmt", "Đặng Quốc Khánh", "Chuyên viên Phòng Tài nguyên và Môi trường"),
    "QLDT": ("chuyenvien.qldt", "Lương Văn Thịnh", "Chuyên viên Phòng Quản lý đô thị"),
    "LDTBXH": ("chuyenvien.ldtbxh", "Trần Thị Minh Phương",
               "Chuyên viên Phòng Lao động - Thương binh và Xã hội"),
    "TCKH": ("chuyenvien.tckh", "Vũ Đức Mạnh", "Chuyên viên Phòng Tài chính - Kế hoạch"),
    "VHTT": ("chuyenvien.vhtt", "Phạm Thị Hồng Nhung", "Chuyên viên Phòng Văn hóa và Thông tin"),
}
CITY_OFFICE_CODES = [suffix for suffix, _name, _abbr in demo_city.CITY_OFFICES if suffix != "MC"]


def _add_official(*, username: str, password_hash: str, full_name: str, title: str, agency: Agency,
                  role: str, unit) -> None:
    """org.services.create_official with the demo password already hashed (hashing costs
    a third of a second per account on purpose)."""
    user = User.objects.create(username=username, first_name=full_name[:150], password=password_hash)
    official = Official.objects.create(user=user, agency=agency, full_name=full_name, title=title)
    record_audit(action="official.created", obj=official,
                 after={"username": username, "agency": agency.code, "title": title})
    org.assign_role(official=official, role=role, unit=unit)


def _ensure_staff(city_pc: Agency, offices: dict[str, Agency], wards: dict[str, Agency]) -> int:
    """The ward clerks and city office specialists the documents need; returns how many
    accounts were added."""
    wanted = {f"vanthu.{demo_city.WARD_SLUGS[code]}" for code in wards} \
        | {username for username, _n, _t in OFFICE_SPECIALISTS.values()}
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    if existing >= wanted:
        return 0
    model = User.objects.filter(username="lanhdao").values_list("password", flat=True).first()
    password_hash = model or make_password(demo_city.DEMO_PASSWORD)
    added = 0
    with transaction.atomic():
        for code, agency in wards.items():
            username = f"vanthu.{demo_city.WARD_SLUGS[code]}"
            if username not in existing:
                place = _place_name(agency.unit.name)
                _add_official(username=username, password_hash=password_hash,
                              full_name=WARD_CLERKS.get(code, "Nguyễn Thị Hoa"),
                              title=f"Văn thư UBND {place}", agency=agency, role=Role.CLERK,
                              unit=agency.unit)
                added += 1
        for suffix, (username, full_name, title) in OFFICE_SPECIALISTS.items():
            if username not in existing and suffix in offices:
                _add_official(username=username, password_hash=password_hash, full_name=full_name,
                              title=title, agency=offices[suffix], role=Role.SPECIALIST,
                              unit=city_pc.unit)
                added += 1
    return added


def _place_name(unit_name: str) -> str:
    """“phường Tích Sơn” for “Phường Tích Sơn”."""
    return unit_name[0].lower() + unit_name[1:]


# --- what the documents say ----------------------------------------------------------------------

PROJECTS = [
    "cải tạo, nâng cấp đường Nguyễn Tất Thành", "xây dựng Trường Mầm non Hoa Sen",
    "Khu đô thị mới phía Nam thành phố", "mở rộng đường Mê Linh", "xây dựng nhà văn hóa tổ dân phố",
    "kè chống sạt lở bờ hồ Đầm Vạc", "nâng cấp hệ thống thoát nước khu vực trung tâm",
    "xây dựng công viên cây xanh phía Tây", "cải tạo chợ Vĩnh Yên",
]
STREETS = ["đường Hùng Vương", "đường Lam Sơn", "đường Kim Ngọc", "đường Chùa Hà", "đường Mê Linh",
           "đường Tôn Đức Thắng", "đường Nguyễn Tất Thành", "đường Trần Phú", "đường Lý Bôn"]
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

# (type, office of the city handling the topic, subject, recipients, months or None)
# recipients: "all" wards, "some" wards, "ward" (the one named), "none" (outside the platform).
CITY_SUBJECTS = [
    ("QĐ", "TCKH", "Về việc giao dự toán thu, chi ngân sách nhà nước năm {year} cho {ward}", "ward", (12, 1)),
    ("QĐ", "TNMT", "Về việc thu hồi đất để thực hiện dự án {project} tại {ward}", "ward", None),
    ("QĐ", "TNMT", "Về việc công nhận quyền sử dụng đất cho hộ gia đình, cá nhân tại {ward}", "ward", None),
    ("QĐ", "VHTT", "Về việc phê duyệt Kế hoạch chuyển đổi số thành phố Vĩnh Yên năm {year}", "all", (1, 2, 3)),
    ("QĐ", "TP", "Về việc kiện toàn Tổ công tác triển khai Đề án 06 thành phố Vĩnh Yên", "all", None),
    ("QĐ", "LDTBXH", "Về việc phê duyệt danh sách hộ nghèo, hộ cận nghèo năm {year} của {ward}", "ward", None),
    ("QĐ", "LDTBXH", "Về việc hỗ trợ kinh phí sửa chữa nhà ở cho hộ nghèo tại {ward}", "ward", None),
    ("QĐ", "QLDT", "Về việc phê duyệt báo cáo kinh tế - kỹ thuật công trình cải tạo {street}", "ward", None),
    ("QĐ", "QLDT", "Về việc xử phạt vi phạm hành chính trong lĩnh vực xây dựng tại {ward}", "ward", None),
    ("QĐ", "VHTT", "Về việc công nhận danh hiệu Tổ dân phố văn hóa năm {year}", "all", (11, 12)),
    ("QĐ", "VP", "Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc trong phong trào thi đua {quarter}", "some", None),
    ("QĐ", "TP", "Về việc công bố danh mục thủ tục hành chính được chuẩn hóa thuộc thẩm quyền giải quyết của UBND cấp xã", "all", None),
    ("QĐ", "TCKH", "Về việc phân bổ kinh phí hỗ trợ hoạt động Tổ công nghệ số cộng đồng năm {year}", "all", (1, 2, 3, 4)),
    ("QĐ", "VP", "Về việc thành lập Đoàn kiểm tra công tác cải cách hành chính năm {year}", "some", None),
    ("CV", "VP", "V/v đôn đốc giải quyết hồ sơ thủ tục hành chính quá hạn tại Bộ phận Một cửa {ward}", "ward", None),
    ("CV", "VHTT", "V/v đẩy mạnh kích hoạt tài khoản định danh điện tử mức độ 2 cho người dân", "all", None),
    ("CV", "TP", "V/v rà soát, làm sạch dữ liệu hộ tịch trên Cơ sở dữ liệu hộ tịch điện tử", "some", None),
    ("CV", "TNMT", "V/v tăng cường công tác vệ sinh môi trường, thu gom rác thải sinh hoạt", "all", None),
    ("CV", "QLDT", "V/v kiểm tra, xử lý vi phạm trật tự xây dựng tại {ward}", "ward", None),
    ("CV", "LDTBXH", "V/v tổ chức thăm, tặng quà người có công nhân dịp Tết Nguyên đán", "all", (12, 1)),
    ("CV", "LDTBXH", "V/v tổ chức các hoạt động kỷ niệm Ngày Thương binh - Liệt sỹ 27/7", "all", (6, 7)),
    ("CV", "TCKH", "V/v báo cáo tình hình thực hiện dự toán ngân sách {quarter}", "all", None),
    ("CV", "VP", "V/v báo cáo kết quả thực hiện nhiệm vụ {month}", "all", None),
    ("CV", "TNMT", "V/v phối hợp giải phóng mặt bằng dự án {project}", "ward", None),
    ("CV", "VHTT", "V/v hướng dẫn sử dụng nền tảng Chính quyền số cho Tổ công nghệ số cộng đồng", "all", None),
    ("CV", "TP", "V/v góp ý dự thảo Quy định quản lý trật tự xây dựng trên địa bàn thành phố", "some", None),
    ("CV", "QLDT", "V/v chủ động phòng, chống mưa bão, ngập úng", "all", (5, 6, 7, 8, 9)),
    ("KH", "TP", "Triển khai Đề án 06 năm {year} trên địa bàn thành phố Vĩnh Yên", "all", (1, 2, 3)),
    ("KH", "TP", "Tuyên truyền, phổ biến, giáo dục pháp luật năm {year}", "all", (1, 2)),
    ("KH", "VP", "Kiểm tra công tác cải cách hành chính năm {year}", "all", (2, 3, 4)),
    ("KH", "QLDT", "Phòng, chống thiên tai và tìm kiếm cứu nạn năm {year}", "all", (3, 4, 5)),
    ("KH", "VHTT", "Phát triển Tổ công nghệ số cộng đồng {quarter}", "all", None),
    ("KH", "TP", "Thu thập, cập nhật, làm sạch dữ liệu dân cư {month}", "all", None),
    ("KH", "VHTT", "Tổ chức các hoạt động mừng Đảng, mừng Xuân", "all", (12, 1)),
    ("TB", "VP", "Kết luận của Chủ tịch UBND thành phố tại cuộc họp giao ban {month}", "all", None),
    ("TB", "VP", "Lịch tiếp công dân định kỳ của lãnh đạo UBND thành phố {month}", "none", None),
    ("TB", "VP", "Kết quả kiểm tra công tác cải cách hành chính tại {ward}", "ward", None),
    ("TB", "LDTBXH", "Tuyển dụng công chức cấp xã năm {year}", "none", (5, 6, 7, 8)),
    ("BC", "TCKH", "Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội {month}", "none", None),
    ("BC", "VP", "Tình hình giải quyết thủ tục hành chính {quarter}", "none", None),
    ("BC", "TP", "Kết quả thực hiện Đề án 06 {month}", "none", None),
    ("GM", "VHTT", "Dự Hội nghị giao ban công tác chuyển đổi số {month}", "all", None),
    ("GM", "TNMT", "Dự buổi làm việc về công tác giải phóng mặt bằng dự án {project}", "ward", None),
    ("GM", "VP", "Dự Hội nghị sơ kết công tác cải cách hành chính {quarter}", "all", None),
    ("HD", "VHTT", "Thực hiện thanh toán trực tuyến phí, lệ phí trên Cổng Dịch vụ công", "all", None),
    ("HD", "VP", "Tiếp nhận, số hóa hồ sơ thủ tục hành chính tại Bộ phận Một cửa cấp xã", "all", None),
    ("CT", "VP", "Về tăng cường kỷ luật, kỷ cương hành chính trong giải quyết thủ tục hành chính", "all", None),
    ("CT", "QLDT", "Về tăng cường công tác phòng cháy, chữa cháy mùa hanh khô", "all", (10, 11, 12, 1)),
]
CITY_TYPE_WEIGHTS = {"QĐ": 30, "CV": 26, "KH": 10, "TB": 10, "BC": 7, "GM": 8, "HD": 4, "CT": 2}
CITY_LEGAL_NORMATIVE = [
    ("QLDT", "Ban hành Quy định quản lý trật tự xây dựng trên địa bàn thành phố Vĩnh Yên"),
    ("TNMT", "Ban hành Quy định về thu gom, vận chuyển và xử lý chất thải rắn sinh hoạt trên địa bàn thành phố"),
    ("VHTT", "Ban hành Quy chế quản lý, vận hành nền tảng Chính quyền số thành phố Vĩnh Yên"),
]

# (type, office of the city the report or request is for, subject, to the city People's
# Committee: share, months or None)
WARD_SUBJECTS = [
    ("QĐ", "VHTT", "Về việc thành lập Tổ công nghệ số cộng đồng {group}", 0.0, None),
    ("QĐ", "QLDT", "Về việc xử phạt vi phạm hành chính đối với hộ kinh doanh tại {group}", 0.0, None),
    ("QĐ", "QLDT", "Về việc kiện toàn Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn {ward}", 0.3, (3, 4, 5)),
    ("QĐ", "LDTBXH", "Về việc hưởng trợ cấp xã hội hằng tháng đối với người cao tuổi tại {group}", 0.2, None),
    ("QĐ", "VHTT", "Về việc cho phép tổ chức lễ hội truyền thống tại {group}", 0.0, (1, 2, 3)),
    ("QĐ", "TP", "Về việc giao nhiệm vụ thu thập, làm sạch dữ liệu dân cư cho các tổ dân phố", 0.3, None),
    ("BC", "TCKH", "Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội {month}", 1.0, None),
    ("BC", "VP", "Tình hình giải quyết thủ tục hành chính {quarter}", 1.0, None),
    ("BC", "TP", "Kết quả thực hiện Đề án 06 {month}", 1.0, None),
    ("BC", "VP", "Kết quả công tác tiếp công dân, giải quyết khiếu nại, tố cáo {quarter}", 1.0, None),
    ("BC", "VHTT", "Kết quả hoạt động của Tổ công nghệ số cộng đồng {month}", 1.0, None),
    ("BC", "QLDT", "Tình hình vi phạm trật tự xây dựng trên địa bàn {quarter}", 1.0, None),
    ("TTr", "TCKH", "Đề nghị phê duyệt dự toán kinh phí sửa chữa trụ sở làm việc UBND {ward}", 1.0, None),
    ("TTr", "VP", "Đề nghị khen thưởng tập thể, cá nhân có thành tích trong phong trào thi đua {quarter}", 1.0, None),
    ("TTr", "TNMT", "Đề nghị thu hồi đất thực hiện dự án {project}", 1.0, None),
    ("TTr", "LDTBXH", "Đề nghị hỗ trợ kinh phí sửa chữa nhà ở cho hộ nghèo", 1.0, None),
    ("KH", "TP", "Triển khai Đề án 06 năm {year} trên địa bàn {ward}", 0.5, (1, 2, 3)),
    ("KH", "VHTT", "Tuyên truyền kích hoạt tài khoản định danh điện tử mức độ 2 {quarter}", 0.5, None),
    ("KH", "VHTT", "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm {year}", 0.0, (9, 10, 11)),
    ("KH", "TNMT", "Ra quân tổng vệ sinh môi trường {month}", 0.3, None),
    ("TB", "VP", "Lịch tiếp công dân của Chủ tịch UBND {ward} {month}", 0.0, None),
    ("TB", "VP", "Kết luận của Chủ tịch UBND {ward} tại cuộc họp giao ban {month}", 0.0, None),
    ("TB", "TNMT", "Lịch thu gom rác thải sinh hoạt tại các tổ dân phố", 0.0, None),
    ("GM", "VHTT", "Dự họp triển khai kích hoạt định danh điện tử tại {group}", 0.0, None),
    ("GM", "VP", "Dự Hội nghị đối thoại với Nhân dân {quarter}", 0.2, None),
]
WARD_TYPE_WEIGHTS = {"QĐ": 26, "BC": 22, "TTr": 8, "KH": 16, "TB": 16, "GM": 12}

# Provincial agencies whose documents arrive on paper: (name, notation suffix)
PAPER_SENDERS = [
    ("Sở Nội vụ tỉnh Vĩnh Phúc", "SNV-CCVC"), ("Sở Tài chính tỉnh Vĩnh Phúc", "STC-QLNS"),
    ("Công an tỉnh Vĩnh Phúc", "CAT-PC06"), ("Sở Tài nguyên và Môi trường tỉnh Vĩnh Phúc", "STNMT-QLĐĐ"),
    ("Bảo hiểm xã hội tỉnh Vĩnh Phúc", "BHXH-QLT"), ("Sở Thông tin và Truyền thông tỉnh Vĩnh Phúc", "STTTT-CĐS"),
    ("Ban Chỉ huy Quân sự thành phố Vĩnh Yên", "BCH-TM"), ("Chi cục Thuế khu vực Vĩnh Yên - Tam Dương", "CCT-NVDT"),
]
PAPER_SUBJECTS = [
    ("CV", "V/v triển khai thu thập thông tin người lao động trên địa bàn"),
    ("CV", "V/v đề nghị cung cấp số liệu phục vụ công tác thống kê {quarter}"),
    ("CV", "V/v phối hợp rà soát đối tượng tham gia bảo hiểm y tế hộ gia đình"),
    ("TB", "Kết quả kiểm tra công tác văn thư, lưu trữ năm {year}"),
    ("CV", "V/v tổ chức khám tuyển nghĩa vụ quân sự năm {next_year}"),
    ("KH", "Kiểm tra việc thực hiện pháp luật về đất đai năm {year}"),
    ("GM", "Dự Hội nghị tập huấn nghiệp vụ chuyển đổi số cho cán bộ cấp xã"),
    ("CV", "V/v đôn đốc thu nộp thuế sử dụng đất phi nông nghiệp năm {year}"),
]
RETURN_REASONS = [
    "Văn bản gửi nhầm đơn vị, không thuộc thẩm quyền giải quyết của UBND.",
    "Văn bản thiếu phụ lục kèm theo, đề nghị gửi lại bản đầy đủ.",
    "Văn bản không đúng thể thức theo Nghị định 30/2020/NĐ-CP, đề nghị ban hành lại.",
]
RECALL_REASONS = [
    "Văn bản có sai sót về số liệu tại phụ lục kèm theo; sẽ ban hành văn bản thay thế.",
    "Văn bản ban hành chưa đúng thẩm quyền; thu hồi để hoàn thiện thủ tục.",
    "Nội dung đã được điều chỉnh theo chỉ đạo mới của UBND tỉnh; thu hồi để ban hành văn bản khác.",
]
# Months of the year when fewer documents are issued (Tết) or more (year end).
MONTH_FACTOR = {1: 1.1, 2: 0.7, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.05, 7: 1.0, 8: 0.95,
                9: 1.0, 10: 1.05, 11: 1.1, 12: 1.25}


# --- planning -------------------------------------------------------------------------------------

@dataclass
class _Issuer:
    key: str                     # "city" or the ward code
    agency: Agency
    leader: object               # User
    clerk: object                # User
    drafters: dict[str, object]  # office suffix (or "" for a ward) → User
    calendar: WorkingCalendar
    place: str                   # place of issue
    label: str                   # “phường Tích Sơn”, “thành phố Vĩnh Yên”
    groups: list[str]
    days: list[dt.date] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)


@dataclass
class _Plan:
    """One outgoing document and the moments of its steps (None: not reached)."""

    index: int
    issuer: _Issuer
    type_code: str
    office: str                  # the city office drafting (city) or concerned (ward)
    subject: str
    legal: bool = False
    urgency: str = Urgency.NORMAL
    confidentiality: str = Confidentiality.NORMAL
    capacity: str = "TM."
    recipients: list[Agency] = field(default_factory=list)
    external: str = ""
    deadline: dt.date | None = None
    body: list[str] = field(default_factory=list)
    created: dt.datetime | None = None
    submitted: dt.datetime | None = None
    approved: dt.datetime | None = None
    signed: dt.datetime | None = None
    numbered: dt.datetime | None = None
    issued: dt.datetime | None = None
    recalled: dt.datetime | None = None
    recall_reason: str = ""
    document_id: int | None = None

    @property
    def last_moment(self) -> dt.datetime:
        return max(m for m in (self.created, self.submitted, self.approved, self.signed,
                               self.numbered, self.issued, self.recalled) if m is not None)


@dataclass
class _PaperPlan:
    index: int
    receiver: _Issuer
    sender: str
    notation: str
    type_code: str
    subject: str
    original_date: dt.date
    received: dt.datetime
    urgency: str
    office: str
    document_id: int | None = None


@dataclass
class _World:
    """The demo city's agencies, people and document types, read once."""

    city: _Issuer
    wards: list[_Issuer]
    offices: dict[str, Agency]
    specialists: dict[str, object]      # city office suffix → User
    ward_specialists: dict[int, object]  # ward agency id → User
    types: dict[str, DocumentType]

    @property
    def issuers(self) -> list[_Issuer]:
        return [self.city, *self.wards]


def _months_before(day: dt.date, months: int) -> dt.date:
    years, month0 = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, _monthcal.monthrange(year, month)[1]))


def _world() -> _World:
    city_unit = (Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE, unit__code=demo_city.CITY["code"])
                 .select_related("unit").first())
    if city_unit is None:
        raise GenerationError("The demo city is missing: load it first (load_demo).")
    city_pc = city_unit
    offices = {a.code: a for a in Agency.objects.filter(parent=city_pc).select_related("unit")}
    by_suffix = {}
    for i, (suffix, _name, _abbr) in enumerate(demo_city.CITY_OFFICES, start=1):
        agency = offices.get(f"000.{i:02d}.00.H62")
        if agency is not None:
            by_suffix[suffix] = agency
    wards = {a.unit.code: a for a in Agency.objects.filter(
        kind=AgencyKind.PEOPLES_COMMITTEE, parent__isnull=True, unit__parent=city_pc.unit,
        is_active=True).select_related("unit")}
    wards = {code: wards[code] for code, *_rest in demo_city.WARDS if code in wards}
    if not wards:
        raise GenerationError("The demo city has no ward People's Committees.")
    _ensure_staff(city_pc, by_suffix, wards)
    users = {u.username: u for u in User.objects.filter(
        username__in=["lanhdao", "vanthu", "chuyenvien.tp",
                      *[f"{p}.{demo_city.WARD_SLUGS[c]}" for c in wards for p in ("lanhdao", "vanthu", "chuyenvien")],
                      *[u for u, _n, _t in OFFICE_SPECIALISTS.values()]]).select_related("official__agency")}
    missing = [name for name in ("lanhdao", "vanthu") if name not in users]
    if missing:
        raise GenerationError(f"The demo accounts {', '.join(missing)} are missing.")
    specialists = {"TP": users.get("chuyenvien.tp")}
    specialists.update({suffix: users.get(username) for suffix, (username, _n, _t) in OFFICE_SPECIALISTS.items()})
    specialists = {k: v for k, v in specialists.items() if v is not None}
    if not specialists:
        raise GenerationError("The city has no specialist to draft its documents.")
    groups = defaultdict(list)
    for code, _name, unit_type, count in demo_city.WARDS:
        label = "thôn" if unit_type == "xa" else "Tổ dân phố số"
        groups[code] = [f"{label} {n}" for n in range(1, count + 1)]
    city = _Issuer(key="city", agency=city_pc, leader=users["lanhdao"], clerk=users["vanthu"],
                   drafters=specialists, calendar=calendar_for(city_pc), place="Vĩnh Yên",
                   label="thành phố Vĩnh Yên", groups=[])
    ward_issuers, ward_specialists = [], {}
    for code, agency in wards.items():
        slug = demo_city.WARD_SLUGS[code]
        leader, clerk = users.get(f"lanhdao.{slug}"), users.get(f"vanthu.{slug}")
        drafter = users.get(f"chuyenvien.{slug}") or leader
        if leader is None or clerk is None:
            continue
        ward_specialists[agency.pk] = drafter
        name = agency.unit.name
        ward_issuers.append(_Issuer(
            key=code, agency=agency, leader=leader, clerk=clerk, drafters={"": drafter},
            calendar=calendar_for(agency), place=name.split(" ", 1)[1], label=_place_name(name),
            groups=groups[code]))
    types = {t.code: t for t in DocumentType.objects.all()}
    return _World(city=city, wards=ward_issuers, offices=by_suffix, specialists=specialists,
                  ward_specialists=ward_specialists, types=types)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pick(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM_TZ)


def _moment_on(rng: random.Random, cal: WorkingCalendar, day: dt.date) -> dt.datetime:
    periods = cal.periods_on(day)
    if not periods:
        return _local(day, 9)
    length = sum((end - begin for begin, end in periods), dt.timedelta())
    offset = length * rng.random() * 0.85
    for begin, end in periods:
        if offset < end - begin:
            return (begin + offset).replace(microsecond=0)
        offset -= end - begin
    return periods[-1][0]


def _later(rng: random.Random, cal: WorkingCalendar, moment: dt.datetime, low: float,
           high: float) -> dt.datetime:
    return cal.add_working_hours(moment, round(rng.uniform(low, high), 2)).replace(microsecond=0)


def _period_labels(moment: dt.datetime) -> dict:
    local = moment.astimezone(VIETNAM_TZ)
    previous_month = (local.replace(day=1) - dt.timedelta(days=1))
    quarter = (local.month - 1) // 3 + 1
    return {"year": local.year, "next_year": local.year + 1,
            "month": f"tháng {previous_month.month} năm {previous_month.year}"
            if local.day < 10 else f"tháng {local.month} năm {local.year}",
            "quarter": f"quý {ROMAN[quarter]} năm {local.year}"}


def _fill(template: str, rng: random.Random, issuer: _Issuer, ward: _Issuer | None,
          moment: dt.datetime) -> str:
    groups = (ward or issuer).groups or ["Tổ dân phố số 1"]
    values = {**_period_labels(moment), "ward": (ward or issuer).label, "project": rng.choice(PROJECTS),
              "street": rng.choice(STREETS), "group": rng.choice(groups)}
    return template.format(**values)


def _choose_day(rng: random.Random, issuer: _Issuer) -> dt.date:
    return issuer.days[min(bisect(issuer.weights, rng.random() * issuer.weights[-1]), len(issuer.days) - 1)]


def _prepare_days(issuer: _Issuer, first_day: dt.date, last_day: dt.date) -> None:
    days, cumulative, total = [], [], 0.0
    span = max((last_day - first_day).days, 1)
    day = first_day
    while day <= last_day:
        if issuer.calendar.is_working_day(day):
            trend = 0.85 + 0.3 * (day - first_day).days / span
            total += trend * MONTH_FACTOR[day.month] * (1.15 if day.weekday() == 0 else 1.0)
            days.append(day)
            cumulative.append(total)
        day += dt.timedelta(days=1)
    issuer.days, issuer.weights = days, cumulative


def _subject_for(rng: random.Random, world: _World, issuer: _Issuer, moment: dt.datetime):
    """(type, office, subject, recipients, external recipients, legal)."""
    month = moment.astimezone(VIETNAM_TZ).month
    if issuer.key == "city":
        type_code = _pick(rng, CITY_TYPE_WEIGHTS)
        if type_code == "QĐ" and rng.random() < 0.03:
            office, subject = rng.choice(CITY_LEGAL_NORMATIVE)
            return "QĐ", office, subject, list(w.agency for w in world.wards), \
                "Sở Tư pháp tỉnh Vĩnh Phúc;\nThường trực Thành ủy, HĐND thành phố", True
        choices = [c for c in CITY_SUBJECTS if c[0] == type_code and (c[4] is None or month in c[4])] \
            or [c for c in CITY_SUBJECTS if c[0] == type_code]
        _t, office, template, scope, _months = rng.choice(choices)
        ward = rng.choice(world.wards)
        subject = _fill(template, rng, issuer, ward, moment)
        if scope == "all":
            recipients = [w.agency for w in world.wards]
        elif scope == "some":
            recipients = [w.agency for w in rng.sample(world.wards, rng.randint(2, 4))]
        elif scope == "ward":
            recipients = [ward.agency]
        else:
            recipients = []
        external = {"BC": "UBND tỉnh Vĩnh Phúc;\nThường trực Thành ủy",
                    "TB": "Thường trực Thành ủy;\nCổng thông tin điện tử thành phố"}.get(
            type_code, "Thường trực Thành ủy, HĐND thành phố")
        if office in world.offices and type_code != "BC":
            external += f";\n{world.offices[office].name}"
        return type_code, office, subject, recipients, external, False
    type_code = _pick(rng, WARD_TYPE_WEIGHTS)
    choices = [c for c in WARD_SUBJECTS if c[0] == type_code and (c[4] is None or month in c[4])] \
        or [c for c in WARD_SUBJECTS if c[0] == type_code]
    _t, office, template, to_city, _months = rng.choice(choices)
    subject = _fill(template, rng, issuer, None, moment)
    recipients = [world.city.agency] if rng.random() < to_city else []
    external = "Đảng ủy, HĐND phường;\nCác tổ dân phố" if issuer.label.startswith("phường") \
        else "Đảng ủy, HĐND xã;\nCác thôn"
    return type_code, office, subject, recipients, external, False


def _body(plan: _Plan, world: _World, rng: random.Random) -> list[str]:
    """A few paragraphs fitting the type: the text of the draft and of the index."""
    issuer = plan.issuer
    who = "UBND thành phố" if issuer.key == "city" else f"UBND {issuer.label}"
    office = world.offices.get(plan.office)
    office_name = office.name if office is not None else "Văn phòng HĐND và UBND"
    subject = plan.subject[0].lower() + plan.subject[1:]
    percent = rng.randint(82, 99)
    if plan.type_code == "QĐ":
        return [
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, "
            "bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa "
            "phương ngày 22 tháng 11 năm 2019;",
            f"Theo đề nghị của Trưởng {office_name}." if issuer.key == "city"
            else "Theo đề nghị của công chức chuyên môn UBND.",
            "QUYẾT ĐỊNH:",
            f"Điều 1. {_capitalised(plan.subject.removeprefix('Về việc '))}, với nội dung chi tiết "
            "tại phụ lục kèm theo Quyết định này.",
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
            "Điều 3. Chánh Văn phòng, thủ trưởng các cơ quan, đơn vị có liên quan chịu trách "
            "nhiệm thi hành Quyết định này./.",
        ]
    if plan.type_code == "CV":
        recipients = ", ".join(a.name for a in plan.recipients[:3]) or "Các cơ quan, đơn vị liên quan"
        due = f" trước ngày {plan.deadline:%d/%m/%Y}" if plan.deadline else ""
        return [
            f"Kính gửi: {recipients}.",
            f"Thực hiện chỉ đạo của UBND tỉnh Vĩnh Phúc, {who} đề nghị các cơ quan, đơn vị "
            f"thực hiện nội dung {subject.removeprefix('v/v ')}, cụ thể như sau:",
            "1. Tổ chức quán triệt, triển khai thực hiện nghiêm túc, hiệu quả; phân công cán bộ "
            "theo dõi, đôn đốc.",
            f"2. Báo cáo kết quả thực hiện về {who} (qua {office_name}){due}.",
            "Đề nghị các cơ quan, đơn vị quan tâm phối hợp thực hiện./.",
        ]
    if plan.type_code == "KH":
        return [
            "I. MỤC ĐÍCH, YÊU CẦU",
            f"Triển khai kịp thời, đồng bộ nhiệm vụ {subject}; xác định rõ trách nhiệm của "
            "từng cơ quan, đơn vị, bảo đảm tiến độ và hiệu quả.",
            "II. NỘI DUNG VÀ THỜI GIAN THỰC HIỆN",
            f"1. Rà soát, xây dựng kế hoạch chi tiết; hoàn thành ít nhất {percent}% chỉ tiêu được giao.",
            "2. Tổ chức tuyên truyền, hướng dẫn người dân và doanh nghiệp thực hiện.",
            "III. TỔ CHỨC THỰC HIỆN",
            f"Giao {office_name} chủ trì, theo dõi, tổng hợp, báo cáo kết quả./.",
        ]
    if plan.type_code == "BC":
        return [
            f"{who} báo cáo {subject} như sau:",
            f"1. Kết quả đạt được: hoàn thành {percent}% nhiệm vụ đề ra; {rng.randint(120, 2400)} "
            f"hồ sơ, việc đã được giải quyết, tỷ lệ đúng hạn {rng.randint(90, 100)}%.",
            "2. Tồn tại, hạn chế: một số nhiệm vụ còn chậm so với kế hoạch do thiếu nhân lực "
            "và kinh phí.",
            "3. Nhiệm vụ trọng tâm thời gian tới: tiếp tục đẩy mạnh cải cách hành chính, chuyển "
            "đổi số./.",
        ]
    if plan.type_code == "TTr":
        return [
            "Kính gửi: Ủy ban nhân dân thành phố Vĩnh Yên.",
            f"{who} kính trình UBND thành phố xem xét: {subject}.",
            f"Kinh phí dự kiến: {rng.randint(80, 2500) * 1_000_000:,} đồng.".replace(",", "."),
            "Kính đề nghị UBND thành phố xem xét, phê duyệt./.",
        ]
    if plan.type_code == "GM":
        meeting = plan.created + dt.timedelta(days=rng.randint(3, 9))
        return [
            f"{who} trân trọng kính mời đại biểu {subject[0].lower() + subject[1:]}.",
            f"Thời gian: 08 giờ 00 phút, ngày {meeting.astimezone(VIETNAM_TZ):%d/%m/%Y}.",
            f"Địa điểm: Hội trường {who}.",
            "Rất mong đại biểu đến dự đúng thời gian./.",
        ]
    verb = {"TB": "thông báo", "HD": "hướng dẫn"}.get(plan.type_code, "chỉ thị")
    return [
        f"{who} {verb} về {subject.removeprefix('về ')} như sau:",
        "1. Các cơ quan, đơn vị, cá nhân có liên quan nghiêm túc thực hiện.",
        f"2. Giao {office_name} theo dõi, đôn đốc, tổng hợp kết quả thực hiện./.",
    ]


def _plan_documents(rng: random.Random, world: _World, count: int, first_day: dt.date,
                    last_day: dt.date, now: dt.datetime) -> list[_Plan]:
    wards_weight = sum(len(w.groups) for w in world.wards) or 1
    issuer_weights = {world.city.key: SHARE_CITY}
    issuer_weights.update({w.key: (1 - SHARE_CITY) * len(w.groups) / wards_weight for w in world.wards})
    by_key = {i.key: i for i in world.issuers}
    for issuer in world.issuers:
        _prepare_days(issuer, first_day, last_day)
    plans: list[_Plan] = []
    for index in range(count):
        issuer = by_key[_pick(rng, issuer_weights)]
        for _attempt in range(20):
            created = _moment_on(rng, issuer.calendar, _choose_day(rng, issuer))
            times = _timeline(rng, issuer.calendar, created)
            if times[-1] < now - dt.timedelta(minutes=10):
                break
        else:
            created = now - dt.timedelta(days=3)
            times = [created + dt.timedelta(minutes=m) for m in (0, 30, 60, 90, 120, 130)]
        plans.append(_new_plan(rng, world, index, issuer, times))
    # A few drafts of the last working days are still on their way.
    extra = max(1, round(count * SHARE_IN_PROGRESS))
    for n in range(extra):
        issuer = rng.choice(world.issuers)
        recent = [d for d in issuer.days if d <= now.astimezone(VIETNAM_TZ).date()][-3:] or [last_day]
        created = _moment_on(rng, issuer.calendar, rng.choice(recent))
        times = [t for t in _timeline(rng, issuer.calendar, created)[:1 + n % 4] if t < now]
        if created >= now:
            continue
        plans.append(_new_plan(rng, world, count + n, issuer, times))
    # A few issued documents are recalled some days later.
    candidates = [p for p in plans if p.issued is not None and p.recipients]
    for plan in rng.sample(candidates, min(len(candidates), max(1, round(count * SHARE_RECALLED)))):
        moment = _later(rng, plan.issuer.calendar, plan.issued, 2, 40)
        if moment < now:
            plan.recalled = moment
            plan.recall_reason = rng.choice(RECALL_REASONS)
    return plans


def _timeline(rng: random.Random, cal: WorkingCalendar, created: dt.datetime) -> list[dt.datetime]:
    submitted = _later(rng, cal, created, 0.2, 3)
    approved = _later(rng, cal, submitted, 0.5, 12)
    signed = _later(rng, cal, approved, 0.2, 6)
    numbered = _later(rng, cal, signed, 0.1, 4)
    issued = _later(rng, cal, numbered, 0.05, 0.5)
    return [created, submitted, approved, signed, numbered, issued]


def _new_plan(rng: random.Random, world: _World, index: int, issuer: _Issuer,
              times: list[dt.datetime]) -> _Plan:
    type_code, office, subject, recipients, external, legal = _subject_for(rng, world, issuer, times[0])
    plan = _Plan(index=index, issuer=issuer, type_code=type_code, office=office, subject=subject,
                 legal=legal, recipients=recipients, external=external)
    steps = ("created", "submitted", "approved", "signed", "numbered", "issued")
    for name, moment in zip(steps, times, strict=False):
        setattr(plan, name, moment)
    roll = rng.random()
    plan.urgency = (Urgency.FLASH if roll < 0.004 else Urgency.VERY_URGENT if roll < 0.015
                    else Urgency.URGENT if roll < 0.07 else Urgency.NORMAL)
    if issuer.key == "city" and type_code == "CV" and not legal and rng.random() < 0.02:
        plan.confidentiality = Confidentiality.CONFIDENTIAL
    if type_code in ("CV", "KH") and recipients and rng.random() < 0.6:
        plan.deadline = (times[-1] + dt.timedelta(days=rng.randint(7, 20))).astimezone(VIETNAM_TZ).date()
    plan.capacity = "" if type_code in ("GM",) else "TM."
    plan.body = _body(plan, world, rng)
    return plan


def _plan_paper(rng: random.Random, world: _World, count: int, now: dt.datetime) -> list[_PaperPlan]:
    plans = []
    for index in range(max(1, round(count * SHARE_PAPER))):
        receiver = world.city if rng.random() < 0.6 else rng.choice(world.wards)
        received = _moment_on(rng, receiver.calendar, _choose_day(rng, receiver))
        if received >= now:
            continue
        sender, suffix = rng.choice(PAPER_SENDERS)
        type_code, template = rng.choice(PAPER_SUBJECTS)
        original = (received - dt.timedelta(days=rng.randint(1, 5))).astimezone(VIETNAM_TZ).date()
        notation = f"{rng.randint(12, 2900)}/{type_code}-{suffix}" if type_code != "CV" \
            else f"{rng.randint(12, 2900)}/{suffix}"
        plans.append(_PaperPlan(
            index=index, receiver=receiver, sender=sender, notation=notation, type_code=type_code,
            subject=_fill(template, rng, receiver, None, received), original_date=original,
            received=received, urgency=Urgency.URGENT if rng.random() < 0.1 else Urgency.NORMAL,
            office=rng.choice(CITY_OFFICE_CODES)))
    return plans


# --- the drafts ----------------------------------------------------------------------------------

_styles = None


def _pdf_styles():
    global _styles
    if _styles is None:
        base = get_styles(11)
        _styles = {
            "base": base,
            "head": ParagraphStyle("demo-head", parent=base.centered_bold, fontSize=10.5, leading=13),
            "headn": ParagraphStyle("demo-headn", parent=base.centered, fontSize=10.5, leading=13),
            "mark": ParagraphStyle("demo-mark", parent=base.centered, fontSize=7.5, leading=9,
                                   textColor=colors.HexColor("#b00020")),
            "small": ParagraphStyle("demo-small", parent=base.small, fontSize=9, leading=11),
        }
    return _styles


def _draft_pdf(plan: _Plan, world: _World) -> bytes:
    s = _pdf_styles()
    base = s["base"]
    issuer = plan.issuer
    agency = issuer.agency
    kind = world.types[plan.type_code]
    upper = "ỦY BAN NHÂN DÂN<br/>THÀNH PHỐ VĨNH YÊN" if issuer.key == "city" \
        else f"ỦY BAN NHÂN DÂN<br/>{escape_text(issuer.label.upper())}"
    mother = "" if issuer.key == "city" else "UBND THÀNH PHỐ VĨNH YÊN<br/>"
    notation = f"Số:       /{'' if kind.is_letter else kind.code + '-'}{agency.abbreviation}" \
        + (f"-{world.offices[plan.office].abbreviation}" if kind.is_letter and issuer.key == "city" else "")
    day = (plan.numbered or plan.signed or plan.created).astimezone(VIETNAM_TZ)
    header = Table([
        [Paragraph(f"{mother}<b>{upper}</b>", s["headn"]),
         Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br/>Độc lập - Tự do - Hạnh phúc", s["headn"])],
        [Paragraph(escape_text(notation), s["headn"]),
         Paragraph(f"<i>{escape_text(issuer.place)}, ngày {day.day:02d} tháng {day.month:02d} "
                   f"năm {day.year}</i>", s["headn"])],
    ], colWidths=[70 * mm, 97 * mm])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    flow = [Paragraph(escape_text(DEMO_MARK), s["mark"]), header, Spacer(1, 6 * mm)]
    if kind.is_letter:
        flow.append(Paragraph(escape_text(plan.subject), s["head"]))
    else:
        flow.append(Paragraph(escape_text(kind.name.upper()), base.title))
        flow.append(Paragraph(escape_text(plan.subject), s["head"]))
    flow.append(Spacer(1, 4 * mm))
    flow.extend(Paragraph(escape_text(p), base.justified) for p in plan.body)
    collective = "ỦY BAN NHÂN DÂN" if plan.capacity == "TM." else ""
    position = "CHỦ TỊCH"
    signer = issuer.leader.official.full_name
    block = Table([[
        Paragraph("<b><i>Nơi nhận:</i></b><br/>" + "<br/>".join(
            f"- {escape_text(line.strip().rstrip(';'))};" for line in
            [*(a.name for a in plan.recipients[:4]), *plan.external.split("\n"), "Lưu: VT"] if line.strip()),
            s["small"]),
        Paragraph(f"<b>{'TM. ' + collective + '<br/>' if collective else ''}{position}</b>"
                  f"<br/><br/><br/><b>{escape_text(signer)}</b>", s["headn"]),
    ]], colWidths=[80 * mm, 87 * mm])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    flow += [Spacer(1, 4 * mm), block]
    return build_pdf(flow, title=f"{kind.name}: {plan.subject}"[:200], author=agency.name,
                     subject="Văn bản mẫu (dữ liệu thử nghiệm)", top_margin=14 * mm,
                     bottom_margin=52 * mm)


def _scan_pdf(paper: _PaperPlan, world: _World) -> tuple[bytes, str]:
    s = _pdf_styles()
    base = s["base"]
    kind = world.types.get(paper.type_code)
    lines = [paper.sender.upper(), f"Số: {paper.notation}",
             f"Vĩnh Phúc, ngày {paper.original_date:%d} tháng {paper.original_date:%m} năm {paper.original_date:%Y}",
             (kind.name.upper() if kind and not kind.is_letter else ""), paper.subject,
             f"Kính gửi: {paper.receiver.agency.name}.",
             f"{paper.sender} đề nghị {paper.receiver.agency.name} phối hợp thực hiện nội dung nêu trên "
             "và báo cáo kết quả theo quy định./."]
    text = "\n".join(line for line in lines if line)
    flow = [Paragraph(escape_text("BẢN QUÉT TỪ VĂN BẢN GIẤY – " + DEMO_MARK), s["mark"])]
    flow += [Paragraph(escape_text(line), base.centered_bold if i < 2 else base.justified)
             for i, line in enumerate(lines) if line]
    return build_pdf(flow, title=paper.subject[:200], author=paper.sender,
                     subject="Bản quét văn bản giấy (dữ liệu thử nghiệm)"), text


def _plain_text(plan: _Plan, world: _World) -> str:
    kind = world.types[plan.type_code]
    return "\n".join([plan.issuer.agency.name, kind.name.upper(), plan.subject, *plan.body,
                      plan.issuer.leader.official.full_name])


# --- running the flows ---------------------------------------------------------------------------

BATCH = 10


def _event(plan: _Plan, document_id: int, at: dt.datetime, actor, action: str, from_state: str,
           to_state: str) -> DocumentEvent:
    return DocumentEvent(outgoing_id=document_id, at=at, actor=actor, action=action,
                         from_state=from_state, to_state=to_state)


def _create_drafts(batch: list[_Plan], world: _World) -> None:
    """Drafted, submitted and approved, as create_draft, submit_for_review and
    approve_for_signature leave a document (its draft PDF stored byte for byte, its
    history), written in one transaction for the batch: no signature is involved yet."""
    pdfs = [_draft_pdf(plan, world) for plan in batch]  # before the transaction: no lock held
    with transaction.atomic():
        documents, drafters = [], []
        for plan in batch:
            issuer = plan.issuer
            drafter = issuer.drafters.get(plan.office) or next(iter(issuer.drafters.values()))
            state = (OutgoingState.APPROVED if plan.approved else OutgoingState.IN_REVIEW
                     if plan.submitted else OutgoingState.DRAFT)
            document = OutgoingDocument(
                agency=issuer.agency, document_type=world.types[plan.type_code],
                drafting_unit=world.offices.get(plan.office) if issuer.key == "city" else issuer.agency,
                is_legal_normative=plan.legal, subject=plan.subject, place=issuer.place,
                signer_capacity=plan.capacity, signer_position="Chủ tịch", urgency=plan.urgency,
                confidentiality=plan.confidentiality, external_recipients=plan.external,
                page_count=1, deadline=plan.deadline, state=state, created_by=drafter)
            document.series = series_for(document)
            documents.append(document)
            drafters.append(drafter)
        OutgoingDocument.objects.bulk_create(documents)
        through = OutgoingDocument.internal_recipients.through
        links, events = [], []
        for plan, document, drafter, pdf in zip(batch, documents, drafters, pdfs, strict=True):
            plan.document_id = document.pk
            links += [through(outgoingdocument_id=document.pk, agency_id=a.pk) for a in plan.recipients]
            store_document_file(data=pdf, name=f"du-thao-{plan.index + 1}.pdf", kind=DocumentFile.Kind.DRAFT,
                                outgoing=document, content_type="application/pdf", created_by=drafter)
            events.append(_event(plan, document.pk, plan.created, drafter, "create", "", OutgoingState.DRAFT))
            if plan.submitted:
                events.append(_event(plan, document.pk, plan.submitted, drafter, "submit",
                                     OutgoingState.DRAFT, OutgoingState.IN_REVIEW))
            if plan.approved:
                events.append(_event(plan, document.pk, plan.approved, plan.issuer.leader, "approve",
                                     OutgoingState.IN_REVIEW, OutgoingState.APPROVED))
        through.objects.bulk_create(links)
        DocumentEvent.objects.bulk_create(events)


def _sign(plan: _Plan) -> None:
    """The leader's signature, through the service (his key, his passphrase)."""
    services.sign_document(document_id=plan.document_id, actor=plan.issuer.leader,
                           passphrase=DEMO_PASSPHRASE, at=plan.signed)


def _number(plan: _Plan) -> None:
    """The number and the agency's seal, through the service."""
    services.number_document(document_id=plan.document_id, actor=plan.issuer.clerk, at=plan.numbered)


def _issue(batch: list[_Plan], world: _World) -> None:
    """Issued as issue_document does (each recipient on the platform receives an incoming
    document to register), for a batch in one transaction; then the recalls, through
    the service. The arrival check of the signatures is left out (a verification per
    document): recipients verify on the document's page."""
    plans = {p.document_id: p for p in batch if p.issued is not None}
    if not plans:
        return
    from . import search

    with transaction.atomic():
        documents = list(OutgoingDocument.objects.select_for_update(of=("self",))
                         .filter(pk__in=list(plans), state=OutgoingState.NUMBERED)
                         .select_related("agency", "document_type").order_by("pk"))
        incoming, events = [], []
        for document in documents:
            plan = plans[document.pk]
            document.state, document.issued_at = OutgoingState.ISSUED, plan.issued
            events.append(_event(plan, document.pk, plan.issued, plan.issuer.clerk, "issue",
                                 OutgoingState.NUMBERED, OutgoingState.ISSUED))
            for recipient in sorted(plan.recipients, key=lambda a: a.pk):
                incoming.append(IncomingDocument(
                    agency=recipient, channel=IncomingChannel.INTERNAL, received_at=plan.issued,
                    from_agency=document.agency, sender_name=document.agency.name,
                    original_number=document.number, original_notation=document.notation,
                    original_date=document.issued_on, document_type=document.document_type,
                    subject=document.subject, urgency=document.urgency,
                    confidentiality=document.confidentiality, deadline=document.deadline,
                    state=IncomingState.RECEIVED, outgoing=document))
        OutgoingDocument.objects.bulk_update(documents, ["state", "issued_at"])
        IncomingDocument.objects.bulk_create(incoming)
        for document in incoming:
            plan = plans[document.outgoing_id]
            events.append(DocumentEvent(incoming=document, at=plan.issued, actor=plan.issuer.clerk,
                                        action="receive", from_state="", to_state=IncomingState.RECEIVED))
        DocumentEvent.objects.bulk_create(events)
        for document in documents:
            search.index_document(document)
        texts = {document.pk: _plain_text(plans[document.pk], world) for document in documents}
        for document in incoming:
            search.index_document(document, text=texts[document.outgoing_id])
    for plan in plans.values():
        if plan.recalled is not None:
            services.recall_document(document_id=plan.document_id, actor=plan.issuer.leader,
                                     reason=plan.recall_reason, at=plan.recalled)


def _receive_paper(paper: _PaperPlan, world: _World) -> None:
    pdf, _text = _scan_pdf(paper, world)
    document = services.receive_external(
        agency=paper.receiver.agency, actor=paper.receiver.clerk, subject=paper.subject,
        channel=IncomingChannel.PAPER, sender_name=paper.sender,
        original_number=int(paper.notation.split("/")[0]), original_notation=paper.notation,
        original_date=paper.original_date, document_type=world.types.get(paper.type_code),
        urgency=paper.urgency, files=[(f"ban-quet-{paper.index + 1}.pdf", pdf)], at=paper.received)
    paper.document_id = document.pk


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _NoTurns:
    """PostgreSQL lets the two processes write at once (row locks)."""

    @contextmanager
    def turn(self):
        yield

    @contextmanager
    def installed(self):
        yield

    def hand_on(self) -> None:
        pass


class _WriteTurns(_NoTurns):
    """Turns at SQLite's single write lock between the two processes.

    A writer that finds the database locked polls, sleeping up to 100 ms between tries,
    so a process that commits and begins again at once (the clerk numbering document
    after document) keeps the other out for long stretches. Here a process takes a ticket
    when it begins a transaction (seen by an execute wrapper) and hands the turn on when
    its unit of work returns; turns go in ticket order, and a waiting process wakes as
    soon as the turn is handed on."""

    def __init__(self, context) -> None:
        self._condition = context.Condition()
        self._next = context.RawValue("q", 0)
        self._serving = context.RawValue("q", 0)
        self._held = False

    def _wrapper(self, execute, sql, params, many, context):
        if not self._held and sql.startswith("BEGIN"):
            with self._condition:
                ticket = self._next.value
                self._next.value += 1
                while self._serving.value != ticket:
                    self._condition.wait()
            self._held = True
        return execute(sql, params, many, context)

    def hand_on(self) -> None:
        if self._held:
            self._held = False
            with self._condition:
                self._serving.value += 1
                self._condition.notify_all()

    @contextmanager
    def turn(self):
        try:
            yield
        finally:
            self.hand_on()

    @contextmanager
    def installed(self):
        with connection.execute_wrapper(self._wrapper):
            try:
                yield
            finally:
                self.hand_on()


def _drafting_work(numbered: list[_Plan], others: list[_Plan], papers: list[_PaperPlan],
                   world: _World, report, turns: _NoTurns) -> None:
    """Drafts, then the leader's signatures, in numbering order; the drafts still on their
    way; the paper documents received."""
    for batch in _batches(numbered):
        with turns.turn():
            _create_drafts(batch, world)
        for plan in batch:
            with turns.turn():
                _sign(plan)
            report(("signed", plan.index, plan.document_id))
    for batch in _batches(others):
        with turns.turn():
            _create_drafts(batch, world)
        for plan in batch:
            if plan.signed is not None:
                with turns.turn():
                    _sign(plan)
            report(("draft", plan.index, plan.document_id))
    for paper in papers:
        with turns.turn():
            _receive_paper(paper, world)
        report(("paper", paper.index, paper.document_id))


def _child(queue, numbered, others, papers, world, turns) -> None:
    """The forked process that drafts and signs; reports each document to the parent."""
    try:
        with turns.installed():
            _drafting_work(numbered, others, papers, world, queue.put, turns)
        queue.put(("done", None, None))
    except BaseException:  # noqa: BLE001 — reported to the parent, which raises
        queue.put(("error", None, traceback.format_exc()))
    finally:
        connections.close_all()


def _run_flows(plans: list[_Plan], papers: list[_PaperPlan], world: _World, processes: int,
               progress: Progress | None) -> bool:
    """Every outgoing document through its steps, numbered in the order of its numbering
    time (so each agency's numbers follow its calendar). Returns whether two processes
    did it."""
    numbered = sorted((p for p in plans if p.numbered is not None), key=lambda p: (p.numbered, p.index))
    others = [p for p in plans if p.numbered is None]
    by_index = {p.index: p for p in plans}
    papers_by_index = {p.index: p for p in papers}
    total = len(numbered)
    step = max(1, total // 50)

    def record(message) -> None:
        kind, index, value = message
        if kind in ("signed", "draft"):
            by_index[index].document_id = value
        elif kind == "paper":
            papers_by_index[index].document_id = value

    def numbering(next_signed, turns: _NoTurns) -> None:
        pending: list[_Plan] = []
        for done, plan in enumerate(numbered, start=1):
            next_signed(plan)
            with turns.turn():
                _number(plan)
            pending.append(plan)
            if len(pending) >= BATCH or done == total:
                with turns.turn():
                    _issue(pending, world)
                pending = []
            if progress and (done % step == 0 or done == total):
                progress(done, total)

    parallel = processes > 1 and not connection.in_atomic_block \
        and "fork" in multiprocessing.get_all_start_methods()
    if not parallel:
        for batch in _batches(numbered):
            _create_drafts(batch, world)
            for plan in batch:
                _sign(plan)
        numbering(lambda plan: None, _NoTurns())
        _drafting_work([], others, papers, world, record, _NoTurns())
        return False
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    turns = _WriteTurns(context) if connection.vendor == "sqlite" else _NoTurns()
    connections.close_all()  # the child opens its own connection
    child = context.Process(target=_child, args=(queue, numbered, others, papers, world, turns),
                            daemon=True)
    child.start()

    def wait_for(plan: _Plan) -> None:
        while True:
            message = _next_message(queue, child)
            record(message)
            if message[0] == "signed" and message[1] == plan.index:
                return

    try:
        with turns.installed():
            numbering(wait_for, turns)
        while (message := _next_message(queue, child))[0] != "done":
            record(message)
        child.join(timeout=60)
    finally:
        if child.is_alive():
            child.terminate()
            child.join(timeout=10)
    return True


def _next_message(queue, child):
    import queue as _queue

    while True:
        try:
            message = queue.get(timeout=5)
        except _queue.Empty:
            if not child.is_alive():
                raise GenerationError("The drafting process stopped unexpectedly.") from None
            continue
        if message[0] == "error":
            raise GenerationError(f"Drafting and signing failed:\n{message[2]}")
        return message


# --- the incoming documents, in bulk -------------------------------------------------------------

@dataclass
class _Step:
    at: dt.datetime
    action: str
    actor: object
    to_state: str
    note: str = ""


def _incoming_fate(rng: random.Random, incoming: IncomingDocument, receiver: _Issuer, world: _World,
                   office: str, recalled: dt.datetime | None, now: dt.datetime) -> tuple[dict, list[_Step]]:
    """The fields and the history of one incoming document up to now, as the services
    would have written them."""
    cal = receiver.calendar
    received = incoming.received_at
    steps: list[_Step] = []
    fields: dict = {}
    if rng.random() < SHARE_RETURNED and incoming.outgoing_id is not None and recalled is None:
        moment = _later(rng, cal, received, 0.2, 4)
        if moment < now:
            reason = rng.choice(RETURN_REASONS)
            fields.update(state=IncomingState.RETURNED, returned_at=moment, return_reason=reason)
            steps.append(_Step(moment, "return", receiver.clerk, IncomingState.RETURNED, reason))
        return fields, steps
    registered = _later(rng, cal, received, 0.1, 6)
    if registered >= now:
        return fields, steps
    fields.update(state=IncomingState.REGISTERED, registered_at=registered)
    if incoming.received_by_id is None:
        fields["received_by"] = receiver.clerk
    steps.append(_Step(registered, "register", receiver.clerk, IncomingState.REGISTERED))
    assigned = _later(rng, cal, registered, 0.5, 14)
    if assigned >= now or (recalled is not None and recalled <= assigned):
        return fields, steps
    if receiver.key == "city":
        lead = world.offices.get(office) or next(iter(world.offices.values()))
        processor = world.specialists.get(office) or world.specialists.get("VP")
        co = [world.offices[c] for c in rng.sample(CITY_OFFICE_CODES, 1)
              if c != office and c in world.offices and rng.random() < 0.3]
    else:
        lead, co = receiver.agency, []
        processor = world.ward_specialists.get(receiver.agency.pk) or receiver.leader
    due = incoming.deadline or cal.add_working_days(received, rng.randint(5, 15)).date()
    due = max(due, received.astimezone(VIETNAM_TZ).date())
    fields.update(state=IncomingState.ASSIGNED, lead_unit=lead, deadline=due, assigned_at=assigned,
                  co_units=co)
    steps.append(_Step(assigned, "assign", receiver.leader, IncomingState.ASSIGNED,
                       "Đề nghị chủ trì tham mưu, xử lý đúng hạn."))
    started = _later(rng, cal, assigned, 0.5, 16)
    if started >= now:
        return fields, steps
    fields["state"] = IncomingState.PROCESSING
    steps.append(_Step(started, "start", processor, IncomingState.PROCESSING))
    due_end = dt.datetime.combine(due, dt.time(17), tzinfo=VIETNAM_TZ)
    roll = rng.random()
    if roll < SHARE_LATE:
        completed = _later(rng, cal, max(started, due_end), 4, 40)
    elif due_end < now and now - received < dt.timedelta(days=45) and rng.random() < SHARE_SLOW:
        return fields, steps   # still open past its deadline
    else:
        budget = cal.working_time_between(started, due_end).total_seconds() / 3600 \
            if started < due_end else 0.5
        completed = _later(rng, cal, started, 0.2, max(0.3, budget * 0.9))
    if completed >= now:
        return fields, steps
    fields.update(state=IncomingState.DONE, completed_at=completed)
    steps.append(_Step(completed, "complete", processor, IncomingState.DONE, "Đã tham mưu, xử lý xong."))
    return fields, steps


def _work_incoming(world: _World, plans: list[_Plan], papers: list[_PaperPlan], seed: int,
                   now: dt.datetime) -> Counter:
    """Register, assign, process and complete the incoming documents (bulk writes: no
    signature is involved). Returns the count per final state."""
    receivers = {i.agency.pk: i for i in world.issuers}
    plan_of = {p.document_id: p for p in plans if p.document_id is not None}
    paper_of = {p.document_id: p for p in papers if p.document_id is not None}
    incoming = list(IncomingDocument.objects.filter(outgoing_id__in=list(plan_of))
                    .select_related("outgoing").order_by("pk")) \
        + list(IncomingDocument.objects.filter(pk__in=list(paper_of)).order_by("pk"))
    fates = []
    for document in incoming:
        receiver = receivers.get(document.agency_id)
        if receiver is None:
            continue
        if document.outgoing_id is not None:
            plan = plan_of[document.outgoing_id]
            key, office, recalled = f"{seed}:out:{plan.index}:{document.agency_id}", plan.office, plan.recalled
        else:
            paper = paper_of[document.pk]
            key, office, recalled = f"{seed}:paper:{paper.index}", paper.office, None
        fields, steps = _incoming_fate(random.Random(key), document, receiver, world, office, recalled, now)
        fates.append((document, fields, steps))
    states: Counter = Counter()
    with transaction.atomic():
        # Incoming numbers: per agency and year, in the order of registration, after
        # those already given.
        registrations = sorted(((d.agency_id, timezone.localdate(f["registered_at"]).year, f["registered_at"], d.pk)
                                for d, f, _s in fates if "registered_at" in f), key=lambda r: (r[0], r[1], r[2], r[3]))
        counters = {(c.agency_id, c.year): c for c in NumberCounter.objects.select_for_update().filter(
            series=SeriesKind.INCOMING, agency_id__in={r[0] for r in registrations})}
        numbers = {}
        for agency_id, year, _at, pk in registrations:
            counter = counters.get((agency_id, year))
            if counter is None:
                counter = counters[(agency_id, year)] = NumberCounter(
                    agency_id=agency_id, year=year, series=SeriesKind.INCOMING, last_number=0)
            counter.last_number += 1
            numbers[pk] = (year, counter.last_number)
        NumberCounter.objects.bulk_create([c for c in counters.values() if c.pk is None])
        NumberCounter.objects.bulk_update([c for c in counters.values() if c.pk is not None], ["last_number"])
        changed, events, co_links = [], [], []
        through = IncomingDocument.co_units.through
        for document, fields, steps in fates:
            states[fields.get("state", document.state)] += 1
            if not steps:
                continue
            co_units = fields.pop("co_units", [])
            for name, value in fields.items():
                setattr(document, name, value)
            if document.pk in numbers:
                document.year, document.incoming_number = numbers[document.pk]
            document.updated_at = steps[-1].at
            changed.append(document)
            co_links += [through(incomingdocument_id=document.pk, agency_id=a.pk) for a in co_units]
            state = IncomingState.RECEIVED
            for s in steps:
                events.append(DocumentEvent(incoming=document, at=s.at, actor=s.actor, action=s.action,
                                            from_state=state, to_state=s.to_state, note=s.note))
                state = s.to_state
                if s.action == "return" and document.outgoing_id is not None:
                    events.append(DocumentEvent(
                        outgoing_id=document.outgoing_id, at=s.at, actor=s.actor,
                        action="returned_by_recipient", from_state=document.outgoing.state,
                        to_state=document.outgoing.state,
                        note=f"{receivers[document.agency_id].agency.name}: {s.note}"))
        IncomingDocument.objects.bulk_update(
            changed, ["state", "year", "incoming_number", "registered_at", "received_by", "lead_unit",
                      "deadline", "assigned_at", "completed_at", "returned_at", "return_reason",
                      "updated_at"], batch_size=500)
        through.objects.bulk_create(co_links, batch_size=1000)
        DocumentEvent.objects.bulk_create(events, batch_size=1000)
    return states


def _set_history_times(plans: list[_Plan], papers: list[_PaperPlan]) -> None:
    """Rows get their creation time from the clock; give them the demo's moments, so
    registers and file lists read as a year of work (not as one afternoon)."""
    outgoing, files = [], []
    plan_of = {p.document_id: p for p in plans if p.document_id is not None}
    for document in OutgoingDocument.objects.filter(pk__in=list(plan_of)).only("pk", "created_at", "updated_at"):
        plan = plan_of[document.pk]
        document.created_at, document.updated_at = plan.created, plan.last_moment
        outgoing.append(document)
    signed_before: set[int] = set()
    for record in DocumentFile.objects.filter(outgoing_id__in=list(plan_of)).order_by("outgoing_id", "pk") \
            .only("pk", "outgoing_id", "kind", "created_at"):
        plan = plan_of[record.outgoing_id]
        if record.kind == DocumentFile.Kind.DRAFT:
            record.created_at = plan.created
        elif record.outgoing_id in signed_before:  # the second signed revision: the seal
            record.created_at = plan.numbered or plan.signed
        else:
            record.created_at = plan.signed
            signed_before.add(record.outgoing_id)
        files.append(record)
    paper_of = {p.document_id: p for p in papers if p.document_id is not None}
    for record in DocumentFile.objects.filter(incoming_id__in=list(paper_of)).only("pk", "incoming_id", "created_at"):
        record.created_at = paper_of[record.incoming_id].received
        files.append(record)
    incoming = []
    for document in IncomingDocument.objects.filter(
            Q(outgoing_id__in=list(plan_of)) | Q(pk__in=list(paper_of))).only("pk", "received_at", "created_at"):
        document.created_at = document.received_at
        incoming.append(document)
    with transaction.atomic():
        OutgoingDocument.objects.bulk_update(outgoing, ["created_at", "updated_at"], batch_size=500)
        DocumentFile.objects.bulk_update(files, ["created_at"], batch_size=500)
        IncomingDocument.objects.bulk_update(incoming, ["created_at"], batch_size=500)


def _refresh_index(plans: list[_Plan], papers: list[_PaperPlan], world: _World) -> None:
    """Search entries for what the bulk writes changed: the drafts never signed (with the
    text they were made of: no PDF is parsed again) and the incoming documents, whose state
    and year changed (their text is indexed already)."""
    from . import search

    unsigned = {p.document_id: p for p in plans if p.document_id is not None and p.signed is None}
    delivered = [p.document_id for p in plans if p.issued is not None]
    received = [p.document_id for p in papers if p.document_id is not None]
    with transaction.atomic():
        for document in OutgoingDocument.objects.filter(pk__in=list(unsigned)).select_related(
                "agency", "document_type"):
            search.index_document(document, text=_plain_text(unsigned[document.pk], world))
        for document in IncomingDocument.objects.filter(
                Q(outgoing_id__in=delivered) | Q(pk__in=received)).select_related("document_type", "from_agency"):
            search.index_document(document)


# --- the whole generation ------------------------------------------------------------------------

@dataclass
class DocumentsResult:
    outgoing: int = 0
    issued: int = 0
    recalled: int = 0
    in_progress: int = 0
    signatures: int = 0
    incoming: int = 0
    incoming_states: Counter = field(default_factory=Counter)
    overdue: int = 0
    paper: int = 0
    by_type: Counter = field(default_factory=Counter)
    accounts_added: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    seconds: float = 0.0
    processes: int = 1

    def as_dict(self) -> dict:
        return {"outgoing": self.outgoing, "issued": self.issued, "recalled": self.recalled,
                "in_progress": self.in_progress, "signatures": self.signatures,
                "incoming": self.incoming, "incoming_states": dict(self.incoming_states),
                "overdue": self.overdue, "paper": self.paper, "by_type": dict(self.by_type),
                "first_day": self.first_day, "last_day": self.last_day}

    def summary(self) -> str:
        s = self.incoming_states
        open_count = sum(v for k, v in s.items() if k not in (IncomingState.DONE, IncomingState.RETURNED))
        types = ", ".join(f"{code} {n}" for code, n in self.by_type.most_common())
        return (f"{self.outgoing} văn bản đi ({self.first_day:%d/%m/%Y}–{self.last_day:%d/%m/%Y}, "
                f"{self.seconds:.1f} s, {self.processes} tiến trình): đã ban hành {self.issued} "
                f"({types}), thu hồi {self.recalled}, đang soạn/trình {self.in_progress}; "
                f"{self.signatures} chữ ký số thật (lãnh đạo và con dấu cơ quan); "
                f"{self.incoming} văn bản đến ({self.paper} bản giấy có bản quét): đã xử lý xong "
                f"{s[IncomingState.DONE]}, đang xử lý {open_count} ({self.overdue} quá hạn), "
                f"trả lại {s[IncomingState.RETURNED]}.")


def generate(*, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED, months: int = DEFAULT_MONTHS,
             end: dt.date | None = None, now: dt.datetime | None = None, processes: int = 2,
             progress: Progress | None = None) -> DocumentsResult:
    """Make the demo PKI and `count` outgoing documents of the `months` months up to `end`
    (today by default), really signed through the services, with their incoming
    documents; see the module docstring. GenerationError without the demo city or when
    its documents exist already."""
    started = _time.monotonic()
    if count <= 0:
        raise GenerationError("The number of documents must be positive.")
    if months <= 0:
        raise GenerationError("The number of months must be positive.")
    now = (now or timezone.now()).replace(microsecond=0)
    today = now.astimezone(VIETNAM_TZ).date()
    end = end or today
    if end > today:
        raise GenerationError("The period cannot end in the future.")
    horizon = min(now, dt.datetime.combine(end, dt.time(23, 59), tzinfo=VIETNAM_TZ))
    first_day = _months_before(end, months) + dt.timedelta(days=1)
    if OutgoingDocument.objects.exists():
        raise GenerationError("Official documents exist already: the demo documents go into a "
                              "database without any.")
    world = _world()
    ensure_demo_pki(not_before=dt.datetime.combine(first_day, dt.time(0), tzinfo=VIETNAM_TZ)
                    - dt.timedelta(days=30))
    rng = random.Random(seed)
    plans = _plan_documents(rng, world, count, first_day, end, horizon)
    papers = _plan_paper(rng, world, count, horizon)
    parallel = _run_flows(plans, papers, world, processes, progress)
    states = _work_incoming(world, plans, papers, seed, horizon)
    _set_history_times(plans, papers)
    _refresh_index(plans, papers, world)

    result = DocumentsResult(first_day=first_day, last_day=end, processes=2 if parallel else 1)
    result.outgoing = len(plans)
    result.issued = sum(p.issued is not None for p in plans)
    result.recalled = sum(p.recalled is not None for p in plans)
    result.in_progress = sum(p.numbered is None for p in plans)
    result.signatures = sum(p.signed is not None for p in plans) + sum(p.numbered is not None for p in plans)
    result.by_type = Counter(p.type_code for p in plans if p.issued is not None)
    result.incoming_states = states
    result.incoming = sum(states.values())
    result.paper = sum(p.document_id is not None for p in papers)
    result.overdue = IncomingDocument.objects.filter(
        state__in=[IncomingState.ASSIGNED, IncomingState.PROCESSING], deadline__lt=today).count()
    result.seconds = _time.monotonic() - started
    with transaction.atomic():
        record_audit(action="demo.documents_generated", object_type=OutgoingDocument._meta.label_lower,
                     object_repr=f"{result.outgoing} demo documents",
                     after={"seed": seed, "months": months, "end": end, **result.as_dict()})
        # Delivered in bulk: their signatures are verified by the background worker.
        from .tasks import check_arrivals

        transaction.on_commit(lambda: check_arrivals.enqueue())
    return result


def pki_summary_line() -> str:
    """One line for the demo accounts: what signs and with which passphrase."""
    return (f"Chữ ký số mẫu: CA “{CA_NAME}” (đã tin cậy); lãnh đạo ký bằng khóa cá nhân, văn thư "
            f"đóng dấu số của cơ quan; mật khẩu khóa ký chung: {DEMO_PASSPHRASE}")
