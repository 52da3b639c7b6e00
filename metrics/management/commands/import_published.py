from metrics.imports import pipeline
from metrics.imports.published import import_published


class Command(pipeline.ImportCommand):
    help = (
        "Load published figures from CSV: indicator, fiscal_year, group, month, value, source"
        "[, note, excluding_events, group_kind, suppressed]. The annual report's CSV imports as it is: "
        "its district rows and suppressed cells (X) are skipped, with a message."
    )

    def load(self, raw, *, source_name, dry_run, **options):
        return import_published(raw, dry_run=dry_run)

    def notes(self, outcome):
        return outcome.skipped_lines()

    def report(self, outcome, *, dry_run):
        verb = "would be " if dry_run else ""
        for name, created, updated in outcome.result.lines():
            self.stdout.write(f"{name}: {created} {verb}created, {updated} {verb}updated")
        if dry_run:
            self.stdout.write("The file is valid; nothing was written (--dry-run).")
        elif not outcome.result.changed:
            self.stdout.write("Nothing changed.")
