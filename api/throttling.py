"""Throttles that read their rates from settings when used (so tests and deploys can change them).

They count in the default cache (DRF's `SimpleRateThrottle.cache`), which settings.CACHES makes
shared by every worker: Redis in production (CACHE_URL), else the database. A per-process cache
would let each worker through the whole rate (tests/api/test_throttle_cache.py)."""

from rest_framework import throttling
from rest_framework.settings import api_settings


class UserThrottle(throttling.UserRateThrottle):
    """Per signed-in user (session or token); anonymous requests are counted per address."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonThrottle(throttling.AnonRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
