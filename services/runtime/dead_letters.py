"""The dead-letter stream: messages a consumer could not process, with the reason and position,
kept so that they are counted, visible and can be replayed after a fix.

A letter's subject names its consumer and the rule it broke (`tb.dlq.<site>.<consumer>.<rule>`),
so the server counts and filters letters without reading them; its headers say where the
message was and why it was refused, beside the seal headers the message came with, so a list
needs no body (a hostile message may be 600 KB)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import nats.js.errors
import structlog
from nats.js import JetStreamContext

from contracts.subjects import dead_letter_stream, dead_letter_subject

log = structlog.get_logger()

STREAM, SEQ, SUBJECT, REASON = "Tb-Dlq-Stream", "Tb-Dlq-Seq", "Tb-Dlq-Subject", "Tb-Dlq-Reason"
REASON_HEADER_CHARS = 500  # the whole reason is in the body


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    stream: str
    seq: int
    subject: str
    reason: str
    data: str
    rule: str = "unreadable"  # letters written before rules were named: the commonest

    @property
    def key(self) -> str:
        """Which message of which consumer: one letter each, however often it is refused."""
        return f"{self.consumer}:{self.stream}:{self.seq}"

    @property
    def service(self) -> str:
        """The service whose consumer refused it (consumers are named `<service>-…`)."""
        return self.consumer.split("-", 1)[0]


class DeadLetters:
    def __init__(self, js: JetStreamContext, site: str) -> None:
        self.js, self.site = js, site

    async def put(self, letter: DeadLetter, headers: dict[str, str] | None = None) -> None:
        """`headers`: the message's own (its seal), kept beside ours for `tongban dlq show`."""
        kept = {k: v for k, v in (headers or {}).items() if not k.startswith("Nats-")}
        await self.js.publish(
            dead_letter_subject(self.site, letter.consumer, letter.rule),
            json.dumps(asdict(letter), ensure_ascii=False).encode(),
            headers={**kept, STREAM: letter.stream, SEQ: str(letter.seq),
                     SUBJECT: letter.subject, REASON: one_line(letter.reason),
                     "Nats-Msg-Id": letter.key},
        )
        log.warning("dead_lettered", **{k: v for k, v in asdict(letter).items() if k != "data"})

    async def read_all(self) -> list[DeadLetter]:
        """Every dead letter of this site, oldest first (for tests: `tongban dlq list` pages)."""
        stream = dead_letter_stream(self.site)
        info = await self.js.stream_info(stream)
        letters = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            try:
                msg = await self.js.get_msg(stream, seq)
            except nats.js.errors.NotFoundError:  # dropped or replayed
                continue
            letters.append(DeadLetter(**json.loads(msg.data or b"{}")))
        return letters


def one_line(text: str) -> str:
    """A header holds one line: no line breaks, and bounded."""
    flat = " ".join(text.split())
    return flat if len(flat) <= REASON_HEADER_CHARS else flat[:REASON_HEADER_CHARS - 1] + "…"
