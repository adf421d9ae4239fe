"""The explorer's languages: English and Japanese, from gettext catalogues read with Babel.

The Japanese catalogue is ``api/locale/ja/LC_MESSAGES/messages.po``; it is compiled in-process when
first used (no build step, no ``.mo`` file to keep in step). Templates mark text with ``_()`` and
``{% trans %}`` (Jinja2's i18n extension); enum values of the API (account kinds, statuses,
movement kinds, purposes, reasons, authorizations) are turned into words by :func:`label_msgid`,
whose table below is where their English names live. ``pybabel extract -F babel.cfg`` finds every
message of both; ``tests/api/test_api_i18n.py`` fails when one has no Japanese translation.

A request's language is, in order: a ``lang`` query parameter (which the explorer then keeps in a
cookie), the ``lang`` cookie, the best match of ``Accept-Language``, English.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("en", "ja")
DEFAULT_LOCALE = "en"
COOKIE = "lang"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (gettext's ``N_``)."""
    return message


# Enum values of the API as English words (the msgids the catalogues translate). The Japanese
# terms follow the JCM registry's own: 法人等保有口座, 政府保有口座, 無効化口座, 取消口座, 振替,
# 無効化, 取消.
LABELS: dict[str, str] = {
    # account kinds (口座種別)
    "holding": N_("Holding account"),
    "government_holding": N_("Government holding account"),
    "retirement_account": N_("Retirement account"),
    "cancellation_account": N_("Cancellation account"),
    # account statuses
    "active": N_("Active"),
    "frozen": N_("Frozen"),
    "closed": N_("Closed"),
    # movement kinds
    "issuance": N_("Issuance"),
    "transfer": N_("Transfer"),
    "international_transfer": N_("International transfer"),
    "retirement": N_("Retirement"),
    "cancellation": N_("Cancellation"),
    "correction": N_("Correction"),
    # where serials are
    "held": N_("Held"),
    "retired": N_("Retired"),
    "cancelled": N_("Cancelled"),
    # retirement purposes
    "ndc": N_("Use towards the NDC"),
    "voluntary_offset": N_("Voluntary offset"),
    # cancellation reasons
    "voluntary_cancellation": N_("Voluntary cancellation"),
    "other_international_mitigation_purposes": N_("Other international mitigation purposes"),
    "overall_mitigation": N_("Overall mitigation in global emissions"),
    # Article 6 authorization
    "none": N_("Not authorized"),
    "other_purposes": N_("Other international mitigation purposes"),
    "ndc_and_other_purposes": N_("NDC and other international mitigation purposes"),
    # joint committee decisions
    "register_project": N_("Project registration"),
    "issue_credits": N_("Issuance of credits"),
    "correct_credits": N_("Correction of credits"),
    "change_members": N_("Change of members"),
    # index health
    "ok": N_("Up to date"),
    "lagging": N_("Lagging"),
    "catching_up": N_("Catching up"),
    "chain_unreachable": N_("Chain unreachable"),
    "empty": N_("Empty"),
    # first-transfer definitions (FirstTransferDefinition; the others share their movement's or
    # action's words: international transfer, issuance, authorization)
    "use_or_cancellation": N_("Use or cancellation"),
    # governance: pauses, country proposals, side roles
    "started": N_("Pause started"),
    "lifted": N_("Pause lifted"),
    "pending": N_("Awaiting acceptance"),
    "accepted": N_("Accepted"),
    "replaced": N_("Replaced by a later proposal"),
    "registrar": N_("Registrar"),
    "authority": N_("Registry authority"),
    # Article 6 action types (registry_client.article6.ActionType)
    "authorization": N_("Authorization"),
    "first transfer": N_("First transfer"),
    "acquisition": N_("Acquisition"),
    "use toward NDC": N_("Use toward NDC"),
    "cancellation for OIMP": N_("Cancellation for other international mitigation purposes"),
    "overall mitigation or voluntary cancellation": N_(
        "Overall mitigation or voluntary cancellation"
    ),
    # the explorer's default title (settings.title)
    "title": N_("JCM registry explorer"),
}

# Account kinds share their names with movement kinds (retirement, cancellation): an account's
# kind is looked up under these keys.
ACCOUNT_KIND_KEYS = {
    "holding": "holding",
    "government_holding": "government_holding",
    "retirement": "retirement_account",
    "cancellation": "cancellation_account",
}


def label_msgid(value: str | None, *, account_kind: bool = False) -> str:
    """The English msgid of an API enum value (``government_holding`` -> ``Government holding
    account``); an unknown value is returned as words."""
    if value is None:
        return ""
    key = ACCOUNT_KIND_KEYS.get(value, value) if account_kind else value
    return LABELS.get(key) or value.replace("_", " ")


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (English: the msgids themselves)."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; one of {', '.join(LOCALES)}")
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    with open(LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _accepted(header: str) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _q, _p, tag in sorted(weighted)]


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The locale of a request: ``lang`` query, then ``lang`` cookie, then Accept-Language."""
    for explicit in (query, cookie):
        if explicit and explicit.lower() in LOCALES:
            return explicit.lower()
    if accept_language:
        found = negotiate_locale(_accepted(accept_language), LOCALES, sep="-")
        if found is None:
            # "ja-JP" matches "ja" through its language part.
            languages = [tag.split("-")[0].lower() for tag in _accepted(accept_language)]
            found = next((lang for lang in languages if lang in LOCALES), None)
        if found:
            return found
    return DEFAULT_LOCALE


def language_name(locale: str) -> str:
    """The language's own name: ``日本語``, ``English``."""
    return Locale.parse(locale).get_display_name(locale) or locale
