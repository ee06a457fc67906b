"""Every service's API page loads nothing from outside: /docs names only assets the service
serves itself, and it serves each of them (a hall's network reaches no CDN); there is no
/redoc, whose page fetches its maker's logo from a CDN."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from tests.support.clock import FakeClock
from tongban.registry import BUILDERS

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*'([^']+)'|spec-url=["']([^"']+)["']""")


@pytest.mark.parametrize("service", sorted(BUILDERS))
async def test_the_api_pages_of_every_service_name_only_assets_it_serves_itself(
    service: str, tmp_path: Path,
) -> None:
    host: ServiceHost = BUILDERS[service](
        for_service(service, site="370671", data_dir=tmp_path), FakeClock())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.api),
                                     base_url="http://127.0.0.1") as client:
            assert (await client.get("/redoc")).status_code == 404
            for page in ("/docs",):
                html = (await client.get(page)).text
                named = [next(g for g in m.groups() if g) for m in ASSET.finditer(html)]
                assert named, f"{page} names no asset"
                assert "//" not in html.replace("http://www.w3.org", ""), page  # no other host
                for url in named:
                    assert url.startswith("/"), f"{page} loads {url} from elsewhere"
                    served = await client.get(url)
                    assert served.status_code == 200 and served.content, f"{page}: {url}"
    finally:
        host.store.close()
