"""The container image, built without a container engine: a fresh virtualenv gets what
deploy/Dockerfile installs — its COPY lines copied, its `pip install` run (a regular install,
so a file left out of the package would be missing) — and every service of a site starts from
it on PostgreSQL with the image's environment (PSYCOPG_IMPL=binary: no libpq of the machine),
as does the console, each until the image's HEALTHCHECK passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from services.runtime.nats_server import LocalNatsServer, free_port
from services.runtime.settings import SERVICES
from tests.deploy.dockerfile import ROOT, Dockerfile
from tests.support.clock import RunningClock
from tests.support.postgres import PostgresCluster
from tests.support.stack import nats_login
from tests.support.staff import SuiteIssuer

SITE = "370671"
DOCKERFILE = Dockerfile.read()


def test_the_dockerfile_copies_every_package_the_project_installs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"][
        "include"]}
    copied = {source.rstrip("/") for source, _ in DOCKERFILE.copies()}
    assert packages | {"pyproject.toml"} == copied
    assert DOCKERFILE.pip_install() == [".[deploy]"]
    assert "deploy" in pyproject["project"]["optional-dependencies"]
    assert DOCKERFILE.all("VOLUME") == ["/data"]
    assert DOCKERFILE.all("USER")[-1] == "tongban"
    assert DOCKERFILE.env()["PSYCOPG_IMPL"] == "binary"


def build_context_copy(build: Path) -> None:
    """What `docker build` sends and the COPY lines take, .dockerignore's names left out."""
    ignored = [line.strip().removeprefix("**/") for line in
               (ROOT / ".dockerignore").read_text().splitlines() if line.strip()]
    for source, destination in DOCKERFILE.copies():
        target = build / destination
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns(*ignored))
        else:
            if destination.endswith("/"):
                target = target / Path(source).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / source, target)


def image_environment(tmp_path: Path) -> Path:
    """The virtualenv standing in for the image's Python; pip's cache is the machine's."""
    build, venv = tmp_path / "src", tmp_path / "venv"
    build_context_copy(build)
    subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True, timeout=60)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q",
                                *DOCKERFILE.pip_install()], cwd=build, capture_output=True,
                               text=True, timeout=180, check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.rmtree(build)  # as the image does: only site-packages runs
    return venv


def process_env(venv: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TB_", "PYTHON", "VIRTUAL_ENV"))}
    env |= DOCKERFILE.env() | {"PATH": f"{venv / 'bin'}:{env['PATH']}",
                               "TB_ENV": "development"}
    return env | extra


def healthcheck(venv: Path, cwd: Path, port: int, path: str | None = None) -> int:
    """The image's HEALTHCHECK, run by a shell as the engine runs it; its exit status."""
    extra = {"TB_HEALTH_PORT": str(port)} | ({"TB_HEALTH_PATH": path} if path else {})
    return subprocess.run(["/bin/sh", "-c", DOCKERFILE.healthcheck()], cwd=cwd,
                          env=process_env(venv, extra), capture_output=True,
                          timeout=30, check=False).returncode


@pytest.mark.slow
def test_every_service_starts_from_the_image_environment_on_postgres_without_libpq(
    tmp_path: Path, nats_server: LocalNatsServer, postgres_cluster: PostgresCluster,
    suite_issuer: SuiteIssuer,
) -> None:
    venv = image_environment(tmp_path)
    data = tmp_path / "data"  # the image's WORKDIR and volume
    data.mkdir()
    which = "import psycopg, tongban; print(psycopg.pq.__impl__, tongban.__file__)"
    probe = subprocess.run(["python", "-c", which], cwd=data, env=process_env(venv, {}),
                           capture_output=True, text=True, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr
    impl, package = probe.stdout.split()
    assert impl == "binary"
    assert Path(package).is_relative_to(venv / "lib")  # the installed copy, not these sources

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = subprocess.run(["tongban", "--version"], cwd=data, env=process_env(venv, {}),
                             capture_output=True, text=True, timeout=60, check=False)
    assert version.stdout == f"tongban {pyproject['project']['version']}\n"  # its metadata

    nobody = free_port()
    assert healthcheck(venv, data, nobody) != 0  # the check can fail

    database = postgres_cluster.create_database("tb_image")
    clock, ports, children = RunningClock(), {}, []
    try:
        for service in SERVICES:
            prefix, ports[service] = f"TB_{service.upper()}_", free_port()
            login = nats_login(nats_server, SITE, service)
            settings = {"STORE": "postgres", "POSTGRES_PORT": str(postgres_cluster.port),
                        "POSTGRES_USER": postgres_cluster.user, "POSTGRES_DBNAME": database,
                        "NATS_USER": login["nats_user"],
                        "NATS_PASSWORD": login["nats_password"],
                        "AUTH_ISSUER": suite_issuer.url}
            env = {f"{prefix}{k}": v for k, v in settings.items()} | clock.env(service)
            children.append(spawn(venv, data, env, "serve", service, "--site", SITE, "--port",
                                  str(ports[service]), "--nats-url", login["nats_url"],
                                  "--data-dir", str(data)))
        ports["console"] = free_port()
        urls = {f"TB_CONSOLE_{s.upper()}_URL": f"http://127.0.0.1:{ports[s]}" for s in SERVICES}
        children.append(spawn(venv, data, urls | {"TB_CONSOLE_ISSUER": suite_issuer.url},
                              "console", "--site", SITE, "--port", str(ports["console"])))
        paths = {name: "/healthz" if name == "console" else "/readyz" for name in ports}
        wait_until_answering(ports, paths, children, tmp_path)
        for name, port in ports.items():
            assert healthcheck(venv, data, port, "/healthz" if name == "console" else None) == 0
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def spawn(venv: Path, cwd: Path, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    log = (cwd.parent / f"{'-'.join(a for a in args[:2] if not a.startswith('-'))}.log").open(
        "wb")
    return subprocess.Popen([str(venv / "bin" / "tongban"), *args], cwd=cwd,
                            env=process_env(venv, env), stdout=log, stderr=subprocess.STDOUT)


def wait_until_answering(ports: dict[str, int], paths: dict[str, str],
                         children: list[subprocess.Popen[bytes]], logs: Path) -> None:
    pending, deadline = dict(ports), time.monotonic() + 90
    while pending and time.monotonic() < deadline:
        exited = [c.args[1:3] for c in children if c.poll() is not None]
        assert not exited, f"exited: {exited}; see {logs}/*.log:\n" + "\n".join(
            f.read_text()[-2000:] for f in logs.glob("*.log"))
        for name, port in list(pending.items()):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}{paths[name]}", timeout=1)
            except httpx.HTTPError:
                continue
            if answer.status_code == 200:
                del pending[name]
        time.sleep(0.2)
    assert not pending, f"never answered: {sorted(pending)}"
