"""The two demo halls in a real browser, as `tongban up` runs them: the staff console and every
service's API page, with nothing asked of any host but 127.0.0.1 (a hall's network has no way
out); what a window clerk is shown and refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from services.runtime.settings import SERVICES
from tests.browser.hall import Halls, hosts_asked, running_halls, sign_in


@pytest.fixture(scope="module")
def halls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Halls]:
    yield from running_halls(tmp_path_factory.mktemp("halls") / "data")


def test_a_clerk_is_not_shown_approval_or_audit_and_is_refused_if_she_types_them(
    halls: Halls, browser: Browser, tmp_path: Path,
) -> None:
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    try:
        sign_in(page, halls, "370671", "370671-W01")
        nav = page.get_by_role("navigation", name="栏目")
        shown = nav.get_by_role("link").all_inner_texts()
        page.screenshot(path=str(tmp_path / "clerk-home.png"))
        answers = {}
        for path in ("/approval", "/audit"):
            response = page.goto(f"{halls.consoles['370671']}{path}")
            assert response is not None
            answers[path] = (response.status, page.get_by_role("alert").inner_text())
    finally:
        page.close()

    assert "综合窗口" in shown and "审批" not in shown and "审计" not in shown
    assert answers == {"/approval": (403, "您的岗位无权访问此页面。"),
                       "/audit": (403, "您的岗位无权访问此页面。")}
    assert hosts_asked(asked) == {"127.0.0.1"}, f"asked of other hosts: {sorted(asked)}"


def test_every_service_api_page_renders_its_operations_from_the_hall_alone(
    halls: Halls, browser: Browser, tmp_path: Path,
) -> None:
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    titles = {}
    try:
        for service in SERVICES:
            page.goto(f"{halls.services[f'370671/{service}']}/docs")
            page.wait_for_selector(".opblock-tag", timeout=30_000)  # the operations, by tag
            titles[service] = page.inner_text(".swagger-ui .info .title")
        page.screenshot(path=str(tmp_path / "ledger-docs.png"))
    finally:
        page.close()

    assert all(f"tongban {service} 370671" in titles[service] for service in SERVICES), titles
    assert hosts_asked(asked) == {"127.0.0.1"}, f"asked of other hosts: {sorted(asked)}"
