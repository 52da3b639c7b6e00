"""The production stack without a Docker engine (none on these machines): the compose file parses and
its services, commands and health checks are sound; the image installs what the tests ran with."""

import importlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SERVICES = COMPOSE["services"]


def _command(service) -> str:
    command = SERVICES[service]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_the_stack_has_its_five_services_with_health_checks_and_volumes():
    assert set(SERVICES) == {"web", "worker", "beat", "db", "redis"}
    for name, service in SERVICES.items():
        assert service["healthcheck"]["test"], name
    assert SERVICES["db"]["image"] == "postgres:15"
    assert "db:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert set(COMPOSE["volumes"]) >= {"db", "media"}
    for name in ("web", "worker", "beat"):
        service = SERVICES[name]
        assert service["env_file"] == ".env"
        assert (
            service["environment"]["DATABASE_URL"].startswith("postgres://")
            and "@db:5432/" in (service["environment"]["DATABASE_URL"])
        )
        assert service["environment"]["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        assert "media:/app/media" in SERVICES[name]["volumes"]
        assert SERVICES[name]["environment"]["MEDIA_ROOT"] == "/app/media"


def test_the_services_commands_exist():
    web = _command("web")
    assert re.search(r"manage\.py migrate --noinput\s+&& exec gunicorn reform\.wsgi:application", web)
    assert importlib.import_module("reform.wsgi").application
    assert "celery -A reform worker" in _command("worker")
    assert "celery -A reform beat" in _command("beat")
    bin_dir = Path(sys.executable).parent
    for program in ("gunicorn", "celery"):
        assert (bin_dir / program).exists(), program

    from reform.celery import app

    app.loader.import_default_modules()
    assert "reports.tasks.build_report_export" in app.tasks
    from django.conf import settings

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_web_health_check_is_valid_python_and_fails_when_nothing_answers():
    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    script = test[3].replace("8000", "1")  # a port where nothing listens
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30)
    assert done.returncode != 0 and b"SyntaxError" not in done.stderr


def test_static_files_are_served_by_whitenoise():
    from django.conf import settings

    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    assert "COMPRESS_STATIC=true" in DOCKERFILE and "collectstatic" in DOCKERFILE


def _apt_packages(text: str) -> set[str]:
    block = re.search(r"apt-get install -y --no-install-recommends\s*\\?\s*([^&]+)&&", text).group(1)
    return {word for word in block.replace("\\", " ").split() if not word.startswith("-")}


def test_the_image_installs_what_the_tests_ran_with():
    # The default base is the official image; stack/test.sh passes a local stand-in as BASE_IMAGE.
    base = re.search(r"^ARG BASE_IMAGE=python:(\d+\.\d+)-slim-bookworm$", DOCKERFILE, re.M).group(1)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", DOCKERFILE, re.M)
    assert base == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert "pip install -r requirements/runtime.txt" in DOCKERFILE
    packages = _apt_packages(DOCKERFILE)
    assert {
        "chromium",
        "fonts-noto-cjk",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
    } <= packages
    ci = (ROOT / ".ci/run").read_text()
    for package in packages:
        assert package in ci, f".ci/run does not install {package}"
    if shutil.which("dpkg-query"):
        for package in packages:
            done = subprocess.run(
                ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
            )
            assert "installed" in done.stdout, f"{package} is not installed here, so the tests did not use it"
    lock = {
        line.split("==")[0].lower(): line.split("==")[1]
        for line in (ROOT / "requirements/runtime.txt").read_text().splitlines()
        if "==" in line
    }
    for dist in ("weasyprint", "kaleido", "openpyxl", "gunicorn", "celery", "whitenoise", "psycopg2-binary"):
        assert lock[dist] == importlib.metadata.version(dist), dist


def test_the_local_images_override_changes_only_the_images():
    """stack/compose.local-images.yml (make stack-test) swaps the registry images for local ones."""
    override = yaml.safe_load((ROOT / "stack/compose.local-images.yml").read_text())
    assert set(override) == {"services"} and set(override["services"]) == set(SERVICES)
    for name, service in override["services"].items():
        assert set(service) == {"image"}, name
    assert "make stack-test" in (ROOT / ".ci/run").read_text()


def _compose_cli() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _compose_cli(), reason="no Docker Compose on this machine")
def test_docker_compose_accepts_the_file():
    subprocess.run(
        [
            "docker",
            "compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--project-directory",
            str(ROOT),
            "config",
            "-q",
        ],
        check=True,
    )
