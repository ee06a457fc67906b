"""`tongban console` refuses to start on settings a hall must not run with, saying which."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tongban.cli import app


def test_a_console_without_its_identity_provider_names_the_missing_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TB_CONSOLE_ISSUER", raising=False)
    result = CliRunner().invoke(app, ["console", "--site", "370671"])
    assert result.exit_code == 2
    assert "TB_CONSOLE_ISSUER" in result.output


def test_a_production_console_refuses_a_session_cookie_without_tls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TB_ENV", "production")
    monkeypatch.setenv("TB_CONSOLE_ISSUER", "https://idp.example.gov.cn/realms/staff")
    monkeypatch.setenv("TB_CONSOLE_COOKIE_SECURE", "false")
    result = CliRunner().invoke(app, ["console", "--site", "370671"])
    assert result.exit_code == 2
    assert "TB_CONSOLE_COOKIE_SECURE=false is for development only" in result.output
