"""Uploaded import files kept between the preview and the confirmed import.

The file goes to Django's storage (`STORAGE` in settings.STORAGES) as "imports/<user id>/<time>-<token>.csv",
with a random token. Only the user's session knows the token, and it records who uploaded the file, on
which page and with which options, so a user can confirm only their own upload, on the page it was
checked on. A user holds at most MAX_PER_USER files (the oldest go first), and files older than a day
are removed whenever a new one is kept.
"""

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
MAX_AGE = timedelta(days=1)
MAX_PER_USER = 5


@dataclass
class Upload:
    token: str
    raw: bytes
    filename: str
    options: dict


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
    """Leaves at most `keep` files in a user's folder, removing the oldest. The names begin with the
    time they were kept (S3 keeps modification times to the second only)."""
    files = sorted(_files(storage, folder)[1])
    for path in files[: max(len(files) - keep, 0)]:
        storage.delete(path)


def keep(request, raw: bytes, filename: str, *, options: dict | None = None) -> str:
    """Store `raw` for this user and page; returns the token that names it. `options` (the upload
    form's other fields, JSON-safe) are kept with it."""
    storage = _storage()
    _remove_stale(storage)
    folder = f"{FOLDER}/{request.user.pk}"
    _cap(storage, folder, MAX_PER_USER - 1)
    token = secrets.token_urlsafe(16)
    path = storage.save(f"{folder}/{time.time_ns():020d}-{token}.csv", ContentFile(raw))
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {
        "path": path,
        "filename": filename,
        "user": request.user.pk,
        "page": request.path,
        "options": options or {},
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
    except FileNotFoundError:
        return None
    return Upload(token, raw, entry["filename"], entry["options"])


def discard(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    entry = uploads.pop(token, None)
    if entry is not None:
        request.session[SESSION_KEY] = uploads
        if isinstance(entry, dict):
            _storage().delete(entry["path"])
