"""The full-text search index of outgoing and incoming documents.

Not a Django model: the index is a vendor-specific structure that only
chinhquyenso.documents.search reads and writes.

- SQLite: an FTS5 virtual table. The filter columns are UNINDEXED; `metadata`
  (notation, subject, signer, sender, type and issuer names) and `body` (text
  extracted from the document's PDF) are stored accent-folded with normalize_vi,
  because unicode61 alone does not fold đ to d. The rowid is derived from the
  document (2·id for outgoing, 2·id + 1 for incoming) so that replacing one entry is
  a rowid lookup, not a scan of the table.
- PostgreSQL: an ordinary table with a generated tsvector ('simple' configuration
  over the folded text, metadata weighted above the body) under a GIN index, and a
  pg_trgm GIN index on the folded metadata for partial matches such as a fragment of
  a notation. If the pg_trgm extension cannot be created, the table is made without
  the trigram index and search uses the tsvector only.
"""

from django.db import migrations, transaction

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE documents_search USING fts5(
        kind UNINDEXED,
        document_id UNINDEXED,
        agency_id UNINDEXED,
        type_code UNINDEXED,
        year UNINDEXED,
        state UNINDEXED,
        sort_at UNINDEXED,
        title UNINDEXED,
        metadata,
        body,
        tokenize = 'unicode61',
        prefix = '2 3'
    )
    """,
]
SQLITE_DROP = ["DROP TABLE IF EXISTS documents_search"]

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
        search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, metadata), 'A')
            || setweight(to_tsvector('simple'::regconfig, body), 'B')
        ) STORED,
        PRIMARY KEY (kind, document_id)
    )
    """,
    "CREATE INDEX documents_search_vector ON documents_search USING gin (search_vector)",
    "CREATE INDEX documents_search_recent ON documents_search (sort_at DESC, document_id DESC)",
    "CREATE INDEX documents_search_agency ON documents_search (agency_id, sort_at DESC)",
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
