"""CSV imports: decoding, per-row validation with messages, all-or-nothing writes."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from metrics.models import Indicator, PublishedFigure, SchoolType
from reform.loading import LoadResult, upsert

MAX_BYTES = 5 * 1024 * 1024


@dataclass
class RowError:
    row: int  # line number in the file, header = 1
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportOutcome:
    errors: list[RowError] = field(default_factory=list)
    result: LoadResult = field(default_factory=LoadResult)
    written: bool = False


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, size, header)."""


def decode(raw: bytes) -> str:
    """UTF-8 with or without BOM, else Shift_JIS/CP932 (what Excel in Japan writes)."""
    if len(raw) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor Shift_JIS text."))


def read_rows(text: str, aliases: dict[str, str], required: set[str]) -> list[tuple[int, dict]]:
    """(line number, row keyed by canonical column) for each data line; headers may be Japanese."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    columns = [aliases.get(h.strip().lower(), aliases.get(h.strip(), h.strip())) for h in header]
    missing = sorted(required - set(columns))
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append(
            (line, {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns)})
        )
    return rows


def parse_int(value: str, *, line: int, column: str, errors: list, required=True, minimum=None):
    if value == "":
        if required:
            errors.append(RowError(line, column, _("a value is required")))
        return None
    try:
        number = int(value.replace(",", ""))
    except ValueError:
        errors.append(RowError(line, column, _("“%(value)s” is not a whole number") % {"value": value}))
        return None
    if minimum is not None and number < minimum:
        errors.append(RowError(line, column, _("must be at least %(min)s") % {"min": minimum}))
        return None
    return number


def parse_decimal(value: str, *, line: int, column: str, errors: list):
    if value == "":
        errors.append(RowError(line, column, _("a value is required")))
        return None
    try:
        return Decimal(value.replace(",", "").rstrip("%％"))
    except InvalidOperation:
        errors.append(RowError(line, column, _("“%(value)s” is not a number") % {"value": value}))
        return None


PUBLISHED_ALIASES = {
    "指標": "indicator",
    "年度": "fiscal_year",
    "グループ": "group",
    "校種": "group",
    "月": "month",
    "値": "value",
    "出典": "source",
    "備考": "note",
    "行事除外": "excluding_events",
}
PUBLISHED_REQUIRED = {"indicator", "fiscal_year", "group", "month", "value", "source"}


def import_published(raw: bytes, *, dry_run: bool = False) -> ImportOutcome:
    """Published figures from CSV: indicator, fiscal_year, group, month, value, source
    (and optionally note, excluding_events).

    `month` is empty for a year's figure; `excluding_events` is 1/true for a variant
    without the months of excluded events. Nothing is written when any row fails.
    """
    outcome = ImportOutcome()
    rows = read_rows(decode(raw), PUBLISHED_ALIASES, PUBLISHED_REQUIRED)
    indicators = {i.code: i for i in Indicator.objects.all()}
    groups = {"all", *SchoolType.objects.values_list("code", flat=True)}
    parsed, seen = [], set()
    for line, row in rows:
        errors = []
        indicator = indicators.get(row["indicator"])
        if indicator is None:
            errors.append(
                RowError(line, "indicator", _("unknown indicator “%(v)s”") % {"v": row["indicator"]})
            )
        fiscal_year = parse_int(
            row["fiscal_year"], line=line, column="fiscal_year", errors=errors, minimum=1989
        )
        if row["group"] not in groups:
            errors.append(RowError(line, "group", _("unknown group “%(v)s”") % {"v": row["group"]}))
        month = parse_int(row["month"], line=line, column="month", errors=errors, required=False)
        if month is not None and not 1 <= month <= 12:
            errors.append(RowError(line, "month", _("the month must be between 1 and 12")))
        value = parse_decimal(row["value"], line=line, column="value", errors=errors)
        if not row["source"]:
            errors.append(RowError(line, "source", _("a source is required")))
        excluding = row.get("excluding_events", "").lower() in ("1", "true", "yes", "はい")
        key = (row["indicator"], fiscal_year, row["group"], month, excluding)
        if not errors and key in seen:
            errors.append(RowError(line, "indicator", _("the same figure appears twice in the file")))
        seen.add(key)
        outcome.errors.extend(errors)
        if not errors:
            parsed.append(
                (indicator, fiscal_year, row["group"], month, row.get("note", ""), value, row["source"])
            )
    if outcome.errors or dry_run:
        return outcome
    with transaction.atomic():
        for indicator, fiscal_year, group, month, note, value, source in parsed:
            upsert(
                PublishedFigure,
                {
                    "indicator": indicator,
                    "fiscal_year": fiscal_year,
                    "group": group,
                    "month": month,
                    "note": note,
                },
                {"value": value, "source": source},
                outcome.result,
                "published figures",
            )
    outcome.written = True
    return outcome
