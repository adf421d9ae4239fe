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

With ``--json`` anywhere on the command line, a refusal is also printed on standard output as one
JSON object for scripts, ``{"error": {"code", "message", "exit_code", "contract_error",
"args"}}``, while the one-line message still goes to standard error. ``code`` is stable:

=========================  ===============================================================
code                       cause
=========================  ===============================================================
usage                      unknown command or option, missing or malformed argument
interrupted                Ctrl-C
chain_unavailable          the node cannot be reached, or serves another chain
deployment_error           the deployment file is missing or invalid
keystore_error             a keystore is missing, its password wrong, its name taken
already_exists             something that may exist once exists already
invalid_input              an argument the registry refuses
not_found                  no such account, batch, project, record or side
paused                     the registry is paused
not_permitted              the sender lacks the role
account_state              the account is frozen, closed, not frozen or not empty
insufficient_credits       the account holds fewer credits than needed
signature_error            committee signatures missing, invalid or not by members
decision_refused           a decision expired, was signed for an old membership, or ran
transaction_failed         a transaction reverted for an unknown reason or failed on chain
invalid_decision_file      a decision or signature file that is not valid
file_error                 a file that cannot be read or written
unexpected                 a bug: please report it
=========================  ===============================================================

``contract_error`` names the contract's custom error when the refusal came from one (e.g.
``RegistryInsufficientCredits``), with its arguments in ``args``.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from registry_client.cli.output import error_line, print_json

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


def error_code(exc: BaseException) -> str:
    """The stable code of a failure for ``--json`` output (see the table above)."""
    import typer

    from registry_client import errors
    from registry_client.decisions import DecisionError

    if isinstance(exc, typer.TyperException):
        return "usage"
    if isinstance(exc, typer.Abort | KeyboardInterrupt):
        return "interrupted"
    codes: tuple[tuple[type[BaseException], str], ...] = (
        # First: a decision error is also an InvalidInput (one hierarchy), but keeps its code.
        (DecisionError, "invalid_decision_file"),
        (errors.ChainUnavailable, "chain_unavailable"),
        (errors.DeploymentError, "deployment_error"),
        (errors.KeystoreError, "keystore_error"),
        (errors.AlreadyExists, "already_exists"),
        (errors.InvalidInput, "invalid_input"),
        (errors.NotFound, "not_found"),
        (errors.Paused, "paused"),
        (errors.NotPermitted, "not_permitted"),
        (errors.AccountStateError, "account_state"),
        (errors.InsufficientCredits, "insufficient_credits"),
        (errors.SignatureError, "signature_error"),
        (errors.DecisionRefused, "decision_refused"),
        (errors.TransactionFailed, "transaction_failed"),
        (OSError, "file_error"),
    )
    for kind, code in codes:
        if isinstance(exc, kind):
            return code
    return "unexpected"


def _debug() -> bool:
    """Whether the setting ``debug`` asks for tracebacks (a broken setting means no: it is being
    reported already)."""
    from registry_client.settings import ConfigurationError, load_settings

    try:
        return load_settings().debug
    except ConfigurationError:
        return False


def report(exc: BaseException, *, as_json: bool = False) -> int:
    """Print ``exc`` as one ``error:`` line (and the traceback with ``JCM_DEBUG=1``); with
    ``as_json`` also as a JSON error object on standard output."""
    from registry_client.errors import RegistryError

    message, code = describe(exc)
    if _debug():
        traceback.print_exception(exc)
    if message is None:
        return code
    if as_json and code != 0:
        contract = exc if isinstance(exc, RegistryError) else None
        print_json(
            {
                "error": {
                    "code": error_code(exc),
                    "message": " ".join(message.split()),
                    "exit_code": code,
                    "contract_error": contract.error_name if contract else None,
                    "args": contract.to_dict()["args"] if contract else {},
                }
            }
        )
    error_line(message)
    return code
