"""Uploaded import files kept between the dry run and the confirmed import.

The file is stored under MEDIA_ROOT/imports/ with a random name; the user's session holds the
token, so nobody else can confirm it. Files older than a day are removed when a new one is kept.
"""

import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "metrics_import_uploads"
MAX_AGE_SECONDS = 24 * 60 * 60


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in folder.glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def keep(request, raw: bytes, filename: str) -> str:
    """Store `raw` for this user's session; returns the token that names it."""
    folder = _folder()
    _remove_stale(folder)
    token = secrets.token_urlsafe(16)
    (folder / f"{token}.csv").write_bytes(raw)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = filename
    request.session[SESSION_KEY] = uploads
    return token


def kept(request, token: str) -> tuple[bytes, str] | None:
    """The bytes and file name kept under `token` for this session, or None (expired, foreign)."""
    filename = request.session.get(SESSION_KEY, {}).get(token)
    path = _folder() / f"{token}.csv"
    if filename is None or not path.exists():
        return None
    return path.read_bytes(), filename


def discard(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    if uploads.pop(token, None) is not None:
        request.session[SESSION_KEY] = uploads
        (_folder() / f"{token}.csv").unlink(missing_ok=True)
