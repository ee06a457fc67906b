"""The deployment sketch, checked without a Docker engine: docker-compose.yml and the files under
deploy/ must agree with each other and with how `tongban serve` reads its settings."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.console.settings import ConsoleSettings
from services.runtime.nats_server import nats_server_binary
from services.runtime.secrets import is_secret
from services.runtime.settings import SERVICES, ServiceSettings, for_service
from tongban.nats_auth import service_users
from tongban.stack import DEMO_SITES, console_ports, plan
from tongban.topology import COMPOSE_PORTS, render

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
HUB = ("hub-1", "hub-2", "hub-3")
RENDERED = ROOT / "deploy" / "nats" / "secrets"  # made by `tongban deploy render`, not committed
SITE_NATS = tuple(f"nats-{site}" for site in DEMO_SITES)
INFRA = (*HUB, *SITE_NATS, "postgres")
SITE_SERVICES = [f"{service}-{site}" for site in DEMO_SITES for service in SERVICES]
CONSOLES = [f"console-{site}" for site in DEMO_SITES]
# `tongban serve` always passes these as overrides, so the same keys in an env file are dead config.
SET_BY_COMMAND = ("SITE", "HTTP_PORT", "NATS_URL", "DATA_DIR")
RUN_SECRETS = "/run/secrets"


def spec(name: str) -> dict[str, Any]:
    return COMPOSE["services"][name]


def option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def env_files(name: str) -> list[Path]:
    entries = spec(name).get("env_file", [])
    entries = [entries] if isinstance(entries, str) else entries
    return [ROOT / (e if isinstance(e, str) else e["path"]) for e in entries]


def read_env_file(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {key.strip(): value.strip() for key, value in pairs}


def site_env(site: str) -> dict[str, str]:
    return read_env_file(ROOT / "deploy" / "sites" / f"{site}.env")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, check=False, capture_output=True, text=True, timeout=60)


def test_both_demo_sites_run_all_five_services() -> None:
    assert set(SITE_SERVICES) <= set(COMPOSE["services"])
    assert set(COMPOSE["services"]) == set(SITE_SERVICES) | set(INFRA) | set(CONSOLES)


@pytest.mark.parametrize("name", SITE_SERVICES)
def test_service_is_built_from_the_deploy_dockerfile(name: str) -> None:
    service = spec(name)
    assert "build" in service or "image" in service
    if "build" in service:
        assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


@pytest.mark.parametrize("name", SITE_SERVICES)
def test_service_health_is_its_readyz_endpoint(name: str) -> None:
    check = " ".join(spec(name)["healthcheck"]["test"])
    assert "/readyz" in check
    assert f":{option(spec(name)['command'], '--port')}/" in check


@pytest.mark.parametrize("name", SITE_SERVICES)
def test_service_starts_after_its_sites_nats_and_postgres_are_healthy(name: str) -> None:
    site = name.rsplit("-", 1)[1]
    depends_on = spec(name)["depends_on"]
    assert set(depends_on) == {"postgres", f"nats-{site}"}
    for infra in depends_on:
        assert depends_on[infra]["condition"] == "service_healthy"
        assert spec(infra)["healthcheck"]["test"], f"{infra} can never become healthy"


@pytest.mark.parametrize("name", [*SITE_SERVICES, *INFRA])
def test_everything_is_on_the_tongban_network(name: str) -> None:
    assert "tongban" in spec(name)["networks"]
    assert "tongban" in COMPOSE["networks"]


@pytest.mark.parametrize("name", SITE_SERVICES)
def test_service_signs_in_to_nats_as_its_own_user_with_the_password_render_made(
    name: str, tmp_path: Path,
) -> None:
    site, service = name.rsplit("-", 1)[1], name.rsplit("-", 1)[0]
    assert env_files(name) == [ROOT / "deploy" / "sites" / f"{site}.env"]
    env, secret = site_env(site), f"nats-{site}-{service}-password"
    assert env[f"TB_{service.upper()}_NATS_USER"] == f"{site}-{service}"
    assert env[f"TB_{service.upper()}_NATS_PASSWORD_FILE"] == f"{RUN_SECRETS}/{secret}"
    assert secret in spec(name)["secrets"]
    password_file = COMPOSE["secrets"][secret]["file"]
    assert password_file == f"./deploy/nats/secrets/{site}-{service}.password"
    render(tmp_path, DEMO_SITES)  # what `tongban deploy render` makes there
    assert (tmp_path / "secrets" / f"{site}-{service}.password").read_text()


@pytest.mark.parametrize("name", [*SITE_SERVICES, *INFRA])
def test_published_ports_bind_to_loopback_only(name: str) -> None:
    for port in spec(name).get("ports", []):
        host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
        assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond this machine"


def test_host_ports_follow_the_tongban_up_layout() -> None:
    for expected in plan(DEMO_SITES, 8100):
        (published,) = spec(f"{expected.service}-{expected.site}")["ports"]
        assert published == f"127.0.0.1:{expected.port}:8000"


@pytest.mark.parametrize("name", [*SITE_SERVICES, *INFRA])
def test_every_referenced_file_exists_or_is_made_by_render(name: str) -> None:
    for path in env_files(name):
        assert path.is_file() or path.parent == RENDERED, path
    for volume in spec(name).get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("./deploy/nats/secrets/"):
            continue
        if source.startswith("."):
            assert (ROOT / source).exists(), source
        else:
            assert source in COMPOSE["volumes"], f"named volume {source} is not declared"


@pytest.mark.parametrize("name", SITE_SERVICES)
def test_command_serves_the_service_and_site_in_its_name(name: str) -> None:
    service, site = name.rsplit("-", 1)
    command = spec(name)["command"]
    assert command[:2] == ["serve", service]
    assert option(command, "--site") == site
    assert option(command, "--nats-url") == f"nats://nats-{site}:4222"  # its own site's


@pytest.mark.parametrize("site", DEMO_SITES)
def test_env_file_keys_belong_to_a_known_service(site: str) -> None:
    prefixes = tuple(f"TB_{service.upper()}_" for service in (*SERVICES, "console"))
    env = site_env(site)
    assert env
    assert all(key.startswith(prefixes) for key in env), sorted(env)
    assert not [key for key in env if key.endswith(SET_BY_COMMAND)]


def mounted_secrets(tmp_path: Path, name: str) -> dict[str, Path]:
    """The container's /run/secrets as files here, each holding a value named after it."""
    mounted = {}
    for secret in spec(name)["secrets"]:
        mounted[f"{RUN_SECRETS}/{secret}"] = tmp_path / secret
        (tmp_path / secret).write_text(f"value of {secret}\n")
    return mounted


@pytest.mark.parametrize("site", DEMO_SITES)
@pytest.mark.parametrize("service", SERVICES)
def test_env_file_points_the_service_at_the_compose_postgres(
    site: str, service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    mounted = mounted_secrets(tmp_path, f"{service}-{site}")
    for key, value in site_env(site).items():
        if not key.startswith(f"TB_{service.upper()}_"):
            continue  # another service's, with its own secrets
        monkeypatch.setenv(key, str(mounted[value]) if key.endswith("_FILE") else value)
    settings = for_service(service, site=site)
    postgres = spec("postgres")["environment"]
    assert settings.store == "postgres"
    assert settings.postgres_host == "postgres"
    assert settings.postgres_dbname == postgres["POSTGRES_DB"]
    assert settings.postgres_user == postgres["POSTGRES_USER"]
    postgres_secret = postgres["POSTGRES_PASSWORD_FILE"].removeprefix(f"{RUN_SECRETS}/")
    assert postgres_secret in spec("postgres")["secrets"]
    assert settings.postgres_password.get_secret_value() == f"value of {postgres_secret}"
    assert settings.http_host == "0.0.0.0"
    assert settings.topology == "hub"


@pytest.mark.parametrize("name", SITE_SERVICES)
def test_every_service_runs_in_production_mode_with_its_own_sites_secrets(name: str) -> None:
    """Production: a development key or default password stops it (tongban/preflight.py)."""
    site = name.rsplit("-", 1)[1]
    assert spec(name)["environment"]["TB_ENV"] == "production"
    service = name.rsplit("-", 1)[0].upper()
    assert sorted(spec(name)["secrets"]) == sorted([
        "postgres-password", f"{site}-signing-key-seed", f"{site}-personal-data-key",
        f"nats-{site}-{service.lower()}-password"])
    mounted = {f"{RUN_SECRETS}/{secret}" for secret in spec(name)["secrets"]}
    env = site_env(site)
    for field in ("SIGNING_KEY_SEED", "NATS_PASSWORD", "POSTGRES_PASSWORD"):
        assert env[f"TB_{service}_{field}_FILE"] in mounted
    targets = {c["target"] for c in spec(name)["configs"]}
    assert {f"{env[f'TB_{service}_CATALOGUE_DIR']}/{f}" for f in
            ("sites.json", "matters.json")} == targets


def test_no_secret_value_is_written_in_the_compose_file_or_the_env_files() -> None:
    """Only where a secret is: a `..._FILE` variable or a `secrets:` entry, never the value."""
    secret_fields = tuple(name.upper() for name, field in ServiceSettings.model_fields.items()
                          if is_secret(field))
    written = [(name, key) for name, service in COMPOSE["services"].items()
               for key in service.get("environment", {})
               if key.endswith(("PASSWORD", "SECRET", "SEED"))]
    written += [(site, key) for site in DEMO_SITES for key in site_env(site)
                if key.endswith(secret_fields)]
    assert written == []


def test_every_secret_file_is_made_for_the_deployment_and_never_committed() -> None:
    """The operator's (deploy/secrets) and those `tongban deploy render` makes (NATS)."""
    files = [secret["file"] for secret in COMPOSE["secrets"].values()]
    assert files and all(f.startswith(("./deploy/secrets/", "./deploy/nats/secrets/"))
                         for f in files)
    ignored = run("git", "check-ignore", *files, "deploy/directory/sites.json")
    assert ignored.stdout.split() == [*files, "deploy/directory/sites.json"]
    tracked = run("git", "ls-files", "deploy/secrets", "deploy/nats/secrets", "deploy/directory")
    assert tracked.stdout == ""
    assert (ROOT / COMPOSE["configs"]["matters"]["file"]).is_file()  # the packaged catalogue


@pytest.mark.parametrize("name", INFRA[:-1])
def test_each_nats_server_runs_its_rendered_config_which_nats_server_accepts(
    name: str, tmp_path: Path,
) -> None:
    file = "site-" + name.split("-", 1)[1] if name.startswith("nats-") else name
    conf = ROOT / "deploy" / "nats" / f"{file}.conf"
    assert spec(name)["command"] == ["-c", f"/etc/nats/{file}.conf"]
    assert f"./deploy/nats/{file}.conf:/etc/nats/{file}.conf:ro" in spec(name)["volumes"]
    include = next(line.split('"')[1] for line in conf.read_text().splitlines()
                   if line.startswith("include "))
    assert f"./deploy/nats/{include}:/etc/nats/{include}:ro" in spec(name)["volumes"]
    render(tmp_path, DEMO_SITES)  # the passwords are made by render, never committed
    (tmp_path / conf.name).write_text(conf.read_text())
    checked = run(nats_server_binary(), "-c", str(tmp_path / conf.name), "-t")
    assert checked.returncode == 0, checked.stderr


def test_the_nats_configs_are_what_deploy_render_makes_from_the_directory(
    tmp_path: Path,
) -> None:
    """Rendered, not written by hand: the committed files cannot drift from the renderer."""
    for path in render(tmp_path, DEMO_SITES):
        assert path.read_text() == (ROOT / "deploy" / "nats" / path.name).read_text(), path.name


def test_every_nats_password_is_random_per_deployment_and_kept_out_of_the_configs(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    configs = render(first, DEMO_SITES)
    render(second, DEMO_SITES)
    passwords = {p.name: p.read_text() for p in (first / "secrets").glob("*.password")}
    assert {f"{site}.password" for site in DEMO_SITES} <= set(passwords)
    assert f"{DEMO_SITES[0]}-routing.password" in passwords
    assert len(set(passwords.values())) == len(passwords)
    for name, password in passwords.items():
        assert (second / "secrets" / name).read_text() != password
        assert all(password not in c.read_text() for c in configs)
    render(first, DEMO_SITES)  # again: the deployment keeps its passwords
    assert {p.name: p.read_text() for p in (first / "secrets").glob("*.password")} == passwords
    assert "secrets/" in (ROOT / "deploy" / "nats" / ".gitignore").read_text()


def test_the_hub_is_three_clustered_nodes_and_every_site_leafs_to_all_three(
    tmp_path: Path,
) -> None:
    nats = ROOT / "deploy" / "nats"
    for node in HUB:
        text = (nats / f"{node}.conf").read_text()
        assert all(f"nats-route://{other}:6222" in text for other in HUB if other != node)
    render(tmp_path, DEMO_SITES)
    for site in DEMO_SITES:
        text = (nats / f"site-{site}.conf").read_text()
        assert f"domain: S{site}" in text and "urls: $HUB_URLS" in text
        urls = (tmp_path / "secrets" / f"site-{site}.conf").read_text()  # the site's password
        assert all(f"@{node}:7422" in urls for node in HUB)


def test_image_runs_tongban_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text().splitlines()
    assert [line for line in dockerfile if line.startswith("FROM")] == ["FROM python:3.11-slim"]
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["tongban"]' in dockerfile
    for line in dockerfile:
        if line.startswith("COPY "):
            assert (ROOT / line.split()[1]).exists(), line


@pytest.mark.parametrize("site", DEMO_SITES)
def test_each_site_has_a_console_calling_its_own_sites_services_once_they_are_healthy(
    site: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    console = spec(f"console-{site}")
    for key, value in site_env(site).items():
        if key.startswith("TB_CONSOLE_"):
            monkeypatch.setenv(key, value)
    settings = ConsoleSettings(site=site, issuer="https://idp.example.gov.cn/realms/staff")
    assert console["command"] == ["console", "--site", site, "--port", "8000"]
    assert console["environment"]["TB_ENV"] == "production"
    assert {service: settings.url_of(service) for service in SERVICES} == {
        service: f"http://{service}-{site}:8000" for service in SERVICES}
    assert console["depends_on"] == {f"{service}-{site}": {"condition": "service_healthy"}
                                     for service in SERVICES}
    assert settings.cookie_secure and settings.http_host == "0.0.0.0"
    assert "/healthz" in " ".join(console["healthcheck"]["test"])
    port = console_ports(DEMO_SITES, 8100)[site]  # as `tongban up` lays them out
    assert console["ports"] == [f"127.0.0.1:{port}:8000"]


def named_volumes(name: str) -> dict[str, str]:
    """A service's named volumes (not files bound from the host), by where they are mounted."""
    mounts = [v.split(":") for v in spec(name).get("volumes", [])]
    return {m[1]: m[0] for m in mounts if not m[0].startswith((".", "/"))}


def test_every_named_volume_used_is_declared_and_every_declared_one_is_used() -> None:
    used = [volume for name in COMPOSE["services"] for volume in named_volumes(name).values()]
    assert sorted(used) == sorted(COMPOSE["volumes"])  # each used once: no two share a store


@pytest.mark.parametrize("name", SITE_SERVICES)
def test_each_service_keeps_its_data_dir_in_its_own_named_volume(name: str) -> None:
    data_dir = option(spec(name)["command"], "--data-dir")
    assert named_volumes(name) == {data_dir: f"{name}-data"}
    assert f"VOLUME {data_dir}" in (ROOT / "deploy" / "Dockerfile").read_text()


def test_every_secret_used_is_declared_and_every_declared_one_is_used() -> None:
    used = {secret for service in COMPOSE["services"].values()
            for secret in service.get("secrets", [])}
    assert used == set(COMPOSE["secrets"])


def test_every_nats_secret_compose_mounts_is_one_deploy_render_makes(tmp_path: Path) -> None:
    """And every service user render makes for the demo sites has its password as a secret."""
    render(tmp_path, DEMO_SITES)
    rendered = {p.name for p in (tmp_path / "secrets").iterdir()}
    prefix = "./deploy/nats/secrets/"
    mounted = {source.split(":")[0].removeprefix(prefix) for service in COMPOSE["services"]
               .values() for source in service.get("volumes", []) if source.startswith(prefix)}
    secrets = {s["file"].removeprefix(prefix) for s in COMPOSE["secrets"].values()
               if s["file"].startswith(prefix)}
    assert mounted and secrets and mounted | secrets <= rendered
    assert {f"{user.name}.password" for user in service_users(DEMO_SITES)} == secrets
    assert {"hub.conf", *(f"site-{site}.conf" for site in DEMO_SITES)} == mounted


@pytest.mark.parametrize("name", list(COMPOSE["services"]))
def test_every_container_has_a_healthcheck_asking_where_it_listens(name: str) -> None:
    test = spec(name)["healthcheck"]["test"]
    assert test[0] == "CMD" and spec(name)["healthcheck"]["retries"] >= 1
    check = " ".join(test[1:])
    if name in (*HUB, *SITE_NATS):  # the monitor port render gives every server
        conf = "site-" + name.split("-", 1)[1] if name.startswith("nats-") else name
        monitor = COMPOSE_PORTS["monitor"]
        assert f"http_port: {monitor}" in (ROOT / "deploy" / "nats" / f"{conf}.conf").read_text()
        assert f"http://127.0.0.1:{monitor}/healthz" in check
    elif name == "postgres":
        env = spec(name)["environment"]
        assert option(test, "-U") == env["POSTGRES_USER"]
        assert option(test, "-d") == env["POSTGRES_DB"]
    else:  # a service's readiness, a console's health, on the --port it is given
        path = "/healthz" if name in CONSOLES else "/readyz"
        assert f"http://127.0.0.1:{option(spec(name)['command'], '--port')}{path}" in check


def test_the_images_own_healthcheck_asks_the_port_the_compose_services_are_given() -> None:
    """`docker run` without compose still has a check: the image's, on its PORT build arg."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    ports = {option(spec(name)["command"], "--port") for name in [*SITE_SERVICES, *CONSOLES]}
    assert ports == {"8000"}
    assert "ARG PORT=8000" in dockerfile and "TB_HEALTH_PORT=${PORT}" in dockerfile
    assert "TB_HEALTH_PATH=/readyz" in dockerfile
    assert "HEALTHCHECK " in dockerfile and "${TB_HEALTH_PORT}${TB_HEALTH_PATH}" in dockerfile
