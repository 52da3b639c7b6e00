"""Uploaded import files kept between the preview and the confirmed import.

The file goes to Django's storage (`STORAGE` in settings.STORAGES) as "imports/<user id>/<time>-<token>.csv",
with a random token. Only the user's session knows the token, and it records who uploaded the file, on
which page and with which options, so a user can confirm only their own upload, on the page it was
checked on. A user holds at most MAX_PER_USER files (the oldest go first), and files older than a day
are removed whenever a new one is kept. What the preview read that the import must find unchanged
(`seen`, the monthly import's versions) is kept beside the file as "<same name>.seen.json": for
33,000 rows it is too large for the session.
"""

import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

STORAGE = "default"
FOLDER = "imports"
SESSION_KEY = "metrics_import_uploads"
SEEN_SUFFIX = ".seen.json"
MAX_AGE = timedelta(days=1)
MAX_PER_USER = 5


@dataclass
class Upload:
    token: str
    raw: bytes
    filename: str
    options: dict
    seen: dict | None = None


def _storage():
    return storages[STORAGE]


def _files(storage, folder: str) -> tuple[list[str], list[str]]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return [], []
    return [f"{folder}/{name}" for name in folders], [f"{folder}/{name}" for name in files]


def _modified(storage, path: str):
    try:
        return storage.get_modified_time(path)
    except FileNotFoundError:
        return None  # removed meanwhile by another request


def _remove_stale(storage) -> None:
    cutoff = timezone.now() - MAX_AGE
    folders, files = _files(storage, FOLDER)
    for folder in folders:
        files += _files(storage, folder)[1]
    for path in files:
        modified = _modified(storage, path)
        if modified is not None and modified < cutoff:
            storage.delete(path)


def _cap(storage, folder: str, keep: int) -> None:
    """Leaves at most `keep` uploads in a user's folder, removing the oldest with what was kept beside
    them. The names begin with the time they were kept (S3 keeps modification times to the second only)."""
    files = _files(storage, folder)[1]
    kept = sorted(path for path in files if path.endswith(".csv"))
    for path in kept[: max(len(kept) - keep, 0)]:
        storage.delete(path)
        if _seen_path(path) in files:
            storage.delete(_seen_path(path))


def _seen_path(path: str) -> str:
    return path.removesuffix(".csv") + SEEN_SUFFIX


def keep(request, raw: bytes, filename: str, *, options: dict | None = None, seen: dict | None = None) -> str:
    """Store `raw` for this user and page; returns the token that names it. `options` (the upload
    form's other fields) and `seen` (what the preview read, pipeline.Outcome.seen), both JSON-safe,
    are kept with it."""
    storage = _storage()
    _remove_stale(storage)
    folder = f"{FOLDER}/{request.user.pk}"
    _cap(storage, folder, MAX_PER_USER - 1)
    token = secrets.token_urlsafe(16)
    path = storage.save(f"{folder}/{time.time_ns():020d}-{token}.csv", ContentFile(raw))
    seen_path = None
    if seen is not None:
        seen_path = storage.save(_seen_path(path), ContentFile(json.dumps(seen).encode()))
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {
        "path": path,
        "filename": filename,
        "user": request.user.pk,
        "page": request.path,
        "options": options or {},
        "seen_path": seen_path,
    }
    request.session[SESSION_KEY] = uploads
    return token


def kept(request, token: str) -> Upload | None:
    """The upload kept under `token` by this user on this page, or None (unknown, expired, foreign)."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if (
        not isinstance(entry, dict)
        or entry.get("user") != request.user.pk
        or entry.get("page") != request.path
    ):
        return None
    storage = _storage()
    try:
        with storage.open(entry["path"], "rb") as file:
            raw = file.read()
        seen = None
        if entry.get("seen_path"):
            with storage.open(entry["seen_path"], "rb") as file:
                seen = json.loads(file.read())
    except FileNotFoundError:
        return None  # removed (a day old, or over the cap): the preview has to be done again
    return Upload(token, raw, entry["filename"], entry["options"], seen)


def discard(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    entry = uploads.pop(token, None)
    if entry is not None:
        request.session[SESSION_KEY] = uploads
        if isinstance(entry, dict):
            for path in (entry["path"], entry.get("seen_path")):
                if path:
                    _storage().delete(path)
