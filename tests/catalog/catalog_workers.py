"""Process targets for the catalog's concurrency tests (spawned children import this by name).

Not a test module: the ``spawn_pool`` fixture (tests/conftest.py) puts this folder on
``sys.path`` (spawned children inherit it), imports it as ``catalog_workers`` and starts a
pool whose workers all get the same barrier from :func:`init`, so a race starts together in
every process.
"""

from __future__ import annotations

from typing import Any

_barrier: Any = None


def init(barrier: Any) -> None:
    """Pool initializer: keep the shared barrier, import the catalog's users once."""
    global _barrier
    _barrier = barrier
    import veil.analytics.dp.ledger
    import veil.audit  # noqa: F401


def open_fresh(url: str) -> str:
    """Wait for every sibling, then open the catalog as a ledger does; its revision."""
    from veil.analytics.dp.ledger import Ledger
    from veil.catalog.db import current_revision, make_engine

    _barrier.wait(timeout=60)
    with Ledger(url):
        pass
    engine = make_engine(url)
    try:
        return str(current_revision(engine))
    finally:
        engine.dispose()


def append_many(url: str, key_hex: str, writer: int, n: int) -> int:
    """Open the audit log, wait for every sibling, then append ``n`` entries; how many."""
    from veil.audit import CatalogAuditLog

    with CatalogAuditLog(url, bytes.fromhex(key_hex)) as log:
        _barrier.wait(timeout=60)
        for i in range(n):
            log.record("test.append", f"writer-{writer}", {"writer": writer}, {"i": i})
    return n
