"""Each service's API page, `/docs` (Swagger UI), with every script, style and icon served by
the service itself (the assets of the fastapi-offline package): a hall's network reaches no
CDN, and pages that load from one are blank there. No `/redoc`: its page fetches a logo from
its maker's CDN whatever it is told."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from services.runtime.access import ops_route

ASSETS = Path(str(resources.files("fastapi_offline") / "static"))
PREFIX = "/docs/static"


def add_local_docs(api: FastAPI) -> None:
    """Serve /docs from local assets; `api` must be made with docs_url=None and redoc_url=None,
    which leave FastAPI's CDN pages out."""
    api.mount(PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")

    @api.get("/docs", include_in_schema=False, dependencies=[ops_route])
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=api.openapi_url or "/openapi.json", title=f"{api.title} — API",
            swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{PREFIX}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None})  # else it asks validator.swagger.io
