"""The staff of the embedded default: one account per role at each site, with passwords made
on first start and kept beside the issuer's accounts (for the demo and for trying it out)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import httpx

from services.issuer.accounts import Accounts

DEMO_STAFF = (  # (staff id suffix, name, role)
    ("G01", "刘芳", "guide"), ("W01", "张敏", "window"), ("A07", "李伟", "approver"),
    ("H01", "陈静", "head"), ("D02", "赵磊", "delivery"), ("S01", "孙丽", "supervisor"),
    ("AU01", "周涛", "auditor"), ("ADM1", "吴刚", "admin"))


def demo_accounts(home: Path, sites: tuple[str, ...]) -> Path:
    """Make the demo staff of these sites unless they exist; return the passwords file."""
    passwords_file = home / "demo-passwords.json"
    passwords = json.loads(passwords_file.read_text()) if passwords_file.exists() else {}
    accounts = Accounts(home / "staff.json")
    for site in sites:
        for suffix, name, role in DEMO_STAFF:
            staff_id = f"{site}-{suffix}"
            if accounts.get(staff_id) is None or staff_id not in passwords:
                passwords[staff_id] = secrets.token_urlsafe(12)
                accounts.add(staff_id, name, site, (role,), passwords[staff_id])
    fd = os.open(passwords_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(passwords, out, indent=1)
    return passwords_file


def sign_in(http: httpx.Client, issuer: str, staff_id: str, password: str) -> dict[str, str]:
    """The headers of a staff member signed in at `issuer`."""
    response = http.post(f"{issuer}/token", data={"grant_type": "password",
                                                  "username": staff_id, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
