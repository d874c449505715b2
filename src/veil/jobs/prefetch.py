"""Overlap the pipeline's stages on threads, a bounded number of items ahead.

``prefetch`` runs an iterator (the source) in a background thread; ``ordered_map`` applies a
function (the transform) to items on a small thread pool and yields the results in input
order. Arrow, NumPy, DuckDB and zstd release the GIL, so every core works. At most a few
items are in flight, so memory stays bounded. An exception in a producer or a worker is
re-raised in the consumer; a consumer that stops early (or fails) stops the work.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield the items of ``items``, produced by a background thread up to ``depth`` ahead."""
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            for item in source:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as exc:  # re-raised in the consumer
            put(_Failure(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="veil-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=5)


def default_workers() -> int:
    """Transform threads: one per core, at most four (the sink and source use cores too)."""
    return max(1, min(4, os.cpu_count() or 1))


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int = 2, ahead: int | None = None
) -> Generator[R, None, None]:
    """``map(fn, items)`` on ``workers`` threads, results in input order.

    At most ``ahead`` (default ``2 × workers``) items are submitted and not yet yielded.
    With ``workers == 1`` it is a plain map on the calling thread.
    """
    if workers < 1:
        raise ValueError("workers must be ≥ 1")
    if workers == 1:
        yield from map(fn, items)
        return
    limit = ahead or 2 * workers
    pending: deque[Future[R]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="veil-transform") as pool:
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
