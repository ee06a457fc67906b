"""Every page of the console names who may see it: asked without signing in, each sends the
browser to sign in and calls no service (the console here has no service to call at all)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from services.console.app import PAGES, build_console
from services.console.settings import ConsoleSettings

OPEN = {("GET", "/sign-in"), ("POST", "/sign-in")}  # where signing in happens
ROUTES = [(method, route.path) for module in PAGES
          for route in module.router.routes if isinstance(route, APIRoute)
          for method in sorted(route.methods) if (method, route.path) not in OPEN]
CASE = "5f0c2a4e-8a8b-4f1e-9d3c-2b7a4c1e9f00"


@pytest.fixture(scope="module")
def console() -> FastAPI:
    settings = ConsoleSettings(site="370671", issuer="http://127.0.0.1:9/", cookie_secure=False,
                               **{f"{s}_url": "http://127.0.0.1:9" for s in (
                                   "intake", "routing", "approval", "delivery", "ledger")})
    return build_console(settings)


def test_the_console_has_pages_for_every_section() -> None:
    assert {path.split("/")[1] for _, path in ROUTES} >= {
        "guide", "window", "approval", "delivery", "supervision", "reviews", "audit"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_a_page_asked_without_signing_in_sends_the_browser_to_sign_in(
    console: FastAPI, method: str, path: str,
) -> None:
    concrete = re.sub(r"\{[^}]+\}", CASE, path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=console),
                                 base_url="http://console.test") as nobody:
        answer = await nobody.request(method, concrete,
                                      data={"csrf": "x"} if method == "POST" else None)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/sign-in?next=")


async def test_a_form_larger_than_the_console_takes_is_refused_before_it_is_read() -> None:
    settings = ConsoleSettings(site="370671", issuer="http://127.0.0.1:9/", cookie_secure=False,
                               upload_max_bytes=4096)
    scan = b"%PDF-1.7\n" + b"0" * 8192 + b"\n%%EOF\n"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_console(settings)),
                                 base_url="http://console.test") as clerk:
        answer = await clerk.post(f"/window/cases/{CASE}/files", data={"csrf": "x"},
                                  files={"file": ("营业执照.pdf", scan, "application/pdf")})
    assert answer.status_code == 413 and "提交的内容超过 4 KB" in answer.text
