#!/usr/bin/env python3
"""Bootstrap the project's virtual environment and run its two jobs.

    python3 scripts/dev.py main   # validate, regenerate, conformance suite on the mock, report
    python3 scripts/dev.py test   # the whole test suite: ruff, mypy --strict, pytest
    python3 scripts/dev.py test -m "not slow"   # the fast tier alone (pytest arguments)
    python3 scripts/dev.py bench [--quick] [--only NAME ...]   # every benchmark's figures

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


def ensure_debian(packages: dict[str, str], why: str) -> None:
    """Install the Debian packages whose command (the key) is missing."""
    missing = [package for command, package in packages.items() if not shutil.which(command)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"error: {', '.join(missing)} missing; install (Debian: apt-get install ...)")
    _say(f"installing {', '.join(missing)} ({why})")
    if (
        _run("apt-get", "update", "-qq") != 0
        or _run("apt-get", "install", "-y", "-qq", *missing) != 0
    ):
        sys.exit(f"error: could not install {', '.join(missing)} with apt-get")


def ensure_test_services() -> None:
    """Install what the tests use for real: Debian's redis-server and chromium."""
    ensure_debian(
        {"redis-server": "redis-server", "chromium": "chromium"},
        "the shared-quota tests need a real Redis; the HTML report is checked in a browser",
    )


def job_test(pytest_args: list[str]) -> int:
    """Lint, type-check and run every test (or what ``pytest_args`` select)."""
    ensure_test_services()
    # installed above: a test that needs them fails rather than skips without them
    os.environ["GRDFKIT_REQUIRE_REDIS"] = "1"
    os.environ["GRDFKIT_REQUIRE_CHROMIUM"] = "1"
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
        # two workers: the end-to-end tests wait on subprocesses and sockets, so the
        # machine's two cores are only both busy with two of them running at once
        (BIN / "pytest", "-q", "-n", "2", *pytest_args),
    ]
    for step in steps:
        code = _run(*step)
        if code != 0:
            return code
    return 0


def job_main(_args: list[str]) -> int:
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


def job_bench(args: list[str]) -> int:
    """Every benchmark: figures into benchmarks/results.json and the README's tables."""
    ensure_debian(
        {"wrk": "wrk", "redis-server": "redis-server"},
        "the mock benchmark loads with wrk; the quota benchmark shares a real Redis",
    )
    return _run(BIN / "python", "-m", "benchmarks.run", *args)


JOBS = {"test": job_test, "main": job_main, "bench": job_bench}


def main(argv: list[str]) -> int:
    """Run the job named in ``argv`` after bootstrapping; print usage on a bad name."""
    if not argv or argv[0] not in JOBS or (argv[0] == "main" and len(argv) > 1):
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap()
    return JOBS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
