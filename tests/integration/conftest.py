"""Fixtures of the integration tests: the intake service on either store, with a clock the test
moves by hand; and three sites for the result's way home (Yantai, Qingdao, Harbin)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.js import JetStreamContext

from services.intake.main import build
from services.ledger.application import Ledger
from services.ledger.read_side import PROJECTIONS
from services.runtime.host import ServiceHost
from services.runtime.nats_server import LocalNatsServer
from services.runtime.settings import for_service
from services.runtime.streams import ensure_site_streams
from tests.support.clock import FakeClock, RunningClock
from tests.support.stack import Stack, read_side_drift, settings_factory
from tests.support.staff import on_duty


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def window(store_overrides: dict[str, Any], clock: FakeClock
                 ) -> AsyncIterator[tuple[ServiceHost, httpx.AsyncClient]]:
    host = build(for_service("intake", site="370671", **store_overrides), clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://intake.370671",
                                 headers=on_duty("370671")) as client:
        yield host, client
    drifted = read_side_drift(host)
    host.store.close()
    assert not drifted, f"read tables differ from their rebuild: {drifted}"


@pytest.fixture
async def three_sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any],
                      clock: FakeClock) -> AsyncIterator[Stack]:
    """Yantai receives, Qingdao decides and delivers, Harbin is running and party to nothing."""
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start(["370671"], ["intake", "routing", "delivery"], clock)
    await stack.start(["370202"], ["routing", "approval", "delivery"], clock)
    await stack.start(["230102"], ["routing", "delivery"], clock)
    yield stack
    await stack.stop()


@pytest.fixture
async def js(nats_server: LocalNatsServer) -> AsyncIterator[JetStreamContext]:
    """JetStream on the test's server, with Yantai's streams."""
    nc = await nats.connect(nats_server.url)
    await ensure_site_streams(nc.jetstream(), "370671")
    yield nc.jetstream()
    await nc.close()


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    """Yantai's ledger application on its own SQLite store, for consumers driven by hand."""
    return Ledger(ServiceHost("ledger", for_service("ledger", site="370671", data_dir=tmp_path),
                              RunningClock(), PROJECTIONS))
