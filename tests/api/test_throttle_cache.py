"""The API throttles count in the shared cache: Redis in production, so every worker sees every request."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from api.throttling import UserThrottle

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS = "redis://127.0.0.1:6379/15"  # a database of its own, and a key prefix per test run


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def _requests(api, user, caches, monkeypatch) -> list[int]:
    """One request through each cache in turn, as if each came to another worker process."""
    client, codes = api(user), []
    for cache in caches:
        monkeypatch.setattr(UserThrottle, "cache", cache)
        codes.append(client.get(reverse("api:indicator-list")).status_code)
    return codes


@pytest.fixture
def low_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "3/minute"},
    }


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_throttle_counts_across_workers_on_redis(api, official, low_rate, monkeypatch):
    prefix = f"reform-test-{uuid.uuid4().hex}"
    worker_a, worker_b = (RedisCache(REDIS, {"KEY_PREFIX": prefix}) for _ in range(2))  # two clients
    assert worker_a is not worker_b
    try:
        assert _requests(api, official, [worker_a, worker_b, worker_a, worker_b], monkeypatch) == [
            200,
            200,
            200,
            429,
        ]
    finally:
        raw = worker_a._cache.get_client(write=True)
        raw.delete(*raw.keys(f"{prefix}:*") or [f"{prefix}:none"])
        worker_a.close()
        worker_b.close()


def test_per_process_memory_would_multiply_the_limit(api, official, low_rate, monkeypatch):
    """Why not each worker's memory: two workers let through twice the rate."""
    worker_a, worker_b = (LocMemCache(f"worker-{uuid.uuid4().hex}", {}) for _ in range(2))
    codes = _requests(api, official, [worker_a, worker_b] * 3, monkeypatch)
    assert codes == [200] * 6


@pytest.mark.parametrize(
    ("cache_url", "backend"),
    [
        ("", "django.core.cache.backends.db.DatabaseCache"),
        ("redis://redis:6379/1", "django.core.cache.backends.redis.RedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_the_cache_comes_from_the_environment(cache_url, backend):
    env = {
        **os.environ,
        "CACHE_URL": cache_url,
        "SECRET_KEY": "test-only",
        "DJANGO_SETTINGS_MODULE": "reform.settings",
        "ENV_FILE": os.devnull,  # no local .env
    }
    env.pop("REDIS_URL", None)
    script = "from django.conf import settings as s; c = s.CACHES['default']; "
    script += "print(c['BACKEND'], c.get('LOCATION'))"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == backend
    if cache_url.startswith("redis"):
        assert done.stdout.split()[1] == cache_url
