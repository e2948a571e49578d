"""``/docs``: the API's browser view (Swagger UI) from files on this machine, never from a CDN.

FastAPI's own ``/docs`` loads Swagger UI from a CDN, which a hospital network may block and which tells an
outside server who reads the docs. The Swagger UI files come from the ``fastapi-offline`` package (the
``serve`` extra); its start-up script is a file here too, so the page runs under the strict content-security
policy (no inline script). Without that package, or with ``CLINADVISOR_API_DOCS=false``, there is no ``/docs``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("clinadvisor.api")

DOCS_PATH = "/docs"
STATIC_PATH = "/docs/static"


def swagger_files() -> Path | None:
    """The folder of the Swagger UI files shipped by fastapi-offline, or None when it is not installed."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def add_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> bool:
    """Serve ``/docs`` from local files; False (and no route) when the files are not installed."""
    folder = swagger_files()
    if folder is None:
        log.info("no /docs: the fastapi-offline package (serve extra) is not installed")
        return False
    title = f"{app.title}: API"

    async def docs_page() -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title>"
            f"<link rel='stylesheet' href='{STATIC_PATH}/swagger-ui.css'>"
            f"<link rel='icon' href='{STATIC_PATH}/favicon.png'></head>"
            "<body><div id='swagger-ui'></div>"
            f"<script src='{STATIC_PATH}/swagger-ui-bundle.js'></script>"
            f"<script src='{DOCS_PATH}/start.js'></script></body></html>"
        )

    async def start_script() -> Response:
        options = {"url": openapi_url, "dom_id": "#swagger-ui", "deepLinking": True, "layout": "BaseLayout"}
        script = (
            f"const options = {json.dumps(options)};\n"
            "options.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];\n"
            "window.ui = SwaggerUIBundle(options);\n"
        )
        return Response(script, media_type="text/javascript")

    app.add_api_route(DOCS_PATH, docs_page, methods=["GET"], include_in_schema=False)
    app.add_api_route(f"{DOCS_PATH}/start.js", start_script, methods=["GET"], include_in_schema=False)
    app.mount(STATIC_PATH, StaticFiles(directory=folder), name="docs-static")
    return True
