"""Rebuild the indicators' aggregates from the dossiers and ratings: after loading data
that did not go through the dossier services (an import, the demo generator), or to
check that the kept aggregates are right."""

from time import perf_counter

from django.core.management.base import BaseCommand

from chinhquyenso.indicators.aggregates import rebuild_aggregates


class Command(BaseCommand):
    help = ("Rebuild the indicators' aggregates: counts of dossiers per unit, day and procedure, and "
            "monthly counts of documents, community activities and complaints per unit.")

    def handle(self, *args, **options):
        started = perf_counter()
        rows = rebuild_aggregates()
        seconds = perf_counter() - started
        self.stdout.write(f"daily {rows['daily']}, monthly {rows['monthly']}, records {rows['records']}, "
                          f"unit monthly {rows['unit_monthly']} rows in {seconds:.1f} s")
