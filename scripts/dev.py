#!/usr/bin/env python3
"""Bootstrap the project's virtual environment and run its two jobs.

    python3 scripts/dev.py main   # validate, regenerate, conformance suite on the mock, report
    python3 scripts/dev.py test   # the whole test suite: ruff, mypy --strict, pytest

Needs only Python 3.11+ and the package registries: the first run creates ``.venv`` and
installs the pinned dependencies of ``pyproject.toml``; later runs reuse it until
``pyproject.toml`` changes. Exit code: that of the first step that failed, else 0.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".grdfkit-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _run(*argv: str | Path) -> int:
    _say(" ".join(str(a) for a in argv))
    return subprocess.call([str(a) for a in argv], cwd=ROOT)


def bootstrap() -> None:
    """Create ``.venv`` and install the project with its dev extras, unless already current."""
    if sys.version_info < (3, 11):  # noqa: UP036 - users may run an older python3
        sys.exit(f"error: Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        _say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    pip = [BIN / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    if _run(*pip, "install", "-e", f"{ROOT}[dev]") != 0:
        sys.exit("error: could not install grdfkit's dependencies into .venv")
    STAMP.write_text(wanted + "\n")


def ensure_redis() -> None:
    """Install Debian's redis-server when missing: the quota tests use a real one."""
    if shutil.which("redis-server"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(
            "error: redis-server is missing; install it (Debian: apt-get install redis-server)"
        )
    _say("installing redis-server (the shared-quota tests need a real Redis)")
    if (
        _run("apt-get", "update", "-qq") != 0
        or _run("apt-get", "install", "-y", "-qq", "redis-server") != 0
    ):
        sys.exit("error: could not install redis-server with apt-get")


def job_test() -> int:
    """Lint, type-check and run every test."""
    ensure_redis()
    os.environ["GRDFKIT_REQUIRE_REDIS"] = "1"
    steps: list[tuple[str | Path, ...]] = [
        (
            BIN / "ruff",
            "check",
            "codegen",
            "conformance",
            "grdfkit",
            "tests",
            "scripts",
            "benchmarks",
        ),
        (
            BIN / "ruff",
            "format",
            "--check",
            "codegen",
            "conformance",
            "grdfkit",
            "tests",
            "scripts",
            "benchmarks",
        ),
        (BIN / "mypy",),
        (BIN / "pytest", "-q"),
    ]
    for step in steps:
        code = _run(*step)
        if code != 0:
            return code
    return 0


def job_main() -> int:
    """The main job: validate the specs, regenerate, check, then conformance on the mock."""
    conformance = (
        "conformance",
        "--report",
        "reports/conformance.md",
        "--junit",
        "reports/junit.xml",
    )
    for step in (("validate",), ("generate",), ("check",), conformance):
        code = _run(BIN / "grdfkit", *step)
        if code != 0:
            return code
    return 0


JOBS = {"test": job_test, "main": job_main}


def main(argv: list[str]) -> int:
    """Run the job named in ``argv`` after bootstrapping; print usage on a bad name."""
    if len(argv) != 1 or argv[0] not in JOBS:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap()
    return JOBS[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
