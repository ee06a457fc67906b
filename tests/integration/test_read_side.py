"""The window's read table on both stores: written with the case's events in one transaction,
found by number without reading the log, and caught when it drifts from its rebuild."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from contracts.base import Actor
from services.intake.domain.case import WindowCase
from services.intake.main import build
from services.intake.read_side import WINDOW_CASES, by_number
from services.runtime.aggregate import Context
from services.runtime.projections import Query
from tests.integration.test_window_http import open_case
from tests.support.applicant import receipt_query_code
from tests.support.stack import WANG_QIANG, accept_with_every_material, read_side_drift

CLERK = Actor(staff_id="370671-W01", role="window")


async def test_a_case_row_follows_the_case_and_the_progress_query_reads_it_without_the_log(
    window: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, client = window
    case = await open_case(client)
    [row] = host.store.read(by_number(case["case_number"]))
    assert (row["id"], row["status"]) == (case["case_id"], "opened")
    await accept_with_every_material(client, case["case_id"])
    assert host.store.read(by_number(case["case_number"]))[0]["status"] == "accepted"
    code = await receipt_query_code(client, case["case_id"])

    def no_scan(*_: Any, **__: Any) -> Any:
        raise AssertionError("the progress query read the event log")

    monkeypatch.setattr(host.store.recorder, "select_notifications", no_scan)
    progress = await client.get("/progress", params={"case_number": case["case_number"],
                                                     "id_number": WANG_QIANG["id_number"],
                                                     "query_code": code})
    assert progress.status_code == 200 and progress.json()["status"] == "accepted"


async def test_a_change_refused_by_the_store_leaves_the_row_as_the_events_are(
    window: Any,
) -> None:
    host, client = window
    case = await open_case(client)
    case_id = UUID(case["case_id"])
    first, second = host.store.get(WindowCase, case_id), host.store.get(WindowCase, case_id)
    ctx = Context(host.site, CLERK, host.clock(), uuid4())
    first.verify_identity("applicant", "id_card_reader", ctx)
    host.store.record(first)
    second.reject("申请事项不属于本窗口受理范围", None, ctx)  # written over the same version
    with pytest.raises(IntegrityError):
        host.store.record(second)
    assert host.store.read(by_number(case["case_number"]))[0]["status"] == "opened"
    assert read_side_drift(host) == []


async def test_a_row_changed_behind_the_stores_back_is_caught_by_the_digests(
    window: Any,
) -> None:
    host, client = window
    case = await open_case(client)
    side = host.store.read_side
    with side.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"UPDATE {WINDOW_CASES.qualified(side.prefix)} SET status = 'completed'")
    assert read_side_drift(host) == ["370671/intake/window_cases"]
    with side.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"UPDATE {WINDOW_CASES.qualified(side.prefix)} SET status = 'opened'")
    assert read_side_drift(host) == []
    assert [r["id"] for r in host.store.read(Query(WINDOW_CASES))] == [case["case_id"]]


async def test_a_hall_upgrading_to_read_tables_gets_them_filled_from_its_cases_on_first_start(
    window: Any,
) -> None:
    host, client = window
    case = await open_case(client)
    side = host.store.read_side
    with side.datastore.transaction(commit=True) as cursor:  # as before the read side existed
        cursor.execute(f"DROP TABLE {WINDOW_CASES.qualified(side.prefix)}")
        cursor.execute(f"DROP TABLE {side.prefix}_read_tables")

    upgraded = build(host.settings, host.clock)
    try:
        [row] = upgraded.store.read(by_number(case["case_number"]))
        assert (row["id"], row["status"]) == (case["case_id"], "opened")
        assert read_side_drift(upgraded) == []
    finally:
        upgraded.store.close()


async def test_a_read_table_made_by_an_older_release_is_made_again_on_start(
    window: Any,
) -> None:
    host, client = window
    case = await open_case(client)
    side = host.store.read_side
    with side.datastore.transaction(commit=True) as cursor:  # other columns, stale rows
        cursor.execute(f"UPDATE {side.prefix}_read_tables SET fingerprint = 'release-0.0'")
        cursor.execute(f"UPDATE {WINDOW_CASES.qualified(side.prefix)} SET status = 'lost'")

    upgraded = build(host.settings, host.clock)
    try:
        assert upgraded.store.read(by_number(case["case_number"]))[0]["status"] == "opened"
    finally:
        upgraded.store.close()


async def test_a_read_table_whose_first_fill_was_cut_short_is_filled_again_on_the_next_start(
    window: Any,
) -> None:
    """A hall upgrading is killed after the new table was made and before its rows were all
    written: the next start must not take the half-filled table for a finished one."""
    host, client = window
    case = await open_case(client)
    side = host.store.read_side
    with side.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DROP TABLE {WINDOW_CASES.qualified(side.prefix)}")
        cursor.execute(f"DROP TABLE {side.prefix}_read_tables")
    tables = {WINDOW_CASES: WINDOW_CASES.fingerprint(
        p.depends_on for p in host.store.projections if p.table is WINDOW_CASES)}
    assert side.create_read_tables(tables, side.prefix) == [WINDOW_CASES]  # then killed

    restarted = build(host.settings, host.clock)
    try:
        [row] = restarted.store.read(by_number(case["case_number"]))
        assert (row["id"], row["status"]) == (case["case_id"], "opened")
    finally:
        restarted.store.close()
