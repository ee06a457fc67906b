"""`tongban up`: the embedded default on one machine. A local nats-server, SQLite stores under
./data, the five services of each demo site and its staff console as processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from contracts.staff import ROLES_ZH
from services.directory import load_directory
from services.runtime.nats_server import LocalNatsServer, free_port
from services.runtime.settings import SERVICES
from tongban.nats_auth import Secrets
from tongban.nats_permissions import service_user
from tongban.single import start_single
from tongban.staff_accounts import DEMO_STAFF, demo_accounts, sign_in
from tongban.topology import LocalHub

DEMO_SITES = ("370671", "370202")  # 烟台高新区 receives; 青岛市市南区 owns the demo matter


@dataclass(frozen=True)
class ServiceProcessSpec:
    site: str
    service: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def plan(sites: tuple[str, ...], base_port: int) -> list[ServiceProcessSpec]:
    """Ports are base + 10 * site index + service index; base 0 takes any free ports."""
    return [
        ServiceProcessSpec(site, service, base_port + 10 * i + j if base_port else free_port())
        for i, site in enumerate(sites)
        for j, service in enumerate(SERVICES)
    ]


def spawn(spec: ServiceProcessSpec, nats_url: str, data_dir: Path, issuer: str,
          topology: str = "single", passwords: dict[str, str] | None = None
          ) -> subprocess.Popen[bytes]:
    """`passwords`: of the server's users; the service connects as its own, if there."""
    log = open(data_dir / "logs" / f"{spec.site}-{spec.service}.log", "ab")  # noqa: SIM115
    args = [sys.executable, "-m", "tongban", "serve", spec.service, "--site", spec.site,
            "--port", str(spec.port), "--nats-url", nats_url, "--data-dir", str(data_dir)]
    prefix, user = f"TB_{spec.service.upper()}_", service_user(spec.site, spec.service)
    env = {"TB_ENV": "development", **os.environ, f"{prefix}TOPOLOGY": topology,
           f"{prefix}AUTH_ISSUER": issuer}
    if passwords and user in passwords:
        env |= {f"{prefix}NATS_USER": user, f"{prefix}NATS_PASSWORD": passwords[user]}
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)


def spawn_console(site: str, port: int, specs: list[ServiceProcessSpec], issuer: str,
                  data_dir: Path) -> subprocess.Popen[bytes]:
    """A site's staff console, calling that site's services."""
    log = open(data_dir / "logs" / f"{site}-console.log", "ab")  # noqa: SIM115
    urls = {f"TB_CONSOLE_{s.service.upper()}_URL": s.url for s in specs if s.site == site}
    env = {"TB_ENV": "development", **os.environ, **urls, "TB_CONSOLE_ISSUER": issuer,
           "TB_CONSOLE_COOKIE_SECURE": "false"}
    return subprocess.Popen([sys.executable, "-m", "tongban", "console", "--site", site,
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)


def console_ports(sites: tuple[str, ...], base_port: int) -> dict[str, int]:
    """Beside each site's services: base + 10 * site index + 5."""
    return {site: base_port + 10 * i + 5 if base_port else free_port()
            for i, site in enumerate(sites)}


def spawn_issuer(port: int, data_dir: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """The local issuer, its staff accounts under <data_dir>/issuer; ready when it answers."""
    url = f"http://127.0.0.1:{port}"
    log = open(data_dir / "logs" / "issuer.log", "ab")  # noqa: SIM115
    child = subprocess.Popen([sys.executable, "-m", "tongban", "issuer", "--port", str(port),
                              "--data-dir", str(data_dir)],
                             stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not _answers(f"{url}/.well-known/openid-configuration"):
        if child.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the local issuer did not start: see {log.name}")
        time.sleep(0.1)
    return url, child


def wait_ready(specs: list[ServiceProcessSpec], consoles: dict[str, str],
               timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    pending = {f"{s.site}/{s.service}": f"{s.url}/readyz" for s in specs} | {
        f"{site}/console": f"{url}/healthz" for site, url in consoles.items()}
    while pending and time.monotonic() < deadline:
        pending = {name: url for name, url in pending.items() if not _answers(url)}
        time.sleep(0.2)
    if pending:
        raise TimeoutError(f"not ready: {sorted(pending)}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def write_stack_file(data_dir: Path, nats: LocalNatsServer, specs: list[ServiceProcessSpec],
                     children: list[subprocess.Popen[bytes]], issuer: str,
                     consoles: dict[str, str]) -> Path:
    """What a running stack offers, for `tongban demo` and for operators."""
    path = data_dir / "stack.json"
    path.write_text(json.dumps({"nats_url": nats.address, "nats_pid": nats.pid, "issuer": issuer,
                                "consoles": consoles, "services": [
        {**asdict(s), "url": s.url, "pid": child.pid} for s, child in zip(specs, children)
    ]}, indent=2))
    return path


def run_stack(sites: tuple[str, ...], data_dir: Path, base_port: int,
              topology: str = "single") -> int:
    """Start everything, print the URLs, and stop everything on Ctrl-C or SIGTERM. `hub`: a
    hub of three nats-servers and one per site, as deployed, all on 127.0.0.1."""
    data_dir = data_dir.resolve()
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    secrets = data_dir / "nats-secrets"  # fresh passwords for every run
    shutil.rmtree(secrets, ignore_errors=True)
    hub = LocalHub(data_dir / "nats-hub", sites, secrets).start() if topology == "hub" else None
    directory = tuple(load_directory().sites)  # a case may name a site not running here
    nats = (start_single(data_dir / "nats", sites, Secrets(secrets), directory=directory)
            if hub is None else None)
    specs = plan(sites, base_port)
    passwords = demo_accounts(data_dir / "issuer", sites)
    issuer, issuer_process = spawn_issuer(base_port - 1 if base_port else free_port(), data_dir)
    children = [spawn(spec, server.address, data_dir, issuer, topology, server.passwords)
                for spec in specs
                for server in [hub.site_servers[spec.site] if hub else nats]]  # type: ignore[union-attr]
    ports = console_ports(sites, base_port)
    consoles = {site: f"http://127.0.0.1:{port}" for site, port in ports.items()}
    console_children = [spawn_console(site, port, specs, issuer, data_dir)
                        for site, port in ports.items()]
    try:
        wait_ready(specs, consoles)
        write_stack_file(data_dir, nats or hub.site_servers[sites[0]], specs,  # type: ignore[union-attr]
                         children, issuer, consoles)
        if hub is None:
            print(f"NATS       {nats.address}")  # type: ignore[union-attr]
        else:
            for site in sites:
                print(f"NATS {site} {hub.url(site)} (leafnode of the hub)")
        print(f"NATS passwords in {secrets} while it runs")
        for spec in specs:
            print(f"{spec.site} {spec.service:<9} {spec.url}  (OpenAPI: {spec.url}/docs)")
        print(f"staff sign in at the local issuer {issuer}; the demo staff's passwords are in "
              f"{passwords} (0600). A token for the Yantai window clerk:\n"
              f"  curl -s {issuer}/token -d grant_type=password -d username={sites[0]}-W01 "
              f"-d password=<from that file>\n"
              f"then send it as `Authorization: Bearer <access_token>`")
        print_consoles(consoles, passwords)
        print(f"logs in {data_dir / 'logs'}; try `tongban demo` in another terminal; Ctrl-C stops")
        while not stopping:
            if any(child.poll() is not None for child in [*children, *console_children]):
                print("a service stopped unexpectedly; stopping everything", file=sys.stderr)
                return 1
            time.sleep(0.2)
        return 0
    finally:
        stop_all([*console_children, *children, issuer_process])
        for server in (nats, hub):
            if server is not None:
                server.stop()
        shutil.rmtree(secrets, ignore_errors=True)
        (data_dir / "stack.json").unlink(missing_ok=True)
        print("stopped")


def print_consoles(consoles: dict[str, str], passwords: Path) -> None:
    """Each hall's console and who may sign in there (passwords in the 0600 file)."""
    for site, url in consoles.items():
        print(f"{site} console   {url}  (工作台)")
        for suffix, name, role in DEMO_STAFF:
            print(f"    {site}-{suffix:<5} {name}  {ROLES_ZH[role]}")
    print(f"their passwords are in {passwords}")


def stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def staff_signing_in(data_dir: Path) -> Callable[[str], dict[str, str]]:
    """Sign the demo staff of a running stack in at its issuer, with their passwords."""
    return signing_in(json.loads((data_dir / "stack.json").read_text())["issuer"], data_dir)


def signing_in(issuer: str, data_dir: Path) -> Callable[[str], dict[str, str]]:
    passwords = json.loads((data_dir / "issuer" / "demo-passwords.json").read_text())

    def signed_in(staff_id: str) -> dict[str, str]:
        with httpx.Client(timeout=10.0) as http:
            return sign_in(http, issuer, staff_id, passwords[staff_id])
    return signed_in


def read_stack_file(data_dir: Path) -> dict[str, str]:
    """URLs of a running stack, keyed `<site>/<service>`."""
    stack = json.loads((data_dir / "stack.json").read_text())
    return {f"{s['site']}/{s['service']}": s["url"] for s in stack["services"]}


