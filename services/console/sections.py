"""The console's sections and the roles each is shown to; a section's pages refuse anyone else
(403) even when its address is typed. The services decide again on every call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    path: str
    roles: tuple[str, ...]


SECTIONS = (
    Section("guide", "导办", "/guide", ("guide", "window")),
    Section("window", "综合窗口", "/window", ("window",)),
    Section("approval", "审批", "/approval", ("approver", "head")),
    Section("delivery", "送达", "/delivery", ("delivery", "window")),
    Section("supervision", "督办", "/supervision", ("supervisor", "head")),
    Section("reviews", "差评整改", "/reviews", ("window", "approver", "head", "delivery",
                                               "supervisor")),
    Section("audit", "审计", "/audit", ("auditor",)),
)
BY_KEY = {s.key: s for s in SECTIONS}


def roles_of(key: str) -> tuple[str, ...]:
    return BY_KEY[key].roles
