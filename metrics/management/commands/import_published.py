from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metrics.imports.monthly import ImportFileError, import_published


class Command(BaseCommand):
    help = "Load published figures from CSV: indicator, fiscal_year, group, month, value, source[, note]."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args, file, dry_run=False, **options):
        try:
            outcome = import_published(file.read_bytes(), dry_run=dry_run)
        except (OSError, ImportFileError) as exc:
            raise CommandError(str(exc)) from exc
        if outcome.errors:
            for error in outcome.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(outcome.errors)} error(s); nothing was written.")
        if dry_run:
            self.stdout.write("The file is valid; nothing was written (--dry-run).")
            return
        for name, created, updated in outcome.result.lines():
            self.stdout.write(f"{name}: {created} created, {updated} updated")
        if not outcome.result.changed:
            self.stdout.write("Nothing changed.")
