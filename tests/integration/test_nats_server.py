"""The local nats-server manager: a server that answers on our port may not be ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.runtime.nats_server import LocalNatsServer, PortTaken


def test_a_port_held_by_another_server_is_reported_not_mistaken_for_ours(
    nats_server: LocalNatsServer, tmp_path: Path,
) -> None:
    second = LocalNatsServer(tmp_path / "second", port=nats_server.port)
    with pytest.raises(PortTaken, match="exited"):
        second.start()
    assert second.pid is None


def test_stopping_ends_the_process(tmp_path: Path) -> None:
    server = LocalNatsServer(tmp_path / "nats").start()
    pid = server.pid
    server.stop()
    assert pid is not None and server.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
