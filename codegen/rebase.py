"""Three-way merge of spec trees: carry GRDF's changes into our spec, keep ours, name conflicts.

``base`` is GRDF's previous export, ``ours`` our spec, ``theirs`` GRDF's new export, each a
tree of :mod:`codegen.spectree` (keyed arrays by key, set-like arrays as sets, so nothing is
compared by index). At every node:

- only GRDF changed it: **applied** (theirs);
- only we changed it: **kept** (ours);
- both made the same change: **adopted** (GRDF made our fix; nothing left to carry);
- both changed it differently: **conflict**, ours kept (the project keeps working), with
  base, ours and theirs reported; a set (``enum``, ``required``...) merges value by value
  instead, GRDF's new values beside ours;
- we changed something GRDF removed: **orphaned** (GRDF's removal wins, our change is listed);
- we removed something GRDF changed: a **conflict** (our removal kept).

Pure: trees in, a merged tree and the list of decisions out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from codegen.spectree import ABSENT, Digest, Keyed, ValueSet, canonical, locator, pointer, unview


class Kind(StrEnum):
    """What happened at one node."""

    APPLIED = "applied"
    KEPT = "kept"
    ADOPTED = "adopted"
    CONFLICT = "conflict"
    ORPHANED = "orphaned"


#: The kinds that need a person's decision (exit 1).
NEEDS_DECISION = frozenset({Kind.CONFLICT, Kind.ORPHANED})


@dataclass(frozen=True)
class Decision:
    """One node where base, ours and theirs are not all equal, and what the merge did."""

    kind: Kind
    path: tuple[str, ...]
    base: Any
    ours: Any
    theirs: Any
    note: str = ""

    @property
    def pointer(self) -> str:
        """The node as a JSON pointer over the keyed tree."""
        return pointer(self.path)

    @property
    def locator(self) -> str:
        """The node as a reader names it."""
        return locator(self.path)

    def as_json(self) -> dict[str, Any]:
        """The decision as JSON-ready data (absent values as ``null`` with a flag)."""

        def shown(value: Any) -> Any:
            if value is ABSENT:
                return None
            if isinstance(value, Digest):
                return {"sha256": value.sha256}
            if isinstance(value, dict):
                return (
                    {k: shown(v) for k, v in value.items()}
                    if not isinstance(value, Keyed)
                    else [shown(v) for v in value.values()]
                )
            return unview(value)

        return {
            "kind": str(self.kind),
            "pointer": self.pointer,
            "locator": self.locator,
            "base": shown(self.base),
            "ours": shown(self.ours),
            "theirs": shown(self.theirs),
            "absent": [
                n
                for n, v in (("base", self.base), ("ours", self.ours), ("theirs", self.theirs))
                if v is ABSENT
            ],
            "note": self.note,
        }


@dataclass
class Merge:
    """The merged tree and every decision taken."""

    tree: Any
    decisions: list[Decision] = field(default_factory=list)

    def of(self, kind: Kind) -> list[Decision]:
        """The decisions of one kind, in document order."""
        return [d for d in self.decisions if d.kind is kind]

    @property
    def needs_decision(self) -> bool:
        """Whether a person must look (a conflict or an orphan)."""
        return any(d.kind in NEEDS_DECISION for d in self.decisions)


def _mapping(value: Any) -> bool:
    return isinstance(value, dict)


def _same_shape(*values: Any) -> bool:
    present = [v for v in values if v is not ABSENT]
    return (
        bool(present) and all(_mapping(v) for v in present) and len({type(v) for v in present}) == 1
    )


def _merge_sets(
    base: Any, ours: ValueSet, theirs: ValueSet, path: tuple[str, ...], out: list[Decision]
) -> ValueSet:
    before = {canonical(v): v for v in (base if isinstance(base, ValueSet) else ())}
    mine = {canonical(v): v for v in ours}
    grdf = {canonical(v): v for v in theirs}
    removed = (set(before) - set(mine)) | (set(before) - set(grdf))
    merged = [v for k, v in mine.items() if k not in removed]
    merged += [v for k, v in grdf.items() if k not in mine and k not in removed]
    came = [v for k, v in grdf.items() if k not in before]
    gone = [v for k, v in before.items() if k not in grdf]
    if came or gone:
        note = ", ".join([*(f"+{v!r}" for v in came), *(f"-{v!r}" for v in gone)])
        out.append(Decision(Kind.APPLIED, path, base, ours, theirs, f"values {note}"))
    if set(mine) != set(before):
        out.append(Decision(Kind.KEPT, path, base, ours, theirs, "our values kept"))
    return ValueSet(merged)


def _merge_mappings(
    base: Any, ours: Any, theirs: Any, path: tuple[str, ...], out: list[Decision]
) -> Any:
    merged: dict[str, Any] = Keyed() if isinstance(ours, Keyed) else {}
    for key in [*ours, *(k for k in theirs if k not in ours)]:
        value = merge_node(
            base.get(key, ABSENT), ours.get(key, ABSENT), theirs.get(key, ABSENT), (*path, key), out
        )
        if value is not ABSENT:
            merged[key] = value
    return merged


def merge_node(
    base: Any, ours: Any, theirs: Any, path: tuple[str, ...], out: list[Decision]
) -> Any:
    """The merged value of one node (``ABSENT`` when it is gone); decisions go to ``out``."""
    if ours == base and theirs == base:
        return ours
    if (
        base is not ABSENT
        and _same_shape(base, ours, theirs)
        and ours is not ABSENT
        and (theirs is not ABSENT)
    ):
        return _merge_mappings(base, ours, theirs, path, out)
    if ours == theirs:
        if ours != base:
            out.append(Decision(Kind.ADOPTED, path, base, ours, theirs))
        return ours
    if ours == base:
        out.append(Decision(Kind.APPLIED, path, base, ours, theirs))
        return theirs
    if theirs == base:
        out.append(Decision(Kind.KEPT, path, base, ours, theirs))
        return ours
    if theirs is ABSENT:
        out.append(
            Decision(
                Kind.ORPHANED,
                path,
                base,
                ours,
                theirs,
                "GRDF removed what we changed; GRDF's removal is kept",
            )
        )
        return ABSENT
    if ours is ABSENT:
        out.append(
            Decision(
                Kind.CONFLICT,
                path,
                base,
                ours,
                theirs,
                "we removed what GRDF changed; our removal is kept",
            )
        )
        return ABSENT
    if (
        isinstance(ours, ValueSet)
        and isinstance(theirs, ValueSet)
        and (base is ABSENT or isinstance(base, ValueSet))
    ):
        return _merge_sets(base, ours, theirs, path, out)
    if _same_shape(ours, theirs) and (base is ABSENT or _same_shape(base, ours)):
        return _merge_mappings({} if base is ABSENT else base, ours, theirs, path, out)
    out.append(
        Decision(
            Kind.CONFLICT, path, base, ours, theirs, "both changed it differently; ours is kept"
        )
    )
    return ours


def merge(base: Any, ours: Any, theirs: Any) -> Merge:
    """Three-way merge of whole trees."""
    decisions: list[Decision] = []
    tree = merge_node(base, ours, theirs, (), decisions)
    return Merge(tree, decisions)
