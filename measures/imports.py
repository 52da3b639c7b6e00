"""CSV import of the schools taking part in a measure, by school code: dry run, per-row errors,
all-or-nothing, and a second run of the same file changes nothing."""

from dataclasses import dataclass, field

import pandas as pd
from django.db import transaction
from django.utils.translation import gettext as _

from measures.models import Adoption, Measure
from metrics.imports import pipeline
from metrics.imports.pipeline import Checker, Columns, Outcome, RowError
from metrics.models import School

MIN_YEAR, MAX_YEAR = 2000, 2100

COLUMNS = Columns(
    {
        "school_code": ("学校コード", "学校番号", "code", "school"),
        "fiscal_year": ("年度", "year"),
    }
)


@dataclass
class AdoptionImportOutcome(Outcome):
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    removed: int = 0
    years: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.removed)


def import_adoptions(raw: bytes, *, measure: Measure, replace: bool = False, dry_run: bool = False):
    """Adoption records of `measure` from CSV columns school_code (学校コード), fiscal_year (年度).

    Other columns (a school name, say) are ignored. With `replace`, the file is the
    whole list for each fiscal year it names: that year's schools missing from the
    file are removed. Nothing is written when any row fails or on a dry run; the
    outcome then says what would have happened. Raises ImportFileError for a file
    that cannot be read at all. Errors name the columns by their canonical names.
    """
    outcome = AdoptionImportOutcome()
    frame = pipeline.read(raw, COLUMNS).frame
    schools = dict(School.objects.values_list("code", "pk"))
    check = Checker(frame.index, columns=COLUMNS.names)
    check.required(frame, ["school_code"])
    school_id = frame["school_code"].map(schools)
    check.flag(
        school_id.isna(),
        "school_code",
        check.quoting(frame, "school_code", _("unknown school code “%(v)s”")),
    )
    check.required(frame, ["fiscal_year"])
    fiscal_year = check.whole(
        frame,
        "fiscal_year",
        minimum=MIN_YEAR,
        maximum=MAX_YEAR,
        message=_("the fiscal year must be between %(min)s and %(max)s") % {"min": MIN_YEAR, "max": MAX_YEAR},
    )
    key = pd.DataFrame({"school": school_id, "fy": fiscal_year})
    check.duplicates(key, "school_code", _("the same school and year appear twice in the file"))
    check.fill(outcome)
    rows = frame.index
    outcome.rows = len(rows)
    if not len(rows):
        outcome.add_error(RowError(2, "school_code", _("the file has no data rows")))
    if outcome.error_count:
        return outcome
    wanted = {(int(s), int(y)) for s, y in zip(school_id, fiscal_year, strict=True)}
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
