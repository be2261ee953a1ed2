"""Record every exchange a client makes to a cassette directory, secrets and personal data out.

``AdictClient(..., recorder=Recorder("cassettes/run-1"))`` (and the Suivi Demande and TJDC
clients) write one file per exchange, numbered in the order the requests were sent:
``0001-GET-pce_GI999055_donnees_consos_publiees.jsonl``. A cassette is JSON Lines:

1. the head: the request (method, path, query, headers, body; multipart parts as names,
   sizes and sha256 digests) and the response's status and headers;
2. a streamed (NDJSON) body as it arrived: per network chunk, a marker
   ``{"t_ms": 12.5, "lines": 57}`` (milliseconds since the response started) followed by
   those 57 body lines *verbatim*, so the cassette keeps GRDF's bytes and its line
   boundaries, and recording costs one copy (a line that is not JSON stays as it came:
   ``grdfkit drift`` reports it); any other body as one record ``{"body": {"json": ...}}``
   or ``{"body": {"text": ...}}``;
3. ``{"end": true, "lines": N, "t_ms": ...}``.

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

REDACTED = "<redacted>"
#: Headers never written, whatever the redaction list says.
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
#: The cassette format (``grdfkit drift`` and the replaying mock read it).
FORMAT = "grdfkit-cassette/2"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Redaction:
    """What a cassette never shows: secret headers always, and the fields named ``names``."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(name.lower() for name in names)
        self._needles = _cover(tuple(f'"{name}"'.encode() for name in sorted(self.names)))
        self._xml = _xml_pattern(self.names)

    def mentions_personal(self, raw: bytes) -> bool:
        """Whether JSON text may hold a redacted field (its name appears as a key)."""
        return any(needle in raw for needle in self._needles)

    def scrub(self, value: Any) -> Any:
        """``value`` with every field named in ``names`` replaced, at any depth."""
        if isinstance(value, dict):
            return {
                k: REDACTED if k.lower() in self.names and v not in (None, "") else self.scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value

    def scrub_xml(self, text: str) -> str:
        """``text`` with the content of every XML element named in ``names`` replaced."""
        if self._xml is None:
            return text
        return self._xml.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)

    def query(self, pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
        """Query parameters, the values of personal ones replaced."""
        return [[k, REDACTED if k.lower() in self.names else v] for k, v in pairs]

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        """The headers worth keeping, secrets dropped and personal ones redacted."""
        kept = {}
        for name, value in headers:
            lower = name.lower()
            if lower in SECRET_HEADERS:
                continue
            kept[lower] = REDACTED if lower in self.names else value
        return kept

    def body(self, content: bytes, content_type: str) -> Any:
        """A request or response body as recorded: JSON scrubbed, else text (XML scrubbed)."""
        if not content:
            return None
        if "json" in content_type:
            try:
                return {"json": self.scrub(json.loads(content))}
            except ValueError:
                pass
        text = content.decode("utf-8", "replace")
        return {"text": self.scrub_xml(text) if "xml" in content_type else text}

    def line(self, raw: bytes) -> bytes:
        """One body line as written: verbatim, or rewritten with its personal fields redacted."""
        if not self.mentions_personal(raw):
            return raw
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        return json.dumps(self.scrub(value), ensure_ascii=False).encode()


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


def _cover(needles: tuple[bytes, ...], shortest: int = 4) -> tuple[bytes, ...]:
    """Fewer substrings, at least one in each needle: each body is scanned once per substring.

    Keys often share an ending (``nom_titulaire``, ``courriel_titulaire``...: ``titulaire"``),
    and a scan costs as much as the body is long, so one shared suffix replaces several
    needles. A body holding the suffix but no needle only takes the slow, exact path.
    """
    uncovered, chosen = set(needles), []
    while uncovered:
        candidates = {n[-k:] for n in uncovered for k in range(min(shortest, len(n)), len(n) + 1)}
        best = max(
            sorted(candidates),
            key=lambda c: (sum(n.endswith(c) for n in uncovered), len(c)),
        )
        chosen.append(best)
        uncovered = {n for n in uncovered if not n.endswith(best)}
    return tuple(sorted(chosen))


def _xml_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """Elements ``<p:Name ...>text</p:Name>`` whose local name is in ``names``."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names) if re.fullmatch(r"[\w.-]+", n))
    if not alternatives:
        return None
    tag = rf"(?:[\w.-]+:)?(?:{alternatives})"
    return re.compile(rf"(<{tag}(?:\s[^>]*)?>)([^<]*)(</{tag}\s*>)", re.IGNORECASE)


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
        self.pending = b""
        self.lines = 0
        self.content_type = headers.get("content-type", "")
        #: NDJSON is written chunk by chunk as it arrives; any other body whole, at the end.
        self.streamed = "ndjson" in self.content_type
        self.whole = bytearray()
        head = {
            "format": FORMAT,
            "request": request,
            "response": {"status": status, "headers": dict(headers)},
        }
        self._record(head)

    def _record(self, record: dict[str, Any]) -> None:
        self.file.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")

    def _t_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 1)

    def feed(self, chunk: bytes) -> None:
        """One chunk of the body, as the caller read it."""
        if not self.streamed:
            self.whole += chunk
            return
        cut = chunk.rfind(b"\n")
        if cut < 0:
            self.pending += chunk
            return
        complete = self.pending + chunk[: cut + 1] if self.pending else chunk[: cut + 1]
        self.pending = chunk[cut + 1 :]
        count = complete.count(b"\n")
        marker = b'{"t_ms": %.1f, "lines": %d}\n' % (self._t_ms(), count)
        redaction = self.recorder.redaction
        if redaction.mentions_personal(complete):
            lines = complete.split(b"\n")[:-1]
            complete = b"".join(redaction.line(line) + b"\n" for line in lines)
        self.file.write(marker + complete)
        self.lines += count

    def close(self) -> None:
        """Write what is left (an unterminated last line, a whole body) and the end record."""
        if self.file.closed:
            return
        if self.pending:
            # an unterminated last line, kept as it came (a cut stream shows as such)
            marker = {"t_ms": self._t_ms(), "lines": 1, "unterminated": True}
            self._record(marker)
            self.file.write(self.recorder.redaction.line(self.pending) + b"\n")
            self.lines += 1
        if not self.streamed:
            body = self.recorder.redaction.body(bytes(self.whole), self.content_type)
            self._record({"body": body})
        self._record({"end": True, "lines": self.lines, "t_ms": self._t_ms()})
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
