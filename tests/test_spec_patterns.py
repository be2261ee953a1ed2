"""GRDF's identifier and period formats, as our specs' patterns accept or reject them."""

from __future__ import annotations

import re
from typing import Any

import pytest


def ecma_search(pattern: str, value: str) -> bool:
    """Search with ECMA-262 semantics, which JSON Schema patterns use.

    Python's ``$`` also matches before a final newline ("2019\\n"); ECMA's does not. Code that
    enforces these patterns in Python must anchor with ``\\Z`` or use ``fullmatch``.
    """
    return re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), value) is not None


@pytest.fixture(scope="module")
def parameters(adict_spec: dict[str, Any]) -> dict[str, Any]:
    return adict_spec["parameters"]  # type: ignore[no-any-return]


PERIODES = [
    ("2019", True),
    ("2019-07", True),
    ("2019-W27", True),
    ("2019-187", True),
    ("PN-2019", True),
    ("PN-2019-07", True),
    ("PN-2019-W27", True),
    ("PN-2019-W27-3", True),
    ("19", False),
    ("2019-7", False),
    ("2019-W7", False),
    ("2019-1870", False),
    ("PN2019", False),
    ("2019-07-01", False),
    ("PN-2019-W27-", False),
    ("2019\n", False),
]


@pytest.mark.parametrize(("value", "accepted"), PERIODES)
def test_periode_formats(parameters: dict[str, Any], value: str, accepted: bool) -> None:
    assert ecma_search(parameters["periode"]["pattern"], value) is accepted


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("09999999900617", True),
        ("GI999055", True),
        ("0999999990061", False),
        ("099999999006170", False),
        ("GI99905", False),
        ("gi999055", False),
        ("GI9990555", False),
        ("GI999055\n", False),
    ],
)
def test_id_pce_format(parameters: dict[str, Any], value: str, accepted: bool) -> None:
    assert ecma_search(parameters["id_pce"]["pattern"], value) is accepted
