"""NATS refuses what a site's credentials may not do, on real servers in both topologies: Zhifu
(370602) may not speak into Yantai's (370671) inbox, read what Yantai sends Qingdao (370202),
or purge or delete any stream of Yantai's; and what Zhifu may do still works."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import nats
import nats.errors
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy

from contracts.subjects import admitted_stream, inbox_stream, own_stream
from services.runtime.nats_client import inbox_prefix
from services.runtime.nats_server import LocalNatsServer
from services.runtime.streams import domain, ensure_site_streams, outbox_stream
from tongban.nats_permissions import service_user
from tongban.topology import LocalHub

A, B, C = "370671", "370202", "370602"  # Yantai, Qingdao, Zhifu
SITES = (A, B, C)
REFUSED = (nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.Error)


class Login:
    """A connection whose refusals (the server's permission violations) are kept."""

    def __init__(self) -> None:
        self.refusals: list[str] = []
        self.nc: Client | None = None

    async def connect(self, url: str, **options: Any) -> Client:
        async def on_error(error: Exception) -> None:
            self.refusals.append(str(error).lower())
        self.nc = await nats.connect(url, error_cb=on_error, **options)
        return self.nc

    async def refused(self, subject: str, action: str = "publish") -> bool:
        assert self.nc is not None
        await self.nc.flush()
        for _ in range(20):
            if any(f'{action} to "{subject.lower()}"' in r for r in self.refusals):
                return True
            await asyncio.sleep(0.05)
        return False


async def as_service(server: LocalNatsServer, site: str, service: str) -> tuple[Login, Client]:
    login, user = Login(), service_user(site, service)
    nc = await login.connect(server.address, user=user, password=server.passwords[user],
                             inbox_prefix=inbox_prefix(site, service))
    return login, nc


async def is_refused(call: Awaitable[Any]) -> bool:
    try:
        await call
    except REFUSED:
        return True
    return False


async def all_refused(*calls: Awaitable[Any]) -> bool:
    """Asked at once: a refused request waits out its time-out for an answer never sent."""
    return all(await asyncio.gather(*(is_refused(call) for call in calls)))


@pytest.fixture
async def single(nats_server: LocalNatsServer) -> AsyncIterator[LocalNatsServer]:
    """Every site's streams on the one server, Yantai's holding an event of its own."""
    nc = await nats.connect(nats_server.url)
    for site in SITES:
        await ensure_site_streams(nc.jetstream(), site)
    await nc.jetstream().publish(f"tb.{A}.intake.case_opened.v1", b"{}")
    await nc.close()
    yield nats_server


async def test_zhifu_may_not_admit_into_yantais_inbox_nor_may_any_service_but_routing(
    single: LocalNatsServer,
) -> None:
    zhifu, nc = await as_service(single, C, "routing")
    await nc.publish(f"tb.in.{A}.{C}.case_routed.v1", b"{}")
    await nc.publish(f"tb.{A}.intake.case_opened.v1", b"{}")
    assert await zhifu.refused(f"tb.in.{A}.{C}.case_routed.v1")
    assert await zhifu.refused(f"tb.{A}.intake.case_opened.v1")
    intake, own = await as_service(single, A, "intake")
    await own.publish(f"tb.in.{A}.{C}.case_routed.v1", b"{}")
    await own.publish(f"tb.{A}.routing.case_carried.v1", b"{}")  # not intake's own
    assert await intake.refused(f"tb.in.{A}.{C}.case_routed.v1")
    assert await intake.refused(f"tb.{A}.routing.case_carried.v1")
    for client in (nc, own):
        await client.close()


async def test_zhifu_may_not_read_what_yantai_sends_qingdao_nor_purge_or_delete_yantais_streams(
    single: LocalNatsServer,
) -> None:
    zhifu, nc = await as_service(single, C, "routing")
    js = nc.jetstream(timeout=0.5)
    yantais = (own_stream(A), inbox_stream(A), admitted_stream(A))
    assert await all_refused(
        js.subscribe(f"tb.to.{B}.>", stream=inbox_stream(B), ordered_consumer=True),
        js.get_msg(own_stream(A), 1),
        *(js.purge_stream(stream) for stream in yantais),
        *(js.delete_stream(stream) for stream in yantais))
    for stream in yantais:
        assert await zhifu.refused(f"$JS.API.STREAM.DELETE.{stream}")
    await nc.subscribe(f"tb.to.{B}.>")  # the core subject itself, as it is published
    await nc.subscribe("_INBOX.>")  # every reply of every service
    assert await zhifu.refused(f"tb.to.{B}.>", "subscription")
    assert await zhifu.refused("_INBOX.>", "subscription")
    await nc.close()
    admin = await nats.connect(single.url)
    assert (await admin.jetstream().stream_info(own_stream(A))).state.messages == 1
    await admin.close()


async def test_zhifu_still_sends_to_its_parties_and_reads_what_is_addressed_to_it(
    single: LocalNatsServer,
) -> None:
    yantai, sender = await as_service(single, A, "routing")
    await sender.jetstream().publish(f"tb.to.{C}.{A}.case_routed.v1", b'{"to": "zhifu"}')
    zhifu, nc = await as_service(single, C, "routing")
    js = nc.jetstream()
    ack = await js.publish(f"tb.to.{A}.{C}.case_routed.v1", b"{}")
    assert ack.stream == inbox_stream(A)
    await js.publish(f"tb.{C}.routing.case_carried.v1", b"{}")
    sub = await js.subscribe(f"tb.to.{C}.>", stream=inbox_stream(C), ordered_consumer=True)
    assert (await sub.next_msg(timeout=5)).data == b'{"to": "zhifu"}'
    assert zhifu.refusals == [] and yantai.refusals == []
    for client in (sender, nc):
        await client.close()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[LocalHub]:
    """Three sites on servers of their own, joined by the hub; Yantai has sent Qingdao and
    Zhifu an event each (its outbox)."""
    topology = await asyncio.to_thread(LocalHub(tmp_path / "nats", SITES).start)
    for site in SITES:
        _, nc = await as_service(topology.site_servers[site], site, "routing")
        await ensure_site_streams(nc.jetstream(), site, "hub", SITES)
        if site == A:
            for party in (B, C):
                await nc.jetstream().publish(f"tb.to.{party}.{A}.case_routed.v1",
                                             f'{{"to": "{party}"}}'.encode())
        await nc.close()
    yield topology
    await asyncio.to_thread(topology.stop)


async def test_across_the_hub_zhifu_may_not_read_speak_for_or_purge_yantai(hub: LocalHub) -> None:
    zhifu = Login()
    nc = await zhifu.connect(hub.hub_url(0, C), inbox_prefix=f"_INBOX.{C}.hub")
    yantai = nc.jetstream(domain=domain(A), timeout=0.5)
    await nc.publish(f"tb.to.{A}.{B}.case_routed.v1", b"{}")  # as Qingdao
    await nc.publish(f"tb.in.{A}.{C}.case_routed.v1", b"{}")
    assert await zhifu.refused(f"tb.to.{A}.{B}.case_routed.v1")
    assert await zhifu.refused(f"tb.in.{A}.{C}.case_routed.v1")
    for_qingdao = ConsumerConfig(name="peek", filter_subject=f"tb.to.{B}.>",
                                 deliver_policy=DeliverPolicy.ALL)
    yantais = (outbox_stream(A), own_stream(A), inbox_stream(A), admitted_stream(A))
    assert await all_refused(
        yantai.add_consumer(outbox_stream(A), for_qingdao),
        yantai.add_consumer(outbox_stream(A), ConsumerConfig(name="all")),
        yantai.stream_info(own_stream(A)),
        *(yantai.purge_stream(stream) for stream in yantais),
        *(yantai.delete_stream(stream) for stream in yantais))
    assert await zhifu.refused(
        f"$JS.{domain(A)}.API.CONSUMER.CREATE.{outbox_stream(A)}.peek.tb.to.{B}.>")
    assert await zhifu.refused(f"$JS.{domain(A)}.API.STREAM.PURGE.{outbox_stream(A)}")
    await nc.close()
    _, at_yantai = await as_service(hub.site_servers[A], A, "routing")
    info = await at_yantai.jetstream().stream_info(outbox_stream(A))
    assert info.state.messages == 2  # nothing purged, nothing deleted
    await at_yantai.close()


async def test_across_the_hub_zhifu_reads_what_yantai_addresses_to_it_and_nothing_else(
    hub: LocalHub,
) -> None:
    zhifu = Login()
    nc = await zhifu.connect(hub.hub_url(0, C), inbox_prefix=f"_INBOX.{C}.hub")
    yantai = nc.jetstream(domain=domain(A), timeout=2.0)
    sub = await nc.subscribe(f"_INBOX.{C}.hub.outbox")  # a named consumer, for its subjects
    await yantai.add_consumer(outbox_stream(A), ConsumerConfig(
        name="zhifu-reads", filter_subject=f"tb.to.{C}.>", deliver_subject=sub.subject))
    assert (await sub.next_msg(timeout=5)).data == f'{{"to": "{C}"}}'.encode()
    with pytest.raises(nats.errors.TimeoutError):
        await sub.next_msg(timeout=0.5)
    await nc.close()
    _, own = await as_service(hub.site_servers[C], C, "routing")

    async def in_zhifus_inbox() -> int:
        return (await own.jetstream().stream_info(inbox_stream(C))).state.messages
    for _ in range(100):  # its own server sources it through the hub, as permitted
        if await in_zhifus_inbox():
            break
        await asyncio.sleep(0.1)
    assert await in_zhifus_inbox() == 1
    await own.close()
    assert zhifu.refusals == []
