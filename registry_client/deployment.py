"""Deploying the packaged contracts to any JSON-RPC chain; the deployment file every command reads.

- :func:`deploy_registry` deploys ``JCMRegistry`` (whose constructor creates and wires
  ``JCMArticle6``, ``JCMProjects`` and ``JCMGovernance``) from
  the packaged artifacts, signing locally with a ``LocalAccount``; works on anvil and on
  proof-of-authority chains (``extraData`` middleware, zero or legacy gas price).
- :func:`deploy_committee` deploys a partner country's ``JointCommittee`` and (given the partner's
  authority) proposes that the country join with it (``JCMGovernance.proposeCountry``).
- :func:`save_deployment` / :func:`load_deployment` write and read ``deployment.json``:
  ``{chain_id, rpc_url, registry, projects, article6, committees {country: address}, deployer,
  block_number}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eth_account.signers.local import LocalAccount
from pydantic import ValidationError
from web3 import Web3
from web3.types import TxParams, TxReceipt

from registry_client import contracts
from registry_client.chain import connect_web3
from registry_client.errors import DeploymentError, RegistryError
from registry_client.models import Deployment, checksum, side_bytes, side_code
from registry_client.settings import (
    DEFAULT_DEPLOYMENT_FILE,
    DEFAULT_METADATA_URI,
    env_var,
    load_settings,
)
from registry_client.transactions import FeeSettings, TransactionSender, revert_errors

DEPLOYMENT_ENV = env_var("deployment")
"""Environment variable naming the deployment file (default ``./deployment.json``)."""


def default_deployment_path() -> Path:
    """``$JCM_DEPLOYMENT`` if set, else ``deployment.json`` in the current directory."""
    return load_settings().deployment or Path(DEFAULT_DEPLOYMENT_FILE)


def save_deployment(deployment: Deployment, path: str | Path | None = None) -> Path:
    """Write the deployment file (creating its folder); return its path."""
    target = Path(path) if path is not None else default_deployment_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(deployment.to_json(), encoding="utf-8")
    tmp.replace(target)
    return target


def load_deployment(path: str | Path | None = None) -> Deployment:
    """Read a deployment file.

    Raises:
        DeploymentError: the file is missing or is not a valid deployment file.
    """
    source = Path(path) if path is not None else default_deployment_path()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeploymentError(
            f"no deployment file at {source}: deploy first (jcm deploy), or point to the file "
            f"with --deployment or ${DEPLOYMENT_ENV}"
        ) from None
    except OSError as exc:
        raise DeploymentError(f"cannot read deployment file {source}: {exc.strerror}") from exc
    try:
        return Deployment.from_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise DeploymentError(f"{source} is not a valid deployment file: {problems}") from exc


def _deploy(
    sender: TransactionSender, name: contracts.ContractName, args: Sequence[object], context: str
) -> TxReceipt:
    factory = contracts.factory(sender.w3, name)
    data = factory.constructor(*args).data_in_transaction
    request: TxParams = {"data": data}
    pending = sender.send(request, lambda receipt: receipt, context, track=False)
    receipt = pending.wait()
    if not receipt.get("contractAddress"):
        raise DeploymentError(f"{context}: the receipt names no contract address")
    return receipt


def _sender(
    w3: Web3, deployer: LocalAccount | TransactionSender, fees: FeeSettings | None
) -> TransactionSender:
    if isinstance(deployer, TransactionSender):
        return deployer
    return TransactionSender(w3, deployer, fees)


def deploy_registry(
    rpc_url: str,
    deployer: LocalAccount | TransactionSender,
    *,
    admin: str | None = None,
    metadata_uri: str = DEFAULT_METADATA_URI,
    fees: FeeSettings | None = None,
    w3: Web3 | None = None,
) -> Deployment:
    """Deploy ``JCMRegistry`` (and with it ``JCMProjects``) to the chain at ``rpc_url``.

    Args:
        rpc_url: the node's JSON-RPC URL; it is written into the deployment.
        deployer: the signing account (it pays for gas), or a sender already set up for it.
        admin: Japan's registry authority (default: the deployer).
        metadata_uri: ERC-1155 metadata URI template.
        fees: gas price settings (e.g. ``FeeSettings(gas_price=0)`` on a zero-gas chain).
        w3: an existing connection to reuse instead of connecting to ``rpc_url``.

    Returns:
        The deployment (not yet saved: see :func:`save_deployment`).

    Raises:
        ChainUnavailable: the node cannot be reached.
        DeploymentError: the deployment failed.
    """
    web3 = deployer.w3 if isinstance(deployer, TransactionSender) else w3 or connect_web3(rpc_url)
    sender = _sender(web3, deployer, fees)
    governance = checksum(admin) if admin else sender.address
    try:
        receipt = _deploy(sender, "JCMRegistry", [governance, metadata_uri], "deploy JCMRegistry")
    except RegistryError as exc:
        if isinstance(exc, DeploymentError) or type(exc).__name__ == "ChainUnavailable":
            raise
        raise DeploymentError(f"deploying JCMRegistry failed: {exc.message}") from exc
    registry = contracts.at(web3, "JCMRegistry", str(receipt["contractAddress"]))
    with revert_errors("read the projects and Article 6 contracts", rpc_url):
        projects = registry.functions.projects().call()
        article6 = registry.functions.article6().call()
        chain_id = int(web3.eth.chain_id)
    return Deployment(
        chain_id=chain_id,
        rpc_url=rpc_url,
        registry=str(receipt["contractAddress"]),
        projects=projects,
        article6=article6,
        committees={},
        deployer=sender.address,
        block_number=int(receipt["blockNumber"]),
    )


def deploy_committee(
    deployment: Deployment,
    deployer: LocalAccount | TransactionSender,
    country: str,
    japan_members: Sequence[str],
    partner_members: Sequence[str],
    japan_threshold: int,
    partner_threshold: int,
    *,
    authority: str | None = None,
    fees: FeeSettings | None = None,
    w3: Web3 | None = None,
) -> Deployment:
    """Deploy a ``JointCommittee`` for ``country`` and, given the partner's ``authority``, propose
    that the country join with it.

    Proposing takes Japan's registry authority (the deployer): ``JCMGovernance.proposeCountry``.
    The country joins only when ``authority`` accepts (``RegistryClient.accept_country``). Without
    ``authority`` only the contract is deployed: to propose later (e.g. from a multisig), or as the
    successor that the current committee's own ``ReplaceCommittee`` decision hands over to.

    Returns:
        The deployment with ``committees[country]`` set (not yet saved).

    Raises:
        InvalidInput, NotPermitted, ...: the typed refusal of the constructor or of the
            registration; nothing was registered.
        DeploymentError: the deployment failed otherwise.
    """
    code = side_code(country)
    if isinstance(deployer, TransactionSender):
        web3 = deployer.w3
    else:
        web3 = w3 or connect_web3(deployment.rpc_url)
    sender = _sender(web3, deployer, fees)
    membership = (
        [checksum(m) for m in japan_members],
        [checksum(m) for m in partner_members],
        int(japan_threshold),
        int(partner_threshold),
    )
    registry = contracts.at(web3, "JCMRegistry", deployment.registry)
    receipt = _deploy(
        sender,
        "JointCommittee",
        [deployment.registry, side_bytes(code), membership],
        f"deploy the joint committee of {code}",
    )
    address = checksum(str(receipt["contractAddress"]))
    if authority is not None:
        with revert_errors("read the governance contract", deployment.rpc_url):
            governance_address = registry.functions.governance().call()
        governance = contracts.at(web3, "JCMGovernance", governance_address)
        data = governance.encode_abi(
            "proposeCountry", args=[side_bytes(code), address, checksum(authority)]
        )
        request: TxParams = {"to": governance.address, "data": data}
        sender.send(request, lambda r: r, f"propose that {code} join", track=False).wait()
    committees = {**deployment.committees, code: address}
    return deployment.model_copy(update={"committees": committees})
