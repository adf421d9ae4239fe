"""What every ``jcm`` command shares: global settings, option types, and the few steps between the
command line and the SDK (connect, load the signing key, read an address or keystore name).

Global options (before the command, or from the environment; every variable is a field of
:class:`registry_client.settings.Settings`, listed in ``docs/settings.md``):

- ``--rpc-url`` / ``$JCM_RPC_URL``: the node; default the deployment file's URL, else
  ``http://127.0.0.1:8545``.
- ``--deployment`` / ``$JCM_DEPLOYMENT``: the deployment file; default the devnet's
  (``.devnet/deployment.json``, or ``$JCM_DEVNET_DIR/deployment.json``).
- ``--keystore`` / ``$JCM_KEYSTORE``: the key that signs (also accepted after signing commands).
  Keys live in ``$JCM_KEYSTORE_DIR`` (default ``~/.jcm/keys``); passwords come from
  ``$JCM_KEYSTORE_PASSWORD`` or a prompt, never from an argument.
- ``--gas-price`` / ``$JCM_GAS_PRICE``: a fixed gas price in wei (``0`` on a zero-gas consortium
  chain); default: ask the node.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry_client.settings import DEFAULT_RPC_URL, Settings, env_var, load_settings

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from registry_client.client import RegistryClient
    from registry_client.keystore import Keystore


def settings(ctx: typer.Context) -> Settings:
    """The settings of this invocation: the environment with the global options on top (stored by
    the root callback).

    Raises:
        ConfigurationError: a ``JCM_*`` variable holds a value its setting refuses.
    """
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = load_settings()
    return root.obj


# ------------------------------------------------------------------------------------------------
# Option types shared by commands
# ------------------------------------------------------------------------------------------------

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON (for scripts) instead of tables.")
]
KeystoreOption = Annotated[
    str | None,
    typer.Option(
        "--keystore",
        "-k",
        envvar=env_var("keystore"),
        help="Keystore name (or file) of the key that signs; password from "
        "$JCM_KEYSTORE_PASSWORD or a prompt.",
        show_envvar=True,
    ),
]


# ------------------------------------------------------------------------------------------------
# From the command line to the SDK
# ------------------------------------------------------------------------------------------------


def keys() -> Keystore:
    """The keystore folder (setting ``keystore_dir``)."""
    from registry_client.keystore import Keystore

    return Keystore()


def connect(ctx: typer.Context, sender: LocalAccount | None = None) -> RegistryClient:
    """A client of the registry named by the global options (checks the node and deployment).

    Raises:
        ChainUnavailable: the node cannot be reached or serves another chain.
        DeploymentError: no deployment file, or no registry at its address.
    """
    from registry_client.client import RegistryClient
    from registry_client.transactions import FeeSettings

    options = settings(ctx)
    fees = FeeSettings(gas_price=options.gas_price) if options.gas_price is not None else None
    return RegistryClient.connect(
        options.rpc_url or _file_rpc_url(options.deployment_path) or DEFAULT_RPC_URL,
        options.deployment_path,
        sender=sender,
        fees=fees,
        log_block_range=options.block_range,
    )


def _file_rpc_url(path: Path) -> str | None:
    from registry_client.deployment import load_deployment

    return load_deployment(path).rpc_url if path.is_file() else None


def rpc_url(ctx: typer.Context) -> str:
    """The node URL: the option's, else the deployment file's, else the default."""
    options = settings(ctx)
    return options.rpc_url or _file_rpc_url(options.deployment_path) or DEFAULT_RPC_URL


def keystore_name(ctx: typer.Context, override: str | None) -> str:
    """The keystore chosen on the command (``--keystore`` after it) or globally.

    Raises:
        KeystoreError: none chosen.
    """
    from registry_client.errors import KeystoreError

    name = override or settings(ctx).keystore
    if not name:
        raise KeystoreError(
            "this command signs: choose a key with --keystore NAME (or $JCM_KEYSTORE); "
            "see jcm keys list"
        )
    return name


def signer(ctx: typer.Context, override: str | None) -> LocalAccount:
    """Decrypt the chosen key (password from ``$JCM_KEYSTORE_PASSWORD`` or a prompt)."""
    return keys().load(keystore_name(ctx, override))


def connect_signed(ctx: typer.Context, override: str | None) -> RegistryClient:
    """A client that signs with the chosen key; the node is checked before the key is decrypted."""
    client = connect(ctx)
    return client.with_sender(signer(ctx, override))


def address(text: str, what: str = "account") -> str:
    """An address given as ``0x`` + 40 hex digits, or as the name of a key in the keystore.

    Raises:
        InvalidInput: ``0x...`` text that is not an address.
        KeystoreError: a name that is not a key in the keystore folder.
    """
    from registry_client.errors import InvalidInput, KeystoreError
    from registry_client.models import checksum

    value = text.strip()
    if value[:2].lower() == "0x":
        try:
            return checksum(value)
        except ValueError as exc:
            if "EIP-55" in str(exc):
                raise InvalidInput(
                    f"{what} {text!r} is not an address: its upper/lower case letters are not "
                    f"its EIP-55 checksum (a mistyped address?); check it, or write it all in "
                    f"lower case"
                ) from None
            raise InvalidInput(
                f"{what} {text!r} is not an address (0x followed by 40 hex digits)"
            ) from None
    store = keys()
    try:
        return store.address(value)
    except KeystoreError:
        raise KeystoreError(
            f"{what} {text!r} is neither an address (0x...) nor a key in {store.directory}"
        ) from None


def addresses(values: list[str] | None, what: str) -> list[str]:
    """Addresses from repeated or comma-separated option values (addresses or key names)."""
    found = []
    for value in values or []:
        found += [address(part, what) for part in value.split(",") if part.strip()]
    return found
