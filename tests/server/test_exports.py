"""The package's public names are pinned, and importing it (as the catalog's migrations do,
for its tables) does not import the web framework."""

from __future__ import annotations

import subprocess
import sys

import veil.server


def test_exported_names() -> None:
    assert sorted(veil.server.__all__) == [
        "AccountLockedError",
        "AuthenticationError",
        "DEFAULT_SESSION_TTL",
        "ROLES",
        "Session",
        "User",
        "UserStore",
        "create_app",
    ]
    for name in veil.server.__all__:
        assert getattr(veil.server, name) is not None


def test_importing_the_package_leaves_fastapi_unloaded() -> None:
    probe = "import sys, veil.server; print('fastapi' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip() == "False", loaded.stderr
    probe = "import sys, veil.server; veil.server.create_app; print('fastapi' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip() == "True", loaded.stderr
