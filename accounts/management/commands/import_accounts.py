from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.imports import import_accounts
from metrics.imports import pipeline


class Command(BaseCommand):
    help = (
        "Create or change user accounts from a CSV such as the city's HR list (username, role, school_code, "
        "email, effective_from; UTF-8, BOM or Shift_JIS; Japanese or English headers). Nothing is written "
        "if any row fails; the same file imported again changes nothing. New accounts have no password."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args, file, dry_run=False, **options):
        raw = pipeline.read_file(file)
        try:
            outcome = import_accounts(raw, source_name=file.name, dry_run=dry_run, max_bytes=None)
        except pipeline.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        pipeline.fail_on_errors(self, outcome)
        counts = (
            f"{outcome.created} accounts created, {outcome.updated} changed, {outcome.unchanged} unchanged"
        )
        for plan in outcome.preview:
            self.stdout.write(f"{plan.kind} {plan.username}: {plan.detail}")
        if dry_run:
            self.stdout.write(f"The file is valid: {counts} (--dry-run: nothing was written).")
        else:
            self.stdout.write(f"Imported: {counts}.")
