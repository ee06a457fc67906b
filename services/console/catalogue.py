"""The matter catalogue (事项目录) as the guide desk and the window show it: the packaged
directory, searched by name or code, with where a matter is handled from this hall."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from services.directory import Directory, Matter, Site, load_directory

MODES_ZH = {"online": "全程网办", "remote_proxy": "异地代收代办", "joint": "多地联办"}
CHANNELS_ZH = {"online": "网上推送", "mail_to_applicant": "邮寄送达", "pickup_at_window": "窗口领取"}


@cache
def directory() -> Directory:
    return load_directory()


@dataclass(frozen=True)
class Listed:
    """A matter as a guide sees it from this hall."""

    matter: Matter
    owner: str  # the owning site's name
    handled_here: bool
    how_zh: str  # 本地办理 / 代收代办 / 不在本大厅办理
    window: str  # the dedicated window taking it, else the comprehensive windows

    @property
    def mode_zh(self) -> str:
        return MODES_ZH.get(self.matter.handling_mode, self.matter.handling_mode)


def listed(matter: Matter, site: Site) -> Listed:
    owner = directory().site(matter.owner_site)
    owner_name = owner.name if owner else matter.owner_site
    if not matter.in_hall:
        how = "不在本大厅办理"
    elif matter.owner_site == site.code:
        how = "本地办理"
    else:
        how = f"代收代办（业务属地：{owner_name}）"
    dedicated = [w.name for w in site.windows if w.kind == "dedicated" and matter.code in w.matters]
    window = dedicated[0] if dedicated else "综合窗口"
    return Listed(matter, owner_name, matter.in_hall, how, window if matter.in_hall else "")


def search(text: str, site_code: str, limit: int = 30) -> list[Listed]:
    """Matters whose code or name holds `text` (the whole catalogue is a few hundred lines at
    most, read once; no history behind it)."""
    site = directory().site(site_code)
    needle = text.strip().upper()
    if site is None or not needle:
        return []
    found = [m for m in directory().matters.values()
             if needle in m.code.upper() or needle in m.name]
    return [listed(m, site) for m in sorted(found, key=lambda m: m.code)[:limit]]


def site_of(code: str) -> Site | None:
    return directory().site(code)


def matter_of(code: str) -> Matter | None:
    return directory().matter(code)
