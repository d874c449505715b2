"""prefetch: order, bounded look-ahead, errors re-raised, producer stopped early."""

from __future__ import annotations

import threading
import time

import pytest

from veil.jobs.prefetch import ordered_map, prefetch


def test_order_and_completeness() -> None:
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))


def test_bounded_lookahead() -> None:
    produced = []

    def gen():
        for i in range(100):
            produced.append(i)
            yield i

    it = prefetch(gen(), depth=2)
    assert next(it) == 0
    time.sleep(0.2)
    assert len(produced) <= 4  # the consumed item, two queued, one blocked in put
    it.close()


def test_producer_error_is_raised_in_consumer() -> None:
    def gen():
        yield 1
        raise ValueError("boom")

    it = prefetch(gen())
    assert next(it) == 1
    with pytest.raises(ValueError, match="boom"):
        next(it)


def test_consumer_stop_stops_producer() -> None:
    done = threading.Event()

    def gen():
        try:
            yield from range(10**9)
        finally:
            done.set()

    for i in prefetch(gen(), depth=1):
        if i == 3:
            break
    assert done.wait(2)


def test_ordered_map_keeps_order_on_many_threads() -> None:
    def slow_square(i: int) -> int:
        time.sleep(0.001 * (i % 3))
        return i * i

    assert list(ordered_map(slow_square, range(200), workers=4)) == [i * i for i in range(200)]
    assert list(ordered_map(slow_square, range(5), workers=1)) == [0, 1, 4, 9, 16]


def test_ordered_map_bounds_work_in_flight() -> None:
    started: list[int] = []
    gate = threading.Event()

    def work(i: int) -> int:
        started.append(i)
        gate.wait(5)
        return i

    it = ordered_map(work, range(100), workers=2, ahead=3)
    consumer = threading.Thread(target=lambda: next(it))
    consumer.start()
    time.sleep(0.2)
    assert len(started) <= 3  # nothing beyond `ahead` was submitted
    gate.set()
    consumer.join(5)
    it.close()


def test_ordered_map_reraises_and_stops() -> None:
    seen: list[int] = []

    def work(i: int) -> int:
        seen.append(i)
        if i == 5:
            raise RuntimeError("boom")
        return i

    with pytest.raises(RuntimeError, match="boom"):
        list(ordered_map(work, range(10_000), workers=2, ahead=4))
    assert len(seen) < 50
    with pytest.raises(ValueError):
        list(ordered_map(work, range(3), workers=0))
