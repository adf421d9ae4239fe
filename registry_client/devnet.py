"""The devnet: a local anvil chain with a seeded registry, its index and its query API.

``jcm devnet up`` (and ``make demo``) runs :meth:`Devnet.up` in the foreground:

1. starts ``anvil --hardfork paris`` on ``127.0.0.1:<port>`` with its state in the devnet folder
   (``--state <folder>/anvil-state.json``, also dumped every 30 s and on exit);
2. on the first run deploys the registry and carries out the seed (:mod:`registry_client.seed`),
   writes ``deployment.json``, the demo keystores (``keys/``, password :data:`DEMO_PASSWORD`) and
   ``seed.json``; on later runs finds the same registry on the reloaded chain and skips both;
3. starts the query API with its indexer (``jcm api --with-indexer``) on
   ``127.0.0.1:<api-port>`` over the SQLite index ``index.sqlite3``, a child process logging to
   ``api.log``;
4. prints the URLs and the demo accounts, and waits; Ctrl-C (or ``jcm devnet down``, which sends
   SIGTERM) stops the API, the indexer and anvil, which dumps its state.

With ``consortium`` (``jcm devnet up --consortium``, ``make demo-consortium``) the chain is a
proof-of-authority network instead of anvil: four geth Clique signers, two run by Japan and two by
Indonesia (:mod:`registry_client.consortium`), on ``<port>`` to ``<port>+3``, their data in
``<folder>/consortium``. The same registry, seed, indexer (applying logs two blocks deep: Clique has
no finality) and API run on it, every client given all four URLs so it fails over; stopping keeps
each node's chain, and ``up`` resumes it.

A first run interrupted before the seed finished leaves no ``seed.json``: the next ``up`` discards
the partial chain and starts over. ``jcm devnet reset`` stops a running devnet, deletes the files
the devnet wrote, and starts over. The folder is ``.devnet`` in the current directory (git-ignored),
or ``$JCM_DEVNET_DIR``.

The chain's funder is anvil's first dev account (the well-known ``test test ... junk`` mnemonic);
every other key is derived from a public seed: this is a devnet, never use its keys elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from registry_client.errors import RegistryError
from registry_client.settings import (
    DEFAULT_API_PORT,
    DEFAULT_NODE_PORT,
    LOCALHOST,
    env_var,
    load_settings,
)

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from registry_client.models import Deployment
    from registry_client.seed import Party, Progress, SeedPlan

HOST = LOCALHOST
DEFAULT_PORT = DEFAULT_NODE_PORT
STATE_DIR_ENV = env_var("devnet_dir")
ANVIL_ENV = env_var("anvil")
DEMO_PASSWORD = "jcm-demo"
"""Password of every demo keystore in ``<devnet>/keys`` (public: these are devnet keys)."""
DEMO_KDF_N = 4096
"""scrypt work factor of the demo keystores: light (like geth's ``--lightkdf``), since the password
is public; keystores made with ``jcm keys new`` use the full default."""
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
FUNDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
"""Anvil's first dev account of :data:`ANVIL_MNEMONIC` (m/44'/60'/0'/0/0): pays the parties' gas."""
STATE_INTERVAL = 30
CONSORTIUM_CONFIRMATIONS = 2
"""Blocks the consortium devnet's indexer waits before applying a log (Clique has no finality)."""
DEMO_PERSONAS = (
    "authority-jp",
    "authority-id",
    "registrar-jp",
    "registrar-id",
    "jc-jp-mofa",
    "jc-jp-meti",
    "jc-jp-moej",
    "jc-id-1",
    "jc-id-2",
    "gov-jp",
    "gov-id",
    "jfe-engineering",
    "panasonic",
    "pt-semen-indonesia-persero-tbk",
)
"""The keys the devnet lists when it is ready (the README walk-throughs use them)."""


class DevnetError(RegistryError):
    """The devnet cannot start, resume or stop (a busy port, no anvil, a child that died, ...)."""


def default_state_dir() -> Path:
    """``$JCM_DEVNET_DIR``, else ``.devnet`` in the current directory."""
    return load_settings().devnet_dir


@dataclass(frozen=True)
class DevnetPaths:
    """The files of a devnet folder."""

    root: Path

    @property
    def state(self) -> Path:
        """anvil's state (``--state``)."""
        return self.root / "anvil-state.json"

    @property
    def anvil_cache(self) -> Path:
        """Where anvil writes older blocks' states (``--cache-path``); removed when it stops,
        since anvil itself never removes them."""
        return self.root / "anvil-cache"

    @property
    def deployment(self) -> Path:
        """The deployment file every ``jcm`` command reads by default."""
        return self.root / "deployment.json"

    @property
    def seed(self) -> Path:
        """Written once the seed finished: its summary."""
        return self.root / "seed.json"

    @property
    def keys(self) -> Path:
        """The demo keystores."""
        return self.root / "keys"

    @property
    def database(self) -> Path:
        """The SQLite index of the indexer and the API."""
        return self.root / "index.sqlite3"

    @property
    def consortium(self) -> Path:
        """The consortium network's folder (genesis, layout, one data directory per signer)."""
        return self.root / "consortium"

    @property
    def processes(self) -> Path:
        """The running devnet's process ids (removed when it stops)."""
        return self.root / "devnet.json"

    def log(self, name: str) -> Path:
        """The log file of child process ``name``."""
        return self.root / f"{name}.log"

    def written(self) -> list[Path]:
        """Every file and folder the devnet writes (what ``reset`` deletes)."""
        database = [self.database.with_name(self.database.name + s) for s in ("", "-wal", "-shm")]
        logs = [self.log(n) for n in ("anvil", "indexer", "api")]
        return [
            self.state, self.anvil_cache, self.consortium, self.deployment, self.seed, self.keys,
            self.processes, *database, *logs,
        ]  # fmt: skip


@dataclass(frozen=True)
class DemoAccount:
    """A demo key as the devnet lists it."""

    keystore: str
    name: str
    role: str
    side: str | None
    address: str


@dataclass(frozen=True)
class DevnetInfo:
    """Where the running devnet is and how to use it."""

    rpc_url: str
    api_url: str | None
    chain_id: int
    deployment: Deployment
    paths: DevnetPaths
    resumed: bool
    seed: dict[str, Any]
    accounts: tuple[DemoAccount, ...]
    keystores: int
    password: str = DEMO_PASSWORD


class Reporter(Protocol):
    """How the devnet tells the person what it does (the CLI prints with rich)."""

    def status(self, message: str) -> None:
        """A step started or finished."""

    def progress(self, description: str, total: int) -> AbstractContextManager[Progress]:
        """A progress bar of ``total`` transactions; the context yields its update callback."""

    def ready(self, info: DevnetInfo) -> None:
        """Everything runs: show the URLs and demo accounts."""


# ------------------------------------------------------------------------------------------------
# Processes
# ------------------------------------------------------------------------------------------------


def find_executable(configured: str | None, local: str, name: str) -> str | None:
    """An executable: ``configured`` (a setting) if given, else ``local`` (a relative path such
    as ``node_modules/.bin/anvil``) under the current directory, this checkout or one of their
    parents, else ``name`` on ``PATH``; ``None`` if none of them."""
    if configured:
        return configured
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / local
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which(name)


def find_anvil() -> str:
    """The anvil executable: ``$JCM_ANVIL``, ``node_modules/.bin/anvil`` of this checkout or of the
    current directory (or a parent), else ``anvil`` on ``PATH``.

    Raises:
        DevnetError: none found.
    """
    found = find_executable(load_settings().anvil, "node_modules/.bin/anvil", "anvil")
    if found:
        return found
    raise DevnetError(
        f"anvil not found: run `make install` (npm ci installs it into node_modules/.bin) or set "
        f"${ANVIL_ENV}"
    )


def port_in_use(port: int, host: str = HOST) -> bool:
    """Whether something accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _terminate_with_parent() -> None:
    """In a new child (Linux): ask the kernel for SIGTERM when the parent dies (PR_SET_PDEATHSIG),
    so even a killed devnet leaves no anvil, indexer or API behind."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _cmdline(pid: int) -> list[str] | None:
    """The command line of a live process (``None`` if gone or a zombie; Linux ``/proc``)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    parts = [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    return parts or None


def _gone(pid: int, argv: list[str]) -> bool:
    return not _alive(pid, argv)


def _alive(pid: int, argv: list[str]) -> bool:
    """Whether ``pid`` is still the process started with ``argv`` (not a reused pid)."""
    current = _cmdline(pid)
    return current is not None and current[: len(argv)] == argv


@dataclass
class Child:
    """A child process of the devnet."""

    name: str
    argv: list[str]
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @classmethod
    def start(
        cls, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None
    ) -> Child:
        """Start ``argv`` in its own session (so a terminal's Ctrl-C reaches only the devnet, which
        stops its children in order); on Linux the child also gets SIGTERM if the devnet dies.
        ``env`` adds environment variables to this process's."""
        with log.open("ab") as out:
            process = subprocess.Popen(
                argv,
                env={**os.environ, **env} if env else None,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_terminate_with_parent if sys.platform == "linux" else None,
            )
        return cls(name, argv, log, process)

    def running(self) -> bool:
        """Whether the process has not exited."""
        return self.process.poll() is None

    def stop(self, timeout: float) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def last_words(self) -> str:
        """The last non-empty line of its log, for error messages."""
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return next((line.strip() for line in reversed(lines) if line.strip()), "")

    def record(self) -> dict[str, Any]:
        """What ``devnet.json`` keeps of it."""
        return {"pid": self.process.pid, "argv": self.argv}


class _Stop(Exception):
    """SIGTERM or SIGINT arrived: stop the devnet."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`_Stop` while the devnet runs."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, _raise_stop)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def _ignoring_signals() -> Iterator[None]:
    """Let the shutdown finish (it has its own timeouts) even if Ctrl-C is pressed again."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, signal.SIG_IGN)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _wait_until(check: Callable[[], bool], timeout: float, child: Child | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        if child is not None and not child.running():
            return False
        time.sleep(0.1)
    return check()


def _rpc_ready(url: str) -> bool:
    from registry_client.chain import rpc_ready

    return rpc_ready(url)


def _http_ok(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


# ------------------------------------------------------------------------------------------------
# The devnet
# ------------------------------------------------------------------------------------------------


@dataclass
class Devnet:
    """One devnet folder with its chain, index and API.

    Args:
        state_dir: the folder (default :func:`default_state_dir`).
        port: anvil's port.
        api_port: the query API's port.
        countries: seed only these partner countries (default all 29).
        with_api: start the indexer and the query API.
        consortium: run four geth Clique signers (ports ``port`` to ``port+3``) instead of anvil;
            a folder that already holds a consortium network always resumes it.
    """

    state_dir: Path = field(default_factory=default_state_dir)
    port: int = DEFAULT_PORT
    api_port: int = DEFAULT_API_PORT
    countries: tuple[str, ...] | None = None
    with_api: bool = True
    consortium: bool = False
    children: list[Child] = field(default_factory=list)

    def __post_init__(self) -> None:
        if (self.paths.consortium / "consortium.json").is_file():
            self.consortium = True
        elif self.consortium and self.paths.state.is_file():
            raise DevnetError(
                f"{self.paths.root} holds an anvil devnet: choose another --state-dir for the "
                "consortium devnet, or delete this one with jcm devnet reset"
            )

    @property
    def rpc_ports(self) -> list[int]:
        """The chain's JSON-RPC ports: anvil's, or the four signers' (as laid out, if they are)."""
        if not self.consortium:
            return [self.port]
        from registry_client.consortium import Consortium, ConsortiumError

        try:
            return [s.http_port for s in Consortium.open(self.paths.consortium).signers]
        except ConsortiumError:
            return [self.port + i for i in range(4)]

    @property
    def paths(self) -> DevnetPaths:
        """The folder's files."""
        return DevnetPaths(self.state_dir)

    @property
    def rpc_url(self) -> str:
        """The chain's JSON-RPC URL (the consortium's: its four URLs, comma-separated)."""
        return ",".join(f"http://{HOST}:{port}" for port in self.rpc_ports)

    @property
    def api_url(self) -> str:
        """The query API's base URL."""
        return f"http://{HOST}:{self.api_port}"

    # ---- up ----------------------------------------------------------------------------------

    def up(self, reporter: Reporter) -> None:
        """Start (or resume) the devnet and run until SIGINT or SIGTERM; then stop it cleanly.

        Raises:
            DevnetError: it cannot start, or a child process died.
            RegistryError: seeding failed (the SDK's typed error).
        """
        from registry_client.seed import build_plan

        try:
            plan = build_plan(self.countries)
        except ValueError as exc:
            raise DevnetError(str(exc)) from None
        paths = self.paths
        paths.root.mkdir(parents=True, exist_ok=True)
        self._refuse_if_running()
        chain = "a consortium signer" if self.consortium else "anvil"
        ports = [(port, chain) for port in self.rpc_ports] + [(self.api_port, "the query API")]
        for port, what in ports:
            if (what == chain or self.with_api) and port_in_use(port):
                raise DevnetError(
                    f"{HOST}:{port} is already in use, so {what} cannot listen there: stop what "
                    f"runs there (jcm devnet down?) or choose another port"
                )
        try:
            with _stop_signals():
                info = self._start(plan, reporter)
                reporter.ready(info)
                self._watch()
        except _Stop:
            pass
        finally:
            with _ignoring_signals():
                if self.children:
                    reporter.status("stopping the devnet ...")
                self.stop_children()
        reporter.status(
            f"devnet stopped; its state is kept in {paths.root} (jcm devnet up resumes)"
        )

    def _start(self, plan: SeedPlan, reporter: Reporter) -> DevnetInfo:
        paths = self.paths
        resumed = paths.seed.is_file() and paths.deployment.is_file()
        if not resumed:
            self._discard_chain()
        self._start_chain(reporter)
        deployment = self._resume_deployment() if resumed else None
        if resumed and deployment is None:
            reporter.status("the saved chain no longer holds the registry: starting over")
            self.stop_children()
            self._discard_chain()
            self._start_chain(reporter)
            resumed = False
        if deployment is None:
            deployment = self._seed(plan, reporter)
        else:
            reporter.status(f"resumed the registry {deployment.registry} (no deployment, no seed)")
        keystores = self._write_keystores(plan, reporter)
        if self.with_api:
            self._start_services(reporter)
        seed = json.loads(paths.seed.read_text(encoding="utf-8"))
        return DevnetInfo(
            rpc_url=self.rpc_url,
            api_url=self.api_url if self.with_api else None,
            chain_id=deployment.chain_id,
            deployment=deployment,
            paths=paths,
            resumed=resumed,
            seed=seed,
            accounts=self._demo_accounts(plan),
            keystores=keystores,
        )

    def _refuse_if_running(self) -> None:
        record = _read_record(self.paths.processes)
        if record is None:
            return
        supervisor = record.get("supervisor", {})
        if _alive(int(supervisor.get("pid", 0)), list(supervisor.get("argv", []))):
            raise DevnetError(
                f"a devnet is already running from {self.paths.root} (pid {supervisor['pid']}, "
                f"{record.get('rpc_url')}): use it, or stop it with jcm devnet down"
            )
        _stop_recorded(record)
        self.paths.processes.unlink(missing_ok=True)

    def _discard_chain(self) -> None:
        """Forget a chain whose seed never finished (or was lost), and what was derived from it."""
        for path in self.paths.written():
            if path in (self.paths.keys, self.paths.processes) or path.suffix == ".log":
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    def _start_chain(self, reporter: Reporter) -> None:
        if self.consortium:
            self._start_consortium(reporter)
        else:
            self._start_anvil(reporter)

    def _start_consortium(self, reporter: Reporter) -> None:
        from eth_account import Account

        from registry_client.consortium import Consortium, ConsortiumError

        folder = self.paths.consortium
        try:
            if (folder / "consortium.json").is_file():
                network = Consortium.open(folder)
                reporter.status(f"resuming the consortium's four signers on {self.rpc_url}")
            else:
                network = Consortium.create(
                    folder,
                    funded=[Account.from_key(FUNDER_KEY).address],
                    namespace="devnet",
                    http_ports=[self.port + i for i in range(4)],
                )
                reporter.status(
                    f"starting a new consortium network (chain {network.chain_id}): signers "
                    + ", ".join(f"{s.name} ({s.government})" for s in network.signers)
                )
            try:
                network.start()
            finally:
                # Tracked as the devnet's children whatever happened: stop_children ends them.
                self.children.extend(s.process for s in network.signers if s.process is not None)
                self._write_record()
            if not network.await_block(network.head()[0] + 1, timeout=60):
                raise DevnetError(f"the consortium sealed no block within 60 s (logs in {folder})")
        except ConsortiumError as exc:
            raise DevnetError(str(exc)) from None

    def _start_anvil(self, reporter: Reporter) -> None:
        argv = [
            find_anvil(),
            "--hardfork", "paris",
            "--host", HOST,
            "--port", str(self.port),
            "--mnemonic", ANVIL_MNEMONIC,
            "--state", str(self.paths.state),
            "--state-interval", str(STATE_INTERVAL),
            "--cache-path", str(self.paths.anvil_cache),
        ]  # fmt: skip
        shutil.rmtree(self.paths.anvil_cache, ignore_errors=True)  # left by a killed devnet
        loading = self.paths.state.is_file()
        if not loading:
            from registry_client.seed import GENESIS_TIME

            # A new chain begins before the seed's first day, so the seed's history can be mined
            # at the dates its data gives (the seed then moves the clock on to now).
            argv += ["--timestamp", str(GENESIS_TIME)]
        reporter.status(
            f"starting anvil on {self.rpc_url}"
            + (f" from {self.paths.state}" if loading else " (new chain)")
        )
        child = Child.start("anvil", argv, self.paths.log("anvil"))
        self.children.append(child)
        self._write_record()
        if not _wait_until(lambda: _rpc_ready(self.rpc_url), 60, child):
            raise DevnetError(
                f"anvil did not start on {self.rpc_url}: {child.last_words() or 'no output'} "
                f"(log: {child.log})"
            )

    def _resume_deployment(self) -> Deployment | None:
        from registry_client.client import RegistryClient
        from registry_client.deployment import load_deployment

        deployment = load_deployment(self.paths.deployment)
        try:
            RegistryClient.connect(self.rpc_url, deployment)
        except RegistryError:
            return None
        return deployment

    def _seed(self, plan: SeedPlan, reporter: Reporter) -> Deployment:
        from eth_account import Account

        from registry_client.deployment import save_deployment
        from registry_client.seed import SEED_NAMESPACE, run_seed

        funder = Account.from_key(FUNDER_KEY)
        with reporter.progress("seeding the registry", plan.transactions) as update:
            result = run_seed(self.rpc_url, funder, plan=plan, progress=update)
        deployment = result.deployment
        save_deployment(deployment, self.paths.deployment)
        summary = {
            "namespace": SEED_NAMESPACE,
            "countries": [c.country for c in plan.committees],
            "chain_id": deployment.chain_id,
            "registry": deployment.registry,
            "transactions": result.transactions,
            "projects": result.projects,
            "batches": result.batches,
            "movements": result.movements,
            "seconds": round(result.seconds, 1),
            "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.paths.seed.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        reporter.status(
            f"seeded {result.projects} projects, {result.batches} batches and "
            f"{result.movements} movements in {result.transactions} transactions "
            f"({result.seconds:.1f} s)"
        )
        return deployment

    def _write_keystores(self, plan: SeedPlan, reporter: Reporter) -> int:
        from registry_client.keystore import Keystore
        from registry_client.seed import derived_key

        store = Keystore(self.paths.keys, kdf="scrypt", iterations=DEMO_KDF_N)
        missing = [p for p in plan.parties if not store.exists(p.label)]
        if missing:
            reporter.status(f"writing {len(missing)} demo keystores to {self.paths.keys}")
            self.paths.keys.mkdir(parents=True, exist_ok=True, mode=0o700)

            def write(party: Party) -> None:
                store.import_key(party.label, derived_key(party.label), password=DEMO_PASSWORD)

            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(write, missing))
        return len(plan.parties)

    def api_command(self) -> list[str]:
        """The command that runs the indexer and the query API: the API as in production, in
        ``api_workers`` processes (``JCM_API_WORKERS``; default one per core), each with its own
        connection pool, and the indexer in their supervising process."""
        database_url = f"sqlite:///{self.paths.database.resolve()}"
        return [
            sys.executable, "-m", "registry_client.cli",
            "--rpc-url", self.rpc_url,
            "--deployment", str(self.paths.deployment.resolve()),
            "api", "--host", HOST, "--port", str(self.api_port),
            "--database-url", database_url, "--with-indexer",
            "--workers", str(load_settings().api_worker_count),
            # The devnet's index is only derived from its chain: after an upgrade that changed the
            # index's schema, a resumed devnet rebuilds it rather than refusing to start.
            "--rebuild-stale-index",
        ]  # fmt: skip

    def _start_services(self, reporter: Reporter) -> None:
        reporter.status(f"starting the indexer and the query API on {self.api_url}")
        # Clique has no finality: the indexer applies a log only once it is buried that deep.
        depth = (
            {env_var("confirmations"): str(CONSORTIUM_CONFIRMATIONS)} if self.consortium else None
        )
        api = Child.start("api", self.api_command(), self.paths.log("api"), env=depth)
        self.children.append(api)
        self._write_record()
        health = f"{self.api_url}/v1/health"
        if not _wait_until(lambda: _http_ok(health), 90, api):
            raise DevnetError(
                f"the query API did not start: {api.last_words() or 'no output'} (log: {api.log})"
            )

    def _watch(self) -> None:
        """Wait for a stop signal; fail if a child dies meanwhile."""
        while True:
            for child in self.children:
                if not child.running():
                    raise DevnetError(
                        f"{child.name} stopped unexpectedly (exit {child.process.returncode}): "
                        f"{child.last_words() or 'no output'} (log: {child.log})"
                    )
            time.sleep(0.5)

    def stop_children(self) -> None:
        """Stop the API and the indexer, then the chain (anvil dumps its state, geth flushes)."""
        for child in reversed(self.children):
            child.stop(timeout=10 if child.name == "api" else 30)
        self.children.clear()
        self.paths.processes.unlink(missing_ok=True)
        shutil.rmtree(self.paths.anvil_cache, ignore_errors=True)

    def _write_record(self) -> None:
        record = {
            "supervisor": {"pid": os.getpid(), "argv": _cmdline(os.getpid()) or []},
            "rpc_url": self.rpc_url,
            "api_url": self.api_url if self.with_api else None,
            "children": {c.name: c.record() for c in self.children},
        }
        self.paths.processes.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    def _demo_accounts(self, plan: SeedPlan) -> tuple[DemoAccount, ...]:
        labels = {p.label: p for p in plan.parties}
        return tuple(
            DemoAccount(p.label, p.name, p.role, p.side, p.address)
            for label in DEMO_PERSONAS
            if (p := labels.get(label)) is not None
        )


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stop_recorded(record: dict[str, Any], timeout: float = 30) -> bool:
    """Stop the recorded children that are still the processes the devnet started."""
    stopped = False
    children = record.get("children", {})
    # The API first, the chain last: the reverse of the order they started in.
    for name in sorted(children, key=lambda n: (n != "api", n != "indexer")):
        entry = children[name]
        pid, argv = int(entry["pid"]), list(entry["argv"])
        if _alive(pid, argv):
            os.kill(pid, signal.SIGTERM)
            _wait_until(partial(_gone, pid, argv), timeout)
            stopped = True
    return stopped


def down(state_dir: Path | None = None, timeout: float = 60) -> bool:
    """Stop the devnet running from ``state_dir`` (SIGTERM to it; it stops its children).

    Returns:
        Whether a running devnet (or leftover child process) was stopped.

    Raises:
        DevnetError: it did not stop within ``timeout`` seconds.
    """
    paths = DevnetPaths(state_dir or default_state_dir())
    record = _read_record(paths.processes)
    if record is None:
        return False
    supervisor = record.get("supervisor", {})
    pid, argv = int(supervisor.get("pid", 0)), list(supervisor.get("argv", []))
    if pid != os.getpid() and _alive(pid, argv):
        os.kill(pid, signal.SIGTERM)
        if not _wait_until(lambda: not _alive(pid, argv), timeout):
            raise DevnetError(f"the devnet (pid {pid}) did not stop within {timeout:.0f} s")
        _stop_recorded(record)
        paths.processes.unlink(missing_ok=True)
        return True
    stopped = _stop_recorded(record)
    paths.processes.unlink(missing_ok=True)
    shutil.rmtree(paths.anvil_cache, ignore_errors=True)
    return stopped


def reset(state_dir: Path | None = None) -> list[Path]:
    """Stop the devnet of ``state_dir`` if it runs and delete every file it wrote there.

    Only the devnet's own files are removed (the folder itself too if nothing else is left).

    Returns:
        The paths deleted.
    """
    paths = DevnetPaths(state_dir or default_state_dir())
    down(paths.root)
    deleted = []
    for path in paths.written():
        if path.is_dir():
            shutil.rmtree(path)
            deleted.append(path)
        elif path.exists():
            path.unlink()
            deleted.append(path)
    with contextlib.suppress(OSError):
        paths.root.rmdir()
    return deleted
