"""Send one table row to the target and say how the answer differs from GRDF's documents.

The drivers check the *server*, so they speak HTTP and SOAP directly (the generated models
build the SOAP bodies) instead of going through the facades, whose own input rules would
refuse on the client side most of the requests a row is about. Each problem is one line
prefixed by its check's name (status, code, message, schema, ndjson_lines, type,
numero_demande); :class:`RowMismatch` carries them to the report.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.cases import TableRow
from conformance.drivers.adict import run_adict
from conformance.drivers.rows import answer_summary, compare, declaration, grdf_code, soap_payload
from conformance.drivers.session import (
    DEFAULT_PCE,
    SOAP_ENV,
    TJDC_NS,
    RowMismatch,
    RowSkipped,
    RunStopped,
    Session,
)
from conformance.drivers.suivi import run_suivi
from conformance.drivers.tjdc import run_tjdc

__all__ = [
    "DEFAULT_PCE",
    "DRIVERS",
    "SOAP_ENV",
    "TJDC_NS",
    "RowMismatch",
    "RowSkipped",
    "RunStopped",
    "Session",
    "answer_summary",
    "compare",
    "declaration",
    "grdf_code",
    "soap_payload",
]

DRIVERS: dict[str, Callable[[Session, TableRow], list[str]]] = {
    "adict": run_adict,
    "suivi_demande": run_suivi,
    "tjdc": run_tjdc,
}
