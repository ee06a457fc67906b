"""The outbox relay when things go wrong, on a real nats-server: a stream that holds messages
the relay did not seal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from structlog.testing import capture_logs

from contracts.subjects import own_stream
from services.runtime.nats_server import LocalNatsServer
from services.runtime.relay import NOTIFICATION_ID_HEADER, OutboxRelay
from services.runtime.settings import ServiceSettings, for_service
from services.runtime.store import CaseStore
from services.runtime.streams import ensure_site_streams
from tests.integration.test_outbox import SEALER, drain, take_in_cases
from tests.support.sealing import SIGNED_AT, verifier

YANTAI = "370671"
INTAKE_EVENTS = f"tb.{YANTAI}.intake.>"


@pytest.fixture
async def nc(nats_server: LocalNatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url)
    await ensure_site_streams(client.jetstream(), YANTAI)
    yield client
    await client.close()


@pytest.fixture
def intake_settings(store_overrides: dict[str, Any]) -> ServiceSettings:
    return for_service("intake", site=YANTAI, **store_overrides)


async def test_a_relay_resumes_only_from_a_message_it_sealed_and_refuses_the_rest_loudly(
    nc: Client, intake_settings: ServiceSettings,
) -> None:
    js = nc.jetstream()
    await asyncio.to_thread(take_in_cases, intake_settings, 3)
    store = CaseStore("intake", intake_settings)
    first = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                        verifier=verifier())
    await drain(first)
    last = await js.get_last_msg(own_stream(YANTAI), INTAKE_EVENTS)
    assert last.subject is not None and last.data is not None
    copied = {k: v for k, v in (last.headers or {}).items() if k != "Nats-Msg-Id"}
    # anyone who may publish on the subject: a genuine message, its position made far ahead,
    await js.publish(last.subject, last.data, headers={**copied, NOTIFICATION_ID_HEADER: "999999"})
    # and a message that is no position at all
    await js.publish(f"tb.{YANTAI}.intake.case_accepted.v1", b"{}",
                     headers={NOTIFICATION_ID_HEADER: "第二百号"})
    more = await asyncio.to_thread(take_in_cases, intake_settings, 1)

    restarted = OutboxRelay(store, js, YANTAI, "intake", SEALER, lambda: SIGNED_AT,
                            verifier=verifier())
    try:
        with capture_logs() as logs:
            restarted.position = await restarted.read_position()
        assert restarted.position == int(copied[NOTIFICATION_ID_HEADER])  # its own last
        await drain(restarted)
    finally:
        store.close()
    assert restarted.published == more
    refusals = [e for e in logs if e["event"] == "relay_position_refused"]
    assert [e["log_level"] for e in refusals] == ["error", "error"]
    assert "not a position" in refusals[0]["reason"]
    assert "not the message's event" in refusals[1]["reason"]
