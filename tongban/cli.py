"""The `tongban` command: serve one service, run the embedded stack, drive a demo case."""

from __future__ import annotations

import asyncio
import base64
import faulthandler
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from services.runtime.logging import configure_logging
from services.runtime.settings import for_service

app = typer.Typer(help="tongban 通办: cross-jurisdiction case handling.", no_args_is_help=True)
DataDir = Annotated[Path, typer.Option(help="where stores, logs and stack.json live")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar (none is shown "
                                     "when stderr is not a terminal either)")]


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"tongban {version('tongban')}")  # the installed package's, not a copy
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print the installed version and exit")] = False,
) -> None:
    """tongban 通办: cross-jurisdiction case handling."""


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="intake | routing | approval | delivery | ledger")],
    site: Annotated[str, typer.Option(help="division code of this site")],
    port: Annotated[int, typer.Option()] = 8000,
    nats_url: Annotated[str, typer.Option()] = "nats://127.0.0.1:4222",
    data_dir: DataDir = Path("data"),
) -> None:
    """Run one service of one site until SIGTERM. Outside development (TB_ENV) it refuses to
    start, before it opens anything, on a development key or a default password."""
    from services.directory import load_directory
    from services.runtime.host import clock_for
    from services.runtime.secrets import SecretsRefused, run_mode
    from tongban.preflight import check_before_start
    from tongban.registry import BUILDERS

    faulthandler.enable()  # a crash in native code (a driver, say) leaves its stacks in the log
    configure_logging()
    try:
        settings = for_service(service, site=site, http_port=port, nats_url=nats_url,  # type: ignore[arg-type]
                               data_dir=data_dir)
        check_before_start(service, settings, load_directory(settings.catalogue_dir), run_mode())
    except SecretsRefused as refused:
        typer.echo(f"tongban serve {service} --site {site}: {refused}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    asyncio.run(BUILDERS[service](settings, clock_for(settings)).serve())


@app.command()
def up(
    sites: Annotated[str, typer.Option(help="comma-separated division codes")] = "370671,370202",
    data_dir: DataDir = Path("data"),
    base_port: Annotated[int, typer.Option(help="first HTTP port")] = 8100,
    topology: Annotated[str, typer.Option(help="single: one nats-server; hub: a hub of three "
                                          "and one per site")] = "single",
) -> None:
    """Start the embedded default: nats-server, SQLite stores, the services of each site."""
    from tongban.stack import run_stack

    if topology not in ("single", "hub"):
        raise typer.BadParameter("single or hub", param_hint="--topology")
    raise typer.Exit(run_stack(tuple(sites.split(",")), data_dir, base_port, topology))


@app.command()
def console(
    site: Annotated[str, typer.Option(help="division code of the hall")],
    port: Annotated[int, typer.Option()] = 8080,
) -> None:
    """Run a hall's staff console (工作台) until SIGTERM. Its pages call the site's services
    (TB_CONSOLE_INTAKE_URL, ..._LEDGER_URL) with the signed-in person's own token; staff sign
    in at TB_CONSOLE_ISSUER. Outside development it refuses a session cookie sent without TLS."""
    import uvicorn
    from pydantic import ValidationError

    from services.console.app import build_console
    from services.console.settings import console_settings
    from services.runtime.secrets import SecretsRefused, run_mode

    try:
        settings = console_settings(site=site, http_port=port)
        if run_mode() != "development" and not settings.cookie_secure:
            raise SecretsRefused("TB_CONSOLE_COOKIE_SECURE=false is for development only "
                                 "(the session cookie would travel without TLS)")
    except SecretsRefused as refused:
        typer.echo(f"tongban console --site {site}: {refused}", err=True)
        raise typer.Exit(2) from None
    except ValidationError as wrong:
        named = ", ".join(f"TB_CONSOLE_{'_'.join(map(str, e['loc'])).upper()} ({e['msg']})"
                          for e in wrong.errors())
        typer.echo(f"tongban console --site {site}: {named}", err=True)
        raise typer.Exit(2) from None
    configure_logging()
    # No access log: a console's URLs name cases, and its log is no place for them. Its
    # own records (log_config=None) go through structlog with ours.
    uvicorn.run(build_console(settings), host=settings.http_host, port=settings.http_port,
                log_level="warning", access_log=False, log_config=None)


@app.command()
def issuer(
    port: Annotated[int, typer.Option()] = 8090,
    data_dir: DataDir = Path("data"),
) -> None:
    """Run the local identity provider of the embedded default (its key and staff accounts
    under <data-dir>/issuer); in production the province's provider takes its place."""
    from services.issuer.main import IssuerSettings, serve

    serve(IssuerSettings(http_port=port, data_dir=data_dir))


@app.command("staff-add")
def staff_add(
    staff_id: Annotated[str, typer.Argument(help="e.g. 370671-W02")],
    name: Annotated[str, typer.Option(help="姓名")],
    site: Annotated[str, typer.Option(help="division code of the staff's site")],
    roles: Annotated[str, typer.Option(help="comma-separated: guide, window, approver, head, "
                                       "delivery, supervisor, auditor, admin")],
    department: Annotated[str, typer.Option()] = "",
    data_dir: DataDir = Path("data"),
) -> None:
    """Add (or reset) a staff account at the local issuer; the password is asked for."""
    from services.issuer.main import IssuerSettings, accounts_of

    password = typer.prompt("password (at least 12 characters)", hide_input=True,
                            confirmation_prompt=True)
    try:
        accounts_of(IssuerSettings(data_dir=data_dir)).add(
            staff_id, name, site, tuple(roles.split(",")), password, department)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    typer.echo(f"{staff_id} may now sign in as {roles}")


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
    data_dir: DataDir = Path("data"),
) -> None:
    """Drive one case through both sites against a running `tongban up`."""
    from tongban.demo import run_demo
    from tongban.stack import read_stack_file, staff_signing_in

    result = run_demo(read_stack_file(data_dir), staff_signing_in(data_dir))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"办件 {result['case_number']} ({result['case_id']}): {result['status']}")
    progress = result["progress"]
    typer.echo(f"申请人凭查询码查询进度: {progress['status_zh']}，{progress['next_step']}")
    for entry in result["timeline"]:
        typer.echo(f"  {entry['at']}  {entry['site']}  {entry['service']:<9} {entry['event']}")


@app.command()
def asyncapi() -> None:
    """Print the AsyncAPI document of a site's bus: subjects, streams, consumers, headers."""
    from tongban.asyncapi import asyncapi_document

    configure_logging("ERROR")  # building the services to read their consumers says things
    typer.echo(json.dumps(asyncapi_document(), ensure_ascii=False, indent=2))


deploy_app = typer.Typer(help="Deployment files made from the site directory.",
                         no_args_is_help=True)
app.add_typer(deploy_app, name="deploy")


@deploy_app.command("render")
def deploy_render(
    out: Annotated[Path, typer.Option(help="where to write the NATS configurations")] = Path(
        "deploy/nats"),
    sites: Annotated[str, typer.Option(help="comma-separated division codes")] = "370671,370202",
) -> None:
    """Write the hub's three node configurations and one per site, with each site's user and
    each service's; the passwords, random, go to <out>/secrets (kept if already there)."""
    from tongban.topology import render

    for path in render(out, tuple(sites.split(","))):
        typer.echo(path)
    typer.echo(f"passwords in {out / 'secrets'}: keep them out of version control")


keys_app = typer.Typer(help="Site signing keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("generate")
def keys_generate(
    site: Annotated[str, typer.Option(help="division code of the site")],
    seed_file: Annotated[Path | None, typer.Option(help="write the private key (seed, base64) "
                                                   "here, readable by its owner only")] = None,
    print_seed: Annotated[bool, typer.Option(help="print the private key on stderr instead")] = (
        False),
    key_id: Annotated[str | None, typer.Option(help="default <site>-<date>")] = None,
    valid_from: Annotated[datetime | None, typer.Option(help="default now; without an offset, "
                                                        "China's time")] = None,
    catalogue_dir: Annotated[Path | None, typer.Option(help="the directory the entry is taken "
                                                       "from; --directory's, else the packaged "
                                                       "one, when unset")] = None,
    directory: Annotated[Path | None, typer.Option(help="also write sites.json (and "
                                                   "matters.json) with the entry here")] = None,
) -> None:
    """Make an Ed25519 key pair for a site and print its site directory entry (JSON)."""
    from tongban.site_keys import (
        KeyRefused,
        new_seed,
        read_sites,
        site_entry,
        write_directory,
        write_seed,
    )

    if seed_file is None and not print_seed:
        raise typer.BadParameter("say where the private key goes: --seed-file PATH (or "
                                 "--print-seed)", param_hint="--seed-file")
    seed, sites = new_seed(), read_sites(catalogue_dir or directory)
    try:
        entry = site_entry(sites, site, seed, key_id, valid_from)
        if seed_file is not None:
            write_seed(seed_file, seed)
    except KeyRefused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(2) from None
    if directory is not None:
        typer.echo(f"wrote {write_directory(directory, sites, entry)}", err=True)
    if print_seed:
        typer.echo(f"private key (seed, base64): {base64.b64encode(seed).decode()}", err=True)
    typer.echo(json.dumps(entry, ensure_ascii=False, indent=2))


ledger_app = typer.Typer(help="An auditor's checks of one site's ledger.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("verify")
def ledger_verify(
    site: Annotated[str, typer.Option(help="division code of the ledger's site")],
    data_dir: DataDir = Path("data"),
    against_streams: Annotated[bool, typer.Option(
        help="also prove that no event the site's streams hold is missing from the ledger or "
             "recorded at another stream position (a chain's cut-off end)")] = False,
    nats_url: Annotated[str, typer.Option()] = "nats://127.0.0.1:4222",
    quiet: Quiet = False,
) -> None:
    """Check every stored event's seal and every chain link; exit 1 at the first broken one."""
    from tongban.ledger_tools import consumed, verify, witness
    from tongban.progress import bars

    settings = for_service("ledger", site=site, data_dir=data_dir, nats_url=nats_url)
    positions = consumed(settings)  # first: whatever the ledger takes later is not asked for
    report, timed = verify(settings, keep_held=against_streams, bar=bars(quiet))
    if report.broken is not None:
        b = report.broken
        typer.echo(f"BROKEN at event {b.event_id} (case {b.case_number}, {b.event_type}, "
                   f"ledger position {b.position}): {b.reason}")
        typer.echo(f"{report.events} events before it verified intact")
        raise typer.Exit(1)
    typer.echo(f"intact: {report.events} events in {len(report.heads)} chains, "
               f"{report.signatures} batch signatures checked ({timed.rate:,.0f} events/s)"
               + (f"; {report.repeats} repeated observations skipped" if report.repeats
                  else ""))
    if not against_streams:
        return
    assert report.held is not None
    missing, read = asyncio.run(witness(settings, report.held, positions, report.dropped))
    for m in missing[:20]:
        typer.echo(f"MISSING event {m.event_id} (case {m.case_number}, {m.subject}): {m.reason}")
    if missing:
        typer.echo(f"{len(missing)} of {read} stream messages not in the ledger as they should be")
        raise typer.Exit(1)
    typer.echo(f"witnessed: the {read} messages of its streams up to "
               + ", ".join(f"{s} #{n}" for s, n in positions.items())
               + " are all in the ledger at their positions")


@ledger_app.command("rebuild")
def ledger_rebuild(
    site: Annotated[str, typer.Option(help="division code of the ledger's site")],
    data_dir: DataDir = Path("data"),
    from_streams: Annotated[bool, typer.Option(
        help="first refill a lost store from the site's JetStream streams")] = False,
    nats_url: Annotated[str, typer.Option()] = "nats://127.0.0.1:4222",
    quiet: Quiet = False,
) -> None:
    """Drop the projections, replay every event, and prove the result equal (digests)."""
    from tongban.ledger_tools import rebuild, refill_from_streams
    from tongban.progress import bars

    settings = for_service("ledger", site=site, data_dir=data_dir, nats_url=nats_url)
    if from_streams:
        held = asyncio.run(refill_from_streams(settings, bar=bars(quiet)))
        typer.echo(f"refilled the store from {held} stream messages")
    result = rebuild(settings, bar=bars(quiet))
    typer.echo(f"{'projection':<22} {'incremental':<18} {'replayed':<18}")
    for name, digest in result.replayed.items():
        before = result.incremental.get(name, "")
        mark = "=" if before == digest else "≠"
        typer.echo(f"{name:<22} {before[:16]:<18} {digest[:16]:<18} {mark}")
    typer.echo(f"replayed {result.timed.events} events in {result.timed.seconds:.2f} s "
               f"({result.timed.rate:,.0f} events/s)")
    if not result.equal:
        typer.echo("the rebuilt projections differ from the incremental ones: kept the rebuilt")
        raise typer.Exit(1)
    typer.echo("equal: the incremental projections are what the events say")


dlq_app = typer.Typer(help="A site's dead letters: messages its consumers refused.",
                      no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
SiteOption = Annotated[str, typer.Option("--site", help="division code of the site")]
NatsUrl = Annotated[str, typer.Option(help="the site's NATS; user and password from the "
                                      "service's TB_<SERVICE>_NATS_USER/_PASSWORD")]
ByOption = Annotated[str | None, typer.Option("--by", help="who acts (recorded); default the "
                                              "account running the command")]
WhyOption = Annotated[str, typer.Option("--why", help="why (recorded with it)")]


def _dlq_settings(site: str, data_dir: Path, nats_url: str) -> Any:
    return lambda service: for_service(service, site=site, data_dir=data_dir, nats_url=nats_url)


def _dlq_run(work: Any) -> Any:
    from tongban.dead_letter_tools import NoLetter

    try:
        return asyncio.run(work)
    except NoLetter as missing:
        typer.echo(str(missing), err=True)
        raise typer.Exit(2) from None


@dlq_app.command("list")
def dlq_list(
    site: SiteOption,
    reason: Annotated[str | None, typer.Option(help="only those refused under this rule, e.g. "
                                               "unknown_key, unreadable, not_a_party")] = None,
    consumer: Annotated[str | None, typer.Option(help="only this consumer's, e.g. "
                                                 "routing-gateway")] = None,
    since: Annotated[datetime | None, typer.Option(help="only those since; without an offset, "
                                                   "China's time")] = None,
    counts: Annotated[bool, typer.Option("--counts", help="how many by consumer and rule, "
                                         "instead of the letters")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    data_dir: DataDir = Path("data"),
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
) -> None:
    """The site's dead letters, oldest first: when, which consumer, the rule and the reason."""
    from services.runtime.workdays import CHINA
    from tongban import dead_letter_tools as dlq

    settings = _dlq_settings(site, data_dir, nats_url)(dlq.READER)
    since = since.replace(tzinfo=since.tzinfo or CHINA) if since else None
    if counts:
        counted = _dlq_run(dlq.counts(settings, consumer, reason, since))
        for (of, rule), n in counted.items():
            typer.echo(f"{n:>8,}  {of:<26} {rule}")
        typer.echo(f"{sum(counted.values()):>8,}  dead letters")
        return
    page = _dlq_run(dlq.page(settings, consumer, reason, since, limit, offset))
    for letter in page.letters:
        typer.echo(f"#{letter.dlq_seq:<7} {letter.at.astimezone(CHINA):%Y-%m-%d %H:%M:%S}  "
                   f"{letter.consumer:<26} {letter.rule:<18} {letter.stream}#{letter.seq}  "
                   f"{letter.subject}\n          {letter.reason}")
    shown = f"{offset + 1}-{offset + len(page.letters)}" if page.letters else "none"
    typer.echo(f"{shown} of {page.total} dead letters"
               + (f"; next: --offset {offset + limit}" if offset + limit < page.total else ""))


@dlq_app.command("show")
def dlq_show(
    seq: Annotated[int, typer.Argument(help="the letter's number in `tongban dlq list`")],
    site: SiteOption,
    full: Annotated[bool, typer.Option(help="the whole body, however long")] = False,
    data_dir: DataDir = Path("data"),
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
) -> None:
    """One letter with its headers and its body as stored (sealed fields stay sealed)."""
    from services.runtime.workdays import CHINA
    from tongban import dead_letter_tools as dlq

    shown = _dlq_run(dlq.show(_dlq_settings(site, data_dir, nats_url), seq))
    letter = shown.letter
    for name, value in [("dead letter", f"#{seq} at {shown.at.astimezone(CHINA).isoformat()}"),
                        ("consumer", letter.consumer), ("rule", letter.rule),
                        ("reason", letter.reason), ("message", f"{letter.stream}#{letter.seq}"),
                        ("subject", letter.subject)]:
        typer.echo(f"{name:<12} {value}")
    typer.echo("headers")
    for name, value in sorted(shown.headers.items()):
        typer.echo(f"  {name}: {value}")
    body = letter.data if full or len(letter.data) <= 4000 else (
        f"{letter.data[:4000]}… ({len(letter.data):,} characters; --full for all)")
    typer.echo(f"body (as stored, never opened)\n  {body}")
    for event in shown.history:
        what = getattr(event, "outcome", "dropped")
        typer.echo(f"{event.occurred_at.astimezone(CHINA):%Y-%m-%d %H:%M:%S}  "
                   f"{type(event).__name__} by {event.actor.staff_id}: {what}"
                   + (f" ({event.detail})" if getattr(event, "detail", "") else "")
                   + (f"; why: {event.note}" if event.note else ""))


@dlq_app.command("replay")
def dlq_replay(
    seq: Annotated[int, typer.Argument(help="the letter's number in `tongban dlq list`")],
    site: SiteOption,
    by: ByOption = None,
    why: WhyOption = "",
    data_dir: DataDir = Path("data"),
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
) -> None:
    """Send the letter's message through its consumer's checks and handler again.

    Processed once, it leaves the dead letters; refused or failing again, it stays (exit 1,
    and why)."""
    from tongban import dead_letter_tools as dlq

    done = _dlq_run(dlq.replay(_dlq_settings(site, data_dir, nats_url), site, seq,
                               dlq.operator_name(by), why))
    letter = done.letter
    typer.echo(f"#{seq} ({letter.consumer}, {letter.stream}#{letter.seq}): {done.outcome}"
               + (f": {done.detail}" if done.detail else "")
               + ("; removed from the dead letters" if done.removed else
                  "; still a dead letter"))
    if not done.removed:
        raise typer.Exit(1)


@dlq_app.command("drop")
def dlq_drop(
    seq: Annotated[int, typer.Argument(help="the letter's number in `tongban dlq list`")],
    site: SiteOption,
    by: ByOption = None,
    why: WhyOption = "",
    data_dir: DataDir = Path("data"),
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
) -> None:
    """Remove a letter unprocessed; recorded in its service's store with who and why."""
    from tongban import dead_letter_tools as dlq

    done = _dlq_run(dlq.drop(_dlq_settings(site, data_dir, nats_url), site, seq,
                             dlq.operator_name(by), why))
    typer.echo(f"#{seq} ({done.letter.consumer}, {done.letter.stream}#{done.letter.seq}, "
               f"{done.letter.rule}): dropped")


@app.command("settings-reference")
def settings_reference(
    write: Annotated[Path | None, typer.Option(help="put it between the markers in this file "
                                               "(README.md) instead of printing it")] = None,
) -> None:
    """Every TB_* setting, its default and meaning, from the settings classes themselves."""
    from tongban.settings_reference import reference
    from tongban.settings_reference import write as write_into

    if write is None:
        typer.echo(reference())
        return
    typer.echo(f"{write}: {'updated' if write_into(write) else 'already current'}")


def _site_settings(site: str, data_dir: Path, nats_url: str) -> Any:
    """Each service's settings at the site: TB_<SERVICE>_* (store, PostgreSQL, NATS user)."""
    return lambda service: for_service(service, site=site, data_dir=data_dir, nats_url=nats_url)


@app.command()
def backup(
    site: SiteOption,
    out: Annotated[Path, typer.Option(help="an empty or new folder for the backup")],
    data_dir: DataDir = Path("data"),
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
) -> None:
    """Back up the site's five stores and its personal-data vault, with a manifest.

    The services may run meanwhile: each store is copied consistently and resumes from its own
    stream positions. Streams, files and keys are not in it (see the README)."""
    from services.runtime.host import clock_for
    from tongban import backup as b

    settings_for = _site_settings(site, data_dir, nats_url)
    try:
        manifest = b.backup(settings_for, site, out, clock_for(settings_for("ledger"))())
    except b.BackupRefused as refused:
        typer.echo(f"tongban backup --site {site}: {refused}", err=True)
        raise typer.Exit(2) from None
    written = json.loads(manifest.read_text())
    for service, at in written["positions"].items():
        typer.echo(f"{service:<9} event #{at['notification_id']}  "
                   + ", ".join(f"{s} #{n}" for s, n in at["consumed"].items()))
    typer.echo(f"backed up site {site} ({written['store']}) to {out}")


@app.command()
def restore(
    site: SiteOption,
    source: Annotated[Path, typer.Option("--from", help="the backup's folder or manifest")],
    force: Annotated[bool, typer.Option(help="even though a service of the site answers")] = (
        False),
    accept_loss: Annotated[bool, typer.Option(
        help="even though the site published events after the backup: they are lost from its "
             "stores and what caused them is done again under new ids")] = False,
    data_dir: DataDir = Path("data"),
    nats_url: NatsUrl = "nats://127.0.0.1:4222",
) -> None:
    """Put a backup of this site in place of its stores; started again, its services catch up
    from the streams. Refuses another site's backup, a damaged one, a running site."""
    from tongban import backup as b

    settings_for = _site_settings(site, data_dir, nats_url)
    try:
        manifest = b.read_manifest(source, site)
        up = asyncio.run(b.running(settings_for))
        if up and not force:
            raise b.BackupRefused(f"{', '.join(up)} of site {site} answer: stop the site's "
                                  "services first (or --force)")
        lost = asyncio.run(b.published_since(settings_for, manifest))
        if lost and not accept_loss:
            raise b.BackupRefused(
                "the site published events after this backup ("
                + ", ".join(f"{s}: {n}" for s, n in lost.items())
                + "); restored, they would be lost from its stores and their causes done "
                  "again under new ids. Use a newer backup (or --accept-loss)")
        done = b.restore(settings_for, manifest, source)
    except b.BackupRefused as refused:
        typer.echo(f"tongban restore --site {site}: {refused}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"restored {', '.join(done.parts)} of site {site}, taken {manifest['taken_at']}; "
               "start the services: they catch up from the streams")


def main() -> None:
    app()
