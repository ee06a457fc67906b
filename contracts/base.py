"""The event base every published event extends, and the registry that maps names to classes.

An event is stored, published and replayed as the same frozen pydantic model: one schema, no
mapping layer to drift. `case_id` and `version` double as the aggregate id and version that the
eventsourcing library keys its stores by.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

DivisionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
"""An administrative division code (GB/T 2260) that names a site, e.g. 370671."""


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class Actor(BaseModel):
    """Who did it: a staff member and the role they acted in, or a service acting on its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_id: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=32)


class DomainEvent(BaseModel):
    """One fact about one case, recorded by the service that owns it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: ClassVar[str]
    name: ClassVar[str]
    published: ClassVar[bool] = True  # False for a service's private bookkeeping
    personal: ClassVar[tuple[str, ...]] = ()  # fields sealed at rest and on the wire

    event_id: UUID
    case_id: UUID
    case_number: str = Field(min_length=1, max_length=50)
    version: int = Field(ge=1, description="position of this event in its aggregate")
    occurred_at: UtcDatetime
    acting_site: DivisionCode
    actor: Actor
    correlation_id: UUID
    schema_version: Literal[1] = 1  # a v2 subclass narrows this to Literal[2] = 2

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = _snake(cls.__name__)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "service" in cls.__dict__:
            register(cls)

    # The eventsourcing library reads these two names.
    @property
    def originator_id(self) -> UUID:
        return self.case_id

    @property
    def originator_version(self) -> int:
        return self.version

    @classmethod
    def version_of_schema(cls) -> int:
        return int(cls.model_fields["schema_version"].default)

    @classmethod
    def type_key(cls) -> str:
        """The stable name of this event and version, e.g. `intake.case_opened.v1`."""
        return f"{cls.service}.{cls.name}.v{cls.version_of_schema()}"


_REGISTRY: dict[str, type[DomainEvent]] = {}
_BY_NAME: dict[tuple[str, int], type[DomainEvent]] = {}


def register(cls: type[DomainEvent]) -> None:
    _REGISTRY[cls.type_key()] = cls
    _BY_NAME[(cls.name, cls.version_of_schema())] = cls


class UnknownEventType(LookupError):
    pass


def event_class(type_key: str) -> type[DomainEvent]:
    try:
        return _REGISTRY[type_key]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_key!r}") from None


def event_class_by_name(name: str, version: int) -> type[DomainEvent]:
    try:
        return _BY_NAME[(name, version)]
    except KeyError:
        raise UnknownEventType(f"unknown event {name!r} version {version}") from None


def all_event_classes() -> list[type[DomainEvent]]:
    return list(_REGISTRY.values())


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
