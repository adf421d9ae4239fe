"""How a node's URL may be shown to anyone: scheme and host only.

A node URL often carries secrets: ``https://user:password@node.example/`` or an API key in the path
or the query (``https://rpc.example/v3/<key>``, ``?apikey=...``). Health documents, error documents
and messages that may reach the public show :func:`public_node_url` instead of the URL itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def public_node_url(url: str) -> str:
    """``url`` reduced to its scheme, host and port: ``https://node.example:8545``.

    Credentials, path, query and fragment are dropped; a URL that cannot be parsed is shown as
    ``the node`` rather than echoed. Several URLs separated by commas (a consortium's nodes) are
    each reduced so.
    """
    if "," in url:
        return ", ".join(public_node_url(part) for part in url.split(",") if part.strip())
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "the node"
    if not parts.scheme or not host:
        return "the node"
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
