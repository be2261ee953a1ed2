"""``grdfkit mock`` as a user starts it: a process on a free port, its origin from the banner."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GRDFKIT = Path(sys.executable).parent / "grdfkit"


@contextmanager
def grdfkit_mock(*args: str, manifest: Path | None = None) -> Iterator[str]:
    """Run ``grdfkit mock --port 0 ARGS`` (on ``manifest``'s project) and yield its origin."""
    env = {**os.environ, "COLUMNS": "200"}
    if manifest is not None:
        env["GRDFKIT_MANIFEST"] = str(manifest)
    mock = subprocess.Popen(
        [str(GRDFKIT), "mock", "--port", "0", *args], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert mock.stdout is not None
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", mock.stdout.readline())
        assert found, "the mock's banner names its port"
        yield found.group(1)
    finally:
        mock.terminate()
        mock.wait(timeout=10)
