"""Who a test acts as: a staff member with a bearer token of the suite's own issuer.

The issuer is the real one (services/issuer), its key made for this run, served on 127.0.0.1
by a session fixture (tests/conftest.py) that points every service at it through
`TB_<SERVICE>_AUTH_ISSUER`, so services in other processes verify the same tokens. `staff()`
signs a token directly with the issuer's key, valid from 2026 for twenty years, so it holds
whatever day a test's clock shows; `sign_in()` goes through the token endpoint like a clerk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from contracts.staff import ROLES, StaffClaims
from services.issuer.accounts import Accounts
from services.issuer.app import issuer_api
from services.issuer.signing import SigningKey
from services.issuer.tokens import access_token
from services.runtime.nats_server import free_port
from services.runtime.settings import SERVICES
from tests.support.clock import RunningClock

ISSUED_AT = datetime(2026, 1, 1, tzinfo=UTC)
LONG_LIFE = timedelta(days=20 * 365)


class SuiteIssuer:
    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = Path(tempfile.mkdtemp(prefix="tb-issuer-"))
        self.accounts = Accounts(self.home / "staff.json")
        self.clock: Callable[[], datetime] = RunningClock()  # a test signing in sets its own
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def token(self, claims: StaffClaims, issued_at: datetime = ISSUED_AT,
              lifetime: timedelta = LONG_LIFE, key: SigningKey | None = None) -> str:
        return access_token(key or self.key, self.url, claims, issued_at, lifetime)

    def start(self) -> None:
        api = issuer_api(self.url, self.key, self.accounts, lambda: self.clock())
        self._server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=self.port,
                                                     log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, name="suite-issuer",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:  # time.sleep, not a timed wait: libfaketime hangs those
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the suite's issuer did not start")
            time.sleep(0.02)
        for service in SERVICES:
            os.environ[f"TB_{service.upper()}_AUTH_ISSUER"] = self.url

    def stop(self) -> None:
        for service in SERVICES:
            os.environ.pop(f"TB_{service.upper()}_AUTH_ISSUER", None)
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join()  # it stops within its 0.1 s tick; no timed wait (libfaketime)
        shutil.rmtree(self.home, ignore_errors=True)


SUITE_ISSUER = SuiteIssuer()


def claims_of(staff_id: str, *roles: str, site: str | None = None) -> StaffClaims:
    return StaffClaims(sub=staff_id, name="测试职员", site=site or staff_id.split("-")[0],
                       roles=roles)


def staff(staff_id: str, *roles: str, site: str | None = None) -> dict[str, str]:
    """The headers of a staff member in these roles at their site: the division code their
    staff id begins with ("370671-W01" works in Yantai) unless given."""
    return bearer(SUITE_ISSUER.token(claims_of(staff_id, *roles, site=site)))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def on_duty(site: str) -> dict[str, str]:
    """The headers of the site's duty officer (值班), who holds every role there: what a test's
    client sends unless a request says who acts. Which role may call which route is the
    access tests' business (tests/integration/test_access.py)."""
    return staff(f"{site}-DUTY", *ROLES)
