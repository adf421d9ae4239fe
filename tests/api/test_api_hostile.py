"""Hostile text and extreme integers through a real chain into SQLite and PostgreSQL, then back
through the API and the explorer (issue 11, part 1).

The shipped contracts may refuse some of this text, but a deployment made before such a rule, or
another client of the same events, can still emit it: ``contracts/test/HostileEventSource.sol``
emits the registry's and the projects contract's events, with their exact signatures, carrying
whatever a Hypothesis strategy draws: NUL, ESC sequences, bidirectional and zero-width characters,
Rich markup, HTML, strings of the 256-byte maximum, and ``uint64`` values up to 2**64 - 1. Two
indexers follow that chain, one into SQLite and one into PostgreSQL; every value must come back
exactly through the JSON API and HTML-escaped through the explorer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account as EthAccount
from eth_utils import keccak
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st
from markupsafe import escape
from web3 import Web3

from registry_client.anvil import start_anvil
from support.api_chain import CANCELLATION, HOLDING, RETIREMENT, index_chain, make_client

MAX_UINT64 = 2**64 - 1

# Pieces a hostile holder would put in a name: terminal control, invisible and direction-changing
# characters, markup of Rich and of HTML, and ordinary non-ASCII text.
PIECES = (
    "\x00", "\x01", "\x1b[2J\x1b[H", "\x1b]8;;http://evil.example\x07", "\x1b[1A", "\r", "\n",
    "\t", "\x7f", "\x9b", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2028",
    "[bold red]", "[/]", "[link=http://evil.example]", ":warning:", "<script>alert(1)</script>",
    "</td><td>", "&amp;", "'\"", "\\", "株式会社", "\U0001f600", "ID012",
)  # fmt: skip

hostile_text = (
    st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=12)
    .map("".join)
    .filter(lambda text: len(text.encode()) <= 256)
)
hostile_name = hostile_text.filter(bool)  # holder names and project references are not empty
extreme = st.sampled_from([0, 1, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 2, MAX_UINT64]) | (
    st.integers(0, MAX_UINT64)
)


@dataclass
class HostileChain:
    """anvil with two event sources standing in for the registry and the projects contract, and
    one index of it in each database."""

    w3: Web3
    url: str
    registry: Any
    projects: Any
    deployment: dict[str, Any]
    sender: str
    indexes: dict[str, str] = field(default_factory=dict)
    clients: dict[str, TestClient] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    serial_cursor: int = MAX_UINT64  # batches take serials downwards from 2**64 - 1
    refs: set[str] = field(default_factory=set)  # a project registers once

    def send(self, fn: Any) -> None:
        tx_hash = fn.transact({"from": self.sender})
        assert self.w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1

    def sync(self) -> None:
        for url in self.indexes.values():
            index_chain(self.url, url, self.deployment)


@pytest.fixture(scope="module")
def chain(
    postgres: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostileChain]:
    from ape import project  # compiles contracts/test/HostileEventSource.sol

    contract_type = project.HostileEventSource.contract_type
    abi = contract_type.model_dump(mode="json", by_alias=True)["abi"]
    bytecode = contract_type.deployment_bytecode.bytecode
    node = start_anvil("--silent")
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        sender = w3.eth.accounts[0]
        start = w3.eth.block_number
        factory = w3.eth.contract(abi=abi, bytecode=bytecode)
        addresses = []
        for _ in range(2):
            receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact())
            addresses.append(receipt["contractAddress"])
        registry, projects = (w3.eth.contract(address=a, abi=abi) for a in addresses)
        deployment = {
            "chain_id": w3.eth.chain_id,
            "registry": registry.address,
            "projects": projects.address,
            "block_number": start,
        }
        hostile = HostileChain(w3, node.url, registry, projects, deployment, sender)
        for kind in (RETIREMENT, CANCELLATION):  # the side's sinks, with hostile names too
            sink = EthAccount.create().address
            hostile.send(registry.functions.openAccount(sink, b"JP", kind, "\x1b[2J\x00sink"))
        hostile.indexes = {
            "sqlite": f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'index.sqlite3'}",
            "postgresql": postgres(),
        }
        hostile.sync()
        engines = []
        for backend, url in hostile.indexes.items():
            client, engine = make_client(url, None)
            engines.append(engine)
            hostile.clients[backend] = client
        yield hostile
        for engine in engines:
            engine.dispose()
    finally:
        node.stop()


def _time(value: int) -> Any:
    """What the API answers for a date the event states (``api.models.ChainTime``)."""
    if value > int(datetime.max.replace(tzinfo=UTC).timestamp()):
        return value
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def _same_time(answered: Any, stated: int) -> bool:
    if isinstance(answered, int):
        return answered == stated
    return datetime.fromisoformat(answered.replace("Z", "+00:00")).timestamp() == stated


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=hostile_name,
    ref=hostile_name,
    title=hostile_text,
    authorization_id=hostile_text,
    beneficiary=hostile_text,
    note=hostile_text,
    quantity=extreme.map(lambda q: max(q, 1)),
    dates=st.tuples(extreme, extreme, extreme),
    verified=extreme,
)
@example(  # the 256-byte maximum, and every extreme integer at once
    name="\x00" * 256,
    ref="\u202e" * 85 + "x",
    title="[bold]" + "\x1b[2J" * 62 + "[/]",
    authorization_id="<script>alert(1)</script>",
    beneficiary="\u200b" * 85 + "a",
    note="\x9b2J" * 64,
    quantity=MAX_UINT64,
    dates=(MAX_UINT64, MAX_UINT64, MAX_UINT64),
    verified=MAX_UINT64,
)
def test_hostile_events_round_trip(
    chain: HostileChain,
    name: str,
    ref: str,
    title: str,
    authorization_id: str,
    beneficiary: str,
    note: str,
    quantity: int,
    dates: tuple[int, int, int],
    verified: int,
) -> None:
    assume(ref not in chain.refs)
    chain.refs.add(ref)
    serial = chain.serial_cursor
    quantity = max(1, min(quantity, serial // 2))  # leave serials for the later examples
    first, last = serial - quantity + 1, serial
    chain.serial_cursor = first - 1
    batch_id, record_id = next(chain.ids), next(chain.ids)
    holder = EthAccount.create().address
    project_key = keccak(text=f"project {batch_id}")
    start, end, authorized = dates
    retired = (first, first + (quantity - 1) // 2)  # about half, at least one serial
    cancelled = (retired[1] + 1, last) if retired[1] < last else None

    r, p = chain.registry.functions, chain.projects.functions
    chain.send(r.openAccount(holder, b"JP", HOLDING, name))
    chain.send(p.registerProject(project_key, b"ID", ref, title, ref))
    info = (
        batch_id, ref, b"ID", start, end, 2030, quantity, verified, first, last,
        keccak(text=f"decision {batch_id}"), f"decision {batch_id}", keccak(text="report"), 1,
        authorization_id,
        authorized, 1_700_000_000, False,
    )  # fmt: skip
    chain.send(r.issue(chain.projects.address, holder, project_key, info))
    chain.send(r.retire(record_id, batch_id, holder, retired, b"JP", 1, beneficiary, note))
    if cancelled is not None:
        chain.send(r.cancel(record_id, batch_id, holder, cancelled, 0, note))
    chain.sync()

    for backend, client in chain.clients.items():
        account = client.get(f"/v1/accounts/{holder}")
        assert account.status_code == 200, (backend, account.text)
        assert account.json()["holder_name"] == name, backend

        batch = client.get(f"/v1/batches/{batch_id}").json()
        assert (batch["project_ref"], batch["authorization_id"]) == (ref, authorization_id)
        assert (batch["first_serial"], batch["last_serial"]) == (first, last), backend
        assert (batch["quantity"], batch["verified_reductions"]) == (quantity, verified)
        assert _same_time(batch["monitoring_start"], start), backend
        assert _same_time(batch["monitoring_end"], end), backend
        if authorized:
            assert _same_time(batch["authorization_date"], authorized), backend

        retirement = client.get(f"/v1/retirements/{record_id}").json()
        assert (retirement["beneficiary"], retirement["note"]) == (beneficiary, note), backend
        assert retirement["quantity"] == retired[1] - retired[0] + 1

        located = client.get(f"/v1/serials/{last}")
        assert located.status_code == 200, (backend, located.text)
        where = located.json()["whereabouts"]
        assert [w["location"] for w in where] == ["cancelled" if cancelled else "retired"]

        listed = client.get("/v1/projects", params={"limit": 500}).json()["items"]
        assert ref in {item["ref"] for item in listed}, backend
        stats = client.get("/v1/stats")
        assert stats.status_code == 200, (backend, stats.text)

        # The explorer: text is HTML-escaped, never markup.
        for page, text in (
            (f"/accounts/{holder}", name),
            (f"/batches/{batch_id}", authorization_id),
            (f"/retirements/{record_id}", beneficiary),
        ):
            html = client.get(page)
            assert html.status_code == 200, (backend, page, html.text[:300])
            assert str(escape(text)) in html.text, (backend, page)
            assert "<script>alert(1)</script>" not in html.text, (backend, page)


def test_serial_lookup_of_a_range_consumed_by_thousands_of_retirements(chain: HostileChain) -> None:
    """One block of 1,500 serials retired one by one: the look-up answers a bounded page of the
    whereabouts and of the movements, on both databases, and pages through all of them."""
    count = 1_500
    serial = chain.serial_cursor
    first, last = serial - count + 1, serial
    chain.serial_cursor = first - 1
    batch_id, first_record = next(chain.ids), 10**6
    holder = EthAccount.create().address
    project_key = keccak(text=f"project {batch_id}")
    ref = f"MANY{batch_id}"
    chain.refs.add(ref)
    r, p = chain.registry.functions, chain.projects.functions
    chain.send(r.openAccount(holder, b"JP", HOLDING, "Many small retirements"))
    chain.send(p.registerProject(project_key, b"ID", ref, "many", "ID_AM001"))
    info = (
        batch_id, ref, b"ID", 1, 2, 2024, count, count, first, last,
        keccak(text=f"decision {batch_id}"), f"decision {batch_id}", keccak(text="report"), 0, "",
        0, 1_700_000_000, False,
    )  # fmt: skip
    chain.send(r.issue(chain.projects.address, holder, project_key, info))
    chain.send(r.retireEach(first_record, batch_id, holder, first, count, b"JP"))
    chain.sync()
    block = f"JCM-JP-{ref}-2024-{first:09d}-{last:09d}"
    for backend, client in chain.clients.items():
        answer = client.get(f"/v1/serials/{block}", params={"limit": 500})
        assert answer.status_code == 200, (backend, answer.text[:300])
        body = answer.json()
        assert body["whereabouts_total"] == count, backend
        assert body["movements"]["total"] == count + 1, backend  # the issuance and each retirement
        seen = []
        for offset in range(0, count, 500):
            page = client.get(f"/v1/serials/{block}", params={"limit": 500, "offset": offset})
            seen += [(w["first"], w["record_id"]) for w in page.json()["whereabouts"]]
        assert seen == [(first + i, first_record + i) for i in range(count)], backend


# Full-width, Arabic-Indic and superscript digits (int() reads the first two), and a block id in
# Arabic-Indic digits; escapes keep the source free of look-alike characters.
OTHER_DIGITS = (
    "\uff11\uff12\uff13",
    "\u0661\u0662\u0663",
    "12\u00b3",
    "JCM-JP-ID012-2023-" + "\u0660" * 8 + "\u0661-" + "\u0660" * 8 + "\u0662",
)


@pytest.mark.parametrize("text", OTHER_DIGITS)
def test_a_serial_in_other_digits_is_refused(chain: HostileChain, text: str) -> None:
    for backend, client in chain.clients.items():
        answer = client.get(f"/v1/serials/{text}")
        assert answer.status_code == 400, (backend, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"].startswith("application/problem+json")
