"""Signing in at a site's console, and what each role is shown and let reach (issue 19)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI

from tests.console.conftest import Halls
from tests.support.console import SignedIn, account, signed_in
from tests.support.stack import GT_CHANGE


@pytest.fixture
def yantai_console(halls: Halls) -> FastAPI:
    return halls.yantai


async def test_a_clerk_signs_in_and_sees_her_name_roles_and_only_her_sections(
    yantai_console: FastAPI,
) -> None:
    clerk = await signed_in(yantai_console, "370671-W11", "张敏", "window")
    home = await clerk.get("/")
    await clerk.aclose()

    assert "张敏" in home.text and "370671-W11" in home.text and "窗口受理人员" in home.text
    assert 'href="/window"' in home.text and 'href="/delivery"' in home.text
    assert 'href="/approval"' not in home.text and 'href="/audit"' not in home.text


async def test_a_clerk_who_types_the_approval_or_audit_address_is_refused(
    yantai_console: FastAPI,
) -> None:
    clerk = await signed_in(yantai_console, "370671-W12", "王芳", "window")
    refused = [await clerk.get(path) for path in ("/approval", "/audit", "/supervision")]
    await clerk.aclose()

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert all("您的岗位无权访问此页面" in r.text for r in refused)


async def test_a_wrong_password_is_refused_beside_the_password_and_keeps_the_staff_id(
    yantai_console: FastAPI,
) -> None:
    account("370671-W13", "刘洋", "window")
    clerk = SignedIn(yantai_console)
    answer = await clerk.sign_in("370671-W13", "not-her-password-at-all")
    await clerk.aclose()

    assert answer.status_code == 401
    assert "工号或密码不正确" in answer.text
    assert 'value="370671-W13"' in answer.text


async def test_nobody_signed_in_is_sent_to_sign_in_and_back_to_the_page_asked_for(
    yantai_console: FastAPI,
) -> None:
    password = account("370671-AU11", "周涛", "auditor")
    auditor = SignedIn(yantai_console)
    first = await auditor.get("/audit")
    assert first.url.path == "/sign-in" and "工作人员登录" in first.text
    back = await auditor.post("/sign-in", {"username": "370671-AU11", "password": password,
                                           "next": "/audit"})
    await auditor.aclose()

    assert back.status_code == 200 and back.url.path == "/audit"


async def test_a_form_posted_without_the_page_token_changes_nothing(
    yantai_console: FastAPI,
) -> None:
    clerk = await signed_in(yantai_console, "370671-W14", "赵丽", "window")
    clerk.csrf = "forged"
    answer = await clerk.post("/sign-out")
    still = await clerk.get("/")
    await clerk.aclose()

    assert answer.status_code == 403 and "页面已过期" in answer.text
    assert still.url.path == "/" and "赵丽" in still.text


async def test_a_session_that_expired_mid_form_signs_in_again_and_finds_the_form_as_typed(
    halls: Halls,
) -> None:
    password = account("370671-W15", "韩雪", "window")
    clerk = SignedIn(halls.yantai)
    await clerk.sign_in("370671-W15", password)
    await clerk.get("/window/new")
    halls.clock.now += timedelta(hours=11)  # past the access and the refresh token
    typed = {"matter_code": GT_CHANGE, "applicant_kind": "person", "name": "王强",
             "id_number": "370602198803141233", "phone": "13805351234",
             "delivery_channel": "pickup_at_window", "_page": "/window/new"}
    asked_again = await clerk.post("/window/cases", typed)
    back = await clerk.post("/sign-in", {"username": "370671-W15", "password": password,
                                         "next": "/window/new"})
    shown_once_more = await clerk.get("/window/new")
    await clerk.aclose()

    assert asked_again.url.path == "/sign-in" and "未提交的内容会保留" in asked_again.text
    assert back.url.path == "/window/new"
    assert 'value="370602198803141233"' in back.text and 'value="王强"' in back.text
    assert 'value="370602198803141233"' not in shown_once_more.text  # the draft is used once
