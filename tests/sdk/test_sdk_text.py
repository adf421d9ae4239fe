"""Showing untrusted text and node URLs (``registry_client.text``, ``registry_client.node_url``)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from registry_client.errors import InvalidInput
from registry_client.node_url import public_node_url
from registry_client.text import has_hidden, printable, printable_lines, quoted, safe_json
from support.sdk import World


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Acme K.K.", "Acme K.K."),
        ("株式会社\u3000日本", "株式会社\u3000日本"),  # the ideographic space stays
        ("A\x1b[2JB", "A\\x1b[2JB"),
        ("A\x00B\x7f\x9b", "A\\x00B\\x7f\\x9b"),
        ("right\u202eleft\u2066", "right\\u202eleft\\u2066"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("two\nlines\r", "two\\x0alines\\x0d"),
        ("nbsp\u00a0", "nbsp\\xa0"),
        ("tag \U000e0041", "tag \\U000e0041"),
        ("[bold]<b>&", "[bold]<b>&"),  # markup is printable: kept, and never parsed
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert has_hidden(text) == (text != shown)


@given(st.text())
def test_printable_shows_only_visible_characters_and_is_idempotent(text: str) -> None:
    shown = printable(text)
    assert all(c.isprintable() or c == "\u3000" for c in shown)
    assert printable(shown) == shown
    assert printable_lines(text).split("\n") == [printable(line) for line in text.split("\n")]


@given(st.recursive(st.text() | st.integers(), lambda inner: st.lists(inner, max_size=3)))
def test_safe_json_means_the_same_and_is_safe_to_print(value: object) -> None:
    text = safe_json(value)
    assert json.loads(text) == value
    assert all(c.isprintable() or c in "\n\u3000" for c in text)


def test_quoted() -> None:
    assert quoted('say "hi"\x1b') == '"say \\"hi\\"\\x1b"'


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:secret@node.example:8545/v3/KEY?apikey=x#f", "https://node.example:8545"),
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("http://[::1]:8545/path", "http://[::1]:8545"),
        ("http://a.example/k1,https://u:p@b.example/k2", "http://a.example, https://b.example"),
        ("not a url", "the node"),
        ("http://host:99999", "the node"),
    ],
)
def test_public_node_url(url: str, shown: str) -> None:
    assert public_node_url(url) == shown


def test_text_that_is_not_utf8_is_refused_with_the_byte_named(world: World) -> None:
    """Anyone can send bytes that are not UTF-8 where a string is expected; the contracts refuse
    them (``TextChecks``) and the SDK says at which byte, so no record carries such text."""
    from eth_abi import encode
    from eth_utils import function_signature_to_4byte_selector

    from registry_client.client import Call

    alice = world.client(world.alice)
    prepared = alice.prepare.retire(1, 3, "JP", "ndc", "Alice", "placeholder")
    selector = function_signature_to_4byte_selector(
        "retire(uint256,uint256,bytes2,uint8,string,string)"
    )
    # string and bytes share their ABI encoding: these are the bytes as any client could send them
    args = encode(
        ["uint256", "uint256", "bytes2", "uint8", "bytes", "bytes"],
        [1, 3, b"JP", 0, b"Alice \xff\xfe", b"\x1b[2J\xc3("],
    )
    call = Call({**prepared.request, "data": selector + args}, prepared.parse, prepared.context)
    count = alice.registry_contract.functions.retirementCount().call()
    with pytest.raises(InvalidInput, match="not well-formed UTF-8 or holds a control character"):
        alice.send(call)
    assert alice.registry_contract.functions.retirementCount().call() == count
