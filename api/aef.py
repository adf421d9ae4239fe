"""Each party's Article 6 actions and holdings (AEF tables), derived from the index.

Only units of batches authorized under Article 6.2 are Article 6 units (ITMOs); other batches never
appear. Both parties' tables come from the same events, so they agree by construction;
:func:`reconciliation` checks it anyway.

How indexed rows become actions (:func:`derive_actions`, the one place that interprets them). Every
fact comes from an event of the chain; nothing is inferred:

- **authorization**: the issuance decision of an authorized batch (``BatchIssued``, signed by
  members of both governments), and each later decision of the authorizing party recording or
  amending it (``AuthorizationSet``, signed by the host's members); each of the two parties reports
  it, dated with the authorization date it states. A revocation ends the batch's authorization and
  is not an AEF action (only batches never first transferred can be revoked).
- **first transfer / acquisition**: exactly the serials ``JCMArticle6`` first transferred
  (``SerialsFirstTransferred``: the first international transfer of each serial, or the definition
  the host set for its cooperative approach; and Japan's share at issuance of an authorized batch,
  which the issuance's logs state: :mod:`api.apply_article6`). The transferring party reports a
  first transfer; the acquiring party, when the record names one, an acquisition with the same
  units.
- **transfer / acquisition**: the rest of an international transfer (serials first transferred
  before it).
- **use toward NDC**: a retirement for NDC use, reported by the using party.
- **cancellation for OIMP**: a cancellation for other international mitigation purposes.
- **overall mitigation or voluntary cancellation**: a cancellation for overall mitigation, a
  voluntary cancellation or a voluntary offset retirement, reported by the registry that holds it.
- Corrections (a joint committee's cancellation of wrongly issued credits) are not Article 6
  actions.

Every row names the log that proves it (block, transaction, log index). A row covers one contiguous
block of units of one originating registry (the registry side the units were issued into), so its
first and last unique identifiers describe every unit between them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.queries import article6
from api.queries.common import MAX_DATETIME_SECONDS, NotFoundError
from api.queries.reports import HOLDING_KINDS, indexed_block
from api.ranges import Range
from api.tables import (
    Account,
    AuthorizationChange,
    Batch,
    Block,
    CancellationRecord,
    Country,
    FirstTransferRange,
    HoldingRange,
    Movement,
    MovementRange,
    Project,
    RetirementRecord,
)
from registry_client import data
from registry_client.article6 import (
    ActionType,
    AefAction,
    AefHolding,
    AefReport,
    Proof,
    cooperative_approach,
    format_unit_id,
)
from registry_client.domain import JAPAN, side_code
from registry_client.serials import format_block_id

FIRST_TRANSFER_DEFINITIONS = {
    "international_transfer": (
        "first international transfer: entry into another participating Party's registry "
        "(for Japan's share, its issuance into Japan's registry)"
    ),
    "authorization": (
        "authorization (units authorized for other international mitigation purposes); "
        "otherwise the first international transfer"
    ),
    "issuance": (
        "issuance (units authorized for other international mitigation purposes); "
        "otherwise the first international transfer"
    ),
    "use_or_cancellation": (
        "use or cancellation (units authorized for other international mitigation purposes); "
        "otherwise the first international transfer"
    ),
}
PURPOSES = {
    "ndc": "use toward NDCs",
    "other_purposes": "other international mitigation purposes",
    "ndc_and_other_purposes": "use toward NDCs; other international mitigation purposes",
}
CANCELLATIONS = {
    "other_international_mitigation_purposes": (
        ActionType.CANCELLATION_FOR_OIMP,
        "other international mitigation purposes",
    ),
    "overall_mitigation": (
        ActionType.OVERALL_MITIGATION_OR_VOLUNTARY,
        "overall mitigation in global emissions",
    ),
    "voluntary_cancellation": (
        ActionType.OVERALL_MITIGATION_OR_VOLUNTARY,
        "voluntary cancellation",
    ),
}


Segment = tuple[int, int, str]
"""Serials ``first..last`` of a batch issued into a registry side."""


@dataclass(frozen=True)
class _BatchFacts:
    id: int
    country: str
    project_ref: str
    vintage: int
    first: int
    last: int
    authorization: str
    authorization_id: str
    authorization_date: date | None
    sector: str
    activity_type: str
    definition: str
    proof: Proof


@dataclass(frozen=True)
class Action:
    """One party's action on a contiguous block of units (before it becomes an AEF row)."""

    party: str
    type: ActionType
    batch: _BatchFacts
    first: int
    last: int
    origin: str
    """The registry side the units were issued into."""
    day: date
    transferring: str = ""
    acquiring: str = ""
    using: str = ""
    cancellation_purpose: str = ""
    proof: Proof | None = None
    seq: int = 0


def _day(timestamp: int) -> date | None:
    if not 0 < timestamp <= MAX_DATETIME_SECONDS:
        return None
    return datetime.fromtimestamp(timestamp, UTC).date()


@cache
def _methodologies() -> dict[str, data.Methodology]:
    return {m.reference: m for m in data.methodologies()}


def _batches(session: Session) -> dict[int, _BatchFacts]:
    """The batches authorized now (their current authorization, id and date)."""
    current = article6.current_authorization()
    rows = session.execute(
        select(Batch, Project.methodology, *article6.current_authorization_columns())
        .join(Project, Project.ref == Batch.project_ref)
        .where(current != "none")
    ).all()
    known = _methodologies()
    definitions: dict[str, str] = {}
    batches = {}
    for row in rows:
        batch, methodology = row.Batch, row.methodology
        facts = known.get(methodology)
        if batch.country not in definitions:
            definitions[batch.country] = article6.definition(session, batch.country)
        batches[batch.id] = _BatchFacts(
            id=batch.id,
            country=batch.country,
            project_ref=batch.project_ref,
            vintage=batch.vintage,
            first=batch.first_serial,
            last=batch.last_serial,
            authorization=row.current_authorization,
            authorization_id=row.current_authorization_id,
            authorization_date=_day(int(row.current_authorization_date)),
            sector=facts.sectoral_scope if facts else "",
            activity_type=f"{methodology} {facts.title}" if facts else methodology,
            definition=definitions[batch.country],
            proof=Proof(
                block_number=batch.block_number, tx_hash=batch.tx_hash, log_index=batch.log_index
            ),
        )
    return batches


def _split(
    ranges: list[Range], segments: list[tuple[int, int, str]]
) -> Iterator[tuple[Range, str]]:
    """``ranges`` cut at the issuance segments' bounds, each piece with its originating side."""
    for first, last in ranges:
        for seg_first, seg_last, side in segments:
            lo, hi = max(first, seg_first), min(last, seg_last)
            if lo <= hi:
                yield (lo, hi), side


def _partition(ranges: list[Range], done: list[Range]) -> tuple[list[Range], list[Range]]:
    """``ranges`` split into the serials not in ``done`` and those in it."""
    new: list[Range] = []
    seen: list[Range] = []
    for first, last in ranges:
        cursor = first
        for d_first, d_last in done:
            if d_last < cursor or d_first > last:
                continue
            if d_first > cursor:
                new.append((cursor, d_first - 1))
            seen.append((max(cursor, d_first), min(last, d_last)))
            cursor = d_last + 1
            if cursor > last:
                break
        if cursor <= last:
            new.append((cursor, last))
    return new, seen


def _proof(row: Any) -> Proof:
    return Proof(block_number=row.block_number, tx_hash=row.tx_hash, log_index=row.log_index)


def _authorizations(
    session: Session,
    batches: dict[int, _BatchFacts],
    segments: dict[int, list[Segment]],
    since: dict[int, tuple[int, int]],
) -> Iterator[Action]:
    """Both parties' authorization actions: each authorized issuance, then each later decision
    recording or amending an authorization, dated with the date it states. ``since`` receives the
    log (block, index) from which each batch is authorized."""
    changes: dict[int, list[AuthorizationChange]] = defaultdict(list)
    for change in session.execute(
        select(AuthorizationChange)
        .where(
            AuthorizationChange.batch_id.in_(list(batches)),
            AuthorizationChange.authorization != "none",
        )
        .order_by(AuthorizationChange.block_number, AuthorizationChange.log_index)
    ).scalars():
        changes[change.batch_id].append(change)
    issued = {
        row.id: row
        for row in session.execute(select(Batch).where(Batch.id.in_(list(batches)))).scalars()
    }
    for batch in batches.values():
        pieces = list(_split([(batch.first, batch.last)], sorted(segments[batch.id])))
        decided: list[tuple[date | None, Proof]] = []
        if issued[batch.id].authorization != "none":
            decided.append((_day(issued[batch.id].authorization_date), batch.proof))
        decided += [(_day(c.authorization_date), _proof(c)) for c in changes[batch.id]]
        if decided:
            since[batch.id] = (decided[0][1].block_number, decided[0][1].log_index)
        for day, proof in decided:
            if day is None:
                continue
            for party in (batch.country, JAPAN):
                for seq, ((a, b), origin) in enumerate(pieces):
                    yield Action(
                        party,
                        ActionType.AUTHORIZATION,
                        batch,
                        a,
                        b,
                        origin,
                        day,
                        proof=proof,
                        seq=seq,
                    )


def _first_transfers(
    session: Session, batches: dict[int, _BatchFacts], segments: dict[int, list[Segment]]
) -> tuple[list[Action], dict[tuple[str, int], list[Range]]]:
    """The first transfers the chain recorded (``SerialsFirstTransferred``, and Japan's share at an
    authorized issuance, whose proof is its ``BatchIssued``): the transferring
    party's first transfer and, when the event names one, the acquiring party's acquisition. Also
    the serials first transferred per (transaction, batch), which are no "transfer" of that
    transaction's international transfer."""
    f = FirstTransferRange
    actions: list[Action] = []
    by_tx: dict[tuple[str, int], list[Range]] = defaultdict(list)
    rows = session.execute(
        select(f).where(f.batch_id.in_(list(batches))).order_by(f.block_number, f.log_index, f.seq)
    ).scalars()
    seqs: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        batch = batches[row.batch_id]
        by_tx[(row.tx_hash, row.batch_id)].append((row.first, row.last))
        day = _day(row.timestamp)
        assert day is not None  # block times are always real times
        acquiring = row.to_party or ""
        for (a, b), origin in _split([(row.first, row.last)], segments[batch.id]):
            key = (row.block_number, row.log_index)
            seq = seqs[key]
            seqs[key] += 1
            parties = [(row.from_party, ActionType.FIRST_TRANSFER)]
            if acquiring:
                parties.append((acquiring, ActionType.ACQUISITION))
            for party, own in parties:
                actions.append(
                    Action(
                        party,
                        own,
                        batch,
                        a,
                        b,
                        origin,
                        day,
                        transferring=row.from_party,
                        acquiring=acquiring,
                        proof=_proof(row),
                        seq=seq,
                    )
                )
    return actions, by_tx


def _first_transferred(
    session: Session, batches: dict[int, _BatchFacts], cutoff: int | None = None
) -> dict[int, list[Range]]:
    """The serials first transferred (up to block ``cutoff``), per batch, sorted. A party other
    than the host holds and uses ITMOs only among these: Japan's share of a batch authorized after
    its issuance never became one (JCMArticle6)."""
    f = FirstTransferRange
    query = select(f.batch_id, f.first, f.last).where(f.batch_id.in_(list(batches)))
    if cutoff is not None:
        query = query.where(f.block_number <= cutoff)
    found: dict[int, list[Range]] = defaultdict(list)
    for batch_id, first, last in session.execute(query.order_by(f.batch_id, f.first)).all():
        found[batch_id].append((first, last))
    return found


def derive_actions(session: Session) -> list[Action]:
    """Every party's Article 6 actions of the whole indexed history, in chain order."""
    batches = _batches(session)
    if not batches:
        return []
    moves: dict[tuple[int, int], tuple[Movement, list[Range]]] = {}
    query = (
        select(Movement, MovementRange.first, MovementRange.last)
        .join(
            MovementRange,
            (MovementRange.block_number == Movement.block_number)
            & (MovementRange.log_index == Movement.log_index),
        )
        .where(Movement.batch_id.in_(list(batches)))
        .order_by(Movement.block_number, Movement.log_index, MovementRange.seq)
    )
    for movement, first, last in session.execute(query).all():
        key = (movement.block_number, movement.log_index)
        moves.setdefault(key, (movement, []))[1].append((first, last))
    retirements = {
        r.id: r
        for r in session.execute(
            select(RetirementRecord).where(RetirementRecord.batch_id.in_(list(batches)))
        ).scalars()
    }
    cancellations = {
        c.id: c
        for c in session.execute(
            select(CancellationRecord).where(CancellationRecord.batch_id.in_(list(batches)))
        ).scalars()
    }
    segments: dict[int, list[Segment]] = defaultdict(list)
    for movement, ranges in moves.values():
        if movement.kind == "issuance":
            segments[movement.batch_id] += [(a, b, movement.to_side) for a, b in ranges]
    for batch_id in segments:
        segments[batch_id].sort()
    since: dict[int, tuple[int, int]] = {}
    actions = list(_authorizations(session, batches, segments, since))
    firsts, first_by_tx = _first_transfers(session, batches, segments)
    actions += firsts
    itmos = _first_transferred(session, batches)

    for movement, ranges in moves.values():
        batch = batches[movement.batch_id]
        day = _day(movement.timestamp)
        assert day is not None  # block times are always real times
        proof = _proof(movement)
        if movement.kind == "international_transfer":
            # The serials this very transaction first transferred are its first transfer (above);
            # the rest had crossed before: a transfer.
            crossed, _first = _partition(ranges, sorted(first_by_tx[(movement.tx_hash, batch.id)]))
            sender = movement.from_side or batch.country
            for seq, ((a, b), origin) in enumerate(_split(crossed, segments[batch.id])):
                for party, own in (
                    (sender, ActionType.TRANSFER),
                    (movement.to_side, ActionType.ACQUISITION),
                ):
                    actions.append(
                        Action(
                            party,
                            own,
                            batch,
                            a,
                            b,
                            origin,
                            day,
                            transferring=sender,
                            acquiring=movement.to_side,
                            proof=proof,
                            seq=seq,
                        )
                    )
            continue
        if (movement.block_number, movement.log_index) < since.get(batch.id, (0, 0)):
            continue  # used before the batch was authorized: not an ITMO then
        typed = _consumption(movement, retirements, cancellations)
        if typed is None:
            continue
        party, action_type, using, purpose = typed
        if party != batch.country:  # another party's use: of its ITMOs only
            _never, ranges = _partition(ranges, itmos[batch.id])
        for seq, ((a, b), origin) in enumerate(_split(ranges, segments[batch.id])):
            actions.append(
                Action(
                    party,
                    action_type,
                    batch,
                    a,
                    b,
                    origin,
                    day,
                    using=using,
                    cancellation_purpose=purpose,
                    proof=proof,
                    seq=seq,
                )
            )
    actions.sort(
        key=lambda x: (x.proof.block_number, x.proof.log_index, x.seq) if x.proof else (0, 0, 0)
    )
    return actions


def _consumption(
    movement: Movement,
    retirements: dict[int, RetirementRecord],
    cancellations: dict[int, CancellationRecord],
) -> tuple[str, ActionType, str, str] | None:
    """(reporting party, action type, using party, purpose) of a retirement or cancellation."""
    side = movement.from_side or ""
    if movement.kind == "retirement" and movement.record_id in retirements:
        record = retirements[movement.record_id]
        if record.purpose == "ndc":
            return (
                record.using_party,
                ActionType.USE_TOWARD_NDC,
                record.using_party,
                "use toward NDC",
            )
        return side, ActionType.OVERALL_MITIGATION_OR_VOLUNTARY, "", "voluntary offset"
    if movement.kind == "cancellation" and movement.record_id in cancellations:
        reason = cancellations[movement.record_id].reason
        if reason in CANCELLATIONS:
            action_type, purpose = CANCELLATIONS[reason]
            return side, action_type, "", purpose
    return None


def _row(action: Action) -> AefAction:
    batch = action.batch
    assert action.proof is not None
    approach = cooperative_approach(batch.country)

    def unit(serial: int) -> str:
        return format_unit_id(approach, action.origin, batch.country, serial, batch.vintage)

    def block(serial: int) -> str:
        return format_block_id(action.origin, batch.project_ref, batch.vintage, serial, serial)

    return AefAction(
        record_id=f"{action.proof.tx_hash}:{action.proof.log_index}:{action.seq}",
        cooperative_approach=approach,
        first_unique_identifier=unit(action.first),
        last_unique_identifier=unit(action.last),
        block_start=block(action.first),
        block_end=block(action.last),
        quantity=action.last - action.first + 1,
        vintage=batch.vintage,
        sector=batch.sector,
        activity_type=batch.activity_type,
        first_transferring_party=batch.country,
        authorization_date=batch.authorization_date,
        authorization_id=batch.authorization_id,
        purposes_for_authorization=PURPOSES[batch.authorization],
        oimp_authorized=batch.authorization in ("other_purposes", "ndc_and_other_purposes"),
        first_transfer_definition=FIRST_TRANSFER_DEFINITIONS.get(
            batch.definition, batch.definition
        ),
        action_date=action.day,
        action_type=action.type,
        transferring_party=action.transferring,
        acquiring_party=action.acquiring,
        purposes_for_cancellation=action.cancellation_purpose,
        using_party=action.using,
        proof=action.proof,
    )


def _year_end_block(session: Session, year: int) -> int:
    """The last indexed block mined before the year ended (-1 if none)."""
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    found = session.execute(select(func.max(Block.number)).where(Block.timestamp < end)).scalar()
    return -1 if found is None else int(found)


def holdings(session: Session, party: str, year: int) -> list[AefHolding]:
    """The Article 6 units held in ``party``'s holding accounts at the end of ``year``."""
    batches = _batches(session)
    cutoff = _year_end_block(session, year)
    if not batches or cutoff < 0:
        return []
    segments: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    issued = session.execute(
        select(Movement.batch_id, Movement.to_side, MovementRange.first, MovementRange.last)
        .join(
            MovementRange,
            (MovementRange.block_number == Movement.block_number)
            & (MovementRange.log_index == Movement.log_index),
        )
        .where(Movement.kind == "issuance", Movement.batch_id.in_(list(batches)))
    ).all()
    for batch_id, side, first, last in issued:
        segments[batch_id].append((first, last, side))
    pieces = session.execute(
        select(HoldingRange)
        .join(Account, Account.address == HoldingRange.account)
        .where(
            Account.side == party,
            Account.kind.in_(HOLDING_KINDS),
            HoldingRange.batch_id.in_(list(batches)),
            HoldingRange.block_number <= cutoff,
            (HoldingRange.spent_block_number.is_(None))
            | (HoldingRange.spent_block_number > cutoff),
        )
        .order_by(HoldingRange.batch_id, HoldingRange.first)
    ).scalars()
    itmos = _first_transferred(session, batches, cutoff)
    rows = []
    for piece in pieces:
        batch = batches[piece.batch_id]
        approach = cooperative_approach(batch.country)
        held = [(piece.first, piece.last)]
        if party != batch.country:  # another party holds ITMOs only among the first transferred
            _never, held = _partition(held, itmos[batch.id])
        for (a, b), origin in _split(held, sorted(segments[batch.id])):
            rows.append(
                AefHolding(
                    cooperative_approach=approach,
                    first_unique_identifier=format_unit_id(
                        approach, origin, batch.country, a, batch.vintage
                    ),
                    last_unique_identifier=format_unit_id(
                        approach, origin, batch.country, b, batch.vintage
                    ),
                    block_start=format_block_id(origin, batch.project_ref, batch.vintage, a, a),
                    block_end=format_block_id(origin, batch.project_ref, batch.vintage, b, b),
                    quantity=b - a + 1,
                    vintage=batch.vintage,
                    first_transferring_party=batch.country,
                    authorization_id=batch.authorization_id,
                    purposes_for_authorization=PURPOSES[batch.authorization],
                    proof=Proof(
                        block_number=piece.block_number,
                        tx_hash=piece.tx_hash,
                        log_index=piece.log_index,
                    ),
                )
            )
    return rows


def party_code(session: Session, party: str) -> str:
    """``party`` as a registry side code: Japan or a partner country the registry knows.

    Raises:
        NotFoundError: no such party.
    """
    try:
        code = side_code(party)
    except ValueError:
        raise NotFoundError(f"{party!r} is not a Party's code: JP or a partner country") from None
    if code != JAPAN and session.get(Country, code) is None:
        raise NotFoundError(f"no participating Party {code}: JP or a partner country added")
    return code


def report(session: Session, party: str, year: int) -> AefReport:
    """``party``'s AEF tables for the calendar ``year`` (UTC).

    Raises:
        NotFoundError: ``party`` is neither Japan nor a partner country of the registry.
    """
    party = party_code(session, party)
    actions = [_row(a) for a in derive_actions(session) if a.party == party and a.day.year == year]
    return AefReport(
        party=party,
        year=year,
        indexed_block=indexed_block(session),
        actions=actions,
        holdings=holdings(session, party, year),
    )


class Unmatched(BaseModel):
    """A transfer-side row without its acquisition (or the reverse)."""

    model_config = ConfigDict(frozen=True)

    reporting_party: str
    counterpart: str
    missing_action_type: ActionType
    row: AefAction


class Reconciliation(BaseModel):
    """Rows of one party's first transfers and transfers paired with the other's acquisitions."""

    model_config = ConfigDict(frozen=True)

    indexed_block: int
    pairs: int
    unmatched: list[Unmatched]


def _pair_key(row: AefAction) -> tuple[str, str, str, int, str, str, date]:
    return (
        row.cooperative_approach,
        row.first_unique_identifier,
        row.last_unique_identifier,
        row.quantity,
        row.transferring_party,
        row.acquiring_party,
        row.action_date,
    )


def reconciliation(session: Session) -> Reconciliation:
    """Pair every first transfer and transfer with the acquiring party's acquisition (a first
    transfer by a definition that names no acquiring party has no counterpart to pair with)."""
    sent: dict[tuple[str, str, str, int, str, str, date], list[tuple[str, AefAction]]] = (
        defaultdict(list)
    )
    received: dict[tuple[str, str, str, int, str, str, date], list[tuple[str, AefAction]]] = (
        defaultdict(list)
    )
    for action in derive_actions(session):
        row = _row(action)
        if action.type in (ActionType.FIRST_TRANSFER, ActionType.TRANSFER):
            if action.acquiring:
                sent[_pair_key(row)].append((action.party, row))
        elif action.type is ActionType.ACQUISITION:
            received[_pair_key(row)].append((action.party, row))
    unmatched: list[Unmatched] = []
    pairs = 0
    for key in sent.keys() | received.keys():
        out, into = sent.get(key, []), received.get(key, [])
        pairs += min(len(out), len(into))
        lonely = [(p, r, r.acquiring_party, ActionType.ACQUISITION) for p, r in out[len(into) :]]
        lonely += [(p, r, r.transferring_party, ActionType.TRANSFER) for p, r in into[len(out) :]]
        unmatched += [
            Unmatched(reporting_party=p, counterpart=c, missing_action_type=t, row=r)
            for p, r, c, t in lonely
        ]
    unmatched.sort(key=lambda u: (u.row.action_date, u.row.record_id))
    return Reconciliation(indexed_block=indexed_block(session), pairs=pairs, unmatched=unmatched)
