"""The NDJSON reader against every quirk GRDF's sandbox has been seen to send."""

from __future__ import annotations

import json

import msgspec
import pytest

from codegen.runtime import ndjson
from codegen.runtime.errors import BadLine, StreamError, StreamTruncated
from codegen.runtime.ndjson import NdjsonReader, read_ndjson


class Line(msgspec.Struct):
    n: int
    texte: str = ""


def typed() -> NdjsonReader:
    return NdjsonReader(
        msgspec.json.Decoder(Line).decode,
        lambda o: msgspec.convert(o, Line),
        malformed=(msgspec.DecodeError,),
        invalid=(msgspec.ValidationError,),
    )


PRETTY = b'{\n  "n": 1,\n  "texte": "a}b"\n}\n{\n  "n": 2\n}\n'
CASES = [
    ("strict", b'{"n": 1}\n{"n": 2}\n', [1, 2]),
    ("no final newline", b'{"n": 1}\n{"n": 2}', [1, 2]),
    ("CRLF", b'{"n": 1}\r\n{"n": 2}\r\n', [1, 2]),
    ("blank lines", b'\n{"n": 1}\n\n\n{"n": 2}\n\n', [1, 2]),
    ("BOM", b'\xef\xbb\xbf{"n": 1}\n{"n": 2}\n', [1, 2]),
    ("non-breaking spaces", '\u00a0{"n": 1}\u00a0\n\u00a0{"n": 2}\n'.encode(), [1, 2]),
    ("pretty-printed, brace in a string", PRETTY, [1, 2]),
    ("concatenated on one line", b'{"n": 1}{"n": 2} {"n": 3}\n', [1, 2, 3]),
    ("pretty then strict", b'{\n"n": 1\n}\n{"n": 2}\n', [1, 2]),
    ("closing and opening on one line", b'{\n"n": 1\n}{\n"n": 2\n}\n', [1, 2]),
    ("unicode", '{"n": 1, "texte": "Relevé été"}\n'.encode(), [1]),
]


@pytest.mark.parametrize("chunk", [1, 2, 7, 4096])
@pytest.mark.parametrize(("label", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_quirks_give_every_item_whatever_the_chunking(
    label: str, body: bytes, expected: list[int], chunk: int
) -> None:
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    assert [item.n for item in read_ndjson(chunks, typed())] == expected
    assert [item["n"] for item in read_ndjson(chunks)] == expected


@pytest.mark.parametrize(
    ("body", "delivered"),
    [
        (b'{"n": 1}\n{"n": 2}\n{"n": 3, "tex', 2),
        (b'{\n"n": 1\n}\n{\n"n": 2,\n', 1),
        (b'{"n": 1}{"n"', 1),
    ],
)
def test_truncated_tail_raises_after_every_complete_item(body: bytes, delivered: int) -> None:
    got: list[int] = []
    with pytest.raises(StreamTruncated) as caught:
        for item in read_ndjson([body], typed()):
            got.append(item.n)
    assert len(got) == delivered == caught.value.delivered
    assert caught.value.tail > 0


def test_valid_json_of_the_wrong_shape_names_the_item() -> None:
    with pytest.raises(StreamError, match=r"item 2: Expected `int`, got `str` - at `\$.n`"):
        list(read_ndjson([b'{"n": 1}\n{"n": "deux"}\n'], typed()))


def test_items_come_out_as_soon_as_complete() -> None:
    reader = typed()
    assert [i.n for i in reader.feed(b'{"n": 1}\n{"n"')] == [1]
    assert [i.n for i in reader.feed(b": 2}\n")] == [2]
    assert list(reader.close()) == []


def test_memory_holds_one_incomplete_object_at_most() -> None:
    reader = typed()
    line = json.dumps({"n": 1, "texte": "x" * 1000}).encode() + b"\n"
    for _ in range(1000):
        assert len(list(reader.feed(line))) == 1
        assert reader.buffered == 0


def skipping() -> NdjsonReader:
    reader = typed()
    reader.skip_bad_lines = True
    return reader


#: (label, body, items delivered when skipping, (first, last) line of each bad segment)
BAD_LINES = [
    ("garbage line", b'{"n": 1}\ngarbage\n{"n": 2}\n', [1, 2], [(2, 2)]),
    ("double comma", b'{"n": 1}\n{"n": 2,, "texte": "x"}\n{"n": 3}\n', [1, 3], [(2, 2)]),
    ("cut line, then strict", b'{"n": 1}\n{"n": 2, "tex\n{"n": 3}\n', [1, 3], [(2, 2)]),
    ("bad UTF-8", b'{"n": 1}\n{"n": 2, "texte": "\xff\xfe"}\n{"n": 3}\n', [1, 3], [(2, 2)]),
    ("wrong shape", b'{"n": 1}\n{"n": "deux"}\n{"n": 3}\n', [1, 3], [(2, 2)]),
    ("stray closing brace", b'{"n": 1}\n}\n{"n": 2}\n', [1, 2], [(2, 2)]),
    ("garbage after an object", b'{"n": 1} xyz\n{"n": 2}\n', [1, 2], [(1, 1)]),
    (
        "object left open, then pretty objects",
        b'{"n": 1}\n{"n": 2,\n{\n  "n": 3\n}\n{\n  "n": 4\n}\n',
        [1, 3, 4],
        [(2, 2)],
    ),
    (
        "open object swallowed strict lines until one starts in column 0",
        b'{"n": 1, "texte": [\n  "a",\n{"n": 2}\n',
        [2],
        [(1, 2)],
    ),
]


@pytest.mark.parametrize("chunk", [1, 5, 4096])
@pytest.mark.parametrize(
    ("label", "body", "items", "segments"), BAD_LINES, ids=[c[0] for c in BAD_LINES]
)
def test_bad_lines_are_skipped_and_reading_goes_on_at_the_next_line(
    label: str, body: bytes, items: list[int], segments: list[tuple[int, int]], chunk: int
) -> None:
    reader = skipping()
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    assert [item.n for item in read_ndjson(chunks, reader)] == items
    assert [(bad.first_line, bad.last_line) for bad in reader.bad_lines] == segments


@pytest.mark.parametrize(
    ("label", "body", "items", "segments"), BAD_LINES, ids=[c[0] for c in BAD_LINES]
)
def test_a_bad_line_raises_with_its_line_number_after_every_item_before_it(
    label: str, body: bytes, items: list[int], segments: list[tuple[int, int]]
) -> None:
    got: list[int] = []
    with pytest.raises(BadLine) as caught:
        for item in read_ndjson([body], typed()):
            got.append(item.n)
    first, last = segments[0]
    assert (caught.value.first_line, caught.value.last_line) == (first, last)
    assert caught.value.delivered == len(got)
    where = f"line {first}:" if first == last else f"lines {first}-{last}:"
    assert str(caught.value).startswith(where)
    assert isinstance(caught.value, StreamError)


def test_a_bad_line_costs_one_decode_however_long_the_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cost is linear: no line is decoded twice after an early malformed line."""
    calls = 0
    real = ndjson._DECODER.raw_decode

    def counting(text: str, position: int = 0) -> tuple[object, int]:
        nonlocal calls
        calls += 1
        return real(text, position)

    monkeypatch.setattr(ndjson._DECODER, "raw_decode", counting)
    good = json.dumps({"n": 1, "texte": "x" * 200}).encode() + b"\n"
    body = good + b'{"n": 2, "texte": [\n' + good * 20_000
    reader = skipping()
    delivered = sum(
        1 for _ in read_ndjson([body[i : i + 65536] for i in range(0, len(body), 65536)], reader)
    )
    assert delivered == 20_001
    assert [(bad.first_line, bad.last_line) for bad in reader.bad_lines] == [(2, 2)]
    assert calls <= 2
    assert reader.buffered == 0


def test_an_object_over_the_size_limit_is_a_bad_line_and_memory_stays_bounded() -> None:
    reader = skipping()
    reader.max_object_bytes = 10_000
    body = b'{"n": 1}\n{\n' + b'  "a": [\n' + b'    "xxxxxxxxxx",\n' * 2000 + b'{"n": 2}\n'
    seen = []
    chunks = [body[i : i + 512] for i in range(0, len(body), 512)]
    for chunk in chunks:
        seen.extend(item.n for item in reader.feed(chunk))
        assert reader.buffered <= 10_000 + 512
    seen.extend(item.n for item in reader.close())
    assert seen == [1, 2]
    assert len(reader.bad_lines) == 1 and "larger than 10000 bytes" in reader.bad_lines[0].reason


def test_an_overlong_line_is_dropped_without_holding_it() -> None:
    reader = skipping()
    reader.max_object_bytes = 1_000
    body = b'{"n": 1}\n' + b"x" * 50_000 + b'\n{"n": 2}\n'
    seen = []
    for i in range(0, len(body), 100):
        seen.extend(item.n for item in reader.feed(body[i : i + 100]))
        assert reader.buffered <= 1_100
    seen.extend(item.n for item in reader.close())
    assert seen == [1, 2]
    assert [(b.first_line, b.reason) for b in reader.bad_lines] == [
        (2, "a line longer than 1000 bytes")
    ]
