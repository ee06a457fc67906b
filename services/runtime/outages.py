"""Failures of the world, not of the message: NATS or a stream unreachable, no one answering,
a store locked, full or gone, no signing key valid yet. A consumer or relay waits for them to
pass, however long, instead of counting them against the message it holds: only a fault of the
message itself may send it to the dead letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import nats.errors
import nats.js.errors
from eventsourcing.persistence import InterfaceError, InternalError, OperationalError

from services.runtime.keys import NoSigningKey

OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # connections refused or reset, timeouts (nats' and asyncio's included), disk
    nats.errors.ConnectionClosedError, nats.errors.ConnectionDrainingError,
    nats.errors.ConnectionReconnectingError, nats.errors.NoRespondersError,
    nats.errors.NoServersError, nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError, nats.errors.SlowConsumerError,
    nats.js.errors.ServiceUnavailableError, nats.js.errors.ServerError,
    nats.js.errors.NoStreamResponseError,
    OperationalError, InterfaceError, InternalError,  # the store: locked, full, unreachable
    NoSigningKey,
)


def is_outage(error: BaseException) -> bool:
    return isinstance(error, OUTAGES)


@dataclass(frozen=True)
class Stall:
    """Why a consumer or relay is waiting, and since when: shown by /readyz."""

    part: str
    reason: str
    since: datetime

    @classmethod
    def of(cls, part: str, error: BaseException, since: datetime) -> Stall:
        """The error's kind and what it says (the server's description, say 'maximum bytes
        exceeded', where its repr says only ServiceUnavailableError())."""
        said = str(error)
        reason = type(error).__name__ + (f": {said}" if said and said != repr(error) else "")
        return cls(part, reason[:300], since)

    def shown(self) -> dict[str, str]:
        return {"part": self.part, "reason": self.reason, "since": self.since.isoformat()}
