"""edXML packages and status messages: what another system receives from us, and what
we refuse when a package arrives broken, altered or hostile."""

import base64
import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from lxml import etree
from reportlab.platypus import Paragraph

from chinhquyenso.core.pdf import build_pdf, escape_text, get_styles
from chinhquyenso.documents.edxml import (
    MAX_ATTACHMENT_BYTES,
    NAMESPACE,
    Attachment,
    BusinessType,
    DocumentPackage,
    DocumentType,
    EdxmlError,
    Organ,
    Priority,
    Status,
    StatusMessage,
    TraceEntry,
    build_package,
    build_status,
    make_document_id,
    parse_package,
    parse_status,
    urgency_for_priority,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NS = {"e": NAMESPACE}
CITY = Organ("000.00.12.H62", "Ủy ban nhân dân thành phố Vĩnh Yên")
WARD = Organ("000.01.12.H62", "Ủy ban nhân dân phường Liên Bảo")
WARD_2 = Organ("000.02.12.H62", "Ủy ban nhân dân phường Đống Đa")
SUBJECT = "Về việc triển khai tổ công nghệ số cộng đồng tại các thôn, tổ dân phố"


@pytest.fixture(scope="module")
def signed_pdf():
    styles = get_styles()
    return build_pdf(
        [Paragraph(escape_text("QUYẾT ĐỊNH " + SUBJECT), styles.normal)],
        title="123/QĐ-UBND", author=CITY.name, invariant=True,
    )


def make_package(pdf, **changes):
    values = dict(
        from_organ=CITY,
        to_organs=[WARD, WARD_2],
        code_number="123",
        code_notation="QĐ-UBND",
        promulgation_place="Vĩnh Yên",
        promulgation_date=date(2026, 3, 2),
        document_type=DocumentType("QĐ", "Quyết định"),
        subject=SUBJECT,
        content="Giao Phòng Văn hóa và Thông tin hướng dẫn, đôn đốc thực hiện.",
        signer_competence="KT. CHỦ TỊCH",
        signer_position="Phó Chủ tịch",
        signer_full_name="Nguyễn Văn Đức",
        due_date=date(2026, 3, 16),
        priority="thuong_khan",
        sphere="Các phường, xã",
        page_amount=2,
        appendixes=["Phụ lục I: Danh sách tổ công nghệ số", "Phụ lục II: Biểu mẫu báo cáo"],
        steering_type=1,
        document_id=make_document_id(CITY.id, date(2026, 3, 2), "123", "QĐ-UBND"),
        trace=[TraceEntry(CITY.id, datetime(2026, 3, 2, 15, 4, 5, tzinfo=VN), BusinessType.NEW)],
        attachments=[
            Attachment("123-QD-UBND.pdf", "application/pdf", pdf, "Bản ký số"),
            Attachment("phu-luc.txt", "text/plain",
                       "Danh sách: Tích Sơn, Liên Bảo, Hội Hợp".encode(), "Phụ lục"),
        ],
    )
    values.update(changes)
    return DocumentPackage(**values)


def edit(data, change):
    """Apply `change(root)` to a serialized message, as a broken sender would."""
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def one(root, path):
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, path
    return found[0]


def remove(root, path):
    element = one(root, path)
    element.getparent().remove(element)


def refused(data, code, **kwargs):
    with pytest.raises(EdxmlError) as caught, translation.override("en"):
        parse_package(data, **kwargs)
    assert caught.value.code == code, str(caught.value)
    return str(caught.value)


# ---------------------------------------------------------------------------- packages


def test_a_package_comes_back_identical_with_its_signed_pdf(signed_pdf):
    package = make_package(signed_pdf)

    received = parse_package(build_package(package))

    assert received == package
    assert received.attachments[0].data == signed_pdf
    assert received.main_attachment.content_type == "application/pdf"
    assert received.subject == SUBJECT
    assert received.to_organs == [WARD, WARD_2]
    assert received.priority == Priority.VERY_URGENT
    assert urgency_for_priority(received.priority) == "thuong_khan"


def test_the_same_package_always_gives_the_same_bytes(signed_pdf):
    first = build_package(make_package(signed_pdf))

    assert build_package(make_package(signed_pdf)) == first
    assert build_package(parse_package(first)) == first


def test_the_envelope_has_the_standard_layout_and_the_attachment_digests(signed_pdf):
    data = build_package(make_package(signed_pdf))

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert SUBJECT.encode() in data
    root = etree.fromstring(data)
    assert root.tag == f"{{{NAMESPACE}}}edXML"
    header = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader"
    assert one(root, f"{header}/e:MessageHeader/e:Code/e:CodeNumber").text == "123"
    assert one(root, f"{header}/e:MessageHeader/e:PromulgationInfo/e:PromulgationDate"
               ).text == "2026/03/02"
    assert one(root, f"{header}/e:MessageHeader/e:OtherInfo/e:Priority").text == "2"
    assert one(root, f"{header}/e:MessageHeader/e:DocumentId"
               ).text == "000.00.12.H62,2026/03/02,123/QĐ-UBND"
    assert one(root, f"{header}/e:TraceHeaderList/e:TraceHeader/e:Timestamp"
               ).text == "2026/03/02 15:04:05"
    assert one(root, f"{header}/e:TraceHeaderList/e:Bussiness/e:BussinessDocType").text == "0"
    assert not root.xpath("//e:DigitalSignature", namespaces=NS)
    references = root.xpath("//e:edXMLManifest/e:Reference", namespaces=NS)
    assert [r.findtext(f"{{{NAMESPACE}}}Digest") for r in references] == [
        hashlib.sha256(signed_pdf).hexdigest(),
        hashlib.sha256("Danh sách: Tích Sơn, Liên Bảo, Hội Hợp".encode()).hexdigest(),
    ]
    encoded = one(root, "/e:edXML/e:AttachmentEncoded/e:Attachment[1]/e:ContentTransferEncoded")
    assert base64.b64decode(encoded.text) == signed_pdf


@pytest.mark.parametrize("urgency, priority", [
    ("thuong", Priority.NORMAL), ("khan", Priority.URGENT),
    ("thuong_khan", Priority.VERY_URGENT), ("hoa_toc", Priority.FLASH), (4, Priority.FLASH_TIMED),
])
def test_urgency_codes_map_to_the_edxml_priority(signed_pdf, urgency, priority):
    received = parse_package(build_package(make_package(signed_pdf, priority=urgency)))

    assert received.priority == priority
    assert urgency_for_priority(priority) == (urgency if isinstance(urgency, str) else "hoa_toc")


def test_a_recalled_document_keeps_every_hop_of_its_trace(signed_pdf):
    trace = [
        TraceEntry(CITY.id, datetime(2026, 3, 2, 15, 4, 5, tzinfo=VN), BusinessType.NEW),
        TraceEntry(CITY.id, datetime(2026, 3, 3, 8, 0, 0, tzinfo=VN), BusinessType.RECALL),
    ]
    package = make_package(signed_pdf, trace=trace, business_reason="Sai sót số liệu phụ lục")

    received = parse_package(build_package(package))

    assert [entry.business_type for entry in received.trace] == [BusinessType.NEW,
                                                                 BusinessType.RECALL]
    assert received.business_reason == "Sai sót số liệu phụ lục"


def test_a_package_in_the_style_of_other_systems_is_read(signed_pdf):
    """Another system's package: attachments outside the namespace, dd/MM/yyyy dates,
    no digest (accepted only when the caller says so), one hop with the list-level type."""
    encoded = base64.b64encode(signed_pdf).decode()
    data = f"""<?xml version="1.0" encoding="utf-8"?>
<edXML xmlns="{NAMESPACE}">
 <edXML:edXMLEnvelope xmlns:edXML="{NAMESPACE}">
  <edXML:edXMLHeader>
   <edXML:MessageHeader>
    <edXML:From><edXML:OrganId>000.00.00.H62</edXML:OrganId>
      <edXML:OrganizationInCharge>UBND tỉnh</edXML:OrganizationInCharge>
      <edXML:OrganName>UBND tỉnh Vĩnh Phúc</edXML:OrganName></edXML:From>
    <edXML:To><edXML:OrganId>{CITY.id}</edXML:OrganId><edXML:OrganName>{CITY.name}</edXML:OrganName></edXML:To>
    <edXML:Code><edXML:CodeNumber>45</edXML:CodeNumber><edXML:CodeNotation>UBND-VP</edXML:CodeNotation></edXML:Code>
    <edXML:PromulgationInfo><edXML:Place>Vĩnh Phúc</edXML:Place>
      <edXML:PromulgationDate>05/03/2026</edXML:PromulgationDate></edXML:PromulgationInfo>
    <edXML:DocumentType><edXML:Type>18</edXML:Type><edXML:TypeDetail>0</edXML:TypeDetail>
      <edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>
    <edXML:Subject>V/v báo cáo chuyển đổi số quý I</edXML:Subject>
    <edXML:OtherInfo><edXML:Priority>1</edXML:Priority><edXML:PageAmount>1</edXML:PageAmount></edXML:OtherInfo>
    <edXML:SteeringType>0</edXML:SteeringType>
    <edXML:DocumentId>000.00.00.H62,2026/03/05,45/UBND-VP</edXML:DocumentId>
   </edXML:MessageHeader>
   <edXML:TraceHeaderList>
    <edXML:TraceHeader><edXML:OrganId>000.00.00.H62</edXML:OrganId>
      <edXML:Timestamp>05/03/2026 10:30:00</edXML:Timestamp></edXML:TraceHeader>
    <edXML:Bussiness><edXML:BussinessDocType>0</edXML:BussinessDocType></edXML:Bussiness>
   </edXML:TraceHeaderList>
  </edXML:edXMLHeader>
  <edXML:edXMLBody><edXML:edXMLManifest version="1.0">
   <edXML:Reference><edXML:ContentId>cid:9f1c</edXML:ContentId>
     <edXML:AttachmentName>45-UBND-VP.pdf</edXML:AttachmentName>
     <edXML:ContentType>application/pdf</edXML:ContentType></edXML:Reference>
  </edXML:edXMLManifest></edXML:edXMLBody>
 </edXML:edXMLEnvelope>
 <AttachmentEncoded xmlns=""><Attachment><ContentId>9f1c</ContentId>
   <ContentTransferEncoded>{encoded}</ContentTransferEncoded></Attachment></AttachmentEncoded>
</edXML>""".encode()

    refused(data, "missing_field")
    received = parse_package(data, require_digest=False)

    assert received.from_organ == Organ("000.00.00.H62", "UBND tỉnh Vĩnh Phúc")
    assert received.promulgation_date == date(2026, 3, 5)
    assert received.priority == Priority.URGENT
    assert received.document_type == DocumentType("18", "Công văn")
    assert received.trace == [TraceEntry("000.00.00.H62",
                                         datetime(2026, 3, 5, 10, 30, tzinfo=VN))]
    assert received.attachments == [Attachment("45-UBND-VP.pdf", "application/pdf", signed_pdf)]


# ---------------------------------------------------------------------------- refusals


def test_truncated_or_non_xml_input_is_refused(signed_pdf):
    data = build_package(make_package(signed_pdf))

    assert "well-formed" in refused(data[: len(data) // 2], "malformed")
    refused(signed_pdf, "malformed")
    refused(b"   ", "malformed")


def test_another_namespace_or_root_is_refused(signed_pdf):
    data = build_package(make_package(signed_pdf))

    message = refused(data.replace(NAMESPACE.encode(), b"http://example.org/edxml"), "namespace")
    assert "http://example.org/edxml" in message
    refused(b'<?xml version="1.0"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"/>',
            "namespace")


@pytest.mark.parametrize("path, field", [
    ("//e:MessageHeader/e:Subject", "Subject"),
    ("//e:MessageHeader/e:From/e:OrganId", "From/OrganId"),
    ("//e:MessageHeader/e:DocumentId", "DocumentId"),
    ("//e:MessageHeader/e:Code/e:CodeNumber", "CodeNumber"),
    ("//e:MessageHeader/e:Code/e:CodeNotation", "CodeNotation"),
    ("//e:PromulgationInfo/e:PromulgationDate", "PromulgationDate"),
])
def test_a_package_without_a_required_field_is_refused(signed_pdf, path, field):
    data = build_package(make_package(signed_pdf))

    message = refused(edit(data, lambda root: remove(root, path)), "missing_field")

    assert field in message


def test_a_package_without_recipients_is_refused(signed_pdf):
    def drop_recipients(root):
        for element in root.xpath("//e:MessageHeader/e:To", namespaces=NS):
            element.getparent().remove(element)

    data = build_package(make_package(signed_pdf))

    assert "MessageHeader/To" in refused(edit(data, drop_recipients), "missing_field")


def test_an_impossible_date_is_refused(signed_pdf):
    def set_date(root):
        one(root, "//e:PromulgationInfo/e:PromulgationDate").text = "2026/02/30"

    data = build_package(make_package(signed_pdf))

    assert "2026/02/30" in refused(edit(data, set_date), "bad_value")


def test_a_tampered_pdf_does_not_match_its_digest(signed_pdf):
    def tamper(root):
        encoded = one(root, "//e:AttachmentEncoded/e:Attachment[1]/e:ContentTransferEncoded")
        pdf = bytearray(base64.b64decode(encoded.text))
        pdf[len(pdf) // 2] ^= 0x01
        encoded.text = base64.b64encode(bytes(pdf)).decode()

    data = build_package(make_package(signed_pdf))

    message = refused(edit(data, tamper), "hash_mismatch")
    assert "123-QD-UBND.pdf" in message
    assert hashlib.sha256(signed_pdf).hexdigest() in message


def test_content_that_is_not_base64_is_refused(signed_pdf):
    def garble(root):
        one(root, "//e:AttachmentEncoded/e:Attachment[2]/e:ContentTransferEncoded"
            ).text = "không phải base64!"

    data = build_package(make_package(signed_pdf))

    assert "phu-luc.txt" in refused(edit(data, garble), "bad_value")


def test_an_attachment_listed_in_the_manifest_but_not_carried_is_refused(signed_pdf):
    data = build_package(make_package(signed_pdf))

    removed = edit(data, lambda root: remove(root, "//e:AttachmentEncoded/e:Attachment[1]"))
    assert "123-QD-UBND.pdf" in refused(removed, "missing_attachment")

    def empty(root):
        one(root, "//e:AttachmentEncoded/e:Attachment[2]/e:ContentTransferEncoded").text = ""

    assert "phu-luc.txt" in refused(edit(data, empty), "missing_attachment")


def test_content_not_listed_in_the_manifest_is_refused(signed_pdf):
    data = build_package(make_package(signed_pdf))

    unlisted = edit(data, lambda root: remove(root, "//e:edXMLManifest/e:Reference[2]"))

    assert "attachment-2" in refused(unlisted, "bad_value")


def test_an_attachment_without_digest_is_refused_unless_allowed(signed_pdf):
    data = build_package(make_package(signed_pdf))
    undigested = edit(data, lambda root: remove(root, "//e:Reference[1]/e:Digest"))

    assert "Digest" in refused(undigested, "missing_field")
    assert parse_package(undigested, require_digest=False).attachments[0].data == signed_pdf


def test_a_package_without_attachments_is_refused(signed_pdf):
    def strip(root):
        remove(root, "/e:edXML/e:AttachmentEncoded")
        for reference in root.xpath("//e:Reference", namespaces=NS):
            reference.getparent().remove(reference)

    data = build_package(make_package(signed_pdf))

    refused(edit(data, strip), "no_attachment")
    with pytest.raises(EdxmlError) as caught:
        build_package(make_package(signed_pdf, attachments=[]))
    assert caught.value.code == "no_attachment"


def test_a_package_above_the_size_limit_is_refused(signed_pdf):
    data = build_package(make_package(signed_pdf))

    assert str(len(data)) in refused(data, "too_large", max_bytes=len(data) - 1)
    assert parse_package(data, max_bytes=len(data)).subject == SUBJECT
    with pytest.raises(EdxmlError) as caught:
        build_package(make_package(signed_pdf), max_bytes=len(data) - 1)
    assert caught.value.code == "too_large"


def test_an_attachment_too_large_for_the_hardened_parser_is_refused_both_ways(signed_pdf):
    big = Attachment("scan.pdf", "application/pdf", b"%PDF" + b"\0" * MAX_ATTACHMENT_BYTES)
    with pytest.raises(EdxmlError) as caught:
        build_package(make_package(signed_pdf, attachments=[big]))
    assert caught.value.code == "too_large"

    def oversize(root):
        one(root, "//e:AttachmentEncoded/e:Attachment[1]/e:ContentTransferEncoded"
            ).text = "A" * 10_000_004

    data = build_package(make_package(signed_pdf))
    refused(edit(data, oversize), "too_large")


BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE edXML [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML xmlns="{NAMESPACE}"><edXMLEnvelope><edXMLHeader><MessageHeader>
<Subject>&lol9;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>""".encode()

EXTERNAL_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXML xmlns="{NAMESPACE}"><edXMLEnvelope><edXMLHeader><MessageHeader>
<Subject>&secret;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>""".encode()

EXTERNAL_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/edxml.dtd">
<edXML xmlns="{NAMESPACE}"/>""".encode()


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_dtds_and_entities_are_refused_without_expanding_them(data):
    message = refused(data, "malformed")

    assert "DTD" in message
    assert "lollol" not in message
    assert "root:" not in message
    with pytest.raises(EdxmlError) as caught:
        parse_status(data)
    assert caught.value.code == "malformed"


def test_a_package_is_read_as_utf8_whatever_it_declares(signed_pdf):
    """UTF-16 would hide a DOCTYPE from a byte search; edXML is UTF-8, so it is refused."""
    text = build_package(make_package(signed_pdf)).decode().replace("UTF-8", "UTF-16", 1)

    refused(text.encode("utf-16"), "malformed")
    refused(EXTERNAL_ENTITY.replace(b'"1.0"?>', b'"1.0" encoding="UTF-16"?>')
            .decode().encode("utf-16"), "malformed")


def test_errors_are_value_errors_with_a_readable_reason(signed_pdf):
    data = build_package(make_package(signed_pdf))
    broken = edit(data, lambda root: remove(root, "//e:MessageHeader/e:Subject"))

    with pytest.raises(ValueError) as caught, translation.override("en"):
        parse_package(broken)

    assert str(caught.value) == "Required field MessageHeader/Subject is missing or empty."
    assert caught.value.reason == str(caught.value)


def test_a_package_missing_a_required_field_is_not_built(signed_pdf):
    for changes in ({"subject": "  "}, {"document_id": ""}, {"to_organs": []},
                    {"from_organ": Organ("", "Không mã")}):
        with pytest.raises(EdxmlError) as caught:
            build_package(make_package(signed_pdf, **changes))
        assert caught.value.code == "missing_field", changes


@pytest.mark.parametrize("priority", [5, -1, "rat_khan", True])
def test_an_unknown_priority_is_refused(signed_pdf, priority):
    with pytest.raises(EdxmlError) as caught:
        make_package(signed_pdf, priority=priority)
    assert caught.value.code == "bad_value"


# ---------------------------------------------------------------------------- statuses


def make_status(code, **changes):
    values = dict(
        from_organ=WARD,
        to_organ=CITY,
        document_id=make_document_id(CITY.id, date(2026, 3, 2), "123", "QĐ-UBND"),
        code_number="123",
        code_notation="QĐ-UBND",
        status_code=code,
        description="Văn thư phường Liên Bảo đã tiếp nhận, vào sổ văn bản đến",
        timestamp=datetime(2026, 3, 2, 16, 20, 0, tzinfo=VN),
        staff_name="Trần Thị Hương",
        department="Văn phòng HĐND và UBND phường",
        promulgation_date=date(2026, 3, 2),
    )
    values.update(changes)
    return StatusMessage(**values)


@pytest.mark.parametrize("code", list(Status), ids=lambda status: status.name)
def test_every_status_message_comes_back_identical(code):
    message = make_status(code)

    data = build_status(message)
    received = parse_status(data)

    assert received == message
    assert received.status_code is code
    assert build_status(received) == data
    root = etree.fromstring(data)
    assert one(root, "//e:Status/e:StatusCode").text == code.value
    assert one(root, "//e:Status/e:ResponseFor/e:Code").text == "123/QĐ-UBND"


def test_status_names_and_codes():
    assert {status.name: status.value for status in Status} == {
        "RECEIVED": "01", "REJECTED": "02", "REGISTERED": "03", "ASSIGNED": "04",
        "PROCESSING": "05", "DONE": "06", "RECALL_REQUESTED": "13", "RECALL_ACCEPTED": "15",
        "RECALL_REFUSED": "16",
    }


def test_a_status_timestamp_from_another_zone_is_sent_in_vietnam_time():
    utc = datetime(2026, 3, 2, 9, 20, 0, 123456, tzinfo=ZoneInfo("UTC"))

    received = parse_status(build_status(make_status(Status.DONE, timestamp=utc)))

    assert received.timestamp == datetime(2026, 3, 2, 16, 20, 0, tzinfo=VN)
    assert received.timestamp.utcoffset().total_seconds() == 7 * 3600


def test_an_unknown_status_code_is_refused():
    with pytest.raises(EdxmlError) as caught:
        make_status("07")
    assert caught.value.code == "bad_value"

    def set_code(root):
        one(root, "//e:Status/e:StatusCode").text = "07"

    data = edit(build_status(make_status(Status.RECEIVED)), set_code)
    with pytest.raises(EdxmlError) as caught, translation.override("en"):
        parse_status(data)
    assert caught.value.code == "bad_value"
    assert "'07'" in str(caught.value)


def test_a_one_digit_status_code_from_another_system_is_read():
    def set_code(root):
        one(root, "//e:Status/e:StatusCode").text = "3"

    data = edit(build_status(make_status(Status.RECEIVED)), set_code)

    assert parse_status(data).status_code is Status.REGISTERED


def test_broken_status_messages_are_refused():
    data = build_status(make_status(Status.ASSIGNED))

    cases = [
        (data[:-40], "malformed"),
        (data.replace(NAMESPACE.encode(), b"urn:other"), "namespace"),
        (edit(data, lambda root: remove(root, "//e:ResponseFor/e:DocumentId")), "missing_field"),
        (edit(data, lambda root: remove(root, "//e:Status/e:From/e:OrganId")), "missing_field"),
        (data, "too_large"),
    ]
    for broken, code in cases:
        kwargs = {"max_bytes": 100} if code == "too_large" else {}
        with pytest.raises(EdxmlError) as caught:
            parse_status(broken, **kwargs)
        assert caught.value.code == code, (code, str(caught.value))
