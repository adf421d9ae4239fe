"""Helpers of the CLI tests: an anvil, the ``jcm`` command run as a user runs it, and a small
registry built through ``jcm`` itself.

- :func:`start_chain`: ``anvil --hardfork paris`` on a free random port (never 8545), 20 funded dev
  accounts of the standard ``test ... junk`` mnemonic.
- :class:`Jcm`: runs ``jcm`` in-process through typer's ``CliRunner`` (the same root command and
  error handler as the console script) with the test's keystore folder, password, RPC URL and
  deployment file in the environment; :func:`assert_one_line_error` checks a refusal's output.
- :func:`build_world`: deploys and populates a registry through ``jcm`` commands only (deploy,
  country propose/accept, registrar grant, account open, decision new/sign/submit): governance
  (Japan's registry authority) and authority-id (Indonesia's); registrars of JP and ID, each
  granted by its own side's authority; the ID joint committee (Japan jp1-jp3, threshold 2;
  partner id1-id2, threshold 1);
  government holding, retirement and cancellation accounts on both sides; companies acme and
  globex (JP) and nusantara (ID); project ID012 registered by decision; batch 1 (vintage 2023,
  authorized for NDC use: gov-jp 500, gov-id 200, acme 250, nusantara 50) and batch 2 (vintage
  2022, not authorized: acme 300, gov-id 100) issued by decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from typer.testing import CliRunner, Result

from registry_client.anvil import TEST_MNEMONIC, Anvil, start_anvil
from registry_client.cli.app import app
from registry_client.client import RegistryClient
from registry_client.keystore import Keystore
from support.parties import dev_keys

ROOT = Path(__file__).resolve().parents[2]
MNEMONIC = TEST_MNEMONIC
PASSWORD = "cli-test-password"

# Dev account index of each party (anvil funds them all).
PARTIES = (
    "governance", "registrar-jp", "registrar-id", "jp1", "jp2", "jp3", "id1", "id2",
    "gov-jp", "gov-id", "acme", "globex", "nusantara", "retirement-jp", "cancellation-jp",
    "retirement-id", "cancellation-id", "outsider", "spare", "newcomer", "authority-id",
)  # fmt: skip


def start_chain() -> Anvil:
    """``anvil --hardfork paris`` on a free port with one funded account per party."""
    return start_anvil(accounts=len(PARTIES))


def dev_accounts() -> dict[str, LocalAccount]:
    """The parties' dev keys (anvil's mnemonic, m/44'/60'/0'/0/i)."""
    return dict(zip(PARTIES, dev_keys(len(PARTIES)), strict=True))


def assert_one_line_error(result: Result, *fragments: str) -> str:
    """A refusal: non-zero exit, exactly one ``error: ...`` line on stderr, no traceback."""
    assert result.exit_code != 0, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@dataclass
class Jcm:
    """Runs ``jcm`` as a user would, with this world's environment."""

    env: dict[str, str | None]

    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Result:
        """Run ``jcm ARGS``; keyword arguments override environment variables."""
        runner = CliRunner()
        return runner.invoke(app, list(args), input=input, env={**self.env, **env})

    def ok(self, *args: str, **env: str | None) -> Result:
        """Run and require success."""
        result = self(*args, **env)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result

    def json(self, *args: str, **env: str | None) -> Any:
        """Run with ``--json`` and parse standard output."""
        return json.loads(self.ok(*args, "--json", **env).stdout)


@dataclass
class World:
    """The registry built through ``jcm`` and who is who."""

    anvil: Anvil
    folder: Path
    jcm: Jcm
    accounts: dict[str, LocalAccount]
    deployment: Path
    committee: str = ""
    batches: dict[str, int] = field(default_factory=dict)

    def address(self, name: str) -> str:
        """A party's address."""
        return str(self.accounts[name].address)

    def client(self) -> RegistryClient:
        """A read-only SDK client (to check what the CLI did, independently of the CLI)."""
        return RegistryClient.connect(self.anvil.url, self.deployment)

    def snapshot(self) -> tuple[int, dict[str, int], dict[tuple[str, int], int]]:
        """What a refused command must not change: the head (anvil mines every transaction in a
        block of its own), every party's nonce, and every balance of the two batches."""
        head = self.anvil.block_number()
        nonces = {
            name: int(self.anvil.rpc("eth_getTransactionCount", [a.address, "latest"]), 16)
            for name, a in self.accounts.items()
        }
        client = self.client()
        balances = {
            (name, batch): client.balance(self.address(name), batch)
            for name in ("gov-jp", "gov-id", "acme", "globex", "nusantara")
            for batch in self.batches.values()
        }
        return head, nonces, balances


def issue(world: World, out: Path, decision_id: str, start: str, end: str,
          allocations: dict[str, int], signers: tuple[str, ...], *extra: str) -> int:  # fmt: skip
    """Draft, sign (offline) and submit an issuance of ID012; return the batch id."""
    jcm = world.jcm
    quantity = sum(allocations.values())
    jcm.ok(
        "decision", "new", "issue", "--project", "ID012", "--decision-id", decision_id,
        "--monitoring-start", start, "--monitoring-end", end, "--quantity", str(quantity),
        "--verification-report-hash", "0x" + keccak(text=f"report {decision_id}").hex(),
        "--out", str(out),
        *(a for name, amount in allocations.items() for a in ("--allocate", f"{name}={amount}")),
        *extra,
    )  # fmt: skip
    signatures = []
    for signer in signers:
        jcm.ok("decision", "sign", str(out), "--keystore", signer, "--yes")
        signatures.append(str(out.with_name(f"{out.stem}.{signer}.sig.json")))
    receipt = jcm.json("decision", "submit", str(out), *signatures, "--keystore", "governance")
    return int(receipt["batch_id"])


def build_world(anvil: Anvil, folder: Path) -> World:
    """Deploy and populate the registry through ``jcm`` (see the module docstring)."""
    accounts = dev_accounts()
    keys = folder / "keys"
    # Test keystores with a light scrypt factor; `jcm keys new|import` is tested on its own.
    store = Keystore(keys, kdf="scrypt", iterations=2**10)
    for name, account in accounts.items():
        store.import_key(name, account.key, password=PASSWORD)
    deployment = folder / "deployment.json"
    jcm = Jcm(
        {
            "JCM_RPC_URL": anvil.url,
            "JCM_DEPLOYMENT": str(deployment),
            "JCM_KEYSTORE_DIR": str(keys),
            "JCM_KEYSTORE_PASSWORD": PASSWORD,
            "JCM_KEYSTORE": None,
            "JCM_GAS_PRICE": None,
            "JCM_DEVNET_DIR": str(folder / "devnet"),
            "COLUMNS": "200",  # a wide terminal, so table rows are not wrapped
        }
    )
    world = World(anvil, folder, jcm, accounts, deployment)
    jcm.ok("deploy", "--keystore", "governance")
    added = jcm.json(
        "country", "propose", "ID", "--authority", "authority-id", "--japan-members", "jp1,jp2,jp3",
        "--partner-members", "id1", "--partner-members", "id2", "--japan-threshold", "2",
        "--partner-threshold", "1", "--keystore", "governance",
    )  # fmt: skip
    world.committee = added["address"]
    jcm.ok("country", "accept", "ID", world.committee, "--keystore", "authority-id")
    jcm.ok("registrar", "grant", "JP", "registrar-jp", "--keystore", "governance")
    jcm.ok("registrar", "grant", "ID", "registrar-id", "--keystore", "authority-id")
    opened = (
        ("gov-jp", "JP", "government-holding", "Government of Japan"),
        ("gov-id", "ID", "government-holding", "Government of Indonesia"),
        ("retirement-jp", "JP", "retirement", "Retirement account of Japan"),
        ("cancellation-jp", "JP", "cancellation", "Cancellation account of Japan"),
        ("retirement-id", "ID", "retirement", "Retirement account of Indonesia"),
        ("cancellation-id", "ID", "cancellation", "Cancellation account of Indonesia"),
        ("acme", "JP", "holding", "Acme Carbon K.K."),
        ("globex", "JP", "holding", "Globex Japan Ltd."),
        ("nusantara", "ID", "holding", "PT Nusantara Energi"),
    )
    for name, side, kind, holder in opened:
        jcm.ok(
            "account", "open", name, "--side", side, "--kind", kind, "--name", holder,
            "--keystore", f"registrar-{side.lower()}",
        )  # fmt: skip
    (folder / "validation.pdf").write_bytes(b"validation report of ID012")
    registration = folder / "register.json"
    jcm.ok(
        "decision", "new", "register-project", "--country", "ID", "--ref", "ID012",
        "--title", "Energy saving by high-efficiency centrifugal chillers", "--methodology",
        "ID_AM002", "--pdd-hash", "0x" + "cd" * 32, "--validation-report",
        str(folder / "validation.pdf"), "--out", str(registration),
    )  # fmt: skip
    signatures = []
    for signer in ("jp1", "jp3", "id2"):
        jcm.ok("decision", "sign", str(registration), "-k", signer, "-y")
        signatures.append(str(folder / f"register.{signer}.sig.json"))
    jcm.ok("decision", "submit", str(registration), *signatures, "-k", "governance")
    world.batches["authorized"] = issue(
        world, folder / "issue-1.json", "JC-ID-2024-01", "2023-01-01", "2023-12-31",
        {"gov-jp": 500, "gov-id": 200, "acme": 250, "nusantara": 50}, ("jp1", "jp2", "id1"),
        "--authorization", "ndc", "--authorization-id", "ID-LoA-2024-001",
        "--authorization-date", "2024-03-01",
    )  # fmt: skip
    world.batches["unauthorized"] = issue(
        world, folder / "issue-2.json", "JC-ID-2024-02", "2024-01-01", "2024-06-30",
        {"acme": 300, "gov-id": 100}, ("jp2", "jp3", "id2"), "--vintage", "2024",
    )  # fmt: skip
    return world
