"""Every batch's issuance record rebuilt from its ``BatchIssued`` event and verified on chain.

``JCMProjects`` keeps a batch's issuance data only as a hash (``verifyBatch``); the full record is
in the event. The checkers (``tests/support/invariants.py``, the fuzz checks) read every
``BatchIssued`` log of the projects contract, decode its ``batch`` the way ``batchInfo`` returned
it (a tuple in ``BatchInfo``'s field order), and ask ``verifyBatch`` about each, so a record the
chain's hash refutes, a batch without an event or a batch with two fails the check::

    from support.batches import issued_batches

    records = issued_batches(projects)  # {batch id: BatchInfo tuple}

``projects`` is a web3.py contract or the fuzz harness's ``Contract`` (``rpc`` and ``call_many``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from typing import Any, cast

from eth_abi import decode as abi_decode, encode as abi_encode
from eth_typing import ABIEvent
from eth_utils import event_abi_to_log_topic
from eth_utils.abi import collapse_if_tuple

from registry_client import contracts

_EVENT: dict[str, Any] = next(
    e
    for e in contracts.abi("JCMProjects")
    if e.get("type") == "event" and e["name"] == "BatchIssued"
)
_BATCH: dict[str, Any] = next(i for i in _EVENT["inputs"] if i["name"] == "batch")
#: ``BatchInfo``'s field names, in order (the index of each field in a decoded record).
FIELDS: tuple[str, ...] = tuple(c["name"] for c in _BATCH["components"])
#: A decoded record with its fields by name (``record.firstSerial``); still the tuple that
#: ``verifyBatch`` takes.
BatchRecord = namedtuple("BatchRecord", FIELDS)  # type: ignore[misc]
_TOPIC = "0x" + bytes(event_abi_to_log_topic(cast(ABIEvent, _EVENT))).hex()


def _logs(projects: Any) -> list[Mapping[str, Any]]:
    query = {
        "address": projects.address,
        "fromBlock": "0x0",
        "toBlock": "latest",
        "topics": [_TOPIC],
    }
    rpc = getattr(projects, "rpc", None)
    if rpc is not None:  # the fuzz harness's contract: raw JSON-RPC
        return list(rpc.request("eth_getLogs", [query]))
    return list(projects.w3.eth.get_logs(query))


def _bytes(value: Any) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def encode_record(record: tuple[Any, ...]) -> bytes:
    """``record`` ABI-encoded as the data of its ``BatchIssued`` log (the one tuple argument)."""
    return abi_encode([collapse_if_tuple(_BATCH)], [record])


def decode_records(logs: list[Mapping[str, Any]]) -> list[tuple[int, tuple[Any, ...]]]:
    """``(batch id topic, record)`` of each ``BatchIssued`` log, in log order."""
    kind = collapse_if_tuple(_BATCH)
    found = []
    for log in logs:
        topics = [_bytes(t) for t in log["topics"]]
        if not topics or "0x" + topics[0].hex() != _TOPIC:
            continue
        (record,) = abi_decode([kind], _bytes(log["data"]))
        found.append((int.from_bytes(topics[1], "big"), tuple(record)))
    return found


def issued_batches(projects: Any) -> dict[int, tuple[Any, ...]]:
    """Every batch's verified issuance record by id.

    Raises:
        AssertionError: a record's id disagrees with its event's, ``verifyBatch`` refutes a record,
            or a batch id has two events.
    """
    decoded = decode_records(_logs(projects))
    calls = [("verifyBatch", (record,)) for _, record in decoded]
    if hasattr(projects, "call_many"):
        verified = projects.call_many(calls) if calls else []
    else:
        verified = [projects.functions.verifyBatch(*args).call() for _, args in calls]
    records: dict[int, tuple[Any, ...]] = {}
    for (batch_id, record), ok in zip(decoded, verified, strict=True):
        assert int(record[0]) == batch_id, f"BatchIssued of batch {batch_id} carries id {record[0]}"
        assert ok, f"batch {batch_id}: the BatchIssued record does not match JCMProjects' hash"
        assert batch_id not in records, f"batch {batch_id} was issued twice"
        records[batch_id] = record
    return records
