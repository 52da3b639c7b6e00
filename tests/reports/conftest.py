import pytest

from tests.reports.data import make_report_data


@pytest.fixture
def report_data(db):
    return make_report_data()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
