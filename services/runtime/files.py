"""Files in a site's object store (JetStream Object Store, bucket `TB_FILES_<site>`), named by
their SHA-256: stored once, copied to exactly the parties that need them, checked against
their name wherever they are. Bytes move in chunks through temporary files, never whole in
memory."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore

from services.runtime.aggregate import DomainError

CHUNK = 256 * 1024
MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff",
         "image/png": b"\x89PNG\r\n\x1a\n"}
BY_EXTENSION = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".png": "image/png", ".ofd": "application/ofd"}


def bucket(site: str) -> str:
    return f"TB_FILES_{site}"


class FileRefused(DomainError):
    field = "file"

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def sniff(file: IO[bytes]) -> str | None:
    """The type the content shows, whatever its name says; OFD is a zip with OFD.xml."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for media_type, magic in MAGIC.items():
        if head.startswith(magic):
            return media_type
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(file) as archive:
                found = any(n.upper().endswith("OFD.XML") for n in archive.namelist())
        except zipfile.BadZipFile:
            found = False
        file.seek(0)
        return "application/ofd" if found else None
    return None


def digest(file: IO[bytes]) -> tuple[str, int]:
    file.seek(0)
    h, size = hashlib.sha256(), 0
    while chunk := file.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
    file.seek(0)
    return h.hexdigest(), size


def check_upload(file: IO[bytes], file_name: str, declared: str | None,
                 allowed: Iterable[str], max_bytes: int) -> tuple[str, str, int]:
    """(media type, sha256, size) of an acceptable file, or FileRefused with the reason."""
    sha, size = digest(file)
    if size == 0:
        raise FileRefused(422, "文件为空")
    if size > max_bytes:
        raise FileRefused(413, f"文件大小 {size} 字节，超过上限 {max_bytes} 字节")
    shown = sniff(file)
    if shown is None or shown not in allowed:
        raise FileRefused(415, f"不接受此类文件（允许：{'、'.join(sorted(allowed))}）")
    claimed = {declared, BY_EXTENSION.get(Path(file_name).suffix.lower())} - {
        None, "", "application/octet-stream"}
    if any(c != shown for c in claimed):
        raise FileRefused(415, f"文件内容为 {shown}，与声明的类型 {'、'.join(sorted(claimed))} 不符")
    return shown, sha, size


async def store_of(js: JetStreamContext, site: str) -> ObjectStore:
    try:
        return await js.object_store(bucket(site))
    except BucketNotFoundError:
        return await js.create_object_store(bucket(site))


async def put(js: JetStreamContext, site: str, sha: str, file: IO[bytes]) -> None:
    """Stored once: a file already there under its hash is not written again."""
    store = await store_of(js, site)
    if await has(store, sha):
        return
    file.seek(0)
    await store.put(sha, file)  # type: ignore[arg-type]


async def has(store: ObjectStore, sha: str) -> bool:
    try:
        await store.get_info(sha)
    except (ObjectNotFoundError, NotFoundError):
        return False
    return True


async def fetch(js: JetStreamContext, site: str, sha: str) -> Path | None:
    """The file copied to a temporary path (the caller removes it), or None when missing."""
    store = await store_of(js, site)
    if not await has(store, sha):
        return None
    handle, name = tempfile.mkstemp(prefix="tb-file-")
    with os.fdopen(handle, "wb") as out:
        await store.get(sha, writeinto=out)  # type: ignore[arg-type]
    return Path(name)


async def intact(js: JetStreamContext, site: str, sha: str) -> str | None:
    """None when the site's copy is there and its bytes hash to its name; else what is wrong."""
    path = await fetch(js, site, sha)
    if path is None:
        return "missing"
    try:
        with path.open("rb") as file:
            actual, _ = digest(file)
    except Exception as error:  # noqa: BLE001 - a copy that cannot be read is not intact
        return f"unreadable: {error}"
    finally:
        path.unlink(missing_ok=True)
    return None if actual == sha else f"hash mismatch: holds {actual[:16]}…"


async def copy(source: JetStreamContext, from_site: str, target: JetStreamContext,
               to_site: str, sha: str, replace: bool = False) -> None:
    """From one site's store to another's, through a temporary file. Each side is reached
    through its own JetStream (its domain, across servers)."""
    path = await fetch(source, from_site, sha)
    if path is None:
        raise FileNotFoundError(f"{bucket(from_site)} has no {sha}")
    try:
        store = await store_of(target, to_site)
        if replace and await has(store, sha):
            await store.delete(sha)
        with path.open("rb") as file:
            await put(target, to_site, sha, file)
    finally:
        path.unlink(missing_ok=True)


async def remove(js: JetStreamContext, site: str, sha: str) -> None:
    store = await store_of(js, site)
    if await has(store, sha):
        await store.delete(sha)
