"""The services of both sites as processes on fixed ports, to SIGKILL and start again where their
callers expect them; a window clerk or approver who presses again when the service died under
the call; and `ServedSites`, what the settling checks read of a stack, for processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import httpx
from nats.js import JetStreamContext

from services.runtime.nats_server import free_port
from tests.support.clock import RunningClock
from tests.support.staff import on_duty

CALL_SECONDS = 30.0  # an answer on two busy cores; past it the clerk presses again
UP_SECONDS = 90.0  # a restart: a Python process importing everything, its store reopened
PRESSES = 4


@dataclass
class ServedProcess:
    """`tongban serve <service>` of one site; started again on the same port and store."""

    site: str
    service: str
    port: int
    env: dict[str, str]
    command: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    commands_sent: int = 0  # by the clerks
    calling: bool = False  # while one is in flight

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT,
                                            env=self.env)

    def kill(self) -> None:
        """As a power cut would: no handler runs, nothing is flushed."""
        assert self.process is not None and self.process.poll() is None, f"{self.site}/{self.service} not running: see {self.log}"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM, as an operator stops it; `wait` for it to end."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self) -> int | None:
        """Its exit code; None if it did not end within 20 s of SIGTERM and had to be killed."""
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            return None

    async def answering(self, path: str = "/readyz", timeout: float = UP_SECONDS,
                        restarted_by_another: bool = False) -> None:
        """Until `path` answers 200. The one who starts it fails at once if it exited (a crash
        on start); a caller waits for whoever restarts it."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as http:
            while asyncio.get_running_loop().time() < deadline:
                exited = self.process is None or self.process.poll() is not None
                assert restarted_by_another or not exited, \
                    f"{self.site}/{self.service} exited on start: see {self.log}"
                try:
                    if not exited and (await http.get(path)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.site}/{self.service} not answering {path} in {timeout} s")


def stop_all(processes: dict[str, ServedProcess]) -> dict[str, int | None]:
    """Each process's exit code after SIGTERM to all of them at once."""
    for process in processes.values():
        process.terminate()
    return {name: process.wait() for name, process in processes.items()}


def served(service: str, site: str, nats_url: str, data_dir: Path, clock: RunningClock,
           logs: Path) -> ServedProcess:
    """The process, not yet started, on SQLite under `data_dir` and the test's clock."""
    prefix = f"TB_{service.upper()}_"
    env = {**os.environ, f"{prefix}STORE": "sqlite", **clock.env(service)}
    port = free_port()
    command = [sys.executable, "-m", "tongban", "serve", service, "--site", site,
               "--port", str(port), "--nats-url", nats_url, "--data-dir", str(data_dir)]
    return ServedProcess(site, service, port, env, command, logs / f"{site}-{service}.log")


@dataclass
class Clerk:
    """Calls a service; when the call fails because the service died under it, waits until it
    is back and presses again, as a window clerk would. Counts what was pressed again and what
    the service answered the second time."""

    headers: dict[str, str]
    pressed_again: Counter[str] = field(default_factory=Counter)
    answered_again: Counter[str] = field(default_factory=Counter)

    async def call(self, to: ServedProcess, method: str, path: str, step: str,
                   body: object = None) -> tuple[httpx.Response, int]:
        """The answer, and how many times the call was pressed again to get it."""
        name = f"{to.site}/{to.service} {step}"
        headers = {**self.headers, "X-Correlation-Id": str(uuid4())}  # the same on each press
        async with httpx.AsyncClient(base_url=to.url, timeout=CALL_SECONDS) as http:
            for press in range(PRESSES):
                try:
                    response = await self._send(http, to, method, path, headers, body)
                except httpx.TransportError:
                    self.pressed_again[name] += 1
                    await to.answering("/healthz", restarted_by_another=True)
                    continue
                if press:
                    self.answered_again[f"{name}: {response.status_code}"] += 1
                return response, press
        raise TimeoutError(f"{name}: no answer after {PRESSES} presses")

    @staticmethod
    async def _send(http: httpx.AsyncClient, to: ServedProcess, method: str, path: str,
                    headers: dict[str, str], body: object) -> httpx.Response:
        if method != "POST":
            return await http.request(method, path, headers=headers, json=body)
        to.commands_sent += 1
        to.calling = True
        try:
            return await http.request(method, path, headers=headers, json=body)
        finally:
            to.calling = False

    async def command(self, to: ServedProcess, path: str, step: str, body: object = None,
                      expect: int = 200) -> httpx.Response:
        """A command that must succeed; pressed again, a 4xx that refuses it as already done
        is the service's answer, judged by the events it leaves, not here."""
        response, again = await self.call(to, "POST", path, step, body)
        assert response.status_code == expect or (again and response.status_code < 500), \
            f"POST {to.site}/{to.service}{path}: {response.status_code} {response.text}"
        return response


@dataclass
class ServedSites:
    """What the settling checks read of a stack: `hosts` (site, service), `client(site,
    service)` and `host(site, service).js`; one NATS connection serves every `js`."""

    hosts: dict[str, ServedProcess]
    js: JetStreamContext

    def host(self, site: str, service: str) -> ServedSites:
        return self

    def client(self, site: str, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.hosts[f"{site}/{service}"].url,
                                 timeout=CALL_SECONDS, headers=on_duty(site))
