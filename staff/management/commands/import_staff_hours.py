from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metrics.imports import pipeline
from staff.imports import import_staff_hours


class Command(BaseCommand):
    help = (
        "Import per-staff monthly hours from the IC-card system's CSV (school code, pseudonymous staff id, "
        "fiscal year, month, overtime hours, weekday overtime hours, leave days; UTF-8, BOM or Shift_JIS; "
        "Japanese or English headers). Nothing is written if any row fails. Unlike the web page (5 MB), "
        "any file size is accepted, for a whole city's or the nation's month."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args, file, dry_run=False, **options):
        raw = pipeline.read_file(file)
        try:
            outcome = import_staff_hours(raw, source_name=file.name, dry_run=dry_run, max_bytes=None)
        except pipeline.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        pipeline.fail_on_errors(self, outcome)
        counts = (
            f"{outcome.created} staff rows created, {outcome.updated} changed, {outcome.removed} removed, "
            f"{outcome.unchanged} unchanged; {outcome.filled_months} school-months filled, "
            f"{outcome.mismatched_months} differ from what was entered; "
            f"{outcome.interviews_created} physician-interview records opened"
        )
        if dry_run:
            self.stdout.write(f"The file is valid: {counts} (--dry-run: nothing was written).")
        else:
            self.stdout.write(f"Imported: {counts}.")
