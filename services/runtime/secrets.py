"""Where secrets come from, and whether development defaults are allowed.

`TB_ENV` says which mode a process runs in: `development` (`tongban up`, the tests: development
keys and no passwords are fine) or `production`, the default, so that a deployment that forgot to
say is held to the stricter rules. Every secret setting may also come from a file named by
`<VARIABLE>_FILE`, as Docker secrets are mounted (`TB_INTAKE_SIGNING_KEY_SEED_FILE=/run/secrets/…`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

Mode = Literal["development", "production"]
MODES: tuple[Mode, ...] = get_args(Mode)


class SecretsRefused(ValueError):
    """A secret that cannot be read, or may not be used: the message names the variable."""


def run_mode(environ: Mapping[str, str] = os.environ) -> Mode:
    """The mode named by TB_ENV; production when unset."""
    value = environ.get("TB_ENV", "production")
    if value not in MODES:
        raise SecretsRefused(f"TB_ENV={value!r}: expected one of {', '.join(MODES)}")
    return value  # type: ignore[return-value]


def is_secret(field: FieldInfo) -> bool:
    return field.annotation is SecretStr or SecretStr in get_args(field.annotation)


class SecretFiles(PydanticBaseSettingsSource):
    """Each secret field from the file its `<PREFIX><FIELD>_FILE` variable names, without the
    line end an editor leaves. Naming a file that is not there, or giving both the value and
    a file, is refused rather than quietly falling back to a default."""

    def __init__(self, settings_cls: type[BaseSettings],
                 environ: Mapping[str, str] = os.environ) -> None:
        super().__init__(settings_cls)
        self.prefix = str(settings_cls.model_config.get("env_prefix", "")).upper()
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every secret field at once

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            variable = f"{self.prefix}{name.upper()}"
            path = self.environ.get(f"{variable}_FILE")
            if not is_secret(field) or path is None:
                continue
            if variable in self.environ:
                raise SecretsRefused(f"{variable} and {variable}_FILE are both set: give one")
            values[name] = read_secret_file(f"{variable}_FILE", Path(path))
        return values


def read_secret_file(variable: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except FileNotFoundError:
        raise SecretsRefused(f"{variable} names {path}, which does not exist") from None
    except OSError as error:
        raise SecretsRefused(f"{variable} names {path}, which cannot be read: "
                             f"{error.strerror}") from None
