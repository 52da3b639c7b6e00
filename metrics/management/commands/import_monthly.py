from metrics.imports import pipeline
from metrics.imports.monthly import import_monthly
from metrics.models import MonthlyReport, School


class Command(pipeline.ImportCommand):
    help = (
        "Import all schools' months from one CSV keyed by school code (UTF-8, BOM or Shift_JIS; "
        "Japanese or English headers). Nothing is written if any row fails."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--status",
            choices=[MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED],
            default=MonthlyReport.Status.SUBMITTED,
            help="State of the created and changed months (default: submitted).",
        )

    def load(self, raw, *, source_name, dry_run, status=MonthlyReport.Status.SUBMITTED, **options):
        return import_monthly(
            raw, schools=School.objects.all(), status=status, source_name=source_name, dry_run=dry_run
        )

    def summary(self, outcome):
        return f"{outcome.created} created, {outcome.updated} changed, {outcome.unchanged} unchanged"
