"""HTTP route of a lawful erasure request (依法删除个人信息): an admin of this site records the
legal basis in writing, and the case's personal data is shredded here at once and, through the
exchange, at its other parties."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from contracts.text import PlainText
from services.routing.shredding import Shredder
from services.runtime.access import staff_in
from services.runtime.host import ServiceHost
from services.runtime.http import CorrelationId

Admin = staff_in("admin")


class ErasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_basis: PlainText = Field(min_length=2, max_length=500,
                                   description="删除的法律依据（书面），如所依据的法条与申请")


def add_erasure_routes(api: FastAPI, host: ServiceHost, shredder: Shredder) -> None:
    @api.post("/cases/{case_id}/personal-data/erasure", tags=["personal data"],
              summary="依法删除: destroy the case's personal data here and at its parties, "
                      "on the record with the written legal basis")
    async def erase(case_id: UUID, body: ErasureRequest, actor: Admin,
                    cid: CorrelationId) -> dict[str, Any]:
        return await host.command(lambda: shredder.erase(case_id, body.legal_basis.strip(),
                                                         actor, cid))
