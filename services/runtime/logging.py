"""One log for a service: our structlog lines and the libraries' stdlib records (uvicorn,
nats-py, eventsourcing, psycopg) go through the same processors to one stream — JSON lines in
production, readable lines in development (TB_ENV) — each with the context bound at the time
(service, site, and a request's correlation id)."""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

import structlog

from services.runtime.secrets import SecretsRefused, run_mode

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
URL_WRITERS = ("httpx", "httpcore")  # their info and debug lines are whole URLs, query and all
LIBRARIES = ("uvicorn", "uvicorn.error", "uvicorn.access", "nats", "eventsourcing")
# psycopg keeps the level eventsourcing gives it (ERROR: its pool's warnings are noise)
_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging installs; found again and replaced on a second call."""


def configure_logging(level: LogLevel = "INFO", mode: str | None = None,
                      stream: TextIO | None = None) -> None:
    """`mode`: `production` or `development`, by default TB_ENV's; `stream`: stderr."""
    out = stream or sys.stderr
    production = (mode or _mode()) == "production"
    finish: list[structlog.types.Processor] = (
        [structlog.processors.format_exc_info,
         structlog.processors.JSONRenderer(ensure_ascii=False)] if production
        else [structlog.dev.ConsoleRenderer(colors=out.isatty())])
    handler = _OurHandler(out)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *finish]))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARIES:  # their own handlers, if any configured one, would print twice
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
        library.setLevel(logging.NOTSET)  # the setting rules, not a level set before
    for name in URL_WRITERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,  # reconfigurable (tests); a bind per line is cheap
    )


def _mode() -> str:
    try:
        return run_mode()
    except SecretsRefused:  # a wrong TB_ENV: the start refuses it, in production's format
        return "production"
