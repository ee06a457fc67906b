"""HTTP routes of the ledger, for auditors."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI

from services.ledger.application import Ledger


def add_routes(api: FastAPI, ledger: Ledger) -> None:
    @api.get("/cases/{case_id}/timeline", tags=["auditor"], summary="办件全过程: the timeline")
    async def timeline(case_id: UUID) -> dict[str, Any]:
        return await ledger.host.query(lambda: ledger.timeline(case_id))

    @api.get("/cases/{case_id}/legs", tags=["auditor"], summary="time per leg and who held it")
    async def legs(case_id: UUID) -> dict[str, Any]:
        return await ledger.host.query(lambda: ledger.legs(case_id))
