"""Broken specs fed to the CLI: one line naming the file, the place and the rule; no traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.manifest import DEFAULT_MANIFEST
from codegen.sources import MAX_EXPANDED_NODES, dangling_refs, parse_document
from grdfkit.cli import EXIT_PROBLEM, EXIT_USAGE, app

runner = CliRunner()
SPEC = DEFAULT_MANIFEST.parent / "adict" / "adict-v2.yaml"


def project_with(tmp_path: Path, spec_text: str) -> Path:
    """A copy of specs/ whose ADICT spec is ``spec_text``; returns its manifest."""
    specs = tmp_path / "specs"
    shutil.copytree(DEFAULT_MANIFEST.parent, specs)
    (specs / "adict" / "adict-v2.yaml").write_text(spec_text, encoding="utf-8")
    return specs / "apis.toml"


def dangling_spec() -> str:
    text = SPEC.read_text(encoding="utf-8")
    return text.replace(
        "'#/definitions/demander_acces_in'", "'#/definitions/demander_acces_inX'", 1
    )


def alias_bomb() -> str:
    lines = [
        'swagger: "2.0"',
        "info: {title: bomb, version: '1'}",
        "paths: {}",
        "x-bomb:",
        "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def test_the_dangling_ref_fixture_really_dangles() -> None:
    assert "'#/definitions/demander_acces_in'" in SPEC.read_text(encoding="utf-8")


def command_args(command: str, manifest: Path, tmp_path: Path, *, broken_first: bool) -> list[str]:
    """The arguments of ``command`` on the project of ``manifest`` (diff: against our spec)."""
    common = ["--manifest", str(manifest), "--api", "adict"]
    if command == "generate":
        return ["generate", *common, "--output", str(tmp_path / "out")]
    if command == "diff":
        broken = str(manifest.parent / "adict" / "adict-v2.yaml")
        pair = [broken, str(SPEC)] if broken_first else [str(SPEC), broken]
        return ["diff", *pair, *common]
    return [command, *common]


def one_error_line(output: str) -> str:
    errors = [
        line
        for line in output.splitlines()
        if "error:" in line and "nothing written" not in line  # generate's closing line
    ]
    assert len(errors) == 1, output
    assert "Traceback" not in output
    return errors[0]


@pytest.mark.parametrize("command", ["validate", "generate", "diff"])
def test_a_dangling_ref_is_one_line_naming_file_pointer_and_target(
    tmp_path: Path, command: str
) -> None:
    manifest = project_with(tmp_path, dangling_spec())
    result = runner.invoke(app, command_args(command, manifest, tmp_path, broken_first=False))
    assert result.exit_code == (EXIT_PROBLEM if command == "validate" else EXIT_USAGE)
    line = one_error_line(result.output)
    assert "adict-v2.yaml#/" in line and "/$ref" in line
    assert "#/definitions/demander_acces_inX is not defined" in line
    assert len(line) < 400
    assert "BREAKING" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["validate", "generate", "diff"])
def test_a_yaml_alias_bomb_is_refused_in_one_line(tmp_path: Path, command: str) -> None:
    manifest = project_with(tmp_path, alias_bomb())
    result = runner.invoke(app, command_args(command, manifest, tmp_path, broken_first=True))
    assert result.exit_code in (EXIT_PROBLEM, EXIT_USAGE)
    line = one_error_line(result.output)
    assert re.search(r"adict-v2\.yaml:\d+:\d+: the spec expands to more than", line), line


def test_a_recursive_alias_is_refused() -> None:
    problem = parse_document(b"a: &x [1, *x]\n", "loop.yaml")
    assert not isinstance(problem, dict)
    assert "refers to a node that contains it" in problem.message


def test_anchors_within_the_limit_still_load() -> None:
    text = b"base: &b {type: string}\nx: *b\ny: *b\n"
    assert parse_document(text, "ok.yaml") == {
        "base": {"type": "string"},
        "x": {"type": "string"},
        "y": {"type": "string"},
    }
    assert MAX_EXPANDED_NODES >= 100_000


def test_dangling_refs_lists_each_with_its_pointer() -> None:
    document = {
        "definitions": {"a": {"type": "string"}, "b~c/d": {}},
        "paths": {"/x": {"get": {"schema": {"$ref": "#/definitions/missing"}}}},
        "ok": [{"$ref": "#/definitions/a"}, {"$ref": "#/definitions/b~0c~1d"}],
        "list": [{"$ref": "#/definitions/a/properties/n"}],
    }
    assert dangling_refs(document) == [
        ("/paths/~1x/get/schema/$ref", "#/definitions/missing", "#/definitions/missing"),
        ("/list/0/$ref", "#/definitions/a/properties/n", "#/definitions/a/properties"),
    ]


def test_user_text_with_square_brackets_is_printed_literally(tmp_path: Path) -> None:
    """The manifest's pattern error quotes ``^[a-z][a-z0-9_]*$`` whole, not as markup."""
    text = DEFAULT_MANIFEST.read_text(encoding="utf-8").replace(
        'package = "grdf_adict"', 'package = "Grdf-Adict"', 1
    )
    manifest = tmp_path / "apis.toml"
    manifest.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", "--manifest", str(manifest)])
    assert result.exit_code == EXIT_USAGE
    assert "^[a-z][a-z0-9_]*$" in result.output, result.output
