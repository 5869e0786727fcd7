"""The offline assistant's writing: templates in French and English, what it extracts from
a brief, and what it borrows from the workspace's own best posts. No model: the same brief
always gives the same draft, and every draft is repaired until it passes the editorial
line and the network's rules (`writing_rules`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from orchestre.assistant.writing_rules import (
    Target,
    findings,
    tidy,
    with_required_tags,
    without_banned,
)
from orchestre.connectors.rules import NETWORKS
from orchestre.connectors.rules.text import YOUTUBE_TITLE_LIMIT
from orchestre.connectors.rules.twitter_text import extract_hashtags
from orchestre.posts import adapt
from orchestre.posts.validation import EditorialRules

TONES = ("friendly", "professional", "playful", "inspiring", "informative")
THREAD_NETWORKS = frozenset({"x", "bluesky", "mastodon", "threads"})
FIRST_COMMENT_NETWORKS = frozenset({"instagram", "facebook", "linkedin"})
MAX_SUGGESTED_TAGS = 3

# Opening lines by tone; {topic} is the brief's first sentence. French puts a narrow
# no-break space before ! ? ; and a no-break space before :.
HOOKS: dict[str, dict[str, str]] = {
    "en": {
        "friendly": "Good news: {topic}!",
        "professional": "{topic}.",
        "playful": "Guess what? {topic} 🎉",
        "inspiring": "Every great story starts somewhere: {topic}.",
        "informative": "Did you know? {topic}.",
    },
    "fr": {
        "friendly": "Bonne nouvelle\u00a0: {topic}\u202f!",
        "professional": "{topic}.",
        "playful": "Devinez quoi\u202f? {topic} 🎉",
        "inspiring": "Chaque belle histoire commence quelque part\u00a0: {topic}.",
        "informative": "Le saviez-vous\u202f? {topic}.",
    },
}
# A second line by tone, so a one-line brief still reads as a post.
FOLLOW_UPS: dict[str, dict[str, str]] = {
    "en": {
        "friendly": "We can't wait to share it with you.",
        "professional": "Here is what it means for you.",
        "playful": "You're going to love this one.",
        "inspiring": "This is only the beginning, and we're glad you're part of it.",
        "informative": "Here is what you need to know.",
    },
    "fr": {
        "friendly": "Nous avons hâte de vous le faire découvrir.",
        "professional": "Voici ce que cela change pour vous.",
        "playful": "Vous allez adorer.",
        "inspiring": "Ce n’est que le début, et nous sommes heureux de le vivre avec vous.",
        "informative": "Voici ce qu’il faut savoir.",
    },
}
DEFAULT_CTA = {
    "en": "Tell us what you think in the comments.",
    "fr": "Dites-nous ce que vous en pensez en commentaire.",
}
ALT_KIND = {
    "en": {"image": "Photo", "gif": "Animated image", "video": "Video"},
    "fr": {"image": "Photo", "gif": "Image animée", "video": "Vidéo"},
}
ALT_SHAPE = {
    "en": {"landscape": "landscape", "portrait": "portrait", "square": "square"},
    "fr": {"landscape": "au format paysage", "portrait": "au format portrait", "square": "carrée"},
}
ALT_ABOUT = {"en": "{kind} ({shape}): {about}", "fr": "{kind} {shape}\u00a0: {about}"}
SHORTS_TAG = "#Shorts"

_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}", re.UNICODE)
STOPWORDS = frozenset(
    """about after again also avec avoir been before being cela cette comme dans depuis
    donc elle elles from have here just leur leurs mais more nous notre nos only other
    our ours pour plus quand sans some such than that their them then there these they
    this those tous tout toute toutes very vous votre vos what when where which while
    will with would your yours être était sont sera leurs chez entre encore""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Brief:
    topic: str
    language: str
    tone: str = "friendly"
    call_to_action: str = ""
    pillar: str = ""


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def _headline(sentence: str) -> str:
    """A sentence as it sits inside a template: without its final stop, first letter kept."""
    return sentence.rstrip(" .!?…\u202f\u00a0")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _finished(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if not sentence or sentence[-1] in ".!?…" else sentence + "."


def keywords(text: str, limit: int = 2) -> list[str]:
    """The brief's most telling words (longest first among the most repeated), for tags."""
    words = [w.strip("'’-") for w in _WORD.findall(text)]
    words = [w for w in words if w.casefold() not in STOPWORDS and len(w) >= 4]
    counts = Counter(w.casefold() for w in words)
    first: dict[str, str] = {}
    for word in words:
        first.setdefault(word.casefold(), word)
    ranked = sorted(counts, key=lambda w: (-counts[w], -len(w), w))
    return [first[w] for w in ranked[:limit]]


def as_hashtag(word: str) -> str:
    parts = re.split(r"[\s'’-]+", word.strip().lstrip("#"))
    return "#" + "".join(p[:1].upper() + p[1:] for p in parts if p)


def example_hashtags(examples: Sequence[str], limit: int = MAX_SUGGESTED_TAGS) -> list[str]:
    """The hashtags the workspace's best posts use most (style retrieval)."""
    counts: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for text in examples:
        for tag in extract_hashtags(text):
            counts[tag.text.casefold()] += 1
            spelled.setdefault(tag.text.casefold(), "#" + tag.text)
    return [spelled[t] for t, _ in counts.most_common(limit)]


def caption(brief: Brief, rules: EditorialRules, examples: Sequence[str] = ()) -> str:
    """A caption from the brief's own words, in its language and tone (see module)."""
    language = brief.language if brief.language in HOOKS else "en"
    tone = brief.tone if brief.tone in TONES else "friendly"
    found = sentences(without_banned(brief.topic, rules)) or [brief.pillar or "…"]
    hook = _capitalised(HOOKS[language][tone].format(topic=_headline(found[0])))
    body = [_finished(_capitalised(s)) for s in found[1:]] or [FOLLOW_UPS[language][tone]]
    cta = _finished(brief.call_to_action.strip()) or DEFAULT_CTA[language]
    tags: list[str] = []
    for tag in example_hashtags(examples) + [as_hashtag(w) for w in keywords(brief.topic)]:
        if tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    text = "\n\n".join([hook, " ".join(body), cta, " ".join(tags[:MAX_SUGGESTED_TAGS])])
    return fit(text, rules)


def fit(text: str, rules: EditorialRules) -> str:
    """The text without banned words and with the required tags."""
    return with_required_tags(without_banned(tidy(text), rules), rules)


# --- one post adapted to a network ----------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    text: str
    thread: tuple[str, ...] = ()
    first_comment: str = ""
    title: str = ""

    @property
    def parts(self) -> list[str]:
        return [self.text, *self.thread]


def _fits(text: str, target: Target) -> bool:
    return not findings(text, EditorialRules(), target)


def adapt_to(text: str, target: Target, rules: EditorialRules) -> Variant:
    """One text made right for a network: hashtags where the network wants them, a thread
    or a shorter text when it is too long, the editorial line's tags kept."""
    network = target.network
    options = dict(target.options or {})
    text = fit(text, rules)
    title = ""
    if network == "youtube":
        title = video_title(text, rules)
        options["title"] = title
        text = f"{text.rstrip()} {SHORTS_TAG}" if SHORTS_TAG.lower() not in text.lower() else text
        target = Target(network, options)
    if network in ("instagram", "tiktok", "linkedin"):
        text = adapt.move_hashtags(text, to="end").text
    if network == "instagram":
        text = adapt.trim_hashtags(text, adapt.HASHTAG_LIMITS["instagram"])
        text = with_required_tags(text, rules)
    if network not in NETWORKS or _fits(text, target):
        return Variant(text, title=title)
    if network in THREAD_NETWORKS:
        parts = adapt.split_thread(text, network, options)
        return Variant(parts[0], tuple(parts[1:]), title=title)
    return _shortened(text, target, rules, title)


def _shortened(text: str, target: Target, rules: EditorialRules, title: str) -> Variant:
    """Too long for a network without threads: the required tags kept (in the first comment
    where the network has one), the rest shortened around them."""
    network, options = target.network, dict(target.options or {})
    bare = without_required(text, rules)
    missing = " ".join(
        ["#" + t.lstrip("#") for t in rules.required_hashtags]
        + ["@" + m.lstrip("@") for m in rules.required_mentions]
    )
    if network in FIRST_COMMENT_NETWORKS:
        return Variant(adapt.shorten(bare, network, options), first_comment=missing, title=title)
    room = adapt.fitter(network, options)
    words = bare.split(" ")
    for keep in range(len(words), 0, -1):
        candidate = adapt.shorten(" ".join(words[:keep]), network, options)
        joined = f"{candidate}\n\n{missing}" if missing else candidate
        if room(joined):
            return Variant(joined, title=title)
    return Variant(adapt.shorten(bare, network, options), title=title)


def without_required(text: str, rules: EditorialRules) -> str:
    out = text
    for tag in [*rules.required_hashtags, *rules.required_mentions]:
        bare = tag.lstrip("#@")
        out = re.sub(r"[#@]" + re.escape(bare) + r"(?!\w)", "", out, flags=re.IGNORECASE)
    return tidy(out)


# --- alt text and short videos --------------------------------------------------------------


def alt_text(
    kind: str, width: int | None, height: int | None, post_text: str, language: str
) -> str:
    """What the image is for, from its facts and the post it illustrates."""
    language = language if language in ALT_KIND else "en"
    shape = "square"
    if width and height:
        shape = (
            "landscape" if width > height * 1.1 else "portrait" if height > width * 1.1 else shape
        )
    bare = re.sub(r"[#@][\w.\-]+|https?://\S+", "", post_text)
    # The most telling of the first sentences (a hook such as "Guess what?" says little).
    found = sorted(sentences(bare)[:3], key=lambda s: -len(s.split()))
    about = _headline(found[0]) if found else ""
    if not about:
        about = {"en": "illustration of the post", "fr": "illustration de la publication"}[language]
    text = ALT_ABOUT[language].format(
        kind=ALT_KIND[language].get(kind, ALT_KIND[language]["image"]),
        shape=ALT_SHAPE[language][shape],
        about=about,
    )
    return adapt.shorten(text, "sandbox", limit=1000) if len(text) > 1000 else text


def video_title(text: str, rules: EditorialRules) -> str:
    """A title of at most 100 characters, from the text's first sentence, no < or >."""
    bare = without_banned(re.sub(r"[#@][\w.\-]+|https?://\S+|[<>]", "", text), rules)
    found = sentences(bare)
    title = _headline(found[0]) if found else "Video"
    if len(title) > YOUTUBE_TITLE_LIMIT:
        title = adapt.shorten(title, "sandbox", limit=YOUTUBE_TITLE_LIMIT)
    return title.strip() or "Video"


def video_description(text: str, rules: EditorialRules) -> str:
    described = fit(re.sub(r"[<>]", "", text), rules)
    if SHORTS_TAG.lower() not in described.lower():
        described = f"{described.rstrip()} {SHORTS_TAG}"
    return described
