"""A real browser for the pages: Debian's chromium (`/usr/bin/chromium`, with fonts-noto-cjk),
driven by Playwright from PyPI; Playwright's own browser download cannot work here. Missing,
the tests fail loudly: `make test` installs it (see the README)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
QUIET = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""Without the background-networking flags chromium calls Google's hosts at every start."""
NOT_FOR_THE_BROWSER = ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC")
"""A run under libfaketime (`faketime -f +45d make test`) moves the services' clock; the
browser is not ours to move."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module, so that Playwright's own event loop is gone before the asyncio tests of
    the next module run."""
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is not at {CHROMIUM}: `make test` installs it "
                    "(apt-get install chromium fonts-noto-cjk), see the README")
    env = {k: v for k, v in os.environ.items() if k not in NOT_FOR_THE_BROWSER}
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=QUIET,
                                              env=env)
        yield launched
        launched.close()
