"""`tongban keys generate`: a site's Ed25519 key pair, its public half as a site directory entry
and its private half (the 32-byte seed, base64) in a file only its owner may read.

The entry is the site's entry in the directory it was read from, with the new key added and
the development keys left out: a production service refuses a directory that holds one."""

from __future__ import annotations

import base64
import json
import os
import shutil
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.directory import Site
from services.runtime.keys import dev_seed
from services.runtime.workdays import CHINA
from tongban.preflight import public_of


class KeyRefused(ValueError):
    """The key cannot be made as asked; the message says why."""


def new_seed() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


def read_sites(directory: Path | None) -> list[dict[str, Any]]:
    if directory is not None and (directory / "sites.json").is_file():
        text = (directory / "sites.json").read_text(encoding="utf-8")
    else:
        text = resources.files("services.directory").joinpath("sites.json").read_text("utf-8")
    sites: list[dict[str, Any]] = json.loads(text)
    return sites


def site_entry(sites: list[dict[str, Any]], site: str, seed: bytes, key_id: str | None,
               valid_from: datetime | None) -> dict[str, Any]:
    """The site's entry with the key of `seed` added, from `valid_from` (now; a time without
    an offset is China's) on."""
    entry = next((dict(s) for s in sites if s.get("code") == site), None)
    if entry is None:
        raise KeyRefused(f"site {site} is not in the site directory: add its entry first")
    start = (valid_from or datetime.now(CHINA)).replace(microsecond=0)
    start = start if start.tzinfo else start.replace(tzinfo=CHINA)
    key_id = key_id or f"{site}-{start:%Y%m%d}"
    kept = [k for k in entry.get("keys", []) if k["public_key"] != public_of(dev_seed(k["id"]))]
    if any(k["id"] == key_id for k in kept):
        raise KeyRefused(f"site {site} already has a key {key_id}: choose another --key-id")
    entry["keys"] = [*kept, {"id": key_id, "public_key": public_of(seed),
                             "valid_from": start.isoformat(), "valid_until": None}]
    Site.model_validate(entry)  # what the services will load
    return entry


def write_seed(path: Path, seed: bytes) -> None:
    """Mode 0600 from the start; an existing file is a key too, so it is never overwritten."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyRefused(f"{path} exists: not overwritten (move the old key away first)") from None
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(base64.b64encode(seed).decode() + "\n")


def write_directory(directory: Path, sites: list[dict[str, Any]], entry: dict[str, Any]) -> Path:
    """sites.json in `directory` with the entry in place; matters.json copied when missing."""
    directory.mkdir(parents=True, exist_ok=True)
    merged = [entry if s.get("code") == entry["code"] else s for s in sites]
    path = directory / "sites.json"
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not (directory / "matters.json").exists():
        with resources.as_file(resources.files("services.directory") / "matters.json") as m:
            shutil.copyfile(m, directory / "matters.json")
    return path
