"""A dossier's life in the browser: a citizen submits it on a phone and follows it; the
one-stop counter receives and assigns it; the specialist, the leader and the counter
handle it; the citizen gets the result and rates the service."""

from __future__ import annotations

import re

import pytest

from chinhquyenso.dossiers import services
from chinhquyenso.dossiers.models import Dossier, State
from tests.dossiers import conftest as dossier_fixtures
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CITIZEN_PASSWORD = "mat-khau-dai-1"
PHONE = {"width": 360, "height": 740}
# The ward, its People's Committee, its officials, the citizen and the birth registration
# procedure of the dossier tests (their conftest is not visible from this folder).
ward_pc = dossier_fixtures.ward_pc
counter = dossier_fixtures.counter
specialist = dossier_fixtures.specialist
leader = dossier_fixtures.leader
citizen = dossier_fixtures.citizen
birth = dossier_fixtures.birth
submit = dossier_fixtures.submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def person(browser, live_server, _tasks_run_at_once):
    """person(phone=False) → a page in a browser context of its own (one per person)."""
    contexts = []

    def open_page(phone=False):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
        context = browser.new_context(base_url=live_server.url, locale="vi-VN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, username, password):
    """Fill the real login page (the browser is already on it, or goes there)."""
    if "/dang-nhap/" not in page.url:
        page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


def fits_the_phone(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def state_shown(page):
    facts = page.locator("dl.facts").first
    return facts.locator("dt:text-is('Trạng thái') + dd").inner_text()


def act(page, button):
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    messages = page.get_by_role("status")
    assert f"Đã thực hiện: {button.lower()}." in messages.inner_text()


@pytest.fixture
def registered_citizen(transactional_db):
    """A resident with a level-2 e-ID account, as the population data records her."""
    from datetime import date

    from chinhquyenso.identity.idnumbers import FEMALE
    from chinhquyenso.identity.services import register_citizen

    return register_citizen(id_number="026301005678", full_name="Nguyễn Thị Hương",
                            birth_date=date(2001, 3, 4), sex=FEMALE, eid_level=2)


def test_citizen_submits_on_a_phone_and_tracks_the_dossier(person, birth, ward_pc, registered_citizen,
                                                           tmp_path):
    to_khai, chung_sinh = tmp_path / "to-khai.pdf", tmp_path / "giay-chung-sinh.pdf"
    to_khai.write_bytes(PDF)
    chung_sinh.write_bytes(PDF + b"% giay chung sinh\n")
    page = person(phone=True)

    page.goto(f"/dich-vu-cong/thu-tuc/{birth.code}/")
    assert fits_the_phone(page)
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    # submitting needs a login with the national e-ID: here the development provider
    page.wait_for_selector("[data-devidp=authorize]")
    assert fits_the_phone(page)
    page.get_by_label("Nguyễn Thị Hương").check()
    page.locator("input[name=level][value='1']").check()
    page.locator("button[name=allow]").click()
    page.wait_for_url(f"**/dich-vu-cong/thu-tuc/{birth.code}/nop/")
    assert page.get_by_role("heading", level=1).inner_text() == "Nộp hồ sơ"
    assert fits_the_phone(page)

    # name and number come from the citizen's record, not typed again
    assert page.get_by_label("Họ và tên").input_value() == "Nguyễn Thị Hương"
    assert page.get_by_label("Số định danh cá nhân").input_value() == "026301005678"
    page.get_by_label("Cơ quan").select_option(label="Ủy ban nhân dân phường Tích Sơn")
    page.get_by_label("Họ, chữ đệm, tên người được khai sinh").fill("Nguyễn Văn An")
    page.get_by_label("Ngày sinh").fill("01/11/2025")
    page.get_by_label("Giới tính").select_option(label="Nam")
    page.get_by_label("Tờ khai đăng ký khai sinh").set_input_files(to_khai)
    page.get_by_label("Giấy chứng sinh").set_input_files(chung_sinh)
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    page.wait_for_url("**/dich-vu-cong/ho-so/*/")
    dossier = Dossier.objects.get()
    assert page.locator("h1 .code").inner_text() == dossier.code
    assert f"Đã nộp hồ sơ {dossier.code}. Hãy lưu mã hồ sơ để tra cứu." in \
        page.get_by_role("status").inner_text()
    assert state_shown(page) == "Đã nộp, chờ tiếp nhận"
    assert page.get_by_role("link", name="to-khai.pdf").is_visible()
    assert page.get_by_role("link", name="giay-chung-sinh.pdf").is_visible()
    assert dossier.answers["child_birth_date"] == "2025-11-01"  # typed as dd/mm/yyyy
    assert fits_the_phone(page)

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    page.goto("/dich-vu-cong/")
    page.get_by_role("link", name="Tra cứu hồ sơ bằng mã hồ sơ").click()
    page.wait_for_url("**/dich-vu-cong/tra-cuu/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tra cứu hồ sơ"
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("4 số cuối số định danh cá nhân của người nộp").fill("5678")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    found = page.locator("section[aria-live=polite]")
    found.wait_for()
    assert found.get_by_role("heading", level=2).inner_text() == dossier.code
    assert "Đã nộp, chờ tiếp nhận" in found.inner_text()
    assert "Thủ tục đăng ký khai sinh — Ủy ban nhân dân phường Tích Sơn" in found.inner_text()
    assert fits_the_phone(page)

    page.get_by_label("4 số cuối số định danh cá nhân của người nộp").fill("1234")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Không tìm thấy hồ sơ với mã và các chữ số này." in alert.inner_text()
    assert found.count() == 0
    assert fits_the_phone(page)


def test_counter_receives_the_dossier_and_assigns_it(person, birth, submit, counter, specialist):
    dossier = submit(birth)
    page = person()
    log_in(page, counter.username, PASSWORD)
    page.get_by_role("link", name="Hồ sơ cần xử lý").click()
    page.wait_for_url("**/can-bo/ho-so/")
    row = page.get_by_role("row").filter(has_text=dossier.code)
    assert "Đã nộp, chờ tiếp nhận" in row.inner_text()
    row.get_by_role("link", name=dossier.code).click()
    page.wait_for_url(f"**/dich-vu-cong/ho-so/{dossier.code}/")

    act(page, "Tiếp nhận")
    assert state_shown(page) == "Đã tiếp nhận"
    receipt = page.get_by_role("link", name=f"giay-tiep-nhan-{dossier.code}.pdf")
    assert receipt.is_visible()
    with page.expect_download() as download:
        receipt.click()
    assert download.value.suggested_filename == f"giay-tiep-nhan-{dossier.code}.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF-")

    page.get_by_label("Cán bộ").select_option(value=str(specialist.pk))
    act(page, "Phân công")
    assert state_shown(page) == "Đã phân công"
    assert specialist.username in page.locator("dl.facts").first.inner_text()
    dossier.refresh_from_db()
    assert (dossier.state, dossier.assignee) == (State.ASSIGNED, specialist)


def test_dossier_is_processed_signed_returned_and_rated(person, birth, submit, counter,
                                                        specialist, leader, citizen, tmp_path):
    dossier = submit(birth)
    services.receive_dossier(dossier_id=dossier.pk, actor=counter)
    services.assign_dossier(dossier_id=dossier.pk, actor=counter, assignee=specialist)
    result = tmp_path / "giay-khai-sinh.pdf"
    result.write_bytes(PDF + b"% giay khai sinh\n")
    address = f"/dich-vu-cong/ho-so/{dossier.code}/"

    page = person()  # the specialist finds it in their list
    log_in(page, specialist.username, PASSWORD)
    page.goto("/can-bo/ho-so/")
    page.get_by_role("link", name=dossier.code).click()
    page.wait_for_url(f"**{address}")
    act(page, "Bắt đầu xử lý")
    assert state_shown(page) == "Đang xử lý"
    page.get_by_label("Tệp kết quả").set_input_files(result)
    act(page, "Đính kèm kết quả")
    assert page.get_by_role("link", name="giay-khai-sinh.pdf").is_visible()
    act(page, "Chuyển bước tiếp theo")
    assert state_shown(page) == "Chờ lãnh đạo ký"

    page = person()  # the leader signs it off
    log_in(page, leader.username, PASSWORD)
    page.goto(address)
    assert state_shown(page) == "Chờ lãnh đạo ký"
    act(page, "Chuyển bước tiếp theo")
    assert state_shown(page) == "Đã có kết quả"

    page = person()  # the counter hands the result over
    log_in(page, counter.username, PASSWORD)
    page.goto(address)
    act(page, "Trả kết quả")
    assert state_shown(page) == "Đã trả kết quả"

    page = person(phone=True)  # the citizen, on a phone
    log_in(page, citizen.username, CITIZEN_PASSWORD)
    page.goto("/dich-vu-cong/ho-so/")
    row = page.get_by_role("row").filter(has_text=dossier.code)
    assert "Đã trả kết quả" in row.inner_text()
    assert fits_the_phone(page)
    row.get_by_role("link", name=dossier.code).click()
    page.wait_for_url(f"**{address}")
    assert state_shown(page) == "Đã trả kết quả"
    assert fits_the_phone(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="giay-khai-sinh.pdf").click()
    assert download.value.suggested_filename == "giay-khai-sinh.pdf"
    assert download.value.path().read_bytes() == result.read_bytes()

    assert page.get_by_text("Ông/bà có hài lòng với việc giải quyết hồ sơ không?").is_visible()
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_label("Nhận xét").fill("Cán bộ hướng dẫn tận tình.")
    act(page, "Đánh giá")
    assert page.get_by_text("Ông/bà có hài lòng với việc giải quyết hồ sơ không?").count() == 0
    assert page.get_by_role("button", name="Đánh giá", exact=True).count() == 0
    assert fits_the_phone(page)
    dossier.refresh_from_db()
    assert dossier.rating.satisfied is True
    assert dossier.rating.comment == "Cán bộ hướng dẫn tận tình."


def test_officials_pages_work_on_a_phone(person, birth, submit, counter):
    """A counter officer handles the queue and a dossier from a 360-pixel phone."""
    dossier = submit(birth)
    page = person(phone=True)
    log_in(page, counter.username, PASSWORD)
    page.goto("/can-bo/ho-so/?queue=to_receive")
    assert fits_the_phone(page)
    page.get_by_role("link", name=dossier.code).click()
    page.wait_for_url(f"**/dich-vu-cong/ho-so/{dossier.code}/")
    assert fits_the_phone(page)
    act(page, "Tiếp nhận")
    assert state_shown(page) == "Đã tiếp nhận"
    assert fits_the_phone(page)
    page.goto("/can-bo/")
    assert fits_the_phone(page)
