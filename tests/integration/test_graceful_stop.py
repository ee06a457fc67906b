"""An operator stops a service (systemd, docker stop: SIGTERM; Ctrl-C: SIGINT): it finishes what
it holds, closes its consumers, relay and store, and exits 0, instead of dying by the signal
uvicorn raises again once it has stopped serving."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from services.runtime.nats_server import LocalNatsServer
from tests.support.clock import RunningClock
from tests.support.processes import serve


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_served_window_stopped_by_a_signal_stops_cleanly_and_exits_0(
    nats_server: LocalNatsServer, tmp_path: Path, stop: signal.Signals,
) -> None:
    process, _ = serve("intake", "370671", nats_server.url, {"data_dir": tmp_path},
                       RunningClock())
    try:
        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
