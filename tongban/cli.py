"""The `tongban` command: serve one service, run the embedded stack, drive a demo case."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from services.runtime.logging import configure_logging
from services.runtime.settings import for_service

app = typer.Typer(help="tongban 通办: cross-jurisdiction case handling.", no_args_is_help=True)
DataDir = Annotated[Path, typer.Option(help="where stores, logs and stack.json live")]


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="intake | routing | approval | delivery | ledger")],
    site: Annotated[str, typer.Option(help="division code of this site")],
    port: Annotated[int, typer.Option()] = 8000,
    nats_url: Annotated[str, typer.Option()] = "nats://127.0.0.1:4222",
    data_dir: DataDir = Path("data"),
) -> None:
    """Run one service of one site until SIGTERM."""
    from services.runtime.host import clock_for
    from tongban.registry import BUILDERS

    configure_logging()
    settings = for_service(service, site=site, http_port=port, nats_url=nats_url,  # type: ignore[arg-type]
                           data_dir=data_dir)
    asyncio.run(BUILDERS[service](settings, clock_for(settings)).serve())


@app.command()
def up(
    sites: Annotated[str, typer.Option(help="comma-separated division codes")] = "370671,370202",
    data_dir: DataDir = Path("data"),
    base_port: Annotated[int, typer.Option(help="first HTTP port")] = 8100,
) -> None:
    """Start the embedded default: nats-server, SQLite stores, the services of each site."""
    from tongban.stack import run_stack

    raise typer.Exit(run_stack(tuple(sites.split(",")), data_dir, base_port))


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
    data_dir: DataDir = Path("data"),
) -> None:
    """Drive one case through both sites against a running `tongban up`."""
    from tongban.demo import run_demo
    from tongban.stack import read_stack_file

    result = run_demo(read_stack_file(data_dir))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"办件 {result['case_number']} ({result['case_id']}): {result['status']}")
    for entry in result["timeline"]:
        typer.echo(f"  {entry['at']}  {entry['site']}  {entry['service']:<9} {entry['event']}")


@app.command()
def asyncapi() -> None:
    """Print the AsyncAPI document of the published events."""
    from tongban.asyncapi import asyncapi_document

    typer.echo(json.dumps(asyncapi_document(), ensure_ascii=False, indent=2))


def main() -> None:
    app()
