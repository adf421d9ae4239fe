"""What the tests share: one package, type-checked in ``make lint`` like the code it tests.

One world builder per layer, each building the registry the way that layer's users reach it:

- :mod:`support.contracts`: through Ape (the contract tests): the deployed contracts, the sides,
  accounts and joint committees, and ``reverts(...)`` to expect a custom error with its arguments.
- :mod:`support.sdk`: through the SDK (``RegistryClient``) on a random-port anvil.
- :mod:`support.cli`: through the ``jcm`` command itself (``Jcm`` runs it as a user would).
- :mod:`support.api_chain`: raw transactions that emit every event the indexer reads, then the
  index and a ``TestClient`` of the API. (Not ``support.api``: ``support/crash_indexer.py`` runs
  as a script, and a module named ``api`` beside it would hide the ``api`` package.)
- :mod:`support.consortium`: through the SDK on four geth Clique signers.
- the fuzz harness (the ``fuzz`` package in ``tests/fuzz``) drives the contracts by raw JSON-RPC for
  the fuzzer and the attack scenarios.

Shared by all of them: :mod:`support.parties` (anvil's funded dev keys, stand-in document hashes),
:mod:`support.invariants` (the checker of docs/design.md §2 invariants 1-3 against chain state),
:mod:`support.debian` (the Debian packages the PDF and browser tests need),
:mod:`support.generated` (the documents ``scripts/`` generate are current) and
:mod:`support.crash_indexer` (an indexer that dies mid-transaction, run as a subprocess).

``pyproject.toml`` puts ``tests/`` on pytest's import path (``pythonpath``), so every test imports
``support.<module>``; nothing patches ``sys.path``.
"""
