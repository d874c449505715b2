"""prefetch: order, bounded look-ahead, errors re-raised, producer stopped early."""

from __future__ import annotations

import threading
import time

import pytest

from veil.jobs.prefetch import prefetch


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
