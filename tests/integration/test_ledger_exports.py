"""The work ledger's files as an auditor's spreadsheet opens them: a name someone registered to
look like a formula stays text in the XLSX and in the CSV, and is never run."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import openpyxl
import pytest

from services.runtime.nats_server import LocalNatsServer
from tests.support.clock import FakeClock
from tests.support.stack import GT_CHANGE, WINDOW_CLERK, Stack, eventually, settings_factory
from tests.support.staff import staff

A = "370671"
AUDITOR = staff("370671-AU01", "auditor")
FORMULA = '=HYPERLINK("http://x","y")'
# A company that registered a formula as its name; everything else about it is ordinary.
BAIT = {"kind": "company", "name": FORMULA, "credit_code": "913706027654032157",
        "legal_representative": "赵海", "representative_id_number": "370602198803141233",
        "phone": "0535-6921234"}


@pytest.fixture
async def yantai(nats_server: LocalNatsServer, store_overrides: dict[str, Any]
                 ) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, store_overrides))
    await stack.start([A], ["intake", "ledger"], FakeClock())
    try:
        async with stack.client(A, "intake") as intake:
            opened = await intake.post("/cases", headers=WINDOW_CLERK, json={
                "matter_code": GT_CHANGE, "applicant": BAIT, "delivery_channel": "online"})
            assert opened.status_code == 201, opened.text
        yield stack
    finally:
        await stack.stop()


async def exported(stack: Stack, path: str) -> bytes:
    async with stack.client(A, "ledger") as ledger:
        async def listed() -> bool:
            return len((await ledger.get("/audit/cases", headers=AUDITOR)).json()) == 1
        await eventually(listed)
        response = await ledger.get(path, headers=AUDITOR)
    assert response.status_code == 200, response.text
    return response.content


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_a_company_named_like_a_formula_is_text_in_the_xlsx(yantai: Stack) -> None:
    book = openpyxl.load_workbook(io.BytesIO(await exported(yantai, "/audit/work-ledger.xlsx")))
    sheet = book["工作台账"]
    applicant = sheet.cell(row=3, column=2)
    assert applicant.value == f"{FORMULA} 913706027654032157"
    assert applicant.data_type == "s"
    assert applicant.quotePrefix
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


@pytest.mark.parametrize("store_overrides", ["sqlite"], indirect=True)
async def test_a_company_named_like_a_formula_is_quoted_in_the_csv(yantai: Stack) -> None:
    text = (await exported(yantai, "/audit/work-ledger.csv")).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[1] == "申请人"
    assert row[1] == f"'{FORMULA} 913706027654032157"
    assert not [cell for cell in row if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
