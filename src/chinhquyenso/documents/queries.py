"""Reads of official documents that the pages and the exports share: whose documents an
official sees, who reads a confidential document, the outgoing and incoming registers
with their filters (among them the sets of documents the indicators count, which the
dashboard's numbers open), the work queues by role, the actions an official may take on a
document now, signing certificates and the exchange outbox.

Nothing here writes; the services decide in the end (the actions offered here only
decide which buttons a page shows).

Confidential documents
----------------------
A document whose confidentiality is other than “thuong” (mật, tối mật, tuyệt mật) is
read — its subject shown, its files listed and downloaded — only by:

* the leaders and clerks of its agency: an official holding the leader or clerk role
  for the agency's unit who works for the agency or one of its offices (as the services
  decide who acts for an agency). For an issued document, the leaders and clerks of a
  recipient agency read what their agency received;
* the officials named on it: the drafter of an outgoing document, the members of the
  lead unit of an incoming one (or of a recipient's copy of an outgoing one).

Everyone else who sees the document in a register, a queue or on its page sees
:data:`CONFIDENTIAL_MARK` instead of its subject, and no files. A system administrator
runs the platform, not its documents: the role alone reads no confidential document.
A text search in a register never finds a document its reader may not read, so the
words of a confidential subject do not leak through the search either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import Agency, AgencyKind, Role
from chinhquyenso.org.permissions import can, roles_of

from . import search
from .models import (
    Confidentiality,
    DocumentEvent,
    DocumentFile,
    ExchangeMessage,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    PendingSignature,
    SigningCredential,
)

DOCUMENT_ACTIONS = ("documents.draft", "documents.review", "documents.sign", "documents.register",
                    "documents.assign", "documents.process", "documents.recall")


# --- who sees what --------------------------------------------------------------------------

def handles_documents(user) -> bool:
    """Does the user hold any role of the documents flows (the pages are theirs)?"""
    return any(can(user, action) for action in DOCUMENT_ACTIONS)


def is_system_admin(user) -> bool:
    return Role.SYSTEM_ADMIN in roles_of(user)


def own_agency(user) -> Agency | None:
    official = getattr(user, "official", None) if getattr(user, "is_authenticated", False) else None
    return official.agency if official is not None else None


def home_agency(user) -> Agency | None:
    """The agency whose registers the official keeps: a People's Committee for its own
    officials and for those of its offices (a specialist of the Văn phòng drafts what
    the People's Committee issues)."""
    agency = own_agency(user)
    if agency is not None and agency.parent_id and agency.kind != AgencyKind.PEOPLES_COMMITTEE:
        return agency.parent
    return agency


def agencies_of(user) -> list[Agency] | None:
    """The agencies whose documents the official sees: their home agency and its offices.
    None means every agency (a system administrator)."""
    if is_system_admin(user):
        return None
    home = home_agency(user)
    if home is None:
        return []
    return [home, *Agency.objects.filter(parent=home).select_related("unit").order_by("name")]


def _agency_ids(user) -> list[int] | None:
    agencies = agencies_of(user)
    return None if agencies is None else [a.pk for a in agencies]


def acting_agency_ids(user, action: str) -> list[int] | None:
    """Ids of the agencies (of those the official sees) for which they hold `action`;
    None means all (a system administrator)."""
    agencies = agencies_of(user)
    if agencies is None:
        return None
    return [a.pk for a in agencies if can(user, action, a.unit)]


def _in(ids: list[int] | None, field: str = "agency") -> Q:
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def visible_outgoing(user) -> QuerySet[OutgoingDocument]:
    """Outgoing documents of the agencies the official sees, plus those issued to one of
    them (a recipient reads what it received)."""
    documents = OutgoingDocument.objects.select_related("agency", "drafting_unit", "document_type",
                                                        "created_by")
    if not handles_documents(user):
        return documents.none()
    ids = _agency_ids(user)
    if ids is None:
        return documents
    received = Exists(IncomingDocument.objects.filter(outgoing=OuterRef("pk"), agency__in=ids))
    return documents.filter(Q(agency__in=ids)
                            | (Q(state__in=[OutgoingState.ISSUED, OutgoingState.RECALLED]) & received))


def visible_incoming(user) -> QuerySet[IncomingDocument]:
    documents = IncomingDocument.objects.select_related("agency", "from_agency", "document_type",
                                                        "lead_unit", "outgoing")
    if not handles_documents(user):
        return documents.none()
    return documents.filter(_in(_agency_ids(user)))


def may_download(user, stored: DocumentFile) -> bool:
    """Officials of the document's agency; for an issued (or later recalled) outgoing
    document also the officials of a recipient agency, who get its signed revisions and
    attachments but not the drafts. A confidential document's files only for those who
    read it (see the module's docstring)."""
    if not handles_documents(user):
        return False
    if stored.incoming_id is not None:
        if not IncomingDocument.objects.filter(readable_incoming_q(user), pk=stored.incoming_id).exists():
            return False
    elif not OutgoingDocument.objects.filter(readable_outgoing_q(user), pk=stored.outgoing_id).exists():
        return False
    ids = _agency_ids(user)
    if ids is None:
        return True
    if stored.incoming_id is not None:
        return IncomingDocument.objects.filter(pk=stored.incoming_id, agency__in=ids).exists()
    if OutgoingDocument.objects.filter(pk=stored.outgoing_id, agency__in=ids).exists():
        return True
    return (stored.kind != DocumentFile.Kind.DRAFT
            and OutgoingDocument.objects.filter(
                pk=stored.outgoing_id, state__in=[OutgoingState.ISSUED, OutgoingState.RECALLED]).exists()
            and IncomingDocument.objects.filter(outgoing_id=stored.outgoing_id, agency__in=ids).exists())


def files_of_incoming(document: IncomingDocument) -> list[DocumentFile]:
    """The incoming document's own files, and for one received on the platform the
    signed revisions and attachments of the document its sender issued."""
    files = list(document.files.all())
    if document.outgoing_id is not None:
        files += list(DocumentFile.objects.filter(outgoing_id=document.outgoing_id)
                      .exclude(kind=DocumentFile.Kind.DRAFT))
    return files


# --- confidential documents (the rule is in the module's docstring) ----------------------------

#: What a reader without the right sees instead of a confidential document's subject: the
#: marking of Decree 30 itself, the same in every language of the interface.
CONFIDENTIAL_MARK = "(mật)"


def confidential_reader_agency_ids(user) -> list[int]:
    """The agencies whose confidential documents `user` reads as one of their leaders or
    clerks: their own agency and, for an official of an office, its People's Committee,
    where a leader's or clerk's role of theirs covers the agency's unit."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = roles_of(user) & {Role.LEADER, Role.CLERK}
    own = own_agency(user)
    if not roles or own is None:
        return []
    candidates = [own, *([own.parent] if own.parent_id else [])]
    return [a.pk for a in candidates
            if (Role.LEADER in roles and can(user, "documents.sign", a.unit))
            or (Role.CLERK in roles and can(user, "documents.register", a.unit))]


def readable_outgoing_q(user) -> Q:
    """The outgoing documents whose subject and files `user` may read."""
    readable = Q(confidentiality=Confidentiality.NORMAL)
    if not getattr(user, "is_authenticated", False):
        return readable
    readable |= Q(created_by=user)
    ids = confidential_reader_agency_ids(user)
    if ids:
        readable |= Q(agency__in=ids) | Exists(
            IncomingDocument.objects.filter(outgoing=OuterRef("pk"), agency__in=ids))
    own = own_agency(user)
    if own is not None:
        readable |= Exists(IncomingDocument.objects.filter(outgoing=OuterRef("pk"), lead_unit=own))
    return readable


def readable_incoming_q(user) -> Q:
    """The incoming documents whose subject and files `user` may read."""
    readable = Q(confidentiality=Confidentiality.NORMAL)
    if not getattr(user, "is_authenticated", False):
        return readable
    ids = confidential_reader_agency_ids(user)
    if ids:
        readable |= Q(agency__in=ids)
    own = own_agency(user)
    if own is not None:
        readable |= Q(lead_unit=own)
    return readable


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def with_readable(documents: QuerySet, user) -> QuerySet:
    """The documents with `readable` (bool) telling whether `user` reads their subject and
    files: registers, queues and pages show CONFIDENTIAL_MARK and no files otherwise."""
    condition = readable_outgoing_q(user) if documents.model is OutgoingDocument else readable_incoming_q(user)
    return documents.annotate(readable=_flag(condition))


# --- registers ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentSet:
    """A set of documents an indicator counts (indicators/measures.py reads the same
    conditions): those whose `moment` falls in a period and that meet `condition`.
    A condition may read the annotations of `annotations()`, which the caller adds."""

    moment: str
    condition: Q
    # What the register says of the documents shown ("Showing: …"): %(dates)s is the
    # period, or nothing.
    description: Promise
    needs_completed_day: bool = False

    def annotations(self) -> dict:
        return {"completed_day": completed_day()} if self.needs_completed_day else {}


def completed_day() -> TruncDate:
    """The local day (settings.TIME_ZONE) an incoming document was completed: it is on
    time when that day is not after its deadline (a date)."""
    return TruncDate("completed_at", tzinfo=timezone.get_default_timezone())


#: Outgoing documents by the moment they were issued (recalled ones included: they were issued).
OUTGOING_SETS: dict[str, DocumentSet] = {
    "issued": DocumentSet("issued_at", Q(), _("documents issued %(dates)s")),
    "issued_signed": DocumentSet("issued_at", Q(signed_at__isnull=False),
                                 _("documents issued %(dates)s with an electronic signature")),
}
#: Incoming documents by the moment they were registered, or completed; a completed
#: document counts for timeliness only when it had a deadline.
INCOMING_SETS: dict[str, DocumentSet] = {
    "registered": DocumentSet("registered_at", Q(), _("documents registered %(dates)s")),
    "handled": DocumentSet("registered_at", Q(assigned_at__isnull=False),
                           _("documents registered %(dates)s and assigned in the system")),
    "completed": DocumentSet("completed_at", Q(deadline__isnull=False),
                             _("documents with a deadline completed %(dates)s")),
    "completed_on_time": DocumentSet("completed_at", Q(deadline__isnull=False, completed_day__lte=F("deadline")),
                                     _("documents completed %(dates)s by their deadline"),
                                     needs_completed_day=True),
}
#: Without a set, the dates of a register's filter are those of issue, or of registration.
DEFAULT_SET = {"outgoing": "issued", "incoming": "registered"}


def parse_day(text: str) -> date | None:
    """yyyy-mm-dd (links, the browser's date field) or dd/mm/yyyy (typed); None otherwise."""
    from datetime import datetime

    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if 1900 < day.year < 3000 else None
    return None


@dataclass(frozen=True)
class RegisterFilters:
    year: int | None = None
    type_id: int | None = None
    state: str = ""
    urgency: str = ""
    text: str = ""
    # The documents behind a number of the indicators' dashboard, or a period a person
    # chose: local days (both included), an administrative unit (its id: the agencies
    # of the unit, of the units below it and merged into it) and a set (DocumentSet).
    start: date | None = None
    end: date | None = None
    unit_id: int | None = None
    set_name: str = ""

    @classmethod
    def from_query(cls, params, states, urgencies, sets=()) -> RegisterFilters:
        """From the query string; anything unknown is ignored rather than refused."""
        year, type_id = params.get("year", ""), params.get("type", "")
        state, urgency = params.get("state", ""), params.get("urgency", "")
        start, end = parse_day(params.get("from", "")), parse_day(params.get("to", ""))
        if start and end and end < start:
            start, end = end, start
        unit_id, set_name = params.get("unit", ""), params.get("set", "")
        return cls(year=int(year) if year.isdigit() and 1900 < int(year) < 3000 else None,
                   type_id=int(type_id) if type_id.isdigit() else None,
                   state=state if state in states else "",
                   urgency=urgency if urgency in urgencies else "",
                   text=params.get("q", "").strip()[:200],
                   start=start, end=end,
                   unit_id=int(unit_id) if unit_id.isdigit() and len(unit_id) < 12 else None,
                   set_name=set_name if set_name in sets else "")

    def as_query(self) -> dict[str, str]:
        return {"year": str(self.year or ""), "type": str(self.type_id or ""), "state": self.state,
                "urgency": self.urgency, "q": self.text,
                "from": self.start.isoformat() if self.start else "",
                "to": self.end.isoformat() if self.end else "",
                "unit": str(self.unit_id or ""), "set": self.set_name}

    @property
    def behind_a_number(self) -> bool:
        """Does the filter name a period, a unit or a set (what a dashboard's link sets)?"""
        return bool(self.start or self.end or self.unit_id or self.set_name)

    def without_number(self) -> dict[str, str]:
        """The query of the same register without the period, unit and set."""
        return {k: v for k, v in self.as_query().items() if v and k not in ("from", "to", "unit", "set")}


def _filter_unit(filters: RegisterFilters):
    from chinhquyenso.org.models import AdministrativeUnit

    if filters.unit_id is None:
        return None
    return AdministrativeUnit.objects.filter(pk=filters.unit_id).first()


def behind_number(documents: QuerySet, filters: RegisterFilters, kind: str) -> QuerySet:
    """The documents of the set, unit and period of the filter (each when given)."""
    from datetime import datetime, time, timedelta

    sets = OUTGOING_SETS if kind == "outgoing" else INCOMING_SETS
    chosen = sets.get(filters.set_name)
    moment = (chosen or sets[DEFAULT_SET[kind]]).moment
    if chosen is not None:
        documents = documents.annotate(**chosen.annotations()).filter(
            chosen.condition, **{f"{moment}__isnull": False})
    zone = timezone.get_default_timezone()
    if filters.start:
        documents = documents.filter(**{f"{moment}__gte": datetime.combine(filters.start, time.min, tzinfo=zone)})
    if filters.end:
        until = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=zone)
        documents = documents.filter(**{f"{moment}__lt": until})
    if filters.unit_id is not None:
        from chinhquyenso.indicators.computation import unit_ids

        unit = _filter_unit(filters)
        if unit is None:
            return documents.none()
        documents = documents.filter(agency__unit_id__in=list(unit_ids(unit)))
    return documents


@dataclass(frozen=True)
class ShownFilter:
    """What a register says of the documents behind a number it shows."""

    description: str
    # Some agencies of the unit keep registers the official does not see: their
    # documents are counted on the dashboard, not listed here.
    partial: bool


def _days(start: date | None, end: date | None) -> str:
    if start and end:
        return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
    if start:
        return _("from %(start)s") % {"start": f"{start:%d/%m/%Y}"}
    if end:
        return _("until %(end)s") % {"end": f"{end:%d/%m/%Y}"}
    return ""


def shown_filter(user, filters: RegisterFilters, kind: str) -> ShownFilter | None:
    """“documents issued 01/11/2026–30/11/2026 with an electronic signature, Phường
    Tích Sơn”, for a filter behind a number; None for a register not filtered so."""
    if not filters.behind_a_number:
        return None
    sets = OUTGOING_SETS if kind == "outgoing" else INCOMING_SETS
    chosen = sets.get(filters.set_name)
    if chosen is None and not (filters.start or filters.end):
        parts = [str(_("all documents"))]
    else:
        chosen = chosen or sets[DEFAULT_SET[kind]]
        parts = [" ".join((str(chosen.description) % {"dates": _days(filters.start, filters.end)}).split())]
    partial = False
    if filters.unit_id is not None:
        unit = _filter_unit(filters)
        parts.append(unit.name if unit is not None else str(_("an unknown unit")))
        ids = _agency_ids(user)
        if unit is not None and ids is not None:
            from chinhquyenso.indicators.computation import unit_ids

            partial = Agency.objects.filter(unit_id__in=list(unit_ids(unit))).exclude(pk__in=ids).exists()
    return ShownFilter(", ".join(parts), partial)


#: A text search narrows a register to at most this many documents (the best matches).
TEXT_MATCH_CAP = 1000


def search_hits(text: str, *, kind: str | None = None, agency_ids: list[int] | None = None,
                cap: int = TEXT_MATCH_CAP, **filters) -> list[search.SearchHit]:
    """The best `cap` matches of the full-text search, read page by page."""
    hits: list[search.SearchHit] = []
    offset = 0
    while offset < cap:
        results = search.search_documents(text, kind=kind, agency_ids=agency_ids, limit=search.MAX_LIMIT,
                                          offset=offset, **filters)
        hits += results.hits
        offset += search.MAX_LIMIT
        if offset >= results.total:
            break
    return hits[:cap]


def readable_hits(user, hits: list[search.SearchHit]) -> list[search.SearchHit]:
    """The hits whose documents `user` may read: a confidential subject's words must not
    lead to it."""
    readable = {
        search.OUTGOING: set(OutgoingDocument.objects.filter(
            pk__in=[h.id for h in hits if h.kind == search.OUTGOING]).filter(readable_outgoing_q(user))
            .values_list("pk", flat=True)),
        search.INCOMING: set(IncomingDocument.objects.filter(
            pk__in=[h.id for h in hits if h.kind == search.INCOMING]).filter(readable_incoming_q(user))
            .values_list("pk", flat=True)),
    }
    return [h for h in hits if h.id in readable[h.kind]]


def text_matches(queryset: QuerySet, text: str, kind: str, agency_ids: list[int] | None) -> QuerySet:
    """The documents of `queryset` that the full-text search finds for `text`: accent-
    and case-insensitive ("quyet dinh" finds "Quyết định"), over the number and notation,
    the subject, the sender or signer and the text of the PDF."""
    if not text.strip():
        return queryset
    return queryset.filter(pk__in=[h.id for h in search_hits(text, kind=kind, agency_ids=agency_ids)])


def outgoing_register(user, filters: RegisterFilters) -> QuerySet[OutgoingDocument]:
    """The outgoing register (sổ văn bản đi) of the agencies the official sees, filtered,
    numbered documents by number within their year, newest first."""
    documents = (OutgoingDocument.objects.select_related("agency", "document_type", "drafting_unit")
                 .filter(_in(_agency_ids(user)) if handles_documents(user) else Q(pk__in=[])))
    if filters.year:
        documents = documents.filter(Q(year=filters.year)
                                     | Q(year__isnull=True, created_at__year=filters.year))
    if filters.type_id:
        documents = documents.filter(document_type_id=filters.type_id)
    if filters.state:
        documents = documents.filter(state=filters.state)
    if filters.urgency:
        documents = documents.filter(urgency=filters.urgency)
    if filters.text:  # a confidential subject's words do not leak through the search
        documents = text_matches(documents, filters.text, search.OUTGOING, _agency_ids(user)).filter(
            readable_outgoing_q(user))
    documents = behind_number(documents, filters, "outgoing")
    return with_readable(documents, user).order_by(F("year").desc(nulls_first=True), F("issued_on").desc(nulls_first=True),
                              F("number").desc(nulls_first=True), "-created_at", "-pk")


def incoming_register(user, filters: RegisterFilters) -> QuerySet[IncomingDocument]:
    """The incoming register (sổ văn bản đến): by incoming number within the year,
    newest first; documents not registered yet come first."""
    documents = (IncomingDocument.objects.select_related("agency", "document_type", "from_agency",
                                                         "lead_unit")
                 .filter(_in(_agency_ids(user)) if handles_documents(user) else Q(pk__in=[])))
    if filters.year:
        documents = documents.filter(Q(year=filters.year)
                                     | Q(year__isnull=True, received_at__year=filters.year))
    if filters.type_id:
        documents = documents.filter(document_type_id=filters.type_id)
    if filters.state:
        documents = documents.filter(state=filters.state)
    if filters.urgency:
        documents = documents.filter(urgency=filters.urgency)
    if filters.text:
        documents = text_matches(documents, filters.text, search.INCOMING, _agency_ids(user)).filter(
            readable_incoming_q(user))
    documents = behind_number(documents, filters, "incoming")
    return with_readable(documents, user).order_by(F("year").desc(nulls_first=True),
                              F("incoming_number").desc(nulls_first=True), "-received_at", "-pk")


# --- work queues ----------------------------------------------------------------------------

OPEN_ASSIGNMENT = (IncomingState.ASSIGNED, IncomingState.PROCESSING)


@dataclass(frozen=True)
class Queue:
    key: str
    label: Promise
    kind: str        # "outgoing" or "incoming"
    action: str      # the capability the queue is for
    group: Promise   # who works it: drafter, leader, clerk, specialist


DRAFTER, LEADER, CLERK, SPECIALIST = _("Drafting"), _("Leader"), _("Clerk"), _("Processing")

QUEUES: tuple[Queue, ...] = (
    Queue("my_drafts", _("My drafts"), "outgoing", "documents.draft", DRAFTER),
    Queue("sent_back", _("Sent back to me"), "outgoing", "documents.draft", DRAFTER),
    Queue("to_review", _("To review"), "outgoing", "documents.review", LEADER),
    Queue("to_sign", _("To sign"), "outgoing", "documents.sign", LEADER),
    Queue("to_assign", _("Incoming to assign"), "incoming", "documents.assign", LEADER),
    Queue("overdue", _("Overdue assignments"), "incoming", "documents.assign", LEADER),
    Queue("to_number", _("To number and issue"), "outgoing", "documents.register", CLERK),
    Queue("to_register", _("Incoming to register"), "incoming", "documents.register", CLERK),
    Queue("to_process", _("To process in my unit"), "incoming", "documents.process", SPECIALIST),
)
QUEUE_BY_KEY = {q.key: q for q in QUEUES}


def queues_for(user) -> list[Queue]:
    """The queues of the roles the official holds, in the order of the flows."""
    return [q for q in QUEUES if can(user, q.action)]


def _sent_back() -> Exists:
    return Exists(DocumentEvent.objects.filter(outgoing=OuterRef("pk"), action="send_back"))


def queue_filter(user, queue: Queue, today: date | None = None) -> Q:
    """The documents of one queue, for one official."""
    today = today or timezone.localdate()
    ids = acting_agency_ids(user, queue.action)
    if ids == []:
        return Q(pk__in=[])
    key = queue.key
    if key == "my_drafts":
        return Q(state=OutgoingState.DRAFT, created_by=user) & ~Q(_sent_back())
    if key == "sent_back":
        return Q(state=OutgoingState.DRAFT, created_by=user) & Q(_sent_back())
    if key == "to_review":
        return Q(state=OutgoingState.IN_REVIEW) & _in(ids)
    if key == "to_sign":
        return Q(state=OutgoingState.APPROVED) & _in(ids)
    if key == "to_number":
        return Q(state__in=[OutgoingState.SIGNED, OutgoingState.NUMBERED]) & _in(ids)
    if key == "to_assign":
        return Q(state=IncomingState.REGISTERED) & _in(ids)
    if key == "overdue":
        return Q(state__in=OPEN_ASSIGNMENT, deadline__lt=today) & _in(ids)
    if key == "to_register":
        return Q(state=IncomingState.RECEIVED) & _in(ids)
    if key == "to_process":
        if ids is None:
            return Q(state__in=OPEN_ASSIGNMENT)
        own = own_agency(user)
        return Q(state__in=OPEN_ASSIGNMENT, agency__in=ids) & (
            Q(lead_unit=own) | Q(pk__in=IncomingDocument.co_units.through.objects
                                 .filter(agency=own).values("incomingdocument_id")))
    raise KeyError(key)


def queue_counts(user, queues: list[Queue], today: date | None = None) -> dict[str, int]:
    """How many documents each queue holds: one query per kind of document."""
    from django.db.models import Count

    counts: dict[str, int] = {}
    for kind, model in (("outgoing", OutgoingDocument), ("incoming", IncomingDocument)):
        mine = [q for q in queues if q.kind == kind]
        if mine:
            counts.update(model.objects.aggregate(
                **{q.key: Count("pk", filter=queue_filter(user, q, today)) for q in mine}))
    return counts


def queue_documents(user, queue: Queue, today: date | None = None) -> QuerySet:
    if queue.kind == "outgoing":
        return with_readable(OutgoingDocument.objects.select_related("agency", "document_type", "drafting_unit")
                             .filter(queue_filter(user, queue, today)), user).order_by("-updated_at", "-pk")
    return (with_readable(IncomingDocument.objects.select_related("agency", "document_type", "from_agency",
                                                                  "lead_unit")
                          .filter(queue_filter(user, queue, today)), user)
            .order_by(F("deadline").asc(nulls_last=True), "received_at", "pk"))


def days_late(document: IncomingDocument, today: date | None = None) -> int:
    """Calendar days past the deadline of an assignment not done yet (0: not late)."""
    today = today or timezone.localdate()
    if document.deadline is None or document.state not in OPEN_ASSIGNMENT:
        return 0
    return max((today - document.deadline).days, 0)


# --- actions offered on a document page -------------------------------------------------------

def works_for(user, agency: Agency) -> bool:
    """As the services decide it: an official of the agency or of one of its offices."""
    if is_system_admin(user):
        return True
    own = own_agency(user)
    return own is not None and (own.pk == agency.pk or own.parent_id == agency.pk)


def outgoing_actions(user, document: OutgoingDocument) -> list[str]:
    """What the official may do now with this outgoing document, in the order of the flow."""
    unit, state = document.agency.unit, document.state
    if not works_for(user, document.agency):
        return []
    offered = []
    for action, states, capability in (
            ("submit", {OutgoingState.DRAFT}, "documents.draft"),
            ("approve", {OutgoingState.IN_REVIEW}, "documents.review"),
            ("send_back", {OutgoingState.IN_REVIEW}, "documents.review"),
            ("sign", {OutgoingState.APPROVED}, "documents.sign"),
            ("number", {OutgoingState.SIGNED}, "documents.register"),
            ("issue", {OutgoingState.NUMBERED}, "documents.register"),
            ("recall", {OutgoingState.ISSUED}, "documents.recall")):
        if state in states and can(user, capability, unit):
            offered.append(action)
    return offered


def incoming_actions(user, document: IncomingDocument) -> list[str]:
    """What the official may do now with this incoming document."""
    unit, state = document.agency.unit, document.state
    if not works_for(user, document.agency):
        return []
    offered = []
    register = can(user, "documents.register", unit)
    if state == IncomingState.RECEIVED and register:
        offered.append("register")
    if state in (IncomingState.REGISTERED, IncomingState.ASSIGNED) and can(user, "documents.assign", unit):
        offered.append("assign")
    lead = is_system_admin(user) or (document.lead_unit_id is not None
                                     and own_agency(user).pk == document.lead_unit_id)
    if state == IncomingState.ASSIGNED and lead and can(user, "documents.process", unit):
        offered.append("start")
    if state == IncomingState.PROCESSING and lead and can(user, "documents.process", unit):
        offered.append("complete")
    if state in (IncomingState.RECEIVED, IncomingState.REGISTERED) and register:
        offered.append("return")
    return offered


def may_replace_draft(user, document: OutgoingDocument) -> bool:
    """The draft file is replaced by those who may submit it, while it is a draft."""
    return (document.state == OutgoingState.DRAFT and works_for(user, document.agency)
            and can(user, "documents.draft", document.agency.unit))


def may_exchange(user, agency: Agency) -> bool:
    """Packages for other systems and status messages are the clerk's (documents.register)."""
    return works_for(user, agency) and can(user, "documents.register", agency.unit)


# --- signing certificates -------------------------------------------------------------------

def personal_credentials(official) -> QuerySet[SigningCredential]:
    """An official's certificates, those in use first, the newest first."""
    return SigningCredential.objects.filter(official=official).order_by("-is_active", "-created_at", "-pk")


def seal_credentials(agency: Agency) -> QuerySet[SigningCredential]:
    return SigningCredential.objects.filter(agency=agency).order_by("-is_active", "-created_at", "-pk")


def active_personal_credential(user, at=None) -> SigningCredential | None:
    """The certificate a signature by `user` would use now (as the services choose it)."""
    official = getattr(user, "official", None) if getattr(user, "is_authenticated", False) else None
    if official is None:
        return None
    at = at or timezone.now()
    return (SigningCredential.objects.filter(official=official, is_active=True, not_before__lte=at,
                                             not_after__gte=at)
            .order_by("-not_after", "-pk").first())


def officials_by_certificate(unit_ids, at=None) -> QuerySet:
    """The officials with an active account of the agencies of the units (ids), each with
    `certificate_until`: the end of the personal signing certificate in force `at` (now)
    that lasts longest, None for those without one — their digital identity for work,
    as the indicator "can-bo-dinh-danh-so" counts it (indicators/measures.py). One query."""
    from django.db.models import Subquery

    from chinhquyenso.org.models import Official

    at = at or timezone.now()
    in_force = (SigningCredential.objects.filter(official=OuterRef("pk"), is_active=True, not_before__lte=at,
                                                 not_after__gt=at)
                .order_by("-not_after").values("not_after")[:1])
    return (Official.objects.filter(agency__unit_id__in=list(unit_ids), user__is_active=True)
            .select_related("agency").annotate(certificate_until=Subquery(in_force))
            .order_by("agency__name", "full_name", "pk"))


def open_pending_signature(user, document: OutgoingDocument, at=None) -> PendingSignature | None:
    """The signature `user` prepared for `document` and has not completed, while it lasts."""
    at = at or timezone.now()
    return (PendingSignature.objects.select_related("credential").defer("prepared")  # holds the whole PDF
            .filter(document=document, created_by=user, completed_at__isnull=True, expires_at__gt=at)
            .order_by("-created_at", "-pk").first())


def register_agencies(user) -> QuerySet[Agency]:
    """The agencies for which `user` keeps the registers (documents.register): their
    home agency and its offices they work for; every active agency for a system
    administrator. Paper and edXML documents are received, and seals managed, for these."""
    if is_system_admin(user):
        return Agency.objects.filter(is_active=True).select_related("unit").order_by("unit__level", "name")
    own = own_agency(user)
    if own is None:
        return Agency.objects.none()
    ids = [a.pk for a in (own, own.parent) if a is not None and a.is_active
           and can(user, "documents.register", a.unit)]
    return Agency.objects.filter(pk__in=ids).select_related("unit").order_by("parent_id", "name")


# --- exchange with other systems ----------------------------------------------------------------

def outbox(user, *, include_sent: bool = False) -> QuerySet[ExchangeMessage]:
    """Files waiting to leave the user's agencies (packages and status messages), the
    oldest first; with `include_sent` also those already fetched, the newest first."""
    messages = (ExchangeMessage.objects.select_related("agency", "outgoing", "incoming")
                .filter(direction=ExchangeMessage.Direction.OUT, agency__in=register_agencies(user)))
    if include_sent:
        return messages.order_by("-created_at", "-pk")
    return messages.filter(sent_at__isnull=True).order_by("created_at", "pk")


def exchange_message_for(user, message_id: int) -> ExchangeMessage | None:
    """A stored exchange file, for the clerks of its agency (as the API decides)."""
    return (ExchangeMessage.objects.select_related("agency")
            .filter(pk=message_id, agency__in=register_agencies(user)).first())


def status_label(code: str) -> str:
    """The label of an edXML status code (“01” → Arrived), the code itself when unknown."""
    from . import edxml

    try:
        return str(edxml.Status(code).label)
    except ValueError:
        return code


def with_status_labels(messages) -> list[ExchangeMessage]:
    messages = list(messages)
    for message in messages:
        message.status_label = status_label(message.status_code) if message.status_code else ""
    return messages


def exchange_messages_of(document) -> list[ExchangeMessage]:
    """The exchange files of a document (packages, statuses either way), oldest first,
    each with its ``status_label``."""
    return with_status_labels(document.exchange_messages.order_by("created_at", "pk"))


RECIPIENT_STATUS = "recipient_status_"


def recipient_statuses(document: OutgoingDocument) -> list[tuple[DocumentEvent, str]]:
    """The statuses recipients outside the platform sent back about the document, with
    their labels (edXML status codes: 01 arrived … 06 done, 13-16 recall)."""
    return [(event, status_label(event.action.removeprefix(RECIPIENT_STATUS)))
            for event in document.events.filter(action__startswith=RECIPIENT_STATUS).order_by("at", "pk")]
