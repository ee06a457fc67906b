"""Wiring of the approval service; nothing connects at import."""

from __future__ import annotations

from contracts.intake import SupplementForwarded
from contracts.routing import CaseAdmitted, CaseRouted, ParcelReceived
from contracts.subjects import admitted_stream, own_stream
from services.approval import read_side
from services.approval.application import Approval
from services.approval.http import add_routes
from services.runtime.host import Clock, ServiceHost
from services.runtime.metrics import Overdue, ReadSide
from services.runtime.settings import ServiceSettings
from services.runtime.workdays import calendar_for


def build(settings: ServiceSettings, clock: Clock) -> ServiceHost:
    calendar, lead_days = calendar_for(settings), settings.deadline_lead_days
    host = ServiceHost("approval", settings, clock, read_side.projections(calendar, lead_days))
    cases = read_side.APPROVAL_CASES  # undecided past the legal due date
    host.metrics.read_side = ReadSide(cases, (Overdue("decision", cases, "due_date", "outcome"),))
    approval = Approval(host, host.directory, calendar, lead_days)
    add_routes(host.api, approval)
    site = settings.site
    # what Approval.on_routing_event and .on_admitted take; the server sends nothing else
    host.subscribe_events("approval-on-routing", own_stream(site),
                          [CaseRouted, CaseAdmitted, ParcelReceived], approval.on_routing_event)
    host.subscribe_events("approval-on-admitted", admitted_stream(site), [SupplementForwarded],
                          approval.on_admitted)
    host.every(settings.clock_tick_seconds, "approval-clock", approval.tick_all)
    return host
