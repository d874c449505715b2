"""randomuser.me as a source: pages of users fetched concurrently, yielded in order.

``GET {base_url}{version}/?results=&seed=&page=`` (version pinned in the path, 1.4 by
default): up to 5,000 users a page, pages 1..n under one seed (the last page smaller), plus
``nat``, ``gender``, ``inc``/``exc``. Fields left out by ``inc``/``exc`` are null columns.
The ``info`` block is checked (seed, page, version) when present. Malformed records are
quarantined (see ``veil.sources.flatten``); a malformed page as a whole is a SchemaError.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyarrow as pa

from veil.errors import ConfigError, SchemaError
from veil.operators.base import closest
from veil.sources.base import Quarantine
from veil.sources.flatten import Flattened, Rejection, flatten, top_level_fields
from veil.sources.http import HttpOptions, PagedApiSource, PageRequest, Sleep, redact_url
from veil.sources.shapes import RANDOMUSER

MAX_PAGE = 5000
GENDERS = ("male", "female")


def _names(value: str | Sequence[str] | None, upper: bool = False) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip().upper() if upper else n.strip() for n in items if n.strip()]
    return names or None


def _check_fields(option: str, names: list[str] | None) -> None:
    known = list(top_level_fields("randomuser"))
    for name in names or ():
        if name not in known:
            hint = closest(name, known)
            raise ConfigError(
                f"{option}: unknown randomuser field {name!r}"
                + (f"; did you mean {hint!r}?" if hint else f"; choose from {', '.join(known)}")
            )


def check_gender(gender: str | None) -> str | None:
    """A valid gender filter (or None); ConfigError otherwise."""
    if gender is not None and gender not in GENDERS:
        raise ConfigError(f"gender must be 'male' or 'female', not {gender!r}")
    return gender


def versioned_url(base_url: str, version: str) -> str:
    """``base_url`` with the version as the last segment of its path, ending in '/'.

    A query in ``base_url`` (a mirror's token) is kept for requests; messages and the
    fingerprint show the URL without it.
    """
    parts = urlsplit(base_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if path.rstrip("/").rsplit("/", 1)[-1] != version:
        path = f"{path}{version}/"
    return urlunsplit(parts._replace(path=path))


class RandomUserSource(PagedApiSource):
    """Users from randomuser.me (or a mirror / the fake API), one batch per page."""

    name = "randomuser"
    shape = "randomuser"
    schema: pa.Schema = RANDOMUSER

    def __init__(
        self,
        persons: int = 30_000,
        seed: str = "veil",
        nat: str | Sequence[str] | None = None,
        gender: str | None = None,
        inc: str | Sequence[str] | None = None,
        exc: str | Sequence[str] | None = None,
        page_size: int = MAX_PAGE,
        base_url: str = "https://randomuser.me/api/",
        version: str = "1.4",
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
        if not 1 <= page_size <= MAX_PAGE:
            raise ConfigError(f"page_size must be between 1 and {MAX_PAGE}")
        self.persons, self.seed, self.page_size = persons, str(seed), page_size
        self.version = version
        self.nat, self.gender = _names(nat, upper=True), check_gender(gender)
        self.inc, self.exc = _names(inc), _names(exc)
        _check_fields("inc", self.inc)
        _check_fields("exc", self.exc)
        self.url = versioned_url(base_url, version)
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

    def fields(self) -> frozenset[str]:
        """The top-level fields the API is asked for (after ``inc``/``exc``)."""
        fields = set(self.inc) if self.inc else set(top_level_fields("randomuser"))
        return frozenset(fields - set(self.exc or ()))

    def fingerprint(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "url": redact_url(self.url),
            "version": self.version,
            "persons": self.persons,
            "seed": self.seed,
            "page_size": self.page_size,
            "nat": self.nat,
            "gender": self.gender,
            "inc": self.inc,
            "exc": self.exc,
        }

    def expected_rows(self) -> int | None:
        return self.persons

    def pages(self) -> list[PageRequest]:
        """The page requests, in order: pages 1..n, all full but the last."""
        count = math.ceil(self.persons / self.page_size)
        return [self._request(page, count) for page in range(1, count + 1)]

    def _request(self, page: int, count: int) -> PageRequest:
        results = min(self.page_size, self.persons - (page - 1) * self.page_size)
        params: dict[str, str | int] = {"results": results, "seed": self.seed, "page": page}
        for key, value in (("nat", self.nat), ("inc", self.inc), ("exc", self.exc)):
            if value:
                params[key] = ",".join(value)
        if self.gender:
            params["gender"] = self.gender
        return PageRequest(
            self.url, params, f"page {page} of {count}", first=(page - 1) * self.page_size
        )

    def _parse(self, request: PageRequest, payload: Any) -> tuple[int, Flattened]:
        """Check one page's envelope and flatten its records (runs in a pool thread)."""
        where = request.describe()
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            raise SchemaError(
                f"{where}: the answer has no 'results' list; is the base URL a randomuser API?"
            )
        self._check_info(where, payload.get("info"), request)
        records = payload["results"][: int(request.params["results"])]
        positions = range(request.first, request.first + len(records))
        return len(records), flatten(
            records, self.shape, required=self.fields(), positions=positions
        )

    def _check_info(self, where: str, info: Any, request: PageRequest) -> None:
        if info is None:
            return
        if not isinstance(info, dict):
            raise SchemaError(f"{where}: 'info' is not an object")
        expected = {"version": self.version, "page": request.params["page"], "seed": self.seed}
        for key, want in expected.items():
            got = info.get(key)
            if got is not None and str(got) != str(want):
                raise SchemaError(
                    f"{where}: the API answered {key} {got!r}, not {want!r}; "
                    + (
                        "pin the version in base_url"
                        if key == "version"
                        else "the API (or a cache in between) ignores paging"
                    )
                )
