import json as jsonlib

from django.core.management.base import BaseCommand

from metrics.services import indicator_summary
from reform.fiscal import fiscal_year_label, months_label


class Command(BaseCommand):
    help = (
        "Print each indicator's year figure for all types and each type, with target and whether it is met."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help="e.g. 2020 for 令和2年度")
        parser.add_argument("--json", action="store_true", help="Print one JSON list instead of a table.")

    def handle(self, *args, fiscal_year, json=False, **options):
        rows = indicator_summary(fiscal_year=fiscal_year)
        if json:
            self.stdout.write(_dumps(rows))
            return
        self.stdout.write(fiscal_year_label(fiscal_year))
        if not rows:
            self.stdout.write("  no data and no published figures for this year")
        for row in rows:
            self.stdout.write("  " + _line(row))


def _dumps(rows):
    return jsonlib.dumps(rows, ensure_ascii=False, indent=1)


def _line(row) -> str:
    value = "—" if row["value"] is None else f"{row['value']:.1f}"
    parts = [f"{row['indicator']:<16}", f"{row['group']:<14}", f"{value:>6}"]
    if row["source"] == "published":
        parts.append("(published)")
    elif row["months"] and not row["full_year"]:
        parts.append(f"({months_label(row['months'])})")
    if row["group"] == "all" and row["types"]:
        parts.append(f"[{len(row['types'])} types]")
    if row["value_excluding_events"] is not None:
        parts.append(f"excl. events {row['value_excluding_events']:.1f}")
    if row["target"] is not None:
        parts.append(f"target {row['target']:g}: {'met' if row['met'] else 'not met'}")
    return "  ".join(parts)
