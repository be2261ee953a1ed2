"""What GRDF adds to an answer model reaches the mock's stateful answers and the client.

Tried as a new user would: an optional field added to ``demander_acces_out`` in a copy of
the project; generate names it in the coverage report, the mock's declaration answer
carries it (from the spec, as the default answers do), and the regenerated client reads it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance.behaviours import ANSWERED_FIELDS, HANDWRITTEN, answer_models, spec_only_fields
from tests.mock_process import grdfkit_mock

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_every_answered_field_is_one_of_the_spec_s() -> None:
    """A field listed for a model the spec no longer gives it is a stale declaration."""
    for api in ("adict", "suivi_demande"):
        document = json.loads((ROOT / "generated" / "openapi" / f"{api}.openapi.json").read_text())
        schemas = document["components"]["schemas"]
        for item in document["paths"].values():
            for operation in item.values():
                if (
                    not isinstance(operation, dict)
                    or operation.get("operationId") not in HANDWRITTEN[api]
                ):
                    continue
                assert spec_only_fields(api, operation, schemas) == {}, operation["operationId"]
                for model in answer_models(operation).values():
                    key = f"{api}:{model}"
                    schema = schemas[model]
                    while "$ref" in schema:
                        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
                    assert ANSWERED_FIELDS[key] <= set(schema.get("properties", {})), key


DRIVE = """
import sys
sys.path.insert(0, sys.argv[1])
from grdf_adict import AdictClient
assert __import__("grdf_adict").__file__.startswith(sys.argv[1])
with AdictClient("grdfkit-demo", "grdfkit-demo-secret", environment="mock",
                 base_url=sys.argv[2] + "/adict/bas/v6", quota=None) as client:
    answer = client.declarer_droit_acces(
        "09999999928289", role_tiers="DETENTEUR_CONTRAT_FOURNITURE",
        raison_sociale="Test 5", code_postal="51800")
print(answer.canal_creation)
"""


@pytest.mark.slow
def test_a_field_grdf_adds_reaches_the_answer_and_the_client(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    text = spec.read_text()
    anchor = "  demander_acces_out:\n"
    at = text.index(anchor)
    properties = text.index("    properties:\n", at) + len("    properties:\n")
    spec.write_text(
        text[:properties]
        + "      canal_creation:\n        type: string\n        example: PORTAIL\n"
        + text[properties:]
    )
    manifest = tmp_path / "specs" / "apis.toml"
    generated = tmp_path / "generated"
    done = subprocess.run(
        [str(BIN / "grdfkit"), "generate", "--manifest", str(manifest), "--output", str(generated)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "coverage: adict PUT /pce/{id_pce}/droit_acces: answered from the spec, no hand-written "
        "value: demander_acces_out.canal_creation" in " ".join(done.stderr.split())
    ), done.stderr
    with grdfkit_mock("--no-quotas", manifest=manifest) as origin:
        run = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(DRIVE), str(generated), origin],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "PORTAIL"


def test_a_stream_s_last_line_is_completed_as_its_trailer_whatever_its_fields() -> None:
    import asyncio
    from collections.abc import AsyncIterator

    from conformance.mock.completion import _lines

    async def body(chunks: list[bytes]) -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def run(chunks: list[bytes], trailer: dict[str, int] | None) -> bytes:
        return b"".join([line async for line in _lines(body(chunks), {"a": 1}, trailer)])

    split = [b'{"x": 1}\n{"y"', b': 2}\n{"z": 3}\n']
    assert asyncio.run(run(split, {"t": 2})) == (
        b'{"x": 1, "a": 1}\n{"y": 2, "a": 1}\n{"z": 3, "t": 2}\n'
    )
    assert asyncio.run(run([b'{"x": 1}\n{"y": 2}'], None)) == b'{"x": 1, "a": 1}\n{"y": 2, "a": 1}'
    assert asyncio.run(run([b"not json\n"], None)) == b"not json\n"
