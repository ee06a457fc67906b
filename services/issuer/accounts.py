"""Staff accounts of the local issuer: who they are and their roles, passwords as Argon2
hashes, in one JSON file only the issuer's user can read."""

from __future__ import annotations

import json
import os
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from pydantic import BaseModel, ConfigDict, Field

from contracts.staff import ROLES, StaffClaims

HASHER = PasswordHasher()
_NOBODY = HASHER.hash("an account that does not exist")  # so a wrong name takes as long


class StaffAccount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z-]+$")
    name: str = Field(min_length=1, max_length=64)
    site: str = Field(pattern=r"^\d{6}$")
    department: str = Field(default="", max_length=64)
    roles: tuple[str, ...] = Field(min_length=1)
    password_hash: str

    def claims(self) -> StaffClaims:
        return StaffClaims(sub=self.staff_id, name=self.name, site=self.site,
                           department=self.department, roles=self.roles)


class Accounts:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._by_id: dict[str, StaffAccount] = {}
        if path.exists():
            for entry in json.loads(path.read_text()):
                account = StaffAccount.model_validate(entry)
                self._by_id[account.staff_id] = account

    def add(self, staff_id: str, name: str, site: str, roles: tuple[str, ...], password: str,
            department: str = "") -> StaffAccount:
        """Add or replace an account. `system` and unknown roles are refused: no person acts
        as the system."""
        if not set(roles) <= set(ROLES):
            raise ValueError(f"roles must be among {', '.join(ROLES)}: not "
                             f"{', '.join(sorted(set(roles) - set(ROLES)))}")
        if len(password) < 12:
            raise ValueError("a password has at least 12 characters")
        account = StaffAccount(staff_id=staff_id, name=name, site=site, department=department,
                               roles=roles, password_hash=HASHER.hash(password))
        self._by_id[staff_id] = account
        self._save()
        return account

    def get(self, staff_id: str) -> StaffAccount | None:
        return self._by_id.get(staff_id)

    def signed_in(self, staff_id: str, password: str) -> StaffAccount | None:
        """The account whose password this is; None for a wrong name or password alike."""
        account = self._by_id.get(staff_id)
        try:
            HASHER.verify(account.password_hash if account else _NOBODY, password)
        except VerificationError:
            return None
        return account

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump([a.model_dump(mode="json") for a in self._by_id.values()], out,
                      ensure_ascii=False, indent=1)
        temporary.replace(self.path)
