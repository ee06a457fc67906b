"""A case's file as it is kept in an object store: encrypted with the data key of the site
that took it in (the case's key in that site's vault, the key its personal fields are sealed
with), so that destroying the case's keys (crypto-shredding) leaves its scans unreadable too,
at every site that holds a copy.

Format `tb-file1`: `TBF1`, one byte of length and the sealing site, then the content in
chunks of 256 KiB, each `nonce (12) | AES-256-GCM ciphertext and tag`, its associated data
naming the case, the site, the content's SHA-256, the chunk's index and whether it is the last
— so no chunk can be moved, dropped or swapped in from another file or case. A party site
copies the bytes as they are and reads them with the key the owner granted it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.runtime.personal.vault import Shredded, Vault

MAGIC = b"TBF1"
CHUNK = 256 * 1024
RECORD = 12 + CHUNK + 16


class FileKeyMissing(Exception):
    """This site holds no key for the file's case (not granted yet, or never): it cannot be
    read here, and nothing is wrong with the copy."""


class FileShredded(Exception):
    """The case's keys were destroyed: the file is gone for good, wherever its bytes are."""


class FileUnreadable(Exception):
    """The bytes do not open with the case's key: changed, cut short, or another file."""


def _aad(case_id: UUID, owner: str, sha: str, index: int, last: bool) -> bytes:
    return f"tb-file1|{case_id}|{owner}|{sha}|{index}|{int(last)}".encode()


def seal_file(plain: IO[bytes], out: IO[bytes], vault: Vault, case_id: UUID, sha: str) -> None:
    """Encrypt `plain` (whose SHA-256 is `sha`) into `out` with this site's key for the case."""
    key, owner = AESGCM(vault.own(case_id)), vault.site
    out.write(MAGIC + bytes([len(owner)]) + owner.encode())
    plain.seek(0)
    chunk, index = plain.read(CHUNK), 0
    while True:
        following = plain.read(CHUNK)
        nonce = os.urandom(12)
        out.write(nonce + key.encrypt(nonce, chunk, _aad(case_id, owner, sha, index,
                                                         not following)))
        if not following:
            break
        chunk, index = following, index + 1
    plain.seek(0)


@dataclass(frozen=True)
class Opener:
    """What opens a sealed file's chunks: the key of the site that sealed it, as held here."""

    key: AESGCM
    owner: str
    case_id: UUID
    sha: str
    start: int  # where the first chunk's record begins
    records: int

    def chunks(self, sealed: IO[bytes], first: int = 0) -> Iterator[bytes]:
        """The plain content from chunk `first` on, a chunk at a time: never whole on disk."""
        sealed.seek(self.start + first * RECORD)
        for index in range(first, self.records):
            record = sealed.read(RECORD)
            try:
                yield self.key.decrypt(record[:12], record[12:], _aad(
                    self.case_id, self.owner, self.sha, index, index == self.records - 1))
            except (InvalidTag, ValueError):
                raise FileUnreadable(f"chunk {index} does not open with the case's key") from None

    def span(self, sealed: IO[bytes], first: int, last: int) -> Iterator[bytes]:
        """Bytes `first` to `last` (inclusive) of the plain content, as a Range asks."""
        skip, left = first % CHUNK, last - first + 1
        for chunk in self.chunks(sealed, first // CHUNK):
            piece = chunk[skip:skip + left]
            skip, left = 0, left - len(piece)
            yield piece
            if left <= 0:
                return


def opener(sealed: IO[bytes], vault: Vault, case_id: UUID, sha: str) -> Opener:
    """Read a sealed file's head and find its key: FileShredded, FileKeyMissing, or
    FileUnreadable for what is not a sealed file."""
    sealed.seek(0)
    head = sealed.read(5)
    if len(head) < 5 or head[:4] != MAGIC:
        raise FileUnreadable("not a sealed file (tb-file1)")
    owner = sealed.read(head[4]).decode("ascii", errors="replace")
    try:
        raw = vault.get(case_id, owner)
    except Shredded:
        raise FileShredded(f"case {case_id}: its keys were destroyed") from None
    if raw is None:
        raise FileKeyMissing(f"case {case_id}: no key of site {owner} held at {vault.site}")
    start = 5 + head[4]
    size = sealed.seek(0, os.SEEK_END) - start
    records = max(1, -(-size // RECORD))
    return Opener(AESGCM(raw), owner, case_id, sha, start, records)
