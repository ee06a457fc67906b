"""What a site puts on the bus besides its events, read from the code that does it: its
streams (services/runtime/streams.py) and each service's consumers (the subscriptions its
builder declares), with `{site}` in place of a site's code, for the AsyncAPI document."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from nats.js.api import StreamConfig

from services.directory import load_directory
from services.runtime.personal.desk import key_subject
from services.runtime.settings import for_service
from services.runtime.streams import site_stream_configs

SITE, OTHER = "{site}", "{other}"


def streams() -> dict[str, list[dict[str, Any]]]:
    """Each topology's streams of a site: name, subjects, and (hub) what the inbox sources."""
    return {topology: [_stream(c) for c in site_stream_configs(SITE, topology, (OTHER,))]
            for topology in ("single", "hub")}


def _stream(config: StreamConfig) -> dict[str, Any]:
    shown: dict[str, Any] = {"name": config.name, "subjects": list(config.subjects or [])}
    if config.sources:
        shown["sources"] = [{"stream": s.name, "filter_subject": s.filter_subject,
                             "api": s.external.api if s.external else None,
                             "deliver": s.external.deliver if s.external else None}
                            for s in config.sources]
    return shown


def consumers() -> list[dict[str, Any]]:
    """Each service's consumers as its builder declares them, built for a site of the
    directory in a scratch directory (nothing connects), the site's code then put back as
    `{site}`. Each is an ordered consumer (ephemeral, server-side filtered, started after the
    position its store keeps), so the server knows it by its stream and filter only."""
    from services.runtime.host import utc_now
    from tongban.registry import BUILDERS

    site = next(iter(load_directory(None).sites))
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        for service, build in BUILDERS.items():
            host = build(for_service(service, site=site, data_dir=Path(scratch),  # type: ignore[arg-type]
                                     store="sqlite"), utc_now)
            try:
                for s in host.subscriptions:
                    subjects = [s.subject] if isinstance(s.subject, str) else list(s.subject)
                    found.append({"name": s.name, "service": service, "kind": "ordered",
                                  "stream": s.stream.replace(site, SITE),
                                  "filter_subjects": [x.replace(site, SITE) for x in subjects],
                                  "whole_chains": s.whole_chains})
                if host.key_desk is not None:
                    found.append({"name": f"keydesk-{SITE}", "service": service,
                                  "kind": "core request-reply, queue group",
                                  "filter_subjects": [key_subject(SITE, "*")]})
            finally:
                host.store.close()
                for close in host.closers:
                    close()
    return found
