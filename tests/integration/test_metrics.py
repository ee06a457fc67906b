"""`/metrics` of every service, on both sites, in the Prometheus text format; and a consumer
whose store stops taking writes: its lag rises, /readyz says it is stalled, and both clear once
the store takes writes again."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts.subjects import own_stream
from services.runtime.nats_server import LocalNatsServer
from services.runtime.settings import ServiceSettings
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    eventually,
    settings_factory,
    take_in_and_accept,
)

YANTAI, QINGDAO = "370671", "370202"
ROOT = Path(__file__).resolve().parents[2]
EVERY_SERVICE = {"tongban_consumer_lag", "tongban_consumer_processed",
                 "tongban_consumer_duplicates", "tongban_consumer_dead_lettered",
                 "tongban_consumer_stalled", "tongban_relay_backlog", "tongban_relay_published",
                 "tongban_relay_publish_seconds", "tongban_http_requests",
                 "tongban_http_request_seconds", "tongban_cases", "tongban_cases_overdue"}
SITE_WIDE = {"tongban_dead_letters", "tongban_file_store_bytes"}  # said by routing only
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def two_halls(nats_server: LocalNatsServer, store_overrides: dict[str, Any]
                    ) -> AsyncIterator[Stack]:
    """Yantai and Qingdao, every service; a consumer holding a message 1 s is stalled."""
    settings_for = settings_factory(nats_server, {**store_overrides,
                                                  "consumer_stall_seconds": 1.0})
    stack = Stack(settings_for)
    await stack.start([YANTAI, QINGDAO])
    yield stack
    await stack.stop()


async def scrape(client: httpx.AsyncClient) -> tuple[set[str], Samples]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = list(text_string_to_metric_families(answer.text))
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for f in families for s in f.samples}
    return {f.name for f in families}, samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    wanted = set(labels.items())
    found = [v for (n, ls), v in samples.items() if n == name and wanted <= ls]
    return sum(found) if found else None


@contextmanager
def writes_blocked(settings: ServiceSettings) -> Iterator[None]:
    """Another connection holds the ledger's store exclusively: its writes wait (SQLite, until
    its lock timeout, then fail and are tried again; PostgreSQL, for as long as it is held)."""
    if settings.store == "sqlite":
        db = sqlite3.connect(settings.data_dir / settings.site / "ledger.sqlite3",
                             isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            db.execute("ROLLBACK")
            db.close()
        return
    with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port,
                         user=settings.postgres_user, dbname=settings.postgres_dbname) as db:
        db.execute(f"LOCK TABLE ledger_{settings.site}_events IN ACCESS EXCLUSIVE MODE")
        yield
        db.rollback()


async def test_every_service_answers_metrics_and_a_blocked_store_shows_as_lag_and_a_stall(
    two_halls: Stack,
) -> None:
    stack = two_halls
    async with stack.client(YANTAI, "intake") as intake:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

        async def arrived_at_qingdao() -> bool:
            async with stack.client(QINGDAO, "approval") as approval:
                return (await approval.get(f"/cases/{case_id}")).status_code == 200

        await eventually(arrived_at_qingdao)
        seen: set[str] = set()
        for site in (YANTAI, QINGDAO):
            for service in ("intake", "routing", "approval", "delivery", "ledger"):
                async with stack.client(site, service) as client:
                    names, _ = await scrape(client)
                expected = EVERY_SERVICE | (SITE_WIDE if service == "routing" else set())
                assert expected <= names, f"{site}/{service} lacks {expected - names}"
                seen |= names
        _, window = await scrape(intake)
        assert value(window, "tongban_cases", state="accepted") == 1
        assert value(window, "tongban_http_requests_total", route="/cases/{case_id}/accept",
                     method="POST", status="200") == 1
        labels = {v for (_, ls) in window for _, v in ls}
        assert not any(case_id in v or WANG_QIANG["id_number"] in v for v in labels)
        assert value(window, "tongban_relay_backlog") == 0
        assert value(window, "tongban_relay_published_total") >= 4
        assert value(window, "tongban_relay_publish_seconds_count") >= 4
        assert_deploy_files_name_only(seen)

        ledger_host = stack.host(YANTAI, "ledger")
        async with stack.client(YANTAI, "ledger") as ledger:
            _, before = await scrape(ledger)
            consumer = own_stream(YANTAI)
            processed = value(before, "tongban_consumer_processed_total")
            await eventually(lambda: lag_is(ledger, consumer, lambda lag: lag == 0))

            with writes_blocked(ledger_host.settings):
                await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
                await eventually(lambda: lag_is(ledger, consumer, lambda lag: lag > 0))
                ready = await eventually(lambda: stalled(ledger), timeout=30)
                assert {s["part"] for s in ready["stalled"]} & {
                    c.name for c in ledger_host.consumers if c.stream == consumer}
                _, blocked = await scrape(ledger)
                assert value(blocked, "tongban_consumer_stalled") >= 1

            await eventually(lambda: lag_is(ledger, consumer, lambda lag: lag == 0), timeout=30)
            assert (await ledger.get("/readyz")).status_code == 200
            _, after = await scrape(ledger)
            assert value(after, "tongban_consumer_processed_total") > processed
            assert value(after, "tongban_consumer_stalled") == 0


async def lag_is(client: httpx.AsyncClient, stream: str, holds: Callable[[float], bool]) -> bool:
    _, samples = await scrape(client)
    lag = value(samples, "tongban_consumer_lag", stream=stream)
    return lag is not None and holds(lag)


async def stalled(client: httpx.AsyncClient) -> dict[str, Any] | None:
    answer = await client.get("/readyz")
    return answer.json() if answer.status_code == 503 else None


def assert_deploy_files_name_only(exposed: set[str]) -> None:
    """Every metric the alert rules and the dashboard use is one the services expose."""
    suffixes = ("_total", "_bucket", "_count", "_sum")
    for path in (ROOT / "deploy/prometheus/alerts.yml", ROOT / "deploy/grafana/tongban-site.json"):
        used = set(re.findall(r"\btongban_[a-z_]+", path.read_text(encoding="utf-8")))
        assert used, path
        for name in used:
            base = next((name.removesuffix(s) for s in suffixes if name.endswith(s)), name)
            assert name in exposed or base in exposed, f"{path.name} uses {name}"
