"""Joint-committee decisions: ``jcm decision new|show|sign|status|submit``.

A decision is drafted once (``new``, which reads the committee's address and nonce from the chain),
signed offline by each member with their own key (``sign`` needs no node), checked against
the committee's current membership (``status``), and submitted by anyone once both sides reach
their threshold (``submit``). Files: the decision JSON (with its EIP-712 digest) and one
signature JSON per member.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry_client.cli import output
from registry_client.cli.common import (
    JsonOption,
    KeystoreOption,
    address,
    addresses,
    connect,
    connect_signed,
    keys,
    keystore_name,
)

if TYPE_CHECKING:
    from registry_client.client import RegistryClient
    from registry_client.decisions import (
        AnyDecision,
        CommitteeDomain,
        Decision,
        MemberSignature,
        Tally,
    )

app = typer.Typer(
    help="Joint-committee decisions: draft, sign offline, check, submit.", no_args_is_help=True
)
new_app = typer.Typer(
    help="Draft a decision (reads the committee and its nonce from the chain).",
    no_args_is_help=True,
)
app.add_typer(new_app, name="new")

OutOption = Annotated[
    Path, typer.Option("--out", "-o", help="Where to write the decision file.", dir_okay=False)
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite the output file.")]
DeadlineOption = Annotated[
    str | None,
    typer.Option(
        "--deadline",
        help="Last moment the decision may execute: a date, ISO time or unix seconds "
        "(default: --valid-days after the chain's current time).",
    ),
]
ValidDaysOption = Annotated[
    int, typer.Option("--valid-days", min=1, help="Days the decision stays valid.")
]
DecisionFile = Annotated[
    Path, typer.Argument(help="The decision file.", exists=True, dir_okay=False, readable=True)
]
SignatureFiles = Annotated[
    list[Path],
    typer.Argument(help="Signature files of members.", exists=True, dir_okay=False, readable=True),
]


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _hash(given: str | None, document: Path | None, what: str) -> str:
    """A document hash: given as 0x + 64 hex digits, or the SHA-256 of a document file."""
    import hashlib

    from registry_client.errors import InvalidInput
    from registry_client.models import hash_hex

    if given and document:
        raise InvalidInput(f"give the {what} either as a hash or as a file, not both")
    if document is not None:
        return "0x" + hashlib.sha256(document.read_bytes()).hexdigest()
    if not given:
        raise InvalidInput(f"the {what} is required: --{what.replace(' ', '-')}-hash HEX or a file")
    try:
        return hash_hex(given)
    except ValueError as exc:
        raise InvalidInput(f"{what} hash: {exc}") from None


def _decision_id(text: str) -> str:
    """A bytes32 decision id: 0x + 64 hex digits as is, else keccak256 of the human id."""
    from registry_client.decisions import decision_id
    from registry_client.models import hash_hex

    if text.startswith("0x") and len(text) == 66:
        try:
            return hash_hex(text)
        except ValueError:
            pass
    return decision_id(text)


def _decision_ref(text: str) -> str:
    """The joint committee's decision reference of an issuance: its text, kept on chain with the
    batch (its keccak256 is the decision id)."""
    from registry_client.errors import InvalidInput

    if text.startswith("0x") and len(text) == 66:
        raise InvalidInput(
            "an issuance keeps the joint committee's decision reference as people read it: give "
            "--decision-id as text (e.g. JC-ID-2026-ID013-4), not as a hash"
        )
    return text


def _timestamp(text: str, what: str) -> int:
    from registry_client.decisions import to_timestamp
    from registry_client.errors import InvalidInput

    try:
        return to_timestamp(text)
    except ValueError:
        raise InvalidInput(
            f"{what} {text!r} is not a date (2024-12-31), ISO time or unix seconds"
        ) from None


def _deadline(client: RegistryClient, deadline: str | None, valid_days: int) -> int:
    if deadline:
        return _timestamp(deadline, "deadline")
    return client.chain_time() + int(timedelta(days=valid_days).total_seconds())


def _accounts_of(decision: Decision) -> list[str]:
    """The registry accounts a decision credits or debits (allocations, corrected holder)."""
    from registry_client.decisions import CorrectCreditsDecision, IssueCreditsDecision

    if isinstance(decision, IssueCreditsDecision):
        return [a.account for a in decision.issuance.allocations]
    if isinstance(decision, CorrectCreditsDecision):
        return [decision.correction.account]
    return []


def _labels(client: RegistryClient | None, decision: Decision) -> dict[str, str]:
    """What is known of each account the decision names: its registry side and holder name from
    the chain (when a client is given), and the name of a local key that has its address."""
    from registry_client.models import AccountStatus
    from registry_client.text import quoted

    local = {k.address: k.name for k in keys().list()}
    found = {}
    for account in _accounts_of(decision):
        parts = []
        if client is not None:
            info = client.account(account)
            if info.status == AccountStatus.NONE:
                parts.append("not a registry account")
            else:
                parts.append(f"{info.side} {info.kind.label}, holder {quoted(info.holder_name)}")
                if info.status != AccountStatus.ACTIVE:
                    parts.append(info.status.label)
        if account in local:
            parts.append(f"your key {quoted(local[account])}")
        if parts:
            found[account] = "; ".join(parts)
    return found


def _hidden_text_notice(decision: Decision) -> None:
    """Say so when the decision's text has characters that are shown escaped."""
    from registry_client.text import has_hidden

    def texts(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [t for v in value.values() for t in texts(v)]
        if isinstance(value, list | tuple):
            return [t for v in value for t in texts(v)]
        return []

    if any(has_hidden(t) for t in texts(decision.model_dump(mode="json"))):
        output.notice(
            "warning: this decision's text contains control, invisible or direction-changing "
            "characters; they are shown escaped (\\x.., \\u....) exactly as they would be signed"
        )


def _write_decision(
    client: RegistryClient, decision: Decision, out: Path, force: bool, as_json: bool
) -> None:
    from registry_client.errors import InvalidInput

    problems = decision.problems()
    if problems:
        raise InvalidInput(
            "the committee would refuse this decision: "
            + "; ".join(problems)
            + " (nothing written)"
        )
    if out.exists() and not force:
        raise InvalidInput(f"{out} exists already: choose another --out or pass --force")
    warnings = client.decision_warnings(decision)
    out.write_text(decision.to_json(), encoding="utf-8")
    summary = decision.summary(_labels(client, decision))
    if as_json:
        output.print_json(
            {"file": str(out), "kind": decision.kind, "digest": decision.digest_hex,  # type: ignore[attr-defined]
             "summary": summary, "warnings": warnings}
        )  # fmt: skip
        return
    output.success(summary)
    _hidden_text_notice(decision)
    for warning in warnings:
        output.notice(f"warning: the chain would refuse this decision as it stands: {warning}")
    output.notice(
        f"decision written to {out}; members sign it with: jcm decision sign {out} -k KEY"
    )


def _chain_if_any(ctx: typer.Context) -> RegistryClient | None:
    """A client when a deployment file and its node are at hand, else ``None`` (signing and
    showing stay possible offline; only the accounts' sides and names are then unknown)."""
    from registry_client.cli.common import settings
    from registry_client.errors import ChainUnavailable, DeploymentError

    if not settings(ctx).deployment_path.is_file():
        return None
    try:
        return connect(ctx)
    except (ChainUnavailable, DeploymentError):
        return None


def _domain(client: RegistryClient, country: str) -> tuple[CommitteeDomain, int]:
    """The committee's EIP-712 domain and the nonce (membership epoch) to draft under."""
    from registry_client.decisions import CommitteeDomain

    committee = client.committee(country)
    return CommitteeDomain(chain_id=client.chain_id, committee=committee.address), committee.nonce


def _load(path: Path) -> AnyDecision:
    from registry_client.decisions import Decision

    return Decision.from_json(path.read_text(encoding="utf-8"))


def _signatures(paths: list[Path]) -> list[MemberSignature]:
    from registry_client.decisions import DecisionFormatError, MemberSignature

    found = []
    for path in paths:
        try:
            found.append(MemberSignature.from_json(path.read_text(encoding="utf-8")))
        except DecisionFormatError:
            raise DecisionFormatError(f"{path} is not a member signature file") from None
    return found


# ------------------------------------------------------------------------------------------------
# Drafting
# ------------------------------------------------------------------------------------------------


@new_app.command("register-project")
def new_register_project(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="Partner country, e.g. ID.")],
    ref: Annotated[str, typer.Option("--ref", help="Project reference, e.g. ID931.")],
    title: Annotated[str, typer.Option("--title", help="Project title.")],
    methodology: Annotated[str, typer.Option("--methodology", help="e.g. ID_AM002.")],
    out: OutOption,
    pdd_hash: Annotated[str | None, typer.Option("--pdd-hash", help="PDD hash (0x...).")] = None,
    pdd: Annotated[
        Path | None, typer.Option("--pdd", exists=True, dir_okay=False, help="PDD file (SHA-256).")
    ] = None,
    validation_report_hash: Annotated[
        str | None, typer.Option("--validation-report-hash", help="Validation report hash.")
    ] = None,
    validation_report: Annotated[
        Path | None,
        typer.Option(
            "--validation-report", exists=True, dir_okay=False, help="Validation report file."
        ),
    ] = None,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft a project registration."""
    from registry_client.decisions import ProjectRegistration, RegisterProjectDecision

    client = connect(ctx)
    domain, nonce = _domain(client, country)
    decision = RegisterProjectDecision(
        domain=domain,
        nonce=nonce,
        deadline=_deadline(client, deadline, valid_days),
        project=ProjectRegistration(
            ref=ref,
            country=country,
            title=title,
            methodology=methodology,
            pdd_hash=_hash(pdd_hash, pdd, "pdd"),
            validation_report_hash=_hash(
                validation_report_hash, validation_report, "validation report"
            ),
        ),
    )
    _write_decision(client, decision, out, force, as_json)


@new_app.command("issue")
def new_issue(
    ctx: typer.Context,
    project: Annotated[str, typer.Option("--project", help="Registered project reference.")],
    decision_id: Annotated[
        str,
        typer.Option("--decision-id", help="The committee's decision id, e.g. JC-ID-2025-07-3."),
    ],
    monitoring_start: Annotated[str, typer.Option("--monitoring-start", help="First day.")],
    monitoring_end: Annotated[str, typer.Option("--monitoring-end", help="Last day.")],
    quantity: Annotated[int, typer.Option("--quantity", min=1, help="Credits to issue.")],
    allocate: Annotated[
        list[str],
        typer.Option(
            "--allocate",
            help="ACCOUNT=AMOUNT (address or key name); repeat for each account, both sides.",
        ),
    ],
    out: OutOption,
    vintage: Annotated[
        int | None, typer.Option("--vintage", help="Vintage (default: year of the period's end).")
    ] = None,
    verified: Annotated[
        int | None,
        typer.Option("--verified", min=1, help="Verified reductions (default: the quantity)."),
    ] = None,
    verification_report_hash: Annotated[
        str | None, typer.Option("--verification-report-hash", help="Verification report hash.")
    ] = None,
    verification_report: Annotated[
        Path | None,
        typer.Option(
            "--verification-report",
            exists=True,
            dir_okay=False,
            help="Verification report file (SHA-256).",
        ),
    ] = None,
    authorization: Annotated[
        str,
        typer.Option(
            "--authorization", help="none, ndc, other-purposes or ndc-and-other-purposes."
        ),
    ] = "none",
    authorization_id: Annotated[
        str, typer.Option("--authorization-id", help="Article 6 authorization reference.")
    ] = "",
    authorization_date: Annotated[
        str | None, typer.Option("--authorization-date", help="Date of the authorization.")
    ] = None,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft an issuance for a verified monitoring period, with its allocation to accounts."""
    from datetime import UTC, datetime

    from registry_client.decisions import (
        Allocation,
        Authorization,
        Issuance,
        IssueCreditsDecision,
    )
    from registry_client.errors import InvalidInput
    from registry_client.models import parse_enum

    allocations = []
    for item in allocate:
        account, separator, amount = item.rpartition("=")
        if not separator or not amount.strip().isdigit():
            raise InvalidInput(f"--allocate {item!r}: write ACCOUNT=AMOUNT, e.g. gov-jp=500")
        allocations.append(Allocation(account=address(account, "allocation account"),
                                      amount=int(amount)))  # fmt: skip
    try:
        kind = parse_enum(Authorization, authorization)
    except ValueError as exc:
        raise InvalidInput(f"--authorization: {exc}") from None
    end = _timestamp(monitoring_end, "monitoring end")
    client = connect(ctx)
    info = client.project(project)
    domain, nonce = _domain(client, info.country)
    decision = IssueCreditsDecision(
        domain=domain,
        nonce=nonce,
        deadline=_deadline(client, deadline, valid_days),
        issuance=Issuance(
            decision_id=_decision_id(_decision_ref(decision_id)),
            decision_ref=decision_id,
            project_ref=info.ref,
            monitoring_start=_timestamp(monitoring_start, "monitoring start"),
            monitoring_end=end,
            vintage=vintage or datetime.fromtimestamp(end, UTC).year,
            quantity=quantity,
            verified_reductions=verified or quantity,
            verification_report_hash=_hash(
                verification_report_hash, verification_report, "verification report"
            ),
            authorization=kind,
            authorization_id=authorization_id,
            authorization_date=(
                _timestamp(authorization_date, "authorization date") if authorization_date else 0
            ),
            allocations=tuple(allocations),
        ),
    )
    _write_decision(client, decision, out, force, as_json)


@new_app.command("correct")
def new_correct(
    ctx: typer.Context,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Batch id.")],
    account: Annotated[str, typer.Option("--account", help="Account holding the serials.")],
    serials: Annotated[
        str,
        typer.Option("--serials", help="FIRST-LAST, one serial, or a serial block id."),
    ],
    decision_id: Annotated[str, typer.Option("--decision-id", help="The committee's decision id.")],
    out: OutOption,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft a correction: an account's named serials go to cancellation (reason correction)."""
    from registry_client.decisions import CorrectCreditsDecision, Correction
    from registry_client.errors import InvalidInput
    from registry_client.serials import parse_serial

    text = serials.strip()
    if "-" in text and not text.upper().startswith("JCM-"):
        low, _, high = text.partition("-")
        first, last = parse_serial(low).first, parse_serial(high).first
    else:
        query = parse_serial(text)
        first, last = query.first, query.last
    if first > last:
        raise InvalidInput(f"--serials {serials}: the first serial is above the last")
    target = address(account)
    client = connect(ctx)
    info = client.batch_info(batch)
    domain, nonce = _domain(client, info.country)
    decision = CorrectCreditsDecision(
        domain=domain,
        nonce=nonce,
        deadline=_deadline(client, deadline, valid_days),
        correction=Correction(
            decision_id=_decision_id(decision_id),
            account=target,
            batch_id=batch,
            first_serial=first,
            last_serial=last,
        ),
    )
    _write_decision(client, decision, out, force, as_json)


@new_app.command("change-members")
def new_change_members(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="Partner country, e.g. ID.")],
    japan_members: Annotated[
        list[str], typer.Option("--japan-members", help="New Japanese members (comma-separated).")
    ],
    partner_members: Annotated[
        list[str], typer.Option("--partner-members", help="New partner members (comma-separated).")
    ],
    japan_threshold: Annotated[int, typer.Option("--japan-threshold", min=1)],
    partner_threshold: Annotated[int, typer.Option("--partner-threshold", min=1)],
    out: OutOption,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft a change of the committee's members and thresholds (signed by the current members)."""
    from registry_client.decisions import ChangeMembersDecision, MembershipChange

    japan = addresses(japan_members, "Japanese member")
    partner = addresses(partner_members, "partner member")
    client = connect(ctx)
    domain, nonce = _domain(client, country)
    decision = ChangeMembersDecision(
        domain=domain,
        nonce=nonce,
        deadline=_deadline(client, deadline, valid_days),
        change=MembershipChange(
            japan_members=tuple(japan),
            partner_members=tuple(partner),
            japan_threshold=japan_threshold,
            partner_threshold=partner_threshold,
        ),
    )
    _write_decision(client, decision, out, force, as_json)


@new_app.command("replace-committee")
def new_replace_committee(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="Partner country, e.g. ID.")],
    successor: Annotated[
        str, typer.Option("--successor", help="The successor JointCommittee's address.")
    ],
    out: OutOption,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft the committee's hand-over to a successor committee (signed by the current members)."""
    from registry_client.decisions import CommitteeReplacement, ReplaceCommitteeDecision

    target = addresses([successor], "successor")[0]
    client = connect(ctx)
    domain, nonce = _domain(client, country)
    decision = ReplaceCommitteeDecision(
        domain=domain,
        nonce=nonce,
        deadline=_deadline(client, deadline, valid_days),
        replacement=CommitteeReplacement(successor=target),
    )
    _write_decision(client, decision, out, force, as_json)


BatchOption = Annotated[int, typer.Option("--batch", min=1, help="The batch's id.")]
AuthorizationIdOption = Annotated[
    str,
    typer.Option(
        "--authorization-id", help="The letter of authorization's reference, e.g. ID-LoA-2026-001."
    ),
]
AuthorizationDateOption = Annotated[
    str, typer.Option("--authorization-date", help="Date of the letter of authorization.")
]


def _draft_authorization(
    ctx: typer.Context,
    batch_id: int,
    authorization: str,
    authorization_id: str,
    authorization_date: str,
    *,
    expect_authorized: bool | None,
    revoking: bool = False,
    out: Path,
    deadline: str | None,
    valid_days: int,
    force: bool,
    as_json: bool,
) -> None:
    """Draft a ``SetAuthorization`` decision of the batch's host country (partner side only).

    ``expect_authorized``: ``False`` to record (the batch must not be authorized now), ``True`` to
    amend or revoke (it must be), ``None`` not to check. Only ``revoking`` drafts ``none``.
    """
    from registry_client.decisions import (
        Authorization,
        BatchAuthorization,
        SetAuthorizationDecision,
    )
    from registry_client.errors import InvalidInput
    from registry_client.models import parse_enum

    if not revoking and authorization.strip().lower() == "none":
        raise InvalidInput(
            "--authorization none revokes: use jcm decision new revoke-authorization"
        )
    try:
        kind = parse_enum(Authorization, authorization)
    except ValueError as exc:
        raise InvalidInput(f"--authorization: {exc}") from None
    client = connect(ctx)
    state = client.batch_article6(batch_id)
    current = state.authorization
    if expect_authorized is False and current != Authorization.NONE:
        raise InvalidInput(
            f"batch {batch_id} is {current.label} already ({state.authorization_id}): amend it "
            "with jcm decision new amend-authorization"
        )
    if expect_authorized and current == Authorization.NONE:
        raise InvalidInput(
            f"batch {batch_id} is not authorized: record an authorization with jcm decision new "
            "authorize"
        )
    if expect_authorized is not None and kind == current:
        raise InvalidInput(f"batch {batch_id} is {current.label} already: nothing to decide")
    domain, nonce = _domain(client, state.country)
    decision = SetAuthorizationDecision(
        domain=domain,
        nonce=nonce,
        deadline=_deadline(client, deadline, valid_days),
        authorization=BatchAuthorization(
            batch_id=batch_id,
            authorization=kind,
            authorization_id=authorization_id,
            authorization_date=_timestamp(authorization_date, "authorization date"),
        ),
    )
    _write_decision(client, decision, out, force, as_json)


@new_app.command("authorize")
def new_authorize(
    ctx: typer.Context,
    batch: BatchOption,
    authorization: Annotated[
        str,
        typer.Option("--authorization", help="ndc, other-purposes or ndc-and-other-purposes."),
    ],
    authorization_id: AuthorizationIdOption,
    authorization_date: AuthorizationDateOption,
    out: OutOption,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft the host country's Article 6 authorization of a batch issued without one (its
    partner-side members' threshold decides it)."""
    _draft_authorization(
        ctx, batch, authorization, authorization_id, authorization_date,
        expect_authorized=False, out=out, deadline=deadline, valid_days=valid_days, force=force,
        as_json=as_json,
    )  # fmt: skip


@new_app.command("amend-authorization")
def new_amend_authorization(
    ctx: typer.Context,
    batch: BatchOption,
    authorization: Annotated[
        str,
        typer.Option(
            "--authorization",
            help="The purposes from now on: ndc, other-purposes or "
            "ndc-and-other-purposes (none may be dropped once a unit was first transferred).",
        ),
    ],
    authorization_id: AuthorizationIdOption,
    authorization_date: AuthorizationDateOption,
    out: OutOption,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft an amendment of a batch's Article 6 authorization (its purposes, reference, date)."""
    _draft_authorization(
        ctx, batch, authorization, authorization_id, authorization_date,
        expect_authorized=True, out=out, deadline=deadline, valid_days=valid_days, force=force,
        as_json=as_json,
    )  # fmt: skip


@new_app.command("revoke-authorization")
def new_revoke_authorization(
    ctx: typer.Context,
    batch: BatchOption,
    authorization_id: Annotated[
        str,
        typer.Option("--authorization-id", help="The reference of the revocation decision."),
    ],
    authorization_date: Annotated[
        str, typer.Option("--authorization-date", help="Date of the revocation.")
    ],
    out: OutOption,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft the revocation of a batch's Article 6 authorization (refused by the chain once any of
    its units was first transferred)."""
    _draft_authorization(
        ctx, batch, "none", authorization_id, authorization_date,
        expect_authorized=True, revoking=True, out=out, deadline=deadline, valid_days=valid_days,
        force=force, as_json=as_json,
    )  # fmt: skip


@new_app.command("first-transfer-definition")
def new_first_transfer_definition(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="Partner country, e.g. ID.")],
    definition: Annotated[
        str,
        typer.Option(
            "--definition",
            help="international-transfer, authorization, issuance or use-or-cancellation.",
        ),
    ],
    out: OutOption,
    deadline: DeadlineOption = None,
    valid_days: ValidDaysOption = 30,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft the country's first-transfer definition of its cooperative approach (partner-side
    members; only before any of its units was first transferred)."""
    from registry_client.decisions import (
        FirstTransferDefinition,
        FirstTransferRule,
        SetFirstTransferDefinitionDecision,
    )
    from registry_client.errors import InvalidInput
    from registry_client.models import parse_enum

    try:
        chosen = parse_enum(FirstTransferDefinition, definition)
    except ValueError as exc:
        raise InvalidInput(f"--definition: {exc}") from None
    client = connect(ctx)
    domain, nonce = _domain(client, country)
    decision = SetFirstTransferDefinitionDecision(
        domain=domain,
        nonce=nonce,
        deadline=_deadline(client, deadline, valid_days),
        rule=FirstTransferRule(definition=chosen),
    )
    _write_decision(client, decision, out, force, as_json)


# ------------------------------------------------------------------------------------------------
# Reading, signing, checking, submitting
# ------------------------------------------------------------------------------------------------


@app.command("show")
def show(decision_file: DecisionFile, as_json: JsonOption = False) -> None:
    """Show what a decision file decides (offline), and what the committee would refuse in it."""
    decision = _load(decision_file)
    problems = decision.problems()
    summary = decision.summary(_labels(None, decision))
    if as_json:
        output.print_json(
            {"kind": decision.kind, "digest": decision.digest_hex, "summary": summary,
             "problems": problems, "typed_data": decision.typed_data()}
        )  # fmt: skip
        return
    output.success(summary)
    _hidden_text_notice(decision)
    for problem in problems:
        output.notice(f"the committee would refuse this decision: {problem}")


@app.command("sign")
def sign(
    ctx: typer.Context,
    decision_file: DecisionFile,
    keystore: KeystoreOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            dir_okay=False,
            help="Signature file (default: <decision>.<key name>.sig.json next to the decision).",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Sign without asking for confirmation.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Sign a decision with your key, offline (no node needed); writes a signature file.

    The decision's own checks run first (nothing is signed if the committee would refuse it); its
    full content is shown escaped, with the accounts' registry sides and holder names when the
    deployment's node can be reached."""
    from registry_client.errors import InvalidInput

    decision = _load(decision_file)
    problems = decision.problems()
    if problems:
        raise InvalidInput(
            "not signed: the committee would refuse this decision: " + "; ".join(problems)
        )
    name = keystore_name(ctx, keystore)
    target = out or decision_file.with_name(f"{decision_file.stem}.{Path(name).stem}.sig.json")
    if target.exists():
        raise InvalidInput(f"{target} exists already: choose another --out")
    if not yes:
        client = _chain_if_any(ctx)
        output.notice(decision.summary(_labels(client, decision)))
        _hidden_text_notice(decision)
        if client is None:
            output.notice("offline: the accounts' registry sides and holder names are not shown")
        else:
            for warning in client.decision_warnings(decision):
                output.notice(f"warning: the chain would refuse this decision now: {warning}")
        try:
            confirmed = typer.confirm("Sign this decision?", err=True)
        except typer.Abort:
            raise InvalidInput(
                "not signed: no answer to 'Sign this decision?' (answer y in a terminal, or pass "
                "--yes)"
            ) from None
        if not confirmed:
            raise InvalidInput("not signed: you declined")
    account = keys().load(name)
    signature = decision.sign(account)
    target.write_text(signature.to_json(), encoding="utf-8")
    if as_json:
        output.print_json({"file": str(target), **output.jsonable(signature)})
        return
    output.success(f"signed decision {decision.digest_hex} as {signature.signer}")
    output.notice(f"signature written to {target}")


def _tally_tables(tally: Tally) -> list[object]:
    checks = output.table(
        "Signatures",
        ["signer", "side", "valid", "reason"],
        [
            (c.signer, c.side or "-", "yes" if c.valid else "no", c.reason or "")
            for c in tally.checks
        ],
    )
    sides = output.table(
        "Per side",
        ["side", "signatures", "threshold", "met", "signers"],
        [
            (s.side, s.count, s.threshold, "yes" if s.met else "no", list(s.signers))
            for s in (tally.japan, tally.partner)
        ],
    )
    return [checks, sides]


@app.command("status")
def status(
    ctx: typer.Context,
    decision_file: DecisionFile,
    signatures: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Signature files of members.", exists=True, dir_okay=False, readable=True
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Which members signed, each side's count against its threshold, and whether it is ready."""
    decision = _load(decision_file)
    collected = _signatures(signatures or [])
    client = connect(ctx)
    tally = client.tally(decision, collected)
    if as_json:
        output.print_json(tally)
        return
    output.success(decision.summary(_labels(client, decision)))
    _hidden_text_notice(decision)
    for warning in client.decision_warnings(decision):
        output.notice(f"warning: the chain would refuse this decision now: {warning}")
    output.show(*_tally_tables(tally))
    if tally.ready:
        output.success(
            "ready: both sides reached their threshold; submit it with jcm decision submit"
        )
    else:
        missing = [
            f"{s.side} needs {s.threshold - s.count} more"
            for s in (tally.japan, tally.partner)
            if not s.met
        ]
        output.success("not ready: " + ", ".join(missing))


@app.command("submit")
def submit(
    ctx: typer.Context,
    decision_file: DecisionFile,
    signatures: SignatureFiles,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a decision with its members' signatures (anyone may submit; you pay the gas)."""
    decision = _load(decision_file)
    collected = _signatures(signatures)
    client = connect_signed(ctx, keystore)
    tally = client.tally(decision, collected)
    for check in tally.rejected:
        output.notice(f"ignoring the signature of {check.signer}: {check.reason}")
    from registry_client.text import printable

    receipt = client.submit_decision(decision, tally.valid_signatures)
    if as_json:
        output.print_json(receipt)
        return
    what = {
        "RegisterProject": f"registered project {receipt.project_ref}",
        "IssueCredits": (
            f"issued batch {receipt.batch_id} of project {receipt.project_ref}, serials "
            f"{receipt.first_serial}-{receipt.last_serial}"
        ),
        "CorrectCredits": (
            f"corrected batch {receipt.batch_id}: cancellation {receipt.cancellation_id}"
        ),
        "ChangeMembers": f"changed the members; the committee's nonce is now {receipt.nonce}",
        "ReplaceCommittee": f"the country's joint committee is now {receipt.committee}",
        "SetAuthorization": (
            f"batch {receipt.batch_id} is now "
            f"{receipt.authorization.label if receipt.authorization is not None else '?'}"
            + (f" ({printable(receipt.authorization_id)})" if receipt.authorization_id else "")
        ),
        "SetFirstTransferDefinition": (
            "units of this country are now first transferred by "
            + (
                receipt.first_transfer_definition.label
                if receipt.first_transfer_definition is not None
                else "?"
            )
        ),
    }[decision.kind]
    output.success(output.receipt_line(f"decision executed: {what}", receipt))
