"""The README and docs/: the two commands first, links that resolve, generated parts current,
no dated diary, and a quick start that runs as written."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent


def _prose(text: str) -> str:
    """The text without code blocks, inline code and the generated benchmark tables."""
    text = re.sub(r"<!-- benchmarks:begin.*?<!-- benchmarks:end -->", "", text, flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def test_the_readme_starts_with_exactly_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first and text.index("```sh") < text.index("\n## ")
    commands = [ln.split("#")[0].strip() for ln in first.group(1).splitlines() if ln.strip()]
    assert commands == ["python3 scripts/dev.py main", "python3 scripts/dev.py test"]
    assert "python3 scripts/dev.py test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_resolves(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
        for h in re.findall(r"^#+ (.*)$", text, re.M)
    }
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", _prose(text)):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        if (path and not (page.parent / path).exists()) or (not path and anchor not in anchors):
            broken.append(target)
    assert not broken, f"{page.name}: {broken}"


def test_the_generated_sections_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_dated_diary(page: Path) -> None:
    """A figure's date lives in benchmarks/results.json, history in git, not in prose."""
    prose = _prose(page.read_text(encoding="utf-8"))
    dated = re.findall(r"\b20\d\d-\d\d-\d\d\b|on a slower day|an earlier run", prose)
    assert not dated, f"{page.name}: {dated}"


@pytest.fixture
def mock_on_8080() -> Iterator[None]:
    """The mock where the quick start expects it (the mock environment's port)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8080)) == 0:
            pytest.fail("port 8080 is taken; the quick start talks to a mock there")
    mock = subprocess.Popen(
        [str(BIN / "grdfkit"), "mock", "--port", "8080"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", 8080)) == 0:
                    break
            assert mock.poll() is None, mock.communicate()[1]
            assert time.monotonic() < deadline, "the mock never listened"
            time.sleep(0.1)
        yield
    finally:
        mock.terminate()
        mock.wait(timeout=10)


@pytest.mark.slow
def test_the_quick_start_runs_as_written(mock_on_8080: None, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 3, "one quick start per API"
    for block in blocks:
        result = subprocess.run(
            [sys.executable, "-c", block], capture_output=True, text=True, timeout=60, cwd=tmp_path
        )
        assert result.returncode == 0, block + result.stderr
        assert result.stdout.strip(), block
