"""datamodel-code-generator, in-process: models of every schema of a REST API.

Two flavours from the same normalised document:

- pydantic v2 models (``generated/grdf_models/<api>.py``): the mock and the conformance suite
  validate bodies with them, so they cannot drift from the specs;
- msgspec Structs (``<package>/structs.py``): what the clients decode responses and stream
  lines into, several times faster than ``json.loads`` into dicts.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter, PythonVersion

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api


def _without_date_patterns(node: Any) -> Any:
    """Pydantic validates ``date`` itself and cannot take a pattern on it: drop the pattern."""
    if isinstance(node, list):
        return [_without_date_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _without_date_patterns(value) for key, value in node.items()}
    if out.get("format") in ("date", "date-time"):
        out.pop("pattern", None)
    return out


def generate_models(
    api: Api, document: dict[str, Any], *, structs: bool = False
) -> tuple[str, list[Diagnostic]]:
    """Source of a module with a model per schema: pydantic v2, or msgspec with ``structs``."""
    if not (document.get("components") or {}).get("schemas"):
        return f'"""{api.name} declares no schema: no model to generate."""\n', []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = generate(
            _without_date_patterns(copy.deepcopy(document)),
            input_file_type=InputFileType.OpenAPI,
            output_model_type=(
                DataModelType.MsgspecStruct if structs else DataModelType.PydanticV2BaseModel
            ),
            # nullable: true must give `X | None`, or GRDF's many nulls fail to decode
            strict_nullable=structs,
            target_python_version=PythonVersion.PY_311,
            disable_timestamp=True,
            field_constraints=True,
            use_annotated=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_schema_description=True,
            # a schema's title names its model: GRDF's keys Model_1 / Model_5 say nothing
            use_title_as_name=True,
            use_double_quotes=True,
            formatters=[Formatter.BUILTIN],
        )
    diagnostics = [
        Diagnostic(f"{api.spec} (datamodel-code-generator)", Severity.WARNING, str(w.message))
        for w in caught
        if not issubclass(w.category, DeprecationWarning)
    ]
    return str(source), diagnostics
