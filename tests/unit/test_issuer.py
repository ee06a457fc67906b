"""The local issuer as a clerk meets it: sign in with a password, stay signed in with the
refresh token, and a password guessed at locks the account for a quarter of an hour."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import jwt

from contracts.staff import AUDIENCE
from services.issuer.accounts import Accounts
from services.issuer.app import issuer_api
from services.issuer.signing import SigningKey
from tests.support.clock import FakeClock

ISSUER = "http://issuer.370671"
PASSWORD = "烟台窗口-张敏-2026-冬"


def issuer(tmp_path: Path, clock: FakeClock) -> tuple[httpx.AsyncClient, SigningKey, Accounts]:
    key, accounts = SigningKey.in_file(tmp_path / "key.pem"), Accounts(tmp_path / "staff.json")
    accounts.add("370671-W01", "张敏", "370671", ("window",), PASSWORD, "政务服务中心")
    api = issuer_api(ISSUER, key, accounts, clock)
    return (httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url=ISSUER),
            key, accounts)


def sign_in(password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": "370671-W01", "password": password}


async def test_a_clerk_signs_in_and_the_token_names_her_site_department_and_role(
        tmp_path: Path) -> None:
    clock = FakeClock()
    client, key, _ = issuer(tmp_path, clock)
    async with client:
        answer = await client.post("/token", data=sign_in(PASSWORD))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    claims = jwt.decode(answer.json()["access_token"], key.private.public_key(),
                        algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER,
                        options={"verify_exp": False})
    assert (claims["sub"], claims["site"], claims["department"], claims["roles"]) == (
        "370671-W01", "370671", "政务服务中心", ["window"])
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["iat"] == int(clock.now.timestamp())  # the injected clock, not the machine's


async def test_five_wrong_passwords_lock_the_account_for_a_quarter_of_an_hour(
        tmp_path: Path) -> None:
    clock = FakeClock()
    client, _, _ = issuer(tmp_path, clock)
    async with client:
        wrong = [await client.post("/token", data=sign_in(f"guess-{n}")) for n in range(5)]
        locked = await client.post("/token", data=sign_in(PASSWORD))
        clock.now += timedelta(minutes=15, seconds=1)
        after = await client.post("/token", data=sign_in(PASSWORD))
    assert [w.status_code for w in wrong] == [400] * 5
    assert {w.json()["errors"][0]["reason"] for w in wrong} == {"用户名或密码错误"}
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) <= 900
    assert locked.json()["errors"][0]["reason"] == "密码错误次数过多，请15分钟后再试"
    assert after.status_code == 200


async def test_a_refresh_token_keeps_her_signed_in_for_a_working_day_and_no_longer(
        tmp_path: Path) -> None:
    clock = FakeClock()
    client, _, _ = issuer(tmp_path, clock)
    async with client:
        refresh = (await client.post("/token", data=sign_in(PASSWORD))).json()["refresh_token"]
        renewal = {"grant_type": "refresh_token", "refresh_token": refresh}
        clock.now += timedelta(hours=9)
        renewed = await client.post("/token", data=renewal)
        clock.now += timedelta(hours=2)
        expired = await client.post("/token", data=renewal)
    assert renewed.status_code == 200
    assert expired.status_code == 400
    assert expired.json()["error_description"] == "登录已过期，请重新登录"
