"""Refill the documents' search index from the documents themselves."""

from django.core.management.base import BaseCommand

from chinhquyenso.documents.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index of official documents from the documents and "
        "the text of their PDFs (after a restore, or for documents older than the index). "
        "Search keeps working while it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep-text", action="store_true",
                            help="Refresh the metadata only; keep the PDF text already indexed "
                                 "(much faster).")
        parser.add_argument("--batch-size", type=int, default=200,
                            help="Documents per transaction (default 200).")

    def handle(self, *args, keep_text: bool, batch_size: int, **options):
        count = rebuild_index(extract_text=not keep_text, batch_size=max(1, batch_size))
        self.stdout.write(f"{count} documents indexed.")
