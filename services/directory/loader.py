"""Loads the directory and catalogue files, refusing a bad file with the file, entry and field."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.directory.models import Directory, Matter, Site

M = TypeVar("M", bound=BaseModel)


class CatalogueError(ValueError):
    """A catalogue or directory file that must not be used; the message says where and why."""


def _read(path: Path | None, name: str) -> tuple[str, Any]:
    if path is None:
        source = f"services/directory/{name}"
        text = resources.files("services.directory").joinpath(name).read_text(encoding="utf-8")
    else:
        source = str(path / name)
        text = (path / name).read_text(encoding="utf-8")
    try:
        return source, json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueError(f"{source}: not valid JSON: {error}") from None


def _entries(source: str, data: Any, model: type[M]) -> list[M]:
    if not isinstance(data, list):
        raise CatalogueError(f"{source}: expected a list of entries")
    entries = []
    for index, item in enumerate(data):
        try:
            entries.append(model.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            message = str(first["msg"]).removeprefix("Value error, ")
            field = ".".join(str(p) for p in first["loc"])
            if not field:  # a rule across fields names its field first: "field: reason"
                field, _, message = message.partition(": ")
            code = item.get("code", "?") if isinstance(item, dict) else "?"
            raise CatalogueError(
                f"{source}: entry {index} ({code}): field {field}: {message}"
            ) from None
    return entries


def _keyed(source: str, entries: list[M]) -> dict[str, M]:
    keyed: dict[str, M] = {}
    for index, entry in enumerate(entries):
        code = entry.code  # type: ignore[attr-defined]
        if code in keyed:
            raise CatalogueError(f"{source}: entry {index} ({code}): field code: repeated")
        keyed[code] = entry
    return keyed


def _check_sites_known(source: str, matters: list[Matter], sites: dict[str, Site]) -> None:
    for index, matter in enumerate(matters):
        for field, site in [("owner_site", matter.owner_site),
                            *((f"joint_parts.{i}.site", p.site)
                              for i, p in enumerate(matter.joint_parts))]:
            if site not in sites:
                raise CatalogueError(
                    f"{source}: entry {index} ({matter.code}): field {field}: "
                    f"site {site} is not in the directory")


def load_directory_from(path: Path | None = None) -> Directory:
    sites_source, sites_data = _read(path, "sites.json")
    matters_source, matters_data = _read(path, "matters.json")
    sites = _keyed(sites_source, _entries(sites_source, sites_data, Site))
    matter_list = _entries(matters_source, matters_data, Matter)
    _check_sites_known(matters_source, matter_list, sites)
    return Directory(sites=sites, matters=_keyed(matters_source, matter_list))


@cache
def load_directory(path: Path | None = None) -> Directory:
    """The directory every service uses; the packaged files unless a folder is given."""
    return load_directory_from(path)
