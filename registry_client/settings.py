"""Every ``JCM_*`` environment variable, in one settings object, with each default written once.

:class:`Settings` is read by the SDK, the ``jcm`` command, the devnet, the indexer and the API
(``api`` imports it from here; this package never imports ``api``), the deploy script and the tests'
knobs. A field ``name`` is the variable ``JCM_<NAME>`` (:func:`env_var`); an empty variable counts
as unset. Command-line options win over the environment: the ``jcm`` root command builds its
:class:`Settings` with the options given (``Settings(rpc_url=...)``), and pydantic-settings lets
arguments override variables.

``docs/settings.md`` is the table of all of them, generated from this model by
``scripts/settings_reference.py`` (``tests/test_settings.py`` fails when it drifts, when a field has
no description, or when any file of the repository uses a ``JCM_*`` name that is not a field here).

The defaults that other modules need as plain values (a function's default argument, the devnet's
ports) are the ``DEFAULT_*`` constants below, which the fields use too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry_client.errors import InvalidInput

ENV_PREFIX = "JCM_"

LOCALHOST = "127.0.0.1"
DEFAULT_NODE_PORT = 8545
"""Port of the local node (the devnet's anvil; the first consortium signer)."""
DEFAULT_RPC_URL = f"http://{LOCALHOST}:{DEFAULT_NODE_PORT}"
DEFAULT_API_PORT = 8000
"""Port of the query API and explorer (``jcm api``, the devnet's API)."""
DEFAULT_DEPLOYMENT_FILE = "deployment.json"
"""Name of a deployment file (``./deployment.json`` for the SDK, ``<devnet>/deployment.json``)."""
DEFAULT_DEVNET_DIR = Path(".devnet")
DEFAULT_KEYSTORE_DIR = Path("~/.jcm/keys")
DEFAULT_DATABASE_URL = "sqlite:///jcm-index.sqlite3"
DEFAULT_CONFIRMATIONS = 0
DEFAULT_BLOCK_RANGE = 1_000
"""Most blocks per ``eth_getLogs`` call, of the indexer and of the SDK alike: Besu refuses wider
ranges by default (``--rpc-max-logs-range``, 1,000 blocks since 22.10.3); geth sets no limit."""
DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_RPC_TIMEOUT = 30.0
"""Seconds before a JSON-RPC request is abandoned (SDK, indexer, API health check)."""
DEFAULT_METADATA_URI = "https://jcm-registry.local/v1/batches/{id}.json"
"""ERC-1155 metadata URI template of a new registry (``{id}`` per the ERC-1155 spec)."""
DEFAULT_TITLE = "JCM registry explorer"
DEFAULT_API_POOL_SIZE = 8
"""Database connections each API worker process keeps open."""
FUZZ_RUNS = {"short": (6, 30), "long": (80, 60)}
"""Random runs and steps per run of each fuzzing profile, unless ``fuzz_examples``/``fuzz_steps``
say otherwise."""


class ConfigurationError(InvalidInput):
    """A ``JCM_*`` environment variable holds a value its setting does not accept."""


class Settings(BaseSettings):
    """The configuration of every part of the registry's Python side (variables ``JCM_<FIELD>``).

    Each field's ``description`` is its documentation (rendered into ``docs/settings.md``); the
    ``section`` in its ``json_schema_extra`` says which part reads it.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True, validate_default=True
    )

    # --- node and deployment (SDK, jcm, indexer) -----------------------------------------------
    rpc_url: str | None = Field(
        default=None,
        description="JSON-RPC URL of the node, or several nodes of one chain separated by commas "
        "(requests fail over to the next that answers). `jcm` default: the deployment file's "
        f"URL, else `{DEFAULT_RPC_URL}`; the API uses it only for its health check.",
        json_schema_extra={"section": "node"},
    )
    deployment: Path | None = Field(
        default=None,
        description="Deployment file (registry and projects addresses, first block). `jcm` "
        f"default: the devnet's (`<devnet_dir>/{DEFAULT_DEPLOYMENT_FILE}`); the SDK's: "
        f"`./{DEFAULT_DEPLOYMENT_FILE}`.",
        json_schema_extra={"section": "node"},
    )
    gas_price: int | None = Field(
        default=None,
        ge=0,
        description="Fixed gas price in wei (`0` on a zero-gas consortium chain); default: the "
        "node's.",
        json_schema_extra={"section": "node"},
    )
    rpc_timeout: float = Field(
        default=DEFAULT_RPC_TIMEOUT,
        gt=0,
        description="Seconds before a JSON-RPC request of the indexer is abandoned.",
        json_schema_extra={"section": "node"},
    )

    # --- keys (SDK, jcm) ------------------------------------------------------------------------
    keystore: str | None = Field(
        default=None,
        description="Keystore name (or file) of the key that signs `jcm` transactions.",
        json_schema_extra={"section": "keys"},
    )
    keystore_dir: Path = Field(
        default=DEFAULT_KEYSTORE_DIR,
        description="Folder of the encrypted keystores (`<name>.json`, mode 0600).",
        json_schema_extra={"section": "keys"},
    )
    keystore_password: SecretStr | None = Field(
        default=None,
        description="Password of the keystores; without it `jcm` prompts (never an argument).",
        json_schema_extra={"section": "keys"},
    )

    # --- local networks (jcm devnet) ------------------------------------------------------------
    devnet_dir: Path = Field(
        default=DEFAULT_DEVNET_DIR,
        description="State folder of the local devnet (chain state, deployment, demo keys, index).",
        json_schema_extra={"section": "devnet"},
    )
    anvil: str | None = Field(
        default=None,
        description="The anvil executable; default `node_modules/.bin/anvil` of the checkout, "
        "else `anvil` on `PATH`.",
        json_schema_extra={"section": "tools"},
    )
    geth: str | None = Field(
        default=None,
        description="The geth executable of the consortium network; default `geth` in "
        "`geth_dir`, else `.tools/bin/geth` of the checkout, else `geth` on `PATH`.",
        json_schema_extra={"section": "tools"},
    )
    geth_dir: Path | None = Field(
        default=None,
        description="Folder `tools/install-geth.sh` builds geth into (and where it is looked for); "
        "default `.tools/bin` of the checkout.",
        json_schema_extra={"section": "tools"},
    )
    solcjs_module: str | None = Field(
        default=None,
        description="The solc-js module `tools/solc.js` runs as the compiler; default "
        "`node_modules/solc` of the checkout.",
        json_schema_extra={"section": "tools"},
    )
    debug: bool = Field(
        default=False,
        description="`jcm` prints the traceback of an unexpected failure after its one-line error.",
        json_schema_extra={"section": "devnet"},
    )

    # --- index and API (jcm index, jcm api, jcm report) ----------------------------------------
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the index: a SQLite file, or `postgresql://...` "
        "(psycopg 3).",
        json_schema_extra={"section": "index"},
    )
    confirmations: int = Field(
        default=DEFAULT_CONFIRMATIONS,
        ge=0,
        le=10_000,
        description="Blocks a log must be buried under before the indexer applies it.",
        json_schema_extra={"section": "index"},
    )
    block_range: int = Field(
        default=DEFAULT_BLOCK_RANGE,
        ge=1,
        le=1_000_000,
        description="Most blocks asked for in one `eth_getLogs` call: by the indexer (which "
        "applies each range in one database transaction) and by the SDK and `jcm` reading records "
        "from the deployment block on. A node may refuse wider ranges (Besu: "
        "`--rpc-max-logs-range`, 1,000 by default).",
        json_schema_extra={"section": "node"},
    )
    poll_interval: float = Field(
        default=DEFAULT_POLL_INTERVAL,
        gt=0,
        description="Seconds between polls of the chain head once the indexer has caught up.",
        json_schema_extra={"section": "index"},
    )
    host: str = Field(
        default=LOCALHOST,
        description="Address the API server listens on.",
        json_schema_extra={"section": "index"},
    )
    port: int = Field(
        default=DEFAULT_API_PORT,
        ge=1,
        le=65_535,
        description="Port the API server listens on.",
        json_schema_extra={"section": "index"},
    )
    api_workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Worker processes of the query API (`jcm api`, the devnet): each answers "
        "requests on its own core with its own connection pool; default: one per CPU core.",
        json_schema_extra={"section": "index"},
    )
    api_pool_size: int = Field(
        default=DEFAULT_API_POOL_SIZE,
        ge=1,
        le=1_000,
        description="Database connections each API worker keeps open (as many again are opened "
        "under bursts and closed after), and the threads it answers requests on: on PostgreSQL, "
        "`api_workers` x 2 x this must stay under the server's `max_connections`.",
        json_schema_extra={"section": "index"},
    )
    title: str = Field(
        default=DEFAULT_TITLE,
        description="Name shown by the explorer and the OpenAPI document.",
        json_schema_extra={"section": "index"},
    )
    api_url: str | None = Field(
        default=None,
        description="A running query API that `jcm report` asks; default: it reads the index "
        "database.",
        json_schema_extra={"section": "index"},
    )

    # --- deployment with Ape (scripts/deploy.py) ------------------------------------------------
    deployer: str | None = Field(
        default=None,
        description="Ape account alias that deploys on a non-local network (required there).",
        json_schema_extra={"section": "deploy"},
    )
    admin: str | None = Field(
        default=None,
        description="Admin address of a new registry; default: the deployer.",
        json_schema_extra={"section": "deploy"},
    )
    metadata_uri: str = Field(
        default=DEFAULT_METADATA_URI,
        description="ERC-1155 metadata URI template of a new registry (`{id}` per ERC-1155).",
        json_schema_extra={"section": "deploy"},
    )

    # --- tests (make test, make fuzz) -----------------------------------------------------------
    fuzz_profile: Literal["short", "long"] = Field(
        default="short",
        description="Fuzzing profile of `tests/fuzz`: `short` in `make test`, `long` in "
        "`make fuzz`.",
        json_schema_extra={"section": "tests"},
    )
    fuzz_examples: int | None = Field(
        default=None,
        ge=1,
        description="Random runs of the fuzz state machine; default "
        f"{FUZZ_RUNS['short'][0]} (short) or {FUZZ_RUNS['long'][0]} (long).",
        json_schema_extra={"section": "tests"},
    )
    fuzz_steps: int | None = Field(
        default=None,
        ge=1,
        description=f"Steps per fuzz run; default {FUZZ_RUNS['short'][1]} (short) or "
        f"{FUZZ_RUNS['long'][1]} (long).",
        json_schema_extra={"section": "tests"},
    )
    test_artifacts: Path | None = Field(
        default=None,
        description="Folder the browser and PDF tests keep their screenshots in (e.g. CI "
        "artifacts); default: the test's temporary folder.",
        json_schema_extra={"section": "tests"},
    )

    @property
    def deployment_path(self) -> Path:
        """The deployment file ``jcm`` reads: ``deployment`` if set, else the devnet's."""
        return self.deployment or self.devnet_dir / DEFAULT_DEPLOYMENT_FILE

    @property
    def api_worker_count(self) -> int:
        """The query API's worker processes: ``api_workers``, or one per CPU core."""
        return self.api_workers or os.cpu_count() or 1

    @property
    def fuzz_runs(self) -> tuple[int, int]:
        """Random runs and steps per run of the fuzz tests: the profile's, or as set."""
        examples, steps = FUZZ_RUNS[self.fuzz_profile]
        return self.fuzz_examples or examples, self.fuzz_steps or steps


def env_var(field: str) -> str:
    """The environment variable of a field of :class:`Settings` (``rpc_url`` -> ``JCM_RPC_URL``).

    Raises:
        KeyError: no such field (a typo cannot name a variable nothing reads).
    """
    if field not in Settings.model_fields:
        raise KeyError(f"Settings has no field {field!r}")
    return ENV_PREFIX + field.upper()


def load_settings(**given: Any) -> Settings:
    """The settings from the environment, with the non-``None`` values of ``given`` on top.

    Raises:
        ConfigurationError: a variable (or a given value) that its setting refuses, named.
    """
    try:
        return Settings(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{env_var(str(error['loc'][0])) if error['loc'] else 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid setting: {problems}") from None
