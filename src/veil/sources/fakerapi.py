"""FakerAPI (fakerapi.it) persons as a source: many seeded requests, yielded in order.

``GET {base_url}persons?_quantity=&_locale=&_seed=&_gender=&_birthday_start=&_birthday_end=``
returns at most 1,000 persons a request and has no paging: each request gets its own seed,
derived from the run's seed and the request index, so pages differ and a run with the same
seed is reproducible. ``seed=None`` uses the fixed seed ``"veil"`` (runs are reproducible
by default; pass another seed for other people).

v1 (``/api/v1/``, address key ``county_code``) and v2 (``/api/v2/``, ``country_code``) are
both understood; a version segment at the end of ``base_url`` decides, else ``api_version``.
The envelope must say ``status: "OK"`` and ``code: 200``, else it is an ApiError.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyarrow as pa

from veil.errors import ApiError, ConfigError, SchemaError
from veil.sources.base import Quarantine
from veil.sources.flatten import Flattened, Rejection, flatten
from veil.sources.http import HttpOptions, PagedApiSource, PageRequest, Sleep, redact_url
from veil.sources.randomuser import check_gender
from veil.sources.shapes import FAKERAPI

MAX_QUANTITY = 1000
DEFAULT_SEED = "veil"
_VERSION = re.compile(r"^v\d+$")


def request_seed(seed: str | int, index: int) -> int:
    """The ``_seed`` of request ``index`` (0-based): a stable 31-bit number."""
    digest = hashlib.sha256(f"veil-fakerapi:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF


def _day(option: str, value: str | date | None) -> str | None:
    if value is None:
        return None
    try:
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    except ValueError:
        raise ConfigError(f"{option} must be a date YYYY-MM-DD, not {value!r}") from None


def persons_url(base_url: str, api_version: str) -> tuple[str, str]:
    """The persons endpoint and the API version it speaks (a query in base_url is kept)."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    path = path[: -len("/persons")] if path.endswith("/persons") else path
    last = path.rsplit("/", 1)[-1]
    if not _VERSION.match(last):
        if not _VERSION.match(api_version):
            raise ConfigError(f"api_version must look like 'v2', not {api_version!r}")
        path, last = f"{path}/{api_version}", api_version
    return urlunsplit(parts._replace(path=f"{path}/persons")), last


class FakerApiSource(PagedApiSource):
    """Persons from FakerAPI (or the fake API), one batch per request of ≤ 1,000."""

    name = "fakerapi"
    shape = "fakerapi"
    schema: pa.Schema = FAKERAPI

    def __init__(
        self,
        persons: int = 30_000,
        seed: str | int | None = None,
        locale: str = "en_US",
        gender: str | None = None,
        birthday_start: str | date | None = None,
        birthday_end: str | date | None = None,
        base_url: str = "https://fakerapi.it/api/v2/",
        api_version: str = "v2",
        page_size: int = MAX_QUANTITY,
        concurrency: int = 4,
        *,
        max_retries: int = 5,
        timeout: float = 30.0,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        client: httpx.Client | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        if persons < 0:
            raise ConfigError("persons must be ≥ 0")
        if not 1 <= page_size <= MAX_QUANTITY:
            raise ConfigError(f"page_size must be between 1 and {MAX_QUANTITY}")
        self.persons, self.page_size, self.locale = persons, page_size, locale
        self.seed = DEFAULT_SEED if seed is None else seed
        self.gender = check_gender(gender)
        self.birthday_start = _day("birthday_start", birthday_start)
        self.birthday_end = _day("birthday_end", birthday_end)
        if self.birthday_start and self.birthday_end and self.birthday_start > self.birthday_end:
            raise ConfigError("birthday_start is after birthday_end")
        self.url, self.api_version = persons_url(base_url, api_version)
        self.http_options = HttpOptions(
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            timeout=timeout,
            concurrency=concurrency,
        )
        self._http_kwargs: dict[str, Any] = {
            "transport": transport,
            "client": client,
            "sleep": sleep,
        }
        self.quarantine = Quarantine()
        self.rejections: list[Rejection] = []

    def fingerprint(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "url": redact_url(self.url),
            "api_version": self.api_version,
            "persons": self.persons,
            "seed": self.seed,
            "page_size": self.page_size,
            "locale": self.locale,
            "gender": self.gender,
            "birthday_start": self.birthday_start,
            "birthday_end": self.birthday_end,
        }

    def expected_rows(self) -> int | None:
        return self.persons

    def pages(self) -> list[PageRequest]:
        """The requests, in order: each ≤ ``page_size`` persons under its own seed."""
        count = math.ceil(self.persons / self.page_size)
        return [self._request(i, count) for i in range(count)]

    def _request(self, index: int, count: int) -> PageRequest:
        quantity = min(self.page_size, self.persons - index * self.page_size)
        params: dict[str, str | int] = {
            "_quantity": quantity,
            "_locale": self.locale,
            "_seed": request_seed(self.seed, index),
        }
        optional = {
            "_gender": self.gender,
            "_birthday_start": self.birthday_start,
            "_birthday_end": self.birthday_end,
        }
        params.update({k: v for k, v in optional.items() if v is not None})
        return PageRequest(
            self.url, params, f"request {index + 1} of {count}", first=index * self.page_size
        )

    def _parse(self, request: PageRequest, payload: Any) -> tuple[int, Flattened]:
        """Check one answer's envelope and flatten its persons (runs in a pool thread)."""
        where = request.describe()
        if not isinstance(payload, dict):
            raise SchemaError(
                f"{where}: the answer is not a JSON object; is the base URL a FakerAPI?"
            )
        status, code = payload.get("status"), payload.get("code")
        if status != "OK" or code != 200:
            raise ApiError(
                f"{where}: the API answered status {str(status)[:40]!r}, code {str(code)[:10]}",
                status=code if isinstance(code, int) else None,
            )
        if not isinstance(payload.get("data"), list):
            raise SchemaError(f"{where}: the answer has no 'data' list")
        records = payload["data"][: int(request.params["_quantity"])]
        positions = range(request.first, request.first + len(records))
        return len(records), flatten(records, self.shape, positions=positions)
