"""`python -m bench.history`: the history table of every service on SQLite or PostgreSQL,
history-<store>.json and the plot history-<store>.png, under --out (by default a new
bench/results/<time>/)."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

from bench.history import approval, delivery_qingdao, delivery_yantai, routing, window
from bench.history.plot import plot
from bench.history.report import table
from services.runtime.settings import for_service
from tests.support.clock import FakeClock
from tests.support.staff import SUITE_ISSUER

SERVICES: dict[str, ModuleType] = {
    "window": window, "approval": approval, "routing": routing,
    "delivery-370202": delivery_qingdao, "delivery-370671": delivery_yantai}
TITLES = {name: module.TITLE for name, module in SERVICES.items()}


class Stores:
    """A fresh store for each service and size: a temporary directory, or a new database in
    one throwaway PostgreSQL cluster."""

    def __init__(self, kind: str) -> None:
        self.kind, self.cluster = kind, None
        if kind == "postgres":
            from tests.support.postgres import PostgresCluster
            self.cluster = PostgresCluster().start()

    def settings(self, data_dir: Path) -> dict[str, Any]:
        if self.cluster is None:
            return {"store": "sqlite", "data_dir": data_dir}
        return {"store": "postgres", "data_dir": data_dir, "postgres_port": self.cluster.port,
                "postgres_user": self.cluster.user,
                "postgres_dbname": self.cluster.create_database(f"bench_{uuid4().hex[:8]}")}

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


async def measure(bench: ModuleType, sizes: list[int], runs: int, stores: Stores
                  ) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            clock = FakeClock()
            host = bench.build(for_service(bench.SERVICE, site=bench.SITE,
                                           **stores.settings(Path(tmp))), clock)
            started = time.perf_counter()
            bench.fill(host, clock, size)
            filled = time.perf_counter() - started
            costs = await bench.costs(host, clock, runs)
            host.store.close()
        rows.append({"cases": size, "fill_seconds": round(filled, 1), **costs})
        print(f"  {bench.TITLE}: {size:,} cases filled in {filled:.0f} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--services", default=",".join(SERVICES))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = Stores(args.store)
    report: dict[str, list[dict[str, Any]]] = {}
    SUITE_ISSUER.start()  # the staff tokens' issuer, as in the tests
    try:
        for name in args.services.split(","):
            report[name] = asyncio.run(measure(SERVICES[name], sizes, args.runs, stores))
    finally:
        stores.stop()
        SUITE_ISSUER.stop()
    out = args.out or Path("bench/results") / f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"history-{args.store}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table(args.store, report, TITLES))
    try:
        plot(report, args.store, out / f"history-{args.store}.png", TITLES)
    except ImportError:  # the figures above are kept; the plot needs the bench extra
        print("no plot: matplotlib is missing (pip install -e '.[bench]')")
        return
    print(f"report and plot: {out}/history-{args.store}.json, .png")


if __name__ == "__main__":
    main()
