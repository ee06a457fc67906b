"""导办: the guide desk finds a matter by name or code, sees whether this hall handles it,
triages the visitor (a ticket to a window, the self-service terminal, or the printed one-time
notice of where to go instead) and watches the windows' queues."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.console import catalogue
from services.console.calls import Refusal
from services.console.pages import china_time, console_of, form_of, refused, render, section
from services.console.sessions import Session

router = APIRouter(prefix="/guide")
Staff = Annotated[Session, section("guide")]
WindowId = Annotated[str, Path(pattern=r"^[A-Z]\d{2}$")]
DESTINATIONS_ZH = {"dedicated_window": "专窗", "comprehensive_window": "综合窗口",
                   "self_service": "自助服务区", "elsewhere": "不在本大厅办理"}


def _site(request: Request) -> str:
    return console_of(request).settings.site


@router.get("", response_class=HTMLResponse)
async def start(request: Request, session: Staff, q: str = "") -> Response:
    q = q[:50]
    found = catalogue.search(q, _site(request))
    return render(request, "guide_search.html", title="导办", q=q, found=found,
                  values={"q": q})


@router.post("/visits", response_class=HTMLResponse)
async def triage(request: Request, session: Staff) -> Response:
    """引导分流: the service numbers the visit and the ticket; the page shows and prints it."""
    form = form_of(request)
    code = form.get("matter_code", "").strip()
    answer = await console_of(request).call(session, "intake", "POST", "/guide/visits", json={
        "matter_code": code, "wants_assistance": form.get("wants_assistance") == "yes"})
    matter = catalogue.matter_of(code)
    if answer.status_code != 201:
        found = catalogue.search(code, _site(request))
        return refused(request, "guide_search.html", Refusal.of(answer), title="导办", q=code,
                       found=found)
    visit = answer.json()
    site = catalogue.site_of(_site(request))
    window = next((w for w in site.windows if w.id == visit.get("window_id")), None) if site \
        else None
    return render(request, "guide_visit.html", 201, title="分流结果", visit=visit,
                  matter=matter, window=window, site=site,
                  destination_zh=DESTINATIONS_ZH.get(visit["destination"], ""))


@router.get("/queues", response_class=HTMLResponse)
async def queues(request: Request, session: Staff) -> Response:
    site = catalogue.site_of(_site(request))
    return render(request, "guide_queues.html", title="窗口排队",
                  windows=site.windows if site else [])


async def _queue(request: Request, session: Session, window_id: str) -> tuple[int, list[dict]]:
    answer = await console_of(request).call(session, "intake", "GET",
                                            f"/guide/queues/{window_id}")
    tickets = answer.json() if answer.status_code == 200 else []
    for t in tickets:  # the hall reads China time
        t["issued_at"] = china_time(t["issued_at"])[-5:]
    return answer.status_code, tickets


@router.get("/queues/{window_id}", response_class=HTMLResponse)
async def queue(request: Request, session: Staff, window_id: WindowId) -> Response:
    status, tickets = await _queue(request, session, window_id)
    site = catalogue.site_of(_site(request))
    window = next((w for w in site.windows if w.id == window_id), None) if site else None
    if status != 200 or window is None:
        return render(request, "refused.html", 404, title="没有该窗口",
                      message=f"本大厅没有 {window_id} 号窗口。")
    return render(request, "guide_queue.html", title=f"{window.name}排队", window=window,
                  tickets=tickets)


@router.get("/queues/{window_id}/rows", response_class=HTMLResponse)
async def queue_rows(request: Request, session: Staff, window_id: WindowId) -> Response:
    """The queue's rows alone: what the page fetches again every few seconds."""
    _, tickets = await _queue(request, session, window_id)
    return render(request, "guide_queue_rows.html", tickets=tickets)
