"""Every refusal any route of any service can give for bad input is worded in Chinese: the test
walks each service's OpenAPI document and sends every route bad parameters and bad bodies made
from its own schemas (wrong types, missing and unknown fields, too long, too short, out of
range, no JSON at all), on services built in-process and never started."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from services.runtime.settings import for_service
from tests.support.staff import on_duty, staff
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
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}.370671",
                                 headers=on_duty("370671")) as client:
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


def json_routes(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every route that takes a JSON body."""
    return [(method, path) for path, operations in openapi["paths"].items()
            for method, operation in operations.items()
            if "application/json" in operation.get("requestBody", {}).get("content", {})]


async def test_a_body_that_is_not_json_is_refused_against_the_body(
    service: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    openapi, client = service
    for method, path in json_routes(openapi):
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
                                 base_url="http://ledger.370671",
                                 headers=on_duty("370671")) as ledger:
        response = await ledger.post(
            "/audit/cases/6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e/applicant", params={"reason": "查"},
            headers=staff("370671-AU01", "auditor"))
    host.store.close()
    assert response.json()["errors"] == [
        {"field": "reason", "reason": "至少2个字符", "rule": "string_too_short"}]


BELL_IN_A_NAME = "王\u0007强"
A_CASE = "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"
STAFF = staff("370671-W01", "window")


def with_text(schemas: Schemas, schema: dict[str, Any], text: str, at: str,
              texts: list[str]) -> Json:
    """A value of `schema` whose every free-text string is `text`, noting where each one is."""
    schema = schemas.resolve(schema)
    options = [s for s in schema.get("oneOf", schema.get("anyOf", []))
               if schemas.resolve(s).get("type") != "null"]
    if options:
        return with_text(schemas, options[0], text, at, texts)
    if "const" in schema or schema.get("enum"):
        return schema.get("const", schema.get("enum", [None])[0])
    if schema.get("type") == "object" or "properties" in schema:
        return {name: with_text(schemas, field, text, f"{at}.{name}".lstrip("."), texts)
                for name, field in schema.get("properties", {}).items()}
    if schema.get("type") == "array":
        return [with_text(schemas, schema.get("items", {}), text, f"{at}.0", texts)]
    if schema.get("type") in ("integer", "number"):
        return schema.get("minimum", 1)
    if schema.get("type") == "boolean":
        return True
    fixed = {"date": "2026-11-26", "date-time": "2026-11-26T09:30:00+08:00", "uuid": A_CASE}
    if schema.get("format") in fixed:
        return fixed[schema["format"]]
    texts.append(at)
    return text


async def test_a_control_character_in_any_text_of_any_route_is_refused_in_chinese(
    service: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    """A bell in 王强's name (or in any reason, address, query) never reaches a store: once
    stored it would break the work ledger's XLSX export for good."""
    openapi, client = service
    schemas, missed = Schemas(openapi), []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            texts: list[str] = []
            params = {p["name"]: (p["in"], with_text(schemas, p["schema"], BELL_IN_A_NAME,
                                                     p["name"], texts))
                      for p in operation.get("parameters", []) if p["in"] != "header"}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            json = with_text(schemas, body["schema"], BELL_IN_A_NAME, "", texts) if body else None
            if not texts:
                continue
            response = await client.request(
                method, path.format(**{n: quote(str(v), safe="") for n, (where, v)
                                        in params.items() if where == "path"}),
                params={n: v for n, (where, v) in params.items() if where == "query"},
                headers=STAFF, json=json)
            refused = {e["field"]: e for e in response.json().get("errors", [])} if (
                response.status_code == 422) else {}
            missed += [(method, path, t) for t in texts if t not in refused or refused[t] != {
                "field": t, "reason": "不能含有控制字符", "rule": "text_control_character"}]
    assert missed == []


async def test_half_a_surrogate_pair_in_a_name_is_refused(tmp_path: Path) -> None:
    host = BUILDERS["intake"](for_service("intake", site="370671", store="sqlite",
                                          data_dir=tmp_path), lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://intake.370671",
                                 headers=on_duty("370671")) as intake:
        response = await intake.post("/cases", headers={**STAFF, "Content-Type": "application/json"},
                                     content=b'{"matter_code": "370202GT0001", "applicant": {'
                                             b'"kind": "person", "name": "\\ud800\\u738b", '
                                             b'"id_number": "370602198803141233"}}')
    host.store.close()
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "applicant.name", "rule": "text_unpaired_surrogate",
                                          "reason": "不能含有无效的 Unicode 字符（不成对的代理项）"}]


async def test_every_refusal_a_route_gives_is_documented_with_the_errors_body(
    service: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    openapi, client = service
    schemas, undocumented = Schemas(openapi), []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]
            for status in (s for s in documented if s.startswith("4")):
                assert documented[status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Errors"}, (method, path, status)
            for call in calls(schemas, path, method, operation):
                response = await client.request(call.method, call.path, params=call.params,
                                                headers=call.headers, json=call.json,
                                                content=call.content)
                if str(response.status_code) not in documented:
                    undocumented.append((method, path, response.status_code))
                if 400 <= response.status_code < 500:
                    assert "errors" in response.json(), (method, path, response.text)
    assert undocumented == []
    statuses = {s for ops in openapi["paths"].values() for op in ops.values()
                for s in op["responses"]}
    assert {"403", "404", "409", "422"} <= statuses


UNBOUNDED_TEXT_FORMATS = ("date", "date-time", "uuid", "binary")  # bounded by their form


def unbounded(schemas: Schemas, schema: dict[str, Any], at: str) -> list[str]:
    """Where a value of `schema` may be a list or a text of any length."""
    schema = schemas.resolve(schema)
    found = [f for option in schema.get("oneOf", schema.get("anyOf", []))
             for f in unbounded(schemas, option, at)]
    if schema.get("type") == "object" or "properties" in schema:
        found += [f for name, field in schema.get("properties", {}).items()
                  for f in unbounded(schemas, field, f"{at}.{name}".lstrip("."))]
    if schema.get("type") == "array":
        found += [] if "maxItems" in schema else [f"{at} (list)"]
        found += unbounded(schemas, schema.get("items", {}), f"{at}[]")
    if schema.get("type") == "string" and not ({"maxLength", "enum", "const"} & set(schema)
                                               or schema.get("format") in UNBOUNDED_TEXT_FORMATS):
        found.append(f"{at} (text)")
    return found


async def test_every_list_and_text_a_route_takes_is_bounded_in_openapi_and_its_body_too(
    service: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    """A notice could name 10,000 defects: an event no NATS server takes, and the site's
    outbox stalled behind it. Every list, text and body a client sends has a bound, documented."""
    openapi, _ = service
    schemas, found, no_413 = Schemas(openapi), [], []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            route = f"{method.upper()} {path}"
            body = operation.get("requestBody", {}).get("content", {})
            found += [f"{route} {f}" for media in body.values()
                      for f in unbounded(schemas, media["schema"], "body")]
            found += [f"{route} {f}" for p in operation.get("parameters", []) if p["in"] == "path"
                      for f in unbounded(schemas, p["schema"], p["name"])]
            if body and "413" not in operation["responses"]:
                no_413.append(route)
    assert found == []
    assert no_413 == []


async def test_a_body_that_cannot_be_read_and_a_wrong_method_answer_the_errors_body(
    service: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    openapi, client = service
    for method, path in json_routes(openapi):
        unreadable = await client.request(
            method, path.format_map(defaultdict(lambda: A_CASE)), content="王强".encode("gbk"),
            headers={**STAFF, "Content-Type": "application/json"})
        assert unreadable.status_code == 400, (method, path, unreadable.text)
        assert unreadable.json()["errors"][0]["rule"] == "http_400"
    wrong_method = await client.request("PATCH", "/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"errors": [
        {"field": "method", "reason": "此地址不接受该请求方法", "rule": "http_405"}]}


async def test_the_work_ledger_exports_are_documented_as_csv_and_xlsx_and_a_date_0_is_refused(
    tmp_path: Path,
) -> None:
    host = BUILDERS["ledger"](for_service("ledger", site="370671", store="sqlite",
                                          data_dir=tmp_path), lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://ledger.370671",
                                 headers=on_duty("370671")) as ledger:
        openapi = (await ledger.get("/openapi.json")).json()
        zero = await ledger.get("/audit/cases", params={"accepted_from": 0})
        a_day = await ledger.get("/audit/cases", params={"accepted_from": "2026-11-23"})
    host.store.close()
    paths = openapi["paths"]
    assert list(paths["/audit/work-ledger.csv"]["get"]["responses"]["200"]["content"]) == [
        "text/csv; charset=utf-8"]
    assert list(paths["/audit/work-ledger.xlsx"]["get"]["responses"]["200"]["content"]) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert zero.status_code == 422 and zero.json()["errors"] == [{
        "field": "accepted_from", "reason": "不是有效的日期（应为 YYYY-MM-DD）",
        "rule": "date_parsing"}]
    assert a_day.status_code == 200
