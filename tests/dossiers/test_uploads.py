"""Uploaded dossier files are checked (empty, size, type, disguised content) and stored
byte for byte with their SHA-256."""

import copy
import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone, translation
from PIL import Image

from chinhquyenso.dossiers.models import Dossier, DossierFile
from chinhquyenso.dossiers.uploads import check_upload, read_and_hash, store_dossier_file
from chinhquyenso.procedures.services import save_procedure
from tests.factories import AgencyFactory
from tests.procedures.conftest import BIRTH, PERMIT

MB = 1024 * 1024
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PNG = image("PNG")
JPEG = image("JPEG")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def check(name, content, types=("pdf", "jpg", "png"), max_bytes=10 * MB):
    return check_upload(upload(name, content), allowed_types=list(types), max_bytes=max_bytes)


def refusal(name, content, **kwargs):
    with pytest.raises(ValidationError) as error:
        check(name, content, **kwargs)
    (message,) = error.value.messages
    return error.value.code, message


# --- check_upload ----------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "extension"), [
    ("to-khai.pdf", PDF, "pdf"), ("Giấy chứng sinh.PDF", PDF, "pdf"), ("anh.png", PNG, "png"),
    ("anh.jpg", JPEG, "jpg"), ("anh.JPEG", JPEG, "jpeg"),
])
def test_real_pdf_png_and_jpeg_files_are_accepted(name, content, extension):
    assert check(name, content, types=("pdf", "jpg", "jpeg", "png")) == extension


def test_jpg_and_jpeg_are_the_same_type():
    assert check("anh.jpeg", JPEG, types=["pdf", "jpg"]) == "jpeg"
    assert check("anh.jpg", JPEG, types=["jpeg"]) == "jpg"


@pytest.mark.parametrize(("name", "content", "types"), [
    ("don.docx", DOCX, ["docx"]), ("bang.xlsx", DOCX, ["xlsx"]), ("van-ban.odt", DOCX, ["odt"]),
    ("don.doc", DOC, ["doc"]), ("bang.xls", DOC, ["xls"]),
])
def test_office_documents_are_recognised_by_their_signature(name, content, types):
    assert check(name, content, types=types) == types[0]


def test_allowed_types_may_be_written_in_any_case_or_with_a_dot():
    assert check("to-khai.pdf", PDF, types=[".PDF"]) == "pdf"


def test_an_allowed_type_without_a_known_signature_is_accepted_unsniffed():
    assert check("ban-ve.dwg", b"AC1027 anything", types=["dwg"]) == "dwg"


def test_an_empty_file_is_refused():
    code, message = refusal("to-khai.pdf", b"")
    assert code == "empty"
    assert message == "The file “to-khai.pdf” is empty. Please choose the file again."


def test_a_file_over_the_limit_is_refused_stating_the_limit_in_mb():
    code, message = refusal("to-khai.pdf", PDF + b"0" * (2 * MB), max_bytes=2 * MB)
    assert code == "too_large"
    assert "“to-khai.pdf”" in message
    assert "limit of 2 MB" in message
    assert "2,1 MB" in message  # its own size, rounded up


def test_a_file_exactly_at_the_limit_is_accepted():
    content = PDF + b"0" * (MB - len(PDF))
    assert check("to-khai.pdf", content, max_bytes=MB) == "pdf"


def test_a_fractional_limit_is_written_with_a_decimal_comma():
    _code, message = refusal("to-khai.pdf", PDF * 20000, max_bytes=MB // 2)
    assert "limit of 0,5 MB" in message


@pytest.mark.parametrize("name", ["virus.exe", "to-khai.pdf.exe", "to-khai", "anh.gif", ".pdf"])
def test_an_extension_not_accepted_is_refused_listing_the_accepted_types(name):
    code, message = refusal(name, PDF, types=["pdf", "jpg"])
    assert code == "file_type"
    assert f"“{name}”" in message
    assert message.endswith("Accepted types: PDF, JPG.")


@pytest.mark.parametrize(("name", "content"), [
    ("to-khai.pdf", b"Day khong phai la PDF, chi la van ban."),
    ("to-khai.pdf", PNG),
    ("anh.png", JPEG),
    ("anh.jpg", PNG),
    ("anh.jpg", b"<html><script>alert(1)</script></html>"),
    ("don.docx", PDF),
    ("don.doc", DOCX),
])
def test_content_that_does_not_match_its_extension_is_refused(name, content):
    types = ["pdf", "jpg", "png", "docx", "doc"]
    code, message = refusal(name, content, types=types)
    assert code == "content_mismatch"
    assert f"“{name}”" in message
    assert f"not a real {Path(name).suffix[1:].upper()} file" in message


def test_checking_leaves_the_file_readable_from_the_start():
    uploaded = upload("to-khai.pdf", PDF)
    check_upload(uploaded, allowed_types=["pdf"], max_bytes=MB)
    assert uploaded.read() == PDF


# --- read_and_hash ---------------------------------------------------------------

def test_read_and_hash_returns_all_bytes_and_their_sha256():
    content = PDF + bytes(range(256)) * 40000  # several chunks
    uploaded = upload("to-khai.pdf", content)
    uploaded.read(100)  # wherever the file was left, it is read from the start
    data, digest = read_and_hash(uploaded)
    assert data == content
    assert digest == hashlib.sha256(content).hexdigest()


def test_read_and_hash_works_on_a_plain_file_object():
    data, digest = read_and_hash(io.BytesIO(PNG))
    assert data == PNG and digest == hashlib.sha256(PNG).hexdigest()


# --- store_dossier_file ----------------------------------------------------------

@pytest.fixture
def dossier(db):
    procedure = save_procedure(**copy.deepcopy(BIRTH))
    return Dossier.objects.create(
        code="TEST-240325-0001", procedure=procedure, agency=AgencyFactory(), channel="online",
        applicant_name="Nguyễn Văn An", submitted_at=timezone.now())


def stored_files(settings):
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_the_stored_file_is_byte_for_byte_the_upload(dossier, settings):
    content = PDF + bytes(range(256)) * 1000 + b"\r\n\x00\xff"
    component = dossier.procedure.components.get(order=1)
    record = store_dossier_file(dossier=dossier, kind=DossierFile.Kind.COMPONENT,
                                component=component,
                                uploaded_file=upload("Tờ khai đăng ký (bản 2).pdf", content,
                                                     "application/pdf"))
    record.refresh_from_db()
    with record.file.open("rb") as stored:
        assert stored.read() == content
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.size == len(content)
    assert record.original_name == "Tờ khai đăng ký (bản 2).pdf"
    assert record.content_type == "application/pdf"
    assert record.component == component and record.dossier == dossier
    assert record.kind == "component" and record.uploaded_by is None
    assert record.file.name.startswith("dossiers/")
    assert Path(record.file.name).name.startswith("to_khai_dang_ky_ban_2")
    assert record.file.name.endswith(".pdf") and record.file.name.isascii()
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / record.file.name]


def test_two_uploads_with_the_same_name_are_both_kept(dossier):
    first = store_dossier_file(dossier=dossier, kind="component", uploaded_file=upload("a.png", PNG))
    second = store_dossier_file(dossier=dossier, kind="component",
                                uploaded_file=upload("a.png", PNG + b"x"))
    assert first.file.name != second.file.name
    assert first.file.read() == PNG and second.file.read() == PNG + b"x"


def test_the_content_type_falls_back_to_the_extension(dossier):
    record = store_dossier_file(dossier=dossier, kind="supplement",
                                uploaded_file=upload("anh.jpg", JPEG, content_type=""))
    assert record.content_type == "image/jpeg"
    record = store_dossier_file(dossier=dossier, kind="supplement",
                                uploaded_file=upload("anh.png", PNG, content_type="text/html"))
    assert record.content_type == "image/png"


def test_the_uploader_is_recorded(dossier, official_with_role, ward):
    official = official_with_role("counter_officer", ward)
    record = store_dossier_file(dossier=dossier, kind="result", uploaded_file=upload("kq.pdf", PDF),
                                uploaded_by=official.user)
    record.refresh_from_db()
    assert record.uploaded_by == official.user and record.kind == "result"


def test_the_component_decides_the_accepted_types(dossier, settings):
    certificate = dossier.procedure.components.get(order=2)  # ["pdf"] only
    with pytest.raises(ValidationError) as error:
        store_dossier_file(dossier=dossier, kind="component", component=certificate,
                           uploaded_file=upload("giay-chung-sinh.png", PNG))
    assert "Accepted types: PDF." in error.value.messages[0]
    assert not DossierFile.objects.exists() and not stored_files(settings)


def test_without_a_component_pdf_and_images_are_accepted(dossier):
    for name, content in [("a.pdf", PDF), ("a.jpg", JPEG), ("a.jpeg", JPEG), ("a.png", PNG)]:
        store_dossier_file(dossier=dossier, kind="supplement", uploaded_file=upload(name, content))
    with pytest.raises(ValidationError):
        store_dossier_file(dossier=dossier, kind="supplement", uploaded_file=upload("a.docx", DOCX))
    assert DossierFile.objects.count() == 4


def test_the_size_limit_comes_from_the_settings(dossier, settings):
    settings.DOSSIER_MAX_UPLOAD_MB = 1
    big = upload("to-khai.pdf", PDF + b"0" * MB)
    with pytest.raises(ValidationError) as error:
        store_dossier_file(dossier=dossier, kind="component", uploaded_file=big)
    assert "limit of 1 MB" in error.value.messages[0]
    assert not stored_files(settings)


def test_a_disguised_file_is_not_stored(dossier, settings):
    with pytest.raises(ValidationError):
        store_dossier_file(dossier=dossier, kind="component",
                           uploaded_file=upload("to-khai.pdf", b"just some text"))
    assert not DossierFile.objects.exists() and not stored_files(settings)


def test_a_component_of_another_procedure_is_refused(dossier, settings):
    other = save_procedure(**copy.deepcopy(PERMIT)).components.get(order=1)
    with pytest.raises(ValidationError):
        store_dossier_file(dossier=dossier, kind="component", component=other,
                           uploaded_file=upload("don.pdf", PDF))
    assert not stored_files(settings)


def test_an_unknown_kind_is_a_programming_error(dossier):
    with pytest.raises(ValueError):
        store_dossier_file(dossier=dossier, kind="photo", uploaded_file=upload("a.pdf", PDF))


def test_the_stored_file_is_removed_when_the_row_cannot_be_saved(dossier, settings, monkeypatch):
    def fail(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(DossierFile, "save", fail)
    with pytest.raises(IntegrityError):
        store_dossier_file(dossier=dossier, kind="component", uploaded_file=upload("a.pdf", PDF))
    assert not stored_files(settings)
