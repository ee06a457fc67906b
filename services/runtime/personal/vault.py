"""A site's data keys (数据密钥) for personal data: one per case for what this site sealed, and
those its parties' sites granted it. Each is kept wrapped by the site's master key, in a table
of its own beside the events, never in them; when a case's retention ends, its keys are
destroyed here (crypto-shredding) and a tombstone says when and why, so a key once destroyed
is never fetched or made again.

SQLite: `personal_keys.sqlite3` in the site's folder, shared by the site's services, with
`secure_delete` so a destroyed key's bytes are overwritten, not left in a free page, and the
write-ahead log checkpointed and truncated after a destruction, so no old page keeps them.
PostgreSQL: two tables in the site's database; a deleted row stays in the heap until vacuumed
and reused (see the README).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from contracts.identity import canonical_number
from services.runtime.schema_lock import schema_lock
from services.runtime.settings import ServiceSettings

log = structlog.get_logger()
CACHE_SECONDS = 5.0
"""How long a process trusts a key it read: another process's shredding shows within this."""


class Shredded(Exception):
    """The case's keys were destroyed at this site: its personal fields are gone for good."""


def dev_master_key(site: str) -> bytes:
    """A development master key, derivable by anyone: never for a real deployment."""
    return hashlib.sha256(b"tongban-dev-personal-data|" + site.encode()).digest()


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"tongban|" + purpose).derive(master)


@dataclass(frozen=True)
class Tombstone:
    case_id: UUID
    destroyed_at: datetime
    reason: str


class _Database:
    """The two tables, on SQLite or PostgreSQL, behind one lock (calls are short)."""

    def __init__(self, site: str, path: Path | None, postgres: dict[str, Any] | None) -> None:
        self.lock = threading.Lock()
        self.keys, self.tombs = f"personal_keys_{site}", f"personal_shredded_{site}"
        if postgres is not None:
            import psycopg

            self.mark, blob = "%s", "BYTEA"
            self.conn: Any = psycopg.connect(**postgres, autocommit=True)
        else:
            assert path is not None
            self.mark, blob = "?", "BLOB"
            self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                        timeout=10)
            self.conn.execute("PRAGMA secure_delete = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")  # one sync per key made
            self.conn.execute("PRAGMA synchronous = FULL")  # a key as durable as its events
        with schema_lock(self.conn) if postgres is not None else nullcontext():
            self.execute(f"CREATE TABLE IF NOT EXISTS {self.keys} (case_id TEXT NOT NULL, "
                         f"owner TEXT NOT NULL, wrapped {blob} NOT NULL, "
                         "PRIMARY KEY (case_id, owner))")
            self.execute(f"CREATE TABLE IF NOT EXISTS {self.tombs} (case_id TEXT PRIMARY KEY, "
                         "destroyed_at TEXT NOT NULL, reason TEXT NOT NULL)")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            cursor = self.conn.execute(sql.replace("?", self.mark), params)
            return list(cursor.fetchall()) if cursor.description else []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Inside `transaction()`: the lock is held already."""
        self.conn.execute(sql.replace("?", self.mark), params)

    def forget_old_pages(self) -> bool:
        """SQLite: copy the log into the file and empty it, so the pages a deletion replaced
        are gone from the log too; False if a reader kept it from emptying (tried again at
        the next destruction)."""
        if self.mark != "?":
            return True
        with self.lock:
            busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class Vault:
    def __init__(self, site: str, master: bytes, *, path: Path | None = None,
                 postgres: dict[str, Any] | None = None) -> None:
        if len(master) != 32:
            raise ValueError("the personal-data master key must be 32 bytes")
        self.site = site
        self._wrap = AESGCM(_derive(master, b"data-key-wrap"))
        self._blind = _derive(master, b"blind-index")
        self._db = _Database(site, path, postgres)
        self._cache: dict[tuple[UUID, str], tuple[bytes, float]] = {}

    def close(self) -> None:
        self._db.close()

    # What a site's services ask

    def own(self, case_id: UUID) -> bytes:
        """This site's key for the case, made the first time something of it is sealed."""
        key = self.get(case_id, self.site)
        if key is not None:
            return key
        self._put(case_id, self.site, AESGCM.generate_key(bit_length=256))
        key = self.get(case_id, self.site)  # another process may have made it first
        assert key is not None
        return key

    def get(self, case_id: UUID, owner: str) -> bytes | None:
        """The key `owner` sealed the case's fields with, if this site holds it; Shredded if
        the case's keys were destroyed here."""
        cached = self._cache.get((case_id, owner))
        if cached is not None and time.monotonic() - cached[1] < CACHE_SECONDS:
            return cached[0]
        rows = self._db.execute(f"SELECT wrapped FROM {self._db.keys} "
                                "WHERE case_id = ? AND owner = ?", (str(case_id), owner))
        if not rows:
            self._cache.pop((case_id, owner), None)
            if self.tombstone(case_id) is not None:
                raise Shredded(str(case_id))
            return None
        key = self._wrap.decrypt(bytes(rows[0][0][:12]), bytes(rows[0][0][12:]),
                                 self._aad(case_id, owner))
        self._cache[(case_id, owner)] = (key, time.monotonic())
        if len(self._cache) > 50_000:
            self._cache.clear()
        return key

    def holds(self, case_id: UUID, owner: str) -> bool:
        """Whether nothing need be fetched: the key is here, or destroyed here for good."""
        try:
            return self.get(case_id, owner) is not None
        except Shredded:
            return True

    def grant(self, case_id: UUID, owner: str, key: bytes) -> None:
        """Keep a key `owner` granted this site (a party of the case)."""
        if self.tombstone(case_id) is None:
            self._put(case_id, owner, key)

    def tombstone(self, case_id: UUID) -> Tombstone | None:
        rows = self._db.execute(f"SELECT destroyed_at, reason FROM {self._db.tombs} "
                                "WHERE case_id = ?", (str(case_id),))
        return Tombstone(case_id, datetime.fromisoformat(rows[0][0]), rows[0][1]) if rows else None

    def destroy(self, case_id: UUID, reason: str, at: datetime) -> list[str]:
        """Destroy every key of the case held here; returns whose keys they were. Once only:
        the tombstone keeps the first time and reason."""
        with self._db.transaction():
            owners = [r[0] for r in self._db.conn.execute(
                f"SELECT owner FROM {self._db.keys} WHERE case_id = {self._db.mark}",
                (str(case_id),)).fetchall()]
            self._db.run(f"DELETE FROM {self._db.keys} WHERE case_id = ?", (str(case_id),))
            self._db.run(f"INSERT INTO {self._db.tombs} (case_id, destroyed_at, reason) "
                         "VALUES (?, ?, ?) ON CONFLICT (case_id) DO NOTHING",
                         (str(case_id), at.isoformat(), reason))
        for held in [k for k in self._cache if k[0] == case_id]:
            del self._cache[held]
        for _ in range(50):
            if self._db.forget_old_pages():
                break
            time.sleep(0.02)
        else:
            log.warning("vault_log_not_emptied", case_id=str(case_id))
        return owners

    def forget(self, case_id: UUID) -> None:
        """Drop the keys of the case this process read: destroyed by another process, they
        must not be used from the cache for the seconds it would still trust them."""
        for held in [k for k in self._cache if k[0] == case_id]:
            del self._cache[held]

    def blind(self, number: str) -> str:
        """The blind index of an ID number or credit code (HMAC with a key of this site's):
        what lookups by number compare, so no number is stored to find a case by."""
        return hmac.new(self._blind, canonical_number(number).encode(),
                        hashlib.sha256).hexdigest()[:32]

    # Inside

    def _put(self, case_id: UUID, owner: str, key: bytes) -> None:
        """The first key kept for (case, owner) stays: a second is dropped."""
        nonce = os.urandom(12)
        wrapped = nonce + self._wrap.encrypt(nonce, key, self._aad(case_id, owner))
        self._db.execute(f"INSERT INTO {self._db.keys} (case_id, owner, wrapped) VALUES (?, ?, ?) "
                         "ON CONFLICT (case_id, owner) DO NOTHING", (str(case_id), owner, wrapped))

    def _aad(self, case_id: UUID, owner: str) -> bytes:
        return f"tb-key|{self.site}|{case_id}|{owner}".encode()


def vault_for(settings: ServiceSettings) -> Vault:
    """The site's vault, shared by its services: beside their SQLite files, or in their
    PostgreSQL database. Without a configured master key, a development one."""
    configured = settings.personal_data_key
    master = (base64.b64decode(configured.get_secret_value(), validate=True) if configured
              else dev_master_key(settings.site))
    if settings.store == "postgres":
        return Vault(settings.site, master, postgres={
            "dbname": settings.postgres_dbname, "host": settings.postgres_host,
            "port": settings.postgres_port, "user": settings.postgres_user,
            "password": settings.postgres_password.get_secret_value()})
    folder = settings.data_dir / settings.site
    folder.mkdir(parents=True, exist_ok=True)
    return Vault(settings.site, master, path=folder / "personal_keys.sqlite3")
