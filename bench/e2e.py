"""End to end on the embedded stack: two sites, five service processes each (as `tongban up`
runs them, each its own NATS user, its staff signed in at the local issuer), one
nats-server; cases of 王强's licence change driven at offered rates through
intake → routing → approval → delivery → ledger, and the time of every hand-off read off the
bus itself (a core NATS subscription to `tb.>` timestamps each event as it is published).

Measured beside it, in the same run: raw nats-py JetStream publish and consume of the same
payload, and the eventsourcing SQLite append rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import nats

from bench import scrape
from bench.scrape import scrape_while
from services.runtime.nats_server import free_port
from tongban.nats_auth import Secrets
from tongban.single import start_single
from tongban.stack import (
    ServiceProcessSpec,
    plan,
    signing_in,
    spawn,
    spawn_issuer,
    stop_all,
    wait_ready,
)
from tongban.staff_accounts import demo_accounts

A, B = "370671", "370202"
SignedIn = Callable[[str], dict[str, str]]  # a staff id → the headers of that staff, signed in
MATTER = "370202GT0001"
WANG = {"kind": "person", "name": "王强", "id_number": "370602198803141233",
        "phone": "13805351234"}
# The bus moments of one case: (subject prefix, event) → name.
MOMENTS = {
    (f"tb.{A}.intake", "case_accepted"): "accepted",
    (f"tb.{B}.approval", "case_received"): "in_inbox",
    (f"tb.{B}.approval", "case_approved"): "decided",
    (f"tb.in.{A}.{B}", "case_approved"): "decision_known",
    (f"tb.{A}.intake", "case_completed"): "completed",
    (f"tb.{A}.ledger", "case_archived"): "archived",
}


class Bus:
    """Timestamps every event on the bus, by case; wakes whoever waits for a moment."""

    def __init__(self) -> None:
        self.moments: dict[str, dict[str, float]] = defaultdict(dict)
        self.events = 0
        self.own_events = 0
        self._waiters: dict[tuple[str, str], asyncio.Future[float]] = {}

    async def on_message(self, msg: Any) -> None:
        now = time.perf_counter()
        self.events += 1
        parts = msg.subject.split(".")
        if parts[1] not in ("to", "in", "dlq"):
            self.own_events += 1
        prefix, name = ".".join(parts[:-2]), parts[-2]
        moment = MOMENTS.get((prefix, name))
        if moment is None:
            return
        case_id = json.loads(msg.data)["case_id"]
        self.moments[case_id].setdefault(moment, now)
        waiter = self._waiters.pop((case_id, moment), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)

    async def wait(self, case_id: str, moment: str, timeout: float = 120.0) -> float:
        if moment in self.moments.get(case_id, {}):
            return self.moments[case_id][moment]
        future = asyncio.get_running_loop().create_future()
        self._waiters[(case_id, moment)] = future
        return await asyncio.wait_for(future, timeout)


async def one_case(http: httpx.AsyncClient, urls: dict[str, str], bus: Bus, n: int,
                   signed_in: SignedIn) -> str:
    intake, approval = urls[f"{A}/intake"], urls[f"{B}/approval"]
    clerk, approver = signed_in(f"{A}-W01"), signed_in(f"{B}-A07")
    opened = (await http.post(f"{intake}/cases", headers=clerk, json={
        "matter_code": MATTER, "applicant": WANG})).json()
    case_id = opened["case_id"]
    items = [{"material_code": m["material_code"], "pages": 2} for m in opened["materials"]
             if m["state"] != "not_required"]
    for path, body in [("materials", {"items": items}), ("identity", {"subject": "applicant"}),
                       ("accept", None)]:
        response = await http.post(f"{intake}/cases/{case_id}/{path}", headers=clerk, json=body)
        response.raise_for_status()
    await bus.wait(case_id, "in_inbox")
    for path, body in [("claim", None), ("approve", {"document_number": f"370202{n:09d}"})]:
        response = await http.post(f"{approval}/cases/{case_id}/{path}", headers=approver,
                                   json=body)
        response.raise_for_status()
    await bus.wait(case_id, "archived")
    return str(case_id)


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}


async def drive(urls: dict[str, str], bus: Bus, rate: float, seconds: float,
                offset: int, sign_in: SignedIn) -> dict[str, Any]:
    """Offer `rate` cases per second for `seconds`; wait for every case to be archived. The
    clerk and the approver sign in at the local issuer anew for each phase (tokens last 15
    minutes), outside the time measured."""
    tokens = {staff_id: sign_in(staff_id) for staff_id in (f"{A}-W01", f"{B}-A07")}
    count = max(1, int(rate * seconds))
    events_before, own_before = bus.events, bus.own_events
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as http:
        tasks = []
        for n in range(count):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one_case(http, urls, bus, offset + n,
                                                      tokens.__getitem__)))
        done = await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - started
    ok = [c for c in done if isinstance(c, str)]
    moments = [bus.moments[c] for c in ok]

    def span(a: str, b: str) -> list[float]:
        return [m[b] - m[a] for m in moments if a in m and b in m]

    return {
        "offered_cases_per_s": rate, "cases": count, "completed": len(ok),
        "failed": [repr(c) for c in done if not isinstance(c, str)][:3],
        "seconds": round(elapsed, 2),
        "completed_cases_per_s": round(len(ok) / elapsed, 2),
        "events_per_s": round((bus.own_events - own_before) / elapsed, 1),
        "bus_messages_per_s": round((bus.events - events_before) / elapsed, 1),
        "accepted_to_inbox_ms": percentiles(span("accepted", "in_inbox")),
        "decision_to_known_at_window_ms": percentiles(span("decided", "decision_known")),
        "accepted_to_timeline_complete_ms": percentiles(span("accepted", "archived")),
        "ledger_lag_ms": percentiles(span("completed", "archived")),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def baselines(nats_url: str, payload: bytes, count: int = 3000) -> dict[str, float]:
    """Raw nats-py JetStream publish (each acked) and consume of the same payload."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH_BASELINE", subjects=["bench.baseline"])
    started = time.perf_counter()
    for n in range(count):
        await js.publish("bench.baseline", payload, headers={"Nats-Msg-Id": f"b{n}"})
    publish = count / (time.perf_counter() - started)
    sub = await js.subscribe("bench.baseline", ordered_consumer=True)
    started = time.perf_counter()
    for _ in range(count):
        await sub.next_msg(timeout=10)
    consume = count / (time.perf_counter() - started)
    await nc.close()
    return {"jetstream_publish_per_s": round(publish), "jetstream_consume_per_s": round(consume)}


def sqlite_append_rate(count: int = 2000) -> float:
    """The eventsourcing SQLite append rate: one event per transaction, as a command does."""
    from datetime import UTC, datetime
    from uuid import uuid4

    from contracts.base import Actor
    from services.directory import load_directory
    from services.intake.domain.case import WindowCase
    from services.runtime.aggregate import Context
    from services.runtime.settings import for_service
    from services.runtime.store import CaseStore

    matter = load_directory().matters[MATTER]
    ctx = Context(A, Actor(staff_id="370671-W01", role="window"), datetime.now(UTC))
    with tempfile.TemporaryDirectory() as tmp:
        store = CaseStore("bench", for_service("intake", site=A, data_dir=Path(tmp)))
        cases = [WindowCase.open(uuid4(), "37067120261126BENCH0", matter, WANG,  # type: ignore[arg-type]
                                 "online", ctx) for _ in range(count)]
        started = time.perf_counter()
        for case in cases:
            store.record(case)
        rate = count / (time.perf_counter() - started)
        store.close()
    return round(rate)


def profile(pids: dict[str, int], seconds: int, out: Path) -> dict[str, Any]:
    """py-spy on every service for `seconds`: a flame graph each, and the top functions."""
    out.mkdir(parents=True, exist_ok=True)
    runs = {name: subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "50",
         "--format", "raw", "--output", str(out / f"{name.replace('/', '-')}.txt"), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name, pid in pids.items()}
    top: dict[str, Any] = {}
    for name, run in runs.items():
        run.wait(seconds + 60)
        path = out / f"{name.replace('/', '-')}.txt"
        if path.exists():
            top[name] = top_frames(path)
    return top


def top_frames(collapsed: Path, n: int = 6) -> dict[str, list[tuple[str, float]]]:
    """Where one process spends its samples: by the module of the running (leaf) frame, and
    through which of our own functions (inclusive)."""
    leaf: dict[str, int] = defaultdict(int)
    ours: dict[str, int] = defaultdict(int)
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples, frames = int(count), stack.split(";")
        total += samples
        leaf[_file(frames[-1])] += samples
        for frame in {f.rsplit(":", 1)[0] + ")" for f in frames
                      if _file(f).startswith(("services/", "contracts/"))}:
            ours[frame] += samples

    def ranked(counts: dict[str, int]) -> list[tuple[str, float]]:
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:n]
        return [(name, round(100 * c / total, 1)) for name, c in top] if total else []

    return {"self_by_module": ranked(leaf), "through_our_functions": ranked(ours)}


def _file(frame: str) -> str:
    return frame.rsplit(" (", 1)[-1].split(":")[0]


async def run(rates: list[float], seconds: float, out: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        (data / "logs").mkdir()
        # Each service as its own NATS user, as deployed; the bench watches as the tests' user.
        server = start_single(data / "nats", (A, B), Secrets(data / "nats-secrets"),
                              tests_user=True)
        specs: list[ServiceProcessSpec] = plan((A, B), 0)
        demo_accounts(data / "issuer", (A, B))
        issuer, issuer_process = spawn_issuer(free_port(), data)
        children = [spawn(spec, server.address, data, issuer, "single", server.passwords)
                    for spec in specs]
        signed_in = signing_in(issuer, data)
        try:
            await asyncio.to_thread(wait_ready, specs, {})  # no console in the bench
            urls = {f"{s.site}/{s.service}": s.url for s in specs}
            pids = {f"{s.site}/{s.service}": c.pid for s, c in zip(specs, children, strict=True)}
            bus = Bus()
            nc = await nats.connect(server.url)
            await nc.subscribe("tb.>", cb=bus.on_message)
            await drive(urls, bus, 2, 3, 0, signed_in)  # warm up
            phases, offset = [], 1000
            running = asyncio.Event()
            running.set()
            scraping = asyncio.create_task(scrape_while(urls, running))
            for rate in rates:
                phases.append(await drive(urls, bus, rate, seconds, offset, signed_in))
                offset += 100_000
            running.clear()
            metrics_moved = await scraping
            loop = asyncio.get_running_loop()
            cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            profiling = loop.run_in_executor(None, profile, pids, int(seconds), out / "profile")
            profiled = await drive(urls, bus, rates[-1], seconds, offset, signed_in)
            top = await profiling
            profiled["cpu_ms_per_case"] = {
                name: round(1000 * (cpu_seconds(pid) - cpu_before[name])
                            / max(1, profiled["completed"]), 1) for name, pid in pids.items()}
            rss = {name: peak_rss_mb(pid) for name, pid in pids.items()}
            rss["nats-server"] = peak_rss_mb(server.pid) if server.pid else None
            payload = await _one_payload(server.url)
            base = await baselines(server.url, payload)
            await nc.close()
        finally:
            stop_all([*children, issuer_process])
            server.stop()
    base["sqlite_append_per_s"] = sqlite_append_rate()
    return {"phases": phases, "profiled_phase": profiled, "peak_rss_mb": rss,
            "baselines": base, "profile_top": top, "metrics_moved": metrics_moved}


async def _one_payload(url: str) -> bytes:
    """A real CaseAccepted from the run's own stream, for the baselines."""
    nc = await nats.connect(url)
    msg = await nc.jetstream().get_last_msg(f"TB_{A}", f"tb.{A}.intake.case_accepted.v1")
    await nc.close()
    return msg.data or b"{}"


def summarise(report: dict[str, Any]) -> None:
    base = report["baselines"]
    print(f"{'offered/s':>9} {'done/s':>7} {'events/s':>9} {'inbox p50/p95/p99 ms':>24} "
          f"{'known@A p99':>11} {'timeline p99':>12} {'ledger lag p99':>14}")
    for p in report["phases"]:
        a = p["accepted_to_inbox_ms"]
        print(f"{p['offered_cases_per_s']:>9} {p['completed_cases_per_s']:>7} "
              f"{p['events_per_s']:>9} {a['p50']!s:>8}/{a['p95']!s}/{a['p99']!s:<8} "
              f"{p['decision_to_known_at_window_ms']['p99']!s:>11} "
              f"{p['accepted_to_timeline_complete_ms']['p99']!s:>12} "
              f"{p['ledger_lag_ms']['p99']!s:>14}")
    best = max(report["phases"], key=lambda p: p["events_per_s"])
    print(f"baselines: JetStream publish {base['jetstream_publish_per_s']:,}/s, consume "
          f"{base['jetstream_consume_per_s']:,}/s, SQLite append {base['sqlite_append_per_s']:,}/s")
    print(f"system events/s at best {best['events_per_s']:,} = "
          f"{best['events_per_s'] / base['jetstream_publish_per_s']:.3f} of raw JetStream publish, "
          f"{best['events_per_s'] / base['sqlite_append_per_s']:.3f} of raw SQLite append")
    print("peak RSS (MB): " + ", ".join(f"{k} {v}" for k, v in report["peak_rss_mb"].items()))
    if "metrics_moved" in report:
        scrape.summarise(report["metrics_moved"])
    cpu = report["profiled_phase"]["cpu_ms_per_case"]
    print(f"CPU per case (ms), {sum(cpu.values()):.0f} in all: "
          + ", ".join(f"{k} {v}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])))


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    offered = [p["offered_cases_per_s"] for p in report["phases"]]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for axis, key, title in zip(axes, ("accepted_to_inbox_ms", "decision_to_known_at_window_ms",
                                       "accepted_to_timeline_complete_ms"),
                                ("acceptance at A → B's inbox", "decision at B → known at A",
                                 "acceptance → ledger timeline complete"), strict=True):
        for q in ("p50", "p95", "p99"):
            axis.plot(offered, [p[key][q] for p in report["phases"]], marker="o", label=q)
        axis.set_title(title)
        axis.set_xlabel("offered load (cases/s)")
        axis.set_ylabel("latency (ms)")
        axis.set_yscale("log")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
