"""HTTP routes of the exchange."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI

from services.routing.domain import RoutedCase
from services.runtime.aggregate import CaseNotFound
from services.runtime.host import ServiceHost


def add_routes(api: FastAPI, host: ServiceHost) -> None:
    def read(case_id: UUID) -> RoutedCase:
        case = host.store.load(RoutedCase, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    @api.get("/cases/{case_id}", tags=["exchange"], summary="the parties of a case")
    async def read_case(case_id: UUID) -> dict[str, Any]:
        case = await host.query(lambda: read(case_id))
        return {"case_id": str(case.id), "case_number": case.case_number,
                "receiving_site": case.receiving_site, "business_sites": case.business_sites,
                "handling_mode": case.handling_mode,
                "paper_items": [i.name for i in case.paper_items]}
