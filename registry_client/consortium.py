"""A consortium network on loopback: geth v1.13.15 Clique signers, run by each government.

Production runs Hyperledger Besu with QBFT (``docs/deployment.md``); Besu cannot be installed from
the package registries this project may use, so the tests, the consortium devnet and the benchmark
run the closest real proof-of-authority client that can: go-ethereum v1.13.15, the last release
that seals Clique blocks (``tools/install-geth.sh`` builds it into ``.tools/bin``).

:class:`Consortium` lays out a folder with a genesis generated per network (a fresh chain id and a
timestamp a few seconds ahead), one data directory per signer with its deterministic key, a TOML
config naming every other signer as a static peer and listening on 127.0.0.1 only, and
``consortium.json`` recording the layout (so a devnet resumes on the same ports). Every node runs
with ``--txpool.nolocals`` and seals once all are peered; processes are tracked by PID and stopped
with SIGTERM (SIGKILL only when asked, to simulate a crash).

Clique lets a signer seal at most one of any ``floor(n/2) + 1`` consecutive blocks, so with four
signers, two per government, three must be up: the chain survives one node down, and neither
government alone (two signers) can keep producing blocks.

Why the details (checked by hand on this machine kind):

- a genesis timestamp of 0 deadlocks Clique at block 1 (every signer seals block 1 at once); a
  timestamp a few seconds ahead starts cleanly when every signer seals from the start; under load
  signers that started sealing before they had peers still forked at blocks 1-2 and then all
  refused block 3 ("signed recently"), so the harness starts sealing (``miner_start``) only once
  every node has its peers, and restarts sealing if no block comes;
- ``static-nodes.json`` is ignored by geth 1.13: peers go in ``[Node.P2P] StaticNodes``; the
  ``--port`` flag binds every interface, ``ListenAddr`` binds loopback only;
- London is active, so the base fee never falls below 7 wei: a transaction priced below it would
  sit in the pool forever; ``--txpool.nolocals`` makes the node refuse an underpriced one at once,
  and ``--miner.gasprice 1`` (1 wei, geth refuses 0) keeps the tip every node asks for negligible;
- blocks carry 97 bytes of ``extraData`` (web3.py needs ``ExtraDataToPOAMiddleware``), and the
  ``finalized``/``safe`` block tags are errors: Clique has no finality.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys import keys as eth_keys
from eth_utils import keccak, to_checksum_address

from registry_client.anvil import free_port
from registry_client.devnet import Child, find_executable
from registry_client.errors import RegistryError
from registry_client.keystore import encrypt_key
from registry_client.settings import LOCALHOST, env_var, load_settings

GETH_VERSION = "1.13.15"
GETH_ENV = env_var("geth")
HOST = LOCALHOST
GOVERNMENTS = ("JP", "ID")
"""Japan and the partner government whose signers make up the default network."""
SIGNERS_PER_GOVERNMENT = 2
BLOCK_PERIOD = 1
"""Seconds between Clique blocks."""
GAS_LIMIT = 30_000_000
GENESIS_LEAD = 4
"""Seconds the genesis timestamp lies ahead of the moment the network is created."""
KEY_PASSWORD = "jcm-consortium"
"""Password of the signers' keystores in their data directories (public: these are local keys)."""
DEV_BALANCE = 10**9 * 10**18
"""What each funded account holds at genesis (1e9 ether: gas is cheap but not free)."""
LAYOUT_FILE = "consortium.json"


class ConsortiumError(RegistryError):
    """The consortium network cannot be laid out, started or stopped (no geth, a node that died)."""


def find_geth() -> str:
    """The geth executable: ``$JCM_GETH``, ``.tools/bin/geth`` of this checkout or of the current
    directory (or a parent), else ``geth`` on ``PATH``.

    Raises:
        ConsortiumError: none found.
    """
    settings = load_settings()
    installed = settings.geth_dir / "geth" if settings.geth_dir else None
    configured = settings.geth or (str(installed) if installed else None)
    found = find_executable(configured, ".tools/bin/geth", "geth")
    if found:
        return found
    raise ConsortiumError(
        f"geth {GETH_VERSION} not found: run tools/install-geth.sh (make test and make "
        f"demo-consortium run it) or set ${GETH_ENV}"
    )


def signer_key(namespace: str, name: str) -> bytes:
    """The deterministic private key of signer ``name`` (e.g. ``jp-1``) in ``namespace``."""
    return bytes(keccak(text=f"jcm-consortium/{namespace}/signer/{name}"))


def node_key(namespace: str, name: str) -> bytes:
    """The deterministic devp2p node key of signer ``name``: its enode id stays the same."""
    return bytes(keccak(text=f"jcm-consortium/{namespace}/node/{name}"))


def rpc_call(url: str, method: str, params: Sequence[Any] = (), timeout: float = 5.0) -> Any:
    """A raw JSON-RPC call to ``url``.

    Raises:
        ConsortiumError: the node answered with an error.
        requests.RequestException: the node did not answer.
    """
    reply = requests.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
        timeout=timeout,
    ).json()
    if "error" in reply:
        raise ConsortiumError(f"{method} on {url}: {reply['error'].get('message', reply['error'])}")
    return reply["result"]


@dataclass
class Signer:
    """One Clique signer: a geth node run by ``government``.

    Attributes:
        name: ``jp-1``, ``jp-2``, ``id-1``, ...
        government: the registry side that runs it (``JP``, ``ID``)
        account: the sealing key (an EOA listed in the genesis ``extraData``)
        node_key: the devp2p key (fixes the enode id)
        datadir: the node's data directory
        http_port, p2p_port, auth_port: its loopback ports
    """

    name: str
    government: str
    account: LocalAccount
    node_key: bytes
    datadir: Path
    http_port: int
    p2p_port: int
    auth_port: int
    process: Child | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """The sealing address."""
        return to_checksum_address(self.account.address)

    @property
    def url(self) -> str:
        """The node's JSON-RPC URL."""
        return f"http://{HOST}:{self.http_port}"

    @property
    def enode(self) -> str:
        """The node's enode URL on loopback."""
        public = eth_keys.PrivateKey(self.node_key).public_key.to_bytes().hex()
        return f"enode://{public}@{HOST}:{self.p2p_port}"

    @property
    def log(self) -> Path:
        """geth's output."""
        return self.datadir / "geth.log"

    @property
    def running(self) -> bool:
        """Whether the process this handle started has not exited."""
        return self.process is not None and self.process.running()

    def rpc(self, method: str, params: Sequence[Any] = (), timeout: float = 5.0) -> Any:
        """A raw JSON-RPC call to this node."""
        return rpc_call(self.url, method, params, timeout)

    def head(self) -> tuple[int, str]:
        """The node's latest block number and hash."""
        block = self.rpc("eth_getBlockByNumber", ["latest", False])
        return int(block["number"], 16), str(block["hash"])

    def answers(self) -> bool:
        """Whether the node answers JSON-RPC."""
        try:
            self.rpc("eth_blockNumber", timeout=1)
            return True
        except (requests.RequestException, ValueError, ConsortiumError):
            return False

    def last_words(self) -> str:
        """The last line geth logged, for error messages."""
        return self.process.last_words() if self.process is not None else ""

    def layout(self) -> dict[str, Any]:
        """What ``consortium.json`` records of it (no key: keys are derived from the namespace)."""
        return {
            "name": self.name,
            "government": self.government,
            "address": self.address,
            "http_port": self.http_port,
            "p2p_port": self.p2p_port,
            "auth_port": self.auth_port,
        }


@dataclass
class Consortium:
    """A Clique network of ``signers_per_government`` signers for each of ``governments``.

    Use :meth:`create` (a new network in an empty or absent folder) or :meth:`open` (the network
    laid out there before), then :meth:`start`; :meth:`stop` ends every node. As a context manager
    it starts on entry and stops on exit. :meth:`stop_signer`, :meth:`start_signer`,
    :meth:`isolate` and :meth:`reconnect` make the faults the tests exercise.

    Attributes:
        root: the network's folder (genesis, layout, one data directory per signer)
        namespace: what the signer and node keys are derived from
        chain_id: the genesis chain id
        signers: the signers, in the order of ``governments``
        funded: addresses given :data:`DEV_BALANCE` at genesis
    """

    root: Path
    namespace: str
    chain_id: int
    signers: list[Signer]
    funded: tuple[str, ...] = ()
    genesis_time: int = 0
    period: int = BLOCK_PERIOD

    # ---- layout ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        root: Path,
        *,
        funded: Sequence[str] = (),
        governments: Sequence[str] = GOVERNMENTS,
        signers_per_government: int = SIGNERS_PER_GOVERNMENT,
        namespace: str = "local",
        chain_id: int | None = None,
        http_ports: Sequence[int] | None = None,
        period: int = BLOCK_PERIOD,
    ) -> Consortium:
        """Lay out a new network in ``root``: genesis, keys, configs, and ``geth init`` per node.

        Args:
            root: an empty or absent folder.
            funded: addresses funded at genesis (e.g. the deployer and the parties' funder).
            governments: registry sides, each running ``signers_per_government`` signers.
            namespace: keys are derived from it (same namespace, same signers).
            chain_id: default: a fresh one per network, so a wallet never mixes two runs.
            http_ports: the nodes' RPC ports in signer order (default: free ports).
            period: seconds between blocks.

        Raises:
            ConsortiumError: ``root`` holds files already, or ``geth init`` failed.
        """
        if root.exists() and any(root.iterdir()):
            raise ConsortiumError(f"{root} is not empty: open the network there or remove it")
        root.mkdir(parents=True, exist_ok=True)
        names = [
            (government, f"{government.lower()}-{i}")
            for government in governments
            for i in range(1, signers_per_government + 1)
        ]
        if http_ports is not None and len(http_ports) != len(names):
            raise ConsortiumError(f"{len(names)} signers need {len(names)} RPC ports")
        signers = [
            Signer(
                name=name,
                government=government,
                account=Account.from_key(signer_key(namespace, name)),
                node_key=node_key(namespace, name),
                datadir=root / name,
                http_port=http_ports[i] if http_ports is not None else free_port(),
                p2p_port=free_port(),
                auth_port=free_port(),
            )
            for i, (government, name) in enumerate(names)
        ]
        network = cls(
            root=root,
            namespace=namespace,
            chain_id=chain_id if chain_id is not None else 20_000 + int(time.time()) % 1_000_000,
            signers=signers,
            funded=tuple(to_checksum_address(a) for a in funded),
            genesis_time=int(time.time()) + GENESIS_LEAD,
            period=period,
        )
        network._write_genesis()
        (root / "password.txt").write_text(KEY_PASSWORD + "\n", encoding="utf-8")
        geth = find_geth()
        for signer in signers:
            network._init_signer(geth, signer)
        network._write_layout()
        return network

    @classmethod
    def open(cls, root: Path) -> Consortium:
        """The network laid out in ``root`` by :meth:`create`.

        Raises:
            ConsortiumError: no layout there.
        """
        try:
            layout = json.loads((root / LAYOUT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConsortiumError(f"no consortium network in {root} ({exc})") from None
        namespace = str(layout["namespace"])
        signers = [
            Signer(
                name=s["name"],
                government=s["government"],
                account=Account.from_key(signer_key(namespace, s["name"])),
                node_key=node_key(namespace, s["name"]),
                datadir=root / s["name"],
                http_port=int(s["http_port"]),
                p2p_port=int(s["p2p_port"]),
                auth_port=int(s["auth_port"]),
            )
            for s in layout["signers"]
        ]
        return cls(
            root=root,
            namespace=namespace,
            chain_id=int(layout["chain_id"]),
            signers=signers,
            funded=tuple(layout.get("funded", ())),
            genesis_time=int(layout["genesis_time"]),
            period=int(layout.get("period", BLOCK_PERIOD)),
        )

    def _write_layout(self) -> None:
        layout = {
            "geth": GETH_VERSION,
            "namespace": self.namespace,
            "chain_id": self.chain_id,
            "genesis_time": self.genesis_time,
            "period": self.period,
            "funded": list(self.funded),
            "signers": [s.layout() for s in self.signers],
        }
        (self.root / LAYOUT_FILE).write_text(json.dumps(layout, indent=2) + "\n", encoding="utf-8")

    def genesis(self) -> dict[str, Any]:
        """The Clique genesis: every fork up to London at block 0, the signers in ``extraData``."""
        sealers = sorted(bytes.fromhex(s.address[2:]) for s in self.signers)
        extra = b"\x00" * 32 + b"".join(sealers) + b"\x00" * 65
        forks = (
            "homestead", "eip150", "eip155", "eip158", "byzantium", "constantinople",
            "petersburg", "istanbul", "muirGlacier", "berlin", "london", "arrowGlacier",
            "grayGlacier",
        )  # fmt: skip
        config: dict[str, Any] = {"chainId": self.chain_id, **{f"{f}Block": 0 for f in forks}}
        config["clique"] = {"period": self.period, "epoch": 30_000}
        return {
            "config": config,
            "timestamp": hex(self.genesis_time),
            "extraData": "0x" + extra.hex(),
            "gasLimit": hex(GAS_LIMIT),
            "difficulty": "0x1",
            "alloc": {a: {"balance": hex(DEV_BALANCE)} for a in self.funded},
        }

    def _write_genesis(self) -> None:
        (self.root / "genesis.json").write_text(
            json.dumps(self.genesis(), indent=2) + "\n", encoding="utf-8"
        )

    def _config_toml(self, signer: Signer) -> str:
        peers = ", ".join(f'"{s.enode}"' for s in self.signers if s is not signer)
        return (
            "# Written by registry_client.consortium: peers are static, discovery is off.\n"
            "[Node.P2P]\n"
            f"StaticNodes = [{peers}]\n"
            f'ListenAddr = "{HOST}:{signer.p2p_port}"\n'
            "NoDiscovery = true\n"
            "MaxPeers = 16\n"
        )

    def _init_signer(self, geth: str, signer: Signer) -> None:
        signer.datadir.mkdir(parents=True)
        keystore = signer.datadir / "keystore"
        keystore.mkdir()
        # A light scrypt (like geth's --lightkdf): the password is public, the key is local.
        encrypted = encrypt_key(signer.account.key, KEY_PASSWORD, kdf="scrypt", iterations=4096)
        (keystore / f"{signer.address.lower()[2:]}.json").write_text(
            json.dumps(encrypted), encoding="utf-8"
        )
        (signer.datadir / "nodekey").write_text(signer.node_key.hex(), encoding="utf-8")
        (signer.datadir / "config.toml").write_text(self._config_toml(signer), encoding="utf-8")
        done = subprocess.run(
            [geth, "init", "--datadir", str(signer.datadir), str(self.root / "genesis.json")],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            why = done.stderr.strip()[-400:]
            raise ConsortiumError(f"geth init of {signer.name} failed: {why}")

    # ---- processes ---------------------------------------------------------------------------

    def argv(self, signer: Signer) -> list[str]:
        """The command line that runs ``signer``."""
        apis = "eth,net,web3,txpool,clique,admin,miner"
        return [
            find_geth(),
            "--datadir", str(signer.datadir),
            "--config", str(signer.datadir / "config.toml"),
            "--nodekey", str(signer.datadir / "nodekey"),
            "--networkid", str(self.chain_id),
            "--syncmode", "full",
            # Every block's state is written at once: a node killed with SIGKILL restarts intact.
            "--gcmode", "archive",
            "--cache", "128",
            "--nodiscover",
            "--ipcdisable",
            "--http", "--http.addr", HOST, "--http.port", str(signer.http_port),
            "--http.api", apis,
            "--authrpc.addr", HOST, "--authrpc.port", str(signer.auth_port),
            # Sealing starts with miner_start once the node has its peers (see start()).
            "--miner.etherbase", signer.address,
            "--miner.gasprice", "1",
            "--unlock", signer.address,
            "--password", str(self.root / "password.txt"),
            # Unlocking next to an HTTP endpoint is refused without it; the endpoint is loopback.
            "--allow-insecure-unlock",
            "--txpool.nolocals",
            "--verbosity", "3",
        ]  # fmt: skip

    def signer(self, name: str) -> Signer:
        """The signer called ``name``.

        Raises:
            ConsortiumError: no such signer.
        """
        for signer in self.signers:
            if signer.name == name:
                return signer
        raise ConsortiumError(f"no signer {name!r}: {', '.join(s.name for s in self.signers)}")

    @property
    def urls(self) -> list[str]:
        """Every node's JSON-RPC URL."""
        return [s.url for s in self.signers]

    @property
    def running(self) -> list[Signer]:
        """The signers whose process runs."""
        return [s for s in self.signers if s.running]

    def start(self, timeout: float = 60.0) -> None:
        """Start every signer that is not running; once all answer and are peered, start sealing
        on every one at once, and wait for a new block.

        Sealing only after peering avoids the start-up race in which several signers seal their
        own block 1 or 2 before they hear of each other: the forks it leaves can make every signer
        refuse to seal the next block as "signed recently" (seen on this machine under load).

        Raises:
            ConsortiumError: a node exited or did not answer within ``timeout`` seconds, or no
                block came.
        """
        stopped = [s for s in self.signers if not s.running]
        for signer in stopped:
            self._spawn(signer)
        for signer in stopped:
            self._await_rpc(signer, timeout)
        self.await_peers(timeout)
        self.seal()

    def seal(self, attempts: int = 4, wait: float = 15.0) -> None:
        """Make every running signer seal (``miner_start``) and wait until a new block comes.

        If none comes within ``wait`` seconds although enough signers run, every signer's sealing
        is restarted (``miner_stop``, ``miner_start``): geth does not retry a block it refused to
        seal until the next head arrives, so a refusal on every signer at once stalls the chain.

        Raises:
            ConsortiumError: no new block after ``attempts`` tries.
        """
        running = self.running
        head = max(s.head()[0] for s in running)
        for attempt in range(attempts):
            for signer in running:
                if attempt:
                    signer.rpc("miner_stop")
                signer.rpc("miner_start")
            if self.await_block(head + 1, timeout=wait):
                return
        raise ConsortiumError(
            f"the {len(running)} running signers sealed no block after block {head} "
            f"(logs: {', '.join(str(s.log) for s in running)})"
        )

    def start_signer(self, name: str, timeout: float = 60.0) -> Signer:
        """Start (or restart) one signer; once it answers and is peered with the others, let every
        running signer seal, and (if enough run to seal) wait for a new block.

        A restarted signer that sealed before it had peers would fork the chain on its own, and
        signers that refused to seal while too few were up do not retry until a new head comes:
        :meth:`seal` covers both.

        Raises:
            ConsortiumError: it exited, did not answer or did not peer in time.
        """
        signer = self.signer(name)
        if not signer.running:
            others = self.running
            self._spawn(signer)
            self._await_rpc(signer, timeout)
            self.await_peers(timeout)
            self._await_sync(signer, others, timeout)
            if len(self.running) > len(self.signers) // 2:
                self.seal()
            else:
                signer.rpc("miner_start")
        return signer

    def stop_signer(self, name: str, *, kill: bool = False, timeout: float = 30.0) -> Signer:
        """Stop one signer: SIGTERM (geth flushes and exits), or SIGKILL with ``kill`` (a crash)."""
        signer = self.signer(name)
        if signer.process is None or not signer.process.running():
            return signer
        if kill:
            signer.process.process.kill()
            signer.process.process.wait()
        else:
            signer.process.stop(timeout)
        return signer

    def stop(self) -> None:
        """Stop every signer this handle started."""
        for signer in self.signers:
            self.stop_signer(signer.name)

    def __enter__(self) -> Consortium:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, signer: Signer) -> None:
        # Its own session, and SIGTERM if this process dies: no geth outlives its harness.
        signer.process = Child.start(signer.name, self.argv(signer), signer.log)

    def _await_sync(self, signer: Signer, others: list[Signer], timeout: float) -> None:
        """Wait until a restarted ``signer`` has the blocks the ``others`` sealed while it was down.

        Sealing on an older head would fork the chain; on a loaded machine geth can take seconds
        to download the missing blocks, and until it does the others may all refuse to seal as
        "signed recently" while the restarted one builds on its stale head.

        Raises:
            ConsortiumError: it did not catch up within ``timeout`` seconds.
        """
        try:
            target = max((s.head()[0] for s in others), default=0)
        except (requests.RequestException, ValueError, ConsortiumError):
            return  # the others are not answering: nothing to catch up with
        if not self.await_block(target, timeout, signer=signer.name):
            raise ConsortiumError(
                f"geth {signer.name} did not catch up to block {target} within {timeout:.0f} s "
                f"(log: {signer.log})"
            )

    def _await_rpc(self, signer: Signer, timeout: float) -> None:
        if not _wait_until(signer.answers, timeout, lambda: signer.running):
            self.stop_signer(signer.name)
            raise ConsortiumError(
                f"geth {signer.name} did not start on {signer.url}: "
                f"{signer.last_words() or 'no output'} (log: {signer.log})"
            )

    # ---- observing ---------------------------------------------------------------------------

    def await_peers(self, timeout: float = 60.0) -> None:
        """Wait until every running signer is connected to every other running signer.

        Raises:
            ConsortiumError: not connected within ``timeout`` seconds.
        """
        running = self.running
        want = len(running) - 1

        def connected() -> bool:
            try:
                return all(int(s.rpc("net_peerCount"), 16) >= want for s in running)
            except (requests.RequestException, ValueError, ConsortiumError):
                return False

        if not _wait_until(connected, timeout):
            raise ConsortiumError(f"the {len(running)} running signers did not all peer in time")

    def head(self, signer: str | None = None) -> tuple[int, str]:
        """The latest block number and hash of ``signer`` (default: the first running one)."""
        node = self.signer(signer) if signer else self.running[0]
        return node.head()

    def await_block(self, number: int, timeout: float = 60.0, signer: str | None = None) -> bool:
        """Wait until ``signer`` (default: the first running) has block ``number``; return whether
        it did."""

        def reached() -> bool:
            try:
                return self.head(signer)[0] >= number
            except (requests.RequestException, ValueError, ConsortiumError, IndexError):
                return False

        return _wait_until(reached, timeout)

    def await_same_head(self, timeout: float = 60.0) -> tuple[int, str]:
        """Wait until every running signer reports the same latest block; return it.

        Blocks come every :attr:`period` seconds and the nodes answer in milliseconds, so nodes in
        sync agree on their latest block most of the time; a node still syncing never does.

        Raises:
            ConsortiumError: they did not agree within ``timeout`` seconds.
        """
        seen: list[tuple[int, str]] = []

        def agree() -> bool:
            try:
                heads = {s.head() for s in self.running}
            except (requests.RequestException, ValueError, ConsortiumError):
                return False
            if len(heads) == 1:
                seen.append(heads.pop())
                return True
            return False

        if not _wait_until(agree, timeout):
            raise ConsortiumError("the running signers did not agree on a head in time")
        return seen[-1]

    def isolate(self, name: str, timeout: float = 30.0) -> Signer:
        """Cut signer ``name`` off from every other signer (a network partition): each side drops
        the other from its static peers, so nobody redials. Undo with :meth:`reconnect`.

        Raises:
            ConsortiumError: it still had peers after ``timeout`` seconds.
        """
        lone = self.signer(name)

        def cut_off() -> bool:
            # Repeated until it holds: a dial already under way when the peer was removed can
            # still complete, and then only another removal drops it.
            for other in self.signers:
                if other is not lone and other.running:
                    other.rpc("admin_removePeer", [lone.enode])
                    lone.rpc("admin_removePeer", [other.enode])
            return int(lone.rpc("net_peerCount"), 16) == 0

        if not _wait_until(cut_off, timeout):
            raise ConsortiumError(f"{name} kept its peers after {timeout:.0f} s")
        return lone

    def reconnect(self, name: str, timeout: float = 60.0) -> None:
        """Heal the partition of :meth:`isolate`: static peers again both ways; wait until every
        running signer has its peers."""
        lone = self.signer(name)
        for other in self.signers:
            if other is not lone and other.running:
                lone.rpc("admin_addPeer", [other.enode])
                other.rpc("admin_addPeer", [lone.enode])
        self.await_peers(timeout)

    def sealer_of(self, number: int) -> str:
        """The address that sealed block ``number`` (``clique_getSigner``)."""
        return to_checksum_address(self.running[0].rpc("clique_getSigner", [hex(number)]))


def _wait_until(
    check: Callable[[], bool], timeout: float, alive: Callable[[], bool] | None = None
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        if alive is not None and not alive():
            return False
        time.sleep(0.2)
    return check()
