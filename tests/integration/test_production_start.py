"""A service started as an operator starts it (`python -m tongban serve`) in production mode:
on a development key or a default password it refuses to start, before it opens anything,
naming what is wrong; with a key from `tongban keys generate` and its secrets in files, it
starts and seals with that key."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nats
import pytest
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError

from contracts.subjects import own_stream
from services.runtime.keys import dev_seed
from services.runtime.nats_server import LocalNatsServer, free_port
from tests.support.stack import GT_CHANGE, WANG_QIANG, WINDOW_CLERK, eventually

YANTAI = "370671"
NATS_PASSWORD = "Qv8-tR2m-Lw5x-Hk9p"  # what an operator would put in the secret file
NO_NATS = "nats://127.0.0.1:9"  # never reached: a refused service connects to nothing


def tongban(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tongban", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def serve_args(data_dir: Path, nats_url: str = NO_NATS, port: int = 0) -> list[str]:
    return ["serve", "intake", "--site", YANTAI, "--port", str(port or free_port()),
            "--nats-url", nats_url, "--data-dir", str(data_dir)]


def production(**settings: str) -> dict[str, str]:
    return {"TB_ENV": "production", **{f"TB_INTAKE_{k.upper()}": v for k, v in settings.items()}}


def test_the_development_key_is_refused_before_anything_is_opened(tmp_path: Path) -> None:
    development = base64.b64encode(dev_seed(f"{YANTAI}-2026")).decode()
    refused = tongban(*serve_args(tmp_path / "data"), env=production(
        signing_key_seed=development, nats_password=NATS_PASSWORD))
    assert refused.returncode == 2
    assert "refusing to start in production mode" in refused.stderr
    assert ("TB_INTAKE_SIGNING_KEY_SEED is the development key 370671-2026, which anyone can "
            "derive") in refused.stderr
    assert "holds development key 370671-2026 for site 370671" in refused.stderr
    assert not (tmp_path / "data").exists()


def test_no_key_and_default_passwords_are_each_named(tmp_path: Path) -> None:
    refused = tongban(*serve_args(tmp_path / "data"), env=production(
        store="postgres", postgres_password="tongban-dev", nats_password="tongban-local-hub"))
    assert refused.returncode == 2
    problems = [line for line in refused.stderr.splitlines() if line.startswith("  - ")]
    assert [p.split()[1] for p in problems[:3]] == [
        "TB_INTAKE_SIGNING_KEY_SEED", "TB_INTAKE_NATS_PASSWORD", "TB_INTAKE_POSTGRES_PASSWORD"]
    assert "is not set" in problems[0] and "a default" in problems[1]
    assert "well-known default" in problems[2]


def test_a_secret_file_that_is_not_there_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "secrets" / "370671-signing-key-seed"
    refused = tongban(*serve_args(tmp_path / "data"), env=production(
        signing_key_seed_file=str(missing), nats_password=NATS_PASSWORD))
    assert refused.returncode == 2
    assert f"TB_INTAKE_SIGNING_KEY_SEED_FILE names {missing}, which does not exist" in (
        refused.stderr)


def generated_key(tmp_path: Path) -> tuple[str, Path, Path]:
    """`tongban keys generate` as the operator runs it: the key id, seed file, directory."""
    seed_file, directory = tmp_path / "deployment" / "370671-signing-key-seed", tmp_path / "dir"
    seed_file.parent.mkdir()
    made = tongban("keys", "generate", "--site", YANTAI, "--key-id", "370671-2026a",
                   "--valid-from", "2026-01-01T00:00:00+08:00", "--seed-file", str(seed_file),
                   "--directory", str(directory), env={})
    assert made.returncode == 0, made.stderr
    entry = json.loads(made.stdout)
    assert [k["id"] for k in entry["keys"]] == ["370671-2026a"]  # the development keys left out
    assert stat.S_IMODE(seed_file.stat().st_mode) == 0o600
    assert seed_file.read_text().strip() not in made.stdout + made.stderr
    return entry["keys"][0]["id"], seed_file, directory


def test_with_a_generated_key_and_secrets_in_files_it_starts_and_seals_with_that_key(
    tmp_path: Path, nats_server: LocalNatsServer,
) -> None:
    key_id, seed_file, directory = generated_key(tmp_path)
    password_file = tmp_path / "deployment" / "nats-370671-intake-password"
    password_file.write_text(nats_server.passwords["370671-intake"] + "\n")
    master_file = tmp_path / "deployment" / "370671-personal-data-key"
    master_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    port, log = free_port(), tmp_path / "intake.log"
    with log.open("wb") as out:
        service = subprocess.Popen(
            [sys.executable, "-m", "tongban",
             *serve_args(tmp_path / "data", nats_server.address, port)],
            env={**os.environ, **production(signing_key_seed_file=str(seed_file),
                                            nats_user="370671-intake",
                                            nats_password_file=str(password_file),
                                            personal_data_key_file=str(master_file),
                                            catalogue_dir=str(directory))},
            stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(service, url, log)
        opened = httpx.post(f"{url}/cases", headers=WINDOW_CLERK, timeout=10, json={
            "matter_code": GT_CHANGE, "applicant": WANG_QIANG, "delivery_channel": "online"})
        assert opened.status_code == 201, opened.text
        assert asyncio.run(first_key(nats_server.url)) == key_id
    finally:
        service.terminate()
        service.wait(timeout=20)
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # JSON, every one
    assert {"event": "http_request", "method": "POST", "route": "/cases", "status": 201,
            "correlation_id": opened.headers["X-Correlation-Id"]}.items() <= next(
        e for e in lines if e.get("route") == "/cases").items()
    assert any(e.get("logger", "").startswith("uvicorn") for e in lines)


async def first_key(nats_url: str) -> str | None:
    """The key that sealed the first event Yantai published, once the relay has published it."""
    nc = await nats.connect(nats_url)
    try:
        async def published() -> RawStreamMsg | None:
            try:
                return await nc.jetstream().get_msg(own_stream(YANTAI), 1)
            except NotFoundError:
                return None
        sealed = await eventually(published)
    finally:
        await nc.close()
    return (sealed.headers or {}).get("Tb-Key")


def wait_ready(service: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if service.poll() is not None:
            pytest.fail(f"exited {service.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail("not ready in 30 s")
