"""GRDF's ADICT answers: each code with its HTTP status and exact text (``adict_messages.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance.facts.tables import load_table


@dataclass(frozen=True)
class Message:
    """One documented answer: GRDF's code, HTTP status and exact text."""

    code: str
    http: int
    message: str
    source: str


@cache
def messages() -> dict[str, dict[str, Message]]:
    """``{"restitution": {...}, "traitement": {...}}`` from ``tables/adict_messages.yaml``."""
    raw: dict[str, dict[str, dict[str, Any]]] = load_table("adict_messages.yaml")
    return {
        group: {key: Message(**value) for key, value in rows.items()} for group, rows in raw.items()
    }


def restitution(key: str) -> Message:
    """A ``statut_restitution`` answer of the data operations."""
    return messages()["restitution"][key]


def traitement(key: str) -> Message:
    """A ``code_statut_traitement`` answer of the access-right operations."""
    return messages()["traitement"][key]
