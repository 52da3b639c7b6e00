from accounts.imports import import_accounts
from metrics.imports import pipeline


class Command(pipeline.ImportCommand):
    help = (
        "Create or change user accounts from a CSV such as the city's HR list (username, role, school_code, "
        "email, effective_from; UTF-8, BOM or Shift_JIS; Japanese or English headers). Nothing is written "
        "if any row fails; the same file imported again changes nothing. New accounts have no password."
    )

    def load(self, raw, *, source_name, dry_run, **options):
        return import_accounts(raw, source_name=source_name, dry_run=dry_run, max_bytes=None)

    def notes(self, outcome):
        return [] if outcome.error_count else [f"{p.kind} {p.username}: {p.detail}" for p in outcome.preview]

    def summary(self, outcome):
        return f"{outcome.created} accounts created, {outcome.updated} changed, {outcome.unchanged} unchanged"
