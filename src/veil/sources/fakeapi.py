"""A real HTTP server on loopback that speaks randomuser and FakerAPI, with injected faults.

For tests and offline demos: ``with run_fake_api() as api:`` starts a stdlib
``ThreadingHTTPServer`` on ``127.0.0.1`` (a free port) in a background thread; ``api.base_url``
is ``http://127.0.0.1:PORT``. It answers

- ``GET /api/1.4/?results=&seed=&page=&nat=&gender=&inc=&exc=`` (also ``/api/``) like
  randomuser.me, with an ``info`` block;
- ``GET /api/v2/persons?_quantity=&_locale=&_seed=&_gender=&_birthday_start=&_birthday_end=``
  like FakerAPI v2 (address ``country_code``), and ``/api/v1/persons`` like v1
  (``county_code``, no ``locale``/``seed`` in the envelope).

Users come from a pluggable generator: ``"synthetic"`` (``veil.sources.synthetic``, through
:func:`~veil.sources.flatten.unflatten`), ``"fixtures"`` (the API samples, cycled and paged
deterministically by seed), ``"auto"`` (synthetic when it can be imported, else fixtures), or
any object with the :class:`UserGenerator` methods.

Faults are configured per server (see :func:`run_fake_api`): by request number (1-based, in
order of arrival) or with a probability under a fixed seed; record-level corruption by
record index. Nothing is logged.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa

from veil.errors import ConfigError, VeilError
from veil.sources.flatten import unflatten

FAULT_KINDS = ("500", "502", "503", "429", "slow", "truncate", "drop", "error")
#: faults drawn when ``fault_rate`` > 0 and no ``fault_kinds`` are given
RANDOM_FAULT_KINDS = ("500", "502", "503", "429", "truncate", "drop")
CORRUPTION_KINDS = ("wrong_type", "missing", "rename", "set")
CANARY = "CANARY-ZZ9"
ERROR_TEXT = "Uh oh, something has gone wrong. Please tweak your query and try again."
SAMPLES = {"randomuser": "randomuser_sample.json", "fakerapi": "fakerapi_persons_sample.json"}
_RANDOMUSER_PATH = re.compile(r"^/api(?:/(\d+(?:\.\d+)*))?/?$")
_FAKERAPI_PATH = re.compile(r"^/api/(v\d+)/persons/?$")


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts (no global random state)."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _int_seed(*parts: object) -> int:
    return int(_unit(*parts) * 2**31)


@dataclass(frozen=True)
class Fault:
    """One injected fault. ``kind``: 500, 502, 503 (that status), 429 (with ``Retry-After:
    retry_after``), slow (answer after ``delay`` s), truncate (half the JSON body), drop
    (close the connection, no answer), error (``{"error": message}`` with ``status``)."""

    kind: str
    retry_after: float = 1.0
    delay: float = 2.0
    message: str = ERROR_TEXT
    status: int = 200

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ConfigError(f"unknown fault {self.kind!r}; choose from {', '.join(FAULT_KINDS)}")


@dataclass(frozen=True)
class Corruption:
    """Corrupt record ``index`` of every answer (or only of request number ``request``).

    ``path`` is dotted (``location.postcode``). ``kind``: wrong_type (set ``value``, default
    ``{"canary": CANARY}``), set (set ``value``), missing (delete), rename (to ``rename_to``).
    """

    index: int
    path: str
    kind: str = "wrong_type"
    value: Any = None
    rename_to: str | None = None
    request: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in CORRUPTION_KINDS:
            raise ConfigError(
                f"unknown corruption {self.kind!r}; choose from {', '.join(CORRUPTION_KINDS)}"
            )
        if self.kind == "rename" and not self.rename_to:
            raise ConfigError("a 'rename' corruption needs rename_to")

    def apply(self, record: dict[str, Any]) -> None:
        """Corrupt ``record`` in place (a path that is not there is left alone)."""
        *parents, key = self.path.split(".")
        node: Any = record
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return
        if self.kind == "missing":
            node.pop(key, None)
        elif self.kind == "rename":
            if key in node:
                node[str(self.rename_to)] = node.pop(key)
        else:
            default = {"canary": CANARY} if self.kind == "wrong_type" else CANARY
            node[key] = copy.deepcopy(default if self.value is None else self.value)


#: what ``corrupt_rate`` draws from, per shape
RANDOM_CORRUPTIONS: dict[str, tuple[Corruption, ...]] = {
    "randomuser": (
        Corruption(0, "location.postcode"),
        Corruption(0, "location.coordinates.latitude", "set", [CANARY]),
        Corruption(0, "email", "rename", rename_to="e_mail"),
        Corruption(0, "dob.date", "set", CANARY),
    ),
    "fakerapi": (
        Corruption(0, "address.zipcode"),
        Corruption(0, "address.latitude", "set", [CANARY]),
        Corruption(0, "email", "rename", rename_to="e_mail"),
        Corruption(0, "birthday", "set", CANARY),
    ),
}


@dataclass(frozen=True)
class ServedRequest:
    """One request the server saw: its number, path, query and the fault it got (if any)."""

    number: int
    path: str
    params: dict[str, str]
    fault: str | None


# --- user generators -------------------------------------------------------------------------


class UserGenerator(Protocol):
    """Makes API-shaped users (FakerAPI ones with the v2 ``country_code`` spelling)."""

    def randomuser(
        self, *, results: int, seed: str, page: int, nat: list[str] | None, gender: str | None
    ) -> list[dict[str, Any]]: ...

    def fakerapi(
        self, *, quantity: int, seed: str | None, locale: str, gender: str | None
    ) -> list[dict[str, Any]]: ...


def _fixtures_dirs() -> list[Path]:
    here = Path(__file__).resolve()
    return [here.parent / "data", here.parents[3] / "tests" / "fixtures"]


def load_sample(shape: str, folder: Path | None = None) -> list[dict[str, Any]]:
    """The records of a shape's API sample (from ``folder`` or the known fixture folders)."""
    for candidate in [folder] if folder else _fixtures_dirs():
        path = candidate / SAMPLES[shape]
        if path.is_file():
            payload = json.loads(path.read_text(encoding="utf-8"))
            return payload["results" if shape == "randomuser" else "data"]
    raise ConfigError(
        f"no {SAMPLES[shape]} found (looked in "
        f"{', '.join(str(p) for p in [folder] if p) or 'the fixture folders'}); "
        "pass fixtures_dir="
    )


class FixtureGenerator:
    """Serves the API samples, cycled from a seed-chosen offset; uuids made unique per user."""

    def __init__(self, folder: Path | None = None) -> None:
        self._samples = {shape: load_sample(shape, folder) for shape in SAMPLES}

    def _pick(
        self, shape: str, count: int, seed: object, start: int, keep: Any
    ) -> list[dict[str, Any]]:
        pool = [r for r in self._samples[shape] if keep(r)] or self._samples[shape]
        offset = _int_seed("offset", seed) % len(pool)
        return [copy.deepcopy(pool[(offset + start + i) % len(pool)]) for i in range(count)]

    def randomuser(
        self, *, results: int, seed: str, page: int, nat: list[str] | None, gender: str | None
    ) -> list[dict[str, Any]]:
        def keep(record: dict[str, Any]) -> bool:
            return (not nat or record.get("nat") in nat) and gender in (None, record.get("gender"))

        records = self._pick("randomuser", results, seed, (page - 1) * results, keep)
        for i, record in enumerate(records):
            digest = hashlib.sha256(f"uuid:{seed}:{page}:{i}".encode()).digest()
            record["login"]["uuid"] = str(uuid.UUID(bytes=digest[:16], version=4))
        return records

    def fakerapi(
        self, *, quantity: int, seed: str | None, locale: str, gender: str | None
    ) -> list[dict[str, Any]]:
        def keep(record: dict[str, Any]) -> bool:
            return gender in (None, record.get("gender"))

        return self._pick("fakerapi", quantity, seed, 0, keep)


class SyntheticGenerator:
    """Serves ``veil.sources.synthetic.SyntheticSource`` users, unflattened to API shape."""

    def __init__(self) -> None:
        from veil.sources.synthetic import SyntheticSource

        self._cls = SyntheticSource

    def _records(self, shape: str, count: int, **options: Any) -> list[dict[str, Any]]:
        source = self._cls(
            shape=shape, persons=count, **{k: v for k, v in options.items() if v is not None}
        )
        table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
        return unflatten(table, shape)

    def randomuser(
        self, *, results: int, seed: str, page: int, nat: list[str] | None, gender: str | None
    ) -> list[dict[str, Any]]:
        return self._records(
            "randomuser", results, seed=_int_seed("ru", seed, page), gender=gender, nat=nat
        )

    def fakerapi(
        self, *, quantity: int, seed: str | None, locale: str, gender: str | None
    ) -> list[dict[str, Any]]:
        return self._records(
            "fakerapi", quantity, seed=_int_seed("fk", seed), gender=gender, locale=locale
        )


def make_generator(
    generator: str | UserGenerator = "auto", fixtures_dir: Path | None = None
) -> UserGenerator:
    """The generator named (``auto``, ``synthetic``, ``fixtures``) or the object given."""
    if not isinstance(generator, str):
        return generator
    if generator in ("auto", "synthetic"):
        try:
            return SyntheticGenerator()
        except ImportError:
            if generator == "synthetic":
                raise ConfigError(
                    "the synthetic generator (veil.sources.synthetic) is not available"
                ) from None
    if generator in ("auto", "fixtures"):
        return FixtureGenerator(fixtures_dir)
    raise ConfigError(f"unknown generator {generator!r}; choose auto, synthetic or fixtures")


# --- answers ---------------------------------------------------------------------------------


def _params(query: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}


def _number(text: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(text))) if text else default
    except ValueError:
        return default


def _names(text: str | None, upper: bool = False) -> list[str] | None:
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    return [n.upper() if upper else n.lower() for n in names] or None


def _select(record: dict[str, Any], inc: list[str] | None, exc: list[str] | None) -> dict:
    keys = [k for k in record if (not inc or k in inc) and k not in (exc or ())]
    return {k: record[k] for k in keys}


def _clamp_birthday(record: dict[str, Any], start: str | None, end: str | None) -> None:
    if not (start or end) or not isinstance(record.get("birthday"), str):
        return
    low = date.fromisoformat(start) if start else date(1900, 1, 1)
    high = date.fromisoformat(end) if end else date.today()
    day = date.fromisoformat(record["birthday"][:10])
    if not low <= day <= high:
        span = (high - low).days + 1
        record["birthday"] = (low + timedelta(days=day.toordinal() % max(1, span))).isoformat()


class FakeApi:
    """The server; see the module docstring and :func:`run_fake_api` for the options."""

    def __init__(
        self,
        *,
        generator: str | UserGenerator = "auto",
        faults: Mapping[int, Fault | str] | None = None,
        fault_rate: float = 0.0,
        fault_kinds: Sequence[str] = RANDOM_FAULT_KINDS,
        fault_seed: int = 0,
        corruptions: Sequence[Corruption] = (),
        corrupt_rate: float = 0.0,
        corrupt_seed: int = 0,
        retry_after: float = 1.0,
        slow_delay: float = 2.0,
        info_version: str | None = None,
        fixtures_dir: Path | None = None,
    ) -> None:
        self.generator = make_generator(generator, fixtures_dir)
        self.retry_after, self.slow_delay = retry_after, slow_delay
        self.faults = {n: self._fault(f) for n, f in (faults or {}).items()}
        for kind in fault_kinds:
            Fault(kind)
        self.fault_rate, self.fault_seed = fault_rate, fault_seed
        self.fault_kinds = tuple(fault_kinds)
        self.corruptions, self.corrupt_rate = tuple(corruptions), corrupt_rate
        self.corrupt_seed, self.info_version = corrupt_seed, info_version
        self.requests: list[ServedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def _fault(self, fault: Fault | str) -> Fault:
        if isinstance(fault, Fault):
            return fault
        return Fault(fault, retry_after=self.retry_after, delay=self.slow_delay)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeApi:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.api = self
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="veil-fake-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (wakes slow answers) and release the port. Safe to call twice."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeApi:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def randomuser_url(self, version: str = "1.4") -> str:
        return f"{self.base_url}/api/{version}/"

    def fakerapi_url(self, version: str = "v2") -> str:
        return f"{self.base_url}/api/{version}/"

    # --- one request ------------------------------------------------------------------------

    def _register(self, path: str, params: dict[str, str]) -> tuple[int, Fault | None]:
        with self._lock:
            number = len(self.requests) + 1
            fault = self._fault_for(number)
            self.requests.append(ServedRequest(number, path, params, fault.kind if fault else None))
        return number, fault

    def _fault_for(self, number: int) -> Fault | None:
        if number in self.faults:
            return self.faults[number]
        if self.fault_rate > 0 and _unit("fault", self.fault_seed, number) < self.fault_rate:
            pick = int(_unit("kind", self.fault_seed, number) * len(self.fault_kinds))
            return self._fault(self.fault_kinds[pick])
        return None

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """Serve one GET: register it, inject its fault, or answer normally."""
        parts = urlsplit(handler.path)
        params = _params(parts.query)
        number, fault = self._register(parts.path, params)
        if fault is not None and fault.kind == "slow":
            self._stopping.wait(fault.delay)
            fault = None
        if fault is not None and fault.kind != "truncate":
            return _send_fault(handler, fault)
        status, payload = self._route(parts.path, params, number)
        body = json.dumps(payload).encode()
        if fault is not None:
            body = body[: len(body) // 2]
        _send(handler, status, body)

    def _route(self, path: str, params: dict[str, str], number: int) -> tuple[int, Any]:
        try:
            if match := _RANDOMUSER_PATH.match(path):
                return 200, self._randomuser(params, match.group(1) or "1.4", number)
            if match := _FAKERAPI_PATH.match(path):
                return 200, self._fakerapi(params, match.group(1), number)
        except (VeilError, ValueError) as exc:
            return 400, {"error": f"fake api: bad request ({type(exc).__name__})"}
        except Exception as exc:  # a broken generator: say so instead of hanging up
            return 500, {
                "error": f"fake api: the generator failed: {type(exc).__name__}: {exc}"[:300]
            }
        return 404, {"error": f"fake api: nothing at {path}; try /api/1.4/ or /api/v2/persons"}

    def _randomuser(self, params: dict[str, str], version: str, number: int) -> dict:
        results = _number(params.get("results"), 1, 1, 5000)
        page = _number(params.get("page"), 1, 1, 10**9)
        seed = params.get("seed") or f"{_int_seed('seed', number):016x}"[-16:]
        records = self.generator.randomuser(
            results=results,
            seed=seed,
            page=page,
            nat=_names(params.get("nat"), upper=True),
            gender=params.get("gender") or None,
        )
        inc, exc = _names(params.get("inc")), _names(params.get("exc"))
        records = self._corrupt("randomuser", [_select(r, inc, exc) for r in records], number)
        info = {
            "seed": seed,
            "results": len(records),
            "page": page,
            "version": self.info_version or version,
        }
        return {"results": records, "info": info}

    def _fakerapi(self, params: dict[str, str], version: str, number: int) -> dict:
        quantity = _number(params.get("_quantity"), 10, 1, 1000)
        locale, seed = params.get("_locale") or "en_US", params.get("_seed") or None
        records = self.generator.fakerapi(
            quantity=quantity, seed=seed, locale=locale, gender=params.get("_gender") or None
        )
        for i, record in enumerate(records, start=1):
            record["id"] = i
            _clamp_birthday(record, params.get("_birthday_start"), params.get("_birthday_end"))
            if version == "v1" and isinstance(record.get("address"), dict):
                address = record["address"]
                address["county_code"] = address.pop("country_code", None)
        records = self._corrupt("fakerapi", records, number)
        envelope: dict[str, Any] = {"status": "OK", "code": 200}
        if version != "v1":
            envelope.update(locale=locale, seed=seed)
        return {**envelope, "total": len(records), "data": records}

    def _corrupt(self, shape: str, records: list[dict], number: int) -> list[dict]:
        for c in self.corruptions:
            if c.request in (None, number) and c.index < len(records):
                c.apply(records[c.index])
        if self.corrupt_rate > 0:
            choices = RANDOM_CORRUPTIONS[shape]
            for i, record in enumerate(records):
                if _unit("corrupt", self.corrupt_seed, number, i) < self.corrupt_rate:
                    pick = int(_unit("which", self.corrupt_seed, number, i) * len(choices))
                    choices[pick].apply(record)
        return records


# --- the HTTP plumbing -----------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, drops) are expected here: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.api.answer(self)

    def log_message(self, format: str, *args: Any) -> None:
        """No request logging (query strings and answers stay out of logs)."""


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
) -> None:
    with suppress(OSError):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)


def _send_fault(handler: BaseHTTPRequestHandler, fault: Fault) -> None:
    if fault.kind == "drop":
        handler.close_connection = True
        with suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
        return
    if fault.kind == "429":
        body = json.dumps({"error": "fake api: too many requests"}).encode()
        return _send(handler, 429, body, headers={"Retry-After": f"{fault.retry_after:g}"})
    if fault.kind == "error":
        return _send(handler, fault.status, json.dumps({"error": fault.message}).encode())
    page = f"<html><body><h1>{fault.kind}</h1>fake api: injected</body></html>".encode()
    _send(handler, int(fault.kind), page, content_type="text/html")


@contextmanager
def run_fake_api(**options: Any) -> Iterator[FakeApi]:
    """Run a :class:`FakeApi` for the ``with`` block; ``options`` are its keyword arguments.

    generator       "auto" | "synthetic" | "fixtures" | a UserGenerator
    faults          {request number: Fault or kind}: e.g. ``{1: "503", 2: Fault("429",
                    retry_after=0.01)}``; kinds 500 502 503 429 slow truncate drop error
    fault_rate      probability of a fault per request (deterministic under fault_seed),
    fault_kinds     drawn from fault_kinds; scripted numbers take precedence
    corruptions     [Corruption(index, path, kind, value, rename_to, request)]
    corrupt_rate    probability per record of one of RANDOM_CORRUPTIONS (corrupt_seed)
    retry_after     Retry-After seconds of 429 faults given by kind (default 1)
    slow_delay      seconds a 'slow' fault given by kind waits before answering (default 2)
    info_version    the version randomuser's info block reports (default: the URL's)
    fixtures_dir    where the samples are, for the fixtures generator
    """
    api = FakeApi(**options).start()
    try:
        yield api
    finally:
        api.stop()
