"""Who is signed in at this console. A session lives in the console's memory only: the browser
holds a random id in an HttpOnly cookie, never a token, so a token cannot leak through a page's
script and the services see only the console's own requests. A restart signs everyone out."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

import jwt

from contracts.staff import StaffClaims

COOKIE = "tb_console"


@dataclass
class Session:
    id: str
    csrf: str
    staff: StaffClaims | None = None
    access_token: str = ""
    refresh_token: str = ""
    drafts: dict[str, dict[str, str]] = field(default_factory=dict)
    """What was typed into a form when the session expired, by the form's path: the page
    shows it again once the person has signed back in."""

    @property
    def signed_in(self) -> bool:
        return self.staff is not None and bool(self.access_token)

    def holds(self, *roles: str) -> bool:
        return self.staff is not None and any(r in self.staff.roles for r in roles)

    def take_tokens(self, answer: dict[str, str]) -> None:
        """The issuer's answer to a grant. Its claims are read without checking the
        signature: the console asked the issuer itself, over its own connection, and only
        uses them to choose what to show; every service verifies the token it is sent."""
        self.access_token = answer["access_token"]
        self.refresh_token = answer.get("refresh_token", self.refresh_token)
        claims = jwt.decode(self.access_token, options={"verify_signature": False})
        self.staff = StaffClaims.model_validate(claims)

    def expire(self) -> None:
        self.access_token = self.refresh_token = ""


class Sessions:
    def __init__(self, most: int) -> None:
        self.most = most
        self._by_id: OrderedDict[str, Session] = OrderedDict()

    def get(self, session_id: str | None) -> Session | None:
        session = self._by_id.get(session_id or "")
        if session is not None:
            self._by_id.move_to_end(session.id)
        return session

    def new(self) -> Session:
        session = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(24))
        self._by_id[session.id] = session
        while len(self._by_id) > self.most:
            self._by_id.popitem(last=False)
        return session

    def drop(self, session_id: str) -> None:
        self._by_id.pop(session_id, None)
