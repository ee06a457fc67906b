"""The monitoring files of deploy/: Prometheus scrapes every service of the compose example by
its compose host name and port, the alert rules are well formed (and pass `promtool` where it
is installed), and the Grafana dashboard is JSON whose every panel queries something. That the
metric names they use are ones the services expose is checked against real services, in
tests/integration/test_metrics.py."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

from services.runtime.settings import SERVICES
from tongban.stack import DEMO_SITES

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_prometheus_scrapes_every_service_of_the_compose_example_on_its_port() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {t for job in config["scrape_configs"] for group in job["static_configs"]
               for t in group["targets"]}
    expected = {f"{service}-{site}" for site in DEMO_SITES for service in SERVICES}
    assert {t.split(":")[0] for t in targets} == expected
    for target in targets:
        host, port = target.split(":")
        command = COMPOSE["services"][host]["command"]
        assert command[command.index("--port") + 1] == port
    assert config["rule_files"] == ["alerts.yml"]


def test_alert_rules_name_a_stalled_consumer_dead_letters_relay_backlog_and_overdue_cases(
) -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text(encoding="utf-8"))
    alerts = {r["alert"]: r for group in rules["groups"] for r in group["rules"]}
    assert {"ConsumerStalled", "DeadLettersGrowing", "RelayBacklog", "CasesOverdue"} <= set(alerts)
    for name, rule in alerts.items():
        assert rule["expr"].strip() and rule["annotations"]["summary"], name
        assert rule["labels"]["severity"] in ("warning", "critical"), name
    stalled = alerts["ConsumerStalled"]["expr"]
    assert "tongban_consumer_lag" in stalled and "tongban_consumer_processed_total" in stalled
    promtool = shutil.which("promtool")
    if promtool is not None:  # not on every machine; the structure above is checked anyway
        checked = subprocess.run([promtool, "check", "rules", str(PROMETHEUS / "alerts.yml")],
                                 capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dashboard_is_json_and_every_panel_queries_prometheus() -> None:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "tongban-site.json").read_text(
        encoding="utf-8"))
    assert dashboard["uid"] and dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        assert all("tongban_" in t["expr"] for t in panel["targets"]), panel["title"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
