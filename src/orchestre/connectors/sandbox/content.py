"""What the sandbox's simulated audience writes: short French and English texts by kind.

Written for this project (no dataset): enough variety that the inbox, moderation and
analytics have praise, questions, complaints, spam and toxic messages to work on.
"""

from __future__ import annotations

import random
from typing import Literal

Tone = Literal["praise", "question", "complaint", "spam", "toxic", "neutral"]
Language = Literal["fr", "en"]

# Relative weights of each tone among comments; most people are kind or curious.
TONE_WEIGHTS: dict[Tone, int] = {
    "praise": 34,
    "question": 24,
    "complaint": 14,
    "neutral": 10,
    "spam": 11,
    "toxic": 7,
}

COMMENTS: dict[Language, dict[Tone, tuple[str, ...]]] = {
    "fr": {
        "praise": (
            "Magnifique, bravo à toute l'équipe !",
            "J'adore, c'est exactement ce que je cherchais.",
            "Toujours aussi beau, merci pour le partage.",
            "Superbe travail, ça donne envie.",
            "Coup de cœur immédiat 😍",
            "Très réussi, la lumière est parfaite.",
            "Enfin une marque qui soigne les détails. Merci !",
            "Commandé la semaine dernière, reçu hier : parfait.",
        ),
        "question": (
            "C'est disponible en boutique à Lyon ?",
            "Quel est le prix exactement ?",
            "Vous livrez en Belgique ?",
            "Il existe une autre couleur ?",
            "Quand est-ce que ça revient en stock ?",
            "Est-ce que c'est compatible avec l'ancien modèle ?",
            "Comment fait-on pour retourner un article ?",
            "Vous avez un code promo pour les étudiants ?",
        ),
        "complaint": (
            "Toujours pas reçu ma commande après trois semaines…",
            "Le service client ne répond pas, c'est décevant.",
            "Produit arrivé cassé, et personne pour m'aider.",
            "Trop cher pour la qualité, franchement.",
            "Ma commande a été débitée deux fois !",
            "Le site plante au moment de payer, impossible de commander.",
        ),
        "neutral": (
            "Intéressant.",
            "Je regarde ça ce week-end.",
            "@camille regarde ça",
            "Vu en vitrine hier.",
        ),
        "spam": (
            "Gagnez 500 € par jour depuis chez vous, lien dans ma bio !!!",
            "Abonnez-vous à mon compte pour des cadeaux gratuits 🎁🎁🎁",
            "Crypto garantie x10, écrivez-moi en privé",
            "Promo folle sur les montres de luxe -90% ➡️ bit.ly/xxxx",
        ),
        "toxic": (
            "Nul. Vraiment nul. Arrêtez de polluer mon fil.",
            "Quelle bande d'incapables, vous devriez avoir honte.",
            "Personne n'en a rien à faire de vos pubs, dégagez.",
            "C'est d'une bêtise affligeante, comme votre équipe.",
        ),
    },
    "en": {
        "praise": (
            "Absolutely gorgeous, well done!",
            "Love this so much 😍",
            "This is exactly what I needed, thank you.",
            "Beautiful work as always.",
            "Bought one last month and it's perfect.",
            "The colours on this are stunning.",
            "Best customer service I've had in years, thanks!",
            "Can't wait to get mine 🙌",
        ),
        "question": (
            "Do you ship to Canada?",
            "How much is it?",
            "Is this available in a larger size?",
            "When will it be back in stock?",
            "Does it come with a warranty?",
            "Where can I see it in person?",
            "Is there a discount for first orders?",
            "What material is it made of?",
        ),
        "complaint": (
            "Still waiting for my refund, two weeks now.",
            "Customer service never answers my emails.",
            "Mine arrived damaged. Very disappointed.",
            "The quality went down a lot compared to last year.",
            "I was charged twice for the same order!",
            "Your checkout page keeps failing on mobile.",
        ),
        "neutral": (
            "Interesting.",
            "Saving this for later.",
            "@sam look at this",
            "Saw it in the shop window yesterday.",
        ),
        "spam": (
            "Earn $500 a day from home, link in bio!!!",
            "Follow me for free giveaways 🎁🎁🎁",
            "Guaranteed 10x crypto returns, DM me now",
            "Luxury watches 90% off ➡️ bit.ly/xxxx",
        ),
        "toxic": (
            "This is garbage. Stop spamming my feed.",
            "What a bunch of clowns, shame on you.",
            "Nobody cares about your ads, get lost.",
            "Pathetic brand, pathetic people.",
        ),
    },
}

MENTIONS: dict[Language, dict[Tone, tuple[str, ...]]] = {
    "fr": {
        "praise": (
            "Merci {handle} pour ce service impeccable, je recommande !",
            "Découvert {handle} grâce à une amie, je suis fan.",
        ),
        "question": (
            "{handle} vous ouvrez le dimanche ?",
            "Quelqu'un a déjà commandé chez {handle} ? Avis ?",
        ),
        "complaint": (
            "{handle} trois semaines sans nouvelles de ma commande, vous faites quoi ?",
            "Très déçue par {handle}, plus jamais.",
        ),
        "neutral": ("Vu la nouvelle collection de {handle} ce matin.",),
        "spam": ("{handle} collab ? Je booste ton compte, 1000 abonnés pour 5 € !",),
        "toxic": ("{handle} vous êtes une honte, bande d'escrocs.",),
    },
    "en": {
        "praise": (
            "Shoutout to {handle} for the fastest delivery ever!",
            "Just discovered {handle} and I'm hooked.",
        ),
        "question": (
            "{handle} are you open on Sundays?",
            "Has anyone tried {handle}? Worth it?",
        ),
        "complaint": (
            "{handle} three weeks and no update on my order, what's going on?",
            "Really let down by {handle}, never again.",
        ),
        "neutral": ("Saw the new {handle} collection this morning.",),
        "spam": ("{handle} collab? I'll grow your account, 1000 followers for $5!",),
        "toxic": ("{handle} you are a disgrace, bunch of crooks.",),
    },
}

MESSAGES: dict[Language, tuple[str, ...]] = {
    "fr": (
        "Bonjour, ma commande n° {n} n'est toujours pas arrivée, pouvez-vous vérifier ?",
        "Bonjour ! Je suis créatrice de contenu, une collaboration vous intéresserait ?",
        "Est-il possible de modifier l'adresse de livraison de ma commande ?",
        "Merci pour votre réponse rapide hier, tout est réglé.",
        "Bonjour, je souhaite me faire rembourser l'article {n}.",
    ),
    "en": (
        "Hi, my order #{n} hasn't arrived yet, could you check?",
        "Hello! I'm a content creator, would you be open to a collaboration?",
        "Can I still change the delivery address on my order?",
        "Thanks for the quick answer yesterday, all sorted.",
        "Hi, I'd like a refund for item {n}.",
    ),
}

# (handle, display name, preferred language)
AUTHORS: tuple[tuple[str, str, Language], ...] = (
    ("camille.dubois", "Camille Dubois", "fr"),
    ("lucas_martin", "Lucas Martin", "fr"),
    ("ines.b", "Inès Benali", "fr"),
    ("hugo.l", "Hugo Lefèvre", "fr"),
    ("manon_petit", "Manon Petit", "fr"),
    ("theo.roux", "Théo Roux", "fr"),
    ("chloe.g", "Chloé Garnier", "fr"),
    ("nathan_fr", "Nathan Moreau", "fr"),
    ("sam.taylor", "Sam Taylor", "en"),
    ("jordan.lee", "Jordan Lee", "en"),
    ("priya_k", "Priya Kapoor", "en"),
    ("ben.walker", "Ben Walker", "en"),
    ("emma_j", "Emma Johnson", "en"),
    ("olivia.chen", "Olivia Chen", "en"),
    ("noah_b", "Noah Brown", "en"),
    ("ava.m", "Ava Miller", "en"),
)
SPAM_AUTHORS: tuple[tuple[str, str, Language], ...] = (
    ("gains_faciles_2030", "Gains Faciles", "fr"),
    ("free.giveaway.now", "FREE GIVEAWAY", "en"),
    ("crypto_boost_x10", "Crypto Boost", "en"),
)

EMOJI_TAILS = ("", "", "", " 👏", " !", " 🙏", " 🔥", " ✨")


def pick_tone(rng: random.Random) -> Tone:
    tones = list(TONE_WEIGHTS)
    return rng.choices(tones, weights=[TONE_WEIGHTS[t] for t in tones])[0]


def pick_author(rng: random.Random, tone: Tone) -> tuple[str, str, Language]:
    pool = SPAM_AUTHORS if tone == "spam" else AUTHORS
    return rng.choice(pool)


def comment_text(rng: random.Random, tone: Tone, language: Language) -> str:
    text = rng.choice(COMMENTS[language][tone])
    if tone in ("praise", "question", "neutral"):
        text += rng.choice(EMOJI_TAILS)
    return text


def mention_text(rng: random.Random, tone: Tone, language: Language, handle: str) -> str:
    return rng.choice(MENTIONS[language][tone]).format(handle=f"@{handle}")


def message_text(rng: random.Random, language: Language) -> str:
    return rng.choice(MESSAGES[language]).format(n=rng.randint(10000, 99999))
