"""A service as its own process, for tests that kill it: `tongban serve` on the test's store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx

from services.runtime.nats_server import free_port
from tests.support.clock import FileClock, RunningClock


def serve(service: str, site: str, nats_url: str, store: dict[str, Any],
          clock: FileClock | RunningClock) -> tuple[subprocess.Popen[bytes], str]:
    """Start the service on the test's clock; returns the process and its base URL once it
    answers /readyz."""
    prefix = f"TB_{service.upper()}_"
    env = {**os.environ, **{f"{prefix}{k.upper()}": str(v) for k, v in store.items()},
           f"{prefix}CLOCK_TICK_SECONDS": "0.2", **clock.env(service)}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tongban", "serve", service, "--site", site, "--port", str(port),
         "--nats-url", nats_url, "--data-dir", str(store["data_dir"])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{service} {site} exited"
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise TimeoutError(f"{service} {site} not ready")


def sigkill(process: subprocess.Popen[bytes]) -> None:
    """Kill the process the way a power cut would: no handler runs, nothing is flushed."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
