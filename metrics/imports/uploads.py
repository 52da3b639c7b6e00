"""Uploaded import files kept between the preview and the confirmed import.

The file goes to Django's storage (`STORAGE` in settings.STORAGES) as "imports/<token>.csv", with a
random token. Only the user's session knows the token, and it records who uploaded the file, on
which page and with which options, so a user can confirm only their own upload, on the page it was
checked on. Files older than a day are removed when a new one is kept.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

STORAGE = "default"
FOLDER = "imports"
SESSION_KEY = "metrics_import_uploads"
MAX_AGE = timedelta(days=1)


@dataclass
class Upload:
    token: str
    raw: bytes
    filename: str
    options: dict


def _storage():
    return storages[STORAGE]


def _remove_stale(storage) -> None:
    try:
        _folders, files = storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - MAX_AGE
    for name in files:
        path = f"{FOLDER}/{name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
        except FileNotFoundError:
            continue  # removed meanwhile by another request


def keep(request, raw: bytes, filename: str, *, options: dict | None = None) -> str:
    """Store `raw` for this user and page; returns the token that names it. `options` (the upload
    form's other fields, JSON-safe) are kept with it."""
    storage = _storage()
    _remove_stale(storage)
    token = secrets.token_urlsafe(16)
    path = storage.save(f"{FOLDER}/{token}.csv", ContentFile(raw))
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
