"""Record every exchange a client makes to a cassette directory, secrets and personal data out.

``AdictClient(..., recorder=Recorder("cassettes/run-1"))`` (and the Suivi Demande clients)
write one file per exchange, numbered in the order the requests were sent:
``0001-GET-pce_GI999055_donnees_consos_publiees.jsonl``. Each file is JSON Lines, readable
and streamable: a first record with the request (method, path, query, headers, body;
multipart parts as names, sizes and sha256 digests) and the response's status and headers,
then one record per body line as it arrived (``t_ms`` since the response started), then
an ``end`` record. Streams are written as they are read, so memory stays flat.

Never written: the ``Authorization`` header (bearer tokens), cookies, the token endpoint's
exchanges (the auth has its own connection: client secrets never pass here), client
certificates. Fields named in ``redact`` (the holder's name, e-mail, phone, and the person
calling) are replaced by ``"<redacted>"`` wherever they appear in a JSON body or line, and
so are headers of the same names.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import msgspec

REDACTED = "<redacted>"
#: Headers never written, whatever the redaction list says.
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Recorder:
    """Where and how a client records: a directory, the field names to redact."""

    def __init__(self, directory: str | Path, *, redact: Iterable[str] = ()) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.redact = frozenset(name.lower() for name in redact)
        self._needles = _needles(self.redact)
        self._counter = itertools.count(len(list(self.directory.glob("*.jsonl"))) + 1)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Recorder({str(self.directory)!r}, redact={sorted(self.redact)!r})"

    def redacting(self, names: Iterable[str]) -> Recorder:
        """Also redact ``names`` (a client adds its API's declared personal fields)."""
        self.redact = self.redact | {name.lower() for name in names}
        self._needles = _needles(self.redact)
        return self

    def mentions_personal(self, raw: bytes) -> bool:
        """Whether JSON text may hold a redacted field (its name appears as a key)."""
        return any(needle in raw for needle in self._needles)

    def scrub(self, value: Any) -> Any:
        """``value`` with every field named in ``redact`` replaced, at any depth."""
        if isinstance(value, dict):
            return {
                k: REDACTED if k.lower() in self.redact and v not in (None, "") else self.scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value

    def headers(self, headers: httpx.Headers) -> dict[str, str]:
        """The headers worth keeping, secrets dropped and personal ones redacted."""
        kept = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower in SECRET_HEADERS:
                continue
            kept[lower] = REDACTED if lower in self.redact else value
        return kept

    def body(self, content: bytes, content_type: str) -> Any:
        """A request or response body as recorded: JSON scrubbed, else text."""
        if not content:
            return None
        if "json" in content_type:
            try:
                return {"json": self.scrub(json.loads(content))}
            except ValueError:
                pass
        return {"text": content.decode("utf-8", "replace")}

    def line(self, raw: bytes) -> dict[str, Any]:
        """One body line: its JSON scrubbed, or its text when it is not JSON."""
        try:
            return {"json": self.scrub(json.loads(raw))}
        except ValueError:
            return {"text": raw.decode("utf-8", "replace")}

    def open(self, request: httpx.Request) -> tuple[Path, IO[bytes]]:
        """A new cassette file for ``request`` (numbered in sending order)."""
        with self._lock:
            number = next(self._counter)
        slug = _UNSAFE.sub("_", request.url.path.strip("/"))[-80:] or "root"
        path = self.directory / f"{number:04d}-{request.method}-{slug}.jsonl"
        return path, path.open("wb")

    def request_record(self, request: httpx.Request) -> dict[str, Any]:
        """The request as recorded."""
        content_type = request.headers.get("content-type", "")
        record: dict[str, Any] = {
            "method": request.method,
            "path": request.url.path,
            "query": [[k, v] for k, v in request.url.params.multi_items()],
            "headers": self.headers(request.headers),
        }
        content = request.content if _readable(request) else b""
        if content_type.startswith("multipart/form-data"):
            record["parts"] = _parts(content, content_type)
        else:
            record["body"] = self.body(content, content_type)
        return record


def _needles(names: frozenset[str]) -> tuple[bytes, ...]:
    """``names`` as JSON keys, each found with one fast substring search per chunk."""
    return tuple(f'"{name}"'.encode() for name in sorted(names))


_LINES = msgspec.json.Decoder(list[msgspec.Raw])


def _readable(request: httpx.Request) -> bool:
    try:
        request.content  # noqa: B018 - raises when the body is a stream not yet read
    except httpx.RequestNotRead:
        return False
    return True


def _parts(content: bytes, content_type: str) -> list[dict[str, Any]]:
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


class _Tape:
    """One exchange being written: the head now, then each body line as it arrives."""

    def __init__(self, recorder: Recorder, request: httpx.Request, response: httpx.Response):
        self.recorder = recorder
        self.path, self.file = recorder.open(request)
        self.started = time.monotonic()
        self.pending = b""
        self.lines = 0
        self.content_type = response.headers.get("content-type", "")
        #: NDJSON is written line by line as it arrives; any other body whole, at the end.
        self.streamed = "ndjson" in self.content_type
        self.whole = bytearray()
        head = {
            "request": recorder.request_record(request),
            "response": {
                "status": response.status_code,
                "headers": recorder.headers(response.headers),
            },
        }
        self._record(head)

    def _record(self, record: dict[str, Any]) -> None:
        self.file.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")

    def feed(self, chunk: bytes) -> None:
        if not self.streamed:
            self.whole += chunk
            return
        data = self.pending + chunk
        *complete, self.pending = data.split(b"\n")
        lines = [line.strip() for line in complete]
        lines = [line for line in lines if line]
        if not lines:
            return
        t_ms = round((time.monotonic() - self.started) * 1000, 1)
        if not self.recorder.mentions_personal(data) and self._all_json(lines):
            # the common case (data lines): checked as JSON in one call, written as they came
            prefix = b'{"t_ms": %.1f, "json": ' % t_ms
            self.file.write(b"".join(prefix + line + b"}\n" for line in lines))
            self.lines += len(lines)
            return
        for line in lines:
            self._write(line, t_ms)

    @staticmethod
    def _all_json(lines: list[bytes]) -> bool:
        try:
            return len(_LINES.decode(b"[" + b",".join(lines) + b"]")) == len(lines)
        except msgspec.DecodeError:
            return False

    def _write(self, raw: bytes, t_ms: float | None = None) -> None:
        raw = raw.strip()
        if not raw:
            return
        if t_ms is None:
            t_ms = round((time.monotonic() - self.started) * 1000, 1)
        self.lines += 1
        self._record({"t_ms": t_ms, **self.recorder.line(raw)})

    def close(self) -> None:
        if self.file.closed:
            return
        if self.pending.strip():
            self._write(self.pending)  # an unterminated last line, kept as it came
        if not self.streamed:
            self._record({"body": self.recorder.body(bytes(self.whole), self.content_type)})
        self._record({"end": True, "lines": self.lines})
        self.file.close()


class _RecordedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, tape: _Tape) -> None:
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
    def __init__(self, inner: httpx.AsyncByteStream, tape: _Tape) -> None:
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
        response.stream = _RecordedStream(response.stream, _Tape(self.recorder, request, response))
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
        tape = _Tape(self.recorder, request, response)
        response.stream = _AsyncRecordedStream(response.stream, tape)
        return response

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()
