"""xsdata, as a subprocess in a temporary directory: dataclasses for the WSDL and its XSD.

xsdata writes below its working directory, imports what it generated, and runs ``ruff`` from
``PATH``; a subprocess keeps all of that out of our process and uses our pinned ruff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api
from codegen.sources import ApiSources
from codegen.tree import Tree, read_tree


def generate_soap_models(sources: ApiSources) -> tuple[Tree, list[Diagnostic]]:
    """Generate the xsdata package of a wsdl+xsd API; return its files relative to the package."""
    api: Api = sources.api
    with tempfile.TemporaryDirectory(prefix="grdfkit-xsdata-") as tmp:
        work = Path(tmp)
        for source in (sources.spec, *sources.schemas):
            target = work / "specs" / source.relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.data)
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        package = f"{api.package}.soap"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "xsdata",
                "generate",
                str(work / "specs" / sources.spec.relpath),
                "--package",
                package,
                "--structure-style",
                "single-package",
                "--relative-imports",
                "--docstring-style",
                "Google",
                "--max-line-length",
                "100",
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        where = f"{sources.spec.relpath} (xsdata)"
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            return {}, [Diagnostic(where, Severity.ERROR, f"xsdata failed: {tail[0]}")]
        diagnostics = [
            Diagnostic(where, Severity.WARNING, line.strip())
            for line in (result.stdout + result.stderr).splitlines()
            if "warning" in line.lower()
        ]
        tree = read_tree(work / api.package)
        shutil.rmtree(work, ignore_errors=True)
        return tree, diagnostics
