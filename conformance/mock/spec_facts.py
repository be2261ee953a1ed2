"""GRDF's formats and limits as the mock reads them: from our ADICT spec, never the clients'.

The mock and the generated clients both take these facts from ``specs/adict/adict-v2.yaml``
(the clients through their generated ``_api.py``), neither from the other's code, so a
wrong pattern on one side shows up as a disagreement in the conformance run.
"""

from __future__ import annotations

import re
from typing import Any

from conformance import project


def spec() -> dict[str, Any]:
    """Our ADICT spec (Swagger 2.0), as the project's manifest names it."""
    return project.spec("adict")


def _node(*path: str) -> dict[str, Any]:
    node: Any = spec()
    for key in path:
        node = node[key]
    return node  # type: ignore[no-any-return]


def _pattern(node: dict[str, Any]) -> re.Pattern[str]:
    declared = node.get("x-grdf-format") or {}
    return re.compile(str(declared.get("pattern") or node["pattern"]))


def _operation(operation_id: str) -> dict[str, Any]:
    for item in spec()["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise KeyError(operation_id)


_DECLARATION = ("definitions", "demander_acces_in", "properties")
PCE = _pattern(_node("parameters", "id_pce"))
PERIODE = _pattern(_node("parameters", "periode"))
POSTCODE = _pattern(_node(*_DECLARATION, "code_postal"))
EMAIL = _pattern(_node(*_DECLARATION, "courriel_titulaire"))
#: The supply roles (GRDF's role names end in _FOURNITURE or _INJECTION).
SUPPLY = frozenset(
    str(r) for r in _node("definitions", "role_tiers")["enum"] if str(r).endswith("_FOURNITURE")
)
_UPLOAD = _operation("preuve")["x-grdf-upload"]
PROOF_TYPES = frozenset(str(e) for e in _UPLOAD["extensions"])
PROOF_MAX_FILES = int(_UPLOAD["max-files"])
PROOF_MAX_BYTES = int(_UPLOAD["max-bytes"])
#: The ``filtre`` values of ``donnees_contractuelles``.
FILTRES = frozenset(
    str(v)
    for p in _operation("getPceId_pceDonnees_contractuelles")["parameters"]
    if isinstance(p, dict) and p.get("name") == "filtre"
    for v in p["items"]["enum"]
)


def history_years(resource: str) -> int:
    """``x-grdf-history-years`` of the data operation served at ``/pce/{id_pce}/<resource>``."""
    operation = spec()["paths"][f"/pce/{{id_pce}}/{resource}"]["get"]
    return int(operation["x-grdf-history-years"])


#: ``x-grdf-required-by-role`` of a declaration: what the roles acting for the holder give.
REQUIRED_BY_ROLE: dict[str, list[str]] = _node("definitions", "demander_acces_in").get(
    "x-grdf-required-by-role", {}
)
