"""An incremental NDJSON reader that survives what GRDF's sandbox has been seen to send.

Accepts strict NDJSON, pretty-printed objects concatenated across lines, several objects
on one line, CR/LF line ends, a byte-order mark, and stray non-breaking spaces around
values. Objects come out as soon as they are complete; memory holds one incomplete object
at most. A stream that ends inside an object raises :class:`StreamTruncated` after every
complete object before it was delivered.

Each strict line goes straight through ``loads`` (a typed msgspec decoder in the clients,
faster than ``json.loads``); only lines that are not a whole JSON value take the tolerant
path, whose objects are passed to ``convert``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import StreamError, StreamTruncated

_STRIP = " \t\r\n\ufeff\u00a0"
_BOM, _NBSP = b"\xef\xbb\xbf", b"\xc2\xa0"
_DECODER = json.JSONDecoder()


def _identity(value: Any) -> Any:
    return value


class NdjsonReader:
    """Feed bytes with :meth:`feed`, get complete objects back; call :meth:`close` at the end.

    ``loads`` parses one line (bytes); exceptions of type ``malformed`` mean "not a whole
    JSON value" and send the line down the tolerant path, exceptions of type ``invalid``
    (checked first) mean "valid JSON of the wrong shape" and become :class:`StreamError`.
    """

    def __init__(
        self,
        loads: Callable[[bytes], Any] = json.loads,
        convert: Callable[[Any], Any] = _identity,
        *,
        malformed: tuple[type[Exception], ...] = (ValueError,),
        invalid: tuple[type[Exception], ...] = (),
    ) -> None:
        self._loads = loads
        self._convert = convert
        self._malformed = malformed
        self._invalid = invalid
        self._tail = b""
        self._pending = ""
        self.delivered = 0

    def _emit(self, value: Any, converted: bool) -> Any:
        if not converted:
            try:
                value = self._convert(value)
            except self._invalid as exc:
                raise StreamError(f"item {self.delivered + 1}: {exc}") from None
        self.delivered += 1
        return value

    def _objects_in(self, text: str) -> Iterator[Any]:
        """Every complete object at the start of ``text``; keep the incomplete rest pending."""
        position, end = 0, len(text)
        while True:
            while position < end and text[position] in _STRIP:
                position += 1
            if position == end:
                self._pending = ""
                return
            try:
                value, position = _DECODER.raw_decode(text, position)
            except json.JSONDecodeError:
                self._pending = text[position:]
                return
            yield self._emit(value, converted=False)

    def _line(self, raw: bytes) -> Iterator[Any]:
        line = raw.strip(b" \t\r\n")
        if line[:3] == _BOM or line[:2] == _NBSP or line[-2:] == _NBSP:
            line = line.decode("utf-8").strip(_STRIP).encode("utf-8")
        if not line:
            return
        if self._pending:
            yield from self._objects_in(self._pending + "\n" + line.decode("utf-8"))
            return
        try:
            value = self._loads(line)
        except self._invalid as exc:
            raise StreamError(f"item {self.delivered + 1}: {exc}") from None
        except self._malformed:
            yield from self._objects_in(line.decode("utf-8"))
            return
        yield self._emit(value, converted=True)

    def feed(self, chunk: bytes) -> Iterator[Any]:
        """Objects completed by ``chunk``, in order."""
        data = self._tail + chunk if self._tail else chunk
        lines = data.split(b"\n")
        self._tail = lines.pop()
        for raw in lines:
            yield from self._line(raw)

    def close(self) -> Iterator[Any]:
        """Objects left at the end; raises :class:`StreamTruncated` if one is incomplete."""
        tail, self._tail = self._tail, b""
        yield from self._line(tail)
        if self._pending.strip(_STRIP):
            size = len(self._pending.encode("utf-8"))
            self._pending = ""
            raise StreamTruncated(self.delivered, size)


def read_ndjson(chunks: Iterable[bytes], reader: NdjsonReader | None = None) -> Iterator[Any]:
    """Every object of an NDJSON body given as byte chunks."""
    reader = reader or NdjsonReader()
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.close()
