"""One PostgreSQL advisory lock held while a process makes its tables. Every service of every
site may share one database, and on a fresh one (compose's first `up`) they all start at once:
eventsourcing replaces one shared insert function and the site's services make the site's
vault tables, and PostgreSQL's catalog refuses such concurrent changes ("tuple concurrently
updated", a duplicate type). Making them one process at a time costs a few milliseconds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA_LOCK = 0x74620001  # any number every tongban process agrees on ("tb", 1)


@contextmanager
def schema_lock(conn: Any) -> Iterator[None]:
    """Held on `conn`'s session (autocommit), released whatever happens."""
    conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
