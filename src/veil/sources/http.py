"""The HTTP machinery the API sources share: retries, backoff, bounded concurrency, order.

:class:`JsonHttp` wraps one ``httpx.Client`` (its transport can be injected, so tests can
fake faults). ``get_json`` fetches one page and retries what is worth retrying:

- 5xx answers, 429 (honouring ``Retry-After`` seconds or HTTP date, capped), timeouts,
  refused or dropped connections, and bodies that are not JSON (a truncated page): retried
  up to ``max_retries`` times with exponential backoff and full jitter;
- ``{"error": "..."}`` payloads and 4xx other than 429: an :class:`ApiError` at once, with
  the API's own error text (it is not user data).

When retries run out the error is a :class:`TransientSourceError` (a :class:`SchemaError`
if the last answers were not JSON), naming the URL without its query or credentials.

``map_ordered`` fetches many pages with a small thread pool, at most ``concurrency`` in
flight, and yields the results **in request order**. Nothing here logs or quotes records.
"""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyarrow as pa

from veil.errors import ApiError, ConfigError, SchemaError, SourceError, TransientSourceError
from veil.sources.base import ProgressCallback, Quarantine, projection
from veil.sources.flatten import Flattened, Rejection

T = TypeVar("T")
Sleep = Callable[[float], None]

USER_AGENT = "veil/0.1 (+https://github.com/veil)"
_MAX_API_TEXT = 200


@dataclass(frozen=True)
class HttpOptions:
    """How hard to try: retries, backoff (base, cap; seconds), timeout and concurrency."""

    max_retries: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    timeout: float = 30.0
    concurrency: int = 4

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ConfigError("max_retries must be ≥ 0")
        if self.concurrency < 1:
            raise ConfigError("concurrency must be ≥ 1")
        if min(self.backoff_base, self.backoff_cap, self.retry_after_cap) < 0:
            raise ConfigError("backoff_base, backoff_cap and retry_after_cap must be ≥ 0")
        if self.timeout <= 0:
            raise ConfigError("timeout must be > 0 seconds")


@dataclass(frozen=True)
class PageRequest:
    """One GET: URL, query parameters, a label for messages (``"page 3 of 7"``), and the
    position in the whole run of the first record it should return."""

    url: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    label: str = ""
    first: int = 0

    def describe(self) -> str:
        return f"GET {redact_url(self.url)}" + (f" ({self.label})" if self.label else "")


def redact_url(url: str) -> str:
    """The URL without credentials, query or fragment (they may hold tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), or None."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None


class _Retry(Exception):
    """A failed attempt worth another try (internal)."""

    def __init__(
        self,
        problem: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        bad_json: bool = False,
    ) -> None:
        self.problem, self.status, self.retry_after, self.bad_json = (
            problem,
            status,
            retry_after,
            bad_json,
        )
        super().__init__(problem)


class _Cancelled(SourceError):
    """The consumer stopped or the client closed: pending retries are abandoned."""

    def __init__(self) -> None:
        super().__init__("the fetch was cancelled")


def _api_text(payload: Any) -> str | None:
    if isinstance(payload, dict) and payload.get("error"):
        text = payload["error"]
        text = text if isinstance(text, str) else json.dumps(text)[:_MAX_API_TEXT]
        return text[:_MAX_API_TEXT]
    return None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


class JsonHttp:
    """A JSON-over-HTTP client with retries and ordered, bounded-concurrency fetching."""

    def __init__(
        self,
        options: HttpOptions | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        client: httpx.Client | None = None,
        sleep: Sleep | None = None,
        jitter: Callable[[float], float] | None = None,
    ) -> None:
        self.options = options or HttpOptions()
        self._own_client = client is None
        self._client = client or httpx.Client(
            transport=transport,
            timeout=self.options.timeout,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            limits=httpx.Limits(max_connections=max(10, self.options.concurrency * 2)),
        )
        self._closing = threading.Event()
        self._sleep = sleep
        self._rng = random.SystemRandom()
        self._jitter = jitter or (lambda high: self._rng.uniform(0.0, high))

    def __enter__(self) -> JsonHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop pending backoff waits and close the client (if this object made it)."""
        self._closing.set()
        if self._own_client:
            self._client.close()

    # --- one page ---------------------------------------------------------------------------

    def get_json(self, request: PageRequest, stop: threading.Event | None = None) -> Any:
        """The decoded JSON of one GET, retried as the module docstring says."""
        last = _Retry("no attempt made")
        for attempt in range(self.options.max_retries + 1):
            if (stop is not None and stop.is_set()) or self._closing.is_set():
                raise _Cancelled
            try:
                return self._attempt(request)
            except _Retry as exc:
                last = exc
                if attempt < self.options.max_retries:
                    self._wait(self.delay(attempt, exc.retry_after), stop)
        raise self._exhausted(request, last)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before retry number ``attempt + 1``: Retry-After (capped) or full jitter."""
        if retry_after is not None:
            return min(retry_after, self.options.retry_after_cap)
        ceiling = min(self.options.backoff_cap, self.options.backoff_base * 2**attempt)
        return self._jitter(ceiling)

    def _wait(self, seconds: float, stop: threading.Event | None) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        elif stop is not None:
            stop.wait(seconds)
        else:
            self._closing.wait(seconds)

    def _attempt(self, request: PageRequest) -> Any:
        try:
            response = self._client.get(request.url, params=dict(request.params))
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL) as exc:
            raise SourceError(
                f"{request.describe()}: cannot send the request "
                f"({type(exc).__name__}); check the base URL"
            ) from None
        except httpx.TimeoutException as exc:
            raise _Retry(f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed ({type(exc).__name__})") from None
        return self._decode(request, response)

    def _decode(self, request: PageRequest, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 429 or status >= 500:
            text = _api_text(_json_or_none(response))
            raise _Retry(
                f"HTTP {status}" + (f": {text}" if text else ""),
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        payload = _json_or_none(response)
        text = _api_text(payload)
        if status >= 400:
            raise ApiError(
                f"{request.describe()}: HTTP {status}"
                + (f": {text}" if text else "")
                + "; check the request options",
                status=status,
            )
        if payload is None:
            raise _Retry(
                f"the body is not valid JSON (HTTP {status}, "
                f"{len(response.content)} bytes; truncated?)",
                bad_json=True,
            )
        if text is not None:
            raise ApiError(
                f"{request.describe()}: the API answered an error: {text}", status=status
            )
        return payload

    def _exhausted(self, request: PageRequest, last: _Retry) -> SourceError:
        tries = self.options.max_retries + 1
        where = f"{request.describe()} failed after {tries} attempt(s)"
        if last.bad_json:
            return SchemaError(f"{where}: {last.problem}")
        return TransientSourceError(
            f"{where}: {last.problem}; the API may be down or "
            "rate-limiting: try again later, or lower the concurrency",
            status=last.status,
            retry_after=last.retry_after,
        )

    # --- many pages, in order ---------------------------------------------------------------

    def map_ordered(
        self, requests: Iterable[PageRequest], handle: Callable[[PageRequest, Any], T]
    ) -> Iterator[T]:
        """``handle(request, json)`` for every request, run in the pool, yielded in order.

        At most ``concurrency`` requests are in flight or waiting to be consumed, so memory
        stays bounded. The first failure is raised (in order); closing the iterator early
        cancels what has not started and abandons pending retries.
        """
        stop = threading.Event()
        todo = iter(requests)
        pool = ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="veil-http")
        pending: deque[Future[T]] = deque()

        def submit() -> None:
            request = next(todo, None)
            if request is not None:
                pending.append(pool.submit(self._fetch_and_handle, request, handle, stop))

        try:
            for _ in range(self.options.concurrency):
                submit()
            while pending:
                result = pending.popleft().result()
                submit()
                yield result
        finally:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)

    def _fetch_and_handle(
        self, request: PageRequest, handle: Callable[[PageRequest, Any], T], stop: threading.Event
    ) -> T:
        return handle(request, self.get_json(request, stop))


class PagedApiSource:
    """What the API sources share: their pages fetched by :class:`JsonHttp` (in order),
    parsed and flattened in the pool, quarantines merged, one batch per page yielded.

    Subclasses set ``http_options``, ``_http_kwargs`` and implement ``pages`` and ``_parse``.
    """

    #: rejections kept for inspection (the quarantine counts every one)
    max_rejections = 1000
    http_options: HttpOptions
    _http_kwargs: dict[str, Any]
    schema: pa.Schema
    quarantine: Quarantine
    rejections: list[Rejection]

    def pages(self) -> list[PageRequest]:
        raise NotImplementedError

    def _parse(self, request: PageRequest, payload: Any) -> tuple[int, Flattened]:
        raise NotImplementedError

    def batches(
        self,
        progress: ProgressCallback | None = None,
        columns: Collection[str] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """One batch per page, in page order (pages are fetched ``concurrency`` at a time).

        ``progress`` gets the records fetched per page; a page whose records were all
        quarantined yields no batch. ``columns`` narrows the batches (every field is still
        fetched and validated).
        """
        names = projection(self.schema, columns)
        self.quarantine, self.rejections = Quarantine(), []
        with JsonHttp(self.http_options, **self._http_kwargs) as http:
            for fetched, flat in http.map_ordered(self.pages(), self._parse):
                self.quarantine.merge(flat.quarantine)
                room = max(0, self.max_rejections - len(self.rejections))
                self.rejections.extend(flat.rejections[:room])
                if progress is not None:
                    progress(fetched)
                if flat.batch.num_rows:
                    yield flat.batch.select(names)
