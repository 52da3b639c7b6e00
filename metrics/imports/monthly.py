"""The monthly import: school-months (the principal's and the board's CSV); see published.py for figures.

Both are read and checked by the shared pipeline (metrics.imports.pipeline: encodings, headers,
row errors); this module declares their columns and rules and writes the rows, all or nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from metrics import quality, rollups
from metrics.entry import workflow
from metrics.imports import pipeline
from metrics.imports.pipeline import Checker, Columns, ImportConflict, ImportFileError, Outcome, RowError
from metrics.models import MonthlyReport, School, count_rule_errors
from reform import access, fiscal

# --- monthly school data ---------------------------------------------------------------------------

# Canonical column → accepted header names (Japanese, English; compared without case).
MONTHLY_COLUMNS = {
    "school_code": ("学校コード", "学校番号", "school code", "school"),
    "fiscal_year": ("年度", "fiscal year", "fy"),
    "month": ("月", "month"),
    "staff_count": ("対象教職員数", "教職員数", "職員数", "staff counted", "staff"),
    "over_80h_count": (
        "80時間超",
        "時間外80時間超",
        "80時間超の教職員数",
        "staff over 80 h overtime",
        "over 80h",
    ),
    "left_by_19_count": (
        "19時までに退勤",
        "19時退勤",
        "19時までに退勤した教職員数",
        "staff leaving by 19:00",
        "left by 19",
    ),
    "over_45h_count": (
        "45時間超",
        "時間外45時間超",
        "45時間超の教職員数",
        "staff over 45 h overtime",
        "over 45h",
    ),
    "over_100h_count": (
        "100時間超",
        "時間外100時間超",
        "100時間超の教職員数",
        "staff over 100 h overtime",
        "over 100h",
    ),
    "leave_days_total": ("年休取得日数合計", "年休取得日数", "leave days taken since april", "leave days"),
    "leave_10plus_count": (
        "年休10日以上",
        "年休10日以上取得者数",
        "staff with 10+ leave days",
        "leave 10+",
    ),
}
MONTHLY_OPTIONAL = set(MonthlyReport.OPTIONAL_FIELDS)
MONTHLY = Columns(MONTHLY_COLUMNS, optional=MONTHLY_OPTIONAL)
MONTHLY_ALIASES = MONTHLY.aliases
MONTHLY_REQUIRED = set(MONTHLY_COLUMNS) - MONTHLY_OPTIONAL
MONTHLY_VALUE_FIELDS = MonthlyReport.VALUE_FIELDS
# The header of the template: Japanese names for Japanese users, the canonical names otherwise.
MONTHLY_TEMPLATE_HEADER_JA = MONTHLY.template_header(english=False)
MONTHLY_TEMPLATE_HEADER_EN = MONTHLY.template_header(english=True)
MAX_LEAVE_DAYS = Decimal("99999999.9")  # leave_days_total: max_digits=9, decimal_places=1
MAX_COUNT = 2_147_483_647  # a PositiveIntegerField's range on every database
PREVIEW_ROWS = 500
CONFLICTS_NAMED = 5  # months named in the message of an import refused for changes since its preview


@dataclass
class MonthlyRowPlan:
    """What importing one row would do: create the school-month, change it, or nothing."""

    line: int
    school_code: str
    fiscal_year: int
    month: int
    action: str  # "create", "update" or "unchanged"
    changes: list[tuple[str, object, object]] = field(default_factory=list)


@dataclass
class MonthlyImportOutcome(Outcome):
    """The result of a monthly import or its dry run."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows naming a school and month but giving no value
    preview: list[MonthlyRowPlan] = field(default_factory=list)  # the first PREVIEW_ROWS changes

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _check_months(frame: pd.DataFrame, check: Checker, *, codes: dict[str, int], today) -> pd.DataFrame:
    """The rows as (line →) school code, school id, fiscal year, month and the counts as Python values,
    each cell checked; the model's rules (`MonthlyReport.clean`) and repeated school-months are
    checked on the rows without other errors."""
    check.required(frame, MONTHLY.required)
    school_id = frame["school_code"].map(codes)
    # A school that exists but is not the importer's (a principal's file naming another school)
    # is said to be so, not "unknown".
    others = set(
        School.objects.filter(
            code__in=frame.loc[school_id.isna(), "school_code"].dropna().unique().tolist()
        ).values_list("code", flat=True)
    )
    not_yours = frame["school_code"].isin(others)
    check.flag(
        school_id.isna() & ~not_yours,
        "school_code",
        check.quoting(frame, "school_code", _("unknown school code “%(v)s”")),
    )
    check.flag(
        not_yours,
        "school_code",
        check.quoting(frame, "school_code", _("school “%(v)s” is not one you may enter data for")),
    )
    fiscal_year = check.whole(
        frame,
        "fiscal_year",
        minimum=2000,
        maximum=2100,
        message=_("the fiscal year must be between 2000 and 2100"),
    )
    month = check.whole(
        frame, "month", minimum=1, maximum=12, message=_("the month must be between 1 and 12")
    )
    started = {
        (fy, m): workflow.month_has_started(int(fy), int(m), today)
        for fy, m in pd.DataFrame({"fy": fiscal_year, "m": month})
        .dropna()
        .drop_duplicates()
        .itertuples(index=False)
    }
    not_started = [not started.get(p, True) for p in zip(fiscal_year, month, strict=True)]
    check.flag(pd.Series(not_started, index=frame.index), "month", _("this month has not started yet"))
    counts = {}
    for name in MONTHLY_VALUE_FIELDS:
        if name == "leave_days_total":
            days = check.number(frame, name)
            tenths = days * 10
            check.flag(
                (days < 0) | (days > float(MAX_LEAVE_DAYS)) | ((tenths - tenths.round()).abs() > 1e-6),
                name,
                _("must be a number of days of at least 0, with at most one decimal place"),
            )
            counts[name] = days
        else:
            counts[name] = check.whole(frame, name, minimum=0)
            check.flag(
                counts[name] > MAX_COUNT, name, _("must be at most %(max)s") % {"max": f"{MAX_COUNT:,}"}
            )
    valid = ~check.bad_rows()
    names = list(counts)
    for line, *numbers in zip(frame.index[valid.to_numpy()], *(counts[n][valid] for n in names), strict=True):
        for name, message in count_rule_errors(dict(zip(names, map(_value, numbers), strict=True))).items():
            check.add(int(line), name, str(message))
    key = pd.DataFrame({"school": school_id, "fy": fiscal_year, "m": month})
    check.duplicates(key, "school_code", _("the same school and month already appear in row %(row)s"))
    if check.count:
        return pd.DataFrame()
    rows = pd.DataFrame(
        {
            "code": frame["school_code"],
            "school_id": _python(school_id),
            "fiscal_year": _python(fiscal_year),
            "month": _python(month),
        }
    )
    for name in MONTHLY_VALUE_FIELDS:
        if name == "leave_days_total":
            rows[name] = [Decimal(f"{days:.1f}") for days in counts[name]]
        else:
            rows[name] = _python(counts[name])
    return rows


def _python(values: pd.Series) -> pd.Series:
    """Whole numbers as Python ints (None for NaN), as the database adapters take them."""
    return pd.Series([_value(v) for v in values], index=values.index, dtype=object)


def _value(number):
    return None if pd.isna(number) else int(number) if float(number).is_integer() else number


def _same(stored, new) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return Decimal(stored) == Decimal(new)


def import_monthly(
    raw: bytes,
    *,
    schools,
    status: str,
    user=None,
    source_name: str = "",
    dry_run: bool = False,
    today=None,
    seen: dict | None = None,
) -> MonthlyImportOutcome:
    """School-months from CSV, keyed by school code, fiscal year and month; all or nothing.

    `schools` is the queryset the importing user may write to (a principal's own school, or all
    for the board); any other code is "unknown". Created and changed rows get `status` (draft,
    submitted or approved); submitted and approved ones are stamped as submitted now. A row equal
    to what is stored changes nothing, so importing a file twice changes nothing the second time.
    Approved months are locked: a row that would change one is an error. Files over 5 MB, or with
    more rows than schools × 12, are refused (`ImportFileError`). Nothing is written when any row
    fails, or on a dry run; the history records `user` and the import with `source_name`.

    The outcome's `seen` holds the version of each school-month of the file as read (None for a
    month with no row yet). Given back as `seen` (the preview's, at confirm), any month whose version
    is now another refuses the whole import (`ImportConflict`, naming the rows, what changed and by
    whom), so a month changed between the preview and the confirm is never overwritten.
    """
    table = pipeline.read(raw, MONTHLY)
    frame = table.frame
    codes = dict(schools.values_list("code", "id"))
    limit = max(len(codes), 1) * 12
    if len(frame) > limit:
        raise ImportFileError(
            _("The file has %(rows)s rows; at most %(limit)s (schools × 12 months) can be imported at once.")
            % {"rows": len(frame), "limit": limit}
        )
    # A row with no value at all (the template's months not yet filled in) is skipped, not an error.
    given = [n for n in MONTHLY_VALUE_FIELDS if n in table.labels]
    blank = (frame[given] == "").all(axis=1) if given else pd.Series(True, index=frame.index)
    frame = frame[~blank]
    check = Checker(frame.index, columns=MONTHLY_COLUMNS, labels=table.labels)
    values = _check_months(frame, check, codes=codes, today=today or workflow.today())
    outcome = MonthlyImportOutcome(skipped=int(blank.sum()))
    check.fill(outcome)
    if outcome.error_count:
        return outcome
    parsed = [
        (
            int(line),
            code,
            (school_id, fiscal_year, month),
            dict(zip(MONTHLY_VALUE_FIELDS, counts, strict=True)),
        )
        for line, code, school_id, fiscal_year, month, *counts in values.itertuples(name=None)
    ]

    existing = _existing_months(schools, {(fy, m) for _l, _c, (_s, fy, m), _v in parsed})
    if seen is not None:
        _refuse_changes_since(parsed, existing, seen, user=user)
    outcome.seen = {
        "versions": [
            [*key, existing[key]["version"] if key in existing else None] for _l, _c, key, _v in parsed
        ]
    }
    now = timezone.now()
    submitted_at = now if status in MonthlyReport.COUNTED_STATUSES else None
    labels = {f.name: str(f.verbose_name) for f in MonthlyReport._meta.fields}
    labels["status"] = str(MonthlyReport._meta.get_field("status").verbose_name)
    # An optional column the file does not have leaves the stored value alone (only a present,
    # empty cell clears it).
    absent = [n for n in MONTHLY_OPTIONAL if n not in table.labels]
    to_create, to_update, written = [], [], []
    for line, code, key, values in parsed:
        current = existing.get(key)
        school_id, fiscal_year, month = key
        if current is not None and absent:
            values.update({n: current[n] for n in absent})
            broken = count_rule_errors(values)
            for name, message in broken.items():
                label = table.labels.get(name) or MONTHLY.display_name(name)
                outcome.add_error(RowError(line, label, str(message)))
            if broken:
                continue
        if current is None:
            changes = [(n, None, v) for n, v in values.items()]
        else:
            changes = [(n, current[n], v) for n, v in values.items() if not _same(current[n], v)]
            status_changes = (
                current["status"] != status and current["status"] != MonthlyReport.Status.APPROVED
            )
            if not changes and not status_changes:  # an approved month given again unchanged is fine
                outcome.unchanged += 1
                continue
        # The one rule of the workflow, as for the form, the review and the API.
        refused = workflow.transition_error(
            current=workflow.NOT_STARTED if current is None else current["status"], target=status, user=user
        )
        if refused is not None:
            for message in refused.messages:
                outcome.add_error(RowError(line, table.labels.get("month", "month"), message))
            continue
        written.append(key)
        if current is None:
            to_create.append((school_id, fiscal_year, month, *values.values()))
            outcome.created += 1
        else:
            if status_changes:
                changes.append(
                    ("status", workflow.STATE_LABELS[current["status"]], workflow.STATE_LABELS[status])
                )
            to_update.append((*values.values(), current["id"], current["version"]))
            outcome.updated += 1
        if len(outcome.preview) < PREVIEW_ROWS:
            action = "create" if current is None else "update"
            described = [(labels[n], before, after) for n, before, after in changes]
            outcome.preview.append(MonthlyRowPlan(line, code, fiscal_year, month, action, described))
    if outcome.error_count or dry_run:
        return outcome
    try:
        # wrap_database_errors: the raw psycopg2 calls' errors as Django's (IntegrityError)
        with transaction.atomic(), connection.wrap_database_errors:
            _write_months(
                to_create,
                to_update,
                stamp={"status": status, "submitted_at": submitted_at, "now": now},
                user=user,
                reason=workflow.change_reason(workflow.SOURCE_IMPORT, source_name),
            )
            rollups.mark_stale({(fy, m) for _l, _c, (_s, fy, m), _v in parsed})
            if status in MonthlyReport.COUNTED_STATUSES:  # the data-quality checks of every submission
                quality.record_flags(written, user=user)  # the months created or changed
    except (IntegrityError, _ChangedMeanwhile):
        # Another save of one of these months (a first save racing this one, or a change since the
        # rows were read): nothing is written; the user checks the file again against what is stored.
        raise ImportFileError(
            _(
                "Some of these months were saved by someone else while the file was being imported, "
                "so nothing was imported. Upload the file again to check it against the current figures."
            )
        ) from None
    outcome.written = True
    return outcome


class _ChangedMeanwhile(Exception):
    """A month changed between reading it and writing the import (its version moved on)."""


def _refuse_changes_since(parsed: list[tuple], existing: dict, seen: dict, *, user) -> None:
    """Raise `ImportConflict` when a school-month of the file is not at the version the preview read
    (`seen`, this import's outcome.seen then), naming the first CONFLICTS_NAMED rows with what
    changed since and by whom, as the form's conflict message does."""
    read = {(int(s), int(fy), int(m)): v for s, fy, m, v in seen.get("versions", ())}
    missing = object()
    changed = []
    for line, code, key, _values in parsed:
        stored = existing.get(key)
        was = read.get(key, missing)
        if was is missing or was != (None if stored is None else stored["version"]):
            changed.append((line, code, key, was, stored))
    if not changed:
        return
    named = changed[:CONFLICTS_NAMED]
    reports = MonthlyReport.objects.in_bulk([stored["id"] for *_rest, stored in named if stored])
    hide_drafts = workflow.actor_role(user) == access.Role.BOARD
    parts = []
    for line, code, (_school, fiscal_year, month), was, stored in named:
        if stored is None:
            what = _("no longer stored")
        else:
            was = was if isinstance(was, int) else 0
            what = workflow.changes_since(reports[stored["id"]], seen_version=was, hide_drafts=hide_drafts)
        parts.append(
            _("row %(row)s (%(school)s, %(month)s): %(changes)s")
            % {
                "row": line,
                "school": code,
                "month": workflow.month_title(fiscal_year, month),
                "changes": what,
            }
        )
    if len(changed) > len(named):
        parts.append(_("and %(count)s more") % {"count": len(changed) - len(named)})
    raise ImportConflict(
        _(
            "Some months in the file were changed by someone else after the preview, so nothing was "
            "imported. Upload the file again to check it against the current figures. Changed since "
            "the preview: %(changes)s"
        )
        % {"changes": "; ".join(parts)}
    )


def _write_months(to_create: list[tuple], to_update: list[tuple], *, stamp: dict, user, reason: str) -> None:
    """Insert and update school-months and record their history, in a few statements.

    The ORM's bulk_create and simple_history's bulk_history_create spend most of a national-size
    import preparing values one by one (over 20 s for 33,000 rows), so the rows go in as plain
    tuples (PostgreSQL: execute_values; elsewhere multi-row statements and executemany), the
    statements return the ids they wrote, and the history rows are copied from exactly those ids
    (by primary key: the cost follows the file, not the size of the table).
    """
    table = MonthlyReport._meta.db_table
    values = list(MONTHLY_VALUE_FIELDS)
    # datetimes as the backend stores them (SQLite: naive UTC text), so the rows match the ORM's
    now = connection.ops.adapt_datetimefield_value(stamp["now"])
    submitted_at = connection.ops.adapt_datetimefield_value(stamp["submitted_at"])
    insert_columns = ["school_id", "fiscal_year", "month", *values]
    insert_columns += ["status", "review_comment", "submitted_at", "created_at", "updated_at", "version"]
    created = [(*row, stamp["status"], "", submitted_at, now, now, 1) for row in to_create]
    # (values…, status, submitted_at, updated_at, id, version read): an UPDATE that finds another
    # version changes nothing, which the ids it returns show.
    changed = [(*row[:-2], stamp["status"], submitted_at, now, *row[-2:]) for row in to_update]
    with connection.cursor() as cursor:
        created_ids = _insert(cursor, table, insert_columns, created) if created else []
        set_columns = [*values, "status", "submitted_at", "updated_at"]
        changed_ids = _update(cursor, table, set_columns, changed) if changed else []
        if len(created_ids) != len(created) or len(changed_ids) != len(changed):
            raise _ChangedMeanwhile
        _copy_to_history(cursor, created_ids, kind="+", now=now, user=user, reason=reason)
        _copy_to_history(cursor, changed_ids, kind="~", now=now, user=user, reason=reason)


def _insert(cursor, table: str, columns: list[str], rows: list[tuple]) -> list[int]:
    """INSERT `rows`; the ids of the rows inserted."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        sql = f"INSERT INTO {table} ({names}) VALUES %s RETURNING id"
        return [row[0] for row in execute_values(cursor.cursor, sql, rows, page_size=2000, fetch=True)]
    ids = []
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(connection.features.max_query_params // len(columns), 1)
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        marks = ", ".join([row_marks] * len(batch))
        cursor.execute(
            f"INSERT INTO {table} ({names}) VALUES {marks} RETURNING id", [v for row in batch for v in row]
        )
        ids += [row[0] for row in cursor.fetchall()]
    return ids


def _update(cursor, table: str, columns: list[str], rows: list[tuple]) -> list[int]:
    """UPDATE each row (`columns`' values, id, version read) where its version is still the one read,
    adding 1 to the version; the ids of the rows updated."""
    quote = connection.ops.quote_name
    version = quote("version")
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        # The VALUES list's columns typed as the table's, so that a NULL in the first row is not text.
        fields = {f.column: f for f in MonthlyReport._meta.concrete_fields}
        types = [fields[c].db_type(connection) for c in columns] + ["bigint", "integer"]
        template = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
        names = ", ".join(quote(c) for c in [*columns, "id", "seen_version"])
        sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
        sql = (
            f"UPDATE {table} AS t SET {sets}, {version} = t.{version} + 1 FROM (VALUES %s) AS v ({names}) "
            f"WHERE t.id = v.id AND t.{version} = v.seen_version RETURNING t.id"
        )
        found = execute_values(cursor.cursor, sql, rows, template=template, page_size=1000, fetch=True)
        return [row[0] for row in found]
    sets = ", ".join(f"{quote(c)} = %s" for c in columns)
    cursor.executemany(
        f"UPDATE {table} SET {sets}, {version} = {version} + 1 WHERE id = %s AND {version} = %s", rows
    )
    # SQLite sums the rows each statement changed: all of them, or a version moved on meanwhile.
    return [row[-2] for row in rows] if cursor.rowcount == len(rows) else []


def _copy_to_history(cursor, ids: list[int], *, kind: str, now, user, reason: str) -> None:
    """The history rows (django-simple-history's table) of the school-months `ids` just written by
    this import ("+" created, "~" changed), copied from them in SQL by primary key."""
    if not ids:
        return
    history = MonthlyReport.history.model
    table, source = history._meta.db_table, MonthlyReport._meta.db_table
    quote = connection.ops.quote_name
    tracked = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    extra = [now, reason, getattr(user, "pk", None), kind]
    stamped = ["history_date", "history_change_reason", "history_user_id", "history_type"]
    columns = ", ".join(quote(c) for c in [*tracked, *stamped])
    selected = ", ".join(quote(c) for c in tracked)
    sql = f"INSERT INTO {table} ({columns}) SELECT {selected}, %s, %s, %s, %s FROM {source}"
    if connection.vendor == "postgresql":
        cursor.execute(f"{sql} WHERE id = ANY(%s)", [*extra, list(ids)])
        return
    size = connection.features.max_query_params - len(extra)
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        cursor.execute(f"{sql} WHERE id IN ({', '.join(['%s'] * len(batch))})", [*extra, *batch])


def _existing_months(schools, pairs: set[tuple[int, int]]) -> dict[tuple[int, int, int], dict]:
    """The stored school-months for `pairs` of (fiscal year, month), keyed like the import's rows."""
    if not pairs:
        return {}
    by_year: dict[int, set[int]] = {}
    for fiscal_year, month in pairs:
        by_year.setdefault(fiscal_year, set()).add(month)
    which = Q()
    for fiscal_year, months in by_year.items():
        which |= Q(fiscal_year=fiscal_year, month__in=sorted(months))
    fields = [f.attname for f in MonthlyReport._meta.concrete_fields]
    found = {}
    for row in MonthlyReport.objects.filter(which, school__in=schools).values(*fields):
        found[(row["school_id"], row["fiscal_year"], row["month"])] = row
    return found


def monthly_template_rows(*, school, fiscal_year: int, english: bool) -> list[list]:
    """The CSV template for a school's year: header, and a row per month started so far with what is
    stored (a row left empty is skipped on import)."""
    stored = {r.month: r for r in MonthlyReport.objects.filter(school=school, fiscal_year=fiscal_year)}
    rows = [MONTHLY_TEMPLATE_HEADER_EN if english else MONTHLY_TEMPLATE_HEADER_JA]
    for month in fiscal.FISCAL_MONTHS:
        if not workflow.month_has_started(fiscal_year, month):
            continue  # only the months that are open: one ahead would be refused
        report = stored.get(month)
        values = ["" if report is None else _blank(getattr(report, n)) for n in MONTHLY_VALUE_FIELDS]
        rows.append([school.code, fiscal_year, month, *values])
    return rows


def _blank(value):
    return "" if value is None else value
