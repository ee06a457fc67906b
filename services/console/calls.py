"""Calling the site's services as the signed-in person: their token on every request, one
refresh when a service says it has expired, and a service's refusal turned into what a page
shows beside the fields it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.console.sessions import Session
from services.console.settings import ConsoleSettings


class SessionExpired(Exception):
    """Neither the access token nor the refresh token is accepted: sign in again."""


class ServiceUnavailable(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


@dataclass(frozen=True)
class Refusal:
    """A service's 4xx: `errors` as the service gave them ({field, reason, rule})."""

    status: int
    errors: tuple[dict[str, str], ...]

    @classmethod
    def of(cls, response: httpx.Response) -> Refusal:
        try:
            errors = response.json().get("errors") or []
        except ValueError:
            errors = []
        if not errors:
            errors = [{"field": "request", "reason": f"请求未被接受（{response.status_code}）",
                       "rule": f"http_{response.status_code}"}]
        return cls(response.status_code, tuple(errors))

    def by_field(self, names: dict[str, str] | None = None) -> dict[str, str]:
        """Reasons keyed by the form's field: `names` maps a service's field (as it names it,
        e.g. `applicant.id_number`) to the form's; a field not mapped keeps its own name."""
        found: dict[str, str] = {}
        for error in self.errors:
            name = (names or {}).get(error.get("field", ""), error.get("field", "request"))
            found.setdefault(name, error.get("reason", ""))
        return found


class ServiceCalls:
    def __init__(self, settings: ConsoleSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http

    async def __call__(self, session: Session, service: str, method: str, path: str,
                       **kwargs: Any) -> httpx.Response:
        """The service's answer; SessionExpired when the person must sign in again."""
        if not session.signed_in:
            raise SessionExpired
        response = await self._send(session, service, method, path, **kwargs)
        if response.status_code == 401 and await self.refresh(session):
            response = await self._send(session, service, method, path, **kwargs)
        if response.status_code == 401:
            session.expire()
            raise SessionExpired
        return response

    async def opened(self, session: Session, service: str, path: str,
                     params: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> httpx.Response:
        """A GET whose body is not read yet, for a file passed on as it streams (never whole
        in the console's memory); the caller closes it. Refreshed once like every call."""
        if not session.signed_in:
            raise SessionExpired

        async def open_() -> httpx.Response:
            asked = self.http.build_request(
                "GET", f"{self.settings.url_of(service)}{path}", params=params,
                headers={**(headers or {}), "Authorization": f"Bearer {session.access_token}"})
            try:
                return await self.http.send(asked, stream=True)
            except httpx.TransportError:
                raise ServiceUnavailable(service) from None

        answer = await open_()
        if answer.status_code == 401:
            await answer.aclose()
            answer = await open_() if await self.refresh(session) else answer
        if answer.status_code == 401:
            await answer.aclose()
            session.expire()
            raise SessionExpired
        return answer

    async def _send(self, session: Session, service: str, method: str, path: str,
                    **kwargs: Any) -> httpx.Response:
        headers = {**kwargs.pop("headers", {}),
                   "Authorization": f"Bearer {session.access_token}"}
        try:
            return await self.http.request(method, f"{self.settings.url_of(service)}{path}",
                                           headers=headers, **kwargs)
        except httpx.TransportError:
            raise ServiceUnavailable(service) from None

    async def sign_in(self, username: str, password: str) -> httpx.Response:
        return await self._grant({"grant_type": "password", "username": username,
                                  "password": password})

    async def refresh(self, session: Session) -> bool:
        if not session.refresh_token:
            return False
        answer = await self._grant({"grant_type": "refresh_token",
                                    "refresh_token": session.refresh_token})
        if answer.status_code != 200:
            return False
        session.take_tokens(answer.json())
        return True

    async def _grant(self, form: dict[str, str]) -> httpx.Response:
        try:
            return await self.http.post(f"{self.settings.issuer.rstrip('/')}/token", data=form)
        except httpx.TransportError:
            raise ServiceUnavailable("issuer") from None
