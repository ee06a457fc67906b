"""The single topology: one nats-server for every site, each service its own user with the
permissions of tongban.nats_permissions. `tongban up` and the tests run it on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from services.runtime.nats_server import LocalNatsServer
from tongban.nats_auth import NatsUser, Secrets, authorization, include_line, service_users

TESTS_USER = "tests"
"""The tests' own user, who may do everything: to look into any stream, as no service may."""


def single_config(port: int, store_dir: Path, include: Path, users: list[NatsUser],
                  listen_host: str = "127.0.0.1") -> str:
    return f"""# One nats-server for every site: rendered by tongban from the site directory.
listen: {listen_host}:{port}
jetstream {{ store_dir: "{store_dir}" }}
{include_line(store_dir, include)}
{authorization(users)}
"""


def start_single(store_dir: Path, sites: tuple[str, ...], secrets: Secrets,
                 tests_user: bool = False, directory: tuple[str, ...] = ()) -> LocalNatsServer:
    """A local server for these sites with fresh users, whose routing may copy files with
    every site of `directory` (by default, these); with `tests_user`, its `url` is the tests'
    own user's."""
    users = service_users(sites, "single", directory)
    if tests_user:
        users.append(NatsUser(TESTS_USER, None))
    include = secrets.include("single", [u.name for u in users])
    server = LocalNatsServer(store_dir, user=TESTS_USER if tests_user else None,
                             password=secrets.password(TESTS_USER) if tests_user else None)
    server.passwords = {u.name: secrets.password(u.name) for u in users}
    return server.start_with(lambda port: single_config(port, store_dir, include, users))
