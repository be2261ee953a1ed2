"""Code generator benchmark: full, no-op and check times, against the raw generator CLIs.

    .venv/bin/python benchmarks/bench_codegen.py [--repeat N]

Measured side by side in one run on the same specs, median of N runs each:
- full regeneration (`grdfkit generate --force`), as a command;
- no-op regeneration (inputs unchanged), as a command and in-process, each as a ratio of the
  full one (target <= 5 %: the in-process figure is the regeneration work itself, the
  command adds Python start-up and imports);
- `grdfkit check`;
- the raw generator CLIs run alone on the same (normalised) specs: openapi-python-client
  and datamodel-codegen for both REST APIs, xsdata for TJDC; our full regeneration should
  cost <= 1.2x their sum.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from benchmarks._results import record  # noqa: E402


def timed(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run(*argv: str | Path, cwd: Path = ROOT) -> None:
    # The raw CLIs (xsdata, openapi-python-client's post-hooks) call `ruff` from PATH.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="grdfkit-bench-"))
    output = work / "generated"
    grdfkit = BIN / "grdfkit"

    full = timed(lambda: run(grdfkit, "generate", "--force", "--output", output), repeat)
    noop_cmd = timed(lambda: run(grdfkit, "generate", "--output", output), repeat)

    from codegen.generation import stale_apis
    from codegen.manifest import load_manifest

    manifest = load_manifest()
    apis = list(manifest.apis.values())
    assert stale_apis(manifest, apis, output) == [], "the no-op path would regenerate"
    noop_inproc = timed(lambda: stale_apis(manifest, apis, output), repeat * 5)
    check = timed(lambda: run(grdfkit, "check", "--output", output), repeat)

    specs = ROOT / "specs"
    normalised = output / "openapi"

    def raw_generators() -> None:
        raw = work / "raw"
        shutil.rmtree(raw, ignore_errors=True)
        raw.mkdir()
        for api in ("adict", "suivi_demande"):
            document = normalised / f"{api}.openapi.json"
            run(
                BIN / "openapi-python-client",
                "generate",
                "--path",
                document,
                "--meta",
                "none",
                "--output-path",
                raw / f"client_{api}",
                "--overwrite",
            )
            run(
                BIN / "datamodel-codegen",
                "--input",
                document,
                "--input-file-type",
                "openapi",
                "--output-model-type",
                "pydantic_v2.BaseModel",
                "--disable-timestamp",
                "--formatters",
                "builtin",
                "--output",
                raw / f"models_{api}.py",
            )
        run(
            BIN / "xsdata",
            "generate",
            specs / "tjdc" / "CreerDemandeTJDC.wsdl",
            "--package",
            "tjdc_raw",
            cwd=raw,
        )

    raw = timed(raw_generators, repeat)
    shutil.rmtree(work, ignore_errors=True)

    rows = [
        ("full regeneration (command)", full, ""),
        ("no-op regeneration (command)", noop_cmd, f"{noop_cmd / full:6.1%} of full"),
        (
            "no-op regeneration (in-process)",
            noop_inproc,
            f"{noop_inproc / full:6.1%} of full (target <= 5 %)",
        ),
        ("check (command)", check, f"{check / full:6.2f}x full"),
        ("raw generator CLIs, summed", raw, ""),
        ("full regeneration / raw CLIs", full / raw, "ratio (target <= 1.2x)"),
    ]
    print(f"grdfkit code generator, median of {repeat} run(s), 3 APIs")
    for label, value, note in rows:
        unit = "x" if "/" in label else "s"
        print(f"  {label:<34} {value:8.3f} {unit}  {note}")
    record("codegen", "full regeneration, 3 APIs (command)", full, "s", "lower")
    record(
        "codegen",
        "no-op regeneration (in-process) / full",
        noop_inproc / full,
        "x",
        "lower",
        "<= 0.05",
        floor=0.01,
    )
    # the command's no-op is Python's start-up and imports: a few hundredths either way
    record(
        "codegen", "no-op regeneration (command) / full", noop_cmd / full, "x", "lower", floor=0.05
    )
    record("codegen", "check (command) / full", check / full, "x", "lower")
    record("codegen", "full regeneration / raw generator CLIs", full / raw, "x", "lower", "<= 1.2")


if __name__ == "__main__":
    main()
