"""The ledger's read tables: each view of a case file is a row keyed by the case, computed from
the file as it is recorded and written by the store's recorder in the transaction that stores
the file's events and the tracking record of the message (see `services.runtime.projections`),
in the ledger's own database — its SQLite file, or PostgreSQL.

A message reads the rows of its case, not the file's events (`file_rows`); lists read a page
of rows; a digest reads a table a page at a time. Rebuilt from the events, a table's rows equal
the kept ones (`CaseStore.rows_digests`, `tongban ledger rebuild`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal
from uuid import UUID

from contracts.identity import MASKING
from services.ledger.domain import CaseFile, EventObserved
from services.ledger.legs_by_unit import BY_UNIT
from services.ledger.projections import CaseViews, Row
from services.ledger.projections.base import canonical
from services.runtime.projections import Part, Projection, Query, Table, Totals, Value, totals_of
from services.runtime.store import CaseStore

Column = Literal["TEXT", "INTEGER"]
NEVER = "9999-12-31"  # a case that is never 超期, whatever the day
VIEW: dict[str, Column] = {"case_number": "TEXT", "body": "TEXT"}
CHUNKS = tuple(f"h{i}" for i in range(8))  # a row's SHA-256 as eight 32-bit numbers


def row_hash(row: dict[str, Any]) -> Iterator[Part]:
    """The row's hash in eight 32-bit chunks, lowest first: summed over the rows, chunk by
    chunk, they give the table's digest (the sum of the rows' hashes, mod 2^256)."""
    value = int.from_bytes(hashlib.sha256(canonical(row).encode()).digest(), "big")
    yield {"whole": "", **{c: (value >> 32 * i) & 0xFFFFFFFF for i, c in enumerate(CHUNKS)}}


DIGEST = Totals("digest", ("whole",), CHUNKS, row_hash)

CASE_FILES = Table("case_files", {"case_number": "TEXT", "version": "INTEGER",
                                  "observed": "INTEGER", "archived": "INTEGER"},
                   totals=(DIGEST,))
WORK_LEDGER = Table(
    "work_ledger",
    {**VIEW, "accepted_on": "TEXT", "accepted_sort": "TEXT", "status": "TEXT",
     "matter_code": "TEXT", "receiving_site": "TEXT", "sites": "TEXT", "overdue_from": "TEXT"},
    indexes=(("accepted_sort", "case_number"), ("status", "accepted_sort", "case_number"),
             ("matter_code", "accepted_sort", "case_number"), ("overdue_from",),
             ("case_number",)),
    totals=(DIGEST,))
TIMELINE = Table("timeline", VIEW, totals=(DIGEST,))
CUSTODY = Table("custody", VIEW, totals=(DIGEST,))
LEGS = Table("legs", {**VIEW, "receiving_site": "TEXT", "business_site": "TEXT",
                      "department": "TEXT"}, totals=(BY_UNIT, DIGEST))
RATINGS = Table("ratings", {**VIEW, "first_rated_at": "TEXT"},
                indexes=(("first_rated_at", "id"),), totals=(DIGEST,))
PERSONAL_DATA_READS = Table("personal_data_reads", {**VIEW, "first_read_at": "TEXT"},
                            indexes=(("first_read_at", "id"),), totals=(DIGEST,))
HOLDERS = tuple(f"holder_{i}" for i in range(1, 5))  # company, representative, agent, …
PERSONAL_RECORD = Table("personal_record", {**VIEW, **dict.fromkeys(HOLDERS, "TEXT")},
                        indexes=tuple((h,) for h in HOLDERS), totals=(DIGEST,))
VIEWS = (TIMELINE, WORK_LEDGER, CUSTODY, LEGS, RATINGS, PERSONAL_DATA_READS, PERSONAL_RECORD)
TABLES = (CASE_FILES, *VIEWS)


def body(row: Row) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def overdue_from(row: Row) -> str:
    """From which day the row reads 超期 (see `timeliness`): "" already, NEVER if never."""
    promised, decided = row["promised_date"], row["decided_on"]
    if row["overdue"] or (promised and decided and decided > promised):
        return ""
    return promised if promised and not decided else NEVER


def _work_ledger(row: Row) -> dict[str, Value]:
    sites = [row["receiving_site"], *row["business_sites"]]
    return {"accepted_on": row["accepted_on"], "accepted_sort": row["accepted_on"] or "",
            "status": row["status"], "matter_code": row["matter_code"],
            "receiving_site": row["receiving_site"], "sites": f",{','.join(sites)},",
            "overdue_from": overdue_from(row)}


def _legs(file: CaseFile) -> dict[str, Value]:
    case = file.views.row("work_ledger")
    if case is None:
        return {"receiving_site": None, "business_site": None, "department": None}
    business = case["business_sites"] or [""]
    return {"receiving_site": case["receiving_site"], "business_site": business[0],
            "department": case["department"]}


def _holders(row: Row) -> dict[str, Value]:
    """The blind indexes of the case's numbers, one a column (each indexed), in one order."""
    held = sorted(set(row["holders"].values()))[:len(HOLDERS)]
    return dict(zip(HOLDERS, [*held, *[None] * len(HOLDERS)], strict=False))


def held_by(blind: str, limit: int) -> list[Query]:
    """The cases holding a number, by its blind index: one indexed read per column."""
    return [Query(PERSONAL_RECORD).filter(h, "=", blind).page(limit) for h in HOLDERS]


def _first(field: str, column: str) -> Callable[[Row, CaseFile], dict[str, Value]]:
    return lambda row, _: {column: min(e[field] for e in row["entries"].values())}


def _view(table: Table, columns: Callable[[Row, CaseFile], dict[str, Value]] | None = None,
          depends_on: str = "") -> Projection:
    def row(file: CaseFile) -> dict[str, Value] | None:
        view = file.views.row(table.name)
        if view is None:
            return None
        extra = columns(view, file) if columns else {}
        return {"case_number": file.case_number, "body": body(view), **extra}
    return Projection(table, CaseFile, EventObserved, row, depends_on)


def _file(file: CaseFile) -> dict[str, Value]:
    return {"case_number": file.case_number, "version": file.version,
            "observed": file.observed, "archived": int(file.archived)}


PROJECTIONS: tuple[Projection, ...] = (
    Projection(CASE_FILES, CaseFile, EventObserved, _file),
    _view(TIMELINE), _view(CUSTODY),
    _view(WORK_LEDGER, lambda row, _: _work_ledger(row), MASKING),  # its applicant masked
    _view(LEGS, lambda _, file: _legs(file)),
    _view(RATINGS, _first("rated_at", "first_rated_at")),
    _view(PERSONAL_DATA_READS, _first("at", "first_read_at")),
    _view(PERSONAL_RECORD, lambda row, _: _holders(row)),
)


def rows_of(file: CaseFile) -> Iterator[tuple[Table, dict[str, Any]]]:
    """The rows the file keeps, as a table holds them (what a rebuild compares)."""
    for projection in PROJECTIONS:
        values = projection.row(file)
        if values is not None:
            yield projection.table, {"id": str(file.id), **{
                c: values.get(c) for c in projection.table.columns}}


def one(store: CaseStore, table: Table, case_id: UUID) -> dict[str, Any] | None:
    found = store.read(Query(table).filter("id", "=", str(case_id)))
    return found[0] if found else None


def view(store: CaseStore, table: Table, case_id: UUID) -> Row | None:
    """A view of one case (its body), or None."""
    row = one(store, table, case_id)
    return json.loads(row["body"]) if row else None


def file_rows(store: CaseStore, case_id: UUID) -> CaseFile | None:
    """The case file as its rows keep it, or None for a file without rows: a few reads by key,
    however many events the file holds."""
    kept = one(store, CASE_FILES, case_id)
    if kept is None:
        return None
    views = CaseViews.of(case_id, {t.name: view(store, t, case_id) for t in VIEWS})
    return CaseFile.resumed(case_id, kept["case_number"], kept["version"], kept["observed"],
                            bool(kept["archived"]), views)


def every_row(store: CaseStore, table: Table, batch: int = 500) -> Iterator[dict[str, Any]]:
    """A whole table, a page at a time by key (memory bounded by the page): for digests,
    exports and reports, never for a message."""
    last = ""
    while rows := store.read(Query(table).filter("id", ">", last).page(batch)):
        yield from rows
        last = rows[-1]["id"]


def digest(rows: Iterable[dict[str, Any]]) -> str:
    """One digest of a table's rows whatever order they are read in: the sum of their hashes,
    so it can be kept as rows change (`DIGEST`) and computed from rows a page at a time."""
    return digest_of(totals_of(DIGEST, rows))


def digest_of(totals: list[dict[str, Any]]) -> str:
    total = sum(t[c] << 32 * i for t in totals for i, c in enumerate(CHUNKS))
    return f"{total % 2**256:064x}"


def digests(store: CaseStore) -> dict[str, str]:
    """Each table's digest as kept with its rows: a row per table, whatever the history."""
    return {t.name: digest_of(store.totals(t, DIGEST)) for t in TABLES}


def row_digests(store: CaseStore) -> dict[str, str]:
    """Each table's digest from its rows, read a page at a time: what a rebuild compares (a
    row changed behind the store's back shows here, not in the kept sums)."""
    return {t.name: digest(every_row(store, t)) for t in TABLES}
