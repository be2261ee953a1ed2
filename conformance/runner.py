"""``grdfkit conformance``: run the suite with pytest in-process, a progress bar, and a report.

pytest's own terminal output is replaced by a progress bar and the summary table; the JUnit
XML is pytest's, the Markdown/HTML report the plugin's. The BAS variables are checked
before pytest starts, so a missing one gives one line and exit code 2.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from conformance.cassettes import RUN_FILE
from conformance.facts.bugs import resolve
from conformance.targets import DEFAULT_BAS_BUDGET, TargetError, bas_target

SUITE = Path(__file__).resolve().parent / "suite"
ROOT = SUITE.parent.parent
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Request:
    """What the user asked for on the command line."""

    target: str = "mock"
    apis: tuple[str, ...] = ()
    junit: Path | None = None
    report: Path | None = None
    allow_writes: bool = False
    budget: int = DEFAULT_BAS_BUDGET
    examples: int | None = None
    bugs: tuple[str, ...] = ()
    record: Path | None = None
    #: No progress at all (neither bars nor lines), only the summary.
    quiet: bool = False


class _ProgressPlugin:
    """Advances a rich progress bar as pytest finishes each test."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("collecting", total=None)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.update(self.task, total=len(session.items), description="conformance")

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.progress.update(self.task, description=nodeid.split("::", 1)[-1][:60])

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.progress.advance(self.task)


class _LinesPlugin:
    """Progress as plain lines, for a log (CI, a pipe, ``tee``) where bars cannot draw.

    One line when a group of tests (a module of the suite) finishes, and one every
    ``every_s`` seconds inside a long group, with the counts so far, the calls spent and
    the time elapsed.
    """

    def __init__(
        self,
        say: Callable[[str], None],
        calls: Callable[[], int],
        every_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.say = say
        self.calls = calls
        self.every_s = every_s
        self.clock = clock
        self.started = self.last = clock()
        self.total = 0
        self.done = 0
        self.group = ""
        self.counts: Counter[str] = Counter()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        self.say(f"[{self.clock() - self.started:5.0f} s] {self.total} tests to run")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.counts[report.outcome] += 1

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        group = _group(nodeid)
        if self.group and group != self.group:
            self._line(f"{self.group} done")
        self.group = group

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.done += 1
        if self.clock() - self.last >= self.every_s:
            self._line(self.group)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # a stopped run (exit 4: the target unusable) says why instead
        if self.group and exitstatus != pytest.ExitCode.USAGE_ERROR:
            self._line(f"{self.group} done")

    def _line(self, what: str) -> None:
        self.last = self.clock()
        counts = ", ".join(f"{self.counts[k]} {k}" for k in ("passed", "failed", "skipped"))
        self.say(
            f"[{self.last - self.started:5.0f} s] {what}: {self.done}/{self.total} tests "
            f"({counts}), {self.calls()} calls"
        )


def _group(nodeid: str) -> str:
    """A test's group: its module of the suite (``test_tables.py::x`` -> ``tables``)."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return module.removeprefix("test_").removesuffix(".py")


def pytest_args(request: Request) -> list[str]:
    """The pytest command line for ``request``."""
    args = [
        str(SUITE),
        "--rootdir",
        str(ROOT),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        # the project's addopts (-ra) belong to the terminal reporter this run replaces
        "-o",
        "addopts=--strict-markers",
        "--target",
        request.target,
        "--budget",
        str(request.budget),
    ]
    for api in request.apis:
        args += ["--api", api]
    for bug in request.bugs:
        args += ["--plant-bug", bug]
    if request.allow_writes:
        args.append("--allow-writes")
    if request.examples is not None:
        args += ["--examples", str(request.examples)]
    if request.junit is not None:
        args += ["--junitxml", str(request.junit)]
    if request.report is not None:
        args += ["--conformance-report", str(request.report)]
    if request.record is not None:
        args += ["--record", str(request.record)]
    return args


def check_request(request: Request) -> str | None:
    """The one-line reason ``request`` cannot run, or ``None``."""
    if request.report is not None and request.report.suffix not in (".md", ".html"):
        return f"--report {request.report}: the file must end in .md or .html"
    try:
        resolve(request.bugs)
    except ValueError as exc:
        return f"--plant-bug {exc}"
    if request.bugs and request.target != "mock":
        return "--plant-bug plants bugs in our mock: use it with --target mock"
    if request.budget < 1:
        return "--budget must be at least 1"
    if request.examples is not None and request.examples < 1:
        return "--examples must be at least 1"
    if request.target.startswith("replay:"):
        directory = Path(request.target.removeprefix("replay:"))
        if not (directory / RUN_FILE).is_file():
            return (
                f"--target {request.target}: {directory} has no {RUN_FILE} "
                "(record a run there with --record)"
            )
    if request.record is not None and request.record.is_dir() and any(request.record.iterdir()):
        return f"--record {request.record}: the directory is not empty (one run per directory)"
    if request.target == "bas":
        try:
            bas_target(request.apis or None, allow_writes=request.allow_writes, env=None)
        except TargetError as exc:
            return str(exc)
    return None


def run(request: Request, console: Console) -> int:
    """Run the suite; print progress and the summary; return the exit code."""
    from conformance import plugin
    from conformance.results import print_summary

    problem = check_request(request)
    if problem:
        console.print(f"[bold red]error:[/] {escape(problem)}", highlight=False)
        return EXIT_USAGE
    if request.quiet:
        code = pytest.main(pytest_args(request))
    elif not console.is_terminal:

        def calls() -> int:
            spent = plugin.RUN.target_obj
            return spent.budget.calls if spent is not None else 0

        def say(line: str) -> None:
            console.print(line, markup=False, highlight=False)
            console.file.flush()

        code = pytest.main(pytest_args(request), plugins=[_LinesPlugin(say, calls)])
    else:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            code = pytest.main(pytest_args(request), plugins=[_ProgressPlugin(progress)])
    result = plugin.RUN.result
    if plugin.RUN.stopped:
        console.print("[bold red]error:[/] the target cannot be used; nothing was tested")
        for line in plugin.RUN.stopped:
            console.print(f"  {escape(line)}", highlight=False)
        return EXIT_USAGE
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR) or not result.outcomes:
        console.print(f"[bold red]error:[/] the suite could not run (pytest exit code {int(code)})")
        return EXIT_USAGE
    print_summary(result, console)
    for label, path in (
        ("JUnit XML", request.junit),
        ("report", request.report),
        ("cassettes", request.record),
    ):
        if path is not None:
            console.print(f"{label}: {path}", markup=False)
    return EXIT_OK if result.ok else EXIT_FAILED
