"""The API's Swagger UI page, every file served by this server (no CDN).

FastAPI's own docs page loads Swagger UI from a CDN, which a city server on a closed
network cannot reach: the page stayed blank. Here the same page loads Swagger UI 5 (it reads
OpenAPI 3.1) from the ``swagger-ui-bundle-v2`` package's files, mounted under
:data:`ASSETS`; the validator badge (which calls an outside server) is off.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from sync import wire

#: Where the docs page is, and where its Swagger UI files are served from.
DOCS = f"{wire.PREFIX}/docs"
ASSETS = f"{wire.PREFIX}/docs-assets"


def install(app: FastAPI, openapi_url: str) -> None:
    """Serve the docs page at :data:`DOCS` (and ``/docs``) over local Swagger UI files."""
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get(DOCS, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} · API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None})

    @app.get("/docs", include_in_schema=False)
    def docs_here() -> RedirectResponse:
        return RedirectResponse(DOCS, status_code=307)
