"""The ``grdfkit`` script: the command line, or one clear line when the toolkit is absent.

``pip install grdfkit`` alone gives the generated clients and their runtime; the commands
need the ``toolkit`` extra (the generators, the mock, the suite). Without it the script says
so and exits 2 instead of a traceback.
"""

from __future__ import annotations

import sys

#: Our own top-level packages: a missing one of these is a bug to show, not a missing extra.
_OURS = ("codegen", "conformance", "grdfkit", "grdf_")


def main() -> None:
    """Run the command line."""
    try:
        from grdfkit.cli import main as cli_main
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.startswith(_OURS):
            raise
        sys.stderr.write(
            f"error: grdfkit's commands need its toolkit ({exc.name} is not installed): "
            "pip install 'grdfkit[toolkit]'\n"
        )
        raise SystemExit(2) from None
    cli_main()
