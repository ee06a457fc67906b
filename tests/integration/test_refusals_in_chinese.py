"""Every refusal any route of any service can give for bad input is worded in Chinese: the test
walks each service's OpenAPI document and sends every route bad parameters and bad bodies made
from its own schemas (wrong types, missing and unknown fields, too long, too short, out of
range, no JSON at all), on services built in-process and never started."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.runtime.settings import for_service
from tongban.registry import BUILDERS

NOW = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
CJK = re.compile(r"[\u3400-\u9fff]")
PYDANTIC_ENGLISH = re.compile(
    r"\b(Input|should|Field|required|valid|Extra|permitted|characters|least|most|match|"
    r"decode|error|Value|String|or|items?|greater|less|than|Expected|received)\b")
Json = Any


@dataclass(frozen=True)
class Badness:
    """One way of being wrong, applied to every field of a request at once."""

    mode: str  # "type", "high" (too long, too many, too big), "low" or "absent" (left out)
    branch: int  # which alternative of a oneOf/anyOf to fill
    keep_constants: bool  # fill `kind`-like constants right, to get inside the alternative


BADNESSES = [Badness(mode, branch, keep) for mode in ("type", "high", "low", "absent")
             for branch in (0, 1) for keep in (True, False)]


class Schemas:
    def __init__(self, openapi: dict[str, Any]) -> None:
        self.components = openapi.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def bad(self, schema: dict[str, Any], how: Badness) -> Json:
        """A value that breaks `schema` the way `how` says (or a harmless one if it cannot)."""
        schema = self.resolve(schema)
        options = [s for s in schema.get("oneOf", schema.get("anyOf", []))
                   if self.resolve(s).get("type") != "null"]
        if options:
            return self.bad(options[how.branch % len(options)], how)
        if "const" in schema or len(schema.get("enum", [])) == 1:
            right = schema.get("const", schema.get("enum", [None])[0])
            return right if how.keep_constants else "不存在的类型"
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self.bad_object(schema, how)
        if kind == "array":
            return self._array(schema, how)
        if kind in ("integer", "number"):
            return self._number(schema, how)
        if kind == "boolean":
            return "也许" if how.mode == "type" else True
        return self._string(schema, how)

    def bad_object(self, schema: dict[str, Any], how: Badness) -> Json:
        if how.mode == "type" and not how.keep_constants:
            return "不是对象"
        return self.bad_fields(schema, how)

    def bad_fields(self, schema: dict[str, Any], how: Badness) -> dict[str, Json]:
        schema = self.resolve(schema)
        properties = schema.get("properties", {})
        body = {name: self.bad(field, how) for name, field in properties.items()}
        if how.mode == "absent":
            body = {k: v for k, v in body.items() if k not in schema.get("required", [])}
        return body

    def _array(self, schema: dict[str, Any], how: Badness) -> Json:
        item = self.bad(schema.get("items", {}), how)
        if how.mode == "type":
            return [item] if how.keep_constants else "不是列表"
        if how.mode == "high":
            return [item] * (schema.get("maxItems", 0) + 1)
        return [] if how.mode == "low" and schema.get("minItems") else [item]

    @staticmethod
    def _number(schema: dict[str, Any], how: Badness) -> Json:
        if how.mode == "type":
            return "三"
        if how.mode == "high":
            return schema.get("maximum", schema.get("exclusiveMaximum", 10**9)) + 1
        return schema.get("minimum", schema.get("exclusiveMinimum", 1)) - 1

    @staticmethod
    def _string(schema: dict[str, Any], how: Badness) -> Json:
        if how.mode == "type":
            return {"date": "明天", "date-time": "昨天上午", "uuid": "不是编号"}.get(
                schema.get("format", ""), 12345)
        if how.mode == "high":
            return "字" * (schema["maxLength"] + 1) if "maxLength" in schema else "字"
        if how.mode == "absent":
            return "字"
        if "minLength" in schema:
            return "字" * (schema["minLength"] - 1)
        return "！" if "pattern" in schema or "enum" in schema else "2026-13-45"


def header_value(value: Json) -> str:
    """Headers carry ASCII only: the same badness, spelt in ASCII."""
    text = value if isinstance(value, str) else str(value)
    return text if text.isascii() else "x" * len(text)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    json: Json = None
    content: bytes | None = None


def calls(schemas: Schemas, path: str, method: str, operation: dict[str, Any]) -> Iterator[Call]:
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    body_schema = next(iter(body.values()), {}).get("schema")
    for how in BADNESSES:
        values = {p["name"]: (p["in"], schemas.bad(p["schema"], how)) for p in parameters}
        url = path.format(**{n: v for n, (where, v) in values.items() if where == "path"})
        query = {n: v for n, (where, v) in values.items() if where == "query"}
        headers = {n: header_value(v) for n, (where, v) in values.items() if where == "header"}
        if how.mode == "absent":
            query = {n: v for n, v in query.items() if not _required(parameters, n)}
            headers = {n: v for n, v in headers.items() if not _required(parameters, n)}
        yield Call(method, url, query, headers,
                   json=schemas.bad_fields(body_schema, how) if body_schema else None)
    if body_schema:
        yield Call(method, path, {}, {"Content-Type": "application/json"},
                   content=b'{"matter_code": ')
        for shape in ([], "文字", {"不认识的字段": 1}):
            yield Call(method, path, {}, {}, json=shape)


def _required(parameters: list[dict[str, Any]], name: str) -> bool:
    return any(p["name"] == name and p.get("required") for p in parameters)


@pytest.fixture(params=list(BUILDERS))
async def service(request: pytest.FixtureRequest, tmp_path: Path
                  ) -> AsyncIterator[tuple[dict[str, Any], httpx.AsyncClient]]:
    name = request.param
    host = BUILDERS[name](for_service(name, site="370671", store="sqlite", data_dir=tmp_path),
                          lambda: NOW)
    transport = httpx.ASGITransport(app=host.api, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}.370671") as client:
        yield host.api.openapi(), client
    host.store.close()


async def refusals(openapi: dict[str, Any], client: httpx.AsyncClient
                   ) -> dict[str, list[dict[str, str]]]:
    """Every validation error each route gave, by route."""
    schemas, found = Schemas(openapi), {}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if not operation.get("parameters") and "requestBody" not in operation:
                continue  # nothing the client sends, nothing to refuse
            errors = found.setdefault(f"{method.upper()} {path}", [])
            for call in calls(schemas, path, method, operation):
                response = await client.request(call.method, call.path, params=call.params,
                                                headers=call.headers, json=call.json,
                                                content=call.content)
                if response.status_code == 422:
                    errors.extend(response.json()["errors"])
    return found


async def test_every_refusal_of_bad_input_is_worded_in_chinese(
    service: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    found = await refusals(*service)
    english = [(route, e["field"], e["reason"]) for route, errors in found.items() for e in errors
               if not CJK.search(e["reason"]) or PYDANTIC_ENGLISH.search(e["reason"])]
    assert english == []
    assert [route for route, errors in found.items() if not errors] == []  # each was refused
    rules = {e["rule"] for errors in found.values() for e in errors}
    assert {"missing", "uuid_parsing", "string_too_long"} & rules


async def test_a_body_that_is_not_json_is_refused_against_the_body(
    service: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    openapi, client = service
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                response = await client.request(method, path, content='{"reason": "材料不全'.encode(),
                                                headers={"Content-Type": "application/json"})
                assert response.json()["errors"] == [
                    {"field": "body", "reason": "请求体不是有效的 JSON", "rule": "json_invalid"}]


async def test_a_one_character_reason_to_read_personal_data_is_refused_as_too_short(
    tmp_path: Path,
) -> None:
    host = BUILDERS["ledger"](for_service("ledger", site="370671", store="sqlite",
                                          data_dir=tmp_path), lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://ledger.370671") as ledger:
        response = await ledger.post(
            "/audit/cases/6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e/applicant", params={"reason": "查"},
            headers={"X-Staff-Id": "370671-AU01", "X-Staff-Role": "auditor"})
    host.store.close()
    assert response.json()["errors"] == [
        {"field": "reason", "reason": "至少2个字符", "rule": "string_too_short"}]
