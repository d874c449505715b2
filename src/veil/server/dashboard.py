"""The dashboard: its page at ``GET /``, its files at ``GET /static/NAME``, and the security
headers of every response.

The page and its script (``static/``: ``index.html``, ``app.js``, ``app.css``; plain
JavaScript, nothing fetched from elsewhere) hold no data, so they need no token: the script
logs in with ``POST /auth/login`` and calls the JSON API like any other client, showing each
user the panels their roles allow.

Every response, page or API, carries :data:`SECURITY_HEADERS`: a Content-Security-Policy that
lets the page load scripts, styles and images and connect only to this server (no inline
script or style, no framing, no ``<base>``, forms post here only), ``nosniff``, no referrer,
and ``Cache-Control: no-store`` (an API answer holds data or a token; the static files are
small, and a browser never runs a stale script against a newer API).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
#: the files served, by suffix; the types are pinned, not guessed from the host's mime.types
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

pages = APIRouter(include_in_schema=False)


def _file(name: str) -> FileResponse:
    """A file of ``static/`` by name (a name only: a path parameter holds no ``/``)."""
    path = STATIC / name
    media_type = MEDIA_TYPES.get(path.suffix)
    if media_type is None or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file in the dashboard")
    return FileResponse(path, media_type=media_type)


@pages.get("/")
def index() -> FileResponse:
    """The dashboard's page."""
    return _file("index.html")


@pages.get("/static/{name}")
def static(name: str) -> FileResponse:
    """The dashboard's script and style sheet."""
    return _file(name)


@pages.get("/favicon.ico", status_code=status.HTTP_204_NO_CONTENT)
def favicon() -> None:
    """No icon: browsers ask for one unbidden, and a 404 would be an error in their console
    and a line in the server's log at every visit."""


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Add :data:`SECURITY_HEADERS` to a response (a header a route set is kept)."""
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
