# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""What a cassette never shows, and the writer of a stream's lines.

:class:`Redaction` holds the rules: secret headers always dropped, the declared personal
fields replaced by ``"<redacted>"`` in JSON, XML, query parameters and headers (the
replaying mock applies the same rules to a live request before comparing it).
:class:`LineWriter` writes a stream's lines as they arrive, verbatim, or redacted when a
chunk names a personal field, in chunks marked ``{"t_ms": ..., "bytes": N}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import IO, Any

REDACTED = "<redacted>"
#: Headers never written, whatever the redaction list says.
SECRET_HEADERS = frozenset(
    {"authorization", "cookie", "set-cookie", "proxy-authorization"}
)


class Redaction:
    """What a cassette never shows: secret headers always, and the fields named ``names``."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(name.lower() for name in names)
        self._needles = _cover(
            tuple(f'"{name}"'.encode() for name in sorted(self.names))
        )
        #: The longest needle: how far past a chunk boundary a name may reach.
        self.reach = max((len(n) for n in self._needles), default=0)
        self._xml = _xml_pattern(self.names)

    def mentions_personal(self, raw: bytes) -> bool:
        """Whether JSON text may hold a redacted field (its name appears as a key)."""
        return any(needle in raw for needle in self._needles)

    def scrub(self, value: Any) -> Any:
        """``value`` with every field named in ``names`` replaced, at any depth."""
        if isinstance(value, dict):
            return {
                k: REDACTED
                if k.lower() in self.names and v not in (None, "")
                else self.scrub(v)
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


def _cover(needles: tuple[bytes, ...], shortest: int = 4) -> tuple[bytes, ...]:
    """Fewer substrings, at least one in each needle: each body is scanned once per substring.

    Keys often share an ending (``nom_titulaire``, ``courriel_titulaire``...: ``titulaire"``),
    and a scan costs as much as the body is long, so one shared suffix replaces several
    needles. A body holding the suffix but no needle only takes the slow, exact path.
    """
    uncovered, chosen = set(needles), []
    while uncovered:
        candidates = {
            n[-k:] for n in uncovered for k in range(min(shortest, len(n)), len(n) + 1)
        }
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
    alternatives = "|".join(
        re.escape(n) for n in sorted(names) if re.fullmatch(r"[\w.-]+", n)
    )
    if not alternatives:
        return None
    tag = rf"(?:[\w.-]+:)?(?:{alternatives})"
    return re.compile(rf"(<{tag}(?:\s[^>]*)?>)([^<]*)(</{tag}\s*>)", re.IGNORECASE)


class LineWriter:
    """Writes a stream's complete lines as they arrive; keeps the unfinished one for later."""

    def __init__(
        self,
        file: IO[bytes],
        redaction: Redaction,
        *,
        size: int = 0,
        pending: bytes = b"",
    ) -> None:
        self.file, self.redaction = file, redaction
        #: Bytes of lines written so far; the unfinished last line, not written yet.
        self.size, self.pending = size, pending

    def feed(self, chunk: bytes, t_ms: float) -> None:
        """The chunk's complete lines, marked with ``t_ms``; its unfinished line kept."""
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            self.pending += chunk
            return
        redaction = self.redaction
        # the chunk's complete lines: the line left over from the last chunk, then these
        head: bytes = self.pending
        body: bytes | memoryview = memoryview(chunk)[:cut]
        self.pending = chunk[cut:]
        if redaction.mentions_personal(chunk) or (
            head and redaction.mentions_personal(head + chunk[: redaction.reach])
        ):  # the second test finds a name cut in two by the chunk boundary
            lines = (head + bytes(body)).split(b"\n")[:-1]
            head, body = b"", b"".join(redaction.line(line) + b"\n" for line in lines)
        size = len(head) + len(body)
        # two writes, no copy of the chunk: the marker says how many bytes of lines follow
        self.file.write(b'{"t_ms": %.1f, "bytes": %d}\n' % (t_ms, size) + head)
        self.file.write(body)
        self.size += size

    def finish(self, t_ms: float) -> int:
        """Write the unterminated last line, if any (marked so); the total size written."""
        if self.pending:
            line = self.redaction.line(self.pending) + b"\n"
            marker = {"t_ms": t_ms, "bytes": len(line), "unterminated": True}
            self.file.write(json.dumps(marker).encode() + b"\n" + line)
            self.size += len(line)
            self.pending = b""
        return self.size
