"""The people of the walkthrough, each in their own browser context (their own cookies), every
request any of them makes kept, and a screenshot of every page they reach."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.browser.hall import Halls

UNLABELLED = """() => [...document.querySelectorAll(
  'input:not([type=hidden]), select, textarea')].filter(
  e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.name)"""


class Walk:
    def __init__(self, browser: Browser, halls: Halls, shots: Path) -> None:
        self.browser, self.halls, self.shots = browser, halls, shots
        self.asked: list[str] = []
        self.unlabelled: dict[str, list[str]] = {}
        self.shot = 0

    def person(self, site: str, staff_id: str) -> Page:
        """Signed in at their hall's console with the keyboard alone."""
        page = self.browser.new_context(viewport={"width": 1280, "height": 900},
                                        accept_downloads=True).new_page()
        page.on("request", lambda request: self.asked.append(request.url))
        page.goto(f"{self.halls.consoles[site]}/sign-in")
        # 工号 has the focus once the page opens (autofocus lands at the next rendering)
        page.wait_for_function("document.activeElement?.name === 'username'")
        page.keyboard.type(staff_id)
        page.keyboard.press("Tab")
        page.keyboard.type(self.halls.passwords[staff_id])
        page.keyboard.press("Enter")
        page.wait_for_url(f"{self.halls.consoles[site]}/")
        return page

    def seen(self, page: Page, name: str) -> None:
        """A screenshot of the page, and every field on it checked for its label."""
        self.shot += 1
        page.screenshot(path=str(self.shots / f"{self.shot:02d}-{name}.png"), full_page=True)
        missing = page.evaluate(UNLABELLED)
        if missing:
            self.unlabelled[name] = missing


def until(page: Page, shown: Callable[[], bool], timeout: float = 60) -> None:
    """Reload the page until `shown` (the other site's part arrives over NATS meanwhile)."""
    deadline = time.monotonic() + timeout
    while not shown():
        assert time.monotonic() < deadline, f"not shown in time on {page.url}"
        time.sleep(0.5)
        page.reload()


def a4_pages(page: Page) -> int:
    """The pages the document prints on, A4."""
    pdf = page.pdf(format="A4", print_background=False)
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))
