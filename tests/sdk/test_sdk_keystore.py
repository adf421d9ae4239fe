"""Encrypted keystores: create, import, list, load; passwords never from arguments."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from eth_account import Account

from registry_client.errors import KeystoreError
from registry_client.keystore import (
    KEYSTORE_DIR_ENV,
    PASSWORD_ENV,
    Keystore,
    default_directory,
    encrypt_key,
    read_password,
    read_private_key,
)

KEY = "0x59c6995e998f97a5a0044966f0945389dc9ac79c6bcf07dd7b61caab4da7e2e6"
ADDRESS = Account.from_key(KEY).address


@pytest.fixture
def store(tmp_path: Path) -> Keystore:
    # pbkdf2 with few iterations keeps the tests fast; the default (scrypt) is tested once below.
    return Keystore(tmp_path / "keys", kdf="pbkdf2", iterations=2)


def test_create_list_and_load(store: Keystore) -> None:
    created = store.create("alice", password="correct horse")
    assert created.path == store.directory / "alice.json"
    assert stat.S_IMODE(created.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert store.list() == [created]
    assert store.address("alice") == created.address
    account = store.load("alice", password="correct horse")
    assert account.address == created.address
    assert store.load(created.path, password="correct horse").address == created.address


def test_wrong_password_names_the_keystore(store: Keystore) -> None:
    store.create("alice", password="correct horse")
    with pytest.raises(KeystoreError) as caught:
        store.load("alice", password="battery staple")
    assert caught.value.message == "wrong password for keystore 'alice'"


def test_import_from_a_file_and_stdin(
    store: Keystore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"  {KEY[2:].upper()}\n")
    info = store.import_key("bob", read_private_key(key_file), password="pw")
    assert info.address == ADDRESS
    assert store.load("bob", password="pw").key.hex().removeprefix("0x") == KEY[2:]
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert store.import_key("bob2", read_private_key("-"), password="pw").address == ADDRESS
    assert read_private_key(None, ask=lambda _: KEY) == KEY
    assert [k.name for k in store.list()] == ["bob", "bob2"]


@pytest.mark.parametrize("text", ["", "0x1234", "zz" * 32, "0x" + "00" * 32])
def test_bad_private_keys_are_refused(text: str, tmp_path: Path) -> None:
    path = tmp_path / "key.txt"
    path.write_text(text)
    with pytest.raises(KeystoreError):
        read_private_key(path)


def test_names_are_checked_and_never_overwritten(store: Keystore) -> None:
    store.create("alice", password="pw")
    with pytest.raises(KeystoreError, match="already exists"):
        store.create("alice", password="pw")
    for bad in ("", "../alice", "a b", ".hidden", "x" * 65):
        with pytest.raises(KeystoreError, match="keystore name"):
            store.create(bad, password="pw")


def test_missing_keystore_and_missing_file(store: Keystore, tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="no keystore 'nobody'"):
        store.load("nobody", password="pw")
    with pytest.raises(KeystoreError, match="cannot read private key file"):
        read_private_key(tmp_path / "absent.txt")
    garbage = store.directory / "junk.json"
    store.directory.mkdir(parents=True)
    garbage.write_text("{}")
    assert store.list() == []
    with pytest.raises(KeystoreError, match="not an encrypted keystore"):
        store.load("junk", password="pw")


def test_password_from_env_or_prompt(store: Keystore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "from env")
    store.create("carol")
    assert store.load("carol").address == store.address("carol")
    monkeypatch.setenv(PASSWORD_ENV, "")
    with pytest.raises(KeystoreError, match="empty"):
        store.load("carol")
    monkeypatch.delenv(PASSWORD_ENV)
    assert read_password(ask=lambda _: "typed") == "typed"
    answers = iter(["one", "two"])
    with pytest.raises(KeystoreError, match="differ"):
        read_password(confirm=True, ask=lambda _: next(answers))
    with pytest.raises(KeystoreError, match="empty"):
        read_password(ask=lambda _: "")

    def interrupted(_: str) -> str:
        raise EOFError

    with pytest.raises(KeystoreError, match="no password"):
        read_password(ask=interrupted)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(KeystoreError, match=f"set \\${PASSWORD_ENV}"):
        read_password()


def test_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(KEYSTORE_DIR_ENV, str(tmp_path / "elsewhere"))
    assert default_directory() == tmp_path / "elsewhere"
    assert Keystore().directory == tmp_path / "elsewhere"
    monkeypatch.delenv(KEYSTORE_DIR_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_directory() == tmp_path / ".jcm" / "keys"


def test_default_kdf_is_scrypt_and_interoperates(tmp_path: Path) -> None:
    assert Keystore(tmp_path).kdf == "scrypt"
    store = Keystore(tmp_path, iterations=2**10)  # scrypt with a small work factor, for speed
    info = store.import_key("geth", KEY, password="pw")
    data = info.path.read_text()
    assert '"kdf": "scrypt"' in data
    assert Account.from_key(Account.decrypt(data, "pw")).address == ADDRESS
    assert store.load("geth", password="pw").address == ADDRESS


@pytest.mark.parametrize("stated", ["0x" + "11" * 20, "11" * 20, "not an address", None])
def test_a_keystore_whose_stated_address_is_not_its_key_is_refused(
    store: Keystore, stated: str | None
) -> None:
    """Offline views (jcm keys list, a key name as an allocation account) show the address the file
    states; decrypting checks that it is the key's own."""
    import json

    info = store.import_key("edited", KEY, password="pw")
    data = json.loads(info.path.read_text())
    if stated is None:
        del data["address"]
    else:
        data["address"] = stated
    info.path.write_text(json.dumps(data))
    with pytest.raises(KeystoreError, match=f"its key is that of {ADDRESS}: the file was altered"):
        store.load("edited", password="pw")


def test_an_iv_with_a_leading_zero_byte_is_written_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """eth-keyfile writes the IV as an integer's hex: a leading zero byte would leave 15 bytes,
    on which geth panics ("bad IV length") when it unlocks a signer's key."""
    import eth_keyfile.keyfile

    monkeypatch.setattr(
        eth_keyfile.keyfile.Random, "get_random_bytes", lambda n: bytes(1) + b"\x11" * (n - 1)
    )
    key = "0x" + "42" * 32
    encrypted = encrypt_key(key, "pw", kdf="pbkdf2", iterations=2)
    assert encrypted["crypto"]["cipherparams"]["iv"] == "00" + "11" * 15
    assert Account.decrypt(encrypted, "pw").hex() == key[2:]
