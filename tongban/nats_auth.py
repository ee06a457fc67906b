"""NATS users and their passwords, rendered into server configurations. Every password is
random, made once per deployment and kept in a secrets folder beside the configurations (one
file per user for the services, one include file per server): the configurations themselves
hold no secret and may be committed; the secrets folder never is."""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from services.runtime.settings import SERVICES
from tongban.nats_permissions import Permissions, service_permissions, service_user


@dataclass(frozen=True)
class NatsUser:
    name: str
    permissions: Permissions | None  # None: may do everything (the tests' own user)


def service_users(sites: tuple[str, ...], topology: str = "single",
                  directory: tuple[str, ...] = ()) -> list[NatsUser]:
    """One user per service of each site; `directory`: every site it may copy files with."""
    return [NatsUser(service_user(site, service),
                     service_permissions(site, service, topology, directory or sites))
            for site in sites for service in SERVICES]


def variable(user: str) -> str:
    """The configuration variable that holds a user's password."""
    return "PW_" + re.sub(r"\W", "_", user).upper()


def authorization(users: list[NatsUser]) -> str:
    """The `authorization` block: passwords by variable, from the server's secrets include."""
    lines = [f'  {{user: "{u.name}", password: ${variable(u.name)}'
             + (f", permissions: {json.dumps(u.permissions)}" if u.permissions else "") + "}"
             for u in users]
    return "authorization { users: [\n" + ",\n".join(lines) + "\n] }"


class Secrets:
    """The secrets folder: `<user>.password` for each user, and what each server includes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def password(self, user: str) -> str:
        """The user's password; made (random) the first time it is asked for."""
        path = self.folder / f"{user}.password"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            _write_private(path, secrets.token_urlsafe(24))
        return path.read_text().strip()

    def include(self, server: str, users: list[str], values: dict[str, object] | None = None
                ) -> Path:
        """The file a server's configuration includes: its users' passwords and other
        secret `values` (a leafnode's URLs with its password), as variables."""
        lines = [f'{variable(u)}: "{self.password(u)}"' for u in users]
        lines += [f"{name}: {json.dumps(value)}" for name, value in (values or {}).items()]
        path = self.folder / f"{server}.conf"
        _write_private(path, "\n".join(lines) + "\n")
        return path


    def service_env(self, site: str) -> Path:
        """`TB_<SERVICE>_NATS_USER` and `..._NATS_PASSWORD` of a site's services, for an
        env file (docker-compose's `env_file`)."""
        lines = [f"TB_{service.upper()}_NATS_{key}={value}" for service in SERVICES
                 for key, value in [("USER", service_user(site, service)),
                                    ("PASSWORD", self.password(service_user(site, service)))]]
        path = self.folder / f"{site}.env"
        _write_private(path, "\n".join(lines) + "\n")
        return path


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)


def include_line(config_dir: Path | str, include: Path) -> str:
    """NATS resolves an include relative to the including file's folder."""
    return f'include "{os.path.relpath(include, config_dir)}"'
