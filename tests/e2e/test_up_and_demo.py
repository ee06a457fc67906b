"""What a new user does: `tongban up`, then `tongban demo --json`, then Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.clock import RunningClock
from tongban.demo import MORNING, WANG_QIANG
from tongban.registry import BUILDERS


def tongban(*args: str) -> list[str]:
    return [sys.executable, "-m", "tongban", *args]


def wait_for_file(path: Path, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "tongban up exited early"
        assert time.monotonic() < deadline, "tongban up did not become ready"
        time.sleep(0.2)


def in_the_clear(data: Path) -> list[str]:
    """Every file of the stack (stores, the vault, the JetStream store, every log) in which
    an ID number, name or phone of the demo's applicants is found as UTF-8 or a JSON escape.
    A company's own name and credit code are public (企业信用信息公示), not personal data."""
    values = [v for applicant in (WANG_QIANG, *MORNING)
              for v in (applicant.get("id_number"), applicant["phone"],
                        applicant["name"] if applicant["kind"] == "person" else None,
                        applicant.get("legal_representative"),
                        applicant.get("representative_id_number"),
                        *(applicant.get("agent") or {}).values()) if v]
    forms = {v: [v.encode(), json.dumps(v).strip('"').encode()] for v in values}
    return [f"{path.relative_to(data)}: {value}" for path in data.rglob("*") if path.is_file()
            for value, encoded in forms.items() if any(e in path.read_bytes() for e in encoded)]


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("topology", ["single", "hub"])
def test_up_then_demo_completes_a_case_across_two_sites_and_ctrl_c_stops_everything(
    tmp_path: Path, topology: str,
) -> None:
    data = tmp_path / "data"
    up = subprocess.Popen(tongban("up", "--data-dir", str(data), "--base-port", "0",
                                  "--topology", topology),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env={**os.environ, **RunningClock().env(*BUILDERS, "issuer")})
    try:
        wait_for_file(data / "stack.json", up)
        stack = json.loads((data / "stack.json").read_text())
        demo = subprocess.run(tongban("demo", "--json", "--data-dir", str(data)),
                              check=False, capture_output=True, text=True, timeout=60)
        assert demo.returncode == 0, demo.stderr
        result = json.loads(demo.stdout)
    finally:
        up.send_signal(signal.SIGINT)
        output = up.communicate(timeout=60)[0].decode()

    assert result["status"] == "completed"
    assert len(result["also_accepted"]) == 2
    assert not in_the_clear(data), "personal data on disk or in a log, in the clear"
    assert result["progress"]["applicant"] == "王* 3****************3"  # by the receipt's code
    assert {e["site"] for e in result["timeline"]} == {"370671", "370202"}
    assert {e["service"] for e in result["timeline"]} == {
        "intake", "routing", "approval", "delivery", "ledger"}
    assert result["timeline"][0]["event"] == "case_opened"
    assert result["timeline"][-1]["event"] == "case_archived"
    assert up.returncode == 0, output
    assert "stopped" in output
    pids = [stack["nats_pid"], *(s["pid"] for s in stack["services"])]
    assert not [pid for pid in pids if is_running(pid)], "every process started was stopped"
