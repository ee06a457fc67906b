"""HTTP routes of delivery."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI

from services.delivery.application import ResultDelivery


def add_routes(api: FastAPI, delivery: ResultDelivery) -> None:
    @api.get("/cases/{case_id}", tags=["delivery"], summary="the result of a case")
    async def read_result(case_id: UUID) -> dict[str, Any]:
        return await delivery.host.query(lambda: delivery.get(case_id))
