"""The FastAPI app: :func:`create_app`.

**One error shape.** Every error answers ``{"error": {"status": N, "message": "..."}}``: 401
(with ``WWW-Authenticate: Bearer``), 403, 404, 422 (the fields that are wrong and why, never
what was sent: a body may hold a password), 429 (a locked account, with ``Retry-After``), 500
(an unexpected error: only its type is logged, since its message may quote data), 503 (the
catalog database cannot be reached). No request body is logged.

The interactive docs pages are off (they load scripts from a CDN); ``GET /openapi.json``
describes the API. ``GET /`` serves the dashboard, and every response carries its security
headers (:mod:`veil.server.dashboard`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from veil.errors import CatalogUnavailableError, VeilError
from veil.jobs.lifecycle import veil_version
from veil.server.dashboard import pages, security_headers
from veil.server.routes import router
from veil.server.state import Settings, open_state

log = logging.getLogger("veil.server")


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one error shape of the API."""
    body = {"error": {"status": status, "message": message}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


async def _http_error(_request: Request, exc: HTTPException) -> Response:
    return error_response(exc.status_code, str(exc.detail), exc.headers)


def _where(error: Mapping[str, Any]) -> str:
    """Where a validation error is: ``body.password``. The name of a field that should not
    be there is left out: it is part of what was sent."""
    loc = error["loc"][:-1] if error["type"] == "extra_forbidden" else error["loc"]
    return ".".join(str(part) for part in loc)


def _what(error: Mapping[str, Any]) -> str:
    """What is wrong: pydantic's message, except one that quotes what was sent (an unknown
    tag of a union, such as a query's ``kind``)."""
    if error["type"] == "union_tag_invalid":
        context = error["ctx"]
        return f"{context['discriminator']} must be one of {context['expected_tags']}"
    return str(error["msg"])


async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
    """What is wrong with the request, by field; pydantic's ``input`` (what was sent) is
    left out."""
    problems = "; ".join(f"{_where(e)}: {_what(e)}" for e in exc.errors())
    return error_response(422, f"invalid request: {problems}")


async def _veil_error(_request: Request, exc: VeilError) -> Response:
    """veil's own errors: their messages say what to do and never hold values."""
    status = 503 if isinstance(exc, CatalogUnavailableError) else 500
    return error_response(status, str(exc))


async def _unexpected(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Any other exception: 500, logged by type only (a driver's message may quote bound
    parameters), unless ``VEIL_DEBUG=1`` asks for the traceback."""
    try:
        return await call_next(request)
    except Exception as exc:
        if os.environ.get("VEIL_DEBUG") == "1":
            raise
        log.error(
            "internal error in %s %s: %s (details withheld: they may contain data; set "
            "VEIL_DEBUG=1 to see the traceback)",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return error_response(500, f"internal error: {type(exc).__name__} (details withheld)")


def create_app(
    workspace: Path,
    settings: Settings | None = None,
    environ: Mapping[str, str] | None = None,
) -> FastAPI:
    """The app serving ``workspace``'s catalog (``VEIL_DATABASE_URL`` if set) and audit log.

    They are opened here, so a catalog that cannot be reached fails now, not at the first
    request, and closed when the app shuts down. ``app.state.veil`` holds them.
    """
    state = open_state(workspace, settings or Settings(), environ)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="veil",
        version=veil_version(),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.veil = state
    app.exception_handler(HTTPException)(_http_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(VeilError)(_veil_error)
    app.middleware("http")(_unexpected)
    app.middleware("http")(security_headers)  # added last: it wraps the 500s of _unexpected
    app.include_router(router)
    app.include_router(pages)
    return app
