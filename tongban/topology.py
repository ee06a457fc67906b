"""The hub topology, rendered from the site directory: a hub of three nats-server nodes in a
cluster, and one nats-server per site with its own JetStream domain, joined to the hub as a
leafnode with its own user; on each site's server, each service its own user. What each user
may do is tongban.nats_permissions; the passwords are random, per deployment, in `secrets/`.

Used three ways: `tongban deploy render` writes the files for docker-compose, `tongban up
--topology hub` and the tests run the same configurations on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.runtime.nats_server import LocalNatsServer, PortTaken, free_port
from services.runtime.streams import domain
from tongban.nats_auth import NatsUser, Secrets, authorization, include_line, service_users
from tongban.nats_permissions import site_permissions

HUB_NODES = 3


@dataclass(frozen=True)
class HubNode:
    name: str
    host: str
    client_port: int
    cluster_port: int
    leaf_port: int
    monitor_port: int | None = None


def hub_config(node: HubNode, nodes: list[HubNode], sites: tuple[str, ...], include: Path,
               store_dir: str, config_dir: Path | str, listen_host: str = "127.0.0.1",
               http_port: int | None = None) -> str:
    routes = [f"nats-route://{n.host}:{n.cluster_port}" for n in nodes if n.name != node.name]
    users = [NatsUser(site, site_permissions(site, sites)) for site in sites]
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
{include_line(config_dir, include)}
{authorization(users)}
leafnodes {{ listen: {listen_host}:{node.leaf_port} }}
"""


def site_config(site: str, client_port: int, sites: tuple[str, ...], include: Path,
                store_dir: str, config_dir: Path | str, listen_host: str = "127.0.0.1",
                http_port: int | None = None) -> str:
    return f"""# Site {site}: its own server and JetStream domain, a leafnode of the hub.
server_name: site-{site}
listen: {listen_host}:{client_port}
{f"http_port: {http_port}" if http_port else ""}
jetstream {{ store_dir: "{store_dir}", domain: {domain(site)} }}
# Its services, each its own user; HUB_URLS: the hub's nodes, with the site's own user.
{include_line(config_dir, include)}
{authorization(service_users((site,), "hub", sites))}
leafnodes {{ remotes: [ {{ urls: $HUB_URLS }} ] }}
"""


def hub_secrets(secrets: Secrets, sites: tuple[str, ...]) -> Path:
    return secrets.include("hub", list(sites))


def site_secrets(secrets: Secrets, site: str, nodes: list[HubNode]) -> Path:
    """A site's include: its services' passwords, and the hub's URLs with its own."""
    urls = [f"nats-leaf://{site}:{secrets.password(site)}@{n.host}:{n.leaf_port}"
            for n in nodes]
    return secrets.include(f"site-{site}", [u.name for u in service_users((site,))],
                           {"HUB_URLS": urls})


COMPOSE_PORTS = {"client": 4222, "cluster": 6222, "leaf": 7422, "monitor": 8222}


def render(out: Path, sites: tuple[str, ...]) -> list[Path]:
    """The files docker-compose mounts: hub-1..3.conf and site-<code>.conf, for the hosts of
    the compose network (hub-N, nats-<site>), stores under /data/jetstream; and beside them
    `secrets/`, the passwords, made at random for any user that has none there yet: what
    each server includes, and `<site>.env` for the site's services."""
    p = COMPOSE_PORTS
    nodes = [HubNode(f"hub-{n + 1}", f"hub-{n + 1}", p["client"], p["cluster"], p["leaf"])
             for n in range(HUB_NODES)]
    out.mkdir(parents=True, exist_ok=True)
    secrets, written = Secrets(out / "secrets"), []
    include = hub_secrets(secrets, sites)
    for node in nodes:
        path = out / f"{node.name}.conf"
        path.write_text(hub_config(node, nodes, sites, include, "/data/jetstream", out,
                                   "0.0.0.0", p["monitor"]))
        written.append(path)
    for site in sites:
        path = out / f"site-{site}.conf"
        path.write_text(site_config(site, p["client"], sites, site_secrets(secrets, site, nodes),
                                    "/data/jetstream", out, "0.0.0.0", p["monitor"]))
        secrets.service_env(site)
        written.append(path)
    return written


@dataclass
class LocalHub:
    """The topology on loopback: three hub nodes and one server per site, each its own
    process with its own store, for `tongban up --topology hub` and for the tests."""

    root: Path
    sites: tuple[str, ...]
    secrets_dir: Path | None = None  # root/secrets by default
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
            include = site_secrets(self.secrets, site, self.nodes)
            server = LocalNatsServer(store, free_port())
            server.passwords = {u.name: self.secrets.password(u.name)
                                for u in service_users((site,))}
            self.site_servers[site] = server.start_with(
                lambda port, site=site, store=store, include=include: site_config(
                    site, port, self.sites, include, str(store), store))
        return self

    @property
    def secrets(self) -> Secrets:
        return Secrets(self.secrets_dir or self.root / "secrets")

    def _start_hub(self, attempt: int) -> None:
        self.nodes = [HubNode(f"hub-{n + 1}", "127.0.0.1", free_port(), free_port(), free_port(),
                              free_port()) for n in range(HUB_NODES)]
        self.hub = []
        include = hub_secrets(self.secrets, self.sites)
        for node in self.nodes:
            store = self.root / f"{node.name}-{attempt}"  # a fresh store for a fresh try
            self.hub.append(LocalNatsServer(store, node.client_port, hub_config(
                node, self.nodes, self.sites, include, str(store), store,
                http_port=node.monitor_port)))
        for server in self.hub:
            server.start(timeout=30)

    def url(self, site: str) -> str:
        """The site's own server, without a user: each service brings its own."""
        return self.site_servers[site].address

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
        return f"nats://{site}:{self.secrets.password(site)}@127.0.0.1:{port}"

    def stop(self) -> None:
        for server in [*self.site_servers.values(), *self.hub]:
            server.stop()
