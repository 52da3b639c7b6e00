"""The one import pipeline of the CSV files (monthly, per-staff, adoption, published figures).

An import declares its columns (`Columns`: canonical name → accepted headers, the Japanese one first)
and its rules; this module does the rest the same way for all of them:

- `decode`: UTF-8 with or without BOM, else Shift_JIS/CP932 (what Excel in Japan writes), at most
  `MAX_BYTES` unless the caller (a management command) lifts the limit;
- `read_table`: the CSV as a pandas DataFrame of stripped strings keyed by canonical column and
  indexed by line number (the header is line 1); headers in Japanese or English (any case);
  missing required columns are an `ImportFileError` naming them as the template does; columns
  not declared are ignored; blank lines are skipped;
- `Checker`: whole-column checks (a mask per rule), each error a `RowError` naming the row, the
  column (as the file spells it, or the canonical name) and the reason in the user's language;
  one message per cell; listed in row order up to `MAX_ERRORS`, counted in full;
- `whole_numbers`, `numbers`, `decimals`: cell text to numbers ("1,200", full-width digits).

Imports are all or nothing: the caller writes only when the checker found nothing.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reform.i18n import is_english

MAX_BYTES = 5 * 1024 * 1024
MAX_ERRORS = 1000  # listed; the rest are counted


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, size, header)."""


class ImportConflict(ImportFileError):
    """What the file would change was changed by someone else after the preview: nothing is imported."""


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
class Outcome:
    """What every import reports: the errors (the first MAX_ERRORS) and their count, and whether it
    wrote. The imports extend it with their own counts and preview.

    `seen` (JSON-safe, or None) is what a dry run read that the import must find unchanged (the
    monthly import: each school-month's version); the page flow keeps it with the upload and gives
    it back to the import at confirm (metrics.imports.flow)."""

    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    written: bool = False
    seen: dict | None = None

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)


# --- the file ------------------------------------------------------------------------------------------


def decode(raw: bytes, *, max_bytes: int | None = MAX_BYTES) -> str:
    """UTF-8 with or without BOM, else Shift_JIS/CP932; `max_bytes` None for no size limit."""
    if max_bytes is not None and len(raw) > max_bytes:
        raise ImportFileError(_("The file is larger than 5 MB."))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor Shift_JIS text."))


class Columns:
    """A file's columns: canonical name → the headers accepted for it (compared without case),
    the Japanese name first (the template's and the messages' name for Japanese users)."""

    def __init__(self, names: dict[str, tuple[str, ...]], *, optional=()):
        self.names = names
        self.optional = frozenset(optional)
        self.required = [c for c in names if c not in self.optional]
        self.aliases = {
            alias.lower(): canonical
            for canonical, headers in names.items()
            for alias in (canonical, *headers)
        }

    def canonical(self, header: str) -> str:
        return self.aliases.get(header.strip().lower(), header.strip())

    def template_header(self, *, english: bool) -> list[str]:
        return list(self.names) if english else [headers[0] for headers in self.names.values()]

    def display_name(self, canonical: str) -> str:
        return canonical if is_english() else self.names[canonical][0]


@dataclass
class Table:
    """The data rows: a DataFrame of stripped strings with one column per declared column ("" where
    the file leaves an optional column out), indexed by line number; and each column's header as
    the file spells it (for messages)."""

    frame: pd.DataFrame
    labels: dict[str, str]


def _check_dialect(text: str) -> list[str] | None:
    """The header, after reading every row with the csv module: a field over its size limit, or a
    row with more (non-empty) fields than the header, is refused naming the row (row 1: the header)."""
    reader = csv.reader(io.StringIO(text))
    header = None
    try:
        for row in reader:
            if header is None:
                header = row
            elif len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                raise ImportFileError(
                    _("Row %(row)s has %(fields)s fields, more than the header's %(header)s.")
                    % {"row": reader.line_num, "fields": len(row), "header": len(header)}
                )
    except csv.Error as exc:
        raise ImportFileError(
            _("Row %(row)s cannot be read as CSV: %(error)s") % {"row": reader.line_num, "error": exc}
        ) from None
    return header


def read_table(text: str, columns: Columns) -> Table:
    # Old Mac files end lines with a lone CR; the readers below expect LF or CRLF.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    header = _check_dialect(text)
    if not header or not any(h.strip() for h in header):
        raise ImportFileError(_("The file is empty."))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
            usecols=range(len(header)),  # a row's extra cells are ignored, as the csv module does
        )
    except pd.errors.EmptyDataError:
        raise ImportFileError(_("The file is empty.")) from None
    except (pd.errors.ParserError, ValueError) as exc:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if unclosed:  # pandas counts the header as row 0
            row = int(unclosed.group(1)) + 1
            raise ImportFileError(
                _('Row %(row)s opens a quote (") that is never closed.') % {"row": row}
            ) from None
        raise ImportFileError(_("The file is not a readable CSV table: %(error)s") % {"error": exc}) from None
    labels = {columns.canonical(str(c)): str(c).strip() for c in frame.columns}
    missing = [c for c in columns.required if c not in labels]
    if missing:
        names = [columns.display_name(c) for c in missing]
        raise ImportFileError(_("Missing columns: %(columns)s") % {"columns": ", ".join(names)})
    frame.columns = [columns.canonical(str(c)) for c in frame.columns]
    frame = frame.loc[:, ~frame.columns.duplicated(keep="last")].fillna("")
    frame.index = frame.index + 2  # the header is line 1
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    frame = frame[~(frame == "").all(axis=1)]  # blank lines (any column, declared or not)
    for column in columns.names:
        if column not in frame.columns:
            frame[column] = ""
    return Table(frame[list(columns.names)], labels)


def read(raw: bytes, columns: Columns, *, max_bytes: int | None = MAX_BYTES) -> Table:
    """`decode` and `read_table` in one."""
    return read_table(decode(raw, max_bytes=max_bytes), columns)


# --- cells to numbers -----------------------------------------------------------------------------------


_WHOLE = frozenset("0123456789+-")
_NUMBER = _WHOLE | {"."}


def _plain(values: pd.Series, *, percent: bool = False) -> pd.Series:
    """Full-width digits and signs as ASCII, thousands separators (and with `percent`, a trailing "%")
    removed. Each step runs only when some cell needs it (a national file has a million rows)."""
    text = "".join(values.tolist())
    if not text.isascii():
        values = values.str.normalize("NFKC")
        text = "".join(values.tolist())
    if "," in text:
        values = values.str.replace(",", "", regex=False)
    if percent and "%" in text:
        values = values.str.rstrip("%")
    return values


def _only(values: pd.Series, characters: frozenset) -> bool:
    return set("".join(values.tolist())) <= characters


def whole_numbers(values: pd.Series) -> pd.Series:
    """Whole numbers as written ("1,200", "+3", "-1", full-width digits) as floats; anything else NaN."""
    text = _plain(values)
    if not _only(text, _WHOLE):  # the regular expression only when some cell has other characters
        text = text.where(text.str.fullmatch(r"[+-]?[0-9]+"), "")
    return pd.to_numeric(text, errors="coerce").astype("float64")


def numbers(values: pd.Series, *, percent: bool = False) -> pd.Series:
    """Numbers ("1,200.5"; with `percent`, a trailing "%" is allowed) as floats; anything else NaN."""
    text = _plain(values, percent=percent)
    if not _only(text, _NUMBER):
        text = text.where(text.str.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)"), "")
    return pd.to_numeric(text, errors="coerce").astype("float64")


def decimals(values: pd.Series, *, percent: bool = False) -> pd.Series:
    """The same cells as exact Decimals (None where `numbers` gives NaN), for the rows to write."""
    return _plain(values, percent=percent).map(_decimal)


def _decimal(text: str):
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# --- checking ---------------------------------------------------------------------------------------------


class Checker:
    """Collects errors for whole columns at once: `flag(mask, column, message)` per rule. A cell
    already in error gets no second message. `errors` lists the first `max_listed` in row order
    (within a row, in the order of `columns`, then of the checks), `count` counts them all;
    `labels` names the columns as the file does (else the canonical names are used)."""

    def __init__(
        self, index: pd.Index, *, columns=(), labels: dict[str, str] | None = None, max_listed=MAX_ERRORS
    ):
        self.index = index
        self.labels = labels or {}
        self._rank = {column: n for n, column in enumerate(columns)}  # a row's errors in column order
        self.max_listed = max_listed
        self.count = 0
        self._hits: list[tuple[np.ndarray, str, object]] = []
        self._bad: dict[str, pd.Series] = {}

    def flag(self, mask: pd.Series, column: str, message) -> None:
        """Rows where `mask` holds (NaN counts as holding) get `message`: a string, or a function of the
        line number."""
        mask = mask.reindex(self.index).fillna(True).astype(bool) & ~self.bad_in(column)
        if not mask.any():
            return
        self._bad[column] = self.bad_in(column) | mask
        hits = mask.index[mask.to_numpy()].to_numpy()
        self.count += len(hits)
        self._hits.append((hits, column, message))

    def bad_in(self, column: str) -> pd.Series:
        return self._bad.get(column, pd.Series(False, index=self.index))

    def bad_rows(self) -> pd.Series:
        """Rows with an error in any column."""
        bad = pd.Series(False, index=self.index)
        for mask in self._bad.values():
            bad |= mask
        return bad

    def required(self, frame: pd.DataFrame, columns) -> None:
        for column in columns:
            self.flag(frame[column] == "", column, _("a value is required"))

    def whole(self, frame: pd.DataFrame, column: str, *, minimum=None, maximum=None, message=None):
        """The column as whole numbers: "not a whole number", and outside [minimum, maximum] `message`
        (by default "must be at least …"). Blank cells are NaN and not flagged here (see `required`)."""
        values = whole_numbers(frame[column])
        self.flag(
            values.isna() & (frame[column] != ""),
            column,
            self.quoting(frame, column, _("“%(v)s” is not a whole number")),
        )
        self._range(values, column, minimum, maximum, message)
        return values.where(~self.bad_in(column))

    def number(
        self, frame: pd.DataFrame, column: str, *, minimum=None, maximum=None, message=None, percent=False
    ):
        """The column as numbers: "not a number", and outside [minimum, maximum] `message`."""
        values = numbers(frame[column], percent=percent)
        self.flag(
            values.isna() & (frame[column] != ""),
            column,
            self.quoting(frame, column, _("“%(v)s” is not a number")),
        )
        self._range(values, column, minimum, maximum, message)
        return values.where(~self.bad_in(column))

    def _range(self, values, column, minimum, maximum, message) -> None:
        if minimum is None and maximum is None:
            return
        low = values < minimum if minimum is not None else pd.Series(False, index=values.index)
        high = values > maximum if maximum is not None else pd.Series(False, index=values.index)
        if message is None:
            message = _("must be at least %(min)s") % {"min": minimum}
        self.flag((low | high) & values.notna(), column, message)

    def duplicates(
        self, key: pd.DataFrame, column: str, message: str, *, among: pd.Series | None = None
    ) -> None:
        """Rows whose `key` columns repeat an earlier row's get `message` % {"row": the earlier line};
        only rows `among` (by default those without errors so far) take part."""
        among = ~self.bad_rows() if among is None else among
        key = key[among.reindex(key.index, fill_value=False)]
        repeated = key.duplicated(keep="first")
        if not repeated.any():
            return
        first = pd.Series(key.index, index=key.index).groupby([key[c] for c in key.columns]).transform("min")
        self.flag(
            repeated.reindex(self.index, fill_value=False),
            column,
            lambda line: message % {"row": int(first[line])},
        )

    @staticmethod
    def quoting(frame: pd.DataFrame, column: str, message: str):
        """`message` with the cell's text as %(v)s, for each flagged line."""
        return lambda line: message % {"v": frame.at[line, column]}

    def add(self, line: int, column: str, message: str) -> None:
        """One error found outside the column checks (a model's rule, say)."""
        self.count += 1
        self._hits.append((np.array([line]), column, message))
        bad = self.bad_in(column).copy()
        bad[line] = True
        self._bad[column] = bad

    @property
    def errors(self) -> list[RowError]:
        if not self._hits:
            return []
        lines = np.concatenate([hits for hits, _c, _m in self._hits])
        checks = np.concatenate([np.full(len(hits), n) for n, (hits, _c, _m) in enumerate(self._hits)])
        ranks = np.concatenate(
            [np.full(len(hits), self._rank.get(c, len(self._rank))) for hits, c, _m in self._hits]
        )
        order = np.lexsort((checks, ranks, lines))
        if self.max_listed is not None:
            order = order[: self.max_listed]
        listed = []
        for position in order:
            line, (_hits, column, message) = int(lines[position]), self._hits[checks[position]]
            text = message(line) if callable(message) else message
            listed.append(RowError(line, self.labels.get(column, column), str(text)))
        return listed

    def fill(self, outcome: Outcome) -> None:
        """Hand the errors to `outcome`."""
        outcome.errors = self.errors
        outcome.error_count = self.count


# --- management commands ---------------------------------------------------------------------------------


class ImportCommand(BaseCommand):
    """`manage.py import_… FILE [--dry-run]`: one file through an import of this pipeline. A file that
    cannot be read or parsed, or any row's error, is printed and stops the command (exit status 1,
    nothing written); otherwise `report` says what was done. A command gives `load` (the import) and
    `summary` (its counts), or its own `report`; `notes` are printed first, errors or not."""

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def load(self, raw: bytes, *, source_name: str, dry_run: bool, **options) -> Outcome:
        raise NotImplementedError

    def summary(self, outcome) -> str:
        raise NotImplementedError

    def notes(self, outcome) -> list[str]:
        return []

    def report(self, outcome, *, dry_run: bool) -> None:
        if dry_run:
            self.stdout.write(f"The file is valid: {self.summary(outcome)} (--dry-run: nothing was written).")
        else:
            self.stdout.write(f"Imported: {self.summary(outcome)}.")

    def handle(self, *args, file, dry_run=False, **options):
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            outcome = self.load(raw, source_name=file.name, dry_run=dry_run, **options)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for line in self.notes(outcome):
            self.stdout.write(line)
        if outcome.error_count:
            for error in outcome.errors:
                self.stderr.write(str(error))
            if outcome.error_count > len(outcome.errors):
                self.stderr.write(f"… and {outcome.error_count - len(outcome.errors)} more.")
            raise CommandError(f"{outcome.error_count} error(s); nothing was written.")
        self.report(outcome, dry_run=dry_run)
