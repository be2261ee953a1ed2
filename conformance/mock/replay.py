"""``grdfkit mock --replay DIR``: answer recorded requests with their recorded answers.

An ASGI middleware in front of the mock's routes. A request matches a recording when its
method, path, query and body are the recorded ones and it carried credentials (and the
personal headers, such as ``x-user-login``) when the recorded one did; other headers are
volatile and ignored. The request is redacted as the recorder redacted it before it is
compared, so a replay matches a cassette whose personal fields are ``<redacted>``. The same
request recorded several times is answered in recorded order (decided; a declaration then its 409,
the last answer repeated when the recording runs out). A stream is sent with its recorded
lines in recorded order (whole chunks, sent in blocks of about 1 MiB), as fast as
the client reads. Anything not recorded falls back to the
mock's own behaviour; the token endpoints and the test controls always do.

The answer carries ``x-grdfkit-replay: <cassette file>`` so a caller can tell a replayed
answer from the mock's.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

# the replay redacts a live request exactly as the recorder redacted the recorded one
from codegen.runtime.recording import parts
from codegen.runtime.redaction import Redaction
from conformance import project
from conformance.cassettes import Exchange, Recording

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Headers of a recorded answer never replayed: the server sets its own.
_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "date"})
REPLAY_HEADER = "x-grdfkit-replay"

Key = tuple[str, str, tuple[tuple[str, str], ...], str, bool, tuple[str, ...]]


def _body_key(redaction: Redaction, content: bytes, content_type: str) -> str:
    if content_type.startswith("multipart/form-data"):
        return json.dumps(parts(content, content_type), sort_keys=True)
    return _canonical(redaction.body(content, content_type))


def _canonical(body: Any) -> str:
    """A recorded ``{"json"|"text": ...}`` body in one comparable spelling."""
    if not body:
        return ""
    if "json" in body:
        return json.dumps(body["json"], sort_keys=True, ensure_ascii=False)
    return str(body.get("text", ""))


@dataclass
class ReplayIndex:
    """The recorded answers by request, and what the replay served."""

    redaction: Redaction
    answers: dict[Key, deque[Exchange]] = field(default_factory=dict)
    last: dict[Key, Exchange] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    #: Answers prepared for sending (headers, body blocks), built on first use.
    ready: dict[Path, _Answer] = field(default_factory=dict)

    @classmethod
    def of(cls, recording: Recording) -> ReplayIndex:
        """Index every exchange of ``recording``."""
        names = [n for api in project.manifest().apis.values() for n in api.recording.redact]
        index = cls(Redaction(names))
        for exchange in recording.exchanges:
            index.answers.setdefault(index.recorded_key(exchange), deque()).append(exchange)
        return index

    def recorded_key(self, exchange: Exchange) -> Key:
        """The key of a recorded request."""
        body = (
            json.dumps(list(exchange.parts), sort_keys=True)
            if exchange.parts is not None
            else _canonical(exchange.request_body)
        )
        personal = tuple(sorted(h for h in exchange.request_headers if h in self.redaction.names))
        query = tuple(sorted(exchange.query))
        return (exchange.method, exchange.path, query, body, exchange.auth == "sent", personal)

    def live_key(self, scope: Scope, body: bytes) -> Key:
        """The key of a request arriving now, redacted as the recorder would have."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        personal = tuple(sorted(h for h in headers if h in self.redaction.names))
        return (
            scope["method"],
            (scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
            tuple(sorted((k, v) for k, v in self.redaction.query(query))),
            _body_key(self.redaction, body, headers.get("content-type", "")),
            "authorization" in headers,
            personal,
        )

    def take(self, key: Key) -> Exchange | None:
        """The next recorded answer to ``key`` (the last one again when all were served)."""
        queue = self.answers.get(key)
        if queue:
            self.last[key] = queue.popleft()
        found = self.last.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found


class Replay:
    """ASGI middleware: recorded answers first, the mock for everything else."""

    def __init__(
        self,
        app: ASGIApp,
        index: ReplayIndex,
        *,
        passthrough: tuple[str, ...],
        rewrites: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.app, self.index, self.passthrough = app, index, passthrough
        #: ``(recorded base path, the mock's)`` for the fallback of paths the mock lacks
        self.rewrites = rewrites

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the recording when it has this request, else let the mock answer."""
        if scope["type"] != "http" or scope["path"].startswith(self.passthrough):
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        exchange = self.index.take(self.index.live_key(scope, body))
        if exchange is None:
            for recorded, served in self.rewrites:
                if scope["path"].startswith(recorded + "/"):
                    path = served + scope["path"][len(recorded) :]
                    scope = {**scope, "path": path, "raw_path": path.encode()}
                    break
            await self.app(scope, _replaying(messages, receive), send)
            return
        await _send_recorded(exchange, send, self.index.ready)


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks), messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = deque(messages)

    async def again() -> Message:
        return pending.popleft() if pending else await receive()

    return again


#: Recorded chunks are sent in blocks of at least this size (the last one smaller): whole
#: lines in recorded order, but not one write per network packet of the recording.
BLOCK = 1024 * 1024


@dataclass(frozen=True)
class _Answer:
    """A recorded answer ready to send: status, headers and body blocks, built once."""

    status: int
    headers: list[tuple[bytes, bytes]]
    blocks: tuple[bytes, ...]
    streamed: bool

    @classmethod
    def of(cls, exchange: Exchange) -> _Answer:
        headers = [
            (k.encode("latin-1"), v.encode("latin-1", "replace"))
            for k, v in exchange.response_headers.items()
            if k not in _HOP
        ]
        headers.append((REPLAY_HEADER.encode(), exchange.file.name.encode()))
        if not exchange.chunks:
            content = exchange.content()
            headers.append((b"content-length", str(len(content)).encode()))
            return cls(exchange.status, headers, (content,), streamed=False)
        blocks: list[bytes] = []
        pending = bytearray()
        for chunk in exchange.chunks:
            pending += chunk.data
            if len(pending) >= BLOCK:
                blocks.append(bytes(pending))
                pending.clear()
        if pending:
            blocks.append(bytes(pending))
        return cls(exchange.status, headers, tuple(blocks), streamed=True)


async def _send_recorded(exchange: Exchange, send: Send, ready: dict[Path, _Answer]) -> None:
    answer = ready.get(exchange.file)
    if answer is None:
        answer = ready[exchange.file] = _Answer.of(exchange)
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    if not answer.streamed:
        await send({"type": "http.response.body", "body": answer.blocks[0], "more_body": False})
        return
    for block in answer.blocks:
        await send({"type": "http.response.body", "body": block, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
