from django.core.management.base import BaseCommand

from metrics import rollups


class Command(BaseCommand):
    help = "Rebuild the monthly rollups from the school-months (after writes that bypass the ORM, e.g. COPY)."

    def handle(self, *args, **options):
        self.stdout.write(f"{rollups.refresh_rollups():,} rollup rows written")
