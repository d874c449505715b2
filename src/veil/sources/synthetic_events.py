"""Synthetic events of the synthetic users: ``SyntheticSource(shape="events")``.

The events of ``persons`` users are the events of exactly the users that
``SyntheticSource(shape="randomuser")`` makes with the same ``persons``, ``seed``, ``gender``,
``nat`` and ``as_of``: chunk ``i`` of events belongs to chunk ``i`` of users, whose
``login_uuid``, ``registered_date`` and ``location_country`` come from the users generator
itself (``_ChunkGenerator.identity``), so both tables carry the same ``login_uuid`` and,
anonymized under the same key, the same ``subject_id``.

How the events of a user are made
- How many: a discretised log-normal (``ceil(exp(N(1.47, 1.25²)))``, capped at
  ``MAX_EVENTS``): mean about 10, median 5, about 0.6 % of users above 100 events and a few
  per million at the cap. Every user has at least one event. A few users contribute far
  more rows than the typical one: what contribution bounding is for.
- When: uniform between the user's registration (inclusive) and ``as_of`` (exclusive), in
  time order within a user (sorted uniforms from exponential spacings, no sort).
- What: ``event_type`` from ``EVENT_TYPES`` with fixed shares; ``amount_cents`` only on
  purchases (log-normal, median 35.00, mostly ending in .99 or .00), null otherwise.
- Where from: each user has a main device mix (share of mobile), one user agent per device
  and three IPv4 addresses (home, work, mobile carrier) in public ranges; an event's device
  picks its user agent and, with fixed odds, one of the addresses.

Determinism: the events of user chunk ``i`` draw from ``SeedSequence([seed, i],
spawn_key=(EVENTS_STREAM,))``, a stream apart from the users' own, always for the whole chunk
(then cut), so the same seed gives the same events whatever the batch size or the columns
asked for, and fewer ``persons`` give a prefix of more. The counts are the stream's first
draw, so ``expected_rows`` is exact and cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.sources.shapes import EVENTS, TS
from veil.sources.synthetic import (
    CHUNK_ROWS,
    Weighted,
    _ChunkGenerator,
    _epoch_ms,
    _vocab,
    hex_digits,
    user_chunks,
    uuid_text,
)

if TYPE_CHECKING:
    from veil.sources.synthetic import SyntheticSource

#: spawn key of the events' randomness (the users' streams have none)
EVENTS_STREAM = 1
#: log-normal of the events per user (mean ~10 after ceil and cap), and the cap
COUNT_MU, COUNT_SIGMA, MAX_EVENTS = 1.47, 1.25, 1000

#: the public list of event types, with their shares (percent, in steps of 0.5)
EVENT_TYPES: tuple[tuple[str, float], ...] = (
    ("page_view", 38),
    ("view_item", 14),
    ("search", 13),
    ("login", 9),
    ("logout", 6),
    ("add_to_cart", 6),
    ("like", 5),
    ("checkout", 2.5),
    ("purchase", 2),
    ("share", 2),
    ("remove_from_cart", 1.5),
    ("comment", 1),
)
PURCHASE = [name for name, _ in EVENT_TYPES].index("purchase")
DEVICES = ("mobile", "desktop", "tablet")
TABLET_SHARE = 0.12  # of a user's events not on mobile

#: user agents per device (weights: their rough market shares)
USER_AGENTS: dict[str, tuple[tuple[str, float], ...]] = {
    "mobile": (
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            30,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            20,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
            20,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/125.0.6422.53 Mobile Safari/537.36",
            12,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 "
            "(KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            12,
        ),
        ("Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0", 6),
    ),
    "desktop": (
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
            45,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
            14,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
            15,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
            12,
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0", 9),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
            5,
        ),
    ),
    "tablet": (
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            60,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
            30,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; Lenovo TB-X606F) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            10,
        ),
    ),
}

#: first octets of public unicast IPv4 (no 0, 10, 100 (CGNAT), 127, 169, 172, 192, ≥ 224)
_FIRST_OCTETS = np.array([o for o in range(1, 224) if o not in (10, 100, 127, 169, 172, 192)])
#: IP slots per user: home, work, mobile carrier
_IP_SLOTS = 3
_HOME, _WORK, _CARRIER = range(_IP_SLOTS)


@dataclass(frozen=True)
class _Vocab:
    types: pa.Array
    type_slots: np.ndarray  # half-percent slot (0..199) → type: exact shares from one draw
    devices: pa.Array
    agents: pa.Array  # every device's agents, device by device
    agent_choice: Weighted  # group: device


@functools.cache
def _vocab_events() -> _Vocab:
    slots = [round(2 * share) for _, share in EVENT_TYPES]
    if sum(slots) != 200:
        raise ValueError("EVENT_TYPES shares must add up to 100 in steps of 0.5")
    return _Vocab(
        types=pa.array([name for name, _ in EVENT_TYPES], pa.string()),
        type_slots=np.repeat(np.arange(len(EVENT_TYPES)), slots),
        devices=pa.array(list(DEVICES), pa.string()),
        agents=pa.array([ua for d in DEVICES for ua, _ in USER_AGENTS[d]], pa.string()),
        agent_choice=Weighted.of([[w for _, w in USER_AGENTS[d]] for d in DEVICES]),
    )


def events_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, index], spawn_key=(EVENTS_STREAM,)))


def draw_counts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Events per user: ceil of a log-normal, at least 1, at most ``MAX_EVENTS``."""
    counts = np.ceil(rng.lognormal(COUNT_MU, COUNT_SIGMA, n))
    return np.clip(counts, 1, MAX_EVENTS).astype(np.int64)


def _sorted_uniforms(
    rng: np.random.Generator, counts: np.ndarray, owner: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """Per user, ``counts[u]`` sorted uniforms in [0, 1): the partial sums of ``k + 1``
    exponential spacings over their total (no sort needed)."""
    spacing = np.cumsum(rng.standard_exponential(len(owner) + len(counts)))
    slot = np.arange(len(owner)) + owner  # user u's slots start at starts[u] + u
    first = starts + np.arange(len(counts))
    base = np.where(first > 0, spacing[np.maximum(first - 1, 0)], 0.0)
    total = spacing[first + counts] - base
    return (spacing[slot] - base[owner]) / total[owner]


def _amounts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Purchase amounts in cents: log-normal around 35.00, most prices ending in .99 or .00."""
    cents = np.clip(np.round(rng.lognormal(np.log(3500), 1.0, n)), 100, 2_000_000).astype(np.int64)
    ending = rng.random(n)
    whole = cents // 100 * 100
    return np.where(ending < 0.55, whole - 1, np.where(ending < 0.8, whole, cents))


def _ips(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` public-looking IPv4 addresses as dotted quads."""
    numbers = _vocab()["numbers"]
    octets = [
        _FIRST_OCTETS[rng.integers(0, len(_FIRST_OCTETS), n)],
        rng.integers(0, 256, n),
        rng.integers(0, 256, n),
        rng.integers(1, 255, n),
    ]
    return pc.binary_join_element_wise(*(numbers.take(pa.array(o)) for o in octets), ".")


@dataclass(frozen=True)
class _Draws:
    """Everything random about the events of one chunk of users (indexes, not text yet)."""

    starts: np.ndarray  # first event of each user
    owner: np.ndarray  # user of each event
    kind: np.ndarray
    when: np.ndarray  # sorted uniforms within each user
    device: np.ndarray
    slot: np.ndarray  # which of the user's addresses
    purchase: np.ndarray
    amount: np.ndarray  # one per purchase
    id_bytes: np.ndarray  # (n, 16)
    id_variant: np.ndarray
    agent: np.ndarray  # (users, devices): the user's agent on each device
    ips: pa.Array  # the users' addresses, _IP_SLOTS each


def draw_events(rng: np.random.Generator, users: int) -> _Draws:
    """The events of ``users`` users, in a fixed order of draws (counts first)."""
    v = _vocab_events()
    counts = draw_counts(rng, users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    n = int(counts.sum())
    owner = np.repeat(np.arange(users), counts)
    # per user: a device mix, an agent per device; per event: type, time, device, address
    mobile = rng.beta(1.6, 1.2, users)[owner]
    agent = np.stack([v.agent_choice.draw(d, rng.random(users)) for d in range(len(DEVICES))], 1)
    kind = v.type_slots[rng.integers(0, 200, n)]
    when = _sorted_uniforms(rng, counts, owner, starts)
    u = rng.random(n)
    device = np.where(u < mobile, 0, np.where(u < mobile + (1 - mobile) * TABLET_SHARE, 2, 1))
    u = rng.random(n)
    slot = np.where(
        device == 0, np.where(u < 0.6, _CARRIER, _HOME), np.where(u < 0.75, _HOME, _WORK)
    )
    purchase = kind == PURCHASE
    amount = _amounts(rng, int(purchase.sum()))
    id_bytes = rng.bit_generator.random_raw(2 * n).astype("<u8").view(np.uint8).reshape(n, 16)
    id_variant = rng.integers(0, 4, n)
    ips = _ips(rng, users * _IP_SLOTS)
    return _Draws(
        starts, owner, kind, when, device, slot, purchase, amount, id_bytes, id_variant, agent, ips
    )


class EventChunks:
    """Makes the events of user chunk ``i``; see the module docstring."""

    def __init__(self, source: SyntheticSource, users: SyntheticSource) -> None:
        self.seed = source.seed
        self.now = _epoch_ms(source.as_of)
        self.users = _ChunkGenerator(users)

    def count(self, index: int, rows: int) -> int:
        """How many events the first ``rows`` users of chunk ``index`` have."""
        return int(draw_counts(events_rng(self.seed, index), CHUNK_ROWS)[:rows].sum())

    def chunk(self, index: int, rows: int, names: Collection[str]) -> pa.RecordBatch:
        """The events of the first ``rows`` users of chunk ``index``, columns ``names``.

        Every draw is made whatever ``names`` asks for (the values do not depend on it);
        only the text of columns nobody asked for is not built.
        """
        d = draw_events(events_rng(self.seed, index), CHUNK_ROWS)
        end = int(d.starts[rows]) if rows < CHUNK_ROWS else len(d.owner)
        owner, device = d.owner[:end], d.device[:end]
        users = self.users.identity(index) if _FROM_USERS & set(names) else {}
        v, by = _vocab_events(), pa.array(owner)

        def ts() -> pa.Array:
            registered = users["registered_date"].cast(pa.int64()).to_numpy()[owner]
            span = self.now - registered
            offset = np.minimum((d.when[:end] * span).astype(np.int64), span - 1)
            return pa.array(registered + offset, TS)

        def amount_cents() -> pa.Array:
            cents = np.zeros(len(d.owner), np.int64)
            cents[d.purchase] = d.amount
            return pa.array(cents[:end], pa.int64(), mask=~d.purchase[:end])

        build: dict[str, Callable[[], pa.Array]] = {
            "event_id": lambda: uuid_text(hex_digits(d.id_bytes[:end]), d.id_variant[:end]),
            "login_uuid": lambda: users["login_uuid"].take(by),
            "event_type": lambda: v.types.take(pa.array(d.kind[:end])),
            "ts": ts,
            "amount_cents": amount_cents,
            "country": lambda: users["location_country"].take(by),
            "device": lambda: v.devices.take(pa.array(device)),
            "ip": lambda: d.ips.take(pa.array(owner * _IP_SLOTS + d.slot[:end])),
            "user_agent": lambda: v.agents.take(pa.array(d.agent[owner, device])),
        }
        schema = pa.schema([field for field in EVENTS if field.name in names])
        return pa.RecordBatch.from_arrays([build[f.name]() for f in schema], schema=schema)


#: event columns made from the user's own columns
_FROM_USERS = {"login_uuid", "ts", "country"}


def event_chunks(
    source: SyntheticSource, users: SyntheticSource, names: Collection[str]
) -> Iterator[pa.RecordBatch]:
    """The events of ``source.persons`` users, one batch per user chunk."""
    chunks = EventChunks(source, users)
    for index, rows in user_chunks(source.persons):
        yield chunks.chunk(index, rows, names)


def count_events(source: SyntheticSource, users: SyntheticSource) -> int:
    """Exactly how many events ``source`` will produce (the counts only: cheap)."""
    chunks = EventChunks(source, users)
    return sum(chunks.count(index, rows) for index, rows in user_chunks(source.persons))


__all__ = [
    "EVENT_TYPES",
    "MAX_EVENTS",
    "EventChunks",
    "count_events",
    "draw_events",
    "event_chunks",
]
