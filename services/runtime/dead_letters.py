"""The dead-letter stream: messages a consumer could not process, with the reason and position,
kept so that they are counted, visible and can be replayed after a fix."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import structlog
from nats.js import JetStreamContext

from contracts.subjects import dead_letter_stream, dead_letter_subject

log = structlog.get_logger()


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    stream: str
    seq: int
    subject: str
    reason: str
    data: str


class DeadLetters:
    def __init__(self, js: JetStreamContext, site: str) -> None:
        self.js, self.site = js, site

    async def put(self, letter: DeadLetter) -> None:
        await self.js.publish(
            dead_letter_subject(self.site, letter.consumer),
            json.dumps(asdict(letter), ensure_ascii=False).encode(),
            headers={"Nats-Msg-Id": f"{letter.consumer}:{letter.stream}:{letter.seq}"},
        )
        log.warning("dead_lettered", **{k: v for k, v in asdict(letter).items() if k != "data"})

    async def read_all(self) -> list[DeadLetter]:
        """Every dead letter of this site, oldest first (for operators and tests)."""
        info = await self.js.stream_info(dead_letter_stream(self.site))
        letters = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            msg = await self.js.get_msg(dead_letter_stream(self.site), seq)
            letters.append(DeadLetter(**json.loads(msg.data or b"{}")))
        return letters
