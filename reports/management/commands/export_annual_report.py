"""python manage.py export_annual_report --fiscal-year 2020 --format pdf|xlsx|csv|schools -o FILE

The same code path as the export page's job (reports.output.write_report)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.builder import ReportError, ReportOptions
from reports.models import ReportExport
from reports.output import write_report


class Command(BaseCommand):
    help = "Write a fiscal year's annual report as PDF, Excel or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help="e.g. 2020 for 令和2年度")
        parser.add_argument(
            "--compare-year", type=int, default=None, help="year to compare with (default: the year before)"
        )
        parser.add_argument("--no-compare", action="store_true", help="no comparison year")
        parser.add_argument(
            "--format",
            choices=[f.value for f in ReportExport.Format],
            required=True,
            help="pdf, xlsx, csv (aggregates), or schools (the board's per-school CSV; --audience board)",
        )
        parser.add_argument(
            "--audience",
            choices=[a.value for a in ReportExport.Audience],
            default=ReportExport.Audience.OFFICIAL,
            help="official (default): aggregates only, small cells suppressed; board: per-school rows too",
        )
        parser.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, *args, **options):
        fiscal_year = options["fiscal_year"]
        compare = None if options["no_compare"] else (options["compare_year"] or fiscal_year - 1)
        report_options = ReportOptions(
            fiscal_year=fiscal_year, compare_year=compare, audience=options["audience"]
        )
        verbosity = options["verbosity"]

        def progress(stage, percent):
            if verbosity > 1:
                self.stderr.write(f"{percent:3d}% {stage}")

        try:
            path = write_report(
                options=report_options, fmt=options["format"], path=Path(options["output"]), progress=progress
            )
        except ReportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"wrote {path} ({path.stat().st_size:,} bytes)")
