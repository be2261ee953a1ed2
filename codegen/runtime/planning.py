# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""From typed arguments to a planned call, following what the spec declares of each operation.

The generated ``_api.py`` describes every operation as a :class:`Call`: its parameters (where
each goes, its Python type, the spec's pattern, enum and array limits) and the GRDF rules
that apply (history depth, upload limits, named rules such as ``declaration``). This module
implements each kind of check once; the generated facades only pass their arguments on.
Every refusal is a :class:`ValidationError` naming the field and the rule.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from . import rules
from .errors import ValidationError
from .http import PlannedCall
from .operation import Operation

#: A proof to upload: a path, or a (file name, content) pair.
Proof = Path | str | tuple[str, bytes]

Where = Literal["path", "query", "body", "files"]
Kind = Literal["text", "date", "vrai_faux", "enum", "list", "files"]


@dataclass(frozen=True)
class Format:
    """A pattern the spec gives a value (``x-grdf-format``), the rule it names, its wording."""

    rule: str
    pattern: str
    says: str

    def check(self, value: Any, field_name: str) -> None:
        """Refuse ``value`` unless it is a string matching the pattern."""
        if not isinstance(value, str) or not _compiled(self.pattern).search(value):
            raise ValidationError(
                field_name, self.rule, f"{value!r} is not {self.says}"
            )


@dataclass(frozen=True)
class Param:
    """One argument of a method: its Python name, its name and place on the wire, its checks."""

    name: str
    wire: str
    where: Where
    kind: Kind = "text"
    required: bool = False
    format: Format | None = None
    choices: tuple[str, ...] = ()
    max_items: int | None = None
    #: What is sent when the argument is left out (GRDF's ``Faux`` for its booleans).
    default: str | None = None


@dataclass(frozen=True)
class Upload:
    """``x-grdf-upload``: the multipart field and GRDF's limits on the files."""

    field: str
    max_files: int
    max_bytes: int
    extensions: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """One operation as the client plans it: where each argument goes and which rules apply."""

    operation: Operation
    params: tuple[Param, ...] = ()
    #: ``x-grdf-history-years``: periode xor dates, within that many years of history.
    history_years: int | None = None
    upload: Upload | None = None
    #: Named rules of :data:`NAMED_RULES`, applied after the parameters' own checks.
    rules: tuple[str, ...] = ()
    #: ``x-grdf-required-by-role`` of the body: fields each role must give.
    required_by_role: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    """The spec's pattern (JSON Schema: a search), its final ``$`` meaning the very end.

    Python's ``$`` also matches before a final newline; a PCE number and a newline is no PCE.
    """
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        anchored = pattern.endswith("$") and not pattern.endswith("\\$")
        strict = pattern[:-1] + r"\Z" if anchored else pattern
        compiled = _PATTERNS[pattern] = re.compile(strict)
    return compiled


def _scalar(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _check_choice(param: Param, value: Any) -> str:
    value = _scalar(value)
    if not isinstance(value, str) or (param.choices and value not in param.choices):
        raise ValidationError(
            param.name, "enum", f"{value!r} is not one of {', '.join(param.choices)}"
        )
    return value


def _check_text(param: Param, value: Any) -> str:
    if param.choices:
        return _check_choice(param, value)
    if param.format is not None:
        param.format.check(value, param.name)
    elif not isinstance(value, str):
        raise ValidationError(param.name, "string", f"{value!r} is not a string")
    return str(value)


def _check_list(param: Param, value: Any) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError(param.name, "array", f"{value!r} is not a list")
    if param.max_items is not None and len(value) > param.max_items:
        raise ValidationError(
            param.name,
            f"max_{param.max_items}",
            f"{len(value)} items; GRDF takes {param.max_items} per call",
        )
    return [_check_text(param, item) for item in value]


def _check_date(param: Param, value: Any) -> str:
    if not isinstance(value, date):
        raise ValidationError(param.name, "date", f"{value!r} is not a datetime.date")
    return value.isoformat()


def proof_part(proof: Proof, field_name: str) -> tuple[str, tuple[str, bytes, str]]:
    """One multipart part: the file's name, content and media type, read from a path if given."""
    if isinstance(proof, tuple):
        name, content = proof
    else:
        path = Path(proof)
        try:
            name, content = path.name, path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                field_name, "readable_file", f"cannot read {path}: {exc.strerror}"
            ) from None
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return (field_name, (name, content, kind))


def _wire(param: Param, value: Any) -> Any:
    """The checked value as it goes on the wire (``None``: not sent)."""
    if param.kind == "vrai_faux":
        return rules.vrai_faux(value, param.name)
    if param.kind == "date":
        return _check_date(param, value)
    if param.kind == "list":
        return _check_list(param, value) or None
    if param.kind == "enum":
        return _check_choice(param, value)
    if isinstance(value, str) and not value and not param.required:
        return None
    return _check_text(param, value)


def _declaration(call: Call, values: Mapping[str, Any], today: date) -> None:
    rules.check_declaration(
        role_tiers=str(_scalar(values.get("role_tiers"))),
        nom_titulaire=values.get("nom_titulaire"),
        raison_sociale=values.get("raison_sociale"),
        date_debut_droit_acces=values.get("date_debut_droit_acces"),
        date_fin_droit_acces=values.get("date_fin_droit_acces"),
        perim_donnees_conso_debut=values.get("perim_donnees_conso_debut"),
        perim_donnees_conso_fin=values.get("perim_donnees_conso_fin"),
        perim_donnees_inj_debut=values.get("perim_donnees_inj_debut"),
        perim_donnees_inj_fin=values.get("perim_donnees_inj_fin"),
        courriel_titulaire=values.get("courriel_titulaire"),
        required_by_role=call.required_by_role,
        today=today,
    )


#: Rules a spec names in ``x-grdf-rules``, each implemented once.
NAMED_RULES: dict[str, Callable[[Call, Mapping[str, Any], date], None]] = {
    "declaration": _declaration,
}


def _unknown(call: Call, args: Mapping[str, Any]) -> None:
    known = {p.name for p in call.params}
    unknown = sorted(set(args) - known)
    if unknown:
        raise ValidationError(
            unknown[0],
            "known_parameter",
            f"{call.operation.name} takes {', '.join(sorted(known)) or 'no argument'}",
        )


def plan(
    call: Call, args: Mapping[str, Any], *, today: Callable[[], date]
) -> PlannedCall:
    """Check ``args`` against what the spec declares of ``call`` and plan the request."""
    _unknown(call, args)
    values = {name: value for name, value in args.items() if value is not None}
    path: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for param in call.params:
        value = values.get(param.name)
        if value is None:
            if param.required:
                raise ValidationError(
                    param.name, "required", f"{param.name} is required"
                )
            if param.default is not None and param.where == "body":
                body[param.wire] = param.default
            continue
        if param.kind == "files":
            if isinstance(value, (str, bytes, Path)) or not isinstance(value, Sequence):
                raise ValidationError(param.name, "array", "give a list of files")
            files.extend(proof_part(p, param.wire) for p in value)
            continue
        wire = _wire(param, value)
        if wire is None:
            continue
        if param.where == "path":
            path[param.wire] = wire
        elif param.where == "query":
            query.extend(
                (param.wire, v) for v in (wire if isinstance(wire, list) else [wire])
            )
        else:
            body[param.wire] = wire
    if call.history_years is not None or call.rules:
        day = today()
        if call.history_years is not None:
            rules.check_period(
                periode=values.get("periode"),
                date_debut=values.get("date_debut"),
                date_fin=values.get("date_fin"),
                history_years=call.history_years,
                today=day,
            )
        for name in call.rules:
            NAMED_RULES[name](call, values, day)
    if call.upload is not None:
        rules.check_proofs(
            [(name, content) for _, (name, content, _) in files],
            max_files=call.upload.max_files,
            max_bytes=call.upload.max_bytes,
            extensions=call.upload.extensions,
            field=call.upload.field,
        )
    has_body = any(p.where == "body" for p in call.params)
    return PlannedCall(
        call.operation,
        path,
        params=query,
        json=body if has_body else None,
        files=files,
    )
