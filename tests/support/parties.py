"""Who acts in the tests' worlds: anvil's funded dev keys, and stand-in document hashes."""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from registry_client.anvil import TEST_MNEMONIC

DAY = 86_400


def dev_keys(count: int) -> list[LocalAccount]:
    """The first ``count`` dev accounts of anvil's public mnemonic (``m/44'/60'/0'/0/i``): every
    local anvil funds them, and the consortium's genesis does too. Public keys: tests only."""
    Account.enable_unaudited_hdwallet_features()
    keys: list[LocalAccount] = [
        Account.from_mnemonic(TEST_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        for i in range(count)
    ]
    return keys


def doc_digest(text: str) -> bytes:
    """A stand-in document hash (the keccak-256 of ``text``), as the contracts take it."""
    return bytes(keccak(text=text))


def doc_hash(text: str) -> str:
    """:func:`doc_digest` as ``0x`` hex, as the SDK's models take it."""
    return "0x" + doc_digest(text).hex()
