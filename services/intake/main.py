"""Wiring of the intake service; nothing connects at import."""

from __future__ import annotations

from contracts.subjects import inbox_stream
from services.directory import load_directory
from services.intake.application import Intake
from services.intake.http import add_routes
from services.runtime.host import Clock, ServiceHost, utc_now
from services.runtime.settings import ServiceSettings


def build(settings: ServiceSettings, clock: Clock = utc_now) -> ServiceHost:
    host = ServiceHost("intake", settings, clock)
    intake = Intake(host, load_directory())
    add_routes(host.api, intake)
    site = settings.site
    host.subscribe("intake-on-result-pushed-online", inbox_stream(site),
                   f"tb.to.{site}.*.result_pushed_online.>", intake.on_result_pushed_online)
    return host
