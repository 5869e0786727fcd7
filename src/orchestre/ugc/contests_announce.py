"""Announcing a contest's winners: a draft post that credits each winner, in French or
English, one variant per chosen channel. It goes through the posts service like any draft,
so review and scheduling apply; nothing is published from here."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.channels import service as channels
from orchestre.connectors.rules import poll as poll_rules
from orchestre.errors import Conflict, FieldError, Invalid
from orchestre.kit.clock import utcnow
from orchestre.models.ugc_contests import Contest, ContestEntry
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, VariantCreate
from orchestre.posts.service import PostView
from orchestre.ugc.contests import get_contest, list_entries, winners
from orchestre.workspaces.permissions import Actor, Permission

LANGUAGES = ("en", "fr")
TEMPLATES = {
    "en": {
        "one": "🏆 The winner of {title} is {names}! Thank you to everyone who took part.",
        "many": "🏆 The winners of {title}: {names}. Thank you to everyone who took part!",
        "on": "{name} on {network}",
    },
    "fr": {
        "one": "🏆 {names} remporte {title} ! Merci à toutes et à tous pour votre participation.",
        "many": "🏆 Les gagnants de {title} : {names}. Merci à toutes et à tous pour votre "
        "participation !",
        "on": "{name} sur {network}",
    },
}
NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon", "instagram": "Instagram"}


def handle_of(entry: ContestEntry) -> str:
    """The author as the network writes a mention: @handle (Mastodon keeps @user@instance)."""
    handle = entry.author_handle.strip()
    if not handle:
        return ""
    return handle if handle.startswith("@") else "@" + handle


def credit(entry: ContestEntry, network: str, language: str) -> str:
    """How a winner is named on `network`: a mention there, else their name and network."""
    handle = handle_of(entry)
    if entry.source == "public" or not handle:
        return entry.author_name.strip() or handle or "?"
    if entry.network == network:
        return handle
    where = NETWORK_NAMES.get(entry.network, entry.network.capitalize())
    return TEMPLATES[language]["on"].format(name=handle, network=where)


def announcement_text(
    contest: Contest, chosen: list[ContestEntry], network: str, language: str
) -> str:
    names = [credit(entry, network, language) for entry in chosen]
    if len(names) == 1:
        return TEMPLATES[language]["one"].format(title=contest.title, names=names[0])
    listed = ", ".join(f"{i}. {name}" for i, name in enumerate(names, start=1))
    text = TEMPLATES[language]["many"].format(title=contest.title, names=listed)
    return f"{text} {contest.hashtag}".strip() if contest.hashtag else text


def announce_winners(
    session: Session,
    actor: Actor,
    contest_id: uuid.UUID,
    channel_ids: list[uuid.UUID],
    language: str,
) -> PostView:
    """A draft post crediting the winners on each channel; the contest becomes announced."""
    actor.require(Permission.UGC_MANAGE)
    contest = get_contest(session, actor, contest_id)
    if language not in LANGUAGES:
        raise Invalid("Unknown language.", errors=[FieldError("language", "enum", "en or fr.")])
    if contest.status == "announced":
        raise Conflict("The winners were already announced.", code="contest_announced")
    chosen = winners(session, actor, contest_id)
    if not chosen:
        raise Conflict("Choose the winners before announcing them.", code="no_winners")
    networks = {cid: channels.get_channel(session, actor, cid).network for cid in channel_ids}
    base = announcement_text(contest, chosen, "", language)
    variants = [
        VariantCreate(channel_id=cid, text=announcement_text(contest, chosen, net, language))
        for cid, net in networks.items()
    ]
    view = posts.create_post(
        session,
        actor,
        PostCreate(
            title=contest.title[:200],
            base_text=base,
            channel_ids=list(channel_ids),
            variants=variants,
            tags=["contest"],
        ),
    )
    contest.status = "announced"
    contest.announced_at = utcnow()
    contest.announcement_post_id = view.post.id
    session.flush()
    record(
        session,
        actor,
        "contest.announced",
        "contest",
        contest.id,
        after={"post_id": str(view.post.id), "winners": [str(e.id) for e in chosen]},
    )
    return view


POLL_TEXT = {
    "en": "🗳️ {title}: which entry should win? Vote in the poll!",
    "fr": "🗳️ {title} : quelle participation doit gagner ? Votez dans le sondage !",
}
POLL_MAX_CHOICES = 4  # the most X and Mastodon take
POLL_MINUTES = 1440


def poll_choices(chosen: list[ContestEntry], width: int) -> list[str]:
    """Each entry as a poll choice: its author as the network knows them (their handle; a
    public page's entrant by name), cut to `width`, distinct."""
    found: list[str] = []
    for entry in chosen:
        handle = handle_of(entry) if entry.source != "public" else ""
        name = handle or entry.author_name.strip() or "?"
        choice = name if len(name) <= width else name[: width - 1].rstrip() + "…"
        number = 2
        while choice.casefold() in {c.casefold() for c in found}:
            suffix = f" ({number})"
            choice = name[: width - len(suffix)].rstrip() + suffix
            number += 1
        found.append(choice)
    return found


def community_vote(
    session: Session,
    actor: Actor,
    contest_id: uuid.UUID,
    channel_ids: list[uuid.UUID],
    language: str,
    duration_minutes: int = POLL_MINUTES,
) -> PostView:
    """A draft post whose poll lets the community vote among the shortlist (its first four
    by the team's votes), on channels whose network has polls. Like any draft, it goes
    through review and scheduling; nothing is published from here."""
    actor.require(Permission.UGC_MANAGE)
    contest = get_contest(session, actor, contest_id)
    if language not in LANGUAGES:
        raise Invalid("Unknown language.", errors=[FieldError("language", "enum", "en or fr.")])
    if not channel_ids:
        raise Invalid(
            "Choose at least one channel for the poll.",
            errors=[FieldError("channel_ids", "required", "At least one channel.")],
        )
    networks = {cid: channels.get_channel(session, actor, cid).network for cid in channel_ids}
    without = sorted({net for net in networks.values() if not poll_rules.supports_polls(net)})
    if without:
        raise Invalid(
            "A poll can only go on a channel whose network has polls (X, Mastodon).",
            errors=[FieldError("channel_ids", "poll.unsupported", ", ".join(without))],
        )
    shortlist = list_entries(session, actor, contest_id, shortlisted=True, ranked=True)
    chosen = [view.entry for view in shortlist[:POLL_MAX_CHOICES]]
    if len(chosen) < 2:
        raise Conflict(
            "Shortlist at least two entries to put them to a vote.", code="shortlist_too_short"
        )
    width = min(poll_rules.RULES[net].max_option_characters for net in networks.values())
    poll = {"options": poll_choices(chosen, width), "duration_minutes": duration_minutes}
    text = POLL_TEXT[language].format(title=contest.title)
    if contest.hashtag:
        text = f"{text} {contest.hashtag}"
    view = posts.create_post(
        session,
        actor,
        PostCreate(
            title=contest.title[:200],
            base_text=text,
            channel_ids=list(channel_ids),
            variants=[VariantCreate(channel_id=cid, options={"poll": poll}) for cid in networks],
            tags=["contest", "poll"],
        ),
    )
    record(
        session,
        actor,
        "contest.poll_drafted",
        "contest",
        contest.id,
        after={"post_id": str(view.post.id), "entries": [str(e.id) for e in chosen]},
    )
    return view
