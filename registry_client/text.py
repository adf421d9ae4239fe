"""Showing untrusted text (from the chain or from a file) so that it cannot deceive the reader.

Anyone can put text on chain (a holder name, a project title, a retirement note) and anyone can
hand a member a decision file. Printed as it is, such text can move the cursor or clear the screen
(ESC sequences, C1 controls), hide or reorder what follows (bidirectional overrides, zero-width
characters), or fake a line of output (a newline). Every such character is shown here as a visible
escape in Python's notation (``\\x1b``, ``\\u202e``). Printable characters of every script
(Japanese names included) are kept as they are, the backslash too, so escaping is idempotent (text
escaped where it was put in a message is not escaped again when the message is printed); whoever
shows escaped text says so when the original had such characters (:func:`has_hidden`), since the
text ``\\x1b`` itself then looks the same.

Markup is a separate matter: the ``jcm`` command prints this text through Rich ``Text`` objects,
never through Rich markup, so ``[bold]`` or ``[link=...]`` in a name stays literal.
"""

from __future__ import annotations

import json
from typing import Any


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _shown(char: str) -> bool:
    # str.isprintable is False for controls (Cc), format characters (Cf: bidi overrides,
    # zero-width), line and paragraph separators, unassigned code points and every space but
    # U+0020: the characters that can change what a terminal shows without being seen. The
    # ideographic space (U+3000) is kept: it is common in Japanese names and visibly wide.
    return char.isprintable() or char == "\u3000"


def printable(text: str) -> str:
    """``text`` on one line, every character that is not plainly visible escaped.

    >>> printable("Acme\\x1b[2J\\u202e")
    'Acme\\\\x1b[2J\\\\u202e'
    """
    if text.isprintable():
        return text  # the common case, checked in C
    return "".join(c if _shown(c) else _escape(c) for c in text)


def printable_lines(text: str) -> str:
    """Like :func:`printable`, but keeps line breaks (for the program's own multi-line messages,
    whose untrusted parts were passed through :func:`printable` when they were put in)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def quoted(text: str) -> str:
    """``text`` in double quotes with everything not plainly visible escaped (for messages)."""
    return '"' + printable(text).replace('"', '\\"') + '"'


# Characters that JSON lets through unescaped but a terminal may act on: DEL, the C1 controls,
# and every format or separator character (bidi, zero-width, U+2028/9).
def _json_unsafe(char: str) -> bool:
    return not char.isprintable() and char not in "\n\t\u3000"


def safe_json(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON in which every character a terminal may act on is a ``\\u`` escape.

    The JSON means exactly the same (any parser reads the same strings back); only its bytes are
    safe to print. Non-ASCII printable text (Japanese names) stays readable.
    """
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    if text.isprintable() or all(not _json_unsafe(c) for c in text):
        return text
    out = []
    for char in text:
        if _json_unsafe(char):
            code = ord(char)
            if code > 0xFFFF:  # JSON escapes astral characters as a surrogate pair
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def has_hidden(text: str) -> bool:
    """Whether ``text`` has characters that :func:`printable` shows escaped."""
    return not all(_shown(c) for c in text)
