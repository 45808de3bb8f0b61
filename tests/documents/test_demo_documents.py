"""The demo's documents: a demo PKI, and a year of documents really signed through the
services, numbered without gaps, delivered, worked and audited."""

from __future__ import annotations

import random
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.documents import demo, pki, signing, trust
from chinhquyenso.documents.files import read_document_file
from chinhquyenso.documents.models import (
    DocumentEvent,
    DocumentFile,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    SigningCredential,
)
from chinhquyenso.org.models import Official

COUNT = 20


@pytest.fixture(autouse=True)
def _demo_ca_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def load_demo_with_documents(count=COUNT) -> str:
    out = StringIO()
    call_command("load_demo", "--without-current-units", "--population", "0", "--without-dossiers",
                 "--without-teams", "--documents", str(count), stdout=out)
    return out.getvalue()


def latest_signed(document) -> bytes:
    record = document.files.filter(kind=DocumentFile.Kind.SIGNED).order_by("-created_at", "-pk").first()
    return read_document_file(record)


def check_documents(count: int) -> None:
    root = demo.load_demo_ca().certificate
    assert root in trust.trust_roots()
    sent = list(OutgoingDocument.objects.filter(state__in=[OutgoingState.ISSUED, OutgoingState.RECALLED])
                .select_related("agency").prefetch_related("internal_recipients"))
    assert len(sent) == count
    leaders = {o.agency_id: o.full_name for o in Official.objects.filter(roles__role="leader")}

    # every issued document: the leader's signature and the agency's seal, intact and trusted
    for document in sent:
        verdicts = signing.verify_pdf(latest_signed(document), trust_roots=[root])
        assert len(verdicts) == 2, document.notation
        leader, seal = verdicts
        assert all(v.intact and v.signature_valid and v.valid for v in verdicts), document.notation
        assert leader.signer_name == leaders[document.agency_id] == document.signer_name
        assert seal.signer_name == document.agency.name and seal.ok
        assert leader.changes_allowed and leader.issuer_name == demo.CA_NAME
        assert document.drafting_unit_id and document.issued_at > document.numbered_at > document.signed_at

    # numbers per agency, year and series: 1, 2, 3… in the order of numbering
    series = defaultdict(list)
    for document in OutgoingDocument.objects.exclude(number=None).order_by("numbered_at", "pk"):
        series[(document.agency_id, document.year, document.series)].append(document.number)
    assert series and all(numbers == list(range(1, len(numbers) + 1)) for numbers in series.values())

    # recipients on the platform received the documents; most of them are worked and numbered
    for document in sent:
        received = set(IncomingDocument.objects.filter(outgoing=document).values_list("agency_id", flat=True))
        assert received == {a.pk for a in document.internal_recipients.all()}
    incoming = IncomingDocument.objects.all()
    assert incoming.filter(outgoing__isnull=False).exists()
    assert incoming.filter(channel="paper", files__kind=DocumentFile.Kind.SCAN).exists()
    assert incoming.filter(state=IncomingState.DONE).count() >= incoming.count() // 2
    numbers = defaultdict(list)
    for agency_id, year, number in incoming.exclude(incoming_number=None).order_by(
            "registered_at", "pk").values_list("agency_id", "year", "incoming_number"):
        numbers[(agency_id, year)].append(number)
    assert all(n == list(range(1, len(n) + 1)) for n in numbers.values())
    done = incoming.filter(state=IncomingState.DONE).first()
    assert [e.action for e in DocumentEvent.objects.filter(incoming=done).order_by("at", "pk")] == \
        ["receive", "register", "assign", "start", "complete"]

    # the audit log: certificates, trust, each signature and seal, the generation
    actions = dict(AuditEntry.objects.values_list("action").annotate(n=Count("id")))
    signed = OutgoingDocument.objects.exclude(signed_at=None).count()
    assert actions["document.outgoing.sign"] == signed
    assert actions["document.outgoing.number"] == count
    assert actions["document.credential.add"] == SigningCredential.objects.count()
    assert actions["documents.trust_root.add"] == 1 and actions["demo.documents_generated"] == 1
    assert actions.get("document.outgoing.recall", 0) == \
        OutgoingDocument.objects.filter(state=OutgoingState.RECALLED).count()


@pytest.mark.django_db
def test_the_demo_has_a_year_of_really_signed_documents():
    out = load_demo_with_documents()
    assert demo.DEMO_PASSPHRASE in out and "Văn bản mẫu:" in out and "vanthu.<phường>" in out
    check_documents(COUNT)
    # the documents are spread over the year, drafts of the last days are on their way
    months = {d.month for d in OutgoingDocument.objects.values_list("issued_on", flat=True) if d}
    assert len(months) >= 4
    assert OutgoingDocument.objects.filter(
        state__in=[OutgoingState.DRAFT, OutgoingState.IN_REVIEW, OutgoingState.APPROVED,
                   OutgoingState.SIGNED]).exists()
    # every seal and every leader has a demo certificate; the demo's keys open with the passphrase
    assert SigningCredential.objects.filter(agency__isnull=False, issuer=demo.CA_NAME).count() == 10
    assert SigningCredential.objects.filter(official__isnull=False, issuer=demo.CA_NAME).count() == 10

    # the same seed plans the same documents
    world = demo._world()
    documents = OutgoingDocument.objects.order_by("created_at", "pk")
    first, last = documents.first().created_at, documents.last().created_at
    assert first < last
    stored = sorted(documents.values_list("agency__code", "subject", "document_type__code"))
    end = demo.timezone.localdate()
    plans = demo._plan_documents(random.Random(demo.DEFAULT_SEED), world, COUNT,
                                 demo._months_before(end, 12) + demo.dt.timedelta(days=1), end,
                                 demo.timezone.now())
    assert sorted((p.issuer.agency.code, p.subject, p.type_code) for p in plans) == stored

    with pytest.raises(demo.GenerationError):
        demo.generate(count=5)


@pytest.mark.django_db(transaction=True)
def test_two_processes_sign_and_number_in_calendar_order():
    _document_types()  # a transactional test before this one emptied every table
    call_command("load_demo", "--without-current-units", "--population", "0", "--without-dossiers",
                 "--without-teams", "--without-documents", stdout=StringIO())
    result = demo.generate(count=12, processes=2)
    assert result.processes == 2 and result.issued == 12
    check_documents(12)
    for (_agency, _year, _series), rows in _numbered_by_series().items():
        assert [n for n, _at in rows] == sorted(n for n, _at in rows)
        assert [at for _n, at in rows] == sorted(at for _n, at in rows)


def _numbered_by_series():
    found = defaultdict(list)
    for document in OutgoingDocument.objects.exclude(number=None).order_by("number"):
        found[(document.agency_id, document.year, document.series)].append(
            (document.number, document.numbered_at))
    return found


@pytest.mark.django_db
def test_issue_certificate_issues_from_the_demo_ca_and_registers(city_pc, ward_pc, city_leader, it_admin,
                                                                  tmp_path):
    before = SigningCredential.objects.get(official=city_leader.official)
    demo.ensure_demo_pki()
    assert SigningCredential.objects.filter(agency=ward_pc, issuer=demo.CA_NAME, is_active=True).exists()

    key_file = tmp_path / "khoa" / "lanh-dao.p12"
    out = StringIO()
    call_command("issue_certificate", "--person", city_leader.username, "--days", "365",
                 "--out", str(key_file), stdout=out)
    assert "Issued and registered" in out.getvalue()
    credential = SigningCredential.objects.get(official=city_leader.official, is_active=True)
    assert credential.issuer == demo.CA_NAME and credential.pk != before.pk
    before.refresh_from_db()
    assert not before.is_active  # the older certificate is withdrawn
    opened = pki.load_pkcs12(key_file.read_bytes(), demo.DEMO_PASSPHRASE)
    assert opened.certificate.fingerprint(pki.hashes.SHA256()).hex() == credential.fingerprint
    assert (opened.certificate.not_valid_after_utc - opened.certificate.not_valid_before_utc).days == 365
    assert AuditEntry.objects.filter(action="document.credential.add", object_id=str(credential.pk),
                                     actor=city_leader).exists()

    call_command("issue_certificate", "--agency", city_pc.code, stdout=StringIO())
    seal = SigningCredential.objects.filter(agency=city_pc, is_active=True).get()
    assert AuditEntry.objects.filter(action="document.credential.add", object_id=str(seal.pk),
                                     actor=it_admin).exists()

    with pytest.raises(CommandError, match="No official"):
        call_command("issue_certificate", "--person", "nobody", stdout=StringIO())


@pytest.mark.django_db
def test_issue_certificate_refuses_without_a_demo_ca(city_leader, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "production"
    with pytest.raises(CommandError, match="licensed CA"):
        call_command("issue_certificate", "--person", city_leader.username, stdout=StringIO())
    assert not SigningCredential.objects.filter(issuer=demo.CA_NAME).exists()


def _document_types():
    """The Decree 30 types the data migration loads (gone after a transactional test)."""
    from importlib import import_module

    from django.apps import apps

    from chinhquyenso.documents.models import DocumentType

    if not DocumentType.objects.exists():
        import_module("chinhquyenso.documents.migrations.0002_document_types").load_types(apps, None)
