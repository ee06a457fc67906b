"""What every service's HTTP surface shares: the acting staff member, errors in a form a window
clerk can read (every refusal, documented in OpenAPI), plain text only, health and readiness."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException

from contracts.identity import APPLICANT_KINDS
from contracts.text import text_flaw
from services.runtime.access import (
    Access,
    Gate,
    Refused,
    declared,
    deny_undeclared,
    ops_route,
    refused_answer,
)
from services.runtime.aggregate import DomainError
from services.runtime.body_limit import BodyLimit, BodyTooLarge, body_within
from services.runtime.docs import add_local_docs
from services.runtime.reasons_zh import reason_zh
from services.runtime.request_log import RequestLog, request_correlation_id
from services.runtime.workdays import CHINA


def _in_china_when_naive(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA)


ChinaDateTime = Annotated[datetime, AfterValidator(_in_china_when_naive)]
"""A date-time from staff: one written without an offset is China's time (Asia/Shanghai, UTC+8),
the time on the hall's clock, so it is never compared naive with the stored UTC times."""


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _written_as_a_date(value: Any) -> Any:
    if isinstance(value, str | int | float) and not _ISO_DATE.match(str(value)):
        raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_written_as_a_date)]
"""A date written as YYYY-MM-DD: pydantic would read `0` or `1764115200` as seconds since
1970 and answer for a day nobody asked about."""


def correlation_id(
    request: Request, x_correlation_id: Annotated[UUID | None, Header()] = None,
) -> UUID:
    """The request's id, as RequestLog chose it and the response returns it (the header is
    declared here for the OpenAPI document, and so that one not a UUID is refused)."""
    return request_correlation_id(request.scope) or x_correlation_id or uuid4()


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


_HTTP_REFUSALS = {
    400: ("body", "请求体无法解析（应为 UTF-8 编码的 JSON）"),
    404: ("path", "没有这个地址"),
    405: ("method", "此地址不接受该请求方法"),
    413: ("body", "请求体过大"),
}


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    """What the framework refuses itself (a body it cannot parse or too large, an unknown path
    or method) answers the same `errors` body as every other refusal, never `{"detail": ...}`."""
    assert isinstance(exc, HTTPException)
    field, reason = _HTTP_REFUSALS.get(exc.status_code, ("request", "请求无法处理"))
    if isinstance(exc, BodyTooLarge):
        reason += f"（至多 {exc.limit} 字节）"
    error = {"field": field, "reason": reason, "rule": f"http_{exc.status_code}"}
    return JSONResponse(status_code=exc.status_code, content=error_body([error]),
                        headers=exc.headers)


def _text_flaws(value: Any, loc: tuple[str | int, ...]) -> list[dict[str, Any]]:
    if isinstance(value, str):
        flaw = text_flaw(value)
        return [] if flaw is None else [{"type": flaw[0], "loc": loc, "msg": flaw[1],
                                         "input": value}]
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _text_flaws(k, loc) + _text_flaws(v, (*loc, k))]
    if isinstance(value, list):
        return [e for n, v in enumerate(value) for e in _text_flaws(v, (*loc, n))]
    return []


async def plain_text_only(request: Request) -> None:
    """Every route, before its own validation: no text the client sends (path, query, every
    string of a JSON body, its keys too) holds a control character
    or an unpaired surrogate. Checked here, once for all routes, so a new route or field cannot
    forget it; such a character stored once breaks every export made from it later."""
    errors = _text_flaws(dict(request.path_params), ("path",))
    errors += [e for k, v in request.query_params.multi_items() for e in _text_flaws(v, ("query", k))]
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is not None and "json" in request.headers.get(
            "content-type", ""):
        try:
            errors += _text_flaws(await request.json(), ("body",))
        except ValueError:
            pass  # not JSON: the route's own validation says so
    if errors:
        raise RequestValidationError(errors)


ERRORS_SCHEMA = {"type": "object", "required": ["errors"], "properties": {"errors": {
    "type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["field", "reason", "rule"], "properties": {
            "field": {"type": "string", "description": "the field refused, or body, path, case"},
            "reason": {"type": "string", "description": "why, in Chinese, for staff"},
            "rule": {"type": "string", "description": "a stable name for the rule broken"}}}}}}
REFUSALS = {400: "请求体无法解析", 401: "未登录或令牌无效", 403: "岗位或所属地无权办理", 404: "办件或地址不存在",
            409: "与办件当前状态不符", 413: "文件或请求体过大", 415: "不接受的文件或请求类型",
            422: "输入不符合要求"}


def refusals_of(operation: dict[str, Any]) -> list[int]:
    """The refusals an operation can answer, read from what it takes: a body can be
    unparsable or too large, a staff route can refuse the caller, any case can be unknown or
    in the wrong state, and a file can be of a type not accepted."""
    if "ops" in operation.get("tags", []):
        return []
    body = operation.get("requestBody", {}).get("content", {})
    return sorted({404, 409, 422} | ({400, 413} if body else set())
                  | ({401, 403} if "x-roles" in operation else set())
                  | ({415} if "multipart/form-data" in body else set()))


def document_access(api: FastAPI, schema: dict[str, Any]) -> None:
    """Each operation says who may call it: `x-roles` and `x-own-site` for staff routes (with
    the bearer scheme), `x-caller` for the applicant's and the operator's."""
    for route in api.routes:
        if not isinstance(route, APIRoute) or route.path not in schema["paths"]:
            continue
        access = declared(route)
        for method in route.methods:
            operation = schema["paths"][route.path].get(method.lower())
            if operation is None:
                continue
            if isinstance(access, Access):
                operation["x-roles"] = list(access.roles)
                operation["x-own-site"] = access.own_site
            elif access is not None:
                operation["x-caller"] = access.who


def document_refusals(api: FastAPI, body_max_bytes: int) -> None:
    """Every operation's OpenAPI says who may call it and lists each refusal it can answer,
    all with the `errors` body (FastAPI documents only 200 and a 422 body we never send); a
    JSON body's 413 says its limit."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Errors"] = ERRORS_SCHEMA
        document_access(api, schema)
        for operations in schema["paths"].values():
            for operation in operations.values():
                body = operation.get("requestBody", {}).get("content", {})
                for status in refusals_of(operation):
                    description = (f"请求体过大（至多 {body_max_bytes} 字节）"
                                   if status == 413 and "application/json" in body
                                   else REFUSALS[status])
                    operation["responses"][str(status)] = {
                        "description": description, "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Errors"}}}}
        return schema
    api.openapi = openapi  # type: ignore[method-assign]


def service_api(title: str, readiness: Any, body_max_bytes: int, gate: Gate) -> FastAPI:
    """A FastAPI app where every route declares who may call it (refused if it does not), with
    the shared error handlers, every body bounded, the plain-text check on every route, every
    refusal documented, /healthz and /readyz."""
    api = FastAPI(title=title, version="0.1.0", docs_url=None, redoc_url=None, dependencies=[
        Depends(deny_undeclared), Depends(body_within(body_max_bytes)), Depends(plain_text_only)])
    add_local_docs(api)
    api.state.gate = gate
    api.add_middleware(BodyLimit, max_bytes=body_max_bytes)
    api.add_middleware(RequestLog)  # outside BodyLimit: its refusals are logged too
    api.add_exception_handler(Refused, refused_answer)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(HTTPException, _http_error)
    document_refusals(api, body_max_bytes)

    @api.get("/healthz", tags=["ops"], dependencies=[ops_route])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", tags=["ops"], dependencies=[ops_route], responses={503: {"description": "not ready: the checks"}})
    async def readyz() -> JSONResponse:
        checks: dict[str, Any] = readiness()
        stalled = checks.get("stalled", [])
        ready = not stalled and all(v for v in checks.values() if isinstance(v, bool))
        return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, **checks})

    return api
