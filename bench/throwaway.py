"""A throwaway database for a benchmark, beside the one DATABASE_URL names (never that one)."""

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
