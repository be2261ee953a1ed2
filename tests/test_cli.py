"""``grdfkit`` as a user runs it: help that teaches, exit codes that scripts can trust."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from codegen.manifest import DEFAULT_MANIFEST
from grdfkit.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, app

runner = CliRunner()
BIN = Path(sys.executable).parent


def test_help_lists_commands_and_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "validate" in result.output
    assert "Exit codes" in result.output


def _commands() -> dict[str, str]:
    """Each command's name, as typed, and its docstring."""
    commands = {}
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        commands[name] = command.callback.__doc__ or ""
    return commands


def test_every_help_reads_whole_on_an_80_column_terminal() -> None:
    """Nothing cut short ("…"), and every example of a docstring on one line of its own."""
    commands = _commands()
    assert {"mock", "conformance", "drift", "generate"} <= commands.keys()
    for name, doc in commands.items():
        result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        assert "…" not in result.output, f"{name} --help cuts text short:\n{result.output}"
        shown = [line.strip() for line in result.output.splitlines()]
        examples = [ln.strip() for ln in doc.splitlines() if ln.strip().startswith("grdfkit ")]
        assert examples, f"{name} --help gives no example"
        for example in examples:
            assert example in shown, f"{name} --help wraps the example {example!r}"
        usage = next(line for line in shown if line.startswith("Usage:"))
        assert "{" not in usage, f"{name}: arguments read as templates: {usage}"


def test_validate_all_specs_passes() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == EXIT_OK, result.output
    for api in ("adict", "suivi_demande", "tjdc"):
        assert api in result.output


def test_unknown_api_is_a_usage_error() -> None:
    result = runner.invoke(app, ["validate", "--api", "enedis"])
    assert result.exit_code == EXIT_USAGE
    assert "unknown API 'enedis'" in result.output


def test_missing_manifest_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--manifest", str(tmp_path / "apis.toml")])
    assert result.exit_code == EXIT_USAGE
    assert "cannot read the manifest" in result.output


def test_invalid_spec_exits_1_and_names_the_problem(tmp_path: Path) -> None:
    text = DEFAULT_MANIFEST.read_text(encoding="utf-8").replace(
        'spec = "adict/adict-v2.yaml"', 'spec = "broken.yaml"'
    )
    (tmp_path / "apis.toml").write_text(text, encoding="utf-8")
    for rel in (
        "suivi_demande/suivi-demande-v1.yaml",
        "tjdc/CreerDemandeTJDC.wsdl",
        "tjdc/CreerDemandeTJDC.xsd",
    ):
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((DEFAULT_MANIFEST.parent / rel).read_bytes())
    (tmp_path / "broken.yaml").write_text("swagger: '2.0'\ninfo: {title: t}\npaths: {}\n")
    result = runner.invoke(
        app, ["validate", "--manifest", str(tmp_path / "apis.toml"), "--api", "adict"]
    )
    assert result.exit_code == EXIT_PROBLEM
    assert "broken.yaml" in result.output
    assert "version" in result.output


def test_mock_refuses_a_bad_client_spec_in_one_line() -> None:
    result = runner.invoke(app, ["mock", "--client", "acme:secret:small:not-a-cdgf"])
    assert result.exit_code == EXIT_USAGE
    assert "CDG-F 'not-a-cdgf' is not 9 letters or digits" in result.output
    result = runner.invoke(app, ["mock", "--tls-cert", "cert.pem"])
    assert result.exit_code == EXIT_USAGE
    assert "--tls-cert and --tls-key go together" in result.output


def test_mock_names_the_only_set_of_quirks() -> None:
    result = runner.invoke(app, ["mock", "--quirks", "enedis"])
    assert result.exit_code == EXIT_USAGE
    assert "--quirks 'enedis': the only set of quirks is 'bas'" in result.output


def test_drift_allow_names_every_kind_it_accepts() -> None:
    from conformance.drift_kinds import KINDS

    result = runner.invoke(app, ["drift", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for kind in KINDS:
        assert kind in result.output, kind


def test_mock_on_a_busy_port_says_so_in_one_line_and_prints_no_banner() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [str(BIN / "grdfkit"), "mock", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stdout == "", "no banner for a mock that is not listening"
    assert result.stderr.strip().count("\n") == 0
    assert f"--port {port}: cannot listen there (Address already in use)" in result.stderr


def test_mock_on_port_zero_names_the_port_it_got_and_answers_there() -> None:
    import httpx

    mock = subprocess.Popen(
        [str(BIN / "grdfkit"), "mock", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert mock.stdout is not None
        first = mock.stdout.readline()
        found = re.search(r"on http://127\.0\.0\.1:(\d+)", first)
        assert found and found.group(1) != "0", first
        token_line = mock.stdout.readline() + mock.stdout.readline()
        assert f":{found.group(1)}/oauth2/aus5y2ta2uEHjCWIR417/v1/token" in token_line
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{found.group(1)}/adict/bas/v6/droits_acces")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the mock never answered"
                time.sleep(0.1)
        assert answer.status_code == 401  # there, and asking for a token
    finally:
        mock.terminate()
        mock.wait(timeout=10)
