from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metrics.imports import pipeline
from metrics.imports.published import import_published


class Command(BaseCommand):
    help = (
        "Load published figures from CSV: indicator, fiscal_year, group, month, value, source"
        "[, note, excluding_events, group_kind, suppressed]. The annual report's CSV imports as it is: "
        "its district rows and suppressed cells (X) are skipped, with a message."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args, file, dry_run=False, **options):
        raw = pipeline.read_file(file)
        try:
            outcome = import_published(raw, dry_run=dry_run)
        except pipeline.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for line in outcome.skipped_lines():
            self.stdout.write(line)
        pipeline.fail_on_errors(self, outcome)
        verb = "would be " if dry_run else ""
        for name, created, updated in outcome.result.lines():
            self.stdout.write(f"{name}: {created} {verb}created, {updated} {verb}updated")
        if dry_run:
            self.stdout.write("The file is valid; nothing was written (--dry-run).")
            return
        if not outcome.result.changed:
            self.stdout.write("Nothing changed.")
