"""The published figures import: the city's earlier reports, all or nothing."""

from dataclasses import dataclass, field

import pandas as pd
from django.db import transaction
from django.utils.translation import gettext as _

from metrics.imports import pipeline
from metrics.imports.pipeline import Checker, Columns, Outcome
from metrics.models import Indicator, PublishedFigure, SchoolType
from reform.loading import LoadResult, upsert

__all__ = ["import_published"]


SUPPRESSED = "X"  # a cell the annual report's CSV withheld from its audience: not a figure
MAX_VALUE = 999_999.99  # PublishedFigure.value: max_digits=8, decimal_places=2


@dataclass
class PublishedImportOutcome(Outcome):
    result: LoadResult = field(default_factory=LoadResult)
    skipped_districts: int = 0  # rows of district groups: published figures are city-wide or per type
    skipped_suppressed: int = 0  # withheld cells (suppressed = 1, value X): there is no figure

    def skipped_lines(self) -> list[str]:
        """What was left out of the file, and why (the command prints these)."""
        lines = []
        if self.skipped_districts:
            lines.append(
                _(
                    "%(count)s rows of district groups skipped: published figures are kept for all types "
                    "and each school type only."
                )
                % {"count": self.skipped_districts}
            )
        if self.skipped_suppressed:
            lines.append(
                _("%(count)s suppressed cells (X) skipped: they hold no figure.")
                % {"count": self.skipped_suppressed}
            )
        return lines


PUBLISHED_COLUMNS = Columns(
    {
        "indicator": ("指標",),
        "fiscal_year": ("年度",),
        "group": ("グループ", "校種"),
        "month": ("月",),
        "value": ("値",),
        "source": ("出典",),
        "note": ("備考",),
        "excluding_events": ("行事除外",),
        # The annual report's CSV (reports.csvfile) has these too: district rows and suppressed
        # cells are skipped (counted in the outcome), every other row imports as a figure.
        "group_kind": ("グループ区分",),
        "suppressed": ("非表示",),
    },
    optional={"note", "excluding_events", "group_kind", "suppressed"},
)


def import_published(raw: bytes, *, dry_run: bool = False) -> PublishedImportOutcome:
    """Published figures from CSV: indicator, fiscal_year, group, month, value, source
    (and optionally note, excluding_events, group_kind, suppressed: the annual report's CSV imports
    as it is).

    `month` is empty for a year's figure; `excluding_events` is 1/true for a variant
    without the months of excluded events (a figure of its own beside the main one). A figure is
    known by indicator, year, group, month and variant; its value, source and note are updated.
    Nothing is written when any row fails; `dry_run` makes the same writes and undoes them, so its
    counts are what the import would create and change.
    """
    outcome = PublishedImportOutcome()
    frame = pipeline.read(raw, PUBLISHED_COLUMNS).frame
    districts = frame["group_kind"].str.lower() == "district"
    # Only a row the report marks as withheld is skipped: an X typed into a hand-made file is an error.
    suppressed = ~districts & (frame["suppressed"] == "1") & frame["value"].isin([SUPPRESSED, ""])
    outcome.skipped_districts, outcome.skipped_suppressed = int(districts.sum()), int(suppressed.sum())
    frame = frame[~districts & ~suppressed]
    indicators = {i.code: i for i in Indicator.objects.all()}
    groups = {"all", *SchoolType.objects.values_list("code", flat=True)}
    check = Checker(frame.index, columns=PUBLISHED_COLUMNS.names)
    check.flag(
        ~frame["indicator"].isin(indicators),
        "indicator",
        check.quoting(frame, "indicator", _("unknown indicator “%(v)s”")),
    )
    check.required(frame, ["fiscal_year"])
    fiscal_year = check.whole(frame, "fiscal_year", minimum=1989)
    check.flag(
        ~frame["group"].isin(groups), "group", check.quoting(frame, "group", _("unknown group “%(v)s”"))
    )
    month = check.whole(
        frame, "month", minimum=1, maximum=12, message=_("the month must be between 1 and 12")
    )
    check.required(frame, ["value"])
    check.number(
        frame,
        "value",
        percent=True,
        minimum=-MAX_VALUE,
        maximum=MAX_VALUE,
        message=_("must be between -999,999.99 and 999,999.99"),
    )
    check.flag(frame["source"] == "", "source", _("a source is required"))
    excluding = frame["excluding_events"].str.lower().isin(["1", "true", "yes", "はい"])
    key = pd.DataFrame(
        {"indicator": frame["indicator"], "fy": fiscal_year, "group": frame["group"], "m": month.fillna(0)}
    ).assign(excluding=excluding)
    check.duplicates(key, "indicator", _("the same figure appears twice in the file"))
    check.fill(outcome)
    if outcome.error_count:
        return outcome
    values = pipeline.decimals(frame["value"], percent=True)
    with transaction.atomic():
        for line, row in frame.iterrows():
            upsert(
                PublishedFigure,
                {
                    "indicator": indicators[row["indicator"]],
                    "fiscal_year": int(fiscal_year[line]),
                    "group": row["group"],
                    "month": None if pd.isna(month[line]) else int(month[line]),
                    "excluding_events": bool(excluding[line]),
                },
                {"value": values[line], "source": row["source"], "note": row["note"]},
                outcome.result,
                "published figures",
            )
        if dry_run:  # the same writes, undone: the dry run counts what the import would create and change
            transaction.set_rollback(True)
    outcome.written = not dry_run
    return outcome
