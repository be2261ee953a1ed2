"""openapi-python-client, in-process, with our templates and ``--meta none``."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

from openapi_python_client import Project
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import ErrorLevel, GeneratorError

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api
from codegen.tree import Tree, read_tree

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "openapi_python_client"


def _diagnostic(api: Api, error: GeneratorError) -> Diagnostic:
    severity = Severity.WARNING if error.level is ErrorLevel.WARNING else Severity.ERROR
    detail = f": {error.detail}" if error.detail else ""
    return Diagnostic(f"{api.spec} (openapi-python-client)", severity, f"{error.header}{detail}")


def generate_rest_client(api: Api, document: dict[str, Any]) -> tuple[Tree, list[Diagnostic]]:
    """Generate the client package of ``api`` from its normalised OpenAPI 3 document."""
    with tempfile.TemporaryDirectory(prefix="grdfkit-opc-") as tmp:
        output = Path(tmp) / api.package
        config = Config.from_sources(
            ConfigFile(
                # NDJSON bodies are read by the package's own stream reader; mapping the media
                # type to JSON keeps the operations instead of dropping them with a warning.
                content_type_overrides={m: "application/json" for m in api.stream_media_types},
                post_hooks=[],  # one pinned ruff formats the whole tree in the post-process stage
                package_name_override=api.package,
                project_name_override=api.package,
            ),
            MetaType.NONE,
            Path(api.spec),
            "utf-8",
            True,
            output,
        )
        with contextlib.redirect_stdout(io.StringIO()):
            data = GeneratorData.from_dict(document, config=config)
            if isinstance(data, GeneratorError):
                return {}, [_diagnostic(api, data)]
            errors = Project(openapi=data, config=config, custom_template_path=TEMPLATES).build()
        diagnostics = [_diagnostic(api, e) for e in errors]
        return read_tree(output), diagnostics
