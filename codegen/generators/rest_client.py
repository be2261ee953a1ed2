"""openapi-python-client, in-process: its parser reads each operation, its templating renders ours.

Its parser turns the normalised OpenAPI document into endpoints that already carry Python
names (parameters, body properties, reserved words escaped), what is required, where each
parameter goes, and the operations it could not read. The client IR (:mod:`codegen.ir`)
takes those from here, and GRDF's typing (``x-grdf-*``) from the spec. The package's files
are rendered by our templates (:mod:`codegen.assemble`); its stock modules (endpoint
functions and attrs models that call GRDF without the runtime's OAuth, quota and retries)
are not written at all.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import ErrorLevel, GeneratorError
from openapi_python_client.parser.openapi import Endpoint, generate_operation_id
from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import PythonIdentifier

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api


@dataclass(frozen=True)
class Argument:
    """One parameter or body property as openapi-python-client read it."""

    python_name: str
    required: bool


@dataclass
class Operation:
    """One endpoint: its arguments by ``(wire name, location)``; body properties as ``body``."""

    name: str
    arguments: dict[tuple[str, str], Argument] = field(default_factory=dict)


@dataclass
class Parsed:
    """What the parser read of one API."""

    #: Each endpoint read, by the Python name the parser gave it.
    operations: dict[str, Operation]
    diagnostics: list[Diagnostic]
    field_prefix: str = "field_"

    def operation(self, operation_id: str | None, path: str, method: str) -> Operation | None:
        """The endpoint read for this operation of the spec (``None``: the parser skipped it)."""
        if operation_id:
            name = PythonIdentifier(operation_id, prefix=self.field_prefix)
        else:
            name = generate_operation_id(
                path=UntrustedString(path), method=method, prefix=self.field_prefix
            )
        return self.operations.get(str(name))


def _diagnostic(api: Api, error: GeneratorError) -> Diagnostic:
    severity = Severity.WARNING if error.level is ErrorLevel.WARNING else Severity.ERROR
    detail = f": {error.detail}" if error.detail else ""
    return Diagnostic(f"{api.spec} (openapi-python-client)", severity, f"{error.header}{detail}")


def _config(api: Api) -> Config:
    return Config.from_sources(
        ConfigFile(
            # NDJSON bodies are read by the package's own stream reader; mapping the media
            # type to JSON keeps the operations instead of dropping them with a warning.
            content_type_overrides={m: "application/json" for m in api.stream_media_types},
            post_hooks=[],
            package_name_override=api.package,
            project_name_override=api.package,
        ),
        MetaType.NONE,
        Path(api.spec),
        "utf-8",
        True,
        None,
    )


def _wire(value: Any) -> str:
    """A name as the spec spells it (the parser wraps the spec's strings as untrusted)."""
    getter = getattr(value, "get_untrusted_value", None)
    return str(getter() if getter is not None else value)


def _operation(endpoint: Endpoint) -> Operation:
    operation = Operation(str(endpoint.name))
    for location, properties in (
        ("path", endpoint.path_parameters),
        ("query", endpoint.query_parameters),
        ("header", endpoint.header_parameters),
    ):
        for prop in properties:
            operation.arguments[(_wire(prop.name), location)] = Argument(
                str(prop.python_name), bool(prop.required) or location == "path"
            )
    for body in endpoint.bodies:
        model: Any = body.prop
        fields: list[tuple[bool, Any]] = [
            (True, getattr(model, "required_properties", None) or ()),
            (False, getattr(model, "optional_properties", None) or ()),
        ]
        for required, members in fields:
            for member in members:
                operation.arguments[(_wire(member.name), "body")] = Argument(
                    str(member.python_name), required
                )
    return operation


def parse(api: Api, document: dict[str, Any]) -> tuple[Parsed | None, list[Diagnostic]]:
    """Read ``api``'s normalised OpenAPI 3 document with openapi-python-client's parser."""
    config = _config(api)
    with contextlib.redirect_stdout(io.StringIO()):
        data = GeneratorData.from_dict(document, config=config)
    if isinstance(data, GeneratorError):
        return None, [_diagnostic(api, data)]
    diagnostics = [_diagnostic(api, e) for e in data.errors]
    operations: dict[str, Operation] = {}
    for collection in data.endpoint_collections_by_tag.values():
        for endpoint in collection.endpoints:
            operations[str(endpoint.name)] = _operation(endpoint)
        for error in collection.parse_errors:
            diagnostics.append(_diagnostic(api, error))
    return Parsed(operations, diagnostics, config.field_prefix), []
