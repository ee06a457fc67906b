"""Wiring of the intake service; nothing connects at import."""

from __future__ import annotations

from contracts.subjects import admitted_stream, own_stream
from services.intake import read_side
from services.intake.application import Intake
from services.intake.guide_desk import GuideDesk
from services.intake.http import add_guide_routes, add_window_routes
from services.runtime.host import Clock, ServiceHost
from services.runtime.settings import ServiceSettings
from services.runtime.workdays import calendar_for


def build(settings: ServiceSettings, clock: Clock) -> ServiceHost:
    host = ServiceHost("intake", settings, clock, read_side.PROJECTIONS)
    directory = host.directory
    intake = Intake(host, directory, calendar_for(settings))
    add_guide_routes(host.api, GuideDesk(host, directory))
    add_window_routes(host.api, intake)
    site = settings.site
    host.subscribe("intake-on-outcome", admitted_stream(site), f"tb.in.{site}.>",
                   intake.on_admitted)
    host.subscribe("intake-on-site-event", own_stream(site),  # not its own nor the ledger's
                   [f"tb.{site}.{service}.>" for service in ("routing", "approval", "delivery")],
                   intake.on_site_event)
    host.every(settings.clock_tick_seconds, "intake-promise-watch", intake.terminate_overdue)
    return host
