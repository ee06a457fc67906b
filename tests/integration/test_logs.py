"""A service's log as an operator reads it: one JSON line per record in production, ours and
the libraries', each request's lines carrying the correlation id its response returns, an
access line by route template, and the level the settings name."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import nats
import nats.errors
import pytest
import structlog
import uvicorn

from services.intake.main import build
from services.runtime.access import ops_route
from services.runtime.host import ServiceHost
from services.runtime.logging import LIBRARIES, URL_WRITERS, configure_logging
from services.runtime.settings import for_service
from tests.support.clock import FakeClock
from tests.support.stack import WANG_QIANG
from tests.support.staff import on_duty

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def production_log() -> Iterator[tuple[io.StringIO, Lines]]:
    """What a production service writes to stderr, captured; the test's logging put back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    libraries = {name: (logging.getLogger(name).level, logging.getLogger(name).propagate,
                        list(logging.getLogger(name).handlers))
                 for name in (*LIBRARIES, *URL_WRITERS)}
    out = io.StringIO()
    yield out, lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    root.handlers[:], root.level = handlers, level
    for name, (was, propagate, kept) in libraries.items():  # the suite issuer's uvicorn's
        library = logging.getLogger(name)
        library.level, library.propagate, library.handlers[:] = was, propagate, kept
    structlog.reset_defaults()


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    """Yantai's window service, its store on SQLite; no NATS needed for what is asked here."""
    host = build(for_service("intake", site="370671", data_dir=tmp_path), FakeClock())

    @host.api.get("/library-work", dependencies=[ops_route])
    async def library_work() -> dict[str, str]:
        """What a library does during a request: a record on its stdlib logger."""
        logging.getLogger("eventsourcing.persistence").warning("slow select")
        return {}

    yield host
    host.store.close()


def client(host: ServiceHost) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                             base_url="http://intake.370671", headers=on_duty("370671"))


async def test_each_request_s_lines_carry_the_correlation_id_its_response_returns(
        intake: ServiceHost, production_log: tuple[io.StringIO, Lines]) -> None:
    out, lines = production_log
    configure_logging("INFO", "production", out)
    given = uuid4()
    async with client(intake) as window:
        first = await window.get("/library-work", headers={"X-Correlation-Id": str(given)})
        second = await window.get("/library-work")
        refused = await window.get("/cases", headers={"Authorization": "Bearer not-a-token"})
    assert first.headers["X-Correlation-Id"] == str(given)
    chosen = second.headers["X-Correlation-Id"]
    assert chosen != str(given) and refused.status_code == 401
    by_id: dict[str, list[dict[str, Any]]] = {}
    for line in lines():
        by_id.setdefault(line.get("correlation_id", ""), []).append(line)
    for correlation in (str(given), chosen):
        assert [(e["logger"], e["event"]) for e in by_id[correlation]] == [
            ("eventsourcing.persistence", "slow select"), ("tongban.http", "http_request")]
    assert [e["event"] for e in by_id[refused.headers["X-Correlation-Id"]]] == [
        "access_refused", "http_request"]


async def test_the_access_line_names_the_route_template_and_status_never_the_values(
        intake: ServiceHost, production_log: tuple[io.StringIO, Lines]) -> None:
    out, lines = production_log
    configure_logging("INFO", "production", out)
    case_id = uuid4()
    async with client(intake) as window:
        unknown = await window.get(f"/cases/{case_id}")
        progress = await window.get("/progress", params={
            "case_number": "3706712611300001", "id_number": WANG_QIANG["id_number"],
            "query_code": "K7Q2M9"})
        await window.get("/healthz")  # polled: not at INFO
    access = [(e["method"], e["route"], e["status"]) for e in lines()
              if e["event"] == "http_request"]
    assert access == [("GET", "/cases/{case_id}", unknown.status_code),
                      ("GET", "/progress", progress.status_code)]
    assert unknown.status_code == 404 and progress.status_code in (404, 422)
    written = out.getvalue()
    for value in (str(case_id), WANG_QIANG["id_number"], "3706712611300001", "K7Q2M9"):
        assert value not in written


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_uvicorn_nats_and_eventsourcing_records_come_out_as_json_lines(
        intake: ServiceHost, production_log: tuple[io.StringIO, Lines]) -> None:
    out, lines = production_log
    configure_logging("INFO", "production", out)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(intake.api, host="127.0.0.1", port=port,
                                           log_config=None, access_log=False, lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            while not server.started:
                await asyncio.sleep(0.02)
            answered = await http.get("/cases/not-a-case", headers=on_duty("370671"))
    finally:
        server.should_exit = True
        await serving
    with pytest.raises(nats.errors.NoServersError):  # nothing listens there: nats-py says so
        await nats.connect(f"nats://127.0.0.1:{_free_port()}", max_reconnect_attempts=1,
                           reconnect_time_wait=0.05, connect_timeout=1)
    logging.getLogger("eventsourcing.postgres").error("connection lost")  # as its pool does
    written = lines()  # every line JSON, or this fails
    loggers = {e["logger"] for e in written}
    assert {"uvicorn.error", "nats.aio.client", "eventsourcing.postgres",
            "tongban.http"} <= loggers and "uvicorn.access" not in loggers
    assert all({"event", "level", "timestamp"} <= e.keys() for e in written)
    nats_error = next(e for e in written if e["logger"] == "nats.aio.client")
    assert nats_error["level"] == "error" and "exception" in nats_error
    access = next(e for e in written if e["event"] == "http_request")
    assert access["route"] == "/cases/{case_id}" and access["status"] == answered.status_code
    assert "not-a-case" not in out.getvalue()


async def test_the_log_level_setting_leaves_out_what_is_less_severe(
        intake: ServiceHost, production_log: tuple[io.StringIO, Lines],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out, lines = production_log
    monkeypatch.setenv("TB_INTAKE_LOG_LEVEL", "WARNING")
    settings = for_service("intake", site="370671")
    assert settings.log_level == "WARNING"
    configure_logging(settings.log_level, "production", out)
    async with client(intake) as window:
        await window.get("/library-work")
        await window.get("/cases", headers={"Authorization": "Bearer not-a-token"})
    logging.getLogger("uvicorn.error").info("Started server process")
    structlog.get_logger().info("service_started")
    assert [e["event"] for e in lines()] == ["slow select", "access_refused"]

    configure_logging("DEBUG", "development", out)  # readable lines, the polled routes too
    out.seek(0)
    out.truncate()
    async with client(intake) as window:
        await window.get("/healthz")
    written = out.getvalue()
    assert "http_request" in written and "/healthz" in written
    assert not written.lstrip().startswith("{")
