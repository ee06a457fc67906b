"""README's settings reference is what `tongban settings-reference` writes from the settings
classes: a setting added, renamed, re-defaulted or described anew without running the command
fails here, and so does a setting with no description."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field
from typer.testing import CliRunner

from services.runtime.settings import ServiceSettings
from tongban.cli import app
from tongban.settings_reference import Undescribed, current_in, reference, section

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_holds_the_settings_reference_the_command_writes() -> None:
    printed = CliRunner().invoke(app, ["settings-reference"])
    assert printed.exit_code == 0
    assert current_in(README.read_text(encoding="utf-8")) == reference() == printed.output.strip()


def test_every_variable_is_listed_with_its_default_and_meaning(tmp_path: Path) -> None:
    text = reference()
    for name in ServiceSettings.model_fields:
        assert f"| `TB_<SERVICE>_{name.upper()}` |" in text
    assert ("| `TB_<SERVICE>_STORE` | `sqlite` | where events and read tables are kept (one of "
            "`sqlite`, `postgres`) |") in text
    assert "`TB_<SERVICE>_SIGNING_KEY_SEED_FILE`, a file holding it" in text
    assert "| `TB_CONSOLE_ISSUER` | required |" in text
    assert "| `TB_ISSUER_ACCESS_MINUTES` | `15` |" in text

    stale = tmp_path / "README.md"  # a README whose section is out of date is brought current
    stale.write_text(README.read_text(encoding="utf-8").replace("`sqlite` |", "`postgres` |"))
    written = CliRunner().invoke(app, ["settings-reference", "--write", str(stale)])
    assert written.exit_code == 0 and "updated" in written.output
    assert current_in(stale.read_text(encoding="utf-8")) == reference()


def test_a_setting_without_a_description_is_refused() -> None:
    class Hall(ServiceSettings):
        queue_display_url: str = Field(default="http://127.0.0.1:9000")

    with pytest.raises(Undescribed, match="TB_<SERVICE>_QUEUE_DISPLAY_URL"):
        section("hall", Hall, "TB_<SERVICE>_", "")
