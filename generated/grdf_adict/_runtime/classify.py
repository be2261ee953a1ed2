# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""From an error response to the typed exception: by HTTP status, refined by GRDF's code.

Apart from :mod:`errors` (the classes) and :mod:`grdf_codes` (GRDF's codes, which subclass
them), so that neither imports the other in a circle.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import (
    STATUS_CLASSES,
    ApiError,
    ServerError,
    UnexpectedStatus,
    parse_retry_after,
)
from .grdf_codes import CODE_CLASSES


def _grdf_code_and_message(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    if "code_statut_traitement" in body:
        return body.get("code_statut_traitement"), body.get("message_retour_traitement")
    restitution = body.get("statut_restitution")
    if isinstance(restitution, dict):
        return restitution.get("code"), restitution.get("message")
    if "code" in body or "message" in body:
        code = body.get("code")
        return (str(code) if code is not None else None), body.get("message")
    return None, None


def error_for(
    status: int, content: bytes, *, operation: str, retry_after: str | None = None
) -> ApiError:
    """The exception for an error response: by status, refined by GRDF's code when known."""
    try:
        body: Any = json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        body = content[:500].decode("utf-8", "replace")
    code, message = _grdf_code_and_message(body)
    if status in STATUS_CLASSES:
        cls = STATUS_CLASSES[status]
    elif 500 <= status < 600:
        cls = ServerError
    else:
        cls = UnexpectedStatus
    refined = CODE_CLASSES.get(code or "")
    if refined is not None and issubclass(refined, cls):
        cls = refined
    return cls(
        status,
        operation=operation,
        code=code,
        message=message,
        body=body,
        retry_after=parse_retry_after(retry_after),
    )
