"""Two halls with their consoles, on a real nats-server and SQLite stores (the stores' own
tests cover PostgreSQL; the console holds nothing): 烟台高新区 (370671) receives, 青岛市市南区
(370202) decides and mails. Every service of both, and the issuer staff sign in at, read
the test's clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI

from services.runtime.nats_server import LocalNatsServer
from tests.support.clock import FakeClock, RunningClock
from tests.support.console import console_for
from tests.support.stack import Stack, settings_factory
from tests.support.staff import SUITE_ISSUER

YANTAI, QINGDAO = "370671", "370202"


@dataclass
class Halls:
    stack: Stack
    clock: FakeClock
    yantai: FastAPI
    qingdao: FastAPI


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def halls(nats_server: LocalNatsServer, tmp_path: Path, clock: FakeClock
                ) -> AsyncIterator[Halls]:
    stack = Stack(settings_factory(nats_server, {"store": "sqlite", "data_dir": tmp_path}))
    await stack.start([YANTAI], ["intake", "routing", "delivery", "ledger"], clock)
    await stack.start([QINGDAO], ["routing", "approval", "delivery", "ledger"], clock)
    SUITE_ISSUER.clock = clock  # staff sign in on the halls' clock, which the services read
    try:
        yield Halls(stack, clock, console_for(stack, YANTAI), console_for(stack, QINGDAO))
    finally:
        SUITE_ISSUER.clock = RunningClock()
        await stack.stop()
