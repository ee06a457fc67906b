"""Who may call what, on the real stack: every route of every service declares its callers, and
a generated role × route matrix, drawn from each service's OpenAPI, shows each route open to
exactly the roles it lists — and closed to no token, an expired one, one signed by another
key, one of another site and one claiming to be the system."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.routing import APIRoute
from structlog.testing import capture_logs

from contracts.staff import AUDIENCE, ROLES
from services.issuer.signing import SigningKey
from services.issuer.tokens import signed
from services.ledger.main import build as build_ledger
from services.runtime.access import declared
from services.runtime.nats_server import LocalNatsServer, free_port
from services.runtime.settings import for_service
from tests.support.clock import THURSDAY_MORNING, RunningClock
from tests.support.stack import (
    APPROVER,
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    eventually,
    settings_factory,
    take_in_and_accept,
)
from tests.support.staff import SUITE_ISSUER, bearer, claims_of, staff

YANTAI, QINGDAO = "370671", "370202"
ACCESS_RULES = {"role_not_allowed", "other_site", "route_undeclared", "token_missing",
                "token_expired", "unknown_key", "token_claims", "token_signature",
                "token_malformed", "token_issuer", "token_audience", "issuer_unset"}
PATH_VALUES = {"case_id": str(uuid4()), "rating_id": str(uuid4()), "number": "370671-M-0001",
               "tracking_number": "SF1234567890", "sha256": "0" * 64, "window_id": "W01",
               "kind": "receipt"}
# Required query parameters, with values that pass their own checks.
QUERY_VALUES = {"at": "2026-11-26T09:30:00+08:00", "reason": "核查投诉材料",
                "case_number": "370671-2026-000001", "id_number": WANG_QIANG["id_number"]}


@pytest.fixture
async def yantai(nats_server: LocalNatsServer, tmp_path: Any) -> Any:
    stack = Stack(settings_factory(nats_server, {"store": "sqlite",
                                                     "data_dir": tmp_path / "data"}))
    await stack.start([YANTAI])
    yield stack
    await stack.stop()


def operations(api: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in api.openapi()["paths"].items()
            for method, op in ops.items()]


async def call(client: httpx.AsyncClient, method: str, path: str, op: dict[str, Any],
               headers: dict[str, str]) -> httpx.Response:
    url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
    params = {p["name"]: QUERY_VALUES.get(p["name"], "1") for p in op.get("parameters", [])
              if p["in"] == "query" and p.get("required")}
    body = {"json": {}} if "application/json" in op.get("requestBody", {}).get(
        "content", {}) else {}
    return await client.request(method, url, params=params, headers=headers, **body)


def refused_for_access(response: httpx.Response) -> str | None:
    """The access rule a response refuses by, if it is an access refusal."""
    if response.status_code not in (401, 403):
        return None
    rules = {e["rule"] for e in response.json()["errors"]}
    return next(iter(rules & ACCESS_RULES), None)


async def test_every_route_of_every_service_declares_who_may_call_it(yantai: Stack) -> None:
    undeclared = [f"{host.service} {sorted(route.methods)} {route.path}"
                  for host in yantai.hosts.values() for route in host.api.routes
                  if isinstance(route, APIRoute) and declared(route) is None]
    assert not undeclared, undeclared


async def test_a_route_added_without_declaring_its_callers_is_refused_not_open(
        yantai: Stack) -> None:
    api = yantai.host(YANTAI, "intake").api

    @api.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {"applicant": WANG_QIANG["id_number"]}

    async with yantai.client(YANTAI, "intake") as intake:
        response = await intake.get("/forgotten")
    assert response.status_code == 403
    assert response.json()["errors"][0]["rule"] == "route_undeclared"
    assert WANG_QIANG["id_number"] not in response.text


async def test_each_route_admits_exactly_the_roles_it_lists_and_no_one_else(yantai: Stack
                                                                             ) -> None:
    """The matrix: each operation of each service's OpenAPI × each role (a token carrying that
    role only), plus the tokens that prove nobody or the wrong site."""
    a_moment_ago = THURSDAY_MORNING - timedelta(hours=1)
    someone = claims_of("370671-W01", "window")
    invalid = {
        "no token": {},
        "expired": bearer(SUITE_ISSUER.token(someone, a_moment_ago - timedelta(hours=8),
                                             timedelta(minutes=15))),
        "another key": bearer(SUITE_ISSUER.token(someone, key=SigningKey.generate())),
        "another site": staff("370202-W01", *ROLES),
        "system": bearer(signed(SUITE_ISSUER.key, {
            "sub": "370671-SYS", "site": YANTAI, "roles": ["system", *ROLES],
            "iss": SUITE_ISSUER.url, "aud": AUDIENCE, "iat": int(a_moment_ago.timestamp()),
            "exp": int((a_moment_ago + timedelta(days=1)).timestamp())})),
        "not a token": {"Authorization": "Bearer 370671-W01"},
    }
    wrong: list[str] = []
    checked = 0
    for host in yantai.hosts.values():
        async with yantai.client(YANTAI, host.service) as client:
            for method, path, op in operations(host.api):
                name = f"{host.service} {method} {path}"
                if "x-caller" in op:  # the applicant's and the operator's: no token asked
                    response = await call(client, method, path, op, {"Authorization": ""})
                    if refused_for_access(response):
                        wrong.append(f"{name}: {op['x-caller']} refused")
                    continue
                assert "x-roles" in op, f"{name} says nothing of who may call it"
                for role in ROLES:
                    response = await call(client, method, path, op,
                                          staff(f"370671-{role.upper()}", role))
                    rule, allowed = refused_for_access(response), role in op["x-roles"]
                    checked += 1
                    if allowed and rule or not allowed and rule != "role_not_allowed":
                        wrong.append(f"{name} as {role}: {response.status_code} {rule}")
                for kind, headers in invalid.items():
                    response = await call(client, method, path, op,
                                          headers or {"Authorization": ""})
                    expected = 403 if kind == "another site" else 401
                    checked += 1
                    if response.status_code != expected or not refused_for_access(response):
                        wrong.append(f"{name} with {kind}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert checked > 900  # some 70 staff routes × 14 callers


async def test_a_refusal_names_the_rule_in_chinese_and_is_logged_with_who_and_what(
        yantai: Stack) -> None:
    guide = staff("370671-G01", "guide")
    with capture_logs() as logs:
        async with yantai.client(YANTAI, "ledger") as ledger:
            response = await ledger.post(f"/audit/cases/{uuid4()}/applicant",
                                         params={"reason": "好奇"}, headers=guide)
    assert response.status_code == 403
    assert response.json()["errors"] == [{"field": "authorization", "rule": "role_not_allowed",
                                          "reason": "此操作仅限审计人员"}]
    refusal = next(entry for entry in logs if entry["event"] == "access_refused")
    assert refusal["staff"] == "370671-G01" and refusal["roles"] == ["guide"]
    assert refusal["path"].endswith("/applicant") and refusal["method"] == "POST"


async def test_a_clerk_signs_in_at_the_issuer_and_works_with_the_token_it_gives(
        yantai: Stack) -> None:
    SUITE_ISSUER.accounts.add("370671-W07", "韩雪", YANTAI, ("window",), "窗口七号-正确的密码-2026")
    SUITE_ISSUER.clock = yantai.clock  # the tokens' times are those of the services
    async with httpx.AsyncClient(base_url=SUITE_ISSUER.url) as issuer:
        wrong = await issuer.post("/token", data={"grant_type": "password",
                                                  "username": "370671-W07", "password": "x"})
        signed_in = await issuer.post("/token", data={
            "grant_type": "password", "username": "370671-W07", "password": "窗口七号-正确的密码-2026"})
        renewed = await issuer.post("/token", data={
            "grant_type": "refresh_token", "refresh_token": signed_in.json()["refresh_token"]})
    SUITE_ISSUER.clock = RunningClock()
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert signed_in.status_code == 200 and signed_in.json()["expires_in"] == 15 * 60
    async with yantai.client(YANTAI, "intake") as intake:
        for token in (signed_in.json()["access_token"], renewed.json()["access_token"]):
            opened = await intake.post("/cases", headers=bearer(token), json={
                "matter_code": GT_CHANGE, "applicant": WANG_QIANG})
            assert opened.status_code == 201, opened.text
            assert opened.json()["owner_staff_id"] == "370671-W07"
        read = await intake.get(f"/cases/{opened.json()['case_id']}",
                                headers=bearer(signed_in.json()["access_token"]))
        assert read.status_code == 200


async def test_only_the_approver_holding_the_case_or_the_head_moves_its_clock_and_nobody_after_the_decision(
        two_sites: Stack) -> None:
    async with two_sites.client(YANTAI, "intake") as intake, \
            two_sites.client(QINGDAO, "approval") as approval:
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)
        await eventually(lambda: _received(approval, case_id))
        assert (await approval.post(f"/cases/{case_id}/claim", headers=APPROVER)).is_success
        extension = {"extra_days": 5, "reason": "需补充消防意见", "approved_by": "370202-H01"}
        colleague = staff("370202-A09", "approver")
        by_colleague = await approval.post(f"/cases/{case_id}/extensions", headers=colleague,
                                           json=extension)
        assert by_colleague.status_code == 403
        assert by_colleague.json()["errors"][0]["rule"] == "not_holder_or_head"
        by_head = await approval.post(f"/cases/{case_id}/extensions", json=extension,
                                      headers=staff("370202-H01", "head"))
        assert by_head.status_code == 200, by_head.text
        approved = await approval.post(f"/cases/{case_id}/approve", headers=APPROVER,
                                       json={"document_number": "370202600123456"})
        assert approved.status_code == 200, approved.text
        after = await approval.post(f"/cases/{case_id}/extensions", json=extension,
                                    headers=staff("370202-H01", "head"))
        assert after.status_code == 409
        assert after.json()["errors"][0]["rule"] == "case_already_decided"


async def _received(approval: httpx.AsyncClient, case_id: str) -> bool:
    return (await approval.get(f"/cases/{case_id}")).status_code == 200


def test_no_account_of_the_issuer_may_hold_the_system_role() -> None:
    """A clerk's step must never look automatic: `system` is what services record when they
    act on their own; a token that claims it proves nobody (the matrix above)."""
    with pytest.raises(ValueError, match="system"):
        SUITE_ISSUER.accounts.add("370671-SYS", "系统", YANTAI, ("system",), "足够长的密码足够长")


async def test_while_the_identity_provider_is_unreachable_staff_are_told_so_at_once(
        tmp_path: Any) -> None:
    """503 with the reason, without waiting on the provider for every request; and no route
    opens for lack of a check."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    host = build_ledger(for_service("ledger", site=YANTAI, store="sqlite", data_dir=tmp_path,
                                    auth_issuer=nowhere), RunningClock())
    auditor = staff("370671-AU01", "auditor")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                 base_url="http://ledger.370671") as ledger:
        answers = [await ledger.get("/audit/legs", headers=auditor) for _ in range(3)]
    host.store.close()
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert answers[0].json()["errors"][0]["rule"] == "issuer_unreachable"
    assert "身份认证服务暂不可用" in answers[0].json()["errors"][0]["reason"]
