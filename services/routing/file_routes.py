"""HTTP routes of a case's files at a party site: read one (on the record, ranges allowed),
and check every copy held here against its hash."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import FastAPI, Header, Path
from fastapi.responses import StreamingResponse
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


class RangeNotSatisfiable(DomainError):
    status = 416
    field = "Range"

    def __init__(self, size: int) -> None:
        super().__init__(f"请求的范围超出文件大小（{size} 字节）")


ERRORS = {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}
FILE_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    206: {"description": "the bytes of the one range asked for (Content-Range)"},
    410: {"description": "本地已无此文件，或其个人信息已销毁", "content": ERRORS},
    416: {"description": "请求的范围超出文件大小", "content": ERRORS}}

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(asked: str | None, size: int) -> tuple[int, int] | None:
    """The one range asked for, inclusive; None for the whole file (no Range, or several
    ranges, which a server may answer in full)."""
    found = RANGE.match(asked.strip()) if asked else None
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1  # the last n bytes
    else:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    if start > end or start >= size:
        raise RangeNotSatisfiable(size)
    return start, end


class FileKeyNotHeld(DomainError):
    status = 409
    field = "sha256"

    def __init__(self) -> None:
        super().__init__("本站尚未取得此办件的数据密钥，暂不能读取文件")


def files_view(case: Any, directory: Any) -> list[dict[str, Any]]:
    """The case's files as a list shows them (never their content): what each is of."""
    matter = directory.matter(case.matter_code) if case.matter_code else None
    return [{**ref.model_dump(mode="json"),
             "material_name": (found.name if matter and (found := matter.material(
                 ref.material_code)) else ref.material_code)}
            for ref in case.files.values()]


def add_file_routes(api: FastAPI, exchange: Exchange, routing: Routing) -> None:
    host = exchange.host

    @api.get("/cases/{case_id}/files", tags=["files"],
             summary="the case's files held for it: name, material, size, hash (no content)",
             dependencies=[allowed("window", "approver", "head", "delivery", "auditor")])
    async def list_files(case_id: UUID) -> list[dict[str, Any]]:
        """A case has a few files (the window's checklist bounds them): listed whole."""
        return await host.query(lambda: files_view(exchange.get(case_id), host.directory))

    @api.get("/cases/{case_id}/files/{sha256}", tags=["files"],
             response_class=StreamingResponse, responses=FILE_READ_RESPONSES,
             summary="read a material's file (Range supported); every read is recorded")
    async def read_file(case_id: UUID, sha256: Annotated[str, Path(max_length=64)],
                        actor: Reader, cid: CorrelationId,
                        range_: Annotated[str | None, Header(alias="Range")] = None
                        ) -> StreamingResponse:
        """Opened a chunk at a time as it is sent: the plain content is never on disk here."""
        case = await host.command(lambda: exchange.change(
            case_id, actor, cid, lambda c, x: c.record_file_read(sha256, x)))
        ref = case.files[sha256]
        try:
            copy = await files.opened(host.js, host.site, case_id, sha256, host.store.vault)
        except FileShredded:
            raise FileShreddedHere() from None
        except FileKeyMissing:
            raise FileKeyNotHeld() from None
        if copy is None:
            raise FileGone()
        try:
            asked = byte_range(range_, ref.size)
        except RangeNotSatisfiable:
            copy.close()
            raise
        first, last = asked or (0, ref.size - 1)
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(last - first + 1),
                   "Content-Disposition": f"attachment; filename*=utf-8''{quote(ref.file_name)}"}
        if asked:
            headers["Content-Range"] = f"bytes {first}-{last}/{ref.size}"
        return StreamingResponse(copy.plain(first, last), status_code=206 if asked else 200,
                                 media_type=ref.media_type, headers=headers,
                                 background=BackgroundTask(copy.close))

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
