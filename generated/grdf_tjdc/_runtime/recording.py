# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""Record every exchange a client makes to a cassette directory, secrets and personal data out.

``AdictClient(..., recorder=Recorder("cassettes/run-1"))`` (and the Suivi Demande and TJDC
clients) write one file per exchange, numbered in the order the requests were sent:
``0001-GET-pce_GI999055_donnees_consos_publiees.jsonl``. A cassette is JSON Lines:

1. the head: the request (method, path, query, headers, body; multipart parts as names,
   sizes and sha256 digests) and the response's status and headers;
2. a streamed (NDJSON) body as it arrived: per network chunk, a marker
   ``{"t_ms": 12.5, "bytes": 65212}`` (milliseconds since the response started) followed
   by that many bytes of whole body lines *verbatim*, so the cassette keeps GRDF's bytes
   and its line boundaries at the cost of one write (a line that is not JSON stays as it
   came: ``grdfkit drift`` reports it; a last line without its newline gets one, and its
   marker says ``"unterminated": true``); any other body as one record
   ``{"body": {"json": ...}}`` or ``{"body": {"text": ...}}``;
3. ``{"end": true, "bytes": N, "t_ms": ...}``.

Never written: the ``Authorization`` header (bearer tokens), cookies, the token endpoint's
exchanges (the auth has its own connection: client secrets never pass here), client
certificates. Fields named in ``redact`` (the holder's name, e-mail, phone, and the person
calling) are replaced by ``"<redacted>"`` wherever they appear: JSON keys at any depth,
body lines (a chunk that mentions one is parsed and rewritten), XML elements of a SOAP
body, query parameters and headers of the same names.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from .redaction import REDACTED, SECRET_HEADERS, LineWriter, Redaction

__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "AsyncRecordingTransport",
    "Recorder",
    "RecordingTransport",
    "Redaction",
    "Tape",
    "parts",
]

#: The cassette format (``grdfkit drift`` and the replaying mock read it).
FORMAT = "grdfkit-cassette/2"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Line ends json.dumps leaves unescaped (str.splitlines and JavaScript split on them).
_LINE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"}


class Recorder:
    """Where and how a client records: a directory, the field names to redact."""

    def __init__(self, directory: str | Path, *, redact: Iterable[str] = ()) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.redaction = Redaction(redact)
        self._counter = itertools.count(len(list(self.directory.glob("*.jsonl"))) + 1)
        self._lock = threading.Lock()
        #: Written into each request record when set (the conformance case being run).
        self.case: str | None = None

    def __repr__(self) -> str:
        return f"Recorder({str(self.directory)!r}, redact={sorted(self.redact)!r})"

    @property
    def redact(self) -> frozenset[str]:
        """The field and header names redacted (lower case)."""
        return self.redaction.names

    def redacting(self, names: Iterable[str]) -> Recorder:
        """Also redact ``names`` (a client adds its API's declared personal fields)."""
        self.redaction = Redaction(self.redaction.names | set(names))
        return self

    def next_path(self, method: str, path: str) -> Path:
        """A new cassette file for ``METHOD path`` (numbered in sending order)."""
        with self._lock:
            number = next(self._counter)
        slug = _UNSAFE.sub("_", path.strip("/"))[-80:] or "root"
        return self.directory / f"{number:04d}-{method}-{slug}.jsonl"

    def request_record(
        self,
        method: str,
        path: str,
        query: Iterable[tuple[str, str]],
        headers: Iterable[tuple[str, str]],
        content: bytes,
    ) -> dict[str, Any]:
        """The request as recorded: ``auth: "sent"`` says credentials went, never which."""
        headers = list(headers)
        kept = self.redaction.headers(headers)
        authorised = any(k.lower() == "authorization" for k, _ in headers)
        content_type = kept.get("content-type", "")
        record: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": self.redaction.query(query),
            "headers": kept,
        }
        if authorised:
            record["auth"] = "sent"
        if self.case:
            record["case"] = self.case
        if content_type.startswith("multipart/form-data"):
            record["parts"] = parts(content, content_type)
        else:
            record["body"] = self.redaction.body(content, content_type)
        return record

    def tape(
        self,
        request: dict[str, Any],
        status: int,
        headers: Iterable[tuple[str, str]],
    ) -> Tape:
        """Start the cassette of one exchange: ``request`` (from :meth:`request_record`)."""
        return Tape(self, request, status, self.redaction.headers(headers))

    def exchange(self, request: httpx.Request, response: httpx.Response) -> Tape:
        """Start the cassette of an httpx exchange (the request's body already read)."""
        record = self.request_record(
            request.method,
            # as sent (percent-encoded), as every HTTP stack and the replay see it
            request.url.raw_path.split(b"?", 1)[0].decode("ascii"),
            request.url.params.multi_items(),
            request.headers.multi_items(),
            request.content if _readable(request) else b"",
        )
        return self.tape(record, response.status_code, response.headers.multi_items())


def _readable(request: httpx.Request) -> bool:
    try:
        request.content  # noqa: B018 - raises when the body is a stream not yet read
    except httpx.RequestNotRead:
        return False
    return True


def parts(content: bytes, content_type: str) -> list[dict[str, Any]]:
    """Each multipart part as its field name, file name, size and sha256: never the bytes."""
    match = re.search(r"boundary=([^;]+)", content_type)
    if not match:
        return []
    boundary = b"--" + match.group(1).strip('"').encode()
    parts = []
    for chunk in content.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.strip(b"\r\n").partition(b"\r\n\r\n")
        text = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', text)
        filename = re.search(r'filename="([^"]*)"', text)
        parts.append(
            {
                "name": name.group(1) if name else None,
                "filename": filename.group(1) if filename else None,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return parts


class Tape:
    """One exchange being written: the head now, then the body as it arrives, then the end."""

    def __init__(
        self,
        recorder: Recorder,
        request: dict[str, Any],
        status: int,
        headers: Mapping[str, str],
    ) -> None:
        self.recorder = recorder
        self.path = recorder.next_path(request["method"], request["path"])
        self.file = self.path.open("wb")
        self.started = time.monotonic()
        self.content_type = headers.get("content-type", "")
        #: NDJSON is written chunk by chunk as it arrives; any other body whole, at the end.
        self.streamed = "ndjson" in self.content_type
        self.whole = bytearray()
        self.lines = LineWriter(self.file, recorder.redaction)
        self.closed = False
        head = {
            "format": FORMAT,
            "request": request,
            "response": {"status": status, "headers": dict(headers)},
        }
        self._record(head)

    def _record(self, record: dict[str, Any]) -> None:
        text = json.dumps(record, ensure_ascii=False)
        # readable accents, but no character a line-splitting reader takes for a line end
        text = text.translate(_LINE_BREAKS)
        self.file.write(text.encode() + b"\n")

    def _t_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 1)

    def feed(self, chunk: bytes) -> None:
        """One chunk of the body, as the caller read it."""
        if not self.streamed:
            self.whole += chunk
            return
        self.lines.feed(chunk, self._t_ms())

    def close(self) -> None:
        """Write what is left (an unterminated last line, a whole body) and the end record."""
        if self.closed:
            return
        self.closed = True
        if self.streamed:
            size = self.lines.finish(self._t_ms())
        else:
            size = 0
            body = self.recorder.redaction.body(bytes(self.whole), self.content_type)
            self._record({"body": body})
        record: dict[str, Any] = {"end": True, "t_ms": self._t_ms()}
        if self.streamed:
            record["bytes"] = size
        self._record(record)
        self.file.close()


class _RecordedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, tape: Tape) -> None:
        self.inner, self.tape = inner, tape

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.tape.feed(chunk)
            yield chunk

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            self.tape.close()


class _AsyncRecordedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, tape: Tape) -> None:
        self.inner, self.tape = inner, tape

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.tape.feed(chunk)
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            self.tape.close()


class RecordingTransport(httpx.BaseTransport):
    """Writes each exchange through ``inner`` to the recorder's directory."""

    def __init__(self, inner: httpx.BaseTransport, recorder: Recorder) -> None:
        self.inner, self.recorder = inner, recorder

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; the answer's body is recorded as the caller reads it."""
        if not _readable(request):
            request.read()  # a multipart upload: small files (GRDF caps them), digested
        response = self.inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        tape = self.recorder.exchange(request, response)
        response.stream = _RecordedStream(response.stream, tape)
        return response

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`RecordingTransport`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self.inner, self.recorder = inner, recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; the answer's body is recorded as the caller reads it."""
        if not _readable(request):
            await request.aread()
        response = await self.inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        tape = self.recorder.exchange(request, response)
        response.stream = _AsyncRecordedStream(response.stream, tape)
        return response

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()
