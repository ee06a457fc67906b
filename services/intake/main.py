"""Wiring of the intake service; nothing connects at import."""

from __future__ import annotations

from typing import get_args

from contracts.delivery import ResultFormExplained, ResultHandedToApplicant
from contracts.routing import JointCaseDecided, PersonalDataDestroyed
from contracts.subjects import admitted_stream, own_stream
from services.intake import read_side
from services.intake.application import BusinessSiteOutcome, Intake
from services.intake.guide_desk import GuideDesk
from services.intake.http import add_guide_routes, add_window_routes
from services.runtime.host import Clock, ServiceHost
from services.runtime.metrics import Overdue, ReadSide
from services.runtime.misses_http import answer_too_many
from services.runtime.settings import ServiceSettings
from services.runtime.workdays import calendar_for


def build(settings: ServiceSettings, clock: Clock) -> ServiceHost:
    host = ServiceHost("intake", settings, clock, read_side.projections)
    host.metrics.read_side = ReadSide(read_side.WINDOW_CASES, (  # materials promised, not brought
        Overdue("materials_promised", read_side.WINDOW_CASES, "promise_due"),))
    directory = host.directory
    intake = Intake(host, directory, calendar_for(settings))
    add_guide_routes(host.api, GuideDesk(host, directory))
    add_window_routes(host.api, intake)
    answer_too_many(host.api)
    site = settings.site
    # what Intake.on_admitted and .on_site_event take; the server sends nothing else
    outcomes = get_args(BusinessSiteOutcome)
    host.subscribe_events("intake-on-outcome", admitted_stream(site), outcomes,
                          intake.on_admitted)
    host.subscribe_events("intake-on-site-event", own_stream(site),
                          [*outcomes, ResultHandedToApplicant, ResultFormExplained,
                           JointCaseDecided, PersonalDataDestroyed], intake.on_site_event)
    host.every(settings.clock_tick_seconds, "intake-promise-watch", intake.terminate_overdue)
    return host
