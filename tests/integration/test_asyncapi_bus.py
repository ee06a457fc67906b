"""The AsyncAPI document names what a site really does on the bus: the streams its services
make, the filters its consumers ask the server for, the key desk's subject, the headers its
events carry, and a message for every event type with a golden sample."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest

import contracts
from contracts.subjects import own_stream
from services.runtime.nats_server import LocalNatsServer
from tests.support.stack import GT_CHANGE, WANG_QIANG, WINDOW_CLERK, Stack, settings_factory
from tongban.asyncapi import asyncapi_document, subject_matches

YANTAI = "370671"


@pytest.fixture
async def yantai(nats_server: LocalNatsServer, tmp_path: Path) -> AsyncIterator[Stack]:
    stack = Stack(settings_factory(nats_server, {"store": "sqlite", "data_dir": tmp_path}))
    await stack.start([YANTAI])
    yield stack
    await stack.stop()


def at(site: str, text: str) -> str:
    return text.replace("{site}", site)


async def test_the_asyncapi_document_names_every_subject_stream_consumer_and_header_in_use(
        yantai: Stack, nats_server: LocalNatsServer) -> None:
    document = asyncapi_document()
    channels = {key: c["address"] for key, c in document["channels"].items()}
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jsm()
        streams = {s.config.name: sorted(s.config.subjects or [])
                   for s in await js.streams_info() if s.config.name.endswith(YANTAI)}
        assert streams == {at(YANTAI, s["name"]): sorted(at(YANTAI, x) for x in s["subjects"])
                           for s in document["x-streams"]["single"]}
        # every channel but the key desk's is on one of the site's streams
        on_no_stream = [key for key, address in channels.items()
                        if not any(subject_matches(at(YANTAI, subject), address)
                                   for subjects in streams.values() for subject in subjects)]
        assert on_no_stream == ["key_request"]

        infos = [c for stream in streams for c in await js.consumers_info(stream)]
        running = sorted(
            (c.stream_name, tuple(sorted(c.config.filter_subjects or [c.config.filter_subject])))
            for c in infos)
        documented = [c for c in document["x-consumers"] if "stream" in c]
        assert running == sorted((at(YANTAI, c["stream"]),
                                  tuple(sorted(at(YANTAI, f) for f in c["filter_subjects"])))
                                 for c in documented)
        assert all(c["channels"] for c in document["x-consumers"])
        for consumer in documented:  # an event filter is a channel's own address
            for subject in consumer["filter_subjects"]:
                assert ">" in subject or any(
                    subject_matches(subject, address) and subject.count(".") == address.count(".")
                    for address in channels.values()), subject

        desk = next(c for c in document["x-consumers"] if c["name"].startswith("keydesk"))
        asked = at(YANTAI, channels["key_request"].replace("{owner}", "{site}")).replace(
            "{asking}", "370202")
        assert subject_matches(at(YANTAI, desk["filter_subjects"][0]), asked)
        answer = await nc.request(asked, b"{}", timeout=5)  # routing's key desk answers there
        assert json.loads(answer.data) == {"refused": "unreadable request"}

        async with yantai.client(YANTAI, "intake") as intake:
            opened = await intake.post("/cases", headers=WINDOW_CLERK, json={
                "matter_code": GT_CHANGE, "applicant": WANG_QIANG,
                "delivery_channel": "online"})
            assert opened.status_code == 201, opened.text
        sent = await _first_event(js, own_stream(YANTAI))
    finally:
        await nc.close()
    headers = document["components"]["schemas"]["SealHeaders"]
    assert set(sent.headers or {}) <= set(headers["properties"])
    assert set(headers["required"]) <= set(sent.headers or {})
    assert any(subject_matches(sent.subject, a) and sent.subject.count(".") == a.count(".")
               for a in channels.values())

    titles = {m["title"] for m in document["components"]["messages"].values()}
    samples = Path(contracts.__file__).parent / "samples"
    assert {f"{p.stem}:Message" for p in samples.glob("*.json")} <= titles


async def _first_event(js: Any, stream: str) -> Any:
    from tests.support.stack import eventually

    async def published() -> Any:
        info = await js.stream_info(stream)
        return await js.get_msg(stream, info.state.first_seq) if info.state.messages else None
    return await eventually(published)
