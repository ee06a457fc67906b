"""How a service connects to NATS: as its own user, with replies on an inbox of its own, so
that the server can let each user subscribe to its replies and to nobody else's."""

from __future__ import annotations

from typing import Any

import nats
from nats.aio.client import Client

from services.runtime.settings import ServiceSettings


def inbox_prefix(site: str, service: str) -> str:
    """Where a service's replies (JetStream API answers, consumer deliveries) come."""
    return f"_INBOX.{site}.{service}"


async def connect(settings: ServiceSettings, service: str, name: str,
                  **options: Any) -> Client:
    password = settings.nats_password
    return await nats.connect(
        settings.nats_url, name=name, user=settings.nats_user,
        password=password.get_secret_value() if password else None,
        inbox_prefix=inbox_prefix(settings.site, service), **options)
