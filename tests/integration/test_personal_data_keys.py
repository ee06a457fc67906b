"""A case's personal-data key goes only to the case's parties, asked of the site that sealed
with it, over request and reply: Qingdao (business site) reads what Yantai (receiving site)
took in; Harbin, running beside them and party to nothing, is refused the key."""

from __future__ import annotations

from uuid import UUID

import nats
import pytest

from services.approval.domain import ApprovalCase
from services.runtime.keys import KeyRing
from services.runtime.nats_server import LocalNatsServer
from services.runtime.personal.desk import KeyClient, KeyRefused
from tests.support.stack import (
    GT_CHANGE,
    WANG_QIANG,
    Stack,
    eventually,
    nats_login,
    take_in_and_accept,
)

YANTAI, QINGDAO, HARBIN = "370671", "370202", "230102"


async def test_qingdao_reads_the_applicant_with_yantais_granted_key_and_harbin_is_refused_it(
    three_sites: Stack, nats_server: LocalNatsServer,
) -> None:
    async with (three_sites.client(YANTAI, "intake") as intake,
                three_sites.client(QINGDAO, "approval") as approval):
        case_id = await take_in_and_accept(intake, GT_CHANGE, WANG_QIANG)

        async def received_in_qingdao() -> dict | None:
            response = await approval.get(f"/cases/{case_id}")
            return response.json() if response.status_code == 200 else None

        await eventually(received_in_qingdao)
    approval_store = three_sites.host(QINGDAO, "approval").store
    received = approval_store.get(ApprovalCase, UUID(case_id)).received
    assert received.applicant.id_number == "370602198803141233"  # opened with Yantai's key
    qingdao = three_sites.host(QINGDAO, "routing")
    assert qingdao.store.vault.get(UUID(case_id), YANTAI) is not None
    assert three_sites.host(YANTAI, "routing").key_desk.granted >= 1

    harbin = three_sites.host(HARBIN, "routing")
    client = KeyClient(HARBIN, KeyRing.of(harbin.directory))
    login = nats_login(nats_server, HARBIN, "routing")
    client.nc = await nats.connect(
        login["nats_url"], user=login.get("nats_user"),
        password=login.get("nats_password"),
        inbox_prefix=f"_INBOX.{HARBIN}.routing")
    try:
        with pytest.raises(KeyRefused, match="230102 is not a party"):
            await client.fetch(UUID(case_id), YANTAI)
    finally:
        await client.nc.close()
    assert harbin.store.vault.get(UUID(case_id), YANTAI) is None
    assert harbin.store.vault.get(UUID(case_id), QINGDAO) is None
