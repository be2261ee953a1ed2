# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""An incremental NDJSON reader that survives what GRDF's sandbox has been seen to send.

Accepts strict NDJSON, pretty-printed objects concatenated across lines, several objects
on one line, CR/LF line ends, a byte-order mark, and stray non-breaking spaces around
values. Objects come out as soon as the line that completes them has arrived; memory holds
one incomplete object at most (``max_object_bytes``). A stream that ends inside an object
raises :class:`StreamTruncated` after every complete object before it was delivered.

Each strict line goes straight through ``loads`` (a typed msgspec decoder in the clients,
faster than ``json.loads``); only lines that are not a whole JSON value take the tolerant
path, which scans each byte once (strings and brackets) and decodes an object once, when
its brackets balance: the cost stays linear whatever the stream holds.

A line that cannot be part of any JSON value (garbage, bad UTF-8, an object left open when
a new one starts in column 0, an object over ``max_object_bytes``) is a :class:`BadLine`
naming its line number: raised, or skipped and listed in :attr:`NdjsonReader.bad_lines`
when the reader was built with ``skip_bad_lines=True``; reading goes on at the next line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import BadLine, StreamTruncated

_STRIP = " \t\r\n\ufeff\u00a0"
_BOM, _NBSP = b"\xef\xbb\xbf", b"\xc2\xa0"
_DECODER = json.JSONDecoder()
#: A whole string (possibly unterminated at the end of a line) or one bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\]]')
_OPENERS = ("{", "[")
#: The largest object (or line) the reader holds while waiting for its end.
DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024


def _identity(value: Any) -> Any:
    return value


class NdjsonReader:
    """Feed bytes with :meth:`feed`, get complete objects back; call :meth:`close` at the end.

    ``loads`` parses one line (bytes); exceptions of type ``malformed`` mean "not a whole
    JSON value" and send the line down the tolerant path, exceptions of type ``invalid``
    (checked first) mean "valid JSON of the wrong shape" and make a :class:`BadLine`.
    """

    def __init__(
        self,
        loads: Callable[[bytes], Any] = json.loads,
        convert: Callable[[Any], Any] = _identity,
        *,
        malformed: tuple[type[Exception], ...] = (ValueError,),
        invalid: tuple[type[Exception], ...] = (),
        skip_bad_lines: bool = False,
        max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    ) -> None:
        self._loads = loads
        self._convert = convert
        self._malformed = malformed
        self._invalid = invalid
        #: Whatever ``loads`` may raise that the general path handles.
        self._refusals: tuple[type[Exception], ...] = (
            UnicodeDecodeError,
            *invalid,
            *malformed,
        )
        self.skip_bad_lines = skip_bad_lines
        self.max_object_bytes = max_object_bytes
        #: Bytes of the current line received so far (no newline yet), and their size.
        self._tail: list[bytes] = []
        self._tail_size = 0
        self._overlong = False
        #: Lines of a multi-line object not complete yet, where it started, its bracket depth.
        self._pending: list[str] = []
        self._pending_size = 0
        self._pending_line = 0
        self._depth = 0
        #: Skipping the rest of an oversized object, up to the next object in column 0.
        self._discarding = False
        #: Lines seen so far (the number of the line being handled).
        self.line = 0
        self.delivered = 0
        #: The bad lines skipped (``skip_bad_lines=True``), in order.
        self.bad_lines: list[BadLine] = []

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the end of a line or of an object."""
        return self._tail_size + self._pending_size

    # ------------------------------------------------------------------ outcomes
    def _emit(self, value: Any, converted: bool) -> Any:
        if not converted:
            try:
                value = self._convert(value)
            except self._invalid as exc:
                self._bad(self.line, f"item {self.delivered + 1}: {exc}")
                return _SKIPPED
        self.delivered += 1
        return value

    def _bad(self, first_line: int, reason: str, last_line: int | None = None) -> None:
        error = BadLine(first_line, last_line or self.line, reason, self.delivered)
        if not self.skip_bad_lines:
            raise error
        self.bad_lines.append(error)

    def _drop_pending(self, reason: str, *, before_this_line: bool = False) -> None:
        first = self._pending_line
        self._pending, self._pending_size, self._depth = [], 0, 0
        self._bad(first, reason, self.line - 1 if before_this_line else None)

    # ------------------------------------------------------------------ tolerant path
    def _scan(self, text: str, final: bool) -> Iterator[Any]:
        """Add ``text`` (one line) to the pending object; decode what its brackets close.

        On the ``final`` line an unterminated string is where the stream was cut, which
        :meth:`close` reports as truncation rather than as a bad line.
        """
        if not self._pending:
            self._pending_line = self.line
        base = self._pending_size + len(self._pending)  # characters, with the newlines
        self._pending.append(text)
        self._pending_size += len(text)
        complete_at = -1
        for token in _TOKEN.finditer(text):
            first = token.group()[0]
            if first == '"':
                if len(token.group()) < 2 or token.group()[-1] != '"':
                    if not final:
                        self._drop_pending("a string runs past the end of its line")
                    return
                continue
            if self._depth == 0 and first not in _OPENERS:
                self._drop_pending(f"unexpected {first!r}")
                return
            self._depth += 1 if first in _OPENERS else -1
            if self._depth == 0:
                complete_at = base + token.end()
        if complete_at >= 0:
            yield from self._decode_complete(complete_at)
        elif self._pending_size > self.max_object_bytes:
            # The rest of that object is skipped up to the next object in column 0.
            self._discarding = True
            self._drop_pending(f"an object larger than {self.max_object_bytes} bytes")

    def _decode_complete(self, end: int) -> Iterator[Any]:
        """Decode the objects of the pending text up to ``end``; keep the rest pending."""
        text = "\n".join(self._pending)
        position = 0
        while True:
            while position < end and text[position] in _STRIP:
                position += 1
            if position >= end:
                break
            try:
                value, position = _DECODER.raw_decode(text, position)
            except json.JSONDecodeError as exc:
                self._drop_pending(f"not JSON: {exc.msg}")
                return
            item = self._emit(value, converted=False)
            if item is not _SKIPPED:
                yield item
        rest = text[end:].strip(_STRIP)
        if not rest:
            self._pending, self._pending_size = [], 0
            return
        if rest[0] not in _OPENERS:
            self._drop_pending(f"unexpected {rest[0]!r} after an object")
            return
        self._pending, self._pending_size, self._pending_line = (
            [rest],
            len(rest),
            self.line,
        )

    # ------------------------------------------------------------------ one line
    def _line(self, raw: bytes, final: bool = False) -> Iterator[Any]:
        self.line += 1
        line = raw.strip(b" \t\r\n")
        if line[:3] == _BOM or line[:2] == _NBSP or line[-2:] == _NBSP:
            try:
                line = line.decode("utf-8").strip(_STRIP).encode("utf-8")
            except UnicodeDecodeError:
                self._bad(self.line, "not UTF-8")
                return
        if not line:
            return
        if self._discarding:
            if raw[:1] != b"{":
                if self.bad_lines:
                    self.bad_lines[-1].extend_to(self.line)
                return
            self._discarding = False
        if self._pending:
            if raw[:1] == b"{" and self._depth > 0:
                # A new top-level object starts in column 0: the open one never closed.
                self._drop_pending(
                    "an object left open when a new one starts", before_this_line=True
                )
            else:
                yield from self._scan_bytes(line, final)
                return
        try:
            value = self._loads(line)
        except UnicodeDecodeError:
            self._bad(self.line, "not UTF-8")
            return
        except self._invalid as exc:
            if _whole_json(line):
                self._bad(self.line, f"item {self.delivered + 1}: {exc}")
                return
            # A typed decoder validates as it parses: the start of a multi-line object
            # can fail on a type before it fails on its end. It is not JSON: go tolerant.
            yield from self._scan_bytes(line, final)
            return
        except self._malformed:
            if line[:1] in (b"{", b"["):
                yield from self._scan_bytes(line, final)
            else:
                self._bad(self.line, "not JSON")
            return
        yield self._emit(value, converted=True)

    def _scan_bytes(self, line: bytes, final: bool) -> Iterator[Any]:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            if self._pending:
                self._drop_pending("not UTF-8")
            else:
                self._bad(self.line, "not UTF-8")
            return
        yield from self._scan(text, final)

    # ------------------------------------------------------------------ public
    def feed(self, chunk: bytes) -> Iterator[Any]:
        """Objects completed by ``chunk``, in order."""
        lines = chunk.split(b"\n")
        last = lines.pop()
        if lines:
            if self._overlong:
                self._overlong, self._tail, self._tail_size = False, [], 0
                self.line += 1
                self._bad(
                    self.line, f"a line longer than {self.max_object_bytes} bytes"
                )
                del lines[0]
            elif self._tail:
                self._tail.append(lines[0])
                lines[0] = b"".join(self._tail)
                self._tail, self._tail_size = [], 0
            loads = self._loads
            for raw in lines:
                # The common case inline (no generator, no call per line): one strict
                # object on its line, nothing pending. Anything else, or a line the decoder
                # refuses, takes the general path, which decodes it again.
                line = raw.strip(b" \t\r\n")
                if (
                    line[:1] == b"{"
                    and line[-1:] == b"}"
                    and not self._pending
                    and not self._discarding
                ):
                    try:
                        value = loads(line)
                    except self._refusals:
                        yield from self._line(raw)  # which names the failure
                        continue
                    self.line += 1
                    self.delivered += 1
                    yield value
                    continue
                yield from self._line(raw)
        self._hold(last)

    def _hold(self, piece: bytes) -> None:
        if not piece or self._overlong:
            return
        self._tail.append(piece)
        self._tail_size += len(piece)
        if self._tail_size > self.max_object_bytes:
            self._overlong, self._tail, self._tail_size = True, [], 0

    def close(self) -> Iterator[Any]:
        """Objects left at the end; raises :class:`StreamTruncated` if one is incomplete."""
        if self._overlong:
            self._overlong = False
            self.line += 1
            self._bad(self.line, f"a line longer than {self.max_object_bytes} bytes")
        elif self._tail:
            tail = b"".join(self._tail)
            self._tail, self._tail_size = [], 0
            yield from self._line(tail, final=True)
        if self._pending:
            size = sum(len(part.encode("utf-8")) for part in self._pending)
            self._pending, self._pending_size, self._depth = [], 0, 0
            raise StreamTruncated(self.delivered, size)


_SKIPPED = object()


def _whole_json(line: bytes) -> bool:
    """Whether ``line`` is one complete JSON value (checked only on lines that failed)."""
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def read_ndjson(
    chunks: Iterable[bytes], reader: NdjsonReader | None = None
) -> Iterator[Any]:
    """Every object of an NDJSON body given as byte chunks."""
    reader = reader or NdjsonReader()
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.close()
