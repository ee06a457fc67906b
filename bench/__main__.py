"""`make bench`: the end-to-end run at several offered loads, then the ledger's verify and
rebuild rates over many events, the cost of taking a case number as a year fills up, what
sealing personal data costs (events stored and read per second, sealed beside clear), and the
cost of each request and job against 0, 10k and 100k cases of history on SQLite and PostgreSQL;
JSON reports, plots and profiles under bench/results/<time>/. Each part prints as it goes; the
end-to-end table and both history tables are printed again together at the end.

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
from typing import Any

from bench.e2e import plot, run, summarise
from bench.history.report import table

STORES = ("sqlite", "postgres")


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
    sys.stdout.flush()  # before the children's output, when make's output is a pipe
    subprocess.run([sys.executable, "-m", "bench.ledger_rates", "--events",
                    str(args.ledger_events), "--out", str(out)], check=True)
    subprocess.run([sys.executable, "-m", "bench.numbers", "--out", str(out)], check=True)
    subprocess.run([sys.executable, "-m", "bench.personal", "--out", str(out)], check=True)
    for store in STORES:
        subprocess.run([sys.executable, "-m", "bench.history", "--store", store,
                        "--out", str(out)], check=True)
    summary(report, out)


def summary(report: dict[str, Any], out: Path) -> None:
    """What a reader of `make bench` looks for, together after everything else it printed."""
    from bench.history.__main__ import TITLES

    print(f"\n{'=' * 30} make bench: summary {'=' * 30}")
    print("end to end (two sites, ten processes, SQLite), latencies in ms:")
    summarise(report)
    for store in STORES:
        print()
        print(table(store, json.loads((out / f"history-{store}.json").read_text()), TITLES))
    personal = json.loads((out / "personal.json").read_text())
    print(f"\npersonal data sealed / in the clear (events per second, same run): stored "
          f"{personal['store_sealed_over_clear']}, read {personal['read_sealed_over_clear']} "
          f"({personal['sealed_stored_per_s']:,} and {personal['sealed_read_per_s']:,} sealed)")
    plots = ["latency.png", *(f"history-{store}.png" for store in STORES)]
    print(f"\nplots: {', '.join(plots)}; reports and profiles: all in {out}")


if __name__ == "__main__":
    main()
