"""Wiring of the routing service (the site's exchange); nothing connects at import."""

from __future__ import annotations

from contracts.subjects import inbox_stream, own_stream
from services.routing import read_side
from services.routing.application import Exchange
from services.routing.erasure_routes import add_erasure_routes
from services.routing.file_routes import add_file_routes
from services.routing.http import add_routes
from services.routing.policies import Routing
from services.runtime.host import Clock, ServiceHost
from services.runtime.metrics import Overdue, ReadSide
from services.runtime.settings import ServiceSettings
from services.runtime.workdays import calendar_for


def build(settings: ServiceSettings, clock: Clock) -> ServiceHost:
    host = ServiceHost("routing", settings, clock, read_side.projections(settings.site))
    host.metrics.site_wide = True  # the exchange says the site's dead letters and file store
    host.metrics.read_side = ReadSide(None, (  # a leg whose decision is past its promised date
        Overdue("decision_leg", read_side.OPEN_CASES, "decision_due"),))
    routing = Routing(host, host.directory)
    exchange = Exchange(host, calendar_for(settings), settings.handover_threshold_days)
    add_routes(host.api, exchange)
    add_file_routes(host.api, exchange, routing)
    add_erasure_routes(host.api, host, routing.shredder)
    site = settings.site
    host.subscribe("routing-exchange", own_stream(site), f"tb.{site}.>", routing.on_site_event)
    host.subscribe("routing-gateway", inbox_stream(site), f"tb.to.{site}.>", routing.on_inbound)
    host.grant_keys(routing.parties_of)
    host.every(settings.clock_tick_seconds, "routing-supervision", exchange.sweep)
    host.every(settings.clock_tick_seconds, "routing-file-retention", routing.remove_expired_files)
    host.every(settings.clock_tick_seconds, "routing-personal-data-retention",
               routing.shredder.shred_expired)
    return host
