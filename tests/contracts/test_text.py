"""Text on chain (``contracts/libraries/TextChecks.sol``): holder names, titles, methodologies,
authorization ids, beneficiaries and notes are well-formed UTF-8 without control characters.

Every stored text is tried with what is accepted (any script, 4-byte emoji, the longest sequences at
the edges of the ranges) and what is refused, with the byte offset the refusal names; the Python
mirror (``decisions.text_problem``) must agree on every case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ape
import eth_abi
import pytest
from eth_utils import keccak
from web3.exceptions import ContractCustomError as Web3ContractCustomError

from registry_client import decisions as d
from registry_client.domain import AccountKind, Authorization, CancellationReason, RetirementPurpose
from support.contracts import (
    ID,
    JP,
    World,
    addr,
    decode_error,
    project_registration,
    reverts,
)

ACCEPTED: list[bytes] = [
    b"Acme Carbon K.K.",
    "株式会社ジェイ・エフ・イー エンジニアリング".encode(),
    "PT Semen Indonesia (Persero) Tbk — Ñ ü é".encode(),
    "Offset 🌏 FY2025".encode(),
    b"\x20\x7e",  # the printable ASCII edges
    b"\xc2\xa0",  # U+00A0, the first character after the C1 controls
    b"\xdf\xbf",  # U+07FF
    b"\xe0\xa0\x80",  # U+0800, the shortest 3-byte form
    b"\xed\x9f\xbf",  # U+D7FF, just below the surrogates
    b"\xee\x80\x80",  # U+E000, just above them
    b"\xe2\x80\xa7",  # U+2027, just below the line separator
    b"\xe2\x80\xaf",  # U+202F, just above the bidirectional overrides
    b"\xf0\x90\x80\x80",  # U+10000
    b"\xf4\x8f\xbf\xbf",  # U+10FFFF, the last code point
]

#: (bytes, offset of the first refused byte)
REFUSED: list[tuple[bytes, int]] = [
    (b"line\nbreak", 4),
    (b"tab\there", 3),
    (b"\x00nul", 0),
    (b"del\x7f", 3),
    (b"ok \xc2\x85", 3),  # U+0085, a C1 control
    (b"\xc2\x9f", 0),  # U+009F, the last C1 control
    (b"\xe2\x80\xa8", 0),  # U+2028 line separator
    (b"\xe2\x80\xa9", 0),  # U+2029 paragraph separator
    (b"evil \xe2\x80\xaegnp.exe", 5),  # U+202E right-to-left override
    (b"\xe2\x81\xa6x", 0),  # U+2066 left-to-right isolate
    (b"\xe2\x81\xa9", 0),  # U+2069 pop directional isolate
    (b"\x80", 0),  # a continuation byte alone
    (b"\xc0\xaf", 0),  # overlong "/"
    (b"\xc1\xbf", 0),  # overlong
    (b"\xe0\x9f\xbf", 0),  # overlong 3-byte
    (b"\xed\xa0\x80", 0),  # U+D800, a surrogate
    (b"\xf0\x8f\xbf\xbf", 0),  # overlong 4-byte
    (b"\xf4\x90\x80\x80", 0),  # above U+10FFFF
    (b"\xf5\x80\x80\x80", 0),  # no such lead byte
    (b"\xff", 0),
    (b"abc\xe3\x81", 3),  # truncated at the end
    (b"\xe3\x81x", 0),  # a sequence cut by an ASCII byte
]


class RawText(bytes):
    """Bytes to send where the ABI says ``string`` (how a hostile caller sends invalid UTF-8)."""


def as_text(raw: bytes) -> Any:
    """The bytes as the string argument: text when they decode, else ``RawText``."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return RawText(raw)


def _as_bytes(value: Any) -> Any:
    if hasattr(value, "address") and not isinstance(value, str | bytes):
        return addr(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, list | tuple):
        return [_as_bytes(v) for v in value]
    return value


def send(contract: Any, function: str, *args: Any, sender: Any) -> Any:
    """Calls ``function`` with ``args``; any ``bytes`` given for a ``string`` is sent as those
    exact bytes. Text that is valid UTF-8 goes through Ape as a mined transaction. Invalid bytes
    go as an ``eth_call`` from ``sender`` (Ape cannot encode them): a refusal is raised from its
    revert data either way, and a refused call changes nothing."""
    if not any(isinstance(a, RawText) for a in _flatten(args)):
        return getattr(contract, function)(*args, sender=sender)
    abi = next(a for a in contract.contract_type.abi if getattr(a, "name", None) == function)
    types = [re.sub(r"\bstring\b", "bytes", i.canonical_type) for i in abi.inputs]
    data = keccak(text=abi.selector)[:4] + eth_abi.encode(types, _as_bytes(list(args)))
    w3 = ape.chain.provider.web3
    try:
        w3.eth.call({"from": addr(sender), "to": contract.address, "data": data})
    except Web3ContractCustomError as exc:
        raw = exc.data if isinstance(exc.data, str) else str(exc.data)
        name, inputs = decode_error(bytes.fromhex(raw[2:]))
        raise RefusedCall(name, inputs) from None
    raise AssertionError(f"{function} accepted invalid UTF-8")


class RefusedCall(Exception):
    def __init__(self, name: str, inputs: dict[str, Any]) -> None:
        super().__init__(f"{name}({inputs})")
        self.name, self.inputs = name, inputs


@contextmanager
def refused(error: str, offset: int, raw: bytes) -> Iterator[None]:
    """Like ``reverts``, for both paths of ``send``."""
    if not _is_invalid(raw):
        with reverts(error, offset=offset):
            yield
        return
    try:
        yield
    except RefusedCall as call:
        assert (call.name, call.inputs["offset"]) == (error, offset), call
    else:
        raise AssertionError(f"no refusal of {raw!r}")


def _flatten(values: Any) -> list[Any]:
    if isinstance(values, list | tuple):
        return [x for v in values for x in _flatten(v)]
    return [values]


def _is_invalid(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def python_agrees(raw: bytes, refused_at: int | None) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert refused_at is not None  # Python cannot even hold it as text
        return
    problem = d.text_problem(text)
    if refused_at is None:
        assert problem is None, problem
    else:
        assert problem is not None and f"at byte {refused_at}" in problem, problem


Store = Callable[[World, Any], None]


def _open(world: World, text: Any) -> None:
    fresh = next(
        a for a in world.spare if int(world.registry.accountInfo(a).status) == 0
    )  # an address with no account yet
    send(
        world.registry,
        "openAccount",
        fresh,
        JP,
        AccountKind.HOLDING,
        text,
        sender=world.jp.registrar,
    )


def _retire_beneficiary(world: World, text: Any) -> None:
    holder = world.jp.companies[0]
    batch = world.issue("ID012", [(holder, 5)])
    send(world.registry, "retire", batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, text, "",
         sender=holder)  # fmt: skip


def _retire_note(world: World, text: Any) -> None:
    holder = world.jp.companies[0]
    batch = world.issue("ID012", [(holder, 5)])
    send(
        world.registry,
        "retire",
        batch,
        1,
        JP,
        RetirementPurpose.VOLUNTARY_OFFSET,
        "",
        text,
        sender=holder,
    )


def _cancel_note(world: World, text: Any) -> None:
    holder = world.jp.companies[0]
    batch = world.issue("ID012", [(holder, 5)])
    send(
        world.registry,
        "cancel",
        batch,
        1,
        CancellationReason.VOLUNTARY_CANCELLATION,
        text,
        sender=holder,
    )


def _title(world: World, text: Any) -> None:
    registration = project_registration("ID077", ID).as_tuple()
    send(world.projects, "registerProject", (registration[0], registration[1], text,
         *registration[3:]), sender=world.committees[ID])  # fmt: skip


def _methodology(world: World, text: Any) -> None:
    registration = project_registration("ID078", ID).as_tuple()
    send(world.projects, "registerProject", (*registration[:3], text, *registration[4:]),
         sender=world.committees[ID])  # fmt: skip


def _authorization_id(world: World, text: Any) -> None:
    issuance = world.issuance(
        "ID012", [(world.jp.companies[0], 5)], authorization=Authorization.NDC
    ).as_tuple()
    send(
        world.projects, "issue", (*issuance[:10], text, *issuance[11:]), sender=world.committees[ID]
    )


def _decision_ref(world: World, text: Any) -> None:
    issuance = world.issuance("ID012", [(world.jp.companies[0], 5)]).as_tuple()
    raw = text if isinstance(text, bytes) else text.encode()
    send(
        world.projects,
        "issue",
        (keccak(raw), text, *issuance[2:]),
        sender=world.committees[ID],
    )


def _authorization_decision_id(world: World, text: Any) -> None:
    batch = world.issue("ID012", [(world.id.companies[0], 5)])
    date = int(ape.chain.pending_timestamp) - 86_400
    send(
        world.article6,
        "setAuthorization",
        (batch, Authorization.NDC, text, date),
        sender=world.committees[ID],
    )


STORES: dict[str, tuple[Store, str]] = {
    "holder name": (_open, "RegistryInvalidText"),
    "beneficiary": (_retire_beneficiary, "RegistryInvalidText"),
    "retirement note": (_retire_note, "RegistryInvalidText"),
    "cancellation note": (_cancel_note, "RegistryInvalidText"),
    "project title": (_title, "ProjectsInvalidText"),
    "methodology": (_methodology, "ProjectsInvalidText"),
    "authorization id": (_authorization_id, "ProjectsInvalidText"),
    "decision reference": (_decision_ref, "ProjectsInvalidText"),
    "authorization decision id": (_authorization_decision_id, "Article6InvalidText"),
}


@pytest.mark.parametrize("store", list(STORES))
def test_every_stored_text_accepts_any_script_and_refuses_control_characters(
    world: World, store: str
) -> None:
    action, error = STORES[store]
    # A few of each (a full sweep of every case per text would take minutes on the shared node).
    action(world, as_text(ACCEPTED[1]))
    for raw, offset in (REFUSED[0], REFUSED[8], REFUSED[15]):
        with refused(error, offset, raw):
            action(world, as_text(raw))


@pytest.mark.parametrize("raw", ACCEPTED, ids=lambda r: r.hex())
def test_accepted_text(world: World, raw: bytes) -> None:
    _open(world, as_text(raw))
    assert world.registry.accountInfo(world.spare[0]).holderName == raw.decode("utf-8")
    python_agrees(raw, None)


@pytest.mark.parametrize(("raw", "offset"), REFUSED, ids=[r.hex() for r, _ in REFUSED])
def test_refused_text(world: World, raw: bytes, offset: int) -> None:
    with refused("RegistryInvalidText", offset, raw):
        _open(world, as_text(raw))
    python_agrees(raw, offset)
