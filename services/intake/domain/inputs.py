"""What the clerk enters at the counter, before it becomes an event."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HandedOver(BaseModel):
    """A material as the clerk records it at the counter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    material_code: str = Field(min_length=1, max_length=10)
    copies: int = Field(default=1, ge=1, le=50)
    pages: int = Field(default=1, ge=1, le=2000)
    form: Literal["original", "copy", "electronic"] | None = None


class NamedDefect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    material_code: str = Field(min_length=1, max_length=10)
    problem: Literal["missing", "defective"]
    detail: str = Field(min_length=1, max_length=200)
