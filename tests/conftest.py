"""Fixtures shared by all tests: a real nats-server per test, a throwaway PostgreSQL cluster per
session, and store settings for both back ends."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.directory import load_directory
from services.runtime.nats_server import LocalNatsServer
from tests.support.postgres import PostgresCluster
from tests.support.stack import Stack, settings_factory
from tests.support.staff import SUITE_ISSUER, SuiteIssuer
from tongban.nats_auth import Secrets
from tongban.single import start_single


def pytest_configure(config: pytest.Config) -> None:
    """A SIGTERM (a CI time-out, say) unwinds like Ctrl-C, so fixtures still stop what they
    started: no PostgreSQL cluster or nats-server outlives the run."""
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    # Development keys and no passwords: what every test runs with, and the services it starts
    # as processes inherit; the tests of production mode say so in their own environment.
    os.environ["TB_ENV"] = "development"


@pytest.fixture(scope="session", autouse=True)
def suite_issuer() -> Iterator[SuiteIssuer]:
    """The staff tokens' issuer, for every service any test starts (`tests/support/staff.py`)."""
    SUITE_ISSUER.start()
    yield SUITE_ISSUER
    SUITE_ISSUER.stop()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[LocalNatsServer]:
    """One server for every site of the directory, each service its own user; `url` is the
    tests' own user, who may look into anything."""
    sites = tuple(load_directory().sites)
    server = start_single(tmp_path / "nats", sites, Secrets(tmp_path / "secrets"),
                          tests_user=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store_overrides(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Settings that put the stores on SQLite files or in a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return {"store": "sqlite", "data_dir": tmp_path / "data"}
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    dbname = cluster.create_database(f"tb_{uuid.uuid4().hex[:12]}")
    return {"store": "postgres", "postgres_port": cluster.port, "postgres_user": cluster.user,
            "postgres_dbname": dbname, "data_dir": tmp_path / "data"}


@pytest.fixture
async def two_sites(nats_server: LocalNatsServer, store_overrides: dict[str, Any]
                    ) -> AsyncIterator[Stack]:
    """烟台高新区 (370671, receiving) and 青岛市市南区 (370202, business), all five services each;
    and 哈尔滨市道里区 (230102), running and connected, party to nothing."""
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start(["370671", "370202"])
    await stack.start(["230102"], ["routing", "ledger"])
    yield stack
    await stack.stop()
