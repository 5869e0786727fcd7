"""The interface speaks French and English: complete catalogs, language choice, local formats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from orchestre.web import i18n

WEB = Path(i18n.__file__).resolve().parent


def _catalog(lang: str) -> dict[object, object]:
    with (WEB / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {message.id: message.string for message in catalog if message.id}


def _interface_msgids() -> set[object]:
    """What the templates and the web layer's own code ask to translate."""
    found: set[object] = set()
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map=options
    ):
        found.add(message)
    return found


def test_every_interface_message_has_a_french_translation() -> None:
    french = _catalog("fr")
    missing = []
    for msgid in _interface_msgids():
        translated = french.get(msgid)
        if not translated or (isinstance(translated, tuple) and not all(translated)):
            missing.append(msgid)
    assert not missing, f"translate these in fr/messages.po (scripts/i18n.sh update): {missing}"


def test_the_catalogs_are_complete_in_both_languages() -> None:
    for lang in ("en", "fr"):
        empty = [
            k for k, v in _catalog(lang).items() if not v or (isinstance(v, tuple) and not all(v))
        ]
        assert not empty, f"{lang}: {empty}"


def test_french_plurals_follow_french_rules() -> None:
    i18n.begin(i18n.Language(locale="fr"))
    assert i18n.ngettext("%(num)d member", "%(num)d members", 1) % {"num": 1} == "1 membre"
    assert i18n.ngettext("%(num)d member", "%(num)d members", 0) % {"num": 0} == "0 membre"
    assert i18n.ngettext("%(num)d member", "%(num)d members", 3) % {"num": 3} == "3 membres"


def test_language_comes_from_the_person_then_cookie_then_browser_then_default() -> None:
    assert i18n.negotiate("fr", "en", "en-US", "en") == "fr"
    assert i18n.negotiate(None, "fr", "en-US", "en") == "fr"
    assert i18n.negotiate(None, None, "de-DE, fr;q=0.8, en;q=0.5", "en") == "fr"
    assert i18n.negotiate(None, None, "de-DE", "fr") == "fr"
    assert i18n.negotiate(None, None, None, "en") == "en"


def test_dates_and_numbers_are_local(clock: object) -> None:
    when = datetime(2030, 3, 31, 7, 30, tzinfo=UTC)  # 09:30 in Paris, summer time
    i18n.begin(i18n.Language(locale="fr", timezone="Europe/Paris"))
    assert "09:30" in i18n.format_datetime(when, "short")
    assert i18n.format_number(12345.5) == "12\u202f345,5"
    assert i18n.format_relative(datetime(2030, 3, 15, 6, 0, tzinfo=UTC)) == "il y a 3 heures"
    i18n.begin(i18n.Language(locale="en", timezone="America/New_York"))
    assert "3:30" in i18n.format_datetime(when, "short")
    assert i18n.format_number(12345.5) == "12,345.5"
