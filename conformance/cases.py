"""The return-code tables of ``conformance/tables``, read into one checked row type.

Three files, three shapes (each close to its source document), one :class:`TableRow` out:
``adict_cases.yaml`` (the BAS data set and the documented messages, resolved against
``adict_messages.yaml``), ``suivi_return_codes.yaml`` (seed 001 Annexe A) and
``tjdc_return_codes.yaml`` (seed 002 Annexe A). A malformed row raises :class:`TableError`
naming the file, the row and the field.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from conformance.checks import writes
from conformance.facts.messages import messages
from conformance.facts.tables import TABLES, load_table

TargetName = Literal["mock", "bas"]


class TableError(ValueError):
    """A table row is malformed: the message names file, row and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdictExpect(_Strict):
    """What an ADICT row expects."""

    status: int
    code: str | None
    message: str | list[str] | None = Field(
        description="key of adict_messages.yaml (group.key), or several: any of them"
    )


class AdictRow(_Strict):
    """One row of ``adict_cases.yaml``."""

    id: str
    operation: str = Field(pattern=r"^(GET|PUT|POST|PATCH) /")
    path: dict[str, str] = {}
    query: dict[str, str] = {}
    body: Any = None
    changes: dict[str, Any] = {}
    raw_body: str | None = None
    files: list[tuple[str, int]] = []
    fixture: Literal["none", "active_right", "revoked_right", "pending_right", "obsolete_right"] = (
        "none"
    )
    #: Changes to the fixture's declaration (its perimeter, say).
    fixture_changes: dict[str, Any] = {}
    targets: tuple[TargetName, ...] = ("mock", "bas")
    #: The data sheet's scenario the row transcribes, with its sources.
    sheet: str | None = None
    #: Written for the sheet's year: past this history depth, GRDF's rule answers first.
    history_years: Literal[3, 5] | None = None
    note: str | None = None
    expect: AdictExpect


class SuiviRow(_Strict):
    """One row of ``suivi_return_codes.yaml``."""

    id: str
    status: int
    trigger: Literal[
        "own_demande",
        "planned",
        "missing_cdgf",
        "missing_login",
        "other_supplier",
        "unknown_demande",
        "other_verb",
        "no_token",
        "quota",
    ]
    message: str | None


class TjdcRow(_Strict):
    """One row of ``tjdc_return_codes.yaml`` (Annexe A plus how the suite reaches it)."""

    id: str
    operation: Literal["verifier", "creer", "both"]
    run: Literal["verifier", "creer", "dialogue"]
    situation: str | None = None
    type_retour_dialogue: Literal["T", "P", "A"]
    code_retour: str
    messages: list[str]
    codes: dict[str, str] = {}
    numero_demande: bool = False
    inputs: dict[str, Any] = {}
    fixture: Literal["maintenance", "opening_hours", "technical_failure"] | None = None
    targets: tuple[TargetName, ...] = ("mock", "bas")


class TableRow(_Strict):
    """One documented case, whatever its API: what to send and what GRDF says comes back."""

    api: Literal["adict", "suivi_demande", "tjdc"]
    id: str
    operation: str
    expect_status: int | None
    expect_code: str | None
    #: ADICT, Suivi Demande: the documented texts, the answer's being one of them. TJDC:
    #: the MessageRetour lines in order, as patterns (``{code}`` matches any code).
    expect_messages: tuple[str, ...]
    #: Whether GRDF publishes the code (a ``decided`` code is checked on the mock only).
    code_published: bool = True
    targets: tuple[TargetName, ...] = ("mock", "bas")
    needs_controls: bool = False
    writes: bool = False
    #: The data sheet's scenario (ADICT rows ``jdd_*``), with its sources.
    sheet: str | None = None
    #: Why the expectation differs from the sheet's, or where sources disagree.
    note: str | None = None
    #: The row as written in its table, for the driver.
    source: AdictRow | SuiviRow | TjdcRow

    @property
    def name(self) -> str:
        """``api/id``: how reports and pytest ids name the row."""
        return f"{self.api}/{self.id}"

    @property
    def expectation(self) -> str:
        """What the row checks, for reports: the status, GRDF's code and its text."""
        parts = [f"HTTP {self.expect_status}" if self.expect_status is not None else ""]
        if isinstance(self.source, TjdcRow):
            parts.append(f"{self.source.type_retour_dialogue}/{self.expect_code}")
        elif self.expect_code is not None:
            parts.append(f"code {self.expect_code}")
        if self.expect_messages:
            more = len(self.expect_messages) - 1
            text = f"« {self.expect_messages[0]} »"
            parts.append(text + (f" (or {more} other text{'s' * (more > 1)})" if more else ""))
        return ", ".join(part for part in parts if part)


def _rows(file: str) -> list[dict[str, Any]]:
    raw = load_table(file, TABLES)
    if not isinstance(raw, dict) or not isinstance(raw.get("rows"), list):
        raise TableError(f"{file}: expected a mapping with a `rows` list")
    return raw["rows"]  # type: ignore[no-any-return]


def _parse(model: type[_Strict], file: str, index: int, raw: Any) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        name = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(row)"
        raise TableError(f"{file}: row {name}: {where}: {first['msg']}") from exc


def _bodies(file: str) -> dict[str, dict[str, Any]]:
    raw = load_table(file, TABLES)
    bodies = raw.get("bodies", {}) if isinstance(raw, dict) else {}
    if not isinstance(bodies, dict) or not all(isinstance(b, dict) for b in bodies.values()):
        raise TableError(f"{file}: `bodies` must map names to JSON objects")
    return bodies


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied; a change to null leaves the field out."""
    return {k: v for k, v in (base | changes).items() if v is not None}


def _oldest(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _dated(row: AdictRow, today: date) -> AdictRow:
    """The row as GRDF's history rule makes it today (see ``history_years``)."""
    start = row.query.get("date_debut")
    if row.history_years is None or start is None:
        return row
    if date.fromisoformat(start) >= _oldest(today, row.history_years):
        return row
    key = f"history_{row.history_years}_years"
    known = messages()["restitution"][key]
    why = (
        f"the sheet's {start} is now older than {row.history_years} years: "
        "GRDF's history rule answers first"
    )
    return row.model_copy(
        update={
            "expect": AdictExpect(status=known.http, code=known.code, message=f"restitution.{key}"),
            "note": f"{row.note}; {why}" if row.note else why,
        }
    )


def _adict(file: str = "adict_cases.yaml", today: date | None = None) -> list[TableRow]:
    catalog = messages()
    bodies = _bodies(file)
    today = today or date.today()
    out = []
    for index, raw in enumerate(_rows(file)):
        row: AdictRow = _parse(AdictRow, file, index, raw)
        if isinstance(row.body, str) and row.body != "declaration":
            if row.body not in bodies:
                raise TableError(
                    f"{file}: row {row.id}: body: {row.body!r} is not `declaration` "
                    "nor a key of `bodies`"
                )
            row = row.model_copy(
                update={"body": merged(bodies[row.body], row.changes), "changes": {}}
            )
        row = _dated(row, today)
        try:
            writing = writes("adict", row.operation)
        except KeyError:
            raise TableError(
                f"{file}: row {row.id}: operation: {row.operation!r} is not an operation of "
                "the ADICT spec"
            ) from None
        text: tuple[str, ...] = ()
        published = True
        keys = row.expect.message
        for ref in [keys] if isinstance(keys, str) else keys or []:
            group, _, key = ref.partition(".")
            known = catalog.get(group, {}).get(key)
            if known is None:
                raise TableError(
                    f"{file}: row {row.id}: expect.message: {ref!r} "
                    "is not a key of adict_messages.yaml (group.key)"
                )
            if (known.code, known.http) != (row.expect.code, row.expect.status):
                raise TableError(
                    f"{file}: row {row.id}: expect: code {row.expect.code} / status "
                    f"{row.expect.status} disagree with adict_messages.yaml {ref} "
                    f"({known.code} / {known.http})"
                )
            text += (known.message,)
            published = published and known.source == "grdf"
        out.append(
            TableRow(
                api="adict",
                id=row.id,
                operation=row.operation,
                expect_status=row.expect.status,
                expect_code=row.expect.code,
                expect_messages=text,
                code_published=published,
                targets=row.targets,
                needs_controls=row.fixture != "none",
                writes=writing,
                sheet=row.sheet,
                note=row.note,
                source=row,
            )
        )
    return out


def _suivi(file: str = "suivi_return_codes.yaml") -> list[TableRow]:
    out = []
    for index, raw in enumerate(_rows(file)):
        row: SuiviRow = _parse(SuiviRow, file, index, raw)
        out.append(
            TableRow(
                api="suivi_demande",
                id=row.id,
                operation="GET /demande/v1/demandes/{numero_demande}/externe",
                expect_status=row.status,
                expect_code=str(row.status) if row.message else None,
                expect_messages=(row.message,) if row.message else (),
                targets=("mock",) if row.trigger in ("planned", "quota") else ("mock", "bas"),
                needs_controls=row.trigger == "planned",
                source=row,
            )
        )
    return out


def message_pattern(template: str) -> re.Pattern[str]:
    """A TJDC message template as a regex: each ``{name}`` matches any technical code."""
    parts = re.split(r"\{[A-Za-z0-9]+\}", template)
    return re.compile(".*?".join(re.escape(part) for part in parts) + r"\Z", re.DOTALL)


def _tjdc(file: str = "tjdc_return_codes.yaml") -> list[TableRow]:
    out = []
    for index, raw in enumerate(_rows(file)):
        row: TjdcRow = _parse(TjdcRow, file, index, raw)
        step = "CreerDemandeTJDC" if row.run != "verifier" else "VerifierRecevabiliteTJDC"
        out.append(
            TableRow(
                api="tjdc",
                id=row.id,
                operation=f"SOAP {step}",
                expect_status=200,
                expect_code=row.code_retour,
                expect_messages=tuple(row.messages),
                targets=row.targets,
                needs_controls=row.fixture is not None,
                # every step may create a request in OMEGA (a refused one too)
                writes=True,
                source=row,
            )
        )
    return out


@cache
def all_rows() -> tuple[TableRow, ...]:
    """Every row of the three tables, in file order (ADICT, Suivi Demande, TJDC)."""
    rows = (*_adict(), *_suivi(), *_tjdc())
    seen: set[str] = set()
    for row in rows:
        if row.name in seen:
            raise TableError(f"duplicate row id {row.name}")
        seen.add(row.name)
    return rows
