"""What covers each operation: its typed methods, the mock's behaviour, the table rows.

The CLI passes what the generator knows (the normalised documents it rendered and the
methods of each operation); this module adds the suite's side: whether the mock has a
hand-written behaviour for the operation or serves the spec's default, and how
many rows of ``conformance/tables`` exercise it. ``grdfkit check`` fails on what
:func:`stale_declarations` finds: a mock override or a table row naming an operation the
specs no longer have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codegen.spec_doc import operations
from conformance.behaviours import spec_only_fields
from conformance.facts.tables import load_table


@dataclass(frozen=True)
class Coverage:
    """One operation and what covers it."""

    api: str
    operation_id: str
    label: str
    methods: tuple[str, ...]
    handwritten: bool
    rows: int
    #: Fields of its answers only the spec gives a value (``model.field``): GRDF added them.
    spec_only: tuple[str, ...] = ()

    @property
    def mock(self) -> str:
        """``hand-written`` (the mock's own behaviour) or ``spec default``."""
        return "hand-written" if self.handwritten else "spec default"

    @property
    def gaps(self) -> list[str]:
        """What a demanding user would want written by hand for this operation."""
        found = []
        if not self.handwritten:
            found.append("no hand-written mock behaviour (the mock answers from the spec)")
        if not self.rows:
            found.append("no table rows (only the property tests check it)")
        if self.spec_only:
            found.append(
                f"answered from the spec, no hand-written value: {', '.join(self.spec_only)}"
            )
        return found


def handwritten_operations(api: str) -> frozenset[str]:
    """The operationIds of ``api`` the mock serves with hand-written behaviour."""
    from conformance.behaviours import HANDWRITTEN

    return HANDWRITTEN.get(api, frozenset())


def _yaml_rows(file: str) -> list[dict[str, Any]]:
    data = load_table(file) or {}
    rows = data.get("rows", data) if isinstance(data, dict) else data
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def row_labels() -> Counter[tuple[str, str]]:
    """``(api, "METHOD /path")`` of every ADICT table row, counted; Suivi's under ``*``."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in _yaml_rows("adict_cases.yaml"):
        counts[("adict", str(row.get("operation")))] += 1
    # Suivi's return-code rows name a trigger, not an operation: they exercise its one
    # operation, whatever its path
    counts[("suivi_demande", "*")] += len(_yaml_rows("suivi_return_codes.yaml"))
    return counts


def labels(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(operationId, "METHOD /path")`` of every operation of a normalised document."""
    return [
        (str(operation.get("operationId")), f"{method.upper()} {path}")
        for path, method, operation in operations(document)
    ]


def coverage(
    documents: Mapping[str, Mapping[str, Any]],
    methods: Mapping[tuple[str, str], tuple[str, ...]],
) -> list[Coverage]:
    """Every operation of ``documents`` (``{api: normalised document}``) with its coverage."""
    rows = row_labels()
    out = []
    for api, document in sorted(documents.items()):
        operations = labels(document)
        schemas = (document.get("components") or {}).get("schemas") or {}
        for operation_id, label in operations:
            count = rows.get((api, label), 0)
            if len(operations) == 1:
                count += rows.get((api, "*"), 0)
            handwritten = operation_id in handwritten_operations(api)
            spec_only: tuple[str, ...] = ()
            if handwritten:
                method, path = label.split(" ", 1)
                operation = document["paths"][path][method.lower()]
                spec_only = tuple(
                    f"{model}.{name}"
                    for model, names in spec_only_fields(api, operation, schemas).items()
                    for name in names
                )
            out.append(
                Coverage(
                    api,
                    operation_id,
                    label,
                    methods.get((api, operation_id), ()),
                    handwritten,
                    count,
                    spec_only,
                )
            )
    return out


#: How ``tjdc_return_codes.yaml`` names the step a row sends (``run``) -> the WSDL operation.
_TJDC_RUNS = {
    "verifier": ("VerifierRecevabiliteTJDC",),
    "creer": ("CreerDemandeTJDC",),
    "dialogue": ("VerifierRecevabiliteTJDC", "CreerDemandeTJDC"),
}


def soap_coverage(api: str, operations: Mapping[str, tuple[str, ...]]) -> list[Coverage]:
    """Every SOAP operation of ``api`` (``{operation: its methods}``) with its coverage."""
    rows: Counter[str] = Counter()
    if api == "tjdc":
        for row in _yaml_rows("tjdc_return_codes.yaml"):
            for operation in _TJDC_RUNS.get(str(row.get("run")), ()):
                rows[operation] += 1
    return [
        Coverage(
            api,
            operation,
            f"SOAP {operation}",
            methods,
            operation in handwritten_operations(api),
            rows[operation],
        )
        for operation, methods in sorted(operations.items())
    ]


def stale_declarations(
    documents: Mapping[str, Mapping[str, Any]],
    soap_operations: Mapping[str, frozenset[str]] | None = None,
) -> list[str]:
    """Mock overrides and table rows naming an operation no spec has (one line each).

    ``soap_operations``: the WSDL operations of each SOAP API rendered.
    """
    known = {(api, label) for api, document in documents.items() for _, label in labels(document)}
    problems = []
    for api, document in sorted(documents.items()):
        ids = {op for op, _ in labels(document)}
        problems += [
            f"conformance/behaviours.py: {api}: {name!r} is no operationId of the {api} spec"
            for name in sorted(handwritten_operations(api) - ids)
        ]
    for api, in_wsdl in sorted((soap_operations or {}).items()):
        problems += [
            f"conformance/behaviours.py: {api}: {name!r} is no operation of the {api} WSDL"
            for name in sorted(handwritten_operations(api) - in_wsdl)
        ]
    for (api, label), count in sorted(row_labels().items()):
        if label != "*" and api in documents and (api, label) not in known:
            problems.append(
                f"conformance/tables/{api}_cases.yaml: {count} row(s) name {label!r}, "
                f"which the {api} spec no longer has"
            )
    return problems
