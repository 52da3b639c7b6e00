"""A real Celery worker against Redis, end to end, and a worker killed in the middle of a job.

The web side (tests/reports/drive.py, using the export page through Django's test client) and the
worker are separate processes sharing a SQLite file, a media folder and Redis database 5, as in
production; pytest's own test database is not used. Skipped when Redis does not answer on
127.0.0.1:6379 (CI starts it)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"
PYTHON = sys.executable


def _redis_up() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs the Redis server on 127.0.0.1:6379")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A migrated SQLite file with the test data, a media folder, a clean Redis db and a worker."""
    import redis

    folder = tmp_path_factory.mktemp("stack")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "CELERY_BROKER_URL": REDIS_URL,
        "SECRET_KEY": "worker-test-key",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    redis.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    _drive(env, "seed")
    log = open(folder / "worker.log", "wb")
    worker = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "reform",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--hostname",
            f"reports-test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _wait(lambda: b"ready" in (folder / "worker.log").read_bytes(), 60, "the worker to start")
    yield {"env": env, "folder": folder, "worker": worker}
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
    log.close()
    redis.Redis.from_url(REDIS_URL).flushdb()


def _drive(env, *args) -> dict:
    out = subprocess.run(
        [PYTHON, "tests/reports/drive.py", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def _wait(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _pool_children(pid):
        out += [child, *_descendants(child)]
    return out


def test_a_worker_builds_the_export_and_the_page_offers_it(stack):
    asked = _drive(stack["env"], "ask", "csv")
    assert asked["status"] in ("queued", "running"), "the page answers without waiting for the job"
    assert "進み具合はこのページに表示されます" in asked["page"]
    status = _wait(
        lambda: (s := _drive(stack["env"], "status", asked["id"]))["finished"] and s,
        60,
        "the export to finish",
    )
    assert (status["status"], status["percent"], status["error"]) == ("done", 100, "")
    fetched = _drive(stack["env"], "fetch", asked["id"])
    assert fetched["status_code"] == 200
    assert fetched["head"].startswith("\ufeffindicator,fiscal_year,month,group_kind,group,value")


def test_a_killed_worker_is_retried_once_then_the_export_is_marked_failed(stack):
    import shutil

    if not shutil.which("chromium"):
        pytest.skip("the PDF job (long enough to kill mid-way) needs Chromium")
    worker = stack["worker"].pid
    asked = _drive(stack["env"], "ask", "pdf")
    for attempt in (1, 2):
        _wait(
            lambda n=attempt: (
                (s := _drive(stack["env"], "status", asked["id"]))["status"] == "running"
                and s["attempts"] == n
            ),
            90,
            f"attempt {attempt} to start",
        )
        for pid in _descendants(worker):  # the pool process and the Chromium it started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    status = _wait(
        lambda: (s := _drive(stack["env"], "status", asked["id"]))["finished"] and s,
        60,
        "the export to be failed",
    )
    assert status["status"] == "failed" and status["attempts"] == 2
    assert "ワーカーが停止しました" in status["error"]
    assert status["download_url"] is None and status["file"] == ""
    assert _drive(stack["env"], "fetch", asked["id"])["status_code"] == 404
    exports = stack["folder"] / "media" / "exports"
    assert not [p for p in exports.glob("*") if ".pdf" in p.name] if exports.exists() else True

    # The worker itself lives on and takes the next job.
    again = _drive(stack["env"], "ask", "csv")
    done = _wait(
        lambda: (s := _drive(stack["env"], "status", again["id"]))["finished"] and s, 60, "the next export"
    )
    assert done["status"] == "done"
