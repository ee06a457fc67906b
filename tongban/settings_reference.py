"""The settings reference in README.md, written from the settings classes themselves: every
variable, its default and its meaning (the field's description). `tongban settings-reference
--write README.md` puts it between the markers; a test fails when README's differs."""

from __future__ import annotations

import json
import typing
from pathlib import Path

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from services.console.settings import ConsoleSettings
from services.issuer.main import IssuerSettings
from services.runtime.secrets import is_secret
from services.runtime.settings import SERVICES, ServiceSettings

START = ("<!-- settings-reference: start (written by `tongban settings-reference --write "
         "README.md`) -->")
END = "<!-- settings-reference: end -->"

SECTIONS: tuple[tuple[str, type[BaseModel], str, str], ...] = (
    ("Every service", ServiceSettings, "TB_<SERVICE>_",
     (f"`<SERVICE>` is {', '.join(s.upper() for s in SERVICES)}: each service reads its own "
     "prefix, so one env file can hold a site's five (as `deploy/sites/<code>.env` does).")),
    ("The staff console (`tongban console`)", ConsoleSettings, "TB_CONSOLE_", ""),
    ("The local issuer (`tongban issuer`, development only)", IssuerSettings, "TB_ISSUER_", ""),
)


class Undescribed(ValueError):
    """A setting without a description: the operator could not know what it does."""


def default_of(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "unset" if not value.get_secret_value() else "(secret)"
    if isinstance(value, list):
        return f"`{json.dumps([str(v) for v in value])}`" if value else "none"
    return f"`{value}`"


def meaning_of(name: str, field: FieldInfo, prefix: str) -> str:
    if not field.description:
        raise Undescribed(f"{prefix}{name.upper()} has no description (Field(description=…))")
    meaning = field.description
    choices = [a for a in typing.get_args(field.annotation)
               if typing.get_origin(field.annotation) is typing.Literal]
    if choices:
        meaning += f" (one of {', '.join(f'`{c}`' for c in choices)})"
    if is_secret(field):
        meaning += f"; or `{prefix}{name.upper()}_FILE`, a file holding it"
    return meaning.replace("|", "\\|").replace("\n", " ")


def section(title: str, settings: type[BaseModel], prefix: str, note: str) -> list[str]:
    lines = [f"### {title}", ""]
    if note:
        lines += [note, ""]
    lines += ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in settings.model_fields.items():
        lines.append(f"| `{prefix}{name.upper()}` | {default_of(field)} | "
                     f"{meaning_of(name, field, prefix)} |")
    return [*lines, ""]


def reference() -> str:
    lines = [START, "",
             ("`TB_ENV`: `development` or `production` (the default when unset): see *Secrets "
             "and production mode*. Values given on the command line (`--site`, `--port`, "
             "`--nats-url`, `--data-dir`) win over the variables."), ""]
    for title, settings, prefix, note in SECTIONS:
        lines += section(title, settings, prefix, note)
    return "\n".join([*lines, END])


def current_in(readme: str) -> str | None:
    """The reference README holds now, markers included; None without markers."""
    if START not in readme or END not in readme:
        return None
    return readme[readme.index(START):readme.index(END) + len(END)]


def write(readme: Path) -> bool:
    """Put the reference between the markers (which must be there); True if it changed."""
    text = readme.read_text(encoding="utf-8")
    now = current_in(text)
    if now is None:
        raise ValueError(f"{readme} has no settings-reference markers: add {START!r} and "
                         f"{END!r} where it goes")
    if now == reference():
        return False
    readme.write_text(text.replace(now, reference()), encoding="utf-8")
    return True
