"""A broken rule in the reader's language: the rule's facts (network, field, limit, actual)
worded again with gettext, since the rules themselves speak English only."""

from __future__ import annotations

from orchestre.posts.compose_schemas import Violation
from orchestre.web.i18n import format_number, ngettext
from orchestre.web.i18n import gettext as _

NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "sandbox": "Sandbox",
}


def _unit(network: str, rule: str, count: int) -> str:
    if rule.endswith(".bytes"):
        return ngettext("byte", "bytes", count)
    if network == "x":
        return ngettext("weighted character", "weighted characters", count)
    return ngettext("character", "characters", count)


def _too_long(v: Violation, name: str) -> str:
    actual, limit = int(v.actual), int(v.limit)
    values = {
        "network": name,
        "actual": format_number(actual),
        "limit": format_number(limit),
        "over": format_number(actual - limit),
        "units": _unit(v.network, v.rule, limit),
    }
    if v.field == "title":
        return _("The title is too long: %(actual)s of %(limit)s characters.") % values
    if v.field.startswith("thread["):
        values["part"] = format_number(int(v.field[7:-1]) + 2)
        return (
            _("Post %(part)s is too long for %(network)s: %(actual)s of %(limit)s %(units)s.")
            % values
        )
    return (
        _("Too long for %(network)s: %(actual)s of %(limit)s %(units)s. Shorten it by %(over)s.")
        % values
    )


def _poll(v: Violation, name: str) -> str:
    if v.rule == "poll.unsupported":
        return _("%(network)s publishes no poll: remove the poll from this version.") % {
            "network": name
        }
    if v.rule == "poll.options":
        low, high = str(v.limit).split("-")
        return _("A poll on %(network)s has %(low)s to %(high)s choices.") % {
            "network": name,
            "low": low,
            "high": high,
        }
    if v.rule == "poll.option.empty":
        return _("A choice of the poll is empty.")
    if v.rule == "poll.option.length":
        return _("A choice of the poll has %(actual)s characters; %(network)s takes %(limit)s.") % {
            "network": name,
            "actual": v.actual,
            "limit": v.limit,
        }
    if v.rule == "poll.option.duplicate":
        return _("Two choices of the poll are the same.")
    if v.rule == "poll.duration":
        return _("The poll's duration is outside what %(network)s allows.") % {"network": name}
    if v.rule == "poll.media":
        return _("A poll on %(network)s cannot go with photos or videos.") % {"network": name}
    return _(v.message)


def describe(v: Violation) -> str:
    """The violation's message for the reader; the English rule message when not known here."""
    name = NAMES.get(v.network, v.network)
    if v.rule in ("text.length", "text.bytes", "title.length") and isinstance(v.actual, int):
        return _too_long(v, name)
    if v.rule == "text.hashtags":
        return _("%(actual)s hashtags; %(network)s allows %(limit)s. Remove %(over)s.") % {
            "actual": v.actual,
            "network": name,
            "limit": v.limit,
            "over": int(v.actual) - int(v.limit),
        }
    if v.rule == "text.mentions":
        return _("%(actual)s mentions; %(network)s allows %(limit)s. Remove %(over)s.") % {
            "actual": v.actual,
            "network": name,
            "limit": v.limit,
            "over": int(v.actual) - int(v.limit),
        }
    if v.rule == "title.required":
        return _("A YouTube video needs a title (at most 100 characters).")
    if v.rule.endswith(".characters"):
        return _("%(network)s refuses some characters here: %(actual)s.") % {
            "network": name,
            "actual": v.actual,
        }
    if v.rule == "banned_word":
        return _("“%(word)s” is a banned word of the editorial line; rephrase without it.") % {
            "word": v.actual
        }
    if v.rule == "required_hashtag":
        return _("The editorial line requires the hashtag %(tag)s.") % {"tag": v.limit}
    if v.rule == "required_mention":
        return _("The editorial line requires a mention of %(who)s.") % {"who": v.limit}
    if v.rule == "empty":
        return _("Write a text or attach a media.")
    if v.rule.startswith("poll."):
        return _poll(v, name)
    return _(v.message)
