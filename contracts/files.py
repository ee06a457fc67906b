"""Electronic materials: files are stored once by their SHA-256 in a site's object store and
named in events by hash, size, type and name — events never carry file bytes."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import DivisionCode, DomainEvent

MediaType = str  # application/pdf, image/jpeg, image/png, application/ofd


class FileRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=1)
    media_type: MediaType
    file_name: str = Field(min_length=1, max_length=200)
    material_code: str
    pages: int = Field(ge=1)


class MaterialFileAttached(DomainEvent):
    """扫描件/电子材料: the window stored a file of one of the case's materials."""

    service = "intake"
    file: FileRef


class FileReplicaRepaired(DomainEvent):
    """A party's copy of a file was missing or did not match its hash: fetched again."""

    service = "routing"
    sha256: str
    from_site: DivisionCode
    reason: str


class MaterialFileRead(DomainEvent):
    """Staff opened a file that holds personal data: who (the actor), which file."""

    service = "routing"
    sha256: str
    file_name: str


class FilesRemoved(DomainEvent):
    """The retention period after the case ended ran out: this site removed the case's files.
    The events keep their hashes, so the trail still proves what was sent."""

    service = "routing"
    hashes: list[str]
    kept_until: date
