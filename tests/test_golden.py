"""Golden tests: each small spec under tests/golden exercises one generator feature; its
whole rendered tree must equal the committed expected tree.

When a change to the generator is intended, run ``python -m tests.golden.regenerate`` and
review the diff of tests/golden.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.tree import compare, read_tree
from tests.golden.regenerate import cases, rendered_tree


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_golden_tree(case: Path) -> None:
    expected = read_tree(case / "expected")
    changes = compare(expected, rendered_tree(case))
    assert not changes, "\n".join(f"{c.kind}: {c.path}\n{c.diff}" for c in changes[:3])


def test_every_feature_has_a_case() -> None:
    assert {c.name for c in cases()} == {
        "swagger2_json_get",
        "swagger2_ndjson_stream",
        "swagger2_multipart_upload",
        "openapi3_header_param",
        "wsdl_xsd_soap",
    }


def test_ndjson_errors_lose_the_stream_media_type() -> None:
    import json

    document = json.loads(
        (_case("swagger2_ndjson_stream") / "expected" / "openapi" / "demo.openapi.json").read_text()
    )
    responses = document["paths"]["/lignes"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["application/x-ndjson"]
    assert list(responses["500"]["content"]) == ["application/json"]


def test_multipart_upload_keeps_its_media_type() -> None:
    import json

    case = _case("swagger2_multipart_upload")
    document = json.loads((case / "expected" / "openapi" / "demo.openapi.json").read_text())
    body = document["paths"]["/dossiers/{id}/preuves"]["put"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]


def _case(name: str) -> Path:
    return next(c for c in cases() if c.name == name)
