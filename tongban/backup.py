"""`tongban backup` and `tongban restore`: a site's five stores and its personal-data vault.

SQLite: each file copied with SQLite's online backup API (a consistent copy of a live file,
never the file and its -wal raw). PostgreSQL: one `pg_dump` of the site's tables (`<service>_
<site>_*`, `personal_*_<site>`) in one snapshot, whose positions the manifest records from
that same snapshot. The site's file bucket (`TB_FILES_<site>`): each object as stored, sealed
with its case's key, one file each. The manifest names the site, when, each part's SHA-256 and
each store's positions: its last notification id and how far it consumed each stream.

Not in a backup: the JetStream streams, which live on the nats-server with its own storage and
are what a restored site catches up from; and the signing key and personal-data master key,
which are settings (secret files), kept apart.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from nats.js.errors import BucketNotFoundError, NotFoundError

from contracts.subjects import own_stream
from services.runtime.files import bucket, store_of
from services.runtime.nats_client import connect
from services.runtime.relay import NOTIFICATION_ID_HEADER
from services.runtime.settings import SERVICES, ServiceSettings

FORMAT = "tongban-backup-1"
MANIFEST = "manifest.json"
VAULT = "personal_keys"
FILES = "files"  # the backup's folder of the file bucket's objects
SettingsFor = Callable[[str], ServiceSettings]


class BackupRefused(Exception):
    """A backup that may not be restored here, or a restore that must not run now: why."""


@dataclass(frozen=True)
class Restored:
    parts: list[str]
    positions: dict[str, Any]


def _sha256(path: Path) -> str:
    hashed = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            hashed.update(chunk)
    return hashed.hexdigest()


def _binary(name: str) -> str:
    """A PostgreSQL client program, on the PATH or beside the server's (Debian's layout)."""
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if found is None:
        raise BackupRefused(f"{name} not found: install the PostgreSQL client programs")
    return found


# What a site's state is made of

def sqlite_files(settings: ServiceSettings) -> dict[str, Path]:
    folder = settings.data_dir / settings.site
    return {**{s: folder / f"{s}.sqlite3" for s in SERVICES},
            VAULT: folder / "personal_keys.sqlite3"}


def pg_patterns(site: str) -> list[str]:
    return [*(f"{s}_{site}_*" for s in SERVICES), f"personal_keys_{site}",
            f"personal_shredded_{site}"]


def _pg_connect(settings: ServiceSettings) -> Any:
    import psycopg

    return psycopg.connect(host=settings.postgres_host, port=settings.postgres_port,
                           dbname=settings.postgres_dbname, user=settings.postgres_user,
                           password=settings.postgres_password.get_secret_value(),
                           autocommit=True)


def _pg_env(settings: ServiceSettings) -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": settings.postgres_password.get_secret_value()}


def _pg_target(settings: ServiceSettings) -> list[str]:
    return ["-h", settings.postgres_host, "-p", str(settings.postgres_port),
            "-U", settings.postgres_user, "-d", settings.postgres_dbname]


def _positions(cursor: Any, events: str, tracking: str) -> dict[str, Any]:
    """A store's last notification id and, per stream it consumes, its position."""
    column = "rowid" if events == "stored_events" else "notification_id"
    cursor.execute(f"SELECT MAX({column}) FROM {events}")
    last = cursor.fetchone()[0] or 0
    cursor.execute(f"SELECT application_name, MAX(notification_id) FROM {tracking} "
                   "GROUP BY application_name")
    return {"notification_id": int(last),
            "consumed": {str(n): int(p) for n, p in sorted(cursor.fetchall())}}


# Backup

def backup(settings_for: SettingsFor, site: str, out: Path, at: datetime) -> Path:
    """Write the site's backup into the folder `out` (made; must be empty): its parts and a
    manifest. Safe while the services run: each store's copy is consistent on its own, and
    each store's positions say where it resumes from the streams."""
    settings = settings_for("ledger")
    if out.exists() and any(out.iterdir()):
        raise BackupRefused(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    if settings.store == "sqlite":
        parts, positions = _backup_sqlite(settings, out)
    else:
        parts, positions = _backup_postgres(settings, out)
    parts += asyncio.run(_backup_files(settings_for("intake"), out))
    manifest = {"format": FORMAT, "site": site, "store": settings.store,
                "taken_at": at.isoformat(), "positions": positions,
                "parts": {name: {"sha256": _sha256(out / name), "bytes": (out / name).stat().st_size}
                          for name in parts}}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return out / MANIFEST


def _backup_sqlite(settings: ServiceSettings, out: Path) -> tuple[list[str], dict[str, Any]]:
    parts, positions = [], {}
    for name, path in sqlite_files(settings).items():
        if not path.exists():
            raise BackupRefused(f"{path} does not exist: no store of {name} at this site")
        part = f"{name}.sqlite3"
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        target = sqlite3.connect(out / part)
        try:
            source.backup(target)  # the online backup API: pages of one consistent state
            if name != VAULT:
                positions[name] = _positions(target.cursor(), "stored_events", "tracking")
        finally:
            target.close()
            source.close()
        parts.append(part)
    return parts, positions


def _backup_postgres(settings: ServiceSettings, out: Path) -> tuple[list[str], dict[str, Any]]:
    """One snapshot exported from a transaction held open: the positions read in it and the
    dump taken of it are one and the same state."""
    conn = _pg_connect(settings)
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        cursor = conn.cursor()
        positions = {s: _positions(cursor, f"{s}_{settings.site}_events",
                                   f"{s}_{settings.site}_tracking") for s in SERVICES}
        tables = [arg for p in pg_patterns(settings.site) for arg in ("-t", p)]
        done = subprocess.run([_binary("pg_dump"), *_pg_target(settings), "-Fc",
                               "--no-owner", f"--snapshot={snapshot}", *tables,
                               "-f", str(out / "postgres.dump")],
                              env=_pg_env(settings), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupRefused(f"pg_dump failed: {done.stderr.strip()}")
        conn.execute("COMMIT")
    finally:
        conn.close()
    return ["postgres.dump"], positions


async def _backup_files(settings: ServiceSettings, out: Path) -> list[str]:
    """Every object of the site's file bucket, streamed to a file each as stored (sealed:
    the backup holds no scan in the clear). Objects are named by case and hash and never
    change, so one taken while the services run is whole."""
    nc = await connect(settings, "intake", f"intake-backup-{settings.site}")
    try:
        try:
            store = await nc.jetstream().object_store(bucket(settings.site))
            objects = await store.list(ignore_deletes=True)
        except (BucketNotFoundError, NotFoundError):  # no bucket yet, or an empty one
            return []
        (out / FILES).mkdir()
        for found in objects:
            with (out / FILES / found.name).open("wb") as file:
                await store.get(found.name, writeinto=file)  # type: ignore[arg-type]
        return [f"{FILES}/{found.name}" for found in objects]
    finally:
        await nc.close()


# Restore

def read_manifest(source: Path, site: str) -> dict[str, Any]:
    """The backup's manifest, checked: this site's, whole, every part as it was written."""
    path = source / MANIFEST if source.is_dir() else source
    folder = path.parent
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BackupRefused(f"{path}: no readable manifest ({error})") from None
    if manifest.get("format") != FORMAT:
        raise BackupRefused(f"{path}: not a tongban backup ({FORMAT})")
    if manifest.get("site") != site:
        raise BackupRefused(f"this backup is of site {manifest.get('site')}, not {site}")
    for name, part in manifest["parts"].items():
        file = folder / name
        if not file.is_file():
            raise BackupRefused(f"the backup is damaged: {name} is missing")
        if _sha256(file) != part["sha256"]:
            raise BackupRefused(f"the backup is damaged: {name} is not as written "
                                "(SHA-256 differs)")
    return manifest


async def running(settings_for: SettingsFor) -> list[str]:
    """The site's services that answer /healthz where their settings say they listen."""
    async def answers(service: str) -> bool:
        s = settings_for(service)
        try:
            async with httpx.AsyncClient(timeout=1.0) as client:
                got = await client.get(f"http://{s.http_host}:{s.http_port}/healthz")
                return got.status_code < 500
        except httpx.HTTPError:
            return False

    found = await asyncio.gather(*(answers(s) for s in SERVICES))
    return [s for s, up in zip(SERVICES, found, strict=True) if up]


async def published_since(settings_for: SettingsFor, manifest: dict[str, Any]
                          ) -> dict[str, int]:
    """Per service, how many events it published after the backup (its last message in the
    site's stream carries a notification id past the backup's): what a restore would lose."""
    lost = {}
    for service in SERVICES:
        settings = settings_for(service)
        nc = await connect(settings, service, f"{service}-restore-{settings.site}")
        try:
            msg = await nc.jetstream().get_last_msg(own_stream(settings.site),
                                                    f"tb.{settings.site}.{service}.>")
            published = int(str((msg.headers or {}).get(NOTIFICATION_ID_HEADER, "0")) or 0)
        except NotFoundError:
            published = 0
        finally:
            await nc.close()
        behind = published - manifest["positions"][service]["notification_id"]
        if behind > 0:
            lost[service] = behind
    return lost


def restore(settings_for: SettingsFor, manifest: dict[str, Any], source: Path) -> Restored:
    """Put the backup's stores in place of the site's (whatever they hold now)."""
    settings = settings_for("ledger")
    folder = source if source.is_dir() else source.parent
    if manifest["store"] != settings.store:
        raise BackupRefused(f"this backup is of {manifest['store']} stores; the site is "
                            f"set to {settings.store}")
    if settings.store == "sqlite":
        _restore_sqlite(settings, folder)
    else:
        _restore_postgres(settings, folder / "postgres.dump")
    names = [p.removeprefix(f"{FILES}/") for p in manifest["parts"] if p.startswith(f"{FILES}/")]
    asyncio.run(_restore_files(settings_for("intake"), folder / FILES, names))
    return Restored(sorted(manifest["parts"]), manifest["positions"])


async def _restore_files(settings: ServiceSettings, folder: Path, names: list[str]) -> None:
    """Put back every object the bucket lacks (lost with the server's storage, or never
    there); one it has is the same bytes under the same name, left as it is."""
    if not names:
        return
    nc = await connect(settings, "intake", f"intake-restore-{settings.site}")
    try:
        store = await store_of(nc.jetstream(), settings.site)
        try:
            present = {o.name for o in await store.list(ignore_deletes=True)}
        except NotFoundError:
            present = set()
        for name in names:
            if name not in present:
                with (folder / name).open("rb") as file:
                    await store.put(name, file)  # type: ignore[arg-type]
    finally:
        await nc.close()


def _restore_sqlite(settings: ServiceSettings, folder: Path) -> None:
    for name, path in sqlite_files(settings).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)  # pages of the state being replaced
        handle, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-restore-")
        os.close(handle)
        source, target = sqlite3.connect(folder / f"{name}.sqlite3"), sqlite3.connect(staged)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        os.replace(staged, path)  # whole or not at all


def _restore_postgres(settings: ServiceSettings, dump: Path) -> None:
    """Drop the site's tables and load the dump's, in one transaction (pg_restore -1)."""
    site = settings.site
    conn = _pg_connect(settings)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND "
            "(tablename LIKE ANY(%s) OR tablename IN (%s, %s))",
            ([f"{s}\\_{site}\\_%" for s in SERVICES], f"personal_keys_{site}",
             f"personal_shredded_{site}")).fetchall()]
        if names:
            conn.execute("DROP TABLE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")
    finally:
        conn.close()
    done = subprocess.run([_binary("pg_restore"), *_pg_target(settings), "--no-owner", "-1",
                           str(dump)], env=_pg_env(settings), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupRefused(f"pg_restore failed: {done.stderr.strip()}")
