"""What every service's HTTP surface shares: the acting staff member, errors in a form a window
clerk can read, health and readiness."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator

from contracts.base import Actor
from contracts.identity import APPLICANT_KINDS
from services.runtime.aggregate import DomainError
from services.runtime.reasons_zh import reason_zh
from services.runtime.workdays import CHINA


def _in_china_when_naive(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA)


ChinaDateTime = Annotated[datetime, AfterValidator(_in_china_when_naive)]
"""A date-time from staff: one written without an offset is China's time (Asia/Shanghai, UTC+8),
the time on the hall's clock, so it is never compared naive with the stored UTC times."""


def acting_staff(
    x_staff_id: Annotated[str, Header(min_length=1, max_length=64, description="工作人员编号")],
    x_staff_role: Annotated[str, Header(min_length=1, max_length=32, description="岗位角色")],
) -> Actor:
    """The one place where a command learns who acts; real authentication goes behind it later."""
    return Actor(staff_id=x_staff_id, role=x_staff_role)


def correlation_id(
    x_correlation_id: Annotated[UUID | None, Header()] = None,
) -> UUID:
    return x_correlation_id or uuid4()


ActingStaff = Annotated[Actor, Depends(acting_staff)]
CorrelationId = Annotated[UUID, Depends(correlation_id)]


def error_body(errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"errors": errors}


def _field(error: dict[str, Any]) -> str:
    """The field as the client named it; a body that is no JSON at all is the body's fault,
    not that of the character position pydantic reports."""
    if error["type"] == "json_invalid":
        return "body"
    loc = [str(part) for part in error["loc"]
           if part not in ("body", "header", "path", "query") and part not in APPLICANT_KINDS]
    return ".".join(loc) or "body"


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field(error), "reason": reason_zh(error), "rule": error["type"]}
              for error in exc.errors()]
    return JSONResponse(status_code=422, content=error_body(errors))


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    error = {"field": exc.field, "reason": exc.reason, "rule": exc.rule}
    return JSONResponse(status_code=exc.status, content=error_body([error]))


def service_api(title: str, readiness: Any) -> FastAPI:
    """A FastAPI app with the shared error handlers, /healthz and /readyz."""
    api = FastAPI(title=title, version="0.1.0")
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(DomainError, _domain_error)

    @api.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks: dict[str, bool] = readiness()
        ready = all(checks.values())
        return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, **checks})

    return api
