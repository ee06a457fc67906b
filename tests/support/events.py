"""Real-looking events for tests, made from the golden samples with fresh ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import contracts
from contracts.base import DomainEvent, event_class

SAMPLES = Path(contracts.__file__).parent / "samples"


def sample(type_key: str, case_id: UUID | None = None, **changes: Any) -> DomainEvent:
    data = json.loads((SAMPLES / f"{type_key}.json").read_text(encoding="utf-8"))
    data.update(event_id=str(uuid4()), **changes)
    if case_id is not None:
        data["case_id"] = str(case_id)
    return event_class(type_key).model_validate(data)
