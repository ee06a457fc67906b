"""个人信息处理情况: the auditor prints, for a person who asks, their cases at this site, the
kinds of personal data each holds, who read it unmasked and why, and what was destroyed. The
ID number travels in the form's body to the ledger's own record page and is kept nowhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.calls import Refusal
from services.console.pages import console_of, form_of, refused, render, section
from services.console.sessions import Session

router = APIRouter(prefix="/audit")
Staff = Annotated[Session, section("audit")]
TITLE = "个人信息处理情况"


@router.get("/person-record", response_class=HTMLResponse)
async def asked(request: Request, session: Staff) -> Response:
    return render(request, "audit_person_record.html", title=TITLE)


@router.post("/person-record", response_class=HTMLResponse)
async def printed(request: Request, session: Staff) -> Response:
    """The ledger's printable record, as it renders it; a refusal beside the ID number."""
    id_number = form_of(request).get("id_number", "").strip()
    answer = await console_of(request).call(session, "ledger", "POST",
                                            "/audit/person-record/print",
                                            json={"id_number": id_number})
    if answer.status_code != 200:
        return refused(request, "audit_person_record.html", Refusal.of(answer),
                       {"id_number": "id_number", "body": "id_number"}, title=TITLE)
    return HTMLResponse(answer.text)
