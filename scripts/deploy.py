"""Deploy JCMRegistry: ``ape run deploy --network <choice>``.

- Local networks (``ethereum:local:foundry``, ``ethereum:local:node`` against a running anvil, ...):
  the first Ape test account deploys and becomes the admin.
- Any other network (e.g. ``ethereum:consortium:node`` with ``JCM_RPC_URL`` set): the Ape account
  alias in ``JCM_DEPLOYER`` deploys (``ape accounts import <alias>`` first); it becomes the admin
  unless ``JCM_ADMIN`` names another address.

Environment (fields of ``registry_client.settings.Settings``, see ``docs/settings.md``):
  JCM_METADATA_URI  ERC-1155 metadata URI template (``{id}`` per the ERC-1155 spec)
  JCM_DEPLOYER      Ape account alias used on non-local networks (required there); Ape asks for its
                    passphrase and a confirmation, unless APE_ACCOUNTS_<alias>_PASSPHRASE is set, in
                    which case the script signs without prompting (for unattended deploys)
  JCM_ADMIN         admin address (default: the deployer)
"""

from __future__ import annotations

import os

import click
from ape import accounts, networks, project
from ape.api import AccountAPI

from registry_client.settings import load_settings


def _deployer() -> AccountAPI:
    network = networks.provider.network
    if network.is_local:
        return accounts.test_accounts[0]
    alias = load_settings().deployer
    if not alias:
        raise click.UsageError(
            f"network {network.choice!r} is not local: set JCM_DEPLOYER to the alias of an Ape "
            "account (`ape accounts import <alias>` or `ape accounts generate <alias>`)"
        )
    account = accounts.load(alias)
    if os.environ.get(f"APE_ACCOUNTS_{alias}_PASSPHRASE"):
        account.set_autosign(True)
    return account


def main() -> None:
    deployer = _deployer()
    settings = load_settings()
    admin = settings.admin or deployer.address
    uri = settings.metadata_uri
    registry = deployer.deploy(project.JCMRegistry, admin, uri)
    click.echo(f"network:     {networks.provider.network.choice}")
    click.echo(f"chain id:    {networks.provider.chain_id}")
    click.echo(f"deployer:    {deployer.address}")
    click.echo(f"admin:       {admin}")
    click.echo(f"uri:         {uri}")
    click.echo(f"JCMRegistry: {registry.address}")
    click.echo(f"JCMProjects: {registry.projects()}")
    click.echo(f"JCMArticle6: {registry.article6()}")
