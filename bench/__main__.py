"""`make bench`: the end-to-end run at several offered loads, then the ledger's verify and
rebuild rates over many events, the cost of taking a case number as a year fills up, and the
cost of each request and job against 0, 10k and 100k cases of history on SQLite and PostgreSQL;
JSON reports, tables, a plot and profiles under bench/results/<time>/.

    python -m bench [--rates 2,5,10,20] [--seconds 10] [--ledger-events 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.e2e import plot, run, summarise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", default="2,5,10,20", help="offered cases per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="per offered rate")
    parser.add_argument("--ledger-events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    out = args.out / f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    report = asyncio.run(run([float(r) for r in args.rates.split(",")], args.seconds, out))
    (out / "e2e.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    plot(report, out / "latency.png")
    summarise(report)
    print("where the time goes (share of each process's samples, by running module):")
    for service, top in report["profile_top"].items():
        print(f"  {service}: " + "; ".join(f"{f} {p}%" for f, p in top["self_by_module"][:4]))
    subprocess.run([sys.executable, "-m", "bench.ledger_rates", "--events",
                    str(args.ledger_events), "--out", str(out)], check=True)
    subprocess.run([sys.executable, "-m", "bench.numbers", "--out", str(out)], check=True)
    for store in ("sqlite", "postgres"):
        subprocess.run([sys.executable, "-m", "bench.history", "--store", store,
                        "--out", str(out)], check=True)
    print(f"report, plot and profiles: {out}")


if __name__ == "__main__":
    main()
