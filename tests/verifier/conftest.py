"""The JavaScript verifier's tests need Node (Debian's ``nodejs``, installed
by ``.ci/browser-deps``). Without it they are skipped on a developer's
machine and fail under CI (``CI=true``), where a skip would hide that the
verifier was never run."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(autouse=True)
def node_installed():
    if shutil.which("node") is None:
        message = "node is not installed (apt-get install nodejs, or run .ci/browser-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
