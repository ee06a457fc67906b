"""The console of a site over a Stack's services in the test's own loop: the console's calls
go to the services through httpx's ASGI transport, its sign-in to the suite's real issuer.
`SignedIn` is a person at that console, as a browser would be: a cookie, the page's CSRF token,
forms posted as forms."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
from fastapi import FastAPI

from services.console.app import build_console
from services.console.settings import ConsoleSettings
from services.runtime.settings import SERVICES
from tests.support.stack import Stack
from tests.support.staff import SUITE_ISSUER

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def console_for(stack: Stack, site: str) -> FastAPI:
    """Site `site`'s console, calling whichever of its services the stack runs."""
    urls = {f"{service}_url": f"http://{service}.{site}" for service in SERVICES}
    mounts: dict[str, httpx.AsyncBaseTransport] = {
        f"http://{service}.{site}": httpx.ASGITransport(app=stack.host(site, service).api)
        for service in SERVICES if f"{site}/{service}" in stack.hosts}
    settings = ConsoleSettings(site=site, issuer=SUITE_ISSUER.url, cookie_secure=False, **urls)
    return build_console(settings, mounts)


def account(staff_id: str, name: str, *roles: str, department: str = "") -> str:
    """A staff account at the suite's issuer; its password."""
    password = secrets.token_urlsafe(12)
    SUITE_ISSUER.accounts.add(staff_id, name, staff_id.split("-")[0], roles, password,
                              department)
    return password


class SignedIn:
    def __init__(self, console: FastAPI) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=console),
                                      base_url="http://console.test", follow_redirects=True)
        self.csrf = ""

    async def sign_in(self, staff_id: str, password: str) -> httpx.Response:
        await self.get("/sign-in")
        return await self.post("/sign-in", {"username": staff_id, "password": password,
                                            "next": "/"})

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.get(path, **kwargs)
        self._take_csrf(response)
        return response

    async def post(self, path: str, form: dict[str, Any] | None = None,
                   **kwargs: Any) -> httpx.Response:
        response = await self.http.post(path, data={"csrf": self.csrf, **(form or {})},
                                        **kwargs)
        self._take_csrf(response)
        return response

    def _take_csrf(self, response: httpx.Response) -> None:
        found = CSRF.search(response.text) if "text/html" in response.headers.get(
            "content-type", "") else None
        if found:
            self.csrf = found.group(1)

    async def aclose(self) -> None:
        await self.http.aclose()


async def signed_in(console: FastAPI, staff_id: str, name: str, *roles: str) -> SignedIn:
    person = SignedIn(console)
    answer = await person.sign_in(staff_id, account(staff_id, name, *roles))
    assert answer.status_code == 200, answer.text
    return person
