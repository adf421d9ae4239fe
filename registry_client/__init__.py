"""Python SDK of the JCM registry: typed calls, errors, keys, serial block ids and deployment.

Main entry points::

    from registry_client import RegistryClient, Keystore, deploy_registry
    client = RegistryClient.connect("http://127.0.0.1:8545", "deployment.json", sender=account)

Modules: ``client`` (RegistryClient), ``models`` (typed results), ``errors`` (exceptions and the
revert decoder), ``serials`` (serial block ids), ``keystore`` (encrypted keys), ``deployment``
(deploying and the deployment file), ``decisions`` (joint-committee decisions, EIP-712),
``contracts`` (packaged artifacts), ``transactions`` (signing and sending).
"""

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
from registry_client.transactions import FeeSettings, connect_web3

__all__ = [
    "AccountStateError",
    "AlreadyExists",
    "Call",
    "ChainUnavailable",
    "DecisionRefused",
    "Deployment",
    "DeploymentError",
    "FeeSettings",
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
