"""GRDF's sandbox data sheet (``tables/bas_data_sheet.yaml``), read into checked records.

The file is data with its sources; this module only parses it (a malformed entry raises
:class:`SheetError` naming the entry and the field) and answers the mock's questions: what
is known of a PCE, which rights every client starts with, and which special answer the sheet
documents for one request.
"""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from conformance.facts.tables import TABLES

SHEET = TABLES / "bas_data_sheet.yaml"
#: Namespace of the right ids the sheet does not give (decided: derived from the PCE).
RIGHT_IDS = uuid.UUID("6f1c3a52-4b8e-4d7a-9c1e-5a0d2f7b9e31")


class SheetError(ValueError):
    """An entry of the data sheet is malformed: the message names it and the field."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    src: str
    decided: str | None = None


class SheetPce(_Entry):
    """A PCE of the sheet."""

    frequence: Literal["1M", "6M", "MM", "JJ"]
    code_postal: str | None = Field(description="null: the sheet shows no accepted postcode")
    date_mes: str | None = None
    contrat: Literal["echu"] | None = None


class SheetRight(_Entry):
    """An access right every client has from the start."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str | None = None
    id_pce: str
    role_tiers: str
    etat: Literal["Active", "A valider", "Révoquée", "Obsolète", "Refusée"]
    statut_controle_preuve: str | None = None
    obsolete: Literal["holder_moved", "expired"] | None = None
    revoked_by: Literal["Titulaire", "Tiers"] | None = None

    @property
    def right_id(self) -> str:
        """GRDF's id, or one derived from the PCE and role (decided)."""
        return self.id or str(uuid.uuid5(RIGHT_IDS, f"{self.id_pce}/{self.role_tiers}"))

    def fields(self, defaults: dict[str, Any], code_postal: str | None) -> dict[str, Any]:
        """The declared fields: the sheet's defaults, its PCE's postcode, this right's own."""
        own = self.model_extra or {}
        return {**defaults, "code_postal": code_postal, **own, "role_tiers": self.role_tiers}


class Special(_Entry):
    """A documented answer to one request, whatever the generic rules would say."""

    operation: str
    id_pce: str | None = None
    id_droit_acces: str | None = None
    query: dict[str, str] | None = None
    answer: str | None = None
    #: The answer arrives at the end of a started stream.
    stream: bool = False
    #: A BAS quirk the mock reproduces only in ``--quirks bas`` mode.
    quirk: Literal["first_object_unclosed"] | None = None


class DataSheet(BaseModel):
    """The whole sheet."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    sources: dict[str, str]
    pces: dict[str, SheetPce]
    right_defaults: dict[str, Any]
    rights: list[SheetRight]
    specials: list[Special]

    def special(
        self,
        operation: str,
        *,
        id_pce: str = "",
        right: str = "",
        query: dict[str, str] | None = None,
    ) -> Special | None:
        """The sheet's special answer to this request, if it documents one."""
        for entry in self.specials:
            if entry.operation != operation:
                continue
            if entry.id_pce is not None and entry.id_pce != id_pce:
                continue
            if entry.id_droit_acces is not None and entry.id_droit_acces != right:
                continue
            if entry.query is not None and entry.query != (query or {}):
                continue
            return entry
        return None

    def decided(self) -> list[str]:
        """Every value of the sheet the mock decided, one line each."""
        lines = [f"PCE {k}: {p.decided}" for k, p in self.pces.items() if p.decided]
        lines.append(f"rights: {self.right_defaults.get('decided')}")
        lines += [f"right on {r.id_pce}: {r.decided}" for r in self.rights if r.decided]
        lines += [
            f"{s.operation} ({s.id_pce or s.id_droit_acces}): {s.decided}"
            for s in self.specials
            if s.decided
        ]
        return lines


@cache
def sheet(path: Path = SHEET) -> DataSheet:
    """The data sheet, parsed once."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return DataSheet.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SheetError(f"{path.name}: {where}: {first['msg']}") from exc


def rights_defaults() -> dict[str, Any]:
    """The sheet's default right fields (without its ``decided`` note)."""
    return {k: v for k, v in sheet().right_defaults.items() if k != "decided"}
