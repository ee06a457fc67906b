"""One way to ask for a page of a list: `?limit=` (default 50, at most 500) and `?offset=`.
Every list route takes it, so no answer grows with the years of cases behind it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_LIMIT, MAX_LIMIT = 50, 500


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"at most this many rows (default {DEFAULT_LIMIT})")
    offset: int = Field(default=0, ge=0, le=10_000_000, description="rows to skip")


PageQuery = Annotated[Page, Query()]
