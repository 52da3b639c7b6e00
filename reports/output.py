"""Build the annual report and write it to a file: the one code path of the export job and the command."""

import os
import tempfile
from contextlib import nullcontext
from pathlib import Path

from django.utils import translation

from reports.builder import Progress, ReportOptions, build_report, check_options, no_progress
from reports.csvfile import render_csv, render_schools_csv
from reports.pdf import chart_server, render_pdf
from reports.xlsx import render_xlsx

RENDERERS = {"pdf": render_pdf, "xlsx": render_xlsx, "csv": render_csv}
LANGUAGE = "ja"  # the report's language, whatever the language of the page that asked for it


def render_report(*, options: ReportOptions, fmt: str, progress: Progress = no_progress) -> bytes:
    """The report's bytes in `fmt` ("pdf", "xlsx", "csv", or "schools": the board's per-school CSV).
    Raises ReportError for years without data."""
    with translation.override(LANGUAGE):
        check_options(options)  # before Chromium is started for nothing
        if fmt == "schools":
            return render_schools_csv(options, progress=progress)
    render = RENDERERS[fmt]
    # For a PDF, Chromium (for the charts) boots while the data is gathered.
    with translation.override(LANGUAGE), chart_server() if fmt == "pdf" else nullcontext():
        report = build_report(options, progress=progress, tables_only=fmt == "csv")
        return render(report, progress=progress)


def write_report(*, options: ReportOptions, fmt: str, path: Path, progress: Progress = no_progress) -> Path:
    """Builds the report and writes it to `path` atomically: the bytes go to a temporary file beside it,
    which is renamed at the end, so `path` is either absent or complete, never half-written."""
    content = render_report(options=options, fmt=fmt, progress=progress)
    progress("saving", 95)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
