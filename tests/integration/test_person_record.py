"""A person's record (PIPL Art. 45) at the auditor's ledger, and lookups by ID number through
blind indexes only (issue 18), on a real site: real nats-server, every service of 370671."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.runtime.nats_server import LocalNatsServer
from services.runtime.projections import Query
from tests.support.applicant import receipt_query_code
from tests.support.stack import (
    WANG_QIANG,
    WINDOW_CLERK,
    Stack,
    eventually,
    settings_factory,
    take_in_and_accept,
    turn_away,
)
from tests.support.staff import staff

YANTAI = "370671"
EMPLOYMENT_CARD = "370671JY0003"  # 就业创业证申领, decided at 烟台高新区 itself
LI_NA = {"kind": "person", "name": "李娜", "id_number": "370687199003074528",
         "phone": "13953571234"}
AUDITOR = staff("370671-AU01", "auditor")
ADMIN = staff("370671-ADM1", "admin")
WHY = "申请人依个人信息保护法第四十五条申请查阅"
PLAIN = (WANG_QIANG["id_number"], WANG_QIANG["name"], WANG_QIANG["phone"],
         LI_NA["id_number"], LI_NA["name"], LI_NA["phone"])

pytestmark = pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)


@pytest.fixture
async def site(nats_server: LocalNatsServer, store_overrides: dict[str, Any]
               ) -> AsyncIterator[tuple[Stack, dict[str, str]]]:
    """Yantai with two cases of 王强 and one of 李娜, 王强's first read unmasked once."""
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([YANTAI])
    try:
        async with stack.client(YANTAI, "intake") as intake:
            cases = {"wang": await take_in_and_accept(intake, EMPLOYMENT_CARD, WANG_QIANG),
                     "wang_again": await take_in_and_accept(intake, EMPLOYMENT_CARD,
                                                            WANG_QIANG),
                     "li": await take_in_and_accept(intake, EMPLOYMENT_CARD, LI_NA)}
        async with stack.client(YANTAI, "ledger") as ledger:
            async def seen() -> bool:
                answers = [await ledger.get(f"/cases/{c}/timeline") for c in cases.values()]
                return all(a.status_code == 200 for a in answers)
            await eventually(seen)
            read = await ledger.post(f"/audit/cases/{cases['wang']}/applicant",
                                     params={"reason": WHY}, headers=AUDITOR)
            assert read.status_code == 200, read.text
        yield stack, cases
    finally:
        await stack.stop()


async def record_of(stack: Stack, id_number: str, reads: int = 0) -> dict[str, Any]:
    """The person's record once the ledger has observed `reads` unmasked reads in it."""
    async with stack.client(YANTAI, "ledger") as ledger:
        async def with_reads() -> dict[str, Any] | None:
            answer = await ledger.post("/audit/person-record", headers=AUDITOR,
                                       json={"id_number": id_number})
            assert answer.status_code == 200, answer.text
            record: dict[str, Any] = answer.json()
            got = sum(len(c["unmasked_reads"]) for c in record["cases"])
            return record if got >= reads else None
        result: dict[str, Any] = await eventually(with_reads)
        return result


async def test_an_auditor_gets_a_persons_cases_here_with_every_unmasked_read_who_and_why(
    site: tuple[Stack, dict[str, str]],
) -> None:
    stack, cases = site
    record = await record_of(stack, WANG_QIANG["id_number"], reads=1)
    listed = {c["case_id"]: c for c in record["cases"]}
    assert set(listed) == {cases["wang"], cases["wang_again"]}
    first = listed[cases["wang"]]
    assert [r["role"] for r in first["roles"]] == ["applicant"]
    assert first["applicant"] == "王* 3****************3"
    assert "申请人身份信息（姓名、证件号码）及联系电话" in [k["kind"] for k in first["personal_data"]]
    [read] = first["unmasked_reads"]
    assert (read["reader"], read["role"], read["reason"]) == ("370671-AU01", "auditor", WHY)
    assert "applicant.id_number" in read["fields"] and read["at"]
    assert listed[cases["wang_again"]]["unmasked_reads"] == []
    assert first["destroyed"] == []  # nothing destroyed yet
    assert record["id_number"] == "3****************3"
    assert not any(p in str(record) for p in PLAIN)


async def test_another_persons_cases_are_not_in_the_record(
    site: tuple[Stack, dict[str, str]],
) -> None:
    stack, cases = site
    wang = await record_of(stack, WANG_QIANG["id_number"], reads=1)
    li = await record_of(stack, LI_NA["id_number"])
    assert cases["li"] not in [c["case_id"] for c in wang["cases"]]
    assert [c["case_id"] for c in li["cases"]] == [cases["li"]]
    nobody = await record_of(stack, "110108199001011231")
    assert nobody["cases"] == []


async def test_a_window_clerk_is_refused_a_persons_record(
    site: tuple[Stack, dict[str, str]],
) -> None:
    stack, _ = site
    async with stack.client(YANTAI, "ledger") as ledger:
        for path in ("/audit/person-record", "/audit/person-record/print"):
            refused = await ledger.post(path, headers=WINDOW_CLERK,
                                        json={"id_number": WANG_QIANG["id_number"]})
            assert refused.status_code == 403, path
            assert WANG_QIANG["id_number"] not in refused.text


async def test_the_record_prints_as_a_chinese_page_with_every_name_and_number_masked(
    site: tuple[Stack, dict[str, str]],
) -> None:
    stack, _ = site
    record = await record_of(stack, WANG_QIANG["id_number"], reads=1)
    async with stack.client(YANTAI, "ledger") as ledger:
        page = await ledger.post("/audit/person-record/print", headers=AUDITOR,
                                 json={"id_number": WANG_QIANG["id_number"]})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "个人信息处理情况记录" in html and "第四十五条" in html
    assert "证件号码：3****************3" in html
    for case in record["cases"]:
        assert case["case_number"] in html
    assert WHY in html and "370671-AU01" in html and "尚无销毁记录" in html
    assert not any(p in html for p in PLAIN)


async def test_no_read_table_of_any_service_holds_an_id_number_a_name_or_a_phone(
    site: tuple[Stack, dict[str, str]],
) -> None:
    stack, cases = site
    await record_of(stack, WANG_QIANG["id_number"], reads=1)
    async with stack.client(YANTAI, "intake") as intake, \
            stack.client(YANTAI, "delivery") as delivery:
        rated = await delivery.post("/ratings", json={
            "case_number": (await intake.get(f"/cases/{cases['wang']}")).json()["case_number"],
            "id_number": WANG_QIANG["id_number"],
            "query_code": await receipt_query_code(intake, cases["wang"]),
            "scope": "visit", "visit_day": "2026-11-26", "window_level": 5,
            "comment": "等了很久"})
        assert rated.status_code == 201, rated.text
    checked = 0
    for host in stack.hosts.values():
        for table in {p.table for p in host.store.projections}:
            for row in host.store.read(Query(table)):
                checked += 1
                assert not any(p in str(row) for p in PLAIN), (host.service, table.name, row)
    assert checked >= 8


async def test_the_progress_query_and_the_rating_match_the_id_number_by_its_blind_index(
    site: tuple[Stack, dict[str, str]],
) -> None:
    stack, cases = site
    intake_host, delivery_host = stack.host(YANTAI, "intake"), stack.host(YANTAI, "delivery")
    blind = intake_host.store.vault.blind(WANG_QIANG["id_number"])
    async with stack.client(YANTAI, "intake") as intake:
        number = (await intake.get(f"/cases/{cases['wang']}")).json()["case_number"]
        code = await receipt_query_code(intake, cases["wang"])
        full_width = WANG_QIANG["id_number"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        progress = await intake.get("/progress", params={
            "case_number": number, "id_number": full_width, "query_code": code})
        not_his = await intake.get("/progress", params={
            "case_number": number, "id_number": LI_NA["id_number"], "query_code": code})
    assert progress.status_code == 200, progress.text
    assert not_his.status_code == 404
    for host in (intake_host, delivery_host):
        [row] = [r for t in {p.table for p in host.store.projections}
                 for r in host.store.read(Query(t).filter("id", "=", cases["wang"]))
                 if "applicant_blinds" in r]  # the table the progress query reads
        assert row["applicant_blinds"] == blind, host.service


async def test_the_record_says_what_was_destroyed_when_and_on_what_basis_and_still_finds_the_case(
    site: tuple[Stack, dict[str, str]],
) -> None:
    """王强 comes back for a matter this window does not take (不予受理), then asks for his
    data to be erased: the record lists the case with what was destroyed, when and why."""
    stack, _ = site
    async with stack.client(YANTAI, "intake") as intake:
        case_id = await turn_away(intake, EMPLOYMENT_CARD, WANG_QIANG,
                                  "申请人已在户籍地领取就业创业证", "潍坊市人力资源和社会保障局")
    basis = "依据《个人信息保护法》第四十七条，王强书面请求删除"
    async with stack.client(YANTAI, "routing") as routing:
        async def erased() -> bool:
            answer = await routing.post(f"/cases/{case_id}/personal-data/erasure",
                                        headers=ADMIN, json={"legal_basis": basis})
            return answer.status_code == 200
        await eventually(erased)  # once routing has seen the case end

    async def destroyed() -> dict[str, Any] | None:
        record = await record_of(stack, WANG_QIANG["id_number"], reads=1)
        case = {c["case_id"]: c for c in record["cases"]}.get(case_id)
        return case if case and case["destroyed"] else None

    case = await eventually(destroyed)
    [entry] = case["destroyed"]
    assert entry["by"] == "370671-ADM1" and entry["basis"] == "erasure"
    assert entry["reason"] == f"依法删除：{basis}" and "申请人身份信息" in entry["what"]
    assert case["applicant"] == "已销毁"
