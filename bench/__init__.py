"""Benchmarks of the JCM registry (``make bench``; not part of ``make test``).

Modules:

- :mod:`bench.chain`: a private ``anvil --hardfork paris`` on a random port, deterministic funded
  keys, and fast local transaction signing (coincurve) for raw baselines and history generation.
- :mod:`bench.references`: the OpenZeppelin 5 reference tokens (``contracts/bench``) compiled with
  the project's solc wrapper and the compiler settings of ``ape-config.yaml``.
- :mod:`bench.gas`: deterministic gas of every registry and committee operation beside the
  references, and the gas snapshot (``make gas-snapshot``, checked by ``tests/gas``).
- :mod:`bench.throughput`: transactions per second through the SDK against raw web3.py.
- :mod:`bench.history`: a history of many transfers, signed locally and mined in full blocks.
- :mod:`bench.index_api`: indexer catch-up rate and query API latency under concurrent clients.
- :mod:`bench.run`: runs everything, prints the results table, writes ``bench/results.json`` and
  ``bench/growth.png``.
"""
