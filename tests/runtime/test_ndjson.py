"""The NDJSON reader against every quirk GRDF's sandbox has been seen to send."""

from __future__ import annotations

import json

import msgspec
import pytest

from codegen.runtime.errors import StreamError, StreamTruncated
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
        assert reader._tail == b"" and reader._pending == ""
