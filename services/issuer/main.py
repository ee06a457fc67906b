"""Run the local issuer: its key and accounts under <data_dir>/issuer, on one port."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.issuer.accounts import Accounts
from services.issuer.app import issuer_api
from services.issuer.signing import SigningKey


class IssuerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TB_ISSUER_", extra="ignore")

    url: str | None = Field(default=None, description="the URL staff and services reach it at "
                            "(the `iss` of its tokens); http://<host>:<port> when unset")
    http_host: str = Field(default="127.0.0.1", description="the address it listens on")
    http_port: int = Field(default=8090, description="its port (`tongban issuer --port` sets it)")
    data_dir: Path = Field(default=Path("data"), description="its key and staff accounts under "
                           "`<data_dir>/issuer`")
    access_minutes: int = Field(default=15, ge=1, le=60, description="how long an access token "
                                "lasts")
    refresh_hours: int = Field(default=10, ge=1, le=24, description="a working day: sign in "
                               "once in the morning")
    clock_shift_seconds: float = Field(default=0.0, description="run this many seconds ahead "
                                       "of the system clock: for drills and tests")

    @property
    def issuer_url(self) -> str:
        return (self.url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @property
    def home(self) -> Path:
        return self.data_dir / "issuer"


def accounts_of(settings: IssuerSettings) -> Accounts:
    return Accounts(settings.home / "staff.json")


def clock_of(settings: IssuerSettings) -> Callable[[], datetime]:
    shift = timedelta(seconds=settings.clock_shift_seconds)
    return lambda: datetime.now(UTC) + shift


def serve(settings: IssuerSettings) -> None:
    api = issuer_api(settings.issuer_url, SigningKey.in_file(settings.home / "signing-key.pem"),
                     accounts_of(settings), clock_of(settings),
                     timedelta(minutes=settings.access_minutes),
                     timedelta(hours=settings.refresh_hours))
    uvicorn.run(api, host=settings.http_host, port=settings.http_port, log_level="warning")
