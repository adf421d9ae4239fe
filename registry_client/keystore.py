"""Encrypted eth-account keystores (Web3 Secret Storage, version 3) kept in one folder.

The folder is ``$JCM_KEYSTORE_DIR`` or ``~/.jcm/keys``; each key is ``<name>.json`` (mode 0600, the
folder 0700). Private keys and passwords never come from command-line arguments: a password comes
from the ``JCM_KEYSTORE_PASSWORD`` environment variable or an interactive prompt, and an imported
private key from a file, standard input or a prompt (:func:`read_private_key`).

Example::

    store = Keystore()
    store.create("alice", password="...")          # a new random key
    store.import_key("bob", read_private_key("-"), password="...")
    account = store.load("alice")                  # password from the env var or a prompt
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from pydantic import BaseModel, ConfigDict

from registry_client.errors import KeystoreError
from registry_client.models import checksum
from registry_client.settings import env_var, load_settings

KEYSTORE_DIR_ENV = env_var("keystore_dir")
PASSWORD_ENV = env_var("keystore_password")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")

PasswordPrompt = Callable[[str], str]


class KeyInfo(BaseModel):
    """A key in the keystore: its name, address and file."""

    model_config = ConfigDict(frozen=True)

    name: str
    address: str
    path: Path


def default_directory() -> Path:
    """``$JCM_KEYSTORE_DIR`` if set, else ``~/.jcm/keys``."""
    return load_settings().keystore_dir.expanduser()


def read_password(
    prompt: str = "Keystore password: ",
    *,
    confirm: bool = False,
    env: str = PASSWORD_ENV,
    ask: PasswordPrompt = getpass.getpass,
) -> str:
    """A password from the environment variable ``env``, else from an interactive prompt.

    Args:
        prompt: the prompt text.
        confirm: ask twice (for a new keystore) and require the same answer.
        env: the environment variable to read first.
        ask: the prompt function (``getpass.getpass``; tests pass another).

    Raises:
        KeystoreError: no variable and no terminal to ask on, an empty password, or the two entries
            differ.
    """
    from_env = os.environ.get(env)
    if from_env is not None:
        if not from_env:
            raise KeystoreError(f"${env} is set but empty: set a password")
        return from_env
    if ask is getpass.getpass and not sys.stdin.isatty():
        raise KeystoreError(f"no password: set ${env} or run in a terminal to be asked for one")
    try:
        password = ask(prompt)
        if confirm and ask("Repeat the password: ") != password:
            raise KeystoreError("the two passwords differ")
    except (EOFError, KeyboardInterrupt):
        raise KeystoreError("no password given") from None
    if not password:
        raise KeystoreError("the password is empty")
    return password


def read_private_key(
    source: str | Path | None = None, *, ask: PasswordPrompt = getpass.getpass
) -> str:
    """A private key from a file, standard input (``"-"``) or a hidden prompt (``None``).

    The text may be 64 hex digits with or without ``0x``, surrounded by whitespace.

    Raises:
        KeystoreError: unreadable source, or not a private key.
    """
    if source is None:
        try:
            text = ask("Private key (hex, hidden): ")
        except (EOFError, KeyboardInterrupt):
            raise KeystoreError("no private key given") from None
    elif str(source) == "-":
        text = sys.stdin.readline()
    else:
        try:
            text = Path(source).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise KeystoreError(f"cannot read private key file {source}: {exc.strerror}") from exc
    return _normalise_key(text)


def _normalise_key(text: str | bytes) -> str:
    if isinstance(text, bytes):
        if len(text) == 32:
            return "0x" + text.hex()
        text = text.decode("ascii", errors="replace")
    cleaned = text.strip()
    digits = cleaned[2:] if cleaned[:2].lower() == "0x" else cleaned
    if not re.fullmatch(r"[0-9a-fA-F]{64}", digits):
        raise KeystoreError("that is not a private key (expected 64 hex digits, optionally 0x)")
    if int(digits, 16) == 0:
        raise KeystoreError("the zero private key is not a key")
    return "0x" + digits.lower()


def encrypt_key(
    private_key: str | bytes,
    password: str,
    *,
    kdf: Literal["scrypt", "pbkdf2"],
    iterations: int | None,
) -> dict[str, Any]:
    """A version-3 keystore of ``private_key`` (``Account.encrypt``) that geth reads too.

    eth-keyfile writes the AES IV as an integer's hex, so one IV in 256 (leading zero byte) comes
    out as 15 bytes: eth-account still decrypts it, but geth panics with "bad IV length" when it
    unlocks the account. The same IV as its full 16 bytes decrypts the same in both.
    """
    key = HexStr(private_key) if isinstance(private_key, str) else private_key
    encrypted: dict[str, Any] = Account.encrypt(key, password, kdf=kdf, iterations=iterations)
    params = encrypted["crypto"]["cipherparams"]
    params["iv"] = str(params["iv"]).zfill(32)
    return encrypted


class Keystore:
    """A folder of encrypted keys.

    Args:
        directory: the folder (default :func:`default_directory`).
        kdf: ``"scrypt"`` (default, as geth) or ``"pbkdf2"``.
        iterations: KDF work factor (``None``: eth-account's default; lower only for tests).
    """

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        kdf: Literal["scrypt", "pbkdf2"] = "scrypt",
        iterations: int | None = None,
    ) -> None:
        self.directory = Path(directory).expanduser() if directory else default_directory()
        self.kdf = kdf
        self.iterations = iterations

    # ---- paths -------------------------------------------------------------------------------

    def path(self, name: str) -> Path:
        """The file of key ``name``.

        Raises:
            KeystoreError: the name is not 1-64 letters, digits, ``.``, ``_`` or ``-``.
        """
        if not _NAME.fullmatch(name):
            raise KeystoreError(
                f"keystore name {name!r} must be 1-64 letters, digits, '.', '_' or '-', starting "
                "with a letter or digit"
            )
        return self.directory / f"{name}.json"

    def _resolve(self, name_or_path: str | Path) -> tuple[str, Path]:
        text = str(name_or_path)
        if text.endswith(".json") or os.sep in text:
            path = Path(text).expanduser()
            return path.stem, path
        return text, self.path(text)

    def exists(self, name: str) -> bool:
        """Whether key ``name`` exists."""
        return self.path(name).is_file()

    # ---- writing -----------------------------------------------------------------------------

    def create(self, name: str, password: str | None = None) -> KeyInfo:
        """Create a new random key ``name``, encrypted with ``password`` (or one read with confirm).

        Raises:
            KeystoreError: the name is taken or invalid, or the password is missing.
        """
        account: LocalAccount = Account.create()
        return self._write(name, account.key.hex(), password)

    def import_key(
        self, name: str, private_key: str | bytes, password: str | None = None
    ) -> KeyInfo:
        """Store an existing private key as ``name`` (see :func:`read_private_key` to obtain it).

        Raises:
            KeystoreError: the name is taken or invalid, the key malformed, or no password.
        """
        return self._write(name, _normalise_key(private_key), password)

    def _write(self, name: str, private_key: str, password: str | None) -> KeyInfo:
        path = self.path(name)
        if path.exists():
            raise KeystoreError(f"keystore {name!r} already exists ({path}): choose another name")
        secret = password if password is not None else read_password(confirm=True)
        if not secret:
            raise KeystoreError("the password is empty")
        encrypted = encrypt_key(private_key, secret, kdf=self.kdf, iterations=self.iterations)
        if not self.directory.exists():
            self.directory.mkdir(parents=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(encrypted, handle, indent=2)
            handle.write("\n")
        os.chmod(path, 0o600)
        return KeyInfo(name=name, address=checksum("0x" + str(encrypted["address"])), path=path)

    # ---- reading -----------------------------------------------------------------------------

    def _read(self, name: str, path: Path) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeystoreError(
                f"no keystore {name!r} in {path.parent}: create one with `jcm keys new {name}` or "
                "import one"
            ) from None
        except (OSError, ValueError) as exc:
            raise KeystoreError(f"keystore {name!r} ({path}) is not readable JSON") from exc
        if not isinstance(data, dict) or "crypto" not in {k.lower() for k in data}:
            raise KeystoreError(f"{path} is not an encrypted keystore file")
        return data

    def list(self) -> list[KeyInfo]:
        """Every key in the folder (name, address), sorted by name; unreadable files are skipped."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                address = checksum("0x" + str(data["address"]).removeprefix("0x"))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            found.append(KeyInfo(name=path.stem, address=address, path=path))
        return found

    def address(self, name_or_path: str | Path) -> str:
        """The address of a key, without decrypting it.

        Raises:
            KeystoreError: no such key, or a file without an address.
        """
        name, path = self._resolve(name_or_path)
        data = self._read(name, path)
        try:
            return checksum("0x" + str(data["address"]).removeprefix("0x"))
        except (KeyError, ValueError):
            raise KeystoreError(f"keystore {name!r} names no address") from None

    def load(self, name_or_path: str | Path, password: str | None = None) -> LocalAccount:
        """Decrypt a key into a signing account.

        Args:
            name_or_path: a key name in the folder, or the path of a keystore file.
            password: the password; ``None`` reads ``$JCM_KEYSTORE_PASSWORD`` or prompts.

        Raises:
            KeystoreError: no such key, or the wrong password.
        """
        name, path = self._resolve(name_or_path)
        data = self._read(name, path)
        secret = (
            password if password is not None else read_password(f"Password for keystore {name!r}: ")
        )
        try:
            key = Account.decrypt(data, secret)
        except ValueError as exc:
            if "MAC mismatch" in str(exc):
                raise KeystoreError(f"wrong password for keystore {name!r}") from None
            raise KeystoreError(f"cannot decrypt keystore {name!r}: {exc}") from None
        account: LocalAccount = Account.from_key(key)
        # The stated address is what every offline view of the file shows (jcm keys list, a key
        # name given as an allocation account), so a file whose address was edited would sign
        # for one account while naming another.
        stated = data.get("address")
        try:
            stated_address = checksum("0x" + str(stated).removeprefix("0x")) if stated else None
        except ValueError:
            stated_address = None
        if stated_address != account.address:
            raise KeystoreError(
                f"keystore {name!r} states address {stated!s} but its key is that of "
                f"{account.address}: the file was altered or is corrupt; do not use it"
            )
        return account
