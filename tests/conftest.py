import pytest
from django.core.cache import cache

from tests.factories import SchoolFactory, user_with_role


def pytest_configure(config):
    """The tests run without `collectstatic` (no manifest of hashed names) and in one process (the
    cache in memory, cleared around each test): the deploy defaults of reform/settings.py need both."""
    from asgiref.local import Local
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.cache import caches
    from django.core.files.storage import storages
    from django.utils.functional import empty

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": "reform-test",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
    storages._backends = None
    storages.__dict__.pop("backends", None)
    staticfiles_storage._wrapped = empty
    caches.__dict__.pop("settings", None)
    caches._connections = Local(caches.thread_critical)
    # The test client and the browser tests' live server speak plain http; production's HTTPS
    # redirect (on by default without DEBUG) is checked by tests/test_security.py in a subprocess.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Test users need a password, not a slow hash: PBKDF2 made every user cost about a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _data_version_changes_at_once(monkeypatch):
    """A test runs in a transaction that never commits, so the data version (metrics/rollups.py),
    which a write changes when it commits, changes at once instead: a read after a write in a test
    sees the write, as it would after the commit. `rollups.changed.__wrapped__` is the real one."""
    from metrics import rollups

    on_commit = rollups.changed

    def changed():
        on_commit()
        rollups.bump_data_version()

    changed.__wrapped__ = on_commit
    monkeypatch.setattr(rollups, "changed", changed)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def school_a(db):
    return SchoolFactory(code="A001", name_ja="テストA小学校")


@pytest.fixture
def school_b(db):
    return SchoolFactory(code="B001", name_ja="テストB小学校")


@pytest.fixture
def board(db):
    return user_with_role("board-user", "board")


@pytest.fixture
def official(db):
    return user_with_role("official-user", "official")


@pytest.fixture
def principal_a(school_a):
    return user_with_role("principal-a", "principal", school=school_a)


@pytest.fixture
def principal_b(school_b):
    return user_with_role("principal-b", "principal", school=school_b)
