"""Several services of several sites in the test's own event loop, on a real nats-server.

HTTP goes through httpx's ASGI transport, so no ports are opened for the APIs; everything else
(NATS, the stores, the relays, the consumers) is the real thing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from services.runtime.host import ServiceHost
from services.runtime.nats_server import LocalNatsServer
from services.runtime.settings import ServiceSettings, for_service
from tests.support.clock import RunningClock
from tests.support.staff import on_duty, staff
from tongban.nats_permissions import service_user
from tongban.registry import BUILDERS

WINDOW_CLERK = staff("370671-W01", "window")
APPROVER = staff("370202-A07", "approver")
WANG_QIANG = {"kind": "person", "name": "王强", "id_number": "370602198803141233",
              "phone": "13805351234"}
GT_CHANGE = "370202GT0001"  # 个体工商户变更登记, owned by 青岛市市南区


class Stack:
    def __init__(self, settings_for: Callable[[str, str], ServiceSettings],
                 clock: Callable[[], datetime] | None = None) -> None:
        self.settings_for = settings_for
        self.clock = clock or RunningClock()  # every service of the stack reads this one
        self.hosts: dict[str, ServiceHost] = {}

    def host(self, site: str, service: str) -> ServiceHost:
        return self.hosts[f"{site}/{service}"]

    def client(self, site: str, service: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.host(site, service).api)
        return httpx.AsyncClient(transport=transport, base_url=f"http://{service}.{site}",
                                 headers=on_duty(site))

    async def start(self, sites: list[str], services: list[str] | None = None,
                    clock: Callable[[], datetime] | None = None) -> Stack:
        new = [BUILDERS[service](self.settings_for(service, site), clock or self.clock)
               for site in sites for service in services or list(BUILDERS)]
        self.hosts.update({f"{h.site}/{h.service}": h for h in new})
        await asyncio.gather(*(h.start() for h in new))
        return self

    async def stop(self) -> None:
        """Stop every service; then fail if any read table differs from its rebuild from the
        events, so every path a test takes also proves the read side."""
        drifted = [d for h in self.hosts.values() if not h.store.closed
                   for d in await h.command(lambda h=h: read_side_drift(h))]
        await asyncio.gather(*(h.stop() for h in self.hosts.values()))
        assert not drifted, f"read tables differ from their rebuild: {drifted}"


def read_side_drift(host: ServiceHost) -> list[str]:
    """The read tables of a host whose rows differ from those rebuilt from its events."""
    tables = {p.table for p in host.store.projections}
    return [f"{host.site}/{host.service}/{t.name}" for t in tables
            if len(set(host.store.rows_digests(t))) > 1]


def settings_factory(server: LocalNatsServer, store_overrides: dict[str, Any]) -> Callable[
        [str, str], ServiceSettings]:
    """Each service on the server as its own user, when the server has users."""
    def settings_for(service: str, site: str) -> ServiceSettings:
        return for_service(service, site=site,  # type: ignore[arg-type]
                           **nats_login(server, site, service),
                           retry_initial_seconds=0.01, **store_overrides)
    return settings_for


def nats_login(server: LocalNatsServer, site: str, service: str) -> dict[str, Any]:
    """The settings that connect a service to `server` as its own user."""
    user = service_user(site, service)
    if user not in server.passwords:
        return {"nats_url": server.url}
    return {"nats_url": server.address, "nats_user": user,
            "nats_password": server.passwords[user]}


async def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll an async or sync check until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


async def take_in_and_accept(intake: httpx.AsyncClient, matter_code: str,
                             applicant: dict[str, Any], delivery_channel: str = "online") -> str:
    """收件, every material on the checklist, identity check, 受理: returns the case id."""
    opened = await intake.post("/cases", headers=WINDOW_CLERK, json={
        "matter_code": matter_code, "applicant": applicant, "delivery_channel": delivery_channel})
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["case_id"])
    await accept_with_every_material(intake, case_id)
    return case_id


async def turn_away(intake: httpx.AsyncClient, matter_code: str, applicant: dict[str, Any],
                    reason: str = "经营场所不在本辖区",
                    apply_instead: str = "青岛市市南区政务服务中心") -> str:
    """收件, then 不予受理 with the reason and where to apply instead: returns the case id."""
    opened = await intake.post("/cases", headers=WINDOW_CLERK, json={
        "matter_code": matter_code, "applicant": applicant, "delivery_channel": "online"})
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["case_id"])
    rejected = await intake.post(f"/cases/{case_id}/reject", headers=WINDOW_CLERK, json={
        "reason": reason, "apply_instead": apply_instead})
    assert rejected.status_code == 200, rejected.text
    return case_id


async def accept_with_every_material(intake: httpx.AsyncClient, case_id: str) -> None:
    """Every material still on the checklist, identity check, 受理, for an opened case."""
    case = (await intake.get(f"/cases/{case_id}")).json()
    items = [{"material_code": m["material_code"], "pages": 2}
             for m in case["materials"] if m["state"] != "not_required"]
    for path, body in [("materials", {"items": items}), ("identity", {"subject": "applicant"}),
                       ("accept", None)]:
        response = await intake.post(f"/cases/{case_id}/{path}", headers=WINDOW_CLERK, json=body)
        assert response.status_code == 200, response.text


def periodic_job(host: ServiceHost, name: str) -> Callable[[], Any]:
    """A service's clock-driven job, to fire by hand where the test moves the clock."""
    return next(job for _, job_name, job in host.periodic if job_name == name)


async def approve(approval: httpx.AsyncClient, case_id: str,
                  document_number: str = "370202600123456") -> None:
    """The Qingdao approver finds the case in the inbox, claims it and approves it."""
    async def in_inbox() -> bool:
        return (await approval.get(f"/cases/{case_id}")).status_code == 200

    await eventually(in_inbox)
    for path, body in [("claim", None), ("approve", {"document_number": document_number})]:
        response = await approval.post(f"/cases/{case_id}/{path}", headers=APPROVER, json=body)
        assert response.status_code == 200, response.text
