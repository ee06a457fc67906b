"""Wiring of the ledger; it reads the site's own stream and what the exchange admitted."""

from __future__ import annotations

from pathlib import Path

from contracts.subjects import admitted_stream, own_stream
from services.ledger.application import Ledger
from services.ledger.http import add_routes
from services.ledger.projections import Projector
from services.runtime.host import Clock, ServiceHost
from services.runtime.settings import ServiceSettings

PROJECTION_SECONDS = 0.2


def projections_path(settings: ServiceSettings) -> Path:
    return settings.data_dir / settings.site / "ledger_projections.sqlite3"


def build(settings: ServiceSettings, clock: Clock, archiving: bool = True
          ) -> ServiceHost:
    host = ServiceHost("ledger", settings, clock)
    projector = Projector(projections_path(settings))
    host.closers.append(projector.close)
    ledger = Ledger(host, projector, archiving)
    site = host.directory.sites.get(settings.site)
    add_routes(host.api, ledger, site.name if site else settings.site)
    host.subscribe("ledger-on-site-event", own_stream(settings.site), f"tb.{settings.site}.>",
                   ledger.on_event)
    host.subscribe("ledger-on-admitted-event", admitted_stream(settings.site),
                   f"tb.in.{settings.site}.>", ledger.on_event)
    host.every(PROJECTION_SECONDS, "ledger-projections", ledger.project)
    return host
