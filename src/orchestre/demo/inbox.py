"""The demo inbox: a morning's comments, mentions and messages in French and English.

Each one is said on the sandbox network first (so hiding it or answering it from the
inbox really happens there), then taken in through the ingest service, as a poll would:
classified when the classifiers are installed, threaded, passed through the moderation
rules, with first-response timers running. A few are already worked: one assigned with a
note for a colleague, one answered. Saved replies in both languages and response targets
come with it, so every part of the inbox page has something to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.connectors.sandbox.connector import shared_network
from orchestre.connectors.sandbox.inbound import say
from orchestre.demo import content as c
from orchestre.demo.story import Cast
from orchestre.inbox import ingest, replies, service, targets
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, InboxMessage

COMMENT = InteractionKind.COMMENT
MENTION = InteractionKind.MENTION
MESSAGE = InteractionKind.MESSAGE


@dataclass(frozen=True)
class Said:
    channel: str  # a key of content.CHANNELS
    kind: InteractionKind
    author: str
    name: str
    text: str
    minutes_ago: int
    language: str


SAID = (
    Said(c.PHOTO, COMMENT, "ines.moreau", "Inès Moreau",
         "Bonjour ! Vous faites des galettes sans frangipane ? Ma fille est allergique "
         "aux amandes.", 95, "fr"),
    Said(c.PHOTO, COMMENT, "paulo_b", "Paulo Barros",
         "Meilleur pain au levain du quartier, et de loin 😍", 80, "fr"),
    Said(c.PRO, COMMENT, "james.whitaker", "James Whitaker",
         "I ordered a birthday cake for Saturday and it never arrived. Order 4821. "
         "Really disappointed, nobody picks up the phone.", 70, "en"),
    Said(c.FEDI, MENTION, "marta", "Marta Nowak",
         "@lumiere@sandbox.social do you ship your sourdough starter abroad? I'm in Kraków.",
         55, "en"),
    Said(c.PHOTO, MESSAGE, "agence.horizon", "Agence Horizon",
         "Bonjour, nous souhaiterions commander 40 viennoiseries pour un séminaire vendredi "
         "à 8 h. Est-ce possible, et à quel tarif ?", 40, "fr"),
    Said(c.PHOTO, COMMENT, "rageur75", "rageur75",
         "Boulangerie de bobos, vos prix sont une arnaque, bande de voleurs.", 30, "fr"),
    Said(c.FEDI, COMMENT, "promo4you", "Promo 4 You",
         "Buy 1000 real followers now!!! cheap-followers.example 🔥🔥", 20, "en"),
    Said(c.PRO, COMMENT, "claire.dupuis", "Claire Dupuis",
         "Vous êtes ouverts le 1er mai ? On voudrait passer avec les enfants.", 15, "fr"),
)  # fmt: skip

SAVED_REPLIES = (
    replies.SavedReplyInput(
        "Suivi de commande",
        "fr",
        "Bonjour {first_name}, merci pour votre message. Votre commande {order_id} est "
        "entre nos mains : nous revenons vers vous avant midi. {agent_first_name}",
    ),
    replies.SavedReplyInput(
        "Order follow-up",
        "en",
        "Hi {first_name}, thank you for writing. Your order {order_id} is with us and we "
        "will get back to you before noon. {agent_first_name}",
    ),
    replies.SavedReplyInput(
        "Horaires", "fr", "Bonjour {first_name} ! Nous sommes ouverts tous les jours de 7 h à 19 h."
    ),
    replies.SavedReplyInput(
        "Opening hours", "en", "Hi {first_name}! We are open every day from 7am to 7pm."
    ),
    replies.SavedReplyInput(
        "Message d'attente",
        "fr",
        "Nous avons bien vu les messages à ce sujet et nous vérifions. Nous revenons vers "
        "vous très vite avec des informations précises.",
        holding_statement=True,
    ),
)
# First-response targets: an hour for every channel, a quarter of an hour when urgent.
TARGETS = (("normal", 60), ("high", 30), ("urgent", 15))


def fill_inbox(session: Session, cast: Cast) -> list[InboxMessage]:
    """Give the demo workspace its inbox; returns the messages taken in."""
    manager = cast.by_role["social_media_manager"]
    for saved in SAVED_REPLIES:
        replies.create_saved_reply(session, manager, saved)
    for priority, minutes in TARGETS:
        targets.set_target(session, manager, None, priority, minutes)
    now = utcnow()
    taken: list[InboxMessage] = []
    for said in SAID:
        channel = session.get(Channel, cast.channels[said.channel])
        assert channel is not None
        item = _say(channel, said, now)
        taken += ingest.ingest(session, channel, [item], source="poll", now=now)
    _work(session, cast, taken)
    return taken


def _say(channel: Channel, said: Said, now: datetime) -> Interaction:
    network = shared_network()
    network.account(channel.external_id, channel.handle, channel.display_name)
    posts = network.list_posts(channel.external_id, now - timedelta(days=30)).posts
    return say(
        network,
        channel.external_id,
        said.text,
        kind=said.kind,
        post_id=posts[0].external_id if posts and said.kind == COMMENT else None,
        author=said.author,
        author_name=said.name,
        language=said.language,
        at=now - timedelta(minutes=said.minutes_ago),
    )


def _work(session: Session, cast: Cast, taken: list[InboxMessage]) -> None:
    """What the team already did this morning: the complaint is Sam's, with a note; the
    question about opening days is answered."""
    manager = cast.by_role["social_media_manager"]
    community = cast.by_role["community_manager"]
    by_text = {m.text[:20]: m for m in taken}
    complaint = by_text.get(SAID[2].text[:20])
    if complaint is not None:
        service.assign(session, manager, complaint.conversation_id, community.user_id)
        service.add_note(
            session,
            manager,
            complaint.conversation_id,
            f"@{c.ACCOUNTS[4][0]} can you check order 4821 with the shop? "
            "He sounds upset: answer before noon.",
        )
    opening = by_text.get(SAID[7].text[:20])
    if opening is not None:
        service.reply(
            session,
            community,
            opening.conversation_id,
            "Bonjour Claire ! Oui, nous sommes ouverts le 1er mai de 7 h à 13 h. À bientôt 🥐",
        )
