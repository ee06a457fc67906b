"""HTTP routes of a case's files at a party site: read one (on the record, ranges allowed),
and check every copy held here against its hash."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Path
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from services.routing.application import Exchange
from services.routing.policies import Routing
from services.runtime import files
from services.runtime.access import allowed, staff_in
from services.runtime.aggregate import DomainError
from services.runtime.http import CorrelationId
from services.runtime.sealed_files import FileKeyMissing, FileShredded

Reader = staff_in("window", "approver", "head", "delivery", "auditor")  # on the record


class FileGone(DomainError):
    status = 410
    field = "sha256"

    def __init__(self) -> None:
        super().__init__("本地已无此文件（已过保存期限或尚未送达）")


class FileShreddedHere(DomainError):
    status = 410
    field = "sha256"

    def __init__(self) -> None:
        super().__init__("此办件的个人信息已销毁，文件不能再读取")


class FileKeyNotHeld(DomainError):
    status = 409
    field = "sha256"

    def __init__(self) -> None:
        super().__init__("本站尚未取得此办件的数据密钥，暂不能读取文件")


def add_file_routes(api: FastAPI, exchange: Exchange, routing: Routing) -> None:
    host = exchange.host

    @api.get("/cases/{case_id}/files/{sha256}", tags=["files"], response_class=FileResponse,
             summary="read a material's file (Range supported); every read is recorded")
    async def read_file(case_id: UUID, sha256: Annotated[str, Path(max_length=64)],
                        actor: Reader, cid: CorrelationId) -> FileResponse:
        case = await host.command(lambda: exchange.change(
            case_id, actor, cid, lambda c, x: c.record_file_read(sha256, x)))
        ref = case.files[sha256]
        try:
            path = await files.fetch(host.js, host.site, case_id, sha256, host.store.vault)
        except FileShredded:
            raise FileShreddedHere() from None
        except FileKeyMissing:
            raise FileKeyNotHeld() from None
        if path is None:
            raise FileGone()
        return FileResponse(path, media_type=ref.media_type, filename=ref.file_name,
                            background=BackgroundTask(path.unlink, missing_ok=True))

    @api.post("/files/verify", tags=["files"],
              summary="check every file held here for the cases sent here; repair from the sender",
              dependencies=[allowed("admin")])
    async def verify_files() -> dict[str, Any]:
        repaired, after = 0, ""
        while True:  # a batch per command: the writers wait for one batch at most
            count, last = await host.command(lambda a=after: routing.verify_files(a))
            repaired += count
            if last is None:
                return {"repaired": repaired}
            after = last
