# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""Calls and streams: a planned call (pure data) executed by a sync or async httpx client.

Facade methods only *plan* a call (validate inputs, build path, query, body); the same plan
runs on :class:`httpx.Client` or :class:`httpx.AsyncClient`, so the sync and async facades
cannot drift apart. Every error status becomes a typed exception (:func:`error_for`);
bodies decode straight into msgspec Structs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx
import msgspec

from .classify import error_for
from .errors import BadLine, LineError, NetworkError, StreamError, StreamInterrupted
from .ndjson import NdjsonReader
from .operation import Operation
from .retry import IDEMPOTENT

T = TypeVar("T")


@dataclass(frozen=True)
class PlannedCall:
    """Everything needed to send one call, already validated."""

    operation: Operation
    path_params: Mapping[str, str] = field(default_factory=dict)
    params: Sequence[tuple[str, str]] = ()
    json: Any = None
    files: Sequence[tuple[str, tuple[str, bytes, str]]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The path with its parameters filled in (each percent-encoded)."""
        from urllib.parse import quote

        return self.operation.path.format(
            **{k: quote(v, safe="") for k, v in self.path_params.items()}
        )

    def alternatives(self) -> list[PlannedCall]:
        """The same call on each declared alias of its path (see ``Operation.aliases``)."""
        return [
            replace(self, operation=replace(self.operation, path=alias, aliases=()))
            for alias in self.operation.aliases
        ]

    @property
    def label(self) -> str:
        """``METHOD /path`` as errors name the call (never a query string or a body)."""
        return f"{self.operation.method} {self.url}"

    def request_args(self) -> dict[str, Any]:
        """Keyword arguments for ``httpx.Client.build_request``."""
        args: dict[str, Any] = {
            "method": self.operation.method,
            "url": self.url,
            "params": list(self.params) or None,
            "headers": dict(self.headers) or None,
            "extensions": {IDEMPOTENT: self.operation.idempotent},
        }
        if self.json is not None:
            args["content"] = msgspec.json.encode(self.json)
            args["headers"] = {
                **(args["headers"] or {}),
                "Content-Type": "application/json",
            }
        if self.files:
            args["files"] = list(self.files)
        return args


def _raise_for(call: PlannedCall, response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise error_for(
            response.status_code,
            response.content,
            operation=call.label,
            retry_after=response.headers.get("Retry-After"),
        )


def decode(call: PlannedCall, content: bytes, kind: type[T]) -> T:
    """Decode a JSON body into ``kind``; a body of the wrong shape is a typed error."""
    try:
        return msgspec.json.decode(content, type=kind)
    except msgspec.DecodeError as exc:
        raise StreamError(f"{call.label}: unexpected response body: {exc}") from None


def execute(client: httpx.Client, call: PlannedCall, kind: type[T]) -> T:
    """Send ``call`` and decode its body into ``kind``; a network fault is a typed error.

    A 404 on a path with declared aliases tries each alias before giving up.
    """
    for attempt in (call, *call.alternatives()):
        try:
            response = client.request(**attempt.request_args())
        except httpx.TransportError as exc:
            raise NetworkError(attempt.label, exc) from exc
        if response.status_code != 404:
            break
    _raise_for(attempt, response)
    return decode(attempt, response.content, kind)


async def aexecute(client: httpx.AsyncClient, call: PlannedCall, kind: type[T]) -> T:
    """Async twin of :func:`execute`."""
    for attempt in (call, *call.alternatives()):
        try:
            response = await client.request(**attempt.request_args())
        except httpx.TransportError as exc:
            raise NetworkError(attempt.label, exc) from exc
        if response.status_code != 404:
            break
    _raise_for(attempt, response)
    return decode(attempt, response.content, kind)


#: What can break a stream once it has started: the network, or a body whose
#: Content-Encoding cannot be undone. (Bad UTF-8 in a line is the reader's ``BadLine``.)
_STREAM_FAULTS = (httpx.TransportError, httpx.DecodingError)


@dataclass(frozen=True)
class StreamSpec(Generic[T]):
    """What the lines of a stream are: the item type, and the trailer type if any."""

    item: type[T]
    trailer: type[Any] | None = None

    def reader(self, *, skip_bad_lines: bool = False) -> NdjsonReader:
        """A reader decoding each line into an item, or into the trailer when it is one.

        msgspec cannot decode an untagged union of two Structs, so a line that fails as an
        item is tried as the trailer; if it fails as both, the item's error is reported.
        """
        item_decoder = msgspec.json.Decoder(self.item)
        if self.trailer is None:
            return NdjsonReader(
                item_decoder.decode,
                lambda obj: msgspec.convert(obj, self.item),
                malformed=(msgspec.DecodeError,),
                invalid=(msgspec.ValidationError,),
                skip_bad_lines=skip_bad_lines,
            )
        trailer = self.trailer
        trailer_decoder = msgspec.json.Decoder(trailer)

        def loads(data: bytes) -> Any:
            try:
                return item_decoder.decode(data)
            except msgspec.ValidationError as not_item:
                try:
                    return trailer_decoder.decode(data)
                except msgspec.ValidationError:
                    raise not_item from None

        def convert(obj: Any) -> Any:
            try:
                return msgspec.convert(obj, self.item)
            except msgspec.ValidationError as not_item:
                try:
                    return msgspec.convert(obj, trailer)
                except msgspec.ValidationError:
                    raise not_item from None

        return NdjsonReader(
            loads,
            convert,
            malformed=(msgspec.DecodeError,),
            invalid=(msgspec.ValidationError,),
            skip_bad_lines=skip_bad_lines,
        )


class _StreamBase(Generic[T]):
    def __init__(
        self, call: PlannedCall, spec: StreamSpec[T], *, raise_on_line_error: bool
    ) -> None:
        self.call = call
        self.spec = spec
        self.raise_on_line_error = raise_on_line_error
        #: The trailer line (final status of the listing) once the stream is read to its end.
        self.status: Any = None
        self.items = 0
        self._skip_bad_lines = False
        #: Bad lines skipped so far (after :meth:`skip_bad_lines`), as typed errors.
        self.bad_lines: list[BadLine] = []

    def skip_bad_lines(self) -> Self:
        """Skip lines that are not valid items instead of raising, listing them in ``bad_lines``.

        Reading resynchronises at the next line; call before iterating, e.g.
        ``with client.stream_...(...).skip_bad_lines() as lines:``.
        """
        self._skip_bad_lines = True
        return self

    def _reader(self) -> NdjsonReader:
        reader = self.spec.reader(skip_bad_lines=self._skip_bad_lines)
        self.bad_lines = reader.bad_lines
        return reader

    def _interrupted(
        self, exc: BaseException, reader: NdjsonReader
    ) -> StreamInterrupted:
        return StreamInterrupted(self.call.label, exc, reader.delivered)

    def _accept(self, value: Any) -> T | None:
        if self.spec.trailer is not None and isinstance(value, self.spec.trailer):
            self.status = value
            return None
        problem = getattr(value, "statut_restitution", None)
        if self.raise_on_line_error and problem is not None:
            raise LineError(
                getattr(problem, "code", ""), getattr(problem, "message", ""), value
            )
        self.items += 1
        return value  # type: ignore[no-any-return]


class Stream(_StreamBase[T]):
    """Typed items of an NDJSON response, as they arrive; use in a ``with`` block."""

    def __init__(
        self,
        client: httpx.Client,
        call: PlannedCall,
        spec: StreamSpec[T],
        *,
        raise_on_line_error: bool = False,
    ) -> None:
        super().__init__(call, spec, raise_on_line_error=raise_on_line_error)
        self._client = client
        self._response: httpx.Response | None = None

    def __enter__(self) -> Stream[T]:
        for attempt in (self.call, *self.call.alternatives()):
            request = self._client.build_request(**attempt.request_args())
            try:
                self._response = self._client.send(request, stream=True)
                if self._response.status_code >= 400:
                    self._response.read()
                    self._response.close()
            except httpx.TransportError as exc:
                raise NetworkError(attempt.label, exc) from exc
            if self._response.status_code != 404:
                break
        assert self._response is not None
        _raise_for(attempt, self._response)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._response is not None:
            self._response.close()

    def __iter__(self) -> Iterator[T]:
        if self._response is None:
            raise RuntimeError(
                "open the stream with `with client.stream_...(...) as stream:`"
            )
        reader = self._reader()
        chunks = (
            self._response.iter_bytes()
        )  # each chunk as it arrives from the network
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except _STREAM_FAULTS as exc:
                raise self._interrupted(exc, reader) from exc
            for value in reader.feed(chunk):
                item = self._accept(value)
                if item is not None:
                    yield item
        for value in reader.close():
            item = self._accept(value)
            if item is not None:
                yield item


class AsyncStream(_StreamBase[T]):
    """Async twin of :class:`Stream`; use in an ``async with`` block."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        call: PlannedCall,
        spec: StreamSpec[T],
        *,
        raise_on_line_error: bool = False,
    ) -> None:
        super().__init__(call, spec, raise_on_line_error=raise_on_line_error)
        self._client = client
        self._response: httpx.Response | None = None

    async def __aenter__(self) -> AsyncStream[T]:
        for attempt in (self.call, *self.call.alternatives()):
            request = self._client.build_request(**attempt.request_args())
            try:
                self._response = await self._client.send(request, stream=True)
                if self._response.status_code >= 400:
                    await self._response.aread()
                    await self._response.aclose()
            except httpx.TransportError as exc:
                raise NetworkError(attempt.label, exc) from exc
            if self._response.status_code != 404:
                break
        assert self._response is not None
        _raise_for(attempt, self._response)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.aclose()

    async def __aiter__(self) -> AsyncIterator[T]:
        if self._response is None:
            raise RuntimeError(
                "open the stream with `async with client.stream_...(...) as stream:`"
            )
        reader = self._reader()
        chunks = (
            self._response.aiter_bytes()
        )  # each chunk as it arrives from the network
        while True:
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            except _STREAM_FAULTS as exc:
                raise self._interrupted(exc, reader) from exc
            for value in reader.feed(chunk):
                item = self._accept(value)
                if item is not None:
                    yield item
        for value in reader.close():
            item = self._accept(value)
            if item is not None:
                yield item
