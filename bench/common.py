"""What the benchmark scripts share: a throwaway database beside the one DATABASE_URL names (never
that one), Django in a worker process, the schools a run needs, and running a measurement in a fresh
process."""

import tempfile
from urllib.parse import urlsplit, urlunsplit


def throwaway_database(database_url: str, name: str):
    """(URL of a new empty database called `name` on the same PostgreSQL server, cleanup), or a
    temporary SQLite file when `database_url` is not PostgreSQL."""
    if database_url.startswith("postgres"):
        import psycopg2

        parts = urlsplit(database_url)
        admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
            cur.execute(f"CREATE DATABASE {name}")

        def drop():
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.close()

        return urlunsplit(parts._replace(path=f"/{name}")), drop
    folder = tempfile.TemporaryDirectory()
    return f"sqlite:///{folder.name}/bench.sqlite3", folder.cleanup


def start_django(database_url: str) -> None:
    """Set Django up in this (worker) process against `database_url`."""
    import os
    import sys
    from pathlib import Path

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def prepare_schools(database_url: str, schools: int) -> None:
    """Migrate the throwaway database and make sure it holds `schools` schools (18 districts)."""
    start_django(database_url)
    from django.core.management import call_command

    from metrics.models import District, School, SchoolType

    call_command("migrate", verbosity=0)
    districts = [
        District.objects.get_or_create(
            code=f"bench{i}", defaults={"name_ja": f"方面{i}", "name_en": f"D{i}"}
        )[0]
        for i in range(18)
    ]
    types = list(SchoolType.objects.order_by("order"))
    have = School.objects.count()
    School.objects.bulk_create(
        [
            School(
                code=f"B{n:06d}",
                name_ja=f"ベンチ第{n}学校",
                school_type=types[n % len(types)],
                district=districts[n % len(districts)],
            )
            for n in range(have, schools)
        ],
        batch_size=5000,
    )


def run_script(script: str, *args: str) -> str:
    """Run `script` again in a fresh process (so each measurement has its own peak memory)."""
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run(
        [sys.executable, script, *args],
        capture_output=True,
        text=True,
        cwd=Path(script).resolve().parent.parent,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return done.stdout
