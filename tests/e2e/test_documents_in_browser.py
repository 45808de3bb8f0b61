"""An official document's whole life in the browser: a specialist of the city's Văn phòng
drafts it on a phone with its PDF, the chairman approves and signs it with his key, the
clerk numbers it (the agency's seal) and issues it; the ward's clerk finds it among the
incoming documents and registers it, the ward's chairman assigns it, and the ward's
specialist processes and completes it on a phone. Then a vice-chairman registers her
key file on her phone and signs with it, and the ward's clerk receives a document sent
by another system as an edXML package.

The pages are in English (the language switch's cookie), so the texts read here are the
pages' own, whatever the translations say."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chinhquyenso.documents import edxml, services
from chinhquyenso.documents.files import sha256_of
from chinhquyenso.documents.models import (
    DocumentFile,
    IncomingChannel,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    SigningCredential,
)
from chinhquyenso.org.models import Role
from tests.documents import conftest as documents
from tests.factories import PASSWORD, OfficialFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
# The city, its Văn phòng, the ward, their officials with real signing keys and the
# document types of the documents tests (their conftest is not visible from this folder).
types = documents.types
city_pc = documents.city_pc
city_office = documents.city_office
ward_pc = documents.ward_pc
it_admin = documents.it_admin
sealed_agencies = documents.sealed_agencies
drafter = documents.drafter
city_leader = documents.city_leader
city_clerk = documents.city_clerk
ward_clerk = documents.ward_clerk
ward_leader = documents.ward_leader
ward_specialist = documents.ward_specialist
_trust_the_test_ca = documents._trust_the_test_ca
draft = documents.draft
signed = documents.signed


@pytest.fixture
def person(browser, live_server, _tasks_run_at_once):
    """person(user, phone=False) → a page of a browser of that person's own, logged in."""
    contexts = []

    def open_page(user, phone=False):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
        context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto("/dang-nhap/")
        page.get_by_label("User name").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/dang-nhap/" not in url)
        return page

    yield open_page
    for context in contexts:
        context.close()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def state_shown(page) -> str:
    return page.locator("dl.facts dt:text-is('State') + dd .state").inner_text()


def act(page, button: str, label: str | None = None):
    """Press an action's button; the page answers in place (htmx) with the message."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Done: {(label or button).lower()}.")


def open_from_queue(page, queue: str, text: str):
    page.goto("/van-ban/")
    page.get_by_role("link", name=re.compile(rf"^{re.escape(queue)} \d+$")).click()
    row = page.get_by_role("row").filter(has_text=text)
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/van-ban/(di|den)/\d+/$"))


def test_a_document_from_draft_to_done(person, drafter, city_leader, city_clerk, ward_pc, ward_clerk,
                                       ward_leader, ward_specialist, types, tmp_path):
    subject = "Về việc triển khai kế hoạch chuyển đổi số năm 2026"
    draft_pdf = tmp_path / "du-thao-ke-hoach.pdf"
    draft_pdf.write_bytes(documents.make_pdf("KẾ HOẠCH", subject))

    # The specialist drafts it on her phone.
    page = person(drafter, phone=True)
    page.get_by_role("link", name="Official documents", exact=True).click()
    page.wait_for_url("**/van-ban/")
    page.get_by_role("link", name="New draft").click()
    page.wait_for_url("**/van-ban/du-thao/moi/")
    assert fits_the_phone(page)
    page.get_by_label("Document type").select_option(label="Kế hoạch (KH)")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Urgency").select_option(label="Urgent (khẩn)")
    page.get_by_label("Recipients on the platform").select_option(label="Ủy ban nhân dân phường Tích Sơn")
    page.get_by_label("Signing capacity").select_option(value="TM.")
    page.get_by_label("Draft (PDF)").set_input_files(draft_pdf)
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r"/van-ban/di/\d+/$"))
    document = OutgoingDocument.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == f"Outgoing document Draft no. {document.pk}"
    assert state_shown(page) == "Draft"
    assert page.get_by_role("link", name="du-thao-ke-hoach.pdf").is_visible()
    assert fits_the_phone(page)
    act(page, "Submit for review")
    assert state_shown(page) == "In review"
    assert page.get_by_role("button", name="Submit for review").count() == 0
    assert fits_the_phone(page)

    # The chairman approves and signs it with his key.
    page = person(city_leader)
    open_from_queue(page, "To review", subject)
    act(page, "Approve for signature")
    assert state_shown(page) == "Approved, to be signed"
    page.get_by_label("Signing key passphrase").fill("not-the-passphrase")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert state_shown(page) == "Approved, to be signed"
    assert page.get_by_label("Signing key passphrase").input_value() == ""  # never sent back
    page.get_by_label("Signing key passphrase").fill(documents.PASSPHRASE)
    act(page, "Sign")
    assert state_shown(page) == "Signed"
    assert "Bùi Văn Sơn" in page.locator("dl.facts").inner_text()

    # The clerk numbers it (the agency's seal) and issues it.
    page = person(city_clerk)
    open_from_queue(page, "To number and issue", subject)
    act(page, "Give a number")
    document.refresh_from_db()
    assert state_shown(page) == "Numbered"
    assert document.notation in page.get_by_role("heading", level=1).inner_text()
    act(page, "Issue")
    assert state_shown(page) == "Issued"
    signed = list(document.files.filter(kind=DocumentFile.Kind.SIGNED).order_by("created_at", "pk"))
    assert len(signed) == 2
    files = page.locator("ol.files").inner_text()
    assert signed[0].sha256 in files and signed[1].sha256 in files
    deliveries = page.get_by_role("row").filter(has_text="Ủy ban nhân dân phường Tích Sơn")
    assert "Received" in deliveries.inner_text()

    # The ward's clerk finds it among the incoming documents and registers it.
    page = person(ward_clerk)
    open_from_queue(page, "Incoming to register", subject)
    with page.expect_download() as download:
        page.get_by_role("link", name=signed[1].original_name).click()
    assert sha256_of(download.value.path().read_bytes()) == signed[1].sha256
    act(page, "Register")
    incoming = IncomingDocument.objects.get(agency=ward_pc)
    assert state_shown(page) == "Registered"
    assert f"{incoming.incoming_number}/{incoming.year}" in page.get_by_role("heading", level=1).inner_text()

    # The ward's chairman assigns it to the ward's own staff, with a deadline.
    page = person(ward_leader)
    open_from_queue(page, "Incoming to assign", subject)
    deadline = timezone.localdate() + timedelta(days=10)
    page.get_by_label("Lead unit").select_option(label="Ủy ban nhân dân phường Tích Sơn")
    page.get_by_label("Due by").fill(deadline.strftime("%d/%m/%Y"))
    page.get_by_label("Note").fill("Giao công chức Văn hóa - Xã hội chủ trì")
    act(page, "Assign")
    assert state_shown(page) == "Assigned"

    # The ward's specialist processes and completes it on his phone.
    page = person(ward_specialist, phone=True)
    open_from_queue(page, "To process in my unit", subject)
    assert fits_the_phone(page)
    act(page, "Start processing")
    assert state_shown(page) == "Processing"
    page.get_by_label("Note").fill("Đã xây dựng kế hoạch của phường")
    act(page, "Complete")
    assert state_shown(page) == "Done"
    assert "Đã xây dựng kế hoạch của phường" in page.locator("ol.timeline").inner_text()
    assert fits_the_phone(page)
    page.goto("/van-ban/so-van-ban-den/")
    assert fits_the_phone(page)

    incoming.refresh_from_db()
    document.refresh_from_db()
    assert (incoming.state, incoming.deadline, incoming.lead_unit) == (IncomingState.DONE, deadline, ward_pc)
    assert document.deliveries.get() == incoming


def test_a_leader_registers_her_key_on_a_phone_and_signs(person, draft, drafter, city_leader, city_pc, city,
                                                         tmp_path):
    deputy = OfficialFactory(agency=city_pc, full_name="Vũ Thị Lan", title="Phó Chủ tịch",
                             roles=[(Role.LEADER, city)]).user
    key_file = tmp_path / "vu-thi-lan.p12"
    key_file.write_bytes(documents.person_pkcs12("Vũ Thị Lan", city_pc.name, "Phó Chủ tịch"))
    document = draft(subject="Về việc kiểm tra công tác cải cách hành chính")
    services.submit_for_review(document_id=document.pk, actor=drafter)
    services.approve_for_signature(document_id=document.pk, actor=city_leader)

    page = person(deputy, phone=True)
    page.get_by_role("link", name="Official documents", exact=True).click()
    page.get_by_role("link", name="My signing certificate").click()
    page.wait_for_url("**/van-ban/chung-thu-so/")
    assert fits_the_phone(page)
    page.get_by_label("Key file (PKCS#12: .p12 or .pfx)").set_input_files(key_file)
    page.get_by_label("Passphrase of the key file").fill("not-the-passphrase")
    page.get_by_role("button", name="Register the key file").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_label("Passphrase of the key file").input_value() == ""  # never sent back
    page.get_by_label("Key file (PKCS#12: .p12 or .pfx)").set_input_files(key_file)
    page.get_by_label("Passphrase of the key file").fill(documents.PASSPHRASE)
    page.get_by_role("button", name="Register the key file").click()
    expect(page.get_by_role("status")).to_contain_text("Your signing certificate is registered: Vũ Thị Lan.")
    credential = SigningCredential.objects.get(official=deputy.official)
    assert credential.fingerprint in page.locator("ul.credentials").inner_text()
    assert fits_the_phone(page)

    open_from_queue(page, "To sign", "kiểm tra công tác cải cách hành chính")
    assert fits_the_phone(page)
    page.get_by_label("Signing key passphrase").fill(documents.PASSPHRASE)
    act(page, "Sign")
    assert state_shown(page) == "Signed"
    assert "Vũ Thị Lan" in page.locator("dl.facts").inner_text()
    assert fits_the_phone(page)
    document.refresh_from_db()
    assert document.state == OutgoingState.SIGNED and document.signer_name == "Vũ Thị Lan"


def test_the_ward_clerk_receives_an_edxml_package(person, signed, city_clerk, ward_pc, ward_clerk, tmp_path):
    document = signed(subject="Về việc phối hợp triển khai dịch vụ công trực tuyến")
    services.number_document(document_id=document.pk, actor=city_clerk)
    services.issue_document(document_id=document.pk, actor=city_clerk)
    message = services.export_edxml(document_id=document.pk, actor=city_clerk,
                                    recipients=[edxml.Organ(ward_pc.code, ward_pc.name)])
    package = tmp_path / "goi-van-ban.edxml"
    package.write_bytes(services.read_message(message))
    broken = tmp_path / "goi-hong.edxml"
    broken.write_bytes(package.read_bytes()[:4000])

    page = person(ward_clerk, phone=True)
    page.goto("/van-ban/")
    page.get_by_role("link", name="Receive an edXML package").click()
    page.wait_for_url("**/van-ban/den/edxml/")
    assert fits_the_phone(page)
    page.get_by_label("edXML file").set_input_files(broken)
    page.get_by_role("button", name="Receive the package").click()
    expect(page.get_by_role("alert")).to_contain_text("The package was not received")
    assert not IncomingDocument.objects.filter(agency=ward_pc).exists()
    page.get_by_label("edXML file").set_input_files(package)
    page.get_by_role("button", name="Receive the package").click()
    page.wait_for_url(re.compile(r"/van-ban/den/\d+/$"))
    incoming = IncomingDocument.objects.get(agency=ward_pc)
    assert incoming.channel == IncomingChannel.ELECTRONIC
    assert state_shown(page) == "Received"
    expect(page.locator(".signatures-on-arrival")).to_contain_text("The signatures are valid")
    assert page.get_by_role("link", name=re.compile(r"public verification")).is_visible()
    assert fits_the_phone(page)
    act(page, "Register")
    assert state_shown(page) == "Registered"
    page.goto("/van-ban/trao-doi/")
    assert page.get_by_role("row").filter(has_text="03 – Registered").count() == 1
    assert fits_the_phone(page)
