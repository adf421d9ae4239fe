"""``python -m registry_client.cli``: the ``jcm`` command (used by the devnet for its children)."""

from registry_client.cli import main

main()
