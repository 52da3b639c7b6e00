from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metrics.imports import pipeline
from metrics.imports.monthly import import_monthly
from metrics.models import MonthlyReport, School


class Command(BaseCommand):
    help = (
        "Import all schools' months from one CSV keyed by school code (UTF-8, BOM or Shift_JIS; "
        "Japanese or English headers). Nothing is written if any row fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")
        parser.add_argument(
            "--status",
            choices=[MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED],
            default=MonthlyReport.Status.SUBMITTED,
            help="State of the created and changed months (default: submitted).",
        )

    def handle(self, *args, file, dry_run=False, status=MonthlyReport.Status.SUBMITTED, **options):
        raw = pipeline.read_file(file)
        try:
            outcome = import_monthly(
                raw, schools=School.objects.all(), status=status, source_name=file.name, dry_run=dry_run
            )
        except pipeline.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        pipeline.fail_on_errors(self, outcome)
        counts = f"{outcome.created} created, {outcome.updated} changed, {outcome.unchanged} unchanged"
        if dry_run:
            self.stdout.write(f"The file is valid: {counts} (--dry-run: nothing was written).")
        else:
            self.stdout.write(f"Imported: {counts}.")
