"""Crediting a creator in a post: each network's mention syntax, and the credit line.

On the creator's own network the credit is a mention, written as that network links one:
`@user` (X, Instagram, Threads, TikTok, YouTube, the sandbox), `@user@instance` (Mastodon:
the full address, so it reaches the right server), `@handle.bsky.social` (Bluesky: the
handle is a domain). LinkedIn and Facebook link a mention only through an id their APIs
ask for (a member or organization URN, a page id) that a post's author handle does not
give, so there the credit is the creator's name, written out. On another network than
the creator's, an `@` would point at whoever holds that name there: the credit names the
creator and their network instead ("jane (Instagram)").
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from orchestre.models.ugc import UgcItem, UgcStatus
from orchestre.posts.validation import UgcUse
from orchestre.ugc import repository as repo

NAMED_ONLY = frozenset({"linkedin", "facebook"})
LABELS = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "sandbox": "Sandbox",
}
CREDIT_WORD = {"en": "Credit:", "fr": "Crédit :"}


@dataclass(frozen=True)
class Credit:
    """What credits the creator on one network: `mention` must stay in the variant."""

    mention: str
    line: str


def _bare(handle: str) -> str:
    return handle.strip().lstrip("@").strip()


def mention_for(network: str, handle: str, name: str = "", author_url: str | None = None) -> str:
    """How the creator is named on their own network (see the module docstring)."""
    bare = _bare(handle)
    if network in NAMED_ONLY or not bare:
        return name.strip() or bare
    if network == "mastodon":
        if "@" in bare:
            return f"@{bare}"
        host = urlsplit(author_url).hostname if author_url else None
        return f"@{bare}@{host}" if host else f"@{bare}"
    if network == "bluesky" and "." not in bare:
        return f"@{bare}.bsky.social"
    return f"@{bare}"


def credit_for(item: UgcItem, network: str, language: str = "en") -> Credit:
    """The credit line of `item` in a variant for `network`, in the post's language."""
    word = CREDIT_WORD.get(language, CREDIT_WORD["en"])
    if network == item.network:
        who = mention_for(network, item.author_handle, item.author_name, item.author_url)
    else:
        label = LABELS.get(item.network, item.network.capitalize())
        who = f"{_bare(item.author_handle) or item.author_name.strip()} ({label})"
    return Credit(mention=who, line=f"{word} {who}")


def is_credited(text: str, credit: Credit) -> bool:
    """Whether a variant's text (or first comment) still names the creator."""
    return credit.mention.casefold() in text.casefold()


def granted(item: UgcItem) -> bool:
    return item.status == UgcStatus.GRANTED.value


def uses_of_posts(
    session: Session, workspace_id: uuid.UUID, post_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[UgcItem]]:
    """The UGC items each of these posts was made from (posts' findings read them)."""
    found: dict[uuid.UUID, list[UgcItem]] = {}
    for post_id, item, _request in repo.links_of_posts(session, workspace_id, post_ids):
        found.setdefault(post_id, []).append(item)
    return found


def uses_on(items: Sequence[UgcItem], network: str) -> tuple[UgcUse, ...]:
    """What a variant for `network` must respect of each item: the rights, the credit."""
    return tuple(
        UgcUse(
            creator=_bare(item.author_handle) or item.author_name,
            granted=granted(item),
            mention=credit_for(item, network).mention,
        )
        for item in items
    )
