"""Settings of the indexer and the query API, read from the environment (prefix ``JCM_``).

Every field can be set as an environment variable, e.g. ``JCM_DATABASE_URL=postgresql://...`` or
``JCM_CONFIRMATIONS=12``, or passed to :class:`Settings` directly. The same settings serve the
indexer
(``jcm index``), the API server (``jcm api``) and the devnet.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///jcm-index.sqlite3"


class Settings(BaseSettings):
    """Configuration of the indexer and the API.

    Attributes:
        database_url: SQLAlchemy URL of the index. A SQLite file by default; ``postgresql://...``
        (or
            ``postgresql+psycopg://...``) for PostgreSQL through psycopg 3.
        rpc_url: JSON-RPC endpoint of the chain. The API uses it only for ``/v1/health``.
        deployment: path of the ``deployment.json`` written by ``jcm deploy`` (registry and projects
            addresses, first block).
        confirmations: blocks a log must be buried under before the indexer applies it.
        block_range: most blocks asked for in one ``eth_getLogs`` call (and applied in one database
            transaction).
        poll_interval: seconds between polls of the chain head once caught up.
        rpc_timeout: seconds before a JSON-RPC call is abandoned.
        host: address the API server listens on.
        port: port the API server listens on.
        title: name shown by the explorer page and the OpenAPI document.
    """

    model_config = SettingsConfigDict(env_prefix="JCM_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    rpc_url: str | None = None
    deployment: Path | None = None
    confirmations: int = Field(default=0, ge=0, le=10_000)
    block_range: int = Field(default=2_000, ge=1, le=1_000_000)
    poll_interval: float = Field(default=2.0, gt=0)
    rpc_timeout: float = Field(default=30.0, gt=0)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    title: str = "JCM registry explorer"
