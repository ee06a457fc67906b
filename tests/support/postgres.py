"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests: initdb, pg_ctl, a free port.

initdb refuses to run as root, so under root (as in CI) the cluster runs as the `postgres` user.
Missing binaries fail loudly: a test that silently skipped PostgreSQL would prove nothing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from services.runtime.nats_server import free_port


class PostgresCluster:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tongban-pg-"))
        self.port = free_port()
        self.user = "postgres"

    def _run(self, *args: str) -> None:
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["runuser", "-u", "postgres", "--"]
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=self.root)

    def start(self) -> PostgresCluster:
        for binary in ("initdb", "pg_ctl"):
            if shutil.which(binary) is None:
                raise RuntimeError(f"{binary} not found: install the PostgreSQL server binaries")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8")
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.root / "log"), "-w", "start", "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c lock_timeout=30s -c idle_in_transaction_session_timeout=60s",
        )
        return self

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
