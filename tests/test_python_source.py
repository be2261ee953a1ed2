"""The IR holds the runtime's own objects; one printer writes them into ``_api.py``."""

from __future__ import annotations

import json
from pathlib import Path

from codegen.ir import build_client
from codegen.manifest import load_manifest
from codegen.python_source import python_source
from codegen.runtime import planning
from codegen.runtime.operation import Operation
from codegen.runtime.planning import Call, Format, Param, Upload
from codegen.runtime.soap_client import Param as StepParam
from codegen.runtime.soap_client import Step

ROOT = Path(__file__).resolve().parent.parent


def test_printed_values_read_back_as_the_same_objects() -> None:
    call = Call(
        operation=Operation("op", "PUT", "/x/{id}", False, aliases=("/y/{id}",)),
        params=(
            Param("id", "id", "path", required=True, format=Format("pce", r"^\d{14}$", "14")),
            Param("roles", "role", "query", kind="list", choices=("A", "B"), max_items=3),
        ),
        history_years=5,
        upload=Upload("preuves", 3, 4_000_000, (".pdf",)),
        rules=("declaration",),
        required_by_role={"AUTORISE": ("courriel",)},
    )
    names = {c.__name__: c for c in (Call, Format, Param, Upload, Operation)}
    assert eval(python_source(call), names) == call
    table = {"op": call.operation}
    printed = python_source(call, {Operation: "OPERATIONS"})
    assert printed.startswith("Call(operation=OPERATIONS['op'], params=(")
    assert eval(printed, {**names, "OPERATIONS": table}) == call
    step = Step("S", "urn:s", "Rq", "Rp", (StepParam("a", "A", rule="pce"),), {"V": "1"})
    assert eval(python_source(step), {"Step": Step, "Param": StepParam}) == step
    assert python_source(("one",)) == "('one',)"


def test_the_ir_carries_the_runtime_s_call_of_each_operation() -> None:
    manifest = load_manifest()
    api = manifest.apis["adict"]
    document = json.loads((ROOT / "generated" / "openapi" / "adict.openapi.json").read_text())
    ir = build_client(api, document, None)
    calls = {m.operation_id: m.call for m in ir.methods}
    declare = calls["droit_acces"]
    assert isinstance(declare, planning.Call) and declare.rules == ("declaration",)
    assert declare.operation.method == "PUT" and not declare.operation.idempotent
    assert {p.where for p in declare.params} == {"path", "body"}


def test_no_template_restates_a_runtime_shape() -> None:
    templates = (ROOT / "codegen" / "templates" / "package").glob("*.jinja")
    for template in templates:
        text = template.read_text()
        assert 'replace("[", "(")' not in text, template.name
        assert "Param(" not in text and "Step(" not in text and "Call(" not in text, template.name
