"""Who may do what on NATS, the same rules for one server (`single`) and for the hub, made
from the subjects and streams of contracts/subjects.py and services/runtime/streams.py.
Everything not granted here is refused (the server denies by default once a user has rules).

- A service, user `<site>-<service>`, publishes only its own events and its site's dead
  letters; routing alone also what it carries to parties and what it admits into its site's
  inbox. It uses the JetStream API of its site's streams (never purge or delete them) and
  reads replies only on its own inbox, `_INBOX.<site>.<service>`. The one message it may
  delete is a dead letter of its site (an operator's `tongban dlq drop` or replay, run with
  the service's settings).
- Across the hub a site, user `<site>` (its leafnode), may of another site only create a
  consumer on that site's outbox for the subjects addressed to it, and copy files into and
  out of that site's file bucket: never read, purge or delete anything else.

Personal-data keys go by request and reply, never a stream: any service of a site may ask
another site for a key (`tb.keys.<owner>.<site>`, so the owner knows who asks), routing alone
answers for its own site, and only to the inbox that asked (`allow_responses`).

Files are the one wide grant: a site's bucket holds the files of all its cases, named by their
hash, and routing copies to and from its parties' buckets, so it may read any file of a party's
bucket (never purge or delete one). Narrowing that needs a bucket per pair of sites.
"""

from __future__ import annotations

from typing import Any

from contracts.subjects import (
    admitted_into,
    admitted_stream,
    carried_from,
    carried_to,
    dead_letter_stream,
    dead_letters_of,
    inbox_stream,
    own_events,
    own_stream,
)
from services.runtime.files import bucket
from services.runtime.nats_client import inbox_prefix
from services.runtime.personal.desk import key_subject
from services.runtime.streams import domain, outbox_stream, sync_prefix

Permissions = dict[str, Any]
FILE_USERS = ("intake", "routing")  # who stores, copies and serves scans
SERVER_REPLIES = "$JSC.R.>"
"""Where one server's JetStream answers another's requests (creating a source's consumer):
random subjects, shared by every site; they carry consumer descriptions, no messages."""

STREAM_USE = ("STREAM.INFO.{s}", "STREAM.CREATE.{s}", "STREAM.UPDATE.{s}", "STREAM.MSG.GET.{s}",
              "DIRECT.GET.{s}", "DIRECT.GET.{s}.>", "CONSUMER.CREATE.{s}",
              "CONSUMER.CREATE.{s}.>", "CONSUMER.DURABLE.CREATE.{s}.*", "CONSUMER.INFO.{s}.*",
              "CONSUMER.DELETE.{s}.*", "CONSUMER.MSG.NEXT.{s}.*")
"""What a user may ask of a stream it uses: no PURGE, no DELETE, no MSG.DELETE."""


def service_user(site: str, service: str) -> str:
    return f"{site}-{service}"


def api(verb: str, site_domain: str | None = None) -> str:
    """A JetStream API subject: the local server's, or a site's domain through the hub."""
    return f"$JS.{site_domain}.API.{verb}" if site_domain else f"$JS.API.{verb}"


def stream_use(stream: str, site_domain: str | None = None) -> list[str]:
    return [api(verb.format(s=stream), site_domain) for verb in STREAM_USE]


def file_bucket_use(site: str, site_domain: str | None = None) -> list[str]:
    """The object store of a site's files: its stream, its chunks and names. Reading a file
    looks its stream up by subject (STREAM.NAMES: names of streams, nothing in them)."""
    stream = f"OBJ_{bucket(site)}"
    return [*stream_use(stream, site_domain), f"$O.{bucket(site)}.>", f"$JS.FC.{stream}.>",
            api("STREAM.NAMES", site_domain)]


def site_streams(site: str, topology: str) -> list[str]:
    streams = [own_stream(site), admitted_stream(site), dead_letter_stream(site),
               inbox_stream(site)]
    return [*streams, outbox_stream(site)] if topology == "hub" else streams


def service_permissions(site: str, service: str, topology: str = "single",
                        sites: tuple[str, ...] = ()) -> Permissions:
    publish = [own_events(site, service), dead_letters_of(site), api("INFO"),
               key_subject("*", site)]
    if service == "routing":
        publish += [carried_from(site), admitted_into(site)]
    for stream in site_streams(site, topology):
        publish += [*stream_use(stream), f"$JS.ACK.{stream}.>", f"$JS.FC.{stream}.>"]
    publish.append(api(f"STREAM.MSG.DELETE.{dead_letter_stream(site)}"))  # `tongban dlq drop`
    if service in FILE_USERS:
        publish += [*file_bucket_use(site), api(f"STREAM.PURGE.OBJ_{bucket(site)}")]
    if service == "routing":  # copies files to and from its parties
        publish += [s for other in sites if other != site
                    for s in file_bucket_use(other, domain(other) if topology == "hub" else None)]
    subscribe = [f"{inbox_prefix(site, service)}.>"]
    if service == "routing":  # the key desk
        subscribe.append(key_subject(site, "*"))
        return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe},
                "allow_responses": True}
    return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}}


def site_permissions(site: str, sites: tuple[str, ...]) -> Permissions:
    """A site's user on the hub: what its server may send into the hub and take from it."""
    others = [o for o in sites if o != site]
    own = [own_events(site), carried_from(site), admitted_into(site), dead_letters_of(site)]
    sourcing = [api(f"CONSUMER.CREATE.{outbox_stream(o)}.*.{carried_to(site)}", domain(o))
                for o in others]
    files = [s for o in others for s in file_bucket_use(o, domain(o))]
    return {
        "publish": {"allow": [*own, "_INBOX.>", SERVER_REPLIES, *sourcing, *files,
                              key_subject("*", site),
                              *(f"$JS.FC.{outbox_stream(o)}.>" for o in others),
                              *sync_subjects(site, others)]},
        "subscribe": {"allow": [*own, carried_to(site), f"_INBOX.{site}.>", SERVER_REPLIES,
                                key_subject(site, "*"),
                                api(">", domain(site)), f"$O.{bucket(site)}.>",
                                *(f"$JS.FC.{s}.>" for s in (outbox_stream(site),
                                                            f"OBJ_{bucket(site)}")),
                                *sync_subjects(site)]},
    }


def sync_subjects(site: str, to: list[str] | None = None) -> list[str]:
    """Where a site's inbox takes the messages it sources from the others' outboxes."""
    return [f"{sync_prefix(p)}.>" for p in (to if to is not None else [site])]
