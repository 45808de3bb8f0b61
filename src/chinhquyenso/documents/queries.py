"""Reads of official documents that the pages and the exports share: whose documents an
official sees, the outgoing and incoming registers with their filters, the work queues
by role, and the actions an official may take on a document now.

Nothing here writes; the services decide in the end (the actions offered here only
decide which buttons a page shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chinhquyenso.org.models import Agency, AgencyKind, Role
from chinhquyenso.org.permissions import can, roles_of

from . import search
from .models import (
    DocumentEvent,
    DocumentFile,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
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
    attachments but not the drafts."""
    if not handles_documents(user):
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


# --- registers ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterFilters:
    year: int | None = None
    type_id: int | None = None
    state: str = ""
    urgency: str = ""
    text: str = ""

    @classmethod
    def from_query(cls, params, states, urgencies) -> RegisterFilters:
        """From the query string; anything unknown is ignored rather than refused."""
        year, type_id = params.get("year", ""), params.get("type", "")
        state, urgency = params.get("state", ""), params.get("urgency", "")
        return cls(year=int(year) if year.isdigit() and 1900 < int(year) < 3000 else None,
                   type_id=int(type_id) if type_id.isdigit() else None,
                   state=state if state in states else "",
                   urgency=urgency if urgency in urgencies else "",
                   text=params.get("q", "").strip()[:200])

    def as_query(self) -> dict[str, str]:
        return {"year": str(self.year or ""), "type": str(self.type_id or ""), "state": self.state,
                "urgency": self.urgency, "q": self.text}


#: A text search narrows a register to at most this many documents (the best matches).
TEXT_MATCH_CAP = 1000


def text_matches(queryset: QuerySet, text: str, kind: str, agency_ids: list[int] | None) -> QuerySet:
    """The documents of `queryset` that the full-text search finds for `text`: accent-
    and case-insensitive ("quyet dinh" finds "Quyết định"), over the number and notation,
    the subject, the sender or signer and the text of the PDF."""
    if not text.strip():
        return queryset
    ids: list[int] = []
    offset = 0
    while offset < TEXT_MATCH_CAP:
        results = search.search_documents(text, kind=kind, agency_ids=agency_ids, limit=search.MAX_LIMIT,
                                          offset=offset)
        ids += results.ids(kind)
        offset += search.MAX_LIMIT
        if offset >= results.total:
            break
    return queryset.filter(pk__in=ids)


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
    documents = text_matches(documents, filters.text, search.OUTGOING, _agency_ids(user))
    return documents.order_by(F("year").desc(nulls_first=True), F("issued_on").desc(nulls_first=True),
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
    documents = text_matches(documents, filters.text, search.INCOMING, _agency_ids(user))
    return documents.order_by(F("year").desc(nulls_first=True),
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
        return (OutgoingDocument.objects.select_related("agency", "document_type", "drafting_unit")
                .filter(queue_filter(user, queue, today)).order_by("-updated_at", "-pk"))
    return (IncomingDocument.objects.select_related("agency", "document_type", "from_agency", "lead_unit")
            .filter(queue_filter(user, queue, today))
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
