"""Problems found in specs or the manifest, collected as values and printed once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors stop generation, warnings do only under ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: where it is (file and JSON/XML path), how bad, and what rule it breaks."""

    location: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.location}: {self.message}"


def has_errors(diagnostics: list[Diagnostic], *, strict: bool = False) -> bool:
    """True when ``diagnostics`` hold an error, or any problem at all under ``strict``."""
    return any(d.severity is Severity.ERROR or strict for d in diagnostics)
