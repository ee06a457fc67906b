"""Files in a site's object store (JetStream Object Store, bucket `TB_FILES_<site>`), named by
their case and SHA-256 and sealed with the case's data key (`sealed_files`): stored once per
case, copied sealed to exactly the parties that need them, opened and checked against their
name wherever they are. Bytes move in chunks through temporary files, never whole in memory."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import AsyncIterable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import anyio
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from services.runtime.aggregate import DomainError
from services.runtime.personal.vault import Vault
from services.runtime.sealed_files import FileUnreadable, Opener, opener, seal_file

CHUNK = 256 * 1024
FIELD_BYTES = 1024
FORM_ALLOWANCE = 16 * 1024
"""What a multipart body may hold beside the file itself: boundaries, part headers, the small
fields. A declared length over the file limit plus this is refused before a byte is read."""
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


@dataclass
class Received:
    """A multipart upload as it arrived: the file's bytes in a temporary file, its name and
    declared type, and the small fields beside it, all still to be checked."""

    file: IO[bytes]
    file_name: str | None = None
    declared: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


class _Parts:
    """python-multipart's callbacks: the one file part goes to the temporary file and is refused
    the moment it passes the limit, so an oversized file is never spooled whole."""

    def __init__(self, received: Received, max_bytes: int) -> None:
        self.received, self.max_bytes = received, max_bytes
        self.name: str | None = None
        self.is_file, self.size, self.value = False, 0, bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.header = (bytearray(), bytearray())

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self.begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished, "on_part_data": self.data,
                "on_part_end": self.end}

    def begin(self) -> None:
        self.headers, self.value, self.is_file = {}, bytearray(), False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header[0].extend(data[start:end])

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.header[1].extend(data[start:end])

    def header_end(self) -> None:
        self.headers[bytes(self.header[0]).lower()] = bytes(self.header[1])
        self.header = (bytearray(), bytearray())

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = _text(options.get(b"name", b""))
        self.is_file = b"filename" in options
        if self.is_file:
            if self.received.file_name is not None:
                raise FileRefused(422, "一次只能上传一个文件")
            self.received.file_name = _text(options[b"filename"])
            declared = self.headers.get(b"content-type")
            self.received.declared = _text(declared) if declared else None

    def data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file:
            self.value.extend(data[start:end])
            if len(self.value) > FIELD_BYTES:
                raise FileRefused(413, f"字段 {self.name} 超过 {FIELD_BYTES} 字节")
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise FileRefused(413, f"文件超过上限 {self.max_bytes} 字节")
        self.received.file.write(data[start:end])

    def end(self) -> None:
        if not self.is_file and self.name:
            self.received.fields[self.name] = _text(bytes(self.value))


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise FileRefused(400, "表单内容不是有效的 UTF-8 文字") from None


async def receive(chunks: AsyncIterable[bytes], content_type: str | None,
                  content_length: str | None, max_bytes: int, into: IO[bytes]) -> Received:
    """Read a multipart/form-data body as it streams, the file into `into`. Refused with 413
    before reading when the declared length is already too large, and as soon as the file
    passes `max_bytes`; what was read is the caller's temporary file to drop."""
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise FileRefused(415, "应以 multipart/form-data 上传（字段 file、material_code、pages）")
    if content_length and content_length.isdigit() and (
            int(content_length) > max_bytes + FORM_ALLOWANCE):
        raise FileRefused(413, f"请求体 {content_length} 字节，超过文件上限 {max_bytes} 字节")
    received = Received(into)
    parts = _Parts(received, max_bytes)
    parser = MultipartParser(options[b"boundary"], parts.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        raise FileRefused(400, "请求体不是有效的 multipart/form-data") from None
    if received.file_name is None:
        raise FileRefused(422, "缺少文件")
    return received


async def store_of(js: JetStreamContext, site: str) -> ObjectStore:
    try:
        return await js.object_store(bucket(site))
    except BucketNotFoundError:
        return await js.create_object_store(bucket(site))


def object_name(case_id: UUID, sha: str) -> str:
    """A file is kept once per case, not once per site: each copy is sealed with its case's
    key, so the same scan in two cases is two objects, and shredding one case leaves the
    other's readable. The name keeps the plaintext SHA-256 the events name the file by: the
    hash of a scan tells nothing of what it shows, though whoever holds the same file could
    confirm it is here (the bucket is readable by the site's own services only)."""
    return f"{case_id}.{sha}"


async def put(js: JetStreamContext, site: str, case_id: UUID, sha: str, file: IO[bytes],
              vault: Vault) -> bool:
    """Stored once per case, sealed with this site's key for the case: a file already there
    under its name is not written again. True when this call wrote it."""
    store = await store_of(js, site)
    name = object_name(case_id, sha)
    if await has(store, name):
        return False
    with tempfile.TemporaryFile(prefix="tb-file-") as sealed:
        await anyio.to_thread.run_sync(seal_file, file, sealed, vault, case_id, sha)
        sealed.seek(0)
        await store.put(name, sealed)  # type: ignore[arg-type]
    return True


async def has(store: ObjectStore, name: str) -> bool:
    try:
        await store.get_info(name)
    except (ObjectNotFoundError, NotFoundError):
        return False
    return True


async def _fetch_sealed(js: JetStreamContext, site: str, name: str) -> Path | None:
    store = await store_of(js, site)
    if not await has(store, name):
        return None
    handle, path = tempfile.mkstemp(prefix="tb-file-")
    with os.fdopen(handle, "wb") as out:
        await store.get(name, writeinto=out)  # type: ignore[arg-type]
    return Path(path)


@dataclass
class SealedCopy:
    """A case's file as fetched here: its sealed bytes in a temporary file (never the plain
    content), and what opens them, a chunk at a time, for a response or a check."""

    path: Path
    opener: Opener

    def plain(self, first: int = 0, last: int | None = None) -> Iterator[bytes]:
        """The content, or bytes `first` to `last` (inclusive) of it."""
        with self.path.open("rb") as sealed:
            if last is None:
                yield from self.opener.chunks(sealed)
            else:
                yield from self.opener.span(sealed, first, last)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def _opener_of(path: Path, vault: Vault, case_id: UUID, sha: str) -> Opener:
    with path.open("rb") as sealed:
        return opener(sealed, vault, case_id, sha)


async def opened(js: JetStreamContext, site: str, case_id: UUID, sha: str,
                 vault: Vault) -> SealedCopy | None:
    """The case's file here, ready to open with the key this site holds for it (the caller
    closes it), or None when missing. FileKeyMissing when this site holds no key for the
    case, FileShredded once its keys were destroyed."""
    sealed = await _fetch_sealed(js, site, object_name(case_id, sha))
    if sealed is None:
        return None
    try:
        return SealedCopy(sealed, await anyio.to_thread.run_sync(
            _opener_of, sealed, vault, case_id, sha))
    except BaseException:
        sealed.unlink(missing_ok=True)
        raise


async def intact(js: JetStreamContext, site: str, case_id: UUID, sha: str,
                 vault: Vault) -> str | None:
    """None when the site's copy is there, opens with the case's key and its content hashes
    to its name; else what is wrong with the copy. A key not held here is not the copy's
    fault: FileKeyMissing."""
    try:
        copy = await opened(js, site, case_id, sha, vault)
        if copy is None:
            return "missing"
        try:
            actual = await anyio.to_thread.run_sync(_digest_of, copy.plain())
        finally:
            copy.close()
    except FileUnreadable as error:
        return f"unreadable: {error}"
    return None if actual == sha else f"hash mismatch: holds {actual[:16]}…"


def _digest_of(chunks: Iterable[bytes]) -> str:
    hashed = hashlib.sha256()
    for chunk in chunks:
        hashed.update(chunk)
    return hashed.hexdigest()


async def copy(source: JetStreamContext, from_site: str, target: JetStreamContext,
               to_site: str, case_id: UUID, sha: str, replace: bool = False) -> None:
    """From one site's store to another's, sealed as it is (no key is needed to carry it),
    through a temporary file. Each side is reached through its own JetStream (its domain,
    across servers)."""
    name = object_name(case_id, sha)
    path = await _fetch_sealed(source, from_site, name)
    if path is None:
        raise FileNotFoundError(f"{bucket(from_site)} has no {name}")
    try:
        store = await store_of(target, to_site)
        if replace and await has(store, name):
            await store.delete(name)
        if not await has(store, name):
            with path.open("rb") as file:
                await store.put(name, file)  # type: ignore[arg-type]
    finally:
        path.unlink(missing_ok=True)


async def remove(js: JetStreamContext, site: str, case_id: UUID, sha: str) -> None:
    store = await store_of(js, site)
    name = object_name(case_id, sha)
    if await has(store, name):
        await store.delete(name)
