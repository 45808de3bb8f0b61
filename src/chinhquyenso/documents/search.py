"""Accent-insensitive full-text search over outgoing and incoming documents.

The index (created by migration 0003, not a Django model) holds one entry per document:
filter columns, the document's metadata and the text extracted from its PDF. The text is
stored folded with normalize_vi and the user's query is folded the same way, so
"quyet dinh chuyen doi so" finds "Quyết định chuyển đổi số" and the other way round.

- SQLite: FTS5 MATCH ranked by bm25 (metadata weighs four times the body), the filter
  columns in an ordinary table joined on the rowid.
- PostgreSQL: the tsvector GIN index ranked by ts_rank; when pg_trgm is installed, a
  trigram LIKE on the folded metadata also finds a fragment of a notation or of a word
  ("qd-ubnd", "uyet dinh").

Each whitespace-separated part of the query is matched as a phrase of its words ("15/QĐ-UBND"
→ 15 qd ubnd, adjacent) and every part must match; the last word also matches as a prefix
from two characters on. User input never reaches the query syntax of either database:
only the letters and digits of the folded query are used, quoted.

index_document() is called by the document services inside their transaction after each
change; it never parses a PDF (text_extraction.extract_pdf_text does, before). Entries of
confidential documents are indexed like the others: callers scope every search with
`agency_ids` from chinhquyenso.org.permissions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from chinhquyenso.core.text import normalize_vi

from .models import IncomingDocument, OutgoingDocument

logger = logging.getLogger(__name__)

OUTGOING = "out"
INCOMING = "in"
KINDS = (OUTGOING, INCOMING)

MAX_TEXT_CHARS = 200_000
MAX_LIMIT = 200
# Longer queries add nothing but cost: each word is one more index lookup.
MAX_QUERY_CHARS = 400
MAX_QUERY_WORDS = 16
# A one-letter prefix matches nearly every document; from two on the FTS5 prefix index answers.
MIN_PREFIX_CHARS = 2
METADATA_WEIGHT, BODY_WEIGHT = 4.0, 1.0
# On PostgreSQL, a match of the whole folded query inside the metadata ranks above the
# same words scattered in the text.
SUBSTRING_BONUS = 0.1
SNIPPET_CHARS = 220

_WORD = re.compile(r"[^\W_]+")
_SEPARATOR = "\u00a0· "


# --- results -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchHit:
    """One document found. `title` is its metadata with the original accents; `snippet`
    is HTML (escaped, matches in <mark>): the metadata when the query matches there,
    else a fragment of the extracted text, which the index keeps folded (no accents)."""

    kind: str
    id: int
    rank: float
    title: str
    snippet: SafeString


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: list[SearchHit] = field(default_factory=list)

    def ids(self, kind: str) -> list[int]:
        """The ids of the hits of one kind, in rank order, to fetch the documents."""
        return [hit.id for hit in self.hits if hit.kind == kind]


# --- the query -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Query:
    folded: str
    phrases: tuple[tuple[str, ...], ...]
    prefix: bool  # the last word of the last phrase is matched as a prefix

    @classmethod
    def parse(cls, query: str) -> _Query:
        folded = normalize_vi(_clean(str(query or ""))[:MAX_QUERY_CHARS])
        phrases: list[tuple[str, ...]] = []
        count = 0
        for part in folded.split():
            words = tuple(_WORD.findall(part))[:MAX_QUERY_WORDS - count]
            if words:
                phrases.append(words)
                count += len(words)
            if count >= MAX_QUERY_WORDS:
                break
        prefix = bool(phrases) and len(phrases[-1][-1]) >= MIN_PREFIX_CHARS
        return cls(folded=folded, phrases=tuple(phrases), prefix=prefix)

    @property
    def is_empty(self) -> bool:
        return not self.phrases

    @property
    def words(self) -> list[str]:
        return [word for phrase in self.phrases for word in phrase]

    def fts5(self) -> str:
        """An FTS5 expression: quoted phrases (implicit AND); the words hold only
        letters and digits, so no quote can end a string early."""
        parts = ['"' + " ".join(phrase) + '"' for phrase in self.phrases]
        if self.prefix:
            parts[-1] += "*"
        return " ".join(parts)

    def tsquery(self) -> str:
        """A to_tsquery expression: quoted lexemes, phrases with <->, AND between them."""
        parts = []
        last = len(self.phrases) - 1
        for index, phrase in enumerate(self.phrases):
            lexemes = [f"'{word}'" for word in phrase]
            if index == last and self.prefix:
                lexemes[-1] += ":*"
            parts.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(parts)

    def like_pattern(self) -> str | None:
        """The folded query as a LIKE substring, for the trigram index (which needs three
        characters)."""
        if len(self.folded) < 3:
            return None
        escaped = self.folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    def matches_word(self, folded_word: str) -> bool:
        words = self.words
        if folded_word in words:
            return True
        return self.prefix and folded_word.startswith(words[-1])


# --- indexing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    kind: str
    document_id: int
    agency_id: int
    type_code: str
    year: int | None
    state: str
    sort_at: datetime
    title: str
    metadata: str


def _clean(text: str) -> str:
    """Text that every database accepts: no NUL (PostgreSQL refuses it), no lone
    surrogate (not encodable in UTF-8), as PDFs from outside may contain both."""
    return text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")


def _local_year(moment: datetime | None) -> int | None:
    return timezone.localdate(moment).year if moment else None


def _entry(document) -> _Entry:
    if isinstance(document, OutgoingDocument):
        kind = OUTGOING
        document_type = document.document_type
        parts = [document.notation, document.subject, document_type.name, document.signer_name,
                 document.agency.name]
        sort_at = document.issued_at or document.numbered_at or document.created_at
        # A document is of the year of its number; before numbering, of the year it was drafted.
        year = document.year or _local_year(document.created_at)
    elif isinstance(document, IncomingDocument):
        kind = INCOMING
        document_type = document.document_type
        issuer = document.from_agency.name if document.from_agency_id else ""
        parts = [document.original_notation, document.subject,
                 document_type.name if document_type else "", document.sender_name, issuer]
        sort_at = document.received_at
        year = document.year or _local_year(document.received_at)
    else:
        raise TypeError(f"Not a document: {type(document).__name__}")
    if document.pk is None:
        raise ValueError("Index a document once it is saved.")
    seen: list[str] = []
    for part in parts:
        part = _clean(" ".join((part or "").split()))
        if part and part not in seen:
            seen.append(part)
    title = _SEPARATOR.join(seen)
    return _Entry(
        kind=kind, document_id=document.pk, agency_id=document.agency_id,
        type_code=document_type.code if document_type else "", year=year, state=document.state,
        sort_at=sort_at or timezone.now(), title=title, metadata=normalize_vi(title))


def _fold_text(text: str) -> str:
    return normalize_vi(_clean(text[: MAX_TEXT_CHARS * 2]))[:MAX_TEXT_CHARS]


def _rowid(kind: str, document_id: int) -> int:
    return document_id * 2 + (1 if kind == INCOMING else 0)


def _sqlite_time(moment: datetime) -> str:
    """A fixed-width UTC form, so that text order is time order."""
    if timezone.is_aware(moment):
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def index_document(document, *, text: str | None = None) -> None:
    """Insert or replace the entry of one OutgoingDocument or IncomingDocument.

    `text` is the text already extracted from the document's PDF
    (text_extraction.extract_pdf_text); None keeps the text indexed so far. Call it inside
    the transaction that changes the document, after saving it: the entry then commits or
    rolls back with the change. Cheap: a few row writes, and the text is only re-indexed
    when it or the metadata changed."""
    entry = _entry(document)
    body = None if text is None else _fold_text(text)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_write(cursor, entry, body)
        elif connection.vendor == "postgresql":
            _postgres_write(cursor, entry, body)
        else:
            raise NotImplementedError(f"No document search on {connection.vendor}")


def _sqlite_write(cursor, entry: _Entry, body: str | None) -> None:
    rowid = _rowid(entry.kind, entry.document_id)
    cursor.execute(
        "INSERT OR REPLACE INTO documents_search_entry"
        " (id, kind, document_id, agency_id, type_code, year, state, sort_at, title)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [rowid, entry.kind, entry.document_id, entry.agency_id, entry.type_code, entry.year,
         entry.state, _sqlite_time(entry.sort_at), entry.title])
    cursor.execute("SELECT metadata, body FROM documents_search WHERE rowid = %s", [rowid])
    old = cursor.fetchone()
    if old is not None:
        if old[0] == entry.metadata and (body is None or body == old[1]):
            return  # a change of state or date only: the text index stays as it is
        cursor.execute("DELETE FROM documents_search WHERE rowid = %s", [rowid])
    if body is None:
        body = old[1] if old is not None else ""
    cursor.execute("INSERT INTO documents_search (rowid, metadata, body) VALUES (%s, %s, %s)",
                   [rowid, entry.metadata, body])


def _postgres_write(cursor, entry: _Entry, body: str | None) -> None:
    if body is None:
        # A change of state or date only: an UPDATE that leaves metadata and body out of
        # its SET list does not recompute the generated vectors (a long text costs up to
        # ~0.1 s to parse again).
        cursor.execute(
            "UPDATE documents_search SET agency_id = %s, type_code = %s, year = %s, state = %s,"
            " sort_at = %s, title = %s WHERE kind = %s AND document_id = %s AND metadata = %s",
            [entry.agency_id, entry.type_code, entry.year, entry.state, entry.sort_at, entry.title,
             entry.kind, entry.document_id, entry.metadata])
        if cursor.rowcount == 1:
            return
    cursor.execute(
        "INSERT INTO documents_search"
        " (kind, document_id, agency_id, type_code, year, state, sort_at, title, metadata, body)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, COALESCE(%s, ''))"
        " ON CONFLICT (kind, document_id) DO UPDATE SET"
        " agency_id = EXCLUDED.agency_id, type_code = EXCLUDED.type_code, year = EXCLUDED.year,"
        " state = EXCLUDED.state, sort_at = EXCLUDED.sort_at, title = EXCLUDED.title,"
        " metadata = EXCLUDED.metadata, body = COALESCE(%s, documents_search.body)",
        [entry.kind, entry.document_id, entry.agency_id, entry.type_code, entry.year, entry.state,
         entry.sort_at, entry.title, entry.metadata, body, body])


def remove_document(document) -> None:
    """Remove the entry of one document (call before deleting it: the id is needed)."""
    kind = _kind_of(document)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            rowid = _rowid(kind, document.pk)
            cursor.execute("DELETE FROM documents_search WHERE rowid = %s", [rowid])
            cursor.execute("DELETE FROM documents_search_entry WHERE id = %s", [rowid])
        else:
            cursor.execute("DELETE FROM documents_search WHERE kind = %s AND document_id = %s",
                           [kind, document.pk])


def _kind_of(document) -> str:
    if isinstance(document, OutgoingDocument):
        return OUTGOING
    if isinstance(document, IncomingDocument):
        return INCOMING
    raise TypeError(f"Not a document: {type(document).__name__}")


# --- searching -----------------------------------------------------------------------------

def search_documents(query: str, *, kind: str | None = None,
                     agency_ids: Iterable[int] | None = None, type_code: str | None = None,
                     year: int | None = None, state: str | None = None, limit: int = 50,
                     offset: int = 0) -> SearchResults:
    """Documents matching `query` and every given filter, best first then most recent;
    with an empty query (or one without letters or digits), the filtered documents by
    recency. `agency_ids` is the permission scope: None means every agency, an empty
    collection means none. `total` counts every match, `hits` is one page."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    parsed = _Query.parse(query)
    agencies = None if agency_ids is None else sorted({int(a) for a in agency_ids})
    if agencies == []:
        return SearchResults(total=0)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    filters = _Filters(kind=kind, agency_ids=agencies, type_code=type_code,
                       year=None if year is None else int(year), state=state)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            total, rows = _sqlite_search(cursor, parsed, filters, limit, offset)
            bodies = _sqlite_bodies(cursor, parsed, rows)
        elif connection.vendor == "postgresql":
            total, rows = _postgres_search(cursor, parsed, filters, limit, offset)
            bodies = _postgres_bodies(cursor, parsed, rows)
        else:
            raise NotImplementedError(f"No document search on {connection.vendor}")
    hits = [SearchHit(kind=row_kind, id=document_id, rank=float(rank or 0), title=title,
                      snippet=_snippet(parsed, title, bodies.get((row_kind, document_id), "")))
            for row_kind, document_id, rank, title in rows]
    return SearchResults(total=total, hits=hits)


@dataclass(frozen=True)
class _Filters:
    kind: str | None
    agency_ids: list[int] | None
    type_code: str | None
    year: int | None
    state: str | None

    def sql(self, prefix: str) -> tuple[list[str], list]:
        clauses: list[str] = []
        params: list = []
        for column, value in (("kind", self.kind), ("type_code", self.type_code),
                              ("year", self.year), ("state", self.state)):
            if value is not None:
                clauses.append(f"{prefix}{column} = %s")
                params.append(value)
        if self.agency_ids is not None:
            clauses.append(f"{prefix}agency_id IN ({', '.join(['%s'] * len(self.agency_ids))})")
            params.extend(self.agency_ids)
        return clauses, params


def _sqlite_search(cursor, parsed: _Query, filters: _Filters, limit: int, offset: int):
    clauses, params = filters.sql("e.")
    if parsed.is_empty:
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        cursor.execute(f"SELECT count(*) FROM documents_search_entry e{where}", params)  # noqa: S608 — constants and %s placeholders only
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT e.kind, e.document_id, 0.0, e.title FROM documents_search_entry e{where}"  # noqa: S608 — constants and %s placeholders only
            " ORDER BY e.sort_at DESC, e.id DESC LIMIT %s OFFSET %s", [*params, limit, offset])
        return total, cursor.fetchall()
    # CROSS JOIN keeps the FTS5 table outermost: bm25() only works when it drives the join.
    source = ("documents_search CROSS JOIN documents_search_entry e"
              " ON e.id = documents_search.rowid")
    where = " AND ".join(["documents_search MATCH %s", *clauses])
    match_params = [parsed.fts5(), *params]
    cursor.execute(f"SELECT count(*) FROM {source} WHERE {where}", match_params)  # noqa: S608 — constants and %s placeholders only
    total = cursor.fetchone()[0]
    if total <= offset:
        return total, []
    cursor.execute(
        f"SELECT e.kind, e.document_id,"  # noqa: S608 — constants and %s placeholders only
        f" -bm25(documents_search, {METADATA_WEIGHT}, {BODY_WEIGHT}) AS score, e.title"
        f" FROM {source} WHERE {where}"
        " ORDER BY score DESC, e.sort_at DESC, e.id DESC LIMIT %s OFFSET %s",
        [*match_params, limit, offset])
    return total, cursor.fetchall()


def _postgres_search(cursor, parsed: _Query, filters: _Filters, limit: int, offset: int):
    clauses, params = filters.sql("")
    order = "sort_at DESC, document_id DESC, kind"
    if parsed.is_empty:
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        cursor.execute(f"SELECT count(*) FROM documents_search{where}", params)  # noqa: S608 — constants and %s placeholders only
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT kind, document_id, 0.0, title FROM documents_search{where}"  # noqa: S608 — constants and %s placeholders only
            f" ORDER BY {order} LIMIT %s OFFSET %s", [*params, limit, offset])
        return total, cursor.fetchall()
    filter_sql = "".join(f" AND {clause}" for clause in clauses)
    tsquery = parsed.tsquery()
    pattern = parsed.like_pattern() if _has_trigram_index(cursor) else None
    # Ranked on the small metadata vector: ts_rank on the full vector would read every
    # matching vector, long text included, out of TOAST storage.
    bonus = "" if pattern is None else f" + CASE WHEN metadata LIKE %s THEN {SUBSTRING_BONUS} ELSE 0 END"
    matches = (f"SELECT kind, document_id, sort_at, title, ts_rank(metadata_vector, q.query){bonus}"  # noqa: S608 — constants and %s placeholders only
               " AS score FROM documents_search, to_tsquery('simple', %s) AS q(query)"
               f" WHERE search_vector @@ q.query{filter_sql}")
    match_params = [tsquery, *params] if pattern is None else [pattern, tsquery, *params]
    if pattern is not None:
        # The substring matches the words missed, as a second branch rather than an OR: an
        # OR would have PostgreSQL recheck, and so read, the full vectors of whole pages.
        matches += (f" UNION ALL SELECT kind, document_id, sort_at, title, {SUBSTRING_BONUS}"  # noqa: S608 — constants and %s placeholders only
                    " FROM documents_search, to_tsquery('simple', %s) AS q(query)"
                    f" WHERE metadata LIKE %s AND NOT search_vector @@ q.query{filter_sql}")
        match_params += [tsquery, pattern, *params]
    cursor.execute(
        f"WITH matches AS ({matches})"  # noqa: S608 — constants and %s placeholders only
        " SELECT kind, document_id, score, title, count(*) OVER () FROM matches"
        f" ORDER BY score DESC, {order} LIMIT %s OFFSET %s", [*match_params, limit, offset])
    rows = cursor.fetchall()
    if rows:
        return rows[0][4], [row[:4] for row in rows]
    cursor.execute(f"SELECT count(*) FROM ({matches}) AS matches", match_params)  # noqa: S608 — constants and %s placeholders only
    return cursor.fetchone()[0], []


_trigram_index: dict[str, bool] = {}


def _has_trigram_index(cursor) -> bool:
    """Whether migration 0003 could create the trigram index (pg_trgm available)."""
    key = str(connection.settings_dict.get("NAME"))
    if key not in _trigram_index:
        cursor.execute("SELECT to_regclass('documents_search_metadata_trgm') IS NOT NULL")
        _trigram_index[key] = bool(cursor.fetchone()[0])
    return _trigram_index[key]


# --- snippets ------------------------------------------------------------------------------

def _needs_body(parsed: _Query, title: str) -> bool:
    return not parsed.is_empty and not any(
        parsed.matches_word(normalize_vi(m.group())) for m in _WORD.finditer(title))


def _sqlite_bodies(cursor, parsed: _Query, rows) -> dict[tuple[str, int], str]:
    wanted = {_rowid(kind, document_id): (kind, document_id)
              for kind, document_id, _rank, title in rows if _needs_body(parsed, title)}
    if not wanted:
        return {}
    cursor.execute(f"SELECT rowid, body FROM documents_search WHERE rowid IN"  # noqa: S608 — constants and %s placeholders only
                   f" ({', '.join(['%s'] * len(wanted))})", list(wanted))
    return {wanted[rowid]: body for rowid, body in cursor.fetchall()}


def _postgres_bodies(cursor, parsed: _Query, rows) -> dict[tuple[str, int], str]:
    wanted = [(kind, document_id) for kind, document_id, _rank, title in rows
              if _needs_body(parsed, title)]
    if not wanted:
        return {}
    cursor.execute(
        "SELECT kind, document_id, body FROM documents_search WHERE (kind, document_id) IN"  # noqa: S608 — constants and %s placeholders only
        f" ({', '.join(['(%s, %s)'] * len(wanted))})", [v for pair in wanted for v in pair])
    return {(kind, document_id): body for kind, document_id, body in cursor.fetchall()}


def _snippet(parsed: _Query, title: str, body: str) -> SafeString:
    """The title with its matching words marked when the query matches there (original
    accents kept), else a fragment of the folded text around the first match."""
    if parsed.is_empty:
        return _shorten(escape(title))
    title_html = _highlight_words(parsed, title)
    if title_html is not None or not body:
        return title_html if title_html is not None else _shorten(escape(title))
    return _body_fragment(parsed, body)


def _shorten(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 — built from escaped parts only


def _highlight_words(parsed: _Query, text: str) -> SafeString | None:
    """`text` (original) escaped, with the words whose folded form matches marked; None
    when none matches. Long titles are cut around the first match."""
    matches = [m for m in _WORD.finditer(text) if parsed.matches_word(normalize_vi(m.group()))]
    if not matches:
        return None
    start = 0
    if len(text) > SNIPPET_CHARS and matches[0].start() > SNIPPET_CHARS // 3:
        start = text.rfind(" ", 0, matches[0].start() - SNIPPET_CHARS // 4) + 1
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = max(text.rfind(" ", start, end), matches[0].end())
    return _marked(text, start, end, [(m.start(), m.end()) for m in matches])


def _body_fragment(parsed: _Query, body: str) -> SafeString:
    words = parsed.words
    alternatives = [re.escape(word) + (r"[^\W_]*" if parsed.prefix and i == len(words) - 1 else "")
                    for i, word in enumerate(words)]
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")
    first = pattern.search(body)
    if first is None:
        return _shorten(escape(body[:SNIPPET_CHARS]) + ("…" if len(body) > SNIPPET_CHARS else ""))
    start = 0 if first.start() < SNIPPET_CHARS // 3 else body.rfind(" ", 0, first.start() - SNIPPET_CHARS // 4) + 1
    end = min(len(body), start + SNIPPET_CHARS)
    if end < len(body):
        end = max(body.rfind(" ", start, end), first.end())
    spans = [(m.start(), m.end()) for m in pattern.finditer(body, start, end)]
    return _marked(body, start, end, spans)


def _marked(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> SafeString:
    parts = ["…" if start > 0 else ""]
    position = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts.append(escape(text[position:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return _shorten("".join(parts))


# --- rebuilding ----------------------------------------------------------------------------

def rebuild_index(*, extract_text: bool = True, batch_size: int = 200) -> int:
    """Fill the index again from the documents, in batches of `batch_size`, each in its
    own transaction, and remove the entries of documents that no longer exist; returns
    the number of documents indexed. Entries are replaced in place rather than the table
    emptied first, so search keeps answering while a long rebuild runs.

    With `extract_text`, the text of each document is read again from its stored PDF
    (slow: for the first fill of an existing database or after a change of the
    extractor); without, the text indexed so far is kept and only the metadata is
    refreshed."""
    from .text_extraction import document_text

    count = 0
    for model, related in ((OutgoingDocument, ("agency", "document_type")),
                           (IncomingDocument, ("document_type", "from_agency", "outgoing"))):
        last_pk = 0
        while True:
            batch = list(model.objects.select_related(*related).filter(pk__gt=last_pk)
                         .order_by("pk")[:batch_size])
            if not batch:
                break
            # Extraction outside the transaction: no lock is held while PDFs are parsed.
            texts = {document.pk: document_text(document) for document in batch} if extract_text else {}
            with transaction.atomic():
                for document in batch:
                    index_document(document, text=texts.get(document.pk))
            count += len(batch)
            last_pk = batch[-1].pk
    _remove_orphans()
    return count


def _remove_orphans() -> None:
    outgoing = OutgoingDocument._meta.db_table
    incoming = IncomingDocument._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            orphans = (
                "SELECT e.id FROM documents_search_entry e WHERE"  # noqa: S608 — constants and %s placeholders only
                f" (e.kind = 'out' AND NOT EXISTS (SELECT 1 FROM {outgoing} d WHERE d.id = e.document_id))"
                f" OR (e.kind = 'in' AND NOT EXISTS (SELECT 1 FROM {incoming} d WHERE d.id = e.document_id))")
            cursor.execute(f"DELETE FROM documents_search WHERE rowid IN ({orphans})"  # noqa: S608 — constants and %s placeholders only
                           " OR rowid NOT IN (SELECT id FROM documents_search_entry)")
            cursor.execute(f"DELETE FROM documents_search_entry WHERE id IN ({orphans})")  # noqa: S608 — constants and %s placeholders only
            # Merge the index segments the rebuild wrote into one.
            cursor.execute("INSERT INTO documents_search (documents_search) VALUES ('optimize')")
        else:
            cursor.execute(
                "DELETE FROM documents_search s WHERE"  # noqa: S608 — constants and %s placeholders only
                f" (s.kind = 'out' AND NOT EXISTS (SELECT 1 FROM {outgoing} d WHERE d.id = s.document_id))"
                f" OR (s.kind = 'in' AND NOT EXISTS (SELECT 1 FROM {incoming} d WHERE d.id = s.document_id))")
