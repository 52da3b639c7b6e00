"""CSV import of the schools taking part in a measure, by school code: dry run, per-row errors,
all-or-nothing, and a second run of the same file changes nothing."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from measures.models import Adoption, Measure
from metrics.imports.monthly import RowError, decode, parse_int, read_rows
from metrics.models import School

MIN_YEAR, MAX_YEAR = 2000, 2100

ADOPTION_ALIASES = {
    "学校コード": "school_code",
    "学校番号": "school_code",
    "code": "school_code",
    "school": "school_code",
    "年度": "fiscal_year",
    "year": "fiscal_year",
}
ADOPTION_REQUIRED = {"school_code", "fiscal_year"}


@dataclass
class AdoptionImportOutcome:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    removed: int = 0
    years: list[int] = field(default_factory=list)
    written: bool = False


def import_adoptions(raw: bytes, *, measure: Measure, replace: bool = False, dry_run: bool = False):
    """Adoption records of `measure` from CSV columns school_code (学校コード), fiscal_year (年度).

    Other columns (a school name, say) are ignored. With `replace`, the file is the
    whole list for each fiscal year it names: that year's schools missing from the
    file are removed. Nothing is written when any row fails or on a dry run; the
    outcome then says what would have happened. Raises ImportFileError for a file
    that cannot be read at all.
    """
    outcome = AdoptionImportOutcome()
    rows = read_rows(decode(raw), ADOPTION_ALIASES, ADOPTION_REQUIRED)
    schools = dict(School.objects.values_list("code", "pk"))
    wanted: set[tuple[int, int]] = set()
    for line, row in rows:
        errors = []
        code = row["school_code"]
        school_id = schools.get(code)
        if not code:
            errors.append(RowError(line, "school_code", _("a value is required")))
        elif school_id is None:
            errors.append(RowError(line, "school_code", _("unknown school code “%(v)s”") % {"v": code}))
        fiscal_year = parse_int(row["fiscal_year"], line=line, column="fiscal_year", errors=errors)
        if fiscal_year is not None and not MIN_YEAR <= fiscal_year <= MAX_YEAR:
            errors.append(
                RowError(
                    line,
                    "fiscal_year",
                    _("the fiscal year must be between %(min)s and %(max)s")
                    % {"min": MIN_YEAR, "max": MAX_YEAR},
                )
            )
        if not errors and (school_id, fiscal_year) in wanted:
            errors.append(
                RowError(line, "school_code", _("the same school and year appear twice in the file"))
            )
        outcome.errors.extend(errors)
        if not errors:
            wanted.add((school_id, fiscal_year))
    outcome.rows = len(rows)
    if not rows:
        outcome.errors.append(RowError(2, "school_code", _("the file has no data rows")))
    if outcome.errors:
        return outcome
    outcome.years = sorted({year for _school, year in wanted})
    existing = set(
        Adoption.objects.filter(measure=measure, fiscal_year__in=outcome.years).values_list(
            "school_id", "fiscal_year"
        )
    )
    to_create = wanted - existing
    to_remove = existing - wanted if replace else set()
    outcome.created, outcome.unchanged, outcome.removed = (
        len(to_create),
        len(wanted & existing),
        len(to_remove),
    )
    if dry_run:
        return outcome
    with transaction.atomic():
        Adoption.objects.bulk_create(
            [Adoption(measure=measure, school_id=s, fiscal_year=y) for s, y in sorted(to_create)]
        )
        for year in outcome.years:
            gone = [s for s, y in to_remove if y == year]
            if gone:
                Adoption.objects.filter(measure=measure, fiscal_year=year, school_id__in=gone).delete()
    outcome.written = True
    return outcome
