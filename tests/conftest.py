import pytest
from django.core.cache import cache

from tests.factories import SchoolFactory, user_with_role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Test users need a password, not a slow hash: PBKDF2 made every user cost about a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
