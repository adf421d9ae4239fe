"""Registrars and accounts: docs/design.md §2 rule 7 (governance: ``test_governance.py``)."""

from __future__ import annotations

from eth_utils import keccak

from registry_client.domain import (
    ZERO_ADDRESS,
    AccountKind,
    AccountStatus,
)
from support.contracts import (
    CONTAINERS,
    ID,
    JP,
    TH,
    World,
    addr,
    events,
    reverts,
    view_reverts,
    whole_list,
)


def registrar_role(side: bytes) -> bytes:
    return keccak(b"JCM_REGISTRAR_" + side)


# --- accounts ---------------------------------------------------------------------------------


def test_open_account_records_and_emits(world: World) -> None:
    registry, account = world.registry, world.spare[0]
    name = "株式会社テスト (Test KK)"
    receipt = registry.openAccount(
        account, JP, AccountKind.HOLDING, name, sender=world.jp.registrar
    )
    assert events(receipt, "AccountOpened") == [
        {
            "account": addr(account),
            "side": JP,
            "kind": AccountKind.HOLDING,
            "holderName": name,
            "registrar": addr(world.jp.registrar),
        }
    ]
    info = registry.accountInfo(account)
    assert info.kind == AccountKind.HOLDING
    assert info.status == AccountStatus.ACTIVE
    assert bytes(info.side) == JP
    assert info.holderName == name
    assert info.nonEmptyHoldings == 0
    assert info.openedAt == world.registry.provider.get_block(receipt.block_number).timestamp
    assert registry.sideAccounts(JP) == (addr(world.jp.retirement), addr(world.jp.cancellation))


def test_open_account_refusals(world: World) -> None:
    registry, spare = world.registry, world.spare[0]
    jp_registrar, id_registrar = world.jp.registrar, world.id.registrar
    with reverts("RegistryUnknownSide", side=b"MN"):
        registry.openAccount(spare, b"MN", AccountKind.HOLDING, "X", sender=jp_registrar)
    # Another side's registrar, governance and holders may not open accounts on JP.
    for who in (id_registrar, world.admin, world.jp.companies[0], world.committees[ID]):
        with reverts(
            "AccessControlUnauthorizedAccount", account=who, neededRole=registrar_role(JP)
        ):
            registry.openAccount(spare, JP, AccountKind.HOLDING, "X", sender=who)
    with reverts("RegistryZeroAddress"):
        registry.openAccount(ZERO_ADDRESS, JP, AccountKind.HOLDING, "X", sender=jp_registrar)
    with reverts("RegistryAccountAlreadyExists", account=world.jp.companies[0]):
        registry.openAccount(
            world.jp.companies[0], JP, AccountKind.HOLDING, "X", sender=jp_registrar
        )
    # An address has one account across all sides.
    with reverts("RegistryAccountAlreadyExists", account=world.jp.companies[0]):
        registry.openAccount(
            world.jp.companies[0], ID, AccountKind.HOLDING, "X", sender=id_registrar
        )
    with reverts("RegistryInvalidAccountKind", account=spare, kind=AccountKind.NONE):
        registry.openAccount(spare, JP, AccountKind.NONE, "X", sender=jp_registrar)
    with reverts("RegistryEmptyText"):
        registry.openAccount(spare, JP, AccountKind.HOLDING, "", sender=jp_registrar)
    with reverts("RegistryTextTooLong", length=258, max=256):
        registry.openAccount(spare, JP, AccountKind.HOLDING, "口" * 86, sender=jp_registrar)
    registry.openAccount(spare, JP, AccountKind.HOLDING, "x" * 256, sender=jp_registrar)


def test_one_retirement_and_one_cancellation_account_per_side(world: World) -> None:
    registry, th = world.registry, world.th
    assert registry.sideAccounts(TH) == (ZERO_ADDRESS, ZERO_ADDRESS)
    registry.openAccount(
        th.retirement, TH, AccountKind.RETIREMENT, "TH retirement", sender=th.registrar
    )
    registry.openAccount(
        th.cancellation, TH, AccountKind.CANCELLATION, "TH cancellation", sender=th.registrar
    )
    assert registry.sideAccounts(TH) == (addr(th.retirement), addr(th.cancellation))
    for kind, existing in (
        (AccountKind.RETIREMENT, world.jp.retirement),
        (AccountKind.CANCELLATION, world.jp.cancellation),
    ):
        with reverts("RegistrySideAccountExists", side=JP, kind=kind, existing=existing):
            registry.openAccount(world.spare[0], JP, kind, "second sink", sender=world.jp.registrar)
    view_reverts(registry, "sideAccounts", b"MN", error="RegistryUnknownSide", side=b"MN")


def test_freeze_unfreeze_close_by_the_sides_registrar_only(world: World) -> None:
    registry, account = world.registry, world.jp.companies[2]
    for who in (world.id.registrar, world.admin, world.outsider, account):
        for function in (registry.freezeAccount, registry.closeAccount):
            with reverts(
                "AccessControlUnauthorizedAccount", account=who, neededRole=registrar_role(JP)
            ):
                function(account, sender=who)
    receipt = registry.freezeAccount(account, sender=world.jp.registrar)
    assert events(receipt, "AccountFrozen") == [
        {"account": addr(account), "registrar": addr(world.jp.registrar)}
    ]
    assert registry.accountInfo(account).status == AccountStatus.FROZEN
    with reverts("AccessControlUnauthorizedAccount", account=world.id.registrar):
        registry.unfreezeAccount(account, sender=world.id.registrar)
    with reverts("RegistryAccountNotActive", account=account, status=AccountStatus.FROZEN):
        registry.freezeAccount(account, sender=world.jp.registrar)
    receipt = registry.unfreezeAccount(account, sender=world.jp.registrar)
    assert events(receipt, "AccountUnfrozen") == [
        {"account": addr(account), "registrar": addr(world.jp.registrar)}
    ]
    assert registry.accountInfo(account).status == AccountStatus.ACTIVE
    with reverts("RegistryAccountNotFrozen", account=account, status=AccountStatus.ACTIVE):
        registry.unfreezeAccount(account, sender=world.jp.registrar)
    with reverts("RegistryUnknownAccount", account=world.spare[0]):
        registry.freezeAccount(world.spare[0], sender=world.jp.registrar)
    with reverts("RegistryUnknownAccount", account=world.spare[0]):
        registry.closeAccount(world.spare[0], sender=world.jp.registrar)


def test_sink_accounts_are_never_frozen_or_closed(world: World) -> None:
    registry, jp = world.registry, world.jp
    for sink, kind in (
        (jp.retirement, AccountKind.RETIREMENT),
        (jp.cancellation, AccountKind.CANCELLATION),
    ):
        for function in (registry.freezeAccount, registry.unfreezeAccount, registry.closeAccount):
            with reverts("RegistryInvalidAccountKind", account=sink, kind=kind):
                function(sink, sender=jp.registrar)


def test_close_only_when_empty_and_never_reopen(world: World) -> None:
    registry, jp = world.registry, world.jp
    holder, other = jp.companies[0], jp.companies[1]
    batch = world.issue("ID012", [(holder, 10)])
    with reverts("RegistryAccountNotEmpty", account=holder, holdings=1):
        registry.closeAccount(holder, sender=jp.registrar)
    registry.transfer(other, batch, 10, sender=holder)
    assert registry.accountInfo(holder).nonEmptyHoldings == 0
    receipt = registry.closeAccount(holder, sender=jp.registrar)
    assert events(receipt, "AccountClosed") == [
        {"account": addr(holder), "registrar": addr(jp.registrar)}
    ]
    assert registry.accountInfo(holder).status == AccountStatus.CLOSED
    closed = AccountStatus.CLOSED
    with reverts("RegistryAccountNotActive", account=holder, status=closed):
        registry.closeAccount(holder, sender=jp.registrar)
    with reverts("RegistryAccountNotActive", account=holder, status=closed):
        registry.freezeAccount(holder, sender=jp.registrar)
    with reverts("RegistryAccountNotFrozen", account=holder, status=closed):
        registry.unfreezeAccount(holder, sender=jp.registrar)
    with reverts("RegistryAccountAlreadyExists", account=holder):
        registry.openAccount(holder, JP, AccountKind.HOLDING, "Reopened", sender=jp.registrar)
    # A closed account neither receives nor sends.
    with reverts("RegistryAccountNotActive", account=holder, status=closed):
        registry.transfer(holder, batch, 1, sender=other)
    with reverts("RegistryAccountNotActive", account=holder, status=closed):
        registry.transfer(other, batch, 1, sender=holder)
    with reverts("RegistryAccountNotActive", account=holder, status=closed):
        world.issue("ID012", [(holder, 1)])


def test_frozen_empty_account_may_close(world: World) -> None:
    registry, jp = world.registry, world.jp
    registry.freezeAccount(jp.companies[2], sender=jp.registrar)
    registry.closeAccount(jp.companies[2], sender=jp.registrar)
    assert registry.accountInfo(jp.companies[2]).status == AccountStatus.CLOSED


def test_unknown_account_info_is_empty(world: World) -> None:
    info = world.registry.accountInfo(world.spare[0])
    assert info.kind == AccountKind.NONE and info.status == AccountStatus.NONE
    assert whole_list(world.registry.accountBatches, world.spare[0]) == []


# --- the admin module ------------------------------------------------------------------------


def test_admin_module_runs_only_through_the_ledger(world: World) -> None:
    """The module's functions run on the ledger's storage by delegatecall; called directly they are
    refused, and the ledger's view relay serves only the ledger's own static calls."""
    registry, jp = world.registry, world.jp
    module = CONTAINERS["JCMRegistryAdmin"].at(registry.adminModule())
    with reverts("RegistryAdminNotDelegated"):
        module.openAccount(world.spare[0], JP, AccountKind.HOLDING, "Direct", sender=jp.registrar)
    with reverts("RegistryAdminNotDelegated"):
        module.freezeAccount(jp.companies[0], sender=jp.registrar)
    view_reverts(
        module, "accountBatches", addr(jp.companies[0]), 0, 1, error="RegistryAdminNotDelegated"
    )
    call = registry.accountBatches.as_transaction(jp.companies[0], 0, 1).data
    with reverts("RegistryNotSelf", caller=addr(world.outsider)):
        registry.adminView(call, sender=world.outsider)


#: Storage slot of the ledger's account counter (JCMRegistryState: after AccessControl's roles, the
#: URI, sides, countries, accounts, counters, batches, holdings and the two record-hash maps).
ACCOUNT_COUNT_SLOT = 10
#: Most accounts holding lists can name (24-bit links, the top value marking a list's end).
MAX_LISTED_ACCOUNTS = 2**24 - 2


def test_accounts_beyond_what_holding_lists_can_name_are_refused(world: World) -> None:
    """Accounts are numbered for the holder lists' 24-bit links: once every number is taken,
    opening one more is refused. The counter is moved to the ceiling with anvil's setStorageAt, and
    put back after."""
    w3, registry = world.registry.provider.web3, world.registry
    original = w3.eth.get_storage_at(registry.address, ACCOUNT_COUNT_SLOT)
    count = int.from_bytes(original, "big")
    # The slot is the one assumed: the last number given names the last account opened.
    last = w3.eth.get_storage_at(
        registry.address,
        keccak(count.to_bytes(32, "big") + (ACCOUNT_COUNT_SLOT + 1).to_bytes(32, "big")),
    )
    assert count > 0 and int.from_bytes(last, "big") != 0
    full = "0x" + MAX_LISTED_ACCOUNTS.to_bytes(32, "big").hex()
    w3.provider.make_request(
        "anvil_setStorageAt", [registry.address, hex(ACCOUNT_COUNT_SLOT), full]
    )
    try:
        with reverts("RegistryTooManyAccounts", max=MAX_LISTED_ACCOUNTS):
            registry.openAccount(
                world.spare[0], JP, AccountKind.HOLDING, "X", sender=world.jp.registrar
            )
    finally:
        w3.provider.make_request(
            "anvil_setStorageAt",
            [registry.address, hex(ACCOUNT_COUNT_SLOT), "0x" + original.hex()],
        )
    assert registry.accountInfo(world.spare[0]).status == AccountStatus.NONE
