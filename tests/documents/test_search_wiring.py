"""The document services keep the search index current, and the rebuild command refills it."""

import pytest
from django.core.management import call_command

from chinhquyenso.documents import services
from chinhquyenso.documents.search import search_documents

pytestmark = pytest.mark.django_db


def test_each_step_reindexes_and_the_command_rebuilds(signed, city_clerk, ward_pc, ward_clerk, capsys):
    document = signed("CV", subject="Về việc tăng cường an toàn thông tin mạng", internal_recipients=[ward_pc])
    assert search_documents("an toan thong tin", kind="out").ids("out") == [document.pk]
    services.number_document(document_id=document.pk, actor=city_clerk)
    services.issue_document(document_id=document.pk, actor=city_clerk)
    assert search_documents("01/UBND-VP").ids("out") == [document.pk]  # the notation it was given
    (delivered,) = search_documents("an toan thong tin", kind="in", state="received").hits
    services.register_incoming(document_id=delivered.id, actor=ward_clerk)
    assert search_documents("an toan thong tin", kind="in", state="received").total == 0
    assert search_documents("an toan thong tin", kind="in", state="registered").total == 1
    # The delivered copy is searchable by the text of the PDF it came with.
    assert search_documents("phe duyet ke hoach", kind="in").total == 1
    call_command("rebuild_document_search")
    assert "2 documents indexed." in capsys.readouterr().out
    assert search_documents("an toan thong tin").total == 2
