"""``jcm keys new|import|list|check``: encrypted keystores in ``$JCM_KEYSTORE_DIR``
(``~/.jcm/keys``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry_client.cli import output
from registry_client.cli.common import JsonOption, keys

app = typer.Typer(
    help="Encrypted keys (eth-account keystores) in $JCM_KEYSTORE_DIR, default ~/.jcm/keys.",
    no_args_is_help=True,
)

NameArgument = Annotated[
    str, typer.Argument(help="Keystore name: letters, digits, '.', '_' or '-'.", show_default=False)
]


def _show(info: object, as_json: bool, verb: str) -> None:
    if as_json:
        output.print_json(info)
        return
    output.success(f"{verb} key {info.name}: {info.address}")  # type: ignore[attr-defined]
    output.notice(f"keystore file: {info.path}")  # type: ignore[attr-defined]


@app.command("new")
def new(name: NameArgument, as_json: JsonOption = False) -> None:
    """Create a new random key, encrypted with a password (asked twice, or from the env)."""
    _show(keys().create(name), as_json, "created")


@app.command("import")
def import_key(
    name: NameArgument,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="File holding the private key (hex); '-' reads standard input. Default: a hidden "
            "prompt. Never pass a key as an argument.",
            allow_dash=True,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import an existing private key into an encrypted keystore."""
    from registry_client.keystore import read_private_key

    store = keys()
    store.path(name)  # refuse a bad name before asking for the key
    private_key = read_private_key(None if key_file is None else str(key_file))
    _show(store.import_key(name, private_key), as_json, "imported")


@app.command("list")
def list_keys(as_json: JsonOption = False) -> None:
    """List the keys (names and addresses; nothing is decrypted)."""
    store = keys()
    found = store.list()
    if as_json:
        output.print_json(found)
        return
    if not found:
        output.notice(f"no keys in {store.directory}: create one with jcm keys new NAME")
        return
    output.show(
        output.table(
            f"Keys in {store.directory}",
            ["name", "address"],
            [(k.name, k.address) for k in found],
        )
    )


@app.command("check")
def check_key(name: NameArgument, as_json: JsonOption = False) -> None:
    """Decrypt a key and check that the address its file states is the key's own (jcm keys list
    shows the stated address without decrypting)."""
    store = keys()
    account = store.load(name)  # refuses a file whose stated address is not its key's
    info = next((k for k in store.list() if k.name == name), None)
    result = {"name": name, "address": account.address, "path": info.path if info else name}
    if as_json:
        output.print_json({**result, "matches": True})
        return
    output.success(f"key {name}: {account.address}, as its file states")
