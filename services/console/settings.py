"""Where a console runs and which services of its site it calls (TB_CONSOLE_...)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.runtime.settings import SERVICES


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TB_CONSOLE_", extra="ignore")

    site: str = Field(pattern=r"^\d{6}$", description="division code of the hall")
    issuer: str = Field(description="the identity provider staff sign in at (its /token)")
    intake_url: str = Field(default="http://127.0.0.1:8000", description="the site's intake "
                            "service, as the console reaches it")
    routing_url: str = Field(default="http://127.0.0.1:8001", description="its routing service")
    approval_url: str = Field(default="http://127.0.0.1:8002", description="its approval "
                              "service")
    delivery_url: str = Field(default="http://127.0.0.1:8003", description="its delivery "
                              "service")
    ledger_url: str = Field(default="http://127.0.0.1:8004", description="its ledger service")
    http_host: str = Field(default="127.0.0.1", description="the address the pages are served "
                           "on")
    http_port: int = Field(default=8080, description="their port (`tongban console --port` "
                           "sets it)")
    cookie_secure: bool = Field(default=True, description="send the session cookie over "
                                "HTTPS only; false only for a console on 127.0.0.1")
    sessions_max: int = Field(default=5000, ge=1, description="sessions kept; the oldest "
                              "unused one is signed out beyond")
    call_timeout_seconds: float = Field(default=10.0, gt=0, description="how long a page "
                                        "waits for a service before saying it did not answer")
    upload_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1024, description="the "
                                  "largest form a page takes (a scan with its fields); set it "
                                  "to the intake's files_max_bytes")

    def url_of(self, service: str) -> str:
        if service not in SERVICES:
            raise ValueError(f"no such service: {service}")
        return str(getattr(self, f"{service}_url")).rstrip("/")


def console_settings(**values: Any) -> ConsoleSettings:
    """Settings from the environment, `values` taking precedence."""
    return ConsoleSettings(**values)
