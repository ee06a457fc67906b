"""The five services by name: how the CLI and the tests build one."""

from __future__ import annotations

from collections.abc import Callable

from services.approval.main import build as build_approval
from services.delivery.main import build as build_delivery
from services.intake.main import build as build_intake
from services.ledger.main import build as build_ledger
from services.routing.main import build as build_routing
from services.runtime.host import Clock, ServiceHost
from services.runtime.settings import ServiceSettings

BUILDERS: dict[str, Callable[[ServiceSettings, Clock], ServiceHost]] = {
    "intake": build_intake,
    "routing": build_routing,
    "approval": build_approval,
    "delivery": build_delivery,
    "ledger": build_ledger,
}
