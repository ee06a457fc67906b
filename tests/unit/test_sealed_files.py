"""A scan sealed in chunks opens a chunk at a time, from anywhere: a Range across a chunk's
end, the last bytes, the whole; a chunk moved or cut off does not open."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from uuid import uuid4

import pytest

from services.routing.file_routes import RangeNotSatisfiable, byte_range
from services.runtime.personal.vault import Vault, dev_master_key
from services.runtime.sealed_files import CHUNK, RECORD, FileUnreadable, opener, seal_file

SCAN = os.urandom(2 * CHUNK + 12_345)  # three chunks, the last one short


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Vault, io.BytesIO, object, str]:
    vault = Vault("370671", dev_master_key("370671"), path=tmp_path / "vault.sqlite3")
    case_id, sha = uuid4(), hashlib.sha256(SCAN).hexdigest()
    out = io.BytesIO()
    seal_file(io.BytesIO(SCAN), out, vault, case_id, sha)
    yield vault, out, case_id, sha
    vault.close()


def test_any_span_of_a_sealed_scan_opens_to_the_same_bytes(sealed) -> None:  # type: ignore[no-untyped-def]
    vault, out, case_id, sha = sealed
    opened = opener(out, vault, case_id, sha)
    assert opened.records == 3
    assert b"".join(opened.chunks(out)) == SCAN
    for first, last in [(0, 7), (CHUNK - 5, CHUNK + 5), (2 * CHUNK, len(SCAN) - 1),
                        (len(SCAN) - 1, len(SCAN) - 1), (0, len(SCAN) - 1)]:
        assert b"".join(opened.span(out, first, last)) == SCAN[first:last + 1]


def test_a_sealed_scan_cut_short_or_with_chunks_swapped_does_not_open(sealed) -> None:  # type: ignore[no-untyped-def]
    vault, out, case_id, sha = sealed
    data = out.getvalue()
    head, body = data[:11], data[11:]  # TBF1, the length, "370671"; then the records
    cut = io.BytesIO(head + body[:2 * RECORD])  # the last chunk dropped
    with pytest.raises(FileUnreadable, match="chunk 1"):
        b"".join(opener(cut, vault, case_id, sha).chunks(cut))
    swapped = io.BytesIO(head + body[RECORD:2 * RECORD] + body[:RECORD] + body[2 * RECORD:])
    with pytest.raises(FileUnreadable, match="chunk 0"):
        b"".join(opener(swapped, vault, case_id, sha).chunks(swapped))


def test_a_range_is_read_as_http_says_and_one_past_the_end_is_refused() -> None:
    assert byte_range(None, 100) is None
    assert byte_range("bytes=0-7", 100) == (0, 7)
    assert byte_range("bytes=90-", 100) == (90, 99)
    assert byte_range("bytes=-10", 100) == (90, 99)
    assert byte_range("bytes=95-200", 100) == (95, 99)
    assert byte_range("bytes=0-1,5-6", 100) is None  # several: the whole file
    with pytest.raises(RangeNotSatisfiable):
        byte_range("bytes=100-", 100)
