"""A deterministic, real-looking registry for the devnet, built from the packaged JCM data.

:func:`build_plan` turns the CSV tables of :mod:`registry_client.data` into a :class:`SeedPlan`
(pure: no chain, same plan on every machine); :func:`run_seed` carries it out on a chain through
the SDK, every registration and issuance as a joint-committee decision signed by the members' keys
(EIP-712, :mod:`registry_client.decisions`) and submitted like any other decision.

What the plan contains:

- **Parties and keys.** Every actor has a key derived from a fixed seed,
  ``keccak256("jcm-devnet-seed/v1/<label>")``, where the label is also its keystore name
  (``authority-jp``, ``registrar-jp``, ``jc-jp-moej``, ``jc-id-1``, ``gov-id``, ``kyocera``...).
  Each registry side has its own authority (``authority-jp``, ``authority-id``, ...): Japan's
  proposes each partner country, the partner's accepts, and each grants its own side's registrar.
  These keys are public knowledge: use them on a devnet only.
- **Countries and joint committees.** All 29 partner countries of ``partner_countries.csv``, in
  signing order, each with a joint committee of three Japanese members (the MOFA, METI and MOEJ
  representatives, the same three on every committee) and two partner members; thresholds 2 and 1.
- **Accounts.** Per registry side (``JP`` and each partner): a registrar, a government holding
  account, the retirement account and the cancellation account. Holding accounts for the Japanese
  companies of ``project_participants.csv`` (on side ``JP``) and for the few companies the project
  tables name as participants (:data:`NAMED_PARTICIPANTS`, on the side of their country).
- **Projects.** Every row of ``jcm_registered_projects.csv`` and every ``funded_projects.csv`` row
  marked ``registered_jcm=true`` that no registered row already stands for. References: the real
  reference number where the data prints one; otherwise ``<ISO2>9nn`` counting from ``901`` per
  country (real references are far below 900, so a derived one never collides and is recognisable).
  Methodology: the one the data gives; else the country's approved methodology whose title shares
  the most distinctive words with the project (e.g. a chiller project in Indonesia gets
  ``ID_AM002``); else a derived ``<ISO2>_AM9nn`` per country and technology. Document hashes:
  ``keccak256("jcm-devnet-seed/v1/<document>/<ref>")``.
- **History.** One to three consecutive monitoring periods per project (vintages 2016-2024; none
  for projects registered too late to have a period ending by 2024), with verified reductions from
  the project's capacity or technology (tens to thousands of tonnes) and the Credit Allocation
  Form's usual split (Government of Japan, the partner's government, the participants). Vintages
  from 2021 (after decision 2/CMA.3) are authorized for NDC use, some also for other purposes.
  Then transfers (domestic and international), retirements toward NDCs and voluntary offsets,
  cancellations (voluntary, overall mitigation, other international mitigation purposes) and one
  correction by decision. Every quantity is checked against the simulated holdings, so the plan
  always executes.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_utils import keccak

from registry_client import data
from registry_client.domain import JAPAN, AccountKind, CancellationReason, RetirementPurpose
from registry_client.errors import TransactionFailed

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3.types import TxParams, TxReceipt

    from registry_client.client import Call, PreparedCalls, RegistryClient
    from registry_client.decisions import CommitteeDomain, Decision
    from registry_client.models import Deployment
    from registry_client.transactions import PendingTx, TransactionSender

SEED_NAMESPACE = "jcm-devnet-seed/v1"
"""Prefix of every derived key and document hash; bump it to change the whole seed."""
JAPAN_MEMBERS = (
    ("jc-jp-mofa", "Japan member (Ministry of Foreign Affairs)"),
    ("jc-jp-meti", "Japan member (Ministry of Economy, Trade and Industry)"),
    ("jc-jp-moej", "Japan member (Ministry of the Environment)"),
)
PARTNER_MEMBERS = 2
JAPAN_THRESHOLD = 2
PARTNER_THRESHOLD = 1
LAST_VINTAGE = 2024
FIRST_VINTAGE = 2016
ARTICLE6_FROM_VINTAGE = 2021
"""Vintages from this year on are authorized under Article 6.2 (decision 2/CMA.3, Glasgow 2021)."""
DECISION_VALIDITY = timedelta(days=30)
SEED_START = date(2013, 1, 8)
"""The seed's first day (the first JCM, with Mongolia, was signed on 8 January 2013): the registry
is deployed and its accounts opened then; every later action is mined on the day its data gives
(:func:`schedule`) when the node lets the seed set block times (anvil)."""
ISSUANCE_LAG = timedelta(days=90)
"""From the end of a monitoring period to the issuance decision (verification and review)."""
MOVEMENT_SPACING = timedelta(days=30)
"""Between an issuance and its holders' first movement, and between their later movements."""
SUBMITTER = "jc-jp-moej"
"""Who submits the seed's decisions (anyone may): one sender, so their order is the plan's."""

NAMED_PARTICIPANTS: dict[str, tuple[tuple[str, str], ...]] = {
    # Project participants that the project tables (titles, notes, match_basis) name, by the
    # project's funded_projects.csv key: (registry side, company).
    "ID-F006": ((JAPAN, "JFE Engineering"), ("ID", "PT Semen Indonesia (Persero) Tbk")),
    "KE-F001": ((JAPAN, "Pacific Consultants"), ("KE", "Krystalline Salt")),
    "TH-F002": ((JAPAN, "Pacific Consultants"), ("TH", "Siam Steel")),
    "TH-F003": ((JAPAN, "Toray"), ("TH", "Luckytex")),
    "TH-F016": ((JAPAN, "Sharp"), ("TH", "SNC Former")),
    "MN-F002": ((JAPAN, "Farmdo"),),
    "VN-F001": ((JAPAN, "Nippon Express"),),
}

_CONCEPTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        # The technical terms that decide whether a methodology or a participant's line of work
        # fits a project; generic words ("energy saving", "high efficiency") decide nothing.
        ("solar", r"solar|\bpv\b|photovoltaic"),
        ("chiller", r"chiller|turbo"),
        ("centrifugal", r"centrifugal"),
        ("non-inverter", r"non-inverter"),
        ("inverter", r"(?<!non-)inverter"),
        ("refrigeration", r"refrigerat|freez|cold storage"),
        ("air-conditioning", r"air[- ]?condition"),
        ("electrolyzer", r"electroly"),
        ("led", r"\bled\b"),
        ("street-lighting", r"street"),
        ("boiler", r"boiler"),
        ("cogeneration", r"co-?generation"),
        ("transformer", r"transformer|transmission line"),
        ("loom", r"\blooms?\b"),
        ("tachograph", r"tachograph|eco-driving"),
        ("waste-heat", r"waste heat"),
        ("cement", r"cement"),
        ("convenience-store", r"convenience|grocery"),
        ("hydro", r"hydro"),
        ("geothermal", r"geotherm"),
        ("burner", r"burner|furnace"),
        ("cng", r"\bcng\b|dual-fuel"),
        ("redd", r"redd\+|deforestation"),
        ("heat-pump", r"heat pump|water heater"),
        ("waste-to-energy", r"waste-to-energy|waste to energy|incinerat"),
        ("methane", r"methane"),
        ("refinery", r"refiner"),
        ("absorption", r"absorption"),
    )
)

# ------------------------------------------------------------------------------------------------
# Keys
# ------------------------------------------------------------------------------------------------


def derived_key(label: str) -> bytes:
    """The private key of a devnet party: ``keccak256("jcm-devnet-seed/v1/<label>")``."""
    return bytes(keccak(text=f"{SEED_NAMESPACE}/{label}"))


@cache
def derived_address(label: str) -> str:
    """The address of a devnet party's derived key."""
    return str(Account.from_key(derived_key(label)).address)


def derived_account(label: str) -> LocalAccount:
    """The signing account of a devnet party."""
    account: LocalAccount = Account.from_key(derived_key(label))
    return account


def document_hash(document: str, *parts: object) -> str:
    """A deterministic stand-in for an off-chain document's hash, as 0x-hex."""
    text = "/".join([SEED_NAMESPACE, document, *(str(p) for p in parts)])
    return "0x" + bytes(keccak(text=text)).hex()


def slug(text: str) -> str:
    """A keystore-name-safe label: lower-case words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]


# ------------------------------------------------------------------------------------------------
# The plan
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """A keyed actor of the devnet."""

    label: str
    """Keystore name and key derivation label."""
    name: str
    role: str
    """``authority``, ``registrar``, ``committee member``, ``account holder`` or ``sink``."""
    side: str | None = None

    @property
    def address(self) -> str:
        """The party's address."""
        return derived_address(self.label)


@dataclass(frozen=True)
class AccountPlan:
    """An account a registrar opens."""

    label: str
    side: str
    kind: AccountKind
    holder_name: str

    @property
    def address(self) -> str:
        """The account's address."""
        return derived_address(self.label)


@dataclass(frozen=True)
class CommitteePlan:
    """A partner country's joint committee."""

    country: str
    name: str
    japan_members: tuple[str, ...]
    partner_members: tuple[str, ...]
    japan_threshold: int = JAPAN_THRESHOLD
    partner_threshold: int = PARTNER_THRESHOLD


@dataclass(frozen=True)
class ProjectPlan:
    """A project the joint committee registers."""

    ref: str
    country: str
    title: str
    methodology: str
    methodology_source: str
    """``data``, ``matched`` or ``derived``."""
    key: str
    """The funded-project key, or the reference when there is none."""
    technology: str
    capacity_mw: float | None
    registration_date: date | None
    first_issuance_year: int | None
    japan_participant: str | None
    partner_participant: str | None

    @property
    def pdd_hash(self) -> str:
        """Hash of the project design document."""
        return document_hash("pdd", self.ref)

    @property
    def validation_report_hash(self) -> str:
        """Hash of the validation report (the registration document)."""
        return document_hash("validation-report", self.ref)


@dataclass(frozen=True)
class IssuancePlan:
    """One issuance decision: a verified monitoring period and its allocation."""

    project_ref: str
    country: str
    period: int
    monitoring_start: date
    monitoring_end: date
    vintage: int
    verified_reductions: int
    quantity: int
    authorization: int
    """``decisions.Authorization`` value."""
    authorization_id: str
    authorization_date: date | None
    allocations: tuple[tuple[str, int], ...]
    """(account label, amount)."""
    japan_signers: tuple[str, ...]
    partner_signers: tuple[str, ...]
    decided_after: date | None = None
    """A day the issuance decision waits for besides verification (a batch authorized by a later
    decision keeps the issuance day it would have had)."""

    @property
    def decision_text(self) -> str:
        """The human decision id, hashed into the on-chain ``decisionId``."""
        return f"JC-{self.country}-{self.project_ref}-issuance-{self.period}"

    @property
    def verification_report_hash(self) -> str:
        """Hash of the verification report of the period."""
        return document_hash("verification-report", self.project_ref, self.period)


@dataclass(frozen=True)
class Movement:
    """A holder's transfer, retirement or cancellation of credits of one planned issuance."""

    kind: str
    """``transfer``, ``retire`` or ``cancel``."""
    issuance: int
    """Index into :attr:`SeedPlan.issuances`."""
    holder: str
    quantity: int
    to: str | None = None
    using_party: str | None = None
    purpose: RetirementPurpose | None = None
    beneficiary: str = ""
    reason: CancellationReason | None = None
    note: str = ""
    step: int = 1
    """Its place among its batch's movements: it happens ``step`` times :data:`MOVEMENT_SPACING`
    after the issuance."""


@dataclass(frozen=True)
class AuthorizationPlan:
    """A decision of the host party's members on an issued batch's Article 6 authorization:
    recording one for a batch issued without it, or amending it (adding a purpose)."""

    issuance: int
    """Index into :attr:`SeedPlan.issuances`."""
    authorization: int
    """``decisions.Authorization`` value from then on."""
    authorization_id: str
    authorization_date: date
    amendment: bool
    partner_signer: str


@dataclass(frozen=True)
class CorrectionPlan:
    """A correction decision: an account's lowest ``quantity`` serials go to cancellation."""

    issuance: int
    account: str
    quantity: int
    note: str


@dataclass(frozen=True)
class SeedPlan:
    """Everything the seed puts on chain, in order."""

    governance: Party
    parties: tuple[Party, ...]
    committees: tuple[CommitteePlan, ...]
    accounts: tuple[AccountPlan, ...]
    projects: tuple[ProjectPlan, ...]
    issuances: tuple[IssuancePlan, ...]
    movements: tuple[Movement, ...]
    corrections: tuple[CorrectionPlan, ...]
    authorizations: tuple[AuthorizationPlan, ...] = ()

    def party(self, label: str) -> Party:
        """The party with this label."""
        for party in self.parties:
            if party.label == label:
                return party
        raise KeyError(label)

    @property
    def transactions(self) -> int:
        """How many transactions carrying out the plan takes (for progress bars)."""
        return (
            len(self.parties)  # funding
            + 1  # registry
            + 2 * len(self.committees)
            + len(self.committees)
            + len(self.committees)  # acceptances by the partners' authorities
            + 1  # registrar grants
            + len(self.accounts)
            + len(self.projects)
            + len(self.issuances)
            + len(self.movements)
            + len(self.corrections)
            + len(self.authorizations)
        )


def _concepts(text: str) -> set[str]:
    return {name for name, pattern in _CONCEPTS if pattern.search(text)}


def _best_match(text: str, candidates: Iterable[tuple[str, str]]) -> str | None:
    """The key of the candidate sharing most technical concepts with ``text`` (first on ties)."""
    wanted = _concepts(text)
    best: tuple[int, str] | None = None
    for key, candidate in candidates:
        score = len(wanted & _concepts(candidate))
        if score and (best is None or score > best[0]):
            best = (score, key)
    return best[1] if best else None


@dataclass
class _Projects:
    """Collects projects and hands out derived references and methodologies."""

    used_refs: set[str] = field(default_factory=set)
    next_derived: dict[str, int] = field(default_factory=dict)
    derived_methodologies: dict[tuple[str, str], str] = field(default_factory=dict)

    def derived_ref(self, country: str) -> str:
        number = self.next_derived.get(country, 901)
        while f"{country}{number:03d}" in self.used_refs:
            number += 1
        self.next_derived[country] = number + 1
        return f"{country}{number:03d}"

    def methodology(self, country: str, given: str, title: str, technology: str) -> tuple[str, str]:
        if given:
            return given, "data"
        approved = [(m.reference, m.title) for m in data.methodologies() if m.country == country]
        matched = _best_match(title, [(r, t) for r, t in approved if "_AM" in r])
        if matched:
            return matched, "matched"
        key = (country, technology or "other")
        if key not in self.derived_methodologies:
            taken = sum(1 for c, _ in self.derived_methodologies if c == country)
            self.derived_methodologies[key] = f"{country}_AM{901 + taken:03d}"
        return self.derived_methodologies[key], "derived"


def _issue_year(basis: str) -> int | None:
    if "issued" not in basis:
        return None
    found = re.search(r"(20\d\d)", basis)
    return int(found.group(1)) if found else None


def _participants_for(key: str, country: str, title: str) -> tuple[str | None, str | None]:
    named = NAMED_PARTICIPANTS.get(key)
    if named:
        japan = next((slug(n) for s, n in named if s == JAPAN), None)
        partner = next((slug(n) for s, n in named if s != JAPAN), None)
        return japan, partner
    local = [(p.company_en, p.project_en) for p in data.participants() if p.country == country]
    matched = _best_match(title, local)
    return (slug(matched) if matched else None), None


def _plan_projects() -> list[ProjectPlan]:
    registry = _Projects()
    registered = data.registered_projects()
    registry.used_refs.update(r.reference for r in registered if r.reference)
    funded = {f.key: f for f in data.funded_projects()}
    projects: list[ProjectPlan] = []

    def add(
        ref: str,
        country: str,
        title: str,
        given_methodology: str,
        key: str,
        registration: date | None,
        first_year: int | None,
    ) -> None:
        fund = funded.get(key)
        technology = fund.technology if fund else ""
        methodology, source = registry.methodology(country, given_methodology, title, technology)
        japan, partner = _participants_for(key, country, title)
        projects.append(
            ProjectPlan(
                ref=ref,
                country=country,
                title=title,
                methodology=methodology,
                methodology_source=source,
                key=key or ref,
                technology=technology,
                capacity_mw=fund.capacity_mw if fund else None,
                registration_date=registration,
                first_issuance_year=first_year,
                japan_participant=japan,
                partner_participant=partner,
            )
        )
        registry.used_refs.add(ref)

    for row in registered:
        ref = row.reference or registry.derived_ref(row.country)
        add(
            ref,
            row.country,
            row.title,
            row.methodology,
            row.funded_key or ref,
            row.registration_date,
            _issue_year(row.registration_basis),
        )
    covered = {r.funded_key for r in registered if r.funded_key}
    for fund in data.funded_projects():
        if fund.registered and fund.key not in covered:
            add(
                registry.derived_ref(fund.country),
                fund.country,
                fund.name_en,
                "",
                fund.key,
                None,
                None,
            )
    return projects


_ANNUAL_TONNES = {
    # Typical yearly reductions (tCO2e) of JCM model projects without a stated capacity.
    "chiller": (120, 900),
    "efficiency": (60, 2_000),
    "transformer": (200, 1_500),
    "boiler": (300, 2_500),
    "cogeneration": (1_500, 6_000),
    "led": (40, 400),
    "waste-to-energy": (1_000, 4_000),
    "hydro": (2_000, 9_000),
    "redd": (3_000, 9_000),
}


def _annual_tonnes(project: ProjectPlan, rng: random.Random) -> int:
    if project.capacity_mw:
        per_mw = (
            rng.uniform(550, 1_000) if project.technology == "solar" else rng.uniform(2_000, 4_000)
        )
        return max(25, min(9_000, round(project.capacity_mw * per_mw)))
    low, high = _ANNUAL_TONNES.get(project.technology, (80, 1_500))
    return rng.randint(low, high)


def _periods(project: ProjectPlan, rng: random.Random) -> list[tuple[date, date]]:
    if project.registration_date is not None:
        start = project.registration_date
    elif project.first_issuance_year is not None:
        start = date(project.first_issuance_year - 1, rng.choice((4, 7, 10)), 1)
    else:
        start = date(rng.randint(2016, 2021), rng.choice((1, 4, 7, 10)), 1)
    wanted = rng.choice((1, 2, 2, 3, 3))
    periods: list[tuple[date, date]] = []
    while len(periods) < wanted:
        months = rng.choice((12, 12, 12, 6, 18))
        end = _add_months(start, months) - timedelta(days=1)
        if end.year > LAST_VINTAGE:
            break
        if end.year >= FIRST_VINTAGE:
            periods.append((start, end))
        start = end + timedelta(days=1)
    return periods


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def _allocations(
    project: ProjectPlan, quantity: int, rng: random.Random
) -> tuple[tuple[str, int], ...]:
    """The Credit Allocation Form: Japan's government, the partner's, then the participants."""
    participants = [p for p in (project.japan_participant, project.partner_participant) if p]
    japan = max(
        1, int(quantity * rng.choice((0.5, 0.5, 0.4) if participants else (0.6, 0.7, 0.75)))
    )
    if not participants:
        shares = [("gov-jp", japan), (f"gov-{project.country.lower()}", quantity - japan)]
        return tuple((h, a) for h, a in shares if a > 0)
    partner = max(1, int(quantity * rng.choice((0.1, 0.15, 0.2))))
    rest = quantity - japan - partner
    shares = [("gov-jp", japan), (f"gov-{project.country.lower()}", partner)]
    if len(participants) == 2 and rest >= 2:
        first = max(1, int(rest * 0.7))
        shares += [(participants[0], first), (participants[1], rest - first)]
    else:
        shares.append((participants[0], rest))
    return tuple((h, a) for h, a in shares if a > 0)


def _authorization(
    vintage: int, country: str, end: date, rng: random.Random
) -> tuple[int, str, date | None]:
    """Article 6.2 authorization: none before 2021; NDC use, sometimes also other purposes."""
    if vintage < ARTICLE6_FROM_VINTAGE:
        return 0, "", None
    kind = 3 if rng.random() < 0.25 else 1  # NDC_AND_OTHER_PURPOSES or NDC
    when = end + timedelta(days=rng.randint(60, 180))
    return kind, f"{country}-JCM-LoA-{when.year}-{rng.randint(1, 60):03d}", when


def _plan_issuances(projects: Sequence[ProjectPlan]) -> list[IssuancePlan]:
    issuances = []
    japan_labels = [label for label, _ in JAPAN_MEMBERS]
    for project in projects:
        rng = random.Random(f"{SEED_NAMESPACE}/issuance/{project.ref}")
        annual = _annual_tonnes(project, rng)
        partner_labels = [
            f"jc-{project.country.lower()}-{n}" for n in range(1, PARTNER_MEMBERS + 1)
        ]
        for number, (start, end) in enumerate(_periods(project, rng), start=1):
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            verified = max(10, round(annual * months / 12 * rng.uniform(0.85, 1.1)))
            quantity = verified if rng.random() < 0.8 else max(1, int(verified * 0.97))
            kind, authorization_id, authorized_on = _authorization(
                end.year, project.country, end, rng
            )
            issuances.append(
                IssuancePlan(
                    project_ref=project.ref,
                    country=project.country,
                    period=number,
                    monitoring_start=start,
                    monitoring_end=end,
                    vintage=end.year,
                    verified_reductions=verified,
                    quantity=quantity,
                    authorization=kind,
                    authorization_id=authorization_id,
                    authorization_date=authorized_on,
                    allocations=_allocations(project, quantity, rng),
                    japan_signers=tuple(sorted(rng.sample(japan_labels, JAPAN_THRESHOLD))),
                    partner_signers=tuple(sorted(rng.sample(partner_labels, PARTNER_THRESHOLD))),
                )
            )
    return issuances


AUTHORIZATION_LAG = timedelta(days=14)
"""From an issuance to the date of a later authorization decision's letter."""
AUTHORIZATION_DECISION_LAG = timedelta(days=20)
"""From an issuance to the host members' authorization decision (before the first movement)."""


def authorized_later(issuance: IssuancePlan) -> tuple[int, str, date] | None:
    """Whether an authorizable batch (vintage from 2021) is issued without its authorization and
    authorized by a later decision of the host party's members, and with what: a quarter of them
    (own random stream, so the rest of the plan does not change)."""
    if issuance.authorization == 0:
        return None
    rng = random.Random(f"{SEED_NAMESPACE}/authorization/{issuance.project_ref}/{issuance.period}")
    if rng.random() >= 0.25:
        return None
    return (
        issuance.authorization,
        issuance.authorization_id,
        issuance.authorization_date or SEED_START,
    )


def _plan_authorizations(
    issuances: Sequence[IssuancePlan],
) -> tuple[list[IssuancePlan], list[AuthorizationPlan]]:
    """Issuances as decided, and the later authorization decisions.

    - A quarter of the batches from vintage 2021 are issued without authorization and authorized by
      the host's members three weeks later: their units issued into Japan's registry (Japan's share)
      are then not first transferred and stay there for voluntary use (``JCMArticle6``: an
      authorization does not reach back past a movement); the rest are ITMOs from then on.
    - A fifth of those authorized for NDC use only at issuance are amended to add other
      international mitigation purposes.

    Vintages before 2021 (before decision 2/CMA.3) are never authorized.
    """
    decided: list[IssuancePlan] = []
    later: list[AuthorizationPlan] = []
    for index, issuance in enumerate(issuances):
        rng = random.Random(f"{SEED_NAMESPACE}/amendment/{issuance.project_ref}/{issuance.period}")
        signer = issuance.partner_signers[0]
        deferred = authorized_later(issuance)
        if deferred is not None:
            kind, reference, _ = deferred
            issuance = replace(
                issuance,
                authorization=0,
                authorization_id="",
                authorization_date=None,
                decided_after=issued_on(issuance),
            )
            day = issued_on(issuance) + AUTHORIZATION_LAG
            later.append(AuthorizationPlan(index, kind, reference, day, False, signer))
        elif issuance.authorization == 1 and rng.random() < 0.2:
            day = issued_on(issuance) + AUTHORIZATION_LAG
            reference = f"{issuance.authorization_id}-A1"
            later.append(AuthorizationPlan(index, 3, reference, day, True, signer))
        decided.append(issuance)
    return decided, later


class _History:
    """Plans holders' movements of one batch against its simulated holdings."""

    def __init__(self, index: int, issuance: IssuancePlan, movements: list[Movement]) -> None:
        self.index = index
        self.held = dict(issuance.allocations)
        self.movements = movements
        self.steps = 0

    def move(
        self, kind: str, holder: str, share: float, amount: int | None = None, **details: Any
    ) -> int:
        """Plan moving ``share`` of what ``holder`` has left (or exactly ``amount``); returns the
        amount moved (0: nothing)."""
        if amount is None:
            amount = int(self.held.get(holder, 0) * share)
        if amount > 0:
            self.held[holder] -= amount
            self.steps += 1
            self.movements.append(
                Movement(kind, self.index, holder, amount, **details, step=self.steps)
            )
        return amount


def _plan_article6(
    history: _History, issuance: IssuancePlan, final: int, exported: bool, names: dict[str, str]
) -> None:
    """Article 6 actions the holders' history above leaves out, so every AEF action type occurs:
    Japan transfers part of its share of an authorized batch back to the partner's registry (units
    first transferred at issuance crossing again: a transfer), and the partner government cancels
    those acquired units for other international mitigation purposes when the batch is authorized
    for them. (The host may not count units first transferred toward its own NDC: rule 9.)

    ``final`` is the batch's authorization after any later decision; ``exported`` whether Japan's
    share was first transferred at issuance. Its own random stream, so the rest of the plan stays
    as it was.
    """
    rng = random.Random(f"{SEED_NAMESPACE}/article6/{issuance.project_ref}/{issuance.period}")
    partner = f"gov-{issuance.country.lower()}"
    oimp = final == 3 and rng.random() < 0.6
    if not exported or rng.random() >= 0.3:
        return
    amount = history.move("transfer", "gov-jp", 0.2, to=partner)
    if amount >= 2 and oimp:
        # Cancellations take the lowest serials first, and Japan's share has the batch's lowest, so
        # the partner cancels units it acquired.
        history.held[partner] = history.held.get(partner, 0) + amount
        history.move(
            "cancel", partner, 0, amount // 2,
            reason=CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES,
            note="Cancelled for other international mitigation purposes (CORSIA)",
        )  # fmt: skip


def _plan_movements(
    issuances: Sequence[IssuancePlan],
    authorizations: Sequence[AuthorizationPlan],
    projects: dict[str, ProjectPlan],
    names: dict[str, str],
    japan_companies: Sequence[str],
) -> tuple[list[Movement], list[CorrectionPlan]]:
    """Transfers, retirements and cancellations that the simulated holdings and Article 6's rules
    always allow (``JCMArticle6``): only authorized batches cross registry sides; Japan counts
    toward its NDC, and cancels for other purposes, only units first transferred to it (its share
    of a batch authorized at issuance, or units it acquired); the host counts only units never
    first transferred."""
    final = {i: issuance.authorization for i, issuance in enumerate(issuances)}
    for later in authorizations:
        final[later.issuance] = later.authorization
    movements: list[Movement] = []
    remaining: list[dict[str, int]] = []
    for index, issuance in enumerate(issuances):
        rng = random.Random(f"{SEED_NAMESPACE}/history/{issuance.project_ref}/{issuance.period}")
        history = _History(index, issuance, movements)
        authorized = final[index] != 0
        exported = issuance.authorization != 0  # Japan's share first transferred at issuance
        country = issuance.country
        gov_partner = f"gov-{country.lower()}"
        japan_participant = projects[issuance.project_ref].japan_participant
        for company in [h for h, _ in issuance.allocations if not h.startswith("gov-")]:
            roll = rng.random()
            if company not in japan_companies:
                if authorized and roll < 0.6:
                    history.move("transfer", company, 0.5, to=japan_participant or "gov-jp")
                elif roll < 0.8:
                    history.move(
                        "cancel", company, 0.25,
                        reason=CancellationReason.VOLUNTARY_CANCELLATION,
                        note="Voluntary cancellation for the company's climate commitment",
                    )  # fmt: skip
            elif roll < 0.45:
                history.move(
                    "retire", company, rng.choice((0.3, 0.5, 1.0)),
                    using_party=JAPAN, purpose=RetirementPurpose.VOLUNTARY_OFFSET,
                    beneficiary=names[company],
                    note=f"Voluntary offset of FY{issuance.vintage + 1} Scope 1 emissions",
                )  # fmt: skip
            elif roll < 0.7 and len(japan_companies) > 1:
                buyers = [c for c in japan_companies if c != company]
                buyer = buyers[rng.randrange(len(buyers))]
                history.move("transfer", company, rng.choice((0.2, 0.5)), to=buyer)
            elif roll < 0.85 and final[index] == 3 and exported:
                history.move(
                    "cancel", company, 0.5,
                    reason=CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES,
                    note="Used toward CORSIA offsetting requirements",
                )  # fmt: skip
        roll = rng.random()
        if authorized and roll < 0.55:
            history.move("transfer", gov_partner, rng.choice((0.5, 0.8)), to="gov-jp")
        elif roll < 0.75:
            history.move(
                "retire", gov_partner, 0.5,
                using_party=country, purpose=RetirementPurpose.NDC, beneficiary=names[gov_partner],
                note=f"Toward {country}'s nationally determined contribution",
            )  # fmt: skip
        elif roll < 0.9:
            history.move(
                "cancel", gov_partner, 0.1,
                reason=CancellationReason.OVERALL_MITIGATION,
                note="Cancelled for overall mitigation in global emissions",
            )  # fmt: skip
        if exported and rng.random() < 0.6:
            history.move(
                "retire", "gov-jp", rng.choice((0.5, 1.0)),
                using_party=JAPAN, purpose=RetirementPurpose.NDC,
                beneficiary=names["gov-jp"], note="Toward Japan's NDC (FY2030 target)",
            )  # fmt: skip
        _plan_article6(history, issuance, final[index], exported, names)
        remaining.append(history.held)
    # One correction: a participant's credits of a period whose verification report was later found
    # to double count; the committee decides to move 12 of them to cancellation.
    for index, held in enumerate(remaining):
        holder = next((h for h, n in held.items() if not h.startswith("gov-") and n >= 40), None)
        if holder is not None:
            note = "double counting found after verification"
            return movements, [CorrectionPlan(index, holder, 12, note)]
    return movements, []


@cache
def build_plan(countries: tuple[str, ...] | None = None) -> SeedPlan:
    """The devnet's seed, derived from the packaged reference data (pure and deterministic).

    Args:
        countries: only these partner countries (ISO codes), their projects and participants; a
            smaller registry for tests and quick looks. Default: all 29.

    Raises:
        ValueError: a code that is not a JCM partner country.
    """
    every = data.partner_countries()
    if countries is not None:
        known = {c.iso2 for c in every}
        unknown = sorted(set(countries) - known)
        if unknown:
            raise ValueError(
                f"not a JCM partner country: {', '.join(unknown)} (choose from "
                f"{', '.join(sorted(known))})"
            )
    selected = {c.iso2 for c in every} if countries is None else set(countries)
    countries_in = [c for c in every if c.iso2 in selected]
    governance = Party("authority-jp", "Registry authority of Japan", "authority", JAPAN)
    parties: list[Party] = [governance]
    accounts: list[AccountPlan] = []
    names: dict[str, str] = {}
    sides = [(JAPAN, "Japan"), *((c.iso2, c.name_en) for c in countries_in)]
    for side, country_name in sides[1:]:
        parties.append(
            Party(
                f"authority-{side.lower()}",
                f"Registry authority of {country_name}",
                "authority",
                side,
            )
        )
    for side, _ in sides:
        code = side.lower()
        parties.append(
            Party(f"registrar-{code}", f"Registrar of the {side} registry", "registrar", side)
        )
    for label, name in JAPAN_MEMBERS:
        parties.append(Party(label, name, "committee member", JAPAN))
    committees = []
    for country in countries_in:
        code = country.iso2.lower()
        partner = []
        for n in range(1, PARTNER_MEMBERS + 1):
            partner.append(f"jc-{code}-{n}")
            parties.append(
                Party(
                    f"jc-{code}-{n}",
                    f"{country.name_en} member {n}",
                    "committee member",
                    country.iso2,
                )
            )
        committees.append(
            CommitteePlan(
                country.iso2,
                f"Japan-{country.name_en} Joint Committee",
                tuple(label for label, _ in JAPAN_MEMBERS),
                tuple(partner),
            )
        )
    for side, country_name in sides:
        code = side.lower()
        government = f"Government of {country_name}"
        names[f"gov-{code}"] = government
        parties.append(Party(f"gov-{code}", government, "account holder", side))
        accounts.append(
            AccountPlan(f"gov-{code}", side, AccountKind.GOVERNMENT_HOLDING, government)
        )
        accounts.append(
            AccountPlan(
                f"retirement-{code}",
                side,
                AccountKind.RETIREMENT,
                f"Retirement account of {country_name}",
            )
        )
        accounts.append(
            AccountPlan(
                f"cancellation-{code}",
                side,
                AccountKind.CANCELLATION,
                f"Cancellation account of {country_name}",
            )
        )
    projects = [p for p in _plan_projects() if p.country in selected]
    keys = {p.key for p in projects}
    companies: dict[str, tuple[str, str]] = {}
    for participant in data.participants():
        if participant.country in selected:
            label = slug(participant.company_en)
            holder = f"{participant.company_en} ({participant.company_ja})"
            companies.setdefault(label, (JAPAN, holder))
    for key, named in NAMED_PARTICIPANTS.items():
        for side, company in named if key in keys else ():
            companies.setdefault(slug(company), (side, company))
    for label, (side, holder) in companies.items():
        names[label] = holder
        parties.append(Party(label, holder, "account holder", side))
        accounts.append(AccountPlan(label, side, AccountKind.HOLDING, holder))
    issuances, authorizations = _plan_authorizations(_plan_issuances(projects))
    japan_companies = [label for label, (side, _) in companies.items() if side == JAPAN]
    by_ref = {p.ref: p for p in projects}
    movements, corrections = _plan_movements(
        issuances, authorizations, by_ref, names, japan_companies
    )
    return SeedPlan(
        governance=governance,
        parties=tuple(parties),
        committees=tuple(committees),
        accounts=tuple(accounts),
        projects=tuple(projects),
        issuances=tuple(issuances),
        movements=tuple(movements),
        corrections=tuple(corrections),
        authorizations=tuple(authorizations),
    )


#: The phases of one day, in the order they are mined (a later phase may need an earlier one's
#: result: an issuance its project, a movement its batch id).
REGISTER, ISSUE, MOVE, CORRECT, AUTHORIZE = range(5)


def issued_on(issuance: IssuancePlan) -> date:
    """The day of an issuance decision: after verification, and not before its authorization."""
    return max(
        issuance.monitoring_end + ISSUANCE_LAG,
        issuance.authorization_date or SEED_START,
        issuance.decided_after or SEED_START,
    )


def schedule(plan: SeedPlan, today: date | None = None) -> list[tuple[date, int, int]]:
    """Every registration, issuance, movement and correction of ``plan`` as ``(day, phase,
    index)``, in the order the seed mines them: by day, then phase, then the plan's order (so each
    sender's transactions keep it). Days are clamped to ``[SEED_START, today]``.
    """
    last = today or date.today()

    def clamp(day: date) -> date:
        return min(max(day, SEED_START), last)

    first_issue: dict[str, date] = {}
    for issuance in plan.issuances:
        day = issued_on(issuance)
        first_issue[issuance.project_ref] = min(day, first_issue.get(issuance.project_ref, day))
    items = [
        (clamp(min(p.registration_date or first_issue.get(p.ref, SEED_START),
                   first_issue.get(p.ref, date.max))), REGISTER, n)
        for n, p in enumerate(plan.projects)
    ]  # fmt: skip
    items += [(clamp(issued_on(i)), ISSUE, n) for n, i in enumerate(plan.issuances)]
    moved: dict[int, date] = {}
    for n, m in enumerate(plan.movements):
        day = issued_on(plan.issuances[m.issuance]) + m.step * MOVEMENT_SPACING
        moved[m.issuance] = max(day, moved.get(m.issuance, day))
        items.append((clamp(day), MOVE, n))
    for n, c in enumerate(plan.corrections):
        after = moved.get(c.issuance, issued_on(plan.issuances[c.issuance]))
        items.append((clamp(after + MOVEMENT_SPACING), CORRECT, n))
    for n, a in enumerate(plan.authorizations):
        day = issued_on(plan.issuances[a.issuance]) + AUTHORIZATION_DECISION_LAG
        items.append((clamp(day), AUTHORIZE, n))
    return sorted(items)


# ------------------------------------------------------------------------------------------------
# Carrying out the plan
# ------------------------------------------------------------------------------------------------

Progress = Callable[[str, int], None]
"""Called with the current step's description and the number of transactions sent so far."""

FUNDING_WEI = 10 * 10**18
"""What each party receives from the funder to pay for gas (10 ETH on the devnet)."""


@dataclass(frozen=True)
class SeedResult:
    """What :func:`run_seed` did."""

    deployment: Deployment
    transactions: int
    projects: int
    batches: int
    movements: int
    seconds: float


def _raw_receipt(receipt: TxReceipt) -> TxReceipt:
    return receipt


GAS_LIMITS = {
    # Generous fixed limits (measured use is 2-5 times lower): the seed sends without the SDK's
    # pre-flight (eth_call + eth_estimateGas), which would run every transaction twice more on the
    # node. A transaction that fails anyway still raises its decoded error when awaited.
    "grant": 150_000,
    "accept": 300_000,
    "open": 400_000,
    "register": 800_000,
    "issue": 2_500_000,
    "correct": 1_000_000,
    "move": 1_500_000,
    "authorize": 600_000,
}


class _Clock:
    """Block times of the replay: each day's transactions are mined at noon in Tokyo that day.

    anvil takes the next block's time (``evm_setNextBlockTimestamp``) and keeps counting from it,
    so times stay monotonic as long as the days come in order and the chain began before the
    first (``jcm devnet`` starts anvil at :data:`GENESIS_TIME`). On a node that refuses, or a chain
    already past a day, blocks keep the node's own time and the order of actions is the same.
    """

    def __init__(self, rpc: Callable[[str, list[Any] | None], Any]) -> None:
        self._rpc = rpc
        self.dated = True
        self.moved = False
        self.today = datetime.now(UTC).date()

    def latest(self) -> int:
        """The latest block's time."""
        return int(self._rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def start(self, day: date) -> int:
        """Mine the next block on ``day`` if the chain allows; returns the time it will have (at
        least), against which the day's decisions set their deadlines."""
        latest = self.latest()
        # Never ahead of the wall clock (today's noon in Tokyo may not have come yet).
        wanted = min(_tokyo_noon(day), int(time.time()) - 60)
        if self.dated and wanted > latest:
            try:
                self._rpc("evm_setNextBlockTimestamp", [wanted])
                self.moved = True
                return wanted
            except TransactionFailed:
                self.dated = False
        return latest + 1

    def catch_up(self) -> None:
        """After a replay that set block times, move the chain's clock on to now, so later blocks
        carry real times."""
        now = int(time.time())
        if self.moved and now > self.latest():
            self._rpc("evm_setNextBlockTimestamp", [now])
            self._rpc("evm_mine", None)


def _tokyo_noon(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 3, tzinfo=UTC).timestamp())


GENESIS_TIME = _tokyo_noon(SEED_START - timedelta(days=1))
"""The devnet chain's genesis time: the day before the seed's first (``anvil --timestamp``)."""


class _Seeder:
    """Sends the plan's transactions, pipelined per sender, and keeps count for the progress bar.

    Calls are built by one read-only client (``prepare``) and sent by one SDK
    ``TransactionSender`` per party (local nonces, so each party's transactions are pipelined).
    """

    def __init__(self, rpc_url: str, plan: SeedPlan, progress: Progress | None) -> None:
        from registry_client.chain import connect_web3, rpc_errors
        from registry_client.transactions import FeeSettings

        self.plan = plan
        self.w3 = connect_web3(rpc_url)
        self.rpc_url = rpc_url
        with rpc_errors(rpc_url):
            # On anvil (mining whole phases at once) a fixed legacy price saves a block query per
            # transaction; twice the node's price stays above the base fee. Elsewhere (a consortium
            # chain sealing every second) the seed can fill blocks and raise the base fee past
            # any fixed price, so EIP-1559 fees follow it.
            anvil = str(self.w3.client_version).lower().startswith("anvil")
            self.fees = (
                FeeSettings(gas_price=2 * int(self.w3.eth.gas_price)) if anvil else FeeSettings()
            )
        self.sent = 0
        self._progress = progress
        self._step = ""
        self._accounts: dict[str, LocalAccount] = {}
        self._senders: dict[str, TransactionSender] = {}
        self._base: RegistryClient | None = None
        self.clock = _Clock(self._rpc)

    # ---- bookkeeping -------------------------------------------------------------------------

    def step(self, description: str) -> None:
        self._step = description
        self.tick(0)

    def tick(self, count: int = 1) -> None:
        self.sent += count
        if self._progress is not None:
            self._progress(self._step, self.sent)

    def account(self, label: str) -> LocalAccount:
        if label not in self._accounts:
            self._accounts[label] = derived_account(label)
        return self._accounts[label]

    @property
    def prepare(self) -> PreparedCalls:
        """Builders of every write (the SDK's)."""
        if self._base is None:
            raise RuntimeError("the registry is not deployed yet")
        return self._base.prepare

    def send(
        self, label: str, call: Call[Any], gas: str, *, decode: bool = False
    ) -> PendingTx[Any]:
        """Sign and send ``call`` as party ``label`` with the fixed gas limit of kind ``gas``.

        Awaiting it checks the receipt's status (a failure raises the decoded error); with
        ``decode`` it also returns the SDK's typed result, else the raw receipt (cheaper).
        """
        from registry_client.transactions import TransactionSender

        if label not in self._senders:
            self._senders[label] = TransactionSender(self.w3, self.account(label), self.fees)
        parse = call.parse if decode else _raw_receipt
        pending = self._senders[label].send(call.request, parse, call.context, gas=GAS_LIMITS[gas])
        self.tick()
        return pending

    def wait(self) -> None:
        """Await every transaction sent; raise the first failure."""
        for sender in self._senders.values():
            sender.wait_all()

    def _rpc(self, method: str, params: list[Any] | None = None) -> Any:
        from web3.types import RPCEndpoint

        from registry_client.chain import rpc_errors

        with rpc_errors(self.rpc_url):
            reply = self.w3.provider.make_request(RPCEndpoint(method), params or [])
        if "error" in reply:
            raise TransactionFailed(f"{method}: {reply['error']}")
        return reply.get("result")

    @contextlib.contextmanager
    def mining(self) -> Iterator[None]:
        """Queue a phase's transactions with automine off, then mine them in full blocks.

        On anvil this spares a block per transaction (and the wait for it); on a node without
        ``evm_setAutomine`` the transactions are simply mined as they come. Every transaction of
        a phase depends only on earlier phases, or comes from the same sender as the one it
        depends on (so nonces keep the order).
        """
        try:
            self._rpc("evm_setAutomine", [False])
        except TransactionFailed:
            yield
            return
        try:
            yield
            self._mine_pool()
        finally:
            self._rpc("evm_setAutomine", [True])

    def _mine_pool(self) -> None:
        """Mine blocks until the transaction pool is empty."""
        stalled = 0
        pending = int(self._rpc("txpool_status")["pending"], 16)
        while pending:
            self._rpc("evm_mine")
            left = int(self._rpc("txpool_status")["pending"], 16)
            stalled = stalled + 1 if left >= pending else 0
            if stalled >= 3:
                raise TransactionFailed(
                    f"{left} transactions stay in the node's pool after mining: their gas price "
                    f"({self.fees.gas_price} wei) may be below the base fee"
                )
            pending = left

    # ---- steps -------------------------------------------------------------------------------

    def fund(self, funder: LocalAccount, amount: int) -> None:
        from web3.types import Wei

        from registry_client.transactions import TransactionSender

        self.step("funding the parties' gas")
        sender = TransactionSender(self.w3, funder, self.fees)
        # In full blocks, like every other phase: anvil's automine can leave a pipelined transaction
        # in its pool unmined (foundry-rs/foundry#10122), which stalled the seed on a busy machine.
        with self.mining():
            for party in self.plan.parties:
                request: TxParams = {"to": party.address, "value": Wei(amount)}
                sender.send(request, lambda receipt: receipt, f"fund {party.label}", gas=21_000)
                self.tick()
        sender.wait_all()

    def deploy(self) -> Deployment:
        from registry_client.client import RegistryClient
        from registry_client.deployment import deploy_registry

        self.step("deploying the registry")
        governance = self.account(self.plan.governance.label)
        deployment = deploy_registry(self.rpc_url, governance, fees=self.fees, w3=self.w3)
        self.tick()
        self._base = RegistryClient(self.w3, deployment, fees=self.fees)
        self.step(f"deploying {len(self.plan.committees)} joint committees")
        client = self._base.with_sender(governance)
        for committee in self.plan.committees:
            client.deploy_committee(
                committee.country,
                [derived_address(m) for m in committee.japan_members],
                [derived_address(m) for m in committee.partner_members],
                committee.japan_threshold,
                committee.partner_threshold,
                authority=derived_address(f"authority-{committee.country.lower()}"),
            )
            self.tick(2)
        self._base = RegistryClient(self.w3, client.deployment, fees=self.fees)
        self.step("partner authorities accept their countries")
        with self.mining():
            for committee in self.plan.committees:
                address = client.deployment.committees[committee.country]
                call = self.prepare.accept_country(committee.country, address)
                self.send(f"authority-{committee.country.lower()}", call, "accept")
        self.wait()
        return client.deployment

    def open_accounts(self) -> None:
        self.step("granting registrar roles (each side's authority its own)")
        registrars = [p for p in self.plan.parties if p.role == "registrar"]
        with self.mining():
            for party in registrars:
                assert party.side is not None
                grant = self.prepare.grant_registrar(party.side, party.address)
                self.send(f"authority-{party.side.lower()}", grant, "grant")
        self.wait()
        self.step("opening accounts")
        with self.mining():
            for account in self.plan.accounts:
                registrar = f"registrar-{account.side.lower()}"
                call = self.prepare.open_account(
                    account.address, account.side, account.kind, account.holder_name
                )
                self.send(registrar, call, "open")
        self.wait()

    def _decide(
        self, decision: Decision, signers: Sequence[str], gas: str, *, decode: bool = False
    ) -> PendingTx[Any]:
        signatures = [decision.sign(self.account(label)) for label in signers]
        call = self.prepare.submit_decision(decision, signatures)
        return self.send(SUBMITTER, call, gas, decode=decode)

    def _domain(self, country: str) -> CommitteeDomain:
        from registry_client.decisions import CommitteeDomain

        assert self._base is not None
        committee = self._base.deployment.committees[country]
        return CommitteeDomain(chain_id=self._base.chain_id, committee=committee)

    def replay(self) -> list[int]:
        """Carry out every registration, issuance, movement and correction on its day
        (:func:`schedule`); returns the batch id of each planned issuance."""
        self.step("registering projects, issuing and moving credits, day by day")
        batches: dict[int, int] = {}
        items = schedule(self.plan, self.clock.today)
        for (day, phase), group in itertools.groupby(items, key=lambda item: item[:2]):
            indexes = [index for _day, _phase, index in group]
            deadline = self.clock.start(day) + int(DECISION_VALIDITY.total_seconds())
            if phase == CORRECT:
                for index in indexes:
                    self._correct(index, batches, deadline)
                continue
            if phase == AUTHORIZE:
                for index in indexes:
                    self._authorize(self.plan.authorizations[index], batches, deadline)
                self.wait()
                continue
            pending = []
            with self.mining():
                for index in indexes:
                    if phase == REGISTER:
                        self._register(index, deadline)
                    elif phase == ISSUE:
                        pending.append((index, self._issue(self.plan.issuances[index], deadline)))
                    else:
                        self._move(self.plan.movements[index], batches)
            for index, tx in pending:
                batches[index] = int(tx.wait().batch_id)
            self.wait()
        self.clock.catch_up()
        return [batches[n] for n in range(len(self.plan.issuances))]

    def _register(self, number: int, deadline: int) -> None:
        from registry_client.decisions import ProjectRegistration, RegisterProjectDecision

        japan = [label for label, _ in JAPAN_MEMBERS]
        project = self.plan.projects[number]
        decision = RegisterProjectDecision(
            domain=self._domain(project.country),
            nonce=0,
            deadline=deadline,
            project=ProjectRegistration(
                ref=project.ref,
                country=project.country,
                title=project.title,
                methodology=project.methodology,
                pdd_hash=project.pdd_hash,
                validation_report_hash=project.validation_report_hash,
            ),
        )
        signers = [
            japan[number % 3],
            japan[(number + 1) % 3],
            f"jc-{project.country.lower()}-{1 + number % 2}",
        ]
        self._decide(decision, signers, "register")

    def _issue(self, plan: IssuancePlan, deadline: int) -> PendingTx[Any]:
        from registry_client.decisions import (
            Allocation,
            Authorization,
            Issuance,
            IssueCreditsDecision,
            decision_id,
            to_timestamp,
        )

        decision = IssueCreditsDecision(
            domain=self._domain(plan.country),
            nonce=0,
            deadline=deadline,
            issuance=Issuance(
                decision_id=decision_id(plan.decision_text),
                decision_ref=plan.decision_text,
                project_ref=plan.project_ref,
                monitoring_start=to_timestamp(plan.monitoring_start),
                monitoring_end=to_timestamp(plan.monitoring_end),
                vintage=plan.vintage,
                quantity=plan.quantity,
                verified_reductions=plan.verified_reductions,
                verification_report_hash=plan.verification_report_hash,
                authorization=Authorization(plan.authorization),
                authorization_id=plan.authorization_id,
                authorization_date=(
                    to_timestamp(plan.authorization_date) if plan.authorization_date else 0
                ),
                allocations=tuple(
                    Allocation(account=derived_address(label), amount=amount)
                    for label, amount in plan.allocations
                ),
            ),
        )
        return self._decide(
            decision, [*plan.japan_signers, *plan.partner_signers], "issue", decode=True
        )

    def _authorize(self, plan: AuthorizationPlan, batches: dict[int, int], deadline: int) -> None:
        """The host's members record or amend a batch's authorization (the partner side's
        threshold decides it)."""
        from registry_client.decisions import (
            Authorization,
            BatchAuthorization,
            SetAuthorizationDecision,
            to_timestamp,
        )

        country = self.plan.issuances[plan.issuance].country
        decision = SetAuthorizationDecision(
            domain=self._domain(country),
            nonce=0,
            deadline=deadline,
            authorization=BatchAuthorization(
                batch_id=batches[plan.issuance],
                authorization=Authorization(plan.authorization),
                authorization_id=plan.authorization_id,
                authorization_date=to_timestamp(plan.authorization_date),
            ),
        )
        self._decide(decision, [plan.partner_signer], "authorize")

    def _move(self, movement: Movement, batches: dict[int, int]) -> None:
        prepare = self.prepare
        batch = batches[movement.issuance]
        call: Call[Any]
        if movement.kind == "transfer":
            assert movement.to is not None
            call = prepare.transfer(derived_address(movement.to), batch, movement.quantity)
        elif movement.kind == "retire":
            assert movement.using_party is not None and movement.purpose is not None
            call = prepare.retire(
                batch, movement.quantity, movement.using_party, movement.purpose,
                movement.beneficiary, movement.note,
            )  # fmt: skip
        else:
            assert movement.reason is not None
            call = prepare.cancel(batch, movement.quantity, movement.reason, movement.note)
        self.send(movement.holder, call, "move")

    def _correct(self, number: int, batches: dict[int, int], deadline: int) -> None:
        from registry_client.decisions import CorrectCreditsDecision, Correction, decision_id

        assert self._base is not None
        japan = [label for label, _ in JAPAN_MEMBERS]
        plan = self.plan.corrections[number]
        issuance = self.plan.issuances[plan.issuance]
        batch = batches[plan.issuance]
        address = derived_address(plan.account)
        first = self._base.holding(address, batch).ranges[0]
        decision = CorrectCreditsDecision(
            domain=self._domain(issuance.country),
            nonce=0,
            deadline=deadline,
            correction=Correction(
                decision_id=decision_id(
                    f"JC-{issuance.country}-{issuance.project_ref}-correction-{number + 1}"
                ),
                account=address,
                batch_id=batch,
                first_serial=first.first,
                last_serial=min(first.last, first.first + plan.quantity - 1),
            ),
        )
        signers = [japan[0], japan[2], f"jc-{issuance.country.lower()}-1"]
        self._decide(decision, signers, "correct").wait()


def run_seed(
    rpc_url: str,
    funder: LocalAccount,
    *,
    plan: SeedPlan | None = None,
    progress: Progress | None = None,
    funding: int = FUNDING_WEI,
) -> SeedResult:
    """Deploy a registry and carry out the seed plan on the chain at ``rpc_url``.

    Args:
        rpc_url: a JSON-RPC node whose ``funder`` account can pay every party's gas (a devnet).
        funder: the account that sends each party ``funding`` wei first.
        plan: the plan (default :func:`build_plan`).
        progress: called as transactions are sent (see :data:`Progress`).
        funding: wei sent to each party.

    Returns:
        The deployment (not saved) and counts.

    Raises:
        RegistryError: a transaction was refused or failed (the SDK's typed error).
    """
    started = time.perf_counter()
    plan = plan or build_plan()
    seeder = _Seeder(rpc_url, plan, progress)
    seeder.fund(funder, funding)
    seeder.clock.start(SEED_START)
    deployment = seeder.deploy()
    seeder.open_accounts()
    batches = seeder.replay()
    return SeedResult(
        deployment=deployment,
        transactions=seeder.sent,
        projects=len(plan.projects),
        batches=len(batches),
        movements=len(plan.movements),
        seconds=time.perf_counter() - started,
    )
