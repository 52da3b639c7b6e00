"""CSV imports: decoding, per-row validation with messages, all-or-nothing writes."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from metrics import rollups
from metrics.entry import workflow
from metrics.models import Indicator, MonthlyReport, PublishedFigure, SchoolType
from reform import fiscal
from reform.i18n import is_english
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
MONTHLY_ALIASES = {
    alias.lower(): canonical for canonical, names in MONTHLY_COLUMNS.items() for alias in (canonical, *names)
}
MONTHLY_OPTIONAL = set(MonthlyReport.OPTIONAL_FIELDS)
MONTHLY_REQUIRED = set(MONTHLY_COLUMNS) - MONTHLY_OPTIONAL
MONTHLY_VALUE_FIELDS = MonthlyReport.VALUE_FIELDS
# The header of the template: Japanese names for Japanese users, the canonical names otherwise.
MONTHLY_TEMPLATE_HEADER_JA = [MONTHLY_COLUMNS[c][0] for c in MONTHLY_COLUMNS]
MONTHLY_TEMPLATE_HEADER_EN = list(MONTHLY_COLUMNS)
MAX_LEAVE_DAYS = Decimal("99999999.9")
PREVIEW_ROWS = 500


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
class MonthlyImportOutcome:
    """The result of a monthly import or its dry run."""

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    preview: list[MonthlyRowPlan] = field(default_factory=list)  # the first PREVIEW_ROWS changes
    written: bool = False

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _monthly_header(text: str) -> dict[str, str]:
    """Canonical column → the header as the file spells it (for messages)."""
    header = next(csv.reader(io.StringIO(text[:10000])), [])
    return {MONTHLY_ALIASES.get(h.strip().lower(), h.strip()): h.strip() for h in header}


def _parse_leave_days(value: str, *, line: int, column: str, errors: list):
    days = parse_decimal(value, line=line, column=column, errors=errors)
    if days is None:
        return None
    if not days.is_finite() or days < 0 or days > MAX_LEAVE_DAYS or days != days.quantize(Decimal("0.1")):
        errors.append(
            RowError(
                line, column, _("must be a number of days of at least 0, with at most one decimal place")
            )
        )
        return None
    return days.quantize(Decimal("0.1"))


def _breaks_a_rule(values: dict) -> bool:
    """Whether parsed counts break one of `MonthlyReport.clean`'s rules; only then is a model built
    for its messages (building 33,000 models to find none would take most of the import's time)."""
    staff, over_80 = values["staff_count"], values["over_80h_count"]
    over_45, over_100 = values["over_45h_count"], values["over_100h_count"]
    return (
        any(values[name] is not None and values[name] > staff for name in MonthlyReport.COUNT_FIELDS)
        or (over_45 is not None and over_80 > over_45)
        or (over_100 is not None and over_100 > over_80)
    )


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
) -> MonthlyImportOutcome:
    """School-months from CSV, keyed by school code, fiscal year and month; all or nothing.

    `schools` is the queryset the importing user may write to (a principal's own school, or all
    for the board); any other code is "unknown". Created and changed rows get `status` (draft,
    submitted or approved); submitted and approved ones are stamped as submitted now. A row equal
    to what is stored changes nothing, so importing a file twice changes nothing the second time.
    Approved months are locked: a row that would change one is an error. Files over 5 MB, or with
    more rows than schools × 12, are refused (`ImportFileError`). Nothing is written when any row
    fails, or on a dry run; the history records `user` and the import with `source_name`.
    """
    text = decode(raw)
    header = _monthly_header(text)
    missing = [c for c in MONTHLY_COLUMNS if c in MONTHLY_REQUIRED and c not in header]
    if missing:
        names = [MONTHLY_COLUMNS[c][0] if not is_english() else c for c in missing]
        raise ImportFileError(_("Missing columns: %(columns)s") % {"columns": ", ".join(names)})
    rows = read_rows(text, MONTHLY_ALIASES, MONTHLY_REQUIRED)
    codes = dict(schools.values_list("code", "id"))
    limit = max(len(codes), 1) * 12
    if len(rows) > limit:
        raise ImportFileError(
            _("The file has %(rows)s rows; at most %(limit)s (schools × 12 months) can be imported at once.")
            % {"rows": len(rows), "limit": limit}
        )
    label = {c: header.get(c, c) for c in MONTHLY_COLUMNS}
    today = today or workflow.today()
    outcome = MonthlyImportOutcome()
    parsed, seen = [], {}
    for line, row in rows:
        errors = []
        school_id = codes.get(row["school_code"])
        if school_id is None:
            errors.append(
                RowError(
                    line, label["school_code"], _("unknown school code “%(v)s”") % {"v": row["school_code"]}
                )
            )
        fiscal_year = parse_int(row["fiscal_year"], line=line, column=label["fiscal_year"], errors=errors)
        if fiscal_year is not None and not 2000 <= fiscal_year <= 2100:
            errors.append(
                RowError(line, label["fiscal_year"], _("the fiscal year must be between 2000 and 2100"))
            )
            fiscal_year = None
        month = parse_int(row["month"], line=line, column=label["month"], errors=errors)
        if month is not None and not 1 <= month <= 12:
            errors.append(RowError(line, label["month"], _("the month must be between 1 and 12")))
            month = None
        if (
            fiscal_year is not None
            and month is not None
            and not workflow.month_has_started(fiscal_year, month, today)
        ):
            errors.append(RowError(line, label["month"], _("this month has not started yet")))
        values = {}
        for name in MONTHLY_VALUE_FIELDS:
            if name == "leave_days_total":
                values[name] = _parse_leave_days(row[name], line=line, column=label[name], errors=errors)
            else:
                values[name] = parse_int(
                    row.get(name, ""),
                    line=line,
                    column=label[name],
                    errors=errors,
                    required=name not in MONTHLY_OPTIONAL,
                    minimum=0,
                )
        if not errors and _breaks_a_rule(values):
            try:
                MonthlyReport(month=month, **values).clean()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.extend(RowError(line, label.get(name, name), str(m)) for m in messages)
        key = (school_id, fiscal_year, month)
        if not errors:
            if key in seen:
                errors.append(
                    RowError(
                        line,
                        label["school_code"],
                        _("the same school and month already appear in row %(row)s") % {"row": seen[key]},
                    )
                )
            else:
                seen[key] = line
        outcome.errors.extend(errors)
        if not errors:
            parsed.append((line, row["school_code"], key, values))
    if outcome.errors:
        return outcome

    existing = _existing_months(schools, {(fy, m) for _l, _c, (_s, fy, m), _v in parsed})
    now = timezone.now()
    submitted_at = now if status in MonthlyReport.COUNTED_STATUSES else None
    labels = {f.name: str(f.verbose_name) for f in MonthlyReport._meta.fields}
    labels["status"] = str(MonthlyReport._meta.get_field("status").verbose_name)
    to_create, to_update = [], []
    for line, code, key, values in parsed:
        current = existing.get(key)
        school_id, fiscal_year, month = key
        if current is None:
            to_create.append((school_id, fiscal_year, month, *values.values()))
            outcome.created += 1
            changes = [(n, None, v) for n, v in values.items()]
        else:
            changes = [(n, current[n], v) for n, v in values.items() if not _same(current[n], v)]
            status_changes = (
                current["status"] != status and current["status"] != MonthlyReport.Status.APPROVED
            )
            if not changes and not status_changes:
                outcome.unchanged += 1
                continue
            if current["status"] == MonthlyReport.Status.APPROVED:
                outcome.errors.append(
                    RowError(
                        line,
                        label["month"],
                        _("this month has been approved and is locked; ask the board to return it first"),
                    )
                )
                continue
            if status_changes:
                changes.append(
                    ("status", workflow.STATE_LABELS[current["status"]], workflow.STATE_LABELS[status])
                )
            to_update.append((*values.values(), current["id"]))
            outcome.updated += 1
        if len(outcome.preview) < PREVIEW_ROWS:
            action = "create" if current is None else "update"
            described = [(labels[n], before, after) for n, before, after in changes]
            outcome.preview.append(MonthlyRowPlan(line, code, fiscal_year, month, action, described))
    if outcome.errors or dry_run:
        return outcome
    with transaction.atomic():
        _write_months(
            to_create,
            to_update,
            stamp={"status": status, "submitted_at": submitted_at, "now": now},
            user=user,
            reason=workflow.change_reason(workflow.SOURCE_IMPORT, source_name),
        )
        rollups.mark_stale({(fy, m) for _l, _c, (_s, fy, m), _v in parsed})
    outcome.written = True
    return outcome


def _write_months(to_create: list[tuple], to_update: list[tuple], *, stamp: dict, user, reason: str) -> None:
    """Insert and update school-months and record their history, in a few statements.

    The ORM's bulk_create and simple_history's bulk_history_create spend most of a national-size
    import preparing values one by one (over 20 s for 33,000 rows), so the rows go in as plain
    tuples (PostgreSQL: execute_values / execute_batch; elsewhere executemany), and the history rows
    are copied from the written rows by one INSERT … SELECT each for created and changed months.
    The rows of this import are those stamped with its `now`: created_at (new) or updated_at only.
    """
    table = MonthlyReport._meta.db_table
    values = list(MONTHLY_VALUE_FIELDS)
    # datetimes as the backend stores them (SQLite: naive UTC text), so the rows match the ORM's
    now = connection.ops.adapt_datetimefield_value(stamp["now"])
    submitted_at = connection.ops.adapt_datetimefield_value(stamp["submitted_at"])
    insert_columns = ["school_id", "fiscal_year", "month", *values]
    insert_columns += ["status", "review_comment", "submitted_at", "created_at", "updated_at"]
    created = [(*row, stamp["status"], "", submitted_at, now, now) for row in to_create]
    changed = [(*row[:-1], stamp["status"], submitted_at, now, row[-1]) for row in to_update]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if created:
            columns = ", ".join(quote(c) for c in insert_columns)
            if connection.vendor == "postgresql":
                from psycopg2.extras import execute_values

                sql = f"INSERT INTO {table} ({columns}) VALUES %s"
                execute_values(cursor.cursor, sql, created, page_size=2000)
            else:
                marks = ", ".join(["%s"] * len(insert_columns))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", created)
        if changed:
            sets = ", ".join(f"{quote(c)} = %s" for c in [*values, "status", "submitted_at", "updated_at"])
            sql = f"UPDATE {table} SET {sets} WHERE id = %s"
            if connection.vendor == "postgresql":
                from psycopg2.extras import execute_batch

                execute_batch(cursor.cursor, sql, changed, page_size=1000)
            else:
                cursor.executemany(sql, changed)
        _copy_to_history(
            cursor, now=now, user=user, reason=reason, created=bool(created), changed=bool(changed)
        )


def _copy_to_history(cursor, *, now, user, reason: str, created: bool, changed: bool) -> None:
    """The history rows of this import's months (django-simple-history's table), copied in SQL."""
    history = MonthlyReport.history.model
    table, source = history._meta.db_table, MonthlyReport._meta.db_table
    quote = connection.ops.quote_name
    tracked = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    extra = {
        "history_date": now,
        "history_change_reason": reason,
        "history_user_id": getattr(user, "pk", None),
    }
    columns = ", ".join(quote(c) for c in [*tracked, *extra, "history_type"])
    selected = ", ".join(quote(c) for c in tracked)
    for kind, wanted, where in (
        ("+", created, "created_at = %s"),
        ("~", changed, "updated_at = %s AND created_at <> %s"),
    ):
        if wanted:
            sql = f"INSERT INTO {table} ({columns}) SELECT {selected}, %s, %s, %s, %s FROM {source}"
            cursor.execute(f"{sql} WHERE {where}", [*extra.values(), kind, *([now] * where.count("%s"))])


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
    """The CSV template for a school's year: header, and a row per month with what is stored."""
    stored = {r.month: r for r in MonthlyReport.objects.filter(school=school, fiscal_year=fiscal_year)}
    rows = [MONTHLY_TEMPLATE_HEADER_EN if english else MONTHLY_TEMPLATE_HEADER_JA]
    for month in fiscal.FISCAL_MONTHS:
        report = stored.get(month)
        values = ["" if report is None else _blank(getattr(report, n)) for n in MONTHLY_VALUE_FIELDS]
        rows.append([school.code, fiscal_year, month, *values])
    return rows


def _blank(value):
    return "" if value is None else value
