"""The site directory and the matter catalogue (事项目录), as validated data shared by every
service. Routing owns their use for decisions; intake reads them to open cases."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from contracts.base import DivisionCode
from contracts.delivery import ResultType
from contracts.routing import HandlingMode


class Site(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: DivisionCode
    name: str
    province: str


class Matter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[0-9A-Za-z]{1,33}$")
    name: str
    owner_site: DivisionCode
    department: str
    handling_mode: HandlingMode
    result_type: ResultType
    promised_days: int = Field(ge=0)
    statutory_days: int = Field(ge=0)
    case_type: Literal["即办件", "承诺件"]


class Directory(BaseModel):
    sites: dict[str, Site]
    matters: dict[str, Matter]

    def matter(self, code: str) -> Matter | None:
        return self.matters.get(code)

    def site(self, code: str) -> Site | None:
        return self.sites.get(code)


def _load(name: str, model: type[BaseModel]) -> list:  # type: ignore[type-arg]
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return TypeAdapter(list[model]).validate_python(json.loads(text))  # type: ignore[valid-type]


@cache
def load_directory() -> Directory:
    sites = {s.code: s for s in _load("sites.json", Site)}
    matters = {m.code: m for m in _load("matters.json", Matter)}
    return Directory(sites=sites, matters=matters)
