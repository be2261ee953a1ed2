"""Read the cassettes a :class:`~codegen.runtime.recording.Recorder` wrote (format 2).

One reader for the two tools that use recordings: ``grdfkit drift`` (checks each exchange
against the specs and tables) and the replaying mock (answers recorded requests). The
format is described in :mod:`codegen.runtime.recording`; the reader is written against
that description, not the writer's code, as the mock is against GRDF's documents. A run
recorded by ``grdfkit conformance --record`` also has ``run.json``: what was recorded
(target, APIs, their base URLs), no secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FORMAT = "grdfkit-cassette/2"
RUN_FILE = "run.json"


class CassetteError(ValueError):
    """A cassette cannot be read: the file, the line and what is wrong."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = path, line


@dataclass(frozen=True)
class Chunk:
    """Body lines that arrived together, ``t_ms`` after the response started."""

    t_ms: float
    data: bytes


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer."""

    file: Path
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    request_headers: dict[str, str]
    #: ``{"json": ...}``, ``{"text": ...}`` or ``None``; multipart uploads have ``parts``.
    request_body: Any
    parts: tuple[dict[str, Any], ...] | None
    status: int
    response_headers: dict[str, str]
    #: A streamed (NDJSON) body, as it arrived.
    chunks: tuple[Chunk, ...] = ()
    #: Any other body: ``{"json": ...}``, ``{"text": ...}`` or ``None``.
    body: Any = None
    #: The end record was written (a cassette without one was cut short).
    complete: bool = False
    #: The last line arrived without its newline.
    unterminated: bool = False
    #: The conformance case that sent it, when recorded by ``grdfkit conformance``.
    case: str | None = None
    #: ``"sent"`` when the request carried credentials (never which).
    auth: str | None = None

    @property
    def streamed(self) -> bool:
        """Whether the answer was an NDJSON stream (recorded chunk by chunk)."""
        return "ndjson" in self.content_type

    @property
    def content_type(self) -> str:
        """The answer's ``content-type``."""
        return self.response_headers.get("content-type", "")

    @property
    def label(self) -> str:
        """``METHOD /path`` as sent."""
        return f"{self.method} {self.path}"

    def content(self) -> bytes:
        """The answer's body as bytes (JSON re-serialised; redacted fields stay redacted)."""
        if self.chunks:
            return b"".join(chunk.data for chunk in self.chunks)
        return body_bytes(self.body)

    def request_content(self) -> bytes:
        """The request's body as bytes (multipart: its parts' digests)."""
        if self.parts is not None:
            return json.dumps(self.parts, sort_keys=True).encode()
        return body_bytes(self.request_body)


def body_bytes(body: Any) -> bytes:
    """A recorded ``{"json"|"text": ...}`` body as bytes."""
    if not body:
        return b""
    if "json" in body:
        return json.dumps(body["json"], ensure_ascii=False).encode()
    return str(body.get("text", "")).encode()


def read(path: Path) -> Exchange:
    """The exchange of one cassette file; :class:`CassetteError` names what is wrong."""
    raw = path.read_bytes()
    lines = raw.split(b"\n", 1)
    if not raw.strip():
        raise CassetteError(path, 1, "empty file")
    head = _json(path, 1, lines[0])
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise CassetteError(path, 1, f"not a {FORMAT} cassette (no head record with its format)")
    try:
        request, response = head["request"], head["response"]
        method, req_path = str(request["method"]), str(request["path"])
        status = int(response["status"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CassetteError(path, 1, f"the head lacks {exc}") from None
    chunks: list[Chunk] = []
    body: Any = None
    complete = unterminated = False
    offset, number = len(lines[0]) + 1, 1
    while offset < len(raw):
        end = raw.find(b"\n", offset)
        end = len(raw) if end < 0 else end
        number += 1
        record = _json(path, number, raw[offset:end])
        offset = end + 1
        if not isinstance(record, dict):
            raise CassetteError(path, number, "expected a record (a JSON object)")
        if "bytes" in record and "t_ms" in record and "end" not in record:
            size = int(record["bytes"])
            data = raw[offset : offset + size]
            if len(data) < size or not data.endswith(b"\n"):
                raise CassetteError(path, number, f"{size} bytes of lines announced, file ends")
            if record.get("unterminated"):
                data, unterminated = data[:-1], True
            chunks.append(Chunk(float(record["t_ms"]), data))
            number += data.count(b"\n") + unterminated
            offset += size
        elif "body" in record:
            body = record["body"]
        elif record.get("end") is True:
            complete = True
        else:
            raise CassetteError(path, number, f"unknown record {sorted(record)}")
    headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    return Exchange(
        file=path,
        method=method,
        path=req_path,
        query=tuple((str(k), str(v)) for k, v in request.get("query") or ()),
        request_headers=headers,
        request_body=request.get("body"),
        parts=tuple(request["parts"]) if "parts" in request else None,
        status=status,
        response_headers={str(k).lower(): str(v) for k, v in response.get("headers", {}).items()},
        chunks=tuple(chunks),
        body=body,
        complete=complete,
        unterminated=unterminated,
        case=request.get("case"),
        auth=request.get("auth"),
    )


def _json(path: Path, line: int, raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise CassetteError(path, line, f"not JSON ({exc})") from None


@dataclass(frozen=True)
class Run:
    """What ``run.json`` says of a recorded run (empty when the directory has none)."""

    target: str | None = None
    recorded_at: str | None = None
    #: Per API: the base URL it was reached at (and the non-secret facts of the target).
    apis: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The run's options (budget, examples, writes allowed), so a replay sends the same.
    options: dict[str, Any] = field(default_factory=dict)

    def base_path(self, api: str) -> str | None:
        """The path part of ``api``'s base URL in that run (``/adict/bas/v6``)."""
        url = self.apis.get(api, {}).get("base_url")
        return urlsplit(url).path.rstrip("/") if url else None


@dataclass(frozen=True)
class Recording:
    """A cassette directory: its run and its exchanges in sending order."""

    directory: Path
    run: Run
    exchanges: tuple[Exchange, ...]


def load(directory: Path) -> Recording:
    """Every cassette of ``directory`` (``NNNN-*.jsonl``) in sending order, and its run."""
    if not directory.is_dir():
        raise CassetteError(directory, 0, "no such directory")
    run = Run()
    run_file = directory / RUN_FILE
    if run_file.is_file():
        data = _json(run_file, 1, run_file.read_bytes())
        run = Run(
            data.get("target"),
            data.get("recorded_at"),
            dict(data.get("apis") or {}),
            dict(data.get("options") or {}),
        )
    files = sorted(directory.glob("*.jsonl"))
    return Recording(directory, run, tuple(read(path) for path in files))
