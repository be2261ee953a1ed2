"""Rebase benchmark: `grdfkit rebase` of the ADICT spec onto a next GRDF export.

    .venv/bin/python benchmarks/bench_rebase.py [--repeat N]

Needs GRDF's export 1.6 (`../shared/reference/`, or `$GRDFKIT_SHARED_DIR/reference`); without
it the benchmark says so and records nothing. Measured side by side in one run, median of N
runs each, in a fresh copy of `specs/` every time:
- the rebase in-process (rebuild the previous export from the delta, three-way merge,
  rewrite our YAML with ruamel, record the delta again): target < 2 s;
- the same as a command (`grdfkit rebase`), Python start-up and imports included;
- the floor: reading the three documents alone (our YAML, our delta, the export), as a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from benchmarks._results import record  # noqa: E402


def _export() -> Path | None:
    shared = Path(os.environ.get("GRDFKIT_SHARED_DIR", ROOT.parent / "shared"))
    path = shared / "reference" / "adict-v2-swagger-export-1.6.json"
    return path if path.is_file() else None


def _next_export(source: Path, target: Path) -> None:
    """GRDF's export with a text change, a new field and a new operation."""
    document = json.loads(source.read_text())
    document["info"]["termsOfService"] = "https://www.grdf.fr/mentions-legales"
    document["definitions"]["demander_acces_out"]["properties"]["canal"] = {"type": "string"}
    document["paths"]["/pce/{id_pce}/donnees_horaires"] = {
        "get": {"operationId": "horaires", "responses": {"200": {"description": "OK"}}}
    }
    target.write_text(json.dumps(document))


def _copy(into: Path) -> Path:
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(ROOT / "specs", into / "specs")
    return into / "specs" / "apis.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    source = _export()
    if source is None:
        print("GRDF's export 1.6 is not at hand: nothing measured")
        return 0
    import yaml

    from codegen.manifest import load_manifest
    from codegen.rebase_job import load_delta, rebase

    work = Path(tempfile.mkdtemp(prefix="grdfkit-bench-rebase-"))
    export = work / "export-next.json"
    _next_export(source, export)
    inproc, command, floor = [], [], []
    try:
        for _ in range(args.repeat):
            manifest_path = _copy(work / "p")
            manifest = load_manifest(manifest_path)
            api = manifest.apis["adict"]
            start = time.perf_counter()
            result = rebase(manifest, api, export)
            inproc.append(time.perf_counter() - start)
            assert result.merge.of  # the merge ran
            manifest_path = _copy(work / "p")
            start = time.perf_counter()
            subprocess.run(
                [str(BIN / "grdfkit"), "rebase", str(export), "--manifest", str(manifest_path)],
                check=True,
                capture_output=True,
            )
            command.append(time.perf_counter() - start)
            manifest_path = _copy(work / "p")
            start = time.perf_counter()
            text = (manifest_path.parent / "adict" / "adict-v2.yaml").read_text()
            yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            load_delta(manifest_path.parent / "adict" / "grdf-export.overlay.yaml")
            json.loads(export.read_text())
            floor.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    one, cmd, base = (statistics.median(v) for v in (inproc, command, floor))
    print(f"rebase in-process   {one:6.3f} s (median of {args.repeat})")
    print(f"rebase command      {cmd:6.3f} s")
    print(f"reading the files   {base:6.3f} s  → rebase / reading {one / base:.2f}x")
    record("rebase", "rebase of the ADICT spec (in-process)", one, "s", "lower", "< 2", 0.2)
    record("rebase", "rebase of the ADICT spec (command)", cmd, "s", "lower", None, 0.3)
    record("rebase", "rebase / reading its three files", one / base, "x", "lower", None, 0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
