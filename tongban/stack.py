"""`tongban up`: the embedded default on one machine. A local nats-server, SQLite stores under
./data, and the five services of each demo site as processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from services.directory import load_directory
from services.runtime.nats_server import LocalNatsServer, free_port
from services.runtime.settings import SERVICES
from tongban.nats_auth import Secrets
from tongban.nats_permissions import service_user
from tongban.single import start_single
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


def spawn(spec: ServiceProcessSpec, nats_url: str, data_dir: Path,
          topology: str = "single", passwords: dict[str, str] | None = None
          ) -> subprocess.Popen[bytes]:
    """`passwords`: of the server's users; the service connects as its own, if there."""
    log = open(data_dir / "logs" / f"{spec.site}-{spec.service}.log", "ab")  # noqa: SIM115
    args = [sys.executable, "-m", "tongban", "serve", spec.service, "--site", spec.site,
            "--port", str(spec.port), "--nats-url", nats_url, "--data-dir", str(data_dir)]
    prefix, user = f"TB_{spec.service.upper()}_", service_user(spec.site, spec.service)
    env = {**os.environ, f"{prefix}TOPOLOGY": topology}
    if passwords and user in passwords:
        env |= {f"{prefix}NATS_USER": user, f"{prefix}NATS_PASSWORD": passwords[user]}
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_ready(specs: list[ServiceProcessSpec], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(specs)
    while pending and time.monotonic() < deadline:
        pending = [s for s in pending if not _ready(s.url)]
        time.sleep(0.2)
    if pending:
        raise TimeoutError(f"not ready: {[f'{s.site}/{s.service}' for s in pending]}")


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def write_stack_file(data_dir: Path, nats: LocalNatsServer, specs: list[ServiceProcessSpec],
                     children: list[subprocess.Popen[bytes]]) -> Path:
    """What a running stack offers, for `tongban demo` and for operators."""
    path = data_dir / "stack.json"
    path.write_text(json.dumps({"nats_url": nats.address, "nats_pid": nats.pid, "services": [
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
    children = [spawn(spec, server.address, data_dir, topology, server.passwords)
                for spec in specs
                for server in [hub.site_servers[spec.site] if hub else nats]]  # type: ignore[union-attr]
    try:
        wait_ready(specs)
        write_stack_file(data_dir, nats or hub.site_servers[sites[0]], specs,  # type: ignore[union-attr]
                         children)
        if hub is None:
            print(f"NATS       {nats.address}")  # type: ignore[union-attr]
        else:
            for site in sites:
                print(f"NATS {site} {hub.url(site)} (leafnode of the hub)")
        print(f"NATS passwords in {secrets} while it runs")
        for spec in specs:
            print(f"{spec.site} {spec.service:<9} {spec.url}  (OpenAPI: {spec.url}/docs)")
        print(f"logs in {data_dir / 'logs'}; try `tongban demo` in another terminal; Ctrl-C stops")
        while not stopping:
            if any(child.poll() is not None for child in children):
                print("a service stopped unexpectedly; stopping everything", file=sys.stderr)
                return 1
            time.sleep(0.2)
        return 0
    finally:
        stop_all(children)
        for server in (nats, hub):
            if server is not None:
                server.stop()
        shutil.rmtree(secrets, ignore_errors=True)
        (data_dir / "stack.json").unlink(missing_ok=True)
        print("stopped")


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


def read_stack_file(data_dir: Path) -> dict[str, str]:
    """URLs of a running stack, keyed `<site>/<service>`."""
    stack = json.loads((data_dir / "stack.json").read_text())
    return {f"{s['site']}/{s['service']}": s["url"] for s in stack["services"]}


