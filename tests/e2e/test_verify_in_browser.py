"""A person who received a PDF checks it on a phone at /xac-thuc/: a copy someone altered
and the genuine one, really signed, against the city's trust store."""

from __future__ import annotations

import pytest
from django.utils import translation

from chinhquyenso.documents import trust
from tests.documents.test_verification import SIGNED_AT, DemoPki, in_vietnam, make_signed_pdfs

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 360  # the phone_page fixture's viewport


def vi(text) -> str:
    with translation.override("vi"):
        return str(translation.gettext(text))


@pytest.fixture(scope="module")
def signed_pdfs():
    world = DemoPki()
    return world, make_signed_pdfs(world)


@pytest.fixture
def city_trust_store(settings, tmp_path, signed_pdfs, transactional_db):
    world, _pdfs = signed_pdfs
    settings.CQS_TRUST_DIR = tmp_path / "trust"
    settings.CQS_TRUST_ROOTS = []
    trust.add_trust_root(world.root.certificate, name="CA của thành phố", actor="test")


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def check(page, path):
    page.get_by_label(vi("PDF file")).set_input_files(path)
    with page.expect_navigation():
        page.get_by_role("button", name=vi("Check the signatures")).click()
    result = page.locator("section[data-verdict]")
    result.wait_for()
    return result


def test_a_person_checks_an_altered_copy_then_the_genuine_one_on_a_phone(
        phone_page, city_trust_store, signed_pdfs, tmp_path):
    _world, pdfs = signed_pdfs
    altered, genuine = tmp_path / "quyet-dinh-ban-sao.pdf", tmp_path / "quyet-dinh.pdf"
    altered.write_bytes(pdfs["tampered"])
    genuine.write_bytes(pdfs["valid"])
    page = phone_page  # an English phone: the public page still speaks Vietnamese

    page.goto("/xac-thuc/")
    assert page.get_by_role("heading", level=1).inner_text() == vi("Check a signed document")
    assert fits_the_phone(page)

    result = check(page, altered)
    assert result.get_attribute("data-verdict") == "tampered"
    assert vi("Warning: the document was changed after it was signed. Do not rely on its content.") \
        in result.inner_text()
    assert result.locator("article.signature").count() == 2
    assert vi("Changed after signing, or the signature is damaged") in result.inner_text()
    assert fits_the_phone(page)

    result = check(page, genuine)
    assert result.get_attribute("data-verdict") == "valid"
    text = result.inner_text()
    assert vi("The signatures are valid: the document has not been changed since it was signed, "
              "and every signer's certificate comes from a trusted certification authority.") in text
    assert "Lê Minh Đạo" in text and "Ủy ban nhân dân thành phố Vĩnh Yên" in text
    assert in_vietnam(SIGNED_AT) in text
    assert vi("Only further signatures or form filling were added after signing") in text
    assert fits_the_phone(page)
