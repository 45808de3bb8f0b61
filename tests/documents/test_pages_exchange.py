"""The edXML exchange and paper documents through the officials' pages: the city's clerk
packages an issued document for another system, the ward's clerk receives the package
(its signatures checked on arrival) or answers its sender with a rejection, the
outbox with its status messages, the statuses back on the sender's page, and a paper
document recorded with its scan. Real signed PDFs, real edXML files.

The pages are asked for in English (the language switch's cookie)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings

from chinhquyenso.documents import services
from chinhquyenso.documents.files import sha256_of
from chinhquyenso.documents.models import (
    DocumentFile,
    ExchangeMessage,
    IncomingChannel,
    IncomingDocument,
    Urgency,
)
from tests.documents.conftest import PDF

pytestmark = pytest.mark.django_db

RECEIVE, OUTBOX = "/van-ban/den/edxml/", "/van-ban/trao-doi/"


def open_as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html(response) -> str:
    return response.content.decode()


def upload(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@pytest.fixture
def issued(signed, city_clerk):
    """issued(**kwargs) → a document signed, numbered (sealed) and issued by the city,
    by default to nobody on the platform."""

    def make(**kwargs):
        kwargs.setdefault("internal_recipients", [])
        document = signed(**kwargs)
        services.number_document(document_id=document.pk, actor=city_clerk)
        return services.issue_document(document_id=document.pk, actor=city_clerk)

    return make


def export(client, document, recipients=""):
    return client.post(f"/van-ban/di/{document.pk}/edxml/", {"export-recipients": recipients})


def package_for(client, city_clerk, document, organ) -> bytes:
    response = export(open_as(client, city_clerk), document, f"{organ.code} {organ.name}")
    assert response.status_code == 200, html(response)
    return response.content


def test_the_clerk_packages_an_issued_document(client, issued, city_clerk, city_leader, ward_pc):
    document = issued()
    address = f"/van-ban/di/{document.pk}/"
    assert 'data-form="export"' not in html(open_as(client, city_leader).get(address))  # the clerk's
    page = html(open_as(client, city_clerk).get(address))
    assert "Package for another system (edXML)" in page

    nobody = export(client, document)
    assert nobody.status_code == 400 and "Name at least one recipient organisation." in html(nobody)
    bad_code = export(client, document, "Sở Nội vụ")
    assert bad_code.status_code == 400
    assert bad_code.context["export_form"].errors["recipients"]

    response = export(client, document, f"{ward_pc.code} – {ward_pc.name}\n000.00.01.H08 Sở Nội vụ tỉnh")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert "attachment" in response["Content-Disposition"] and ".edxml" in response["Content-Disposition"]
    assert b"QCVN_102_2016" in response.content and document.notation.encode() in response.content
    message = ExchangeMessage.objects.get(outgoing=document)
    assert message.counterpart == f"{ward_pc.code}, 000.00.01.H08"
    assert sha256_of(response.content) == message.sha256

    page = html(client.get(address))
    exchange = page.split("Exchange with other systems", 1)[1]
    assert "Sent" in exchange and "Document package" in exchange and "waiting in the outbox" in exchange
    assert f"/van-ban/trao-doi/tep/{message.pk}/" in exchange
    assert "Package for another system" in page.split("History", 1)[1]


def test_the_ward_receives_the_package_through_the_page(client, issued, city_clerk, ward_pc, ward_clerk,
                                                        ward_specialist):
    document = issued(subject="Về việc triển khai Đề án 06 trên địa bàn phường")
    package = package_for(client, city_clerk, document, ward_pc)
    assert open_as(client, ward_specialist).get(RECEIVE).status_code == 403

    open_as(client, ward_clerk)
    form = client.get(RECEIVE)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in html(form)
    response = client.post(RECEIVE, {"package-agency": ward_pc.pk, "package-file": upload(package, "goi.edxml")},
                           follow=True)
    incoming = IncomingDocument.objects.get(agency=ward_pc)
    assert response.redirect_chain[-1][0] == f"/van-ban/den/{incoming.pk}/"
    assert (incoming.channel, incoming.signature_verdict) == (IncomingChannel.ELECTRONIC, "valid")
    page = html(response)
    assert "The document is received" in page and "Về việc triển khai Đề án 06" in page
    assert 'data-verdict="valid"' in page and "The signatures are valid" in page
    assert 'href="/xac-thuc/"' in page
    stored = incoming.files.get()
    assert f"/van-ban/tep/{stored.pk}/" in page and stored.sha256 in page
    signed = document.files.filter(kind=DocumentFile.Kind.SIGNED).latest("pk")
    assert stored.sha256 == signed.sha256  # the sealed PDF, byte for byte
    # The “arrived” status for the sender, listed on the page and waiting in the outbox.
    assert "01 – Arrived" in page.split("Exchange with other systems", 1)[1]

    again = client.post(RECEIVE, {"package-agency": ward_pc.pk, "package-file": upload(package, "goi.edxml")})
    assert again.status_code == 400 and "has already been received" in html(again)
    assert again.context["reject_form"] is None  # a document received is not rejected
    assert IncomingDocument.objects.filter(agency=ward_pc).count() == 1


def test_a_broken_package_is_refused_whole_with_its_reason(client, issued, city_clerk, ward_pc, ward_clerk):
    package = package_for(client, city_clerk, issued(), ward_pc)
    open_as(client, ward_clerk)
    response = client.post(RECEIVE, {"package-agency": ward_pc.pk,
                                     "package-file": upload(package[: len(package) // 2], "goi.edxml")})
    assert response.status_code == 400
    reason = response.context["form"].errors["file"][0]
    assert reason and f"The package was not received: {reason}" in html(response)
    assert response.context["reject_form"] is None  # no readable header: nobody to answer
    assert not IncomingDocument.objects.filter(agency=ward_pc).exists()
    assert not ExchangeMessage.objects.filter(agency=ward_pc).exists()
    assert not DocumentFile.objects.filter(incoming__agency=ward_pc).exists()


def test_a_misdirected_package_is_answered_with_a_rejection(client, issued, city_clerk, other_ward_pc, ward_pc,
                                                            ward_clerk):
    package = package_for(client, city_clerk, issued(), other_ward_pc)
    open_as(client, ward_clerk)
    refused = client.post(RECEIVE, {"package-agency": ward_pc.pk, "package-file": upload(package, "goi.edxml")})
    assert refused.status_code == 400
    assert f"not to {ward_pc.name}" in html(refused)
    assert refused.context["reject_form"] is not None and "Answer the sender with a rejection" in html(refused)

    no_reason = client.post(RECEIVE + "tu-choi/", {"reject-agency": ward_pc.pk, "reject-reason": "",
                                                   "reject-file": upload(package, "goi.edxml")})
    assert no_reason.status_code == 400
    assert no_reason.context["reject_form"].errors["reason"] == ["Give the reason for returning the document."]
    done = client.post(RECEIVE + "tu-choi/", {"reject-agency": ward_pc.pk, "reject-reason": "Gửi nhầm phường",
                                              "reject-file": upload(package, "goi.edxml")}, follow=True)
    assert done.redirect_chain[-1][0] == OUTBOX
    rejection = ExchangeMessage.objects.get(agency=ward_pc)
    assert (rejection.kind, rejection.status_code, rejection.description) == ("status", "02", "Gửi nhầm phường")
    assert "02 – Rejected" in html(done)
    assert not IncomingDocument.objects.filter(agency=ward_pc).exists()


def test_the_outbox_and_the_statuses_back_on_the_senders_page(client, issued, city_clerk, ward_pc, ward_clerk,
                                                              ward_specialist):
    document = issued()
    package = package_for(client, city_clerk, document, ward_pc)
    incoming = services.import_edxml(agency=ward_pc, actor=ward_clerk, data=package)
    services.register_incoming(document_id=incoming.pk, actor=ward_clerk)
    assert open_as(client, ward_specialist).get(OUTBOX).status_code == 403

    open_as(client, ward_clerk)
    outbox = client.get(OUTBOX)
    waiting = list(outbox.context["page"])
    assert [(m.kind, m.status_code) for m in waiting] == [("status", "01"), ("status", "03")]
    page = html(outbox)
    assert "01 – Arrived" in page and "03 – Registered" in page
    arrived = waiting[0]
    download = client.get(f"{OUTBOX}tep/{arrived.pk}/")
    assert download.status_code == 200 and sha256_of(download.content) == arrived.sha256
    assert open_as(client, city_clerk).get(f"{OUTBOX}tep/{arrived.pk}/").status_code == 404  # not hers

    open_as(client, ward_clerk)
    assert "Tick the files" in html(client.post(OUTBOX + "da-gui/", {}, follow=True))
    marked = client.post(OUTBOX + "da-gui/", {"message": [arrived.pk]}, follow=True)
    assert "1 file(s) marked as sent." in html(marked)
    assert [m.pk for m in marked.context["page"]] == [waiting[1].pk]
    everything = client.get(OUTBOX, {"da-gui": "1"})
    assert {m.pk for m in everything.context["page"]} == {arrived.pk, waiting[1].pk}

    # The city's clerk brings both statuses in; the sender's page shows them.
    open_as(client, city_clerk)
    wrong = client.post(OUTBOX + "trang-thai/", {"status-agency": document.agency_id,
                                                 "status-file": upload(package, "goi.edxml")})
    assert wrong.status_code == 400 and wrong.context["status_form"].errors["file"]
    for message in waiting:
        response = client.post(OUTBOX + "trang-thai/", {"status-agency": document.agency_id,
                                                        "status-file": upload(services.read_message(message),
                                                                              "trang-thai.edxml")}, follow=True)
        assert response.redirect_chain[-1][0] == f"/van-ban/di/{document.pk}/"
    page = html(response)
    assert "status is recorded: Registered." in page
    statuses = page.split("Statuses from recipients outside the platform", 1)[1].split("</table>", 1)[0]
    assert "Arrived" in statuses and "Registered" in statuses and ward_pc.name in statuses
    assert "Status from a recipient: Registered" in page.split("History", 1)[1]


def test_a_paper_document_is_recorded_with_its_scan(client, ward_pc, ward_clerk, ward_specialist, types):
    address = "/van-ban/den/giay/moi/"
    assert open_as(client, ward_specialist).get(address).status_code == 403
    open_as(client, ward_clerk)
    assert client.get(address).status_code == 200

    data = {"agency": ward_pc.pk, "sender_name": "", "original_notation": "15/CV-MTTQ",
            "original_date": "20/11/2026", "document_type": types["CV"].pk,
            "subject": "Đề nghị hỗ trợ tổ chức Ngày hội Đại đoàn kết", "urgency": Urgency.URGENT,
            "confidentiality": "thuong", "deadline": "05/12/2026", "scan": upload(PDF, "cong-van-15.pdf")}
    refused = client.post(address, data)
    assert refused.status_code == 400 and refused.context["form"].errors["sender_name"] == ["Enter the sender."]
    not_pdf = client.post(address, {**data, "sender_name": "Ủy ban MTTQ phường",
                                    "scan": upload(b"\x89PNG\r\n", "anh.png")})
    assert not_pdf.context["form"].errors["scan"] == ["Upload the scan as a PDF file."]
    assert not IncomingDocument.objects.exists()

    response = client.post(address, {**data, "sender_name": "Ủy ban MTTQ phường",
                                     "scan": upload(PDF, "cong-van-15.pdf")}, follow=True)
    document = IncomingDocument.objects.get()
    assert response.redirect_chain[-1][0] == f"/van-ban/den/{document.pk}/"
    assert (document.channel, document.sender_name, document.original_number, document.original_notation) == (
        IncomingChannel.PAPER, "Ủy ban MTTQ phường", 15, "15/CV-MTTQ")
    assert (document.urgency, document.deadline.isoformat(), document.received_by) == (
        Urgency.URGENT, "2026-12-05", ward_clerk)
    scan = document.files.get()
    assert (scan.kind, scan.sha256) == (DocumentFile.Kind.SCAN, sha256_of(PDF))
    page = html(response)
    assert "This PDF file carries no digital signature." in page and "cong-van-15.pdf" in page
    assert {a["action"] for a in response.context["actions"]} == {"register", "return"}
