"""A service's API pages render in a real browser with nothing asked of any host but the
service itself: the hall's network has no way out (issue 19, its first page)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn
from playwright.sync_api import Browser

from services.ledger.main import build
from services.runtime.nats_server import free_port
from services.runtime.settings import for_service
from tests.support.clock import FakeClock


@pytest.fixture
def ledger_pages(tmp_path: Path) -> Iterator[str]:
    """Yantai's ledger answering HTTP on 127.0.0.1 (its pages need no NATS)."""
    host = build(for_service("ledger", site="370671", data_dir=tmp_path), FakeClock())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(host.api, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="ledger-pages", daemon=True)
    thread.start()
    while not server.started:  # time.sleep, not a timed wait: libfaketime hangs those
        assert thread.is_alive(), "the ledger's HTTP server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join()
    host.store.close()


def test_the_api_page_renders_with_no_request_leaving_the_machine(
    ledger_pages: str, browser: Browser, tmp_path: Path,
) -> None:
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    try:
        page.goto(f"{ledger_pages}/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        page.wait_for_selector(".opblock-tag", timeout=30_000)  # the operations, by tag
        assert "tongban ledger 370671" in page.inner_text(".swagger-ui .info .title")
        page.screenshot(path=str(tmp_path / "docs.png"))
    finally:
        page.close()
    hosts = {urlparse(url).hostname for url in asked if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"asked of other hosts: {sorted(asked)}"
