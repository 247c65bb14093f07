"""A benchmark's database of its own, on the PostgreSQL server ``DATABASE_URL`` names."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg


def server_url(database: str) -> str:
    """``DATABASE_URL`` with its database replaced by ``database``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL server (any database on it): the benchmark "
                 "works in a database of its own there.")  # fmt: skip
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def recreate(database: str, *, drop_only: bool = False) -> None:
    """Drop ``database`` if it exists, then create it empty (unless ``drop_only``)."""
    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{database}"')


def ensure(database: str) -> bool:
    """Create ``database`` unless it exists; True when it was created."""
    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{database}"')
    return not found
