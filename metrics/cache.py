"""Cached figures: what a page or the API computes, kept in the shared cache (settings.CACHES).

An entry's key names the data version (`rollups.data_version()`, changed after every committed
write), the request's filters (its query string), the user's audience (board, official, or
principal and school: what they may see differs) and the language. A write therefore makes the
next read compute afresh; entries of older versions are never read again and expire
(CACHE_TIMEOUT). The version is read before the data, so an answer computed while a write
commits is stored under the version that write replaces.
"""

import hashlib
import logging

from django.core.cache import cache
from django.utils.translation import get_language

from metrics import rollups
from reform import access

logger = logging.getLogger(__name__)
_MISSING = object()


def audience_key(user) -> str:
    """Who the answer is for, as far as it can differ: the role, and a principal's school."""
    role = access.role_of(user)
    school = access.school_id_of(user)
    return f"{role.value}:{school}" if school is not None else str(role.value)


def request_key(request, name: str, *parts) -> str:
    """`name`, the request's query string (order-free), the user's audience, the language and `parts`."""
    query = sorted((key, sorted(values)) for key, values in request.GET.lists())
    raw = repr((name, audience_key(request.user), get_language(), query, parts))
    return hashlib.sha256(raw.encode()).hexdigest()


def cached(request, name: str, build, *parts):
    """`build()`, or what it returned for the same request key and data version."""
    key = f"figures:{rollups.data_version()}:{request_key(request, name, *parts)}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        try:
            cache.set(key, value)
        except Exception:  # not picklable, or the cache down: answer uncached
            logger.warning("could not cache %s", name, exc_info=True)
    return value
