"""The conformance suite's pytest plugin, loaded by ``conformance/suite/conftest.py``.

Adds ``--target mock|bas`` and the run's other options, builds the target (starting the
mock, or reading the ``GRDFKIT_BAS_*`` variables), records each conformance test's outcome
and calls, and writes the reports. Only a run of ``conformance/suite`` loads it; it acts on
tests marked ``conformance``::

    pytest conformance/suite --target mock --conformance-report report.md
    pytest conformance/suite --target bas --api adict --budget 100 --record cassettes/bas
    pytest conformance/suite --target replay:cassettes/bas
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from rich.console import Console
from schemathesis.core.failures import Failure

from codegen.runtime.recording import Recorder
from conformance import audit
from conformance.budget import BudgetSpent
from conformance.cassettes import CassetteError, Run, load
from conformance.drivers import RunStopped, Session
from conformance.facts.bugs import PLANTED_BUGS, resolve
from conformance.recording import recorder_for_run, write_run_file
from conformance.results import Outcome, RunResult, html_report, markdown, print_summary
from conformance.targets import (
    APIS,
    DEFAULT_BAS_BUDGET,
    Target,
    TargetError,
    bas_target,
    mock_target,
    replay_target,
)

#: Property-test examples per operation by default: enough for >1000 calls on the mock,
#: a handful on the BAS (each is a real call at one per second).
DEFAULT_EXAMPLES = {"mock": 100, "bas": 2, "replay": 2}


@dataclass
class RunOptions:
    """The options of one conformance run, as the command line gave them."""

    target: str = "mock"
    apis: tuple[str, ...] = ()
    allow_writes: bool = False
    budget: int = DEFAULT_BAS_BUDGET
    examples: int = DEFAULT_EXAMPLES["mock"]
    bugs: tuple[str, ...] = ()
    report: Path | None = None
    #: The BAS target, built at configure time so missing variables stop the run at once.
    bas: Target | None = None
    #: ``--record DIR``: every call to the target is written there.
    recorder: Recorder | None = None
    #: ``--target replay:DIR``: the recorded run replayed.
    replay: Path | None = None
    replay_run: Run | None = None
    result: RunResult = field(default_factory=lambda: RunResult("mock", []))
    started: float = field(default_factory=time.monotonic)
    #: When the run started, on the wall clock (the report says it).
    started_at: datetime = field(default_factory=audit.now)
    target_obj: Target | None = None
    session: Session | None = None
    #: Why the run was stopped before its end (one line per API), if it was.
    stopped: list[str] = field(default_factory=list)

    @property
    def acts_as(self) -> str:
        """The target whose rules apply: a replay acts as the target it recorded."""
        if self.replay_run is not None and self.replay_run.target:
            return self.replay_run.target
        return self.target

    def scrub(self, text: str) -> str:
        """``text`` with every secret and token of the run masked."""
        if self.session is not None:
            for secret in self.session.secrets():
                text = text.replace(secret, "********")
        return text


#: The options of the run in progress (one pytest session per process).
RUN = RunOptions()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's command-line options."""
    group = parser.getgroup("grdfkit", "GRDF conformance suite (conformance/suite)")
    group.addoption(
        "--target",
        default="mock",
        help=(
            "mock: start our mock (default); bas: GRDF's sandbox, from GRDFKIT_BAS_* "
            "variables; replay:DIR: the run recorded in DIR, replayed by our mock"
        ),
    )
    group.addoption(
        "--record",
        default=None,
        metavar="DIR",
        help="write every exchange with the target to cassettes in DIR (see grdfkit drift)",
    )
    group.addoption(
        "--api",
        action="append",
        choices=APIS,
        default=[],
        help="run only this API (repeatable; default: all the target has)",
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        help="bas: also run the rows that create or change data (declarations, TJDC requests)",
    )
    group.addoption(
        "--budget",
        type=int,
        default=DEFAULT_BAS_BUDGET,
        help=f"bas: hard ceiling of calls for the run (default {DEFAULT_BAS_BUDGET})",
    )
    group.addoption(
        "--examples",
        type=int,
        default=None,
        help="property-test examples per operation (default: mock 100, bas 2)",
    )
    group.addoption(
        "--plant-bug",
        action="append",
        default=[],
        help=f"mock: plant a bug ({', '.join(PLANTED_BUGS)}, or all); repeatable",
    )
    group.addoption(
        "--conformance-report",
        default=None,
        help="write the report here (.md Markdown, .html HTML)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; read the options; check the BAS variables before anything runs."""
    config.addinivalue_line(
        "markers", "conformance(kind, api): a test of the GRDF conformance suite"
    )
    try:
        bugs = resolve(config.getoption("plant_bug") or ())
    except ValueError as exc:
        raise pytest.UsageError(f"--plant-bug {exc}") from None
    target = str(config.getoption("target"))
    replay: Path | None = None
    run: Run | None = None
    if target.startswith("replay:"):
        replay, target = Path(target.removeprefix("replay:")), "replay"
        try:
            run = load(replay).run
        except CassetteError as exc:
            raise pytest.UsageError(f"--target replay:{replay}: {exc}") from None
        if run.target is None:
            raise pytest.UsageError(
                f"--target replay:{replay}: no run.json there "
                "(record one with grdfkit conformance --record DIR)"
            )
    elif target not in ("mock", "bas"):
        raise pytest.UsageError(f"--target {target}: use mock, bas or replay:DIR")
    if bugs and target != "mock":
        raise pytest.UsageError("--plant-bug plants bugs in our mock: use it with --target mock")
    examples = config.getoption("examples")
    report = config.getoption("conformance_report")
    recorded = run.options if run is not None else {}
    global RUN
    RUN = RunOptions(
        target=target,
        apis=tuple(config.getoption("api") or ()),
        allow_writes=bool(config.getoption("allow_writes") or recorded.get("allow_writes")),
        budget=int(recorded.get("budget") or config.getoption("budget")),
        examples=int(
            examples if examples is not None else recorded.get("examples", DEFAULT_EXAMPLES[target])
        ),
        bugs=bugs,
        report=Path(report) if report else None,
        replay=replay,
        replay_run=run,
    )
    if config.getoption("record"):
        RUN.recorder = recorder_for_run(str(config.getoption("record")))
    RUN.result = RunResult(target, list(RUN.apis or APIS), planted_bugs=bugs)
    if target == "bas":
        try:
            RUN.bas = bas_target(RUN.apis or None, allow_writes=RUN.allow_writes, budget=RUN.budget)
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from None
        RUN.result.apis = RUN.bas.apis()
        RUN.result.left_out = dict(RUN.bas.left_out)
        RUN.result.budget_limit = RUN.budget
    if run is not None:
        RUN.result.apis = [api for api in APIS if api in run.apis]
        RUN.result.budget_limit = RUN.budget


def property_settings() -> settings:
    """Hypothesis settings of the property tests for this run (derandomised: same examples)."""
    return settings(
        max_examples=RUN.examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _marker(item: pytest.Item) -> tuple[str, str] | None:
    mark = item.get_closest_marker("conformance")
    if mark is None:
        return None
    return str(mark.kwargs["kind"]), str(mark.kwargs["api"])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the APIs not asked for (``--api``) or not configured (BAS)."""
    if RUN.bas:
        wanted = set(RUN.bas.apis())
    elif RUN.replay_run is not None:
        wanted = set(RUN.apis or APIS) & set(RUN.replay_run.apis)
    else:
        wanted = set(RUN.apis or APIS)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        marker = _marker(item)
        (drop if marker and marker[1] not in wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # the documented cases first: on the BAS they get the call budget before the fuzzing
    order = {kind: rank for rank, kind in enumerate(("table", "property", "stateful", "quota"))}
    keep.sort(key=lambda item: order.get((_marker(item) or ("", ""))[0], len(order)))
    items[:] = keep


def _using(target: Target, record: Callable[[str, object], None]) -> Target:
    """Make ``target`` the run's, and write the reports' header from it (JUnit's too)."""
    RUN.target_obj = target
    options = {
        "apis": ", ".join(RUN.apis),
        "examples": RUN.examples,
        "budget": RUN.budget if RUN.target != "mock" else None,
        "allow-writes": RUN.allow_writes,
        "planted bugs": ", ".join(RUN.bugs),
        "replay of": str(RUN.replay) if RUN.replay else None,
    }
    RUN.result.header = audit.header(target, RUN.started_at, options)
    for label, value in RUN.result.header:
        record(label, value)
    return target


@pytest.fixture(scope="session")
def target(record_testsuite_property: Callable[[str, object], None]) -> Iterator[Target]:
    """The run's target: the mock, started for the session, or the BAS."""
    record = record_testsuite_property
    if RUN.target == "bas":
        assert RUN.bas is not None
        yield _using(RUN.bas, record)
        return
    if RUN.replay is not None and RUN.replay_run is not None:
        with replay_target(RUN.replay, RUN.replay_run, RUN.budget) as replaying:
            yield _using(replaying, record)
        return
    with mock_target(RUN.apis or APIS, RUN.bugs) as started:
        yield _using(started, record)


@pytest.fixture(scope="session")
def grdf(target: Target) -> Iterator[Session]:
    """HTTP to the target through the run's budget, with tokens and the mock's controls."""
    session = Session(target, RUN.recorder)
    problems = session.preflight()
    if problems:
        session.close()
        _stop(problems)
    if RUN.recorder is not None:
        options = {"allow_writes": RUN.allow_writes, "budget": RUN.budget, "examples": RUN.examples}
        write_run_file(RUN.recorder, target, options)
    RUN.session = session
    yield session
    session.close()


def _subject(item: pytest.Item, kind: str, api: str) -> str:
    name = item.name
    param = name[name.index("[") + 1 : -1] if "[" in name else name
    return param if kind == "table" else f"{api} {param}"


def _checks(exc: BaseException | None) -> tuple[str, ...]:
    """The names of the checks that failed, from the exception tree of a failed test."""
    found: list[str] = []

    def walk(error: BaseException) -> None:
        names = getattr(error, "checks", None)
        if isinstance(names, (tuple, list)) and names:
            # a schemathesis failure class lists every check that may raise it: the first
            # is the one that did for the failures we see (schema before headers)
            found.extend(str(n) for n in (names[:1] if isinstance(error, Failure) else names))
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                walk(inner)
        elif error.__cause__ is not None:
            walk(error.__cause__)

    if exc is not None:
        walk(exc)
    return tuple(dict.fromkeys(found))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tag what the test sends (fixtures included) with its conformance case."""
    marker = _marker(item)
    if RUN.recorder is not None:
        RUN.recorder.case = _subject(item, *marker) if marker else item.nodeid


def _stop(lines: list[str]) -> None:
    """End the whole run now: the target cannot be used (exit code 2, these lines said)."""
    RUN.stopped = lines
    pytest.exit("\n".join(lines), returncode=int(pytest.ExitCode.USAGE_ERROR))


def _stopped(exc: BaseException) -> RunStopped | None:
    if isinstance(exc, RunStopped):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        group = exc.subgroup(RunStopped)
        if group is not None:
            return next(e for e in _leaves(group) if isinstance(e, RunStopped))
    cause = exc.__cause__ or exc.__context__
    return _stopped(cause) if cause is not None else None


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for inner in group.exceptions:
        if isinstance(inner, BaseExceptionGroup):
            yield from _leaves(inner)
        else:
            yield inner


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """Count the calls each conformance test makes (and tag its cassettes).

    A token refused (or a token endpoint gone) in the middle of the run stops the run, as
    at its start: every later test would fail the same way.
    """
    before = RUN.target_obj.budget.calls if RUN.target_obj else 0
    try:
        return (yield)
    except Exception as exc:
        stopped = _stopped(exc)
        if stopped is not None:
            _stop(stopped.lines)
        raise
    finally:
        if _marker(item) is not None and RUN.target_obj is not None:
            item.stash[_CALLS] = RUN.target_obj.budget.calls - before


_CALLS = pytest.StashKey[int]()
_OUTCOME = pytest.StashKey[Outcome]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Record each conformance test's outcome; a spent budget becomes a skip."""
    report = yield
    marker = _marker(item)
    if marker is None:
        return report
    kind, api = marker
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, BudgetSpent) or (
        isinstance(exc, BaseExceptionGroup) and exc.subgroup(BudgetSpent) is not None
    ):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), 0, f"Skipped: {exc}")
    if report.failed and RUN.session is not None:
        # tokens and secrets never reach the terminal, JUnit or the report
        report.longrepr = RUN.scrub(str(report.longrepr))
    outcome = item.stash.get(_OUTCOME, None)
    if outcome is None:
        outcome = Outcome(kind, api, _subject(item, kind, api), checked=_checked(item))
        item.stash[_OUTCOME] = outcome
        RUN.result.outcomes.append(outcome)
        if outcome.checked:  # JUnit writes the item's properties with its last report
            item.user_properties.append(("checked", outcome.checked))
    if report.when == "call" or report.outcome != "passed":
        if report.skipped:
            outcome.outcome = "skipped"
            outcome.detail = _skip_reason(report)
        elif report.failed:
            outcome.outcome = "failed" if report.when == "call" else "error"
            outcome.checks = _checks(exc)
            outcome.detail = RUN.scrub(_failure_text(exc))
        elif outcome.outcome != "skipped":
            outcome.outcome = "passed"
    outcome.answered = str(dict(item.user_properties).get("answered", outcome.answered))
    outcome.calls = item.stash.get(_CALLS, 0)
    outcome.seconds += report.duration
    return report


def _checked(item: pytest.Item) -> str:
    """What a table row checks (its expectation); empty for the other kinds of test."""
    callspec = getattr(item, "callspec", None)
    row = callspec.params.get("row") if callspec is not None else None
    return str(getattr(row, "expectation", ""))


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _failure_text(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(_failure_text(inner) for inner in exc.exceptions)
    return str(exc).strip() or type(exc).__name__


def _finish() -> RunResult:
    result = RUN.result
    result.seconds = time.monotonic() - RUN.started
    if RUN.target_obj is not None:
        result.calls = RUN.target_obj.budget.calls
        result.budget_limit = RUN.target_obj.budget.limit
    return result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fill the run's totals and write the report file if asked."""
    if not RUN.result.outcomes:
        return
    result = _finish()
    if RUN.report is not None:
        RUN.report.parent.mkdir(parents=True, exist_ok=True)
        text = html_report(result) if RUN.report.suffix == ".html" else markdown(result)
        RUN.report.write_text(text, encoding="utf-8")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The summary table after pytest's own summary."""
    if RUN.result.outcomes:
        print_summary(_finish(), Console(soft_wrap=True))
