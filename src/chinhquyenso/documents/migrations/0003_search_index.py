"""The full-text search index of outgoing and incoming documents.

Not a Django model: the index is a vendor-specific structure that only
chinhquyenso.documents.search reads and writes. The searchable text, `metadata`
(notation, subject, signer, sender, type and issuer names) and `body` (text extracted
from the document's PDF), is stored accent-folded with normalize_vi, because neither
unicode61 nor PostgreSQL's 'simple' configuration folds đ to d.

- SQLite: an FTS5 virtual table `documents_search` (unicode61 tokenizer, prefix indexes
  for 2 and 3 characters) holds the text; the filter columns (kind, document id, agency,
  type code, year, state, recency, original title) live in the ordinary table
  `documents_search_entry` with the same rowid, 2·id for an outgoing and 2·id + 1 for an
  incoming document, so that replacing one entry is a rowid lookup. They are not
  UNINDEXED columns of the FTS5 table: FTS5 reads a whole row, long text included, to
  test such a column, and a filter-only listing of 100,000 documents then took 0.3–0.5 s
  instead of milliseconds with B-tree indexes.
- PostgreSQL: one ordinary table with a generated tsvector ('simple' configuration;
  metadata weighted A, body B) under a GIN index for matching, a second, small one over
  the metadata alone for ranking (ts_rank on the full vectors must read every matching
  vector out of TOAST storage: 1.5–2.6 s for a query matching 90,000 of 100,000
  documents, against 0.2–0.4 s with the metadata vector stored inline), and a pg_trgm
  GIN index on the folded metadata for partial matches such as a fragment of a notation
  or of a word. The trigram index covers the metadata only: over the text of every PDF
  it would be several times the size of the text and slow every write. Punctuation is turned
  into spaces before parsing: the default parser would otherwise read "15/qd-ubnd" as
  one file-name token, where SQLite (and the query) see 15, qd, ubnd. If the pg_trgm
  extension cannot be created, the table is made without the trigram index and search
  uses the tsvector only.
"""

from django.db import migrations, transaction

SQLITE_CREATE = [
    """
    CREATE TABLE documents_search_entry (
        id integer NOT NULL PRIMARY KEY,
        kind varchar(3) NOT NULL,
        document_id integer NOT NULL,
        agency_id integer NOT NULL,
        type_code varchar(10) NOT NULL DEFAULT '',
        year integer NULL,
        state varchar(12) NOT NULL,
        sort_at varchar(32) NOT NULL,
        title text NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX documents_search_entry_recent ON documents_search_entry (sort_at, id)",
    "CREATE INDEX documents_search_entry_agency ON documents_search_entry (agency_id, sort_at, id)",
    """
    CREATE VIRTUAL TABLE documents_search USING fts5(
        metadata,
        body,
        tokenize = 'unicode61',
        prefix = '2 3'
    )
    """,
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS documents_search",
    "DROP TABLE IF EXISTS documents_search_entry",
]

POSTGRES_CREATE = [
    """
    CREATE TABLE documents_search (
        kind varchar(3) NOT NULL,
        document_id bigint NOT NULL,
        agency_id bigint NOT NULL,
        type_code varchar(10) NOT NULL DEFAULT '',
        year smallint NULL,
        state varchar(12) NOT NULL,
        sort_at timestamp with time zone NOT NULL,
        title text NOT NULL DEFAULT '',
        metadata text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        metadata_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig,
                                  regexp_replace(metadata, '[^[:alnum:]]+', ' ', 'g')), 'A')
        ) STORED,
        search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig,
                                  regexp_replace(metadata, '[^[:alnum:]]+', ' ', 'g')), 'A')
            || setweight(to_tsvector('simple'::regconfig,
                                     regexp_replace(body, '[^[:alnum:]]+', ' ', 'g')), 'B')
        ) STORED,
        PRIMARY KEY (kind, document_id)
    )
    """,
    "CREATE INDEX documents_search_vector ON documents_search USING gin (search_vector)",
    "CREATE INDEX documents_search_recent ON documents_search (sort_at DESC, document_id DESC)",
    "CREATE INDEX documents_search_agency ON documents_search (agency_id, sort_at DESC, document_id DESC)",
]
POSTGRES_TRIGRAM = [
    "CREATE INDEX documents_search_metadata_trgm ON documents_search USING gin (metadata gin_trgm_ops)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS documents_search"]


def _create_pg_trgm(schema_editor) -> bool:
    """Create the extension in a savepoint: a refusal (no superuser, extension not
    installed) must not abort the migration, only leave out the trigram index."""
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 — any refusal means: no trigram index
        return False
    return True


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        trigram = _create_pg_trgm(schema_editor)
        for sql in POSTGRES_CREATE + (POSTGRES_TRIGRAM if trigram else []):
            schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_document_types"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
