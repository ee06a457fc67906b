"""The two demo halls as a new user runs them (`tongban up`: every service, the issuer and a
console per site as processes on 127.0.0.1), and staff signing in at a console in the browser."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page

from tests.support.clock import RunningClock
from tongban.registry import BUILDERS


@dataclass(frozen=True)
class Halls:
    data: Path
    consoles: dict[str, str]
    services: dict[str, str]
    passwords: dict[str, str]


def running_halls(data: Path) -> Iterator[Halls]:
    up = subprocess.Popen([sys.executable, "-m", "tongban", "up", "--data-dir", str(data),
                           "--base-port", "0"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          env={**os.environ, **RunningClock().env(*BUILDERS, "issuer")})
    try:
        deadline = time.monotonic() + 90
        while not (data / "stack.json").exists():
            assert up.poll() is None, "tongban up exited early"
            assert time.monotonic() < deadline, "tongban up did not become ready"
            time.sleep(0.2)
        stack = json.loads((data / "stack.json").read_text())
        yield Halls(data, stack["consoles"],
                    {f"{s['site']}/{s['service']}": s["url"] for s in stack["services"]},
                    json.loads((data / "issuer" / "demo-passwords.json").read_text()))
    finally:
        up.send_signal(signal.SIGINT)
        up.communicate(timeout=60)


def sign_in(page: Page, halls: Halls, site: str, staff_id: str) -> None:
    page.goto(f"{halls.consoles[site]}/sign-in")
    page.get_by_label("工号").fill(staff_id)
    page.get_by_label("密码").fill(halls.passwords[staff_id])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{halls.consoles[site]}/")


def hosts_asked(urls: list[str]) -> set[str | None]:
    return {urlparse(url).hostname for url in urls if not url.startswith(("data:", "blob:"))}
