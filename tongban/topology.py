"""The hub topology, rendered from the site directory: a hub of three nats-server nodes in a
cluster, and one nats-server per site with its own JetStream domain, joined to the hub as a
leafnode with its own user. What a site's user may do on the hub: publish and subscribe only
as itself — never on another site's own, inbox, admitted or dead-letter subjects.

Used three ways: `tongban deploy render` writes the files for docker-compose, `tongban up
--topology hub` and the tests run the same configurations on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.runtime.nats_server import LocalNatsServer, PortTaken, free_port
from services.runtime.streams import domain

HUB_NODES = 3
LOCAL_HUB_SECRET = "tongban-local-hub"  # `tongban up --topology hub` and the tests
EXAMPLE_HUB_SECRET = "change-me-before-use"  # the committed deploy/nats files


def site_password(site: str, secret: str) -> str:
    """Each site's hub password, derived from one deployment secret (rotate the secret to
    rotate them all)."""
    return hashlib.sha256(f"{secret}|{site}".encode()).hexdigest()[:32]


def permissions(site: str, sites: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    others = [o for o in sites if o != site]
    as_others = [s for o in others for s in (f"tb.{o}.>", f"tb.to.*.{o}.>", f"tb.in.{o}.>",
                                             f"tb.dlq.{o}.>")]
    inboxes = [f"tb.to.{o}.>" for o in others]
    return {"publish": {"allow": [">"], "deny": as_others},
            "subscribe": {"allow": [">"], "deny": [*as_others, *inboxes]}}


def users(sites: tuple[str, ...], secret: str) -> list[dict[str, object]]:
    return [{"user": site, "password": site_password(site, secret),
             "permissions": permissions(site, sites)} for site in sites]


@dataclass(frozen=True)
class HubNode:
    name: str
    host: str
    client_port: int
    cluster_port: int
    leaf_port: int
    monitor_port: int | None = None


def hub_config(node: HubNode, nodes: list[HubNode], sites: tuple[str, ...], secret: str,
               store_dir: str, listen_host: str = "127.0.0.1", http_port: int | None = None
               ) -> str:
    routes = [f"nats-route://{n.host}:{n.cluster_port}" for n in nodes if n.name != node.name]
    accounts = json.dumps(users(sites, secret), indent=2)
    return f"""# Hub node {node.name}: rendered by `tongban deploy render` from the site directory.
server_name: {node.name}
listen: {listen_host}:{node.client_port}
{f"http_port: {http_port}" if http_port else ""}
jetstream {{ store_dir: "{store_dir}", domain: hub }}
cluster {{
  name: tongban-hub
  listen: {listen_host}:{node.cluster_port}
  routes: {json.dumps(routes)}
}}
# One user per site, with its permissions, for its leafnode and its clients alike.
authorization {{ users: {accounts} }}
leafnodes {{ listen: {listen_host}:{node.leaf_port} }}
"""


def site_config(site: str, client_port: int, nodes: list[HubNode], secret: str,
                store_dir: str, listen_host: str = "127.0.0.1", http_port: int | None = None
                ) -> str:
    password = site_password(site, secret)
    urls = [f"nats-leaf://{site}:{password}@{n.host}:{n.leaf_port}" for n in nodes]
    return f"""# Site {site}: its own server and JetStream domain, a leafnode of the hub.
server_name: site-{site}
listen: {listen_host}:{client_port}
{f"http_port: {http_port}" if http_port else ""}
jetstream {{ store_dir: "{store_dir}", domain: {domain(site)} }}
leafnodes {{ remotes: [ {{ urls: {json.dumps(urls)} }} ] }}
"""


COMPOSE_PORTS = {"client": 4222, "cluster": 6222, "leaf": 7422, "monitor": 8222}


def render(out: Path, sites: tuple[str, ...], secret: str) -> list[Path]:
    """The files docker-compose mounts: hub-1..3.conf and site-<code>.conf, for the hosts of
    the compose network (hub-N, nats-<site>), stores under /data/jetstream."""
    p = COMPOSE_PORTS
    nodes = [HubNode(f"hub-{n + 1}", f"hub-{n + 1}", p["client"], p["cluster"], p["leaf"])
             for n in range(HUB_NODES)]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for node in nodes:
        path = out / f"{node.name}.conf"
        path.write_text(hub_config(node, nodes, sites, secret, "/data/jetstream", "0.0.0.0",
                                   p["monitor"]))
        written.append(path)
    for site in sites:
        path = out / f"site-{site}.conf"
        path.write_text(site_config(site, p["client"], nodes, secret, "/data/jetstream",
                                    "0.0.0.0", p["monitor"]))
        written.append(path)
    return written


@dataclass
class LocalHub:
    """The topology on loopback: three hub nodes and one server per site, each its own
    process with its own store, for `tongban up --topology hub` and for the tests."""

    root: Path
    sites: tuple[str, ...]
    secret: str = LOCAL_HUB_SECRET
    nodes: list[HubNode] = field(default_factory=list)
    hub: list[LocalNatsServer] = field(default_factory=list)
    site_servers: dict[str, LocalNatsServer] = field(default_factory=dict)

    def start(self) -> LocalHub:
        for attempt in range(3):  # a free port can be taken before a node binds it
            try:
                self._start_hub(attempt)
                break
            except PortTaken:
                for server in self.hub:
                    server.stop()
                if attempt == 2:
                    raise
        for site in self.sites:
            store = self.root / f"site-{site}"
            self.site_servers[site] = LocalNatsServer(store, free_port()).start_with(
                lambda port, site=site, store=store: site_config(
                    site, port, self.nodes, self.secret, str(store)))
        return self

    def _start_hub(self, attempt: int) -> None:
        self.nodes = [HubNode(f"hub-{n + 1}", "127.0.0.1", free_port(), free_port(), free_port(),
                              free_port()) for n in range(HUB_NODES)]
        self.hub = []
        for node in self.nodes:
            store = self.root / f"{node.name}-{attempt}"  # a fresh store for a fresh try
            self.hub.append(LocalNatsServer(store, node.client_port, hub_config(
                node, self.nodes, self.sites, self.secret, str(store),
                http_port=node.monitor_port)))
        for server in self.hub:
            server.start(timeout=30)

    def url(self, site: str) -> str:
        return self.site_servers[site].url

    def node_serving(self, site: str) -> int:
        """Which hub node the site's leafnode is connected to now (from its /leafz)."""
        for n, node in enumerate(self.nodes):
            if self.hub[n].pid is None:
                continue
            leafz = httpx.get(f"http://127.0.0.1:{node.monitor_port}/leafz", timeout=2).json()
            if any(leaf.get("name") == f"site-{site}" for leaf in leafz.get("leafs") or []):
                return n
        raise LookupError(f"site {site} is connected to no hub node")

    def hub_url(self, node: int, site: str) -> str:
        port = self.nodes[node].client_port
        return f"nats://{site}:{site_password(site, self.secret)}@127.0.0.1:{port}"

    def stop(self) -> None:
        for server in [*self.site_servers.values(), *self.hub]:
            server.stop()
