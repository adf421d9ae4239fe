"""The one place where the ``jcm`` command turns exceptions into one line and an exit code.

Every failure ends as ``error: <what went wrong and what to do>`` on standard error and a non-zero
exit status, never a traceback (set ``JCM_DEBUG=1`` to see one):

====  ==========================================================================================
code  cause
====  ==========================================================================================
1     a refusal or failure: the SDK's ``RegistryError`` family (typed contract errors, keystores,
      deployment files, unreachable nodes), a decision or signature file that is not valid, an
      unreadable file, an indexer or API failure
2     a usage error: unknown command or option, missing or malformed argument
130   interrupted (Ctrl-C)
====  ==========================================================================================
"""

from __future__ import annotations

import os
import traceback
from typing import TYPE_CHECKING

from registry_client.cli.output import error_line

if TYPE_CHECKING:
    from typer import TyperException

GLOBAL_OPTIONS = ("--rpc-url", "--deployment", "--gas-price")

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def usage_message(exc: TyperException) -> str:
    """A usage error as one line, naming the command and pointing at its help."""
    message = exc.format_message()
    option = getattr(exc, "option_name", None)
    if type(exc).__name__ == "NoSuchOption" and option in GLOBAL_OPTIONS:
        message = (
            f"{option} is a global option: put it before the command, e.g. "
            f"jcm {option} VALUE <command> ..."
        )
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "jcm"
    return f"{message} (see '{command} --help')"


def describe(exc: BaseException) -> tuple[str | None, int]:
    """The one-line message (``None``: nothing to add) and exit code for a command's exception."""
    import typer

    from registry_client.decisions import DecisionError
    from registry_client.errors import RegistryError

    if isinstance(exc, typer.TyperException):
        # typer's own (vendored) click exceptions: usage errors exit with 2.
        if type(exc).__name__ == "NoArgsIsHelpError":
            return None, 0  # the help was shown: asking for it is not an error
        code = int(getattr(exc, "exit_code", EXIT_FAILURE))
        if code == EXIT_USAGE:
            return usage_message(exc), EXIT_USAGE
        return exc.format_message(), code or EXIT_FAILURE
    if isinstance(exc, typer.Abort | KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(exc, RegistryError):
        return exc.message, EXIT_FAILURE
    if isinstance(exc, DecisionError):
        return str(exc), EXIT_FAILURE
    if isinstance(exc, FileNotFoundError):
        return f"no such file: {exc.filename}", EXIT_FAILURE
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} is a folder, not a file", EXIT_FAILURE
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename}", EXIT_FAILURE
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}", EXIT_FAILURE
    name = type(exc).__name__
    return (
        f"unexpected {name}: {exc} (set JCM_DEBUG=1 to see the traceback, and please report it)",
        EXIT_FAILURE,
    )


def report(exc: BaseException) -> int:
    """Print ``exc`` as one ``error:`` line (and the traceback with ``JCM_DEBUG=1``)."""
    message, code = describe(exc)
    if os.environ.get("JCM_DEBUG"):
        traceback.print_exception(exc)
    if message is not None:
        error_line(message)
    return code
