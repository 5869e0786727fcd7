"""Languages of the interface: choosing one per request, translating, formatting dates, numbers."""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.dates import format_timedelta
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from orchestre.kit.clock import utcnow

SUPPORTED = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LOCALE_COOKIE = "orchestre_locale"


_loaded: dict[str, Translations] = {}


def translations_for(locale: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language; without one the msgids (English) show as they are."""
    if locale not in _loaded:
        found = Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")
        if not isinstance(found, Translations):
            # Not cached: the catalog may be compiled later (first run, tests).
            return NullTranslations()
        _loaded[locale] = found
    return _loaded[locale]


def supported(value: str | None) -> str | None:
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in SUPPORTED else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language in an Accept-Language header, by its q-values."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = supported(tag)
        if language and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def negotiate(
    user_locale: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """The user's preference, else the signed-out cookie, else the browser's, else the default."""
    return (
        supported(user_locale)
        or supported(cookie)
        or from_accept_language(accept_language)
        or supported(default)
        or "en"
    )


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class Language:
    """What one request speaks: its language and the time zone for showing times."""

    locale: str = "en"
    timezone: str = "UTC"
    # False until a page dependency (or the error handler) has chosen for this request.
    resolved: bool = False

    @property
    def translations(self) -> _gettext.NullTranslations:
        return translations_for(self.locale)


# Set by the web middleware for each request; pages update the object once they know the user.
_current: ContextVar[Language | None] = ContextVar("orchestre_language", default=None)


def current() -> Language:
    language = _current.get()
    if language is None:
        language = Language()
        _current.set(language)
    return language


def begin(language: Language) -> None:
    _current.set(language)


def gettext(message: str) -> str:
    return current().translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return current().translations.ngettext(singular, plural, n)


_ = gettext


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    language = current()
    return _format_datetime(value, format, tzinfo=zone(language.timezone), locale=language.locale)


def format_date(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    language = current()
    local = value.astimezone(zone(language.timezone))
    return _format_date(local.date(), format, locale=language.locale)


def format_time(value: datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    language = current()
    return _format_time(value, format, tzinfo=zone(language.timezone), locale=language.locale)


def format_relative(value: datetime | None) -> str:
    """'3 hours ago' / 'il y a 3 heures', against the product clock."""
    if value is None:
        return ""
    return format_timedelta(
        value - utcnow(), add_direction=True, threshold=1.0, locale=current().locale
    )


def format_number(value: float | int | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=current().locale)


def format_share(value: float | None) -> str:
    if value is None:
        return ""
    return format_percent(value, locale=current().locale)


def local_input_value(value: datetime | None, zone_name: str | None = None) -> str:
    """The value of an <input type=datetime-local> in the given zone, else the current one.

    A form read back in the workspace's zone (scheduling) must be filled in that zone too,
    whatever zone the person reads times in.
    """
    if value is None:
        return ""
    return value.astimezone(zone(zone_name or current().timezone)).strftime("%Y-%m-%dT%H:%M")


def language_name(locale: str) -> str:
    return LANGUAGE_NAMES.get(locale) or Locale.parse(locale).get_display_name(locale) or locale
