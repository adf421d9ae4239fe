"""Python SDK of the JCM registry: typed calls, errors, keys, serial block ids and deployment.

Main entry points::

    from registry_client import RegistryClient, Keystore, deploy_registry
    client = RegistryClient.connect("http://127.0.0.1:8545", "deployment.json", sender=account)

Modules: ``client`` (RegistryClient), ``models`` (typed results), ``errors`` (exceptions and the
revert decoder), ``serials`` (serial block ids), ``keystore`` (encrypted keys), ``deployment``
(deploying and the deployment file), ``decisions`` (joint-committee decisions, EIP-712),
``contracts`` (packaged artifacts), ``transactions`` (signing and sending).
"""

# Imports are lazy (PEP 562) so that `jcm --help` and modules needing one part of the SDK do not pay
# for web3 and every contract ABI up front.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry_client.chain import connect_web3
    from registry_client.client import Call, PendingTx, RegistryClient, registrar_role
    from registry_client.deployment import (
        deploy_committee,
        deploy_registry,
        load_deployment,
        save_deployment,
    )
    from registry_client.errors import (
        AccountStateError,
        AlreadyExists,
        ChainUnavailable,
        DecisionRefused,
        DeploymentError,
        GasPriceTooLow,
        InsufficientCredits,
        InvalidInput,
        KeystoreError,
        NotFound,
        NotPermitted,
        Paused,
        RegistryError,
        SignatureError,
        TransactionFailed,
    )
    from registry_client.keystore import Keystore, read_password, read_private_key
    from registry_client.models import Deployment
    from registry_client.serials import (
        article6_identifier,
        format_block_id,
        parse_block_id,
        parse_serial,
    )
    from registry_client.transactions import FeeSettings

_EXPORTS: dict[str, str] = {
    "AccountStateError": "registry_client.errors",
    "AlreadyExists": "registry_client.errors",
    "Call": "registry_client.client",
    "ChainUnavailable": "registry_client.errors",
    "DecisionRefused": "registry_client.errors",
    "Deployment": "registry_client.models",
    "DeploymentError": "registry_client.errors",
    "FeeSettings": "registry_client.transactions",
    "GasPriceTooLow": "registry_client.errors",
    "InsufficientCredits": "registry_client.errors",
    "InvalidInput": "registry_client.errors",
    "Keystore": "registry_client.keystore",
    "KeystoreError": "registry_client.errors",
    "NotFound": "registry_client.errors",
    "NotPermitted": "registry_client.errors",
    "Paused": "registry_client.errors",
    "PendingTx": "registry_client.client",
    "RegistryClient": "registry_client.client",
    "RegistryError": "registry_client.errors",
    "SignatureError": "registry_client.errors",
    "TransactionFailed": "registry_client.errors",
    "article6_identifier": "registry_client.serials",
    "connect_web3": "registry_client.chain",
    "deploy_committee": "registry_client.deployment",
    "deploy_registry": "registry_client.deployment",
    "format_block_id": "registry_client.serials",
    "load_deployment": "registry_client.deployment",
    "parse_block_id": "registry_client.serials",
    "parse_serial": "registry_client.serials",
    "read_password": "registry_client.keystore",
    "read_private_key": "registry_client.keystore",
    "registrar_role": "registry_client.client",
    "save_deployment": "registry_client.deployment",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'registry_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AccountStateError",
    "AlreadyExists",
    "Call",
    "ChainUnavailable",
    "DecisionRefused",
    "Deployment",
    "DeploymentError",
    "FeeSettings",
    "GasPriceTooLow",
    "InsufficientCredits",
    "InvalidInput",
    "Keystore",
    "KeystoreError",
    "NotFound",
    "NotPermitted",
    "Paused",
    "PendingTx",
    "RegistryClient",
    "RegistryError",
    "SignatureError",
    "TransactionFailed",
    "article6_identifier",
    "connect_web3",
    "deploy_committee",
    "deploy_registry",
    "format_block_id",
    "load_deployment",
    "parse_block_id",
    "parse_serial",
    "read_password",
    "read_private_key",
    "registrar_role",
    "save_deployment",
]
