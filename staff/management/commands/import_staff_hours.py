from metrics.imports import pipeline
from staff.imports import import_staff_hours


class Command(pipeline.ImportCommand):
    help = (
        "Import per-staff monthly hours from the IC-card system's CSV (school code, pseudonymous staff id, "
        "fiscal year, month, overtime hours, weekday overtime hours, leave days; UTF-8, BOM or Shift_JIS; "
        "Japanese or English headers). Nothing is written if any row fails. Unlike the web page (5 MB), "
        "any file size is accepted, for a whole city's or the nation's month."
    )

    def load(self, raw, *, source_name, dry_run, **options):
        return import_staff_hours(raw, source_name=source_name, dry_run=dry_run, max_bytes=None)

    def summary(self, outcome):
        return (
            f"{outcome.created} staff rows created, {outcome.updated} changed, {outcome.removed} removed, "
            f"{outcome.unchanged} unchanged; {outcome.filled_months} school-months filled, "
            f"{outcome.mismatched_months} differ from what was entered; "
            f"{outcome.interviews_created} physician-interview records opened"
        )
