"""A real Celery worker against Redis, end to end, and a worker killed in the middle of a job.

The web side (tests/reports/drive.py, using the export page through Django's test client) and the
worker are separate processes sharing a SQLite file, a media folder and a Redis database, as in
production; pytest's own test database is not used. Skipped when Redis does not answer on
127.0.0.1:6379 (CI starts it).

Several test runs may share the machine (and its Redis): each claims a database of its own among
5–15 (`_claim_redis_db`), so no run's worker takes, or flushes away, another run's jobs."""

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
REDIS_DBS = range(5, 16)
CLAIM = "reform-tests:worker-stack"  # held by the run using the database
PYTHON = sys.executable


def _redis_up() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs the Redis server on 127.0.0.1:6379")


def _claim_redis_db():
    """The first Redis database no other run holds, emptied and claimed for an hour (released when
    the module ends; a crashed run's claim expires)."""
    import redis

    for n in REDIS_DBS:
        db = redis.Redis.from_url(f"redis://127.0.0.1:6379/{n}")
        if db.set(CLAIM, os.getpid(), nx=True, ex=3600):
            db.pipeline().flushdb().set(CLAIM, os.getpid(), ex=3600).execute()  # MULTI … EXEC
            return db, f"redis://127.0.0.1:6379/{n}"
    pytest.fail(f"every Redis database in {REDIS_DBS} is claimed by another test run")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A migrated SQLite file with the test data, a media folder, a clean Redis db and a worker.

    The worker starts while the driver migrates and seeds (it touches the database only for a job):
    on two cores that overlaps the two slowest start-ups."""
    folder = tmp_path_factory.mktemp("stack")
    redis_db, redis_url = _claim_redis_db()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "CELERY_BROKER_URL": redis_url,
        "SECRET_KEY": "worker-test-key",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "COMPRESS_STATIC": "false",  # no collectstatic here: plain static storage, as in the tests
    }
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
    drive = Driver(env, folder / "drive.log")
    try:
        drive("migrate")
        drive("seed")
        _wait(lambda: b"ready" in (folder / "worker.log").read_bytes(), 60, "the worker to start")
        yield {"env": env, "folder": folder, "worker": worker, "drive": drive}
    finally:
        drive.close()
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
        redis_db.flushdb()  # the jobs and the claim


class Driver:
    """tests/reports/drive.py in its `serve` mode: one web-side process for the whole module,
    asked one command at a time (a status poll costs a query, not a Python start-up)."""

    def __init__(self, env, log_path):
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [PYTHON, "tests/reports/drive.py", "serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            encoding="utf-8",
        )

    def __call__(self, *args) -> dict:
        self.process.stdin.write(" ".join(map(str, args)) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"drive.py {' '.join(map(str, args))} ended without answering; see {self.log.name}"
        answer = json.loads(line)
        assert "drive_error" not in answer, f"drive.py {' '.join(map(str, args))}:\n{answer['drive_error']}"
        return answer

    def close(self):
        self.process.stdin.close()
        self.process.wait(20)
        self.log.close()


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
    drive = stack["drive"]
    asked = drive("ask", "csv")
    assert asked["status"] in ("queued", "running"), "the page answers without waiting for the job"
    assert "進み具合はこのページに表示されます" in asked["page"]
    status = _wait(
        lambda: (s := drive("status", asked["id"]))["finished"] and s,
        60,
        "the export to finish",
    )
    assert (status["status"], status["percent"], status["error"]) == ("done", 100, "")
    fetched = drive("fetch", asked["id"])
    assert fetched["status_code"] == 200
    assert fetched["head"].startswith(
        "\ufeffindicator,fiscal_year,month,group_kind,group,excluding_events,value"
    )


def test_a_killed_worker_is_retried_once_then_the_export_is_marked_failed(stack):
    import shutil

    if not shutil.which("chromium"):
        pytest.skip("the PDF job (long enough to kill mid-way) needs Chromium")
    worker, drive = stack["worker"].pid, stack["drive"]
    asked = drive("ask", "pdf")
    for attempt in (1, 2):
        _wait(
            lambda n=attempt: (
                (s := drive("status", asked["id"]))["status"] == "running" and s["attempts"] == n
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
        lambda: (s := drive("status", asked["id"]))["finished"] and s,
        60,
        "the export to be failed",
    )
    assert status["status"] == "failed" and status["attempts"] == 2
    assert "ワーカーが停止しました" in status["error"]
    assert status["download_url"] is None and status["file"] == ""
    assert drive("fetch", asked["id"])["status_code"] == 404
    exports = stack["folder"] / "media" / "exports"
    assert not [p for p in exports.glob("*") if ".pdf" in p.name] if exports.exists() else True

    # The worker itself lives on and takes the next job.
    again = drive("ask", "csv")
    done = _wait(lambda: (s := drive("status", again["id"]))["finished"] and s, 60, "the next export")
    assert done["status"] == "done"
