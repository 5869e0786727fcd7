"""Writing: a caption from a brief, one post adapted to each network, hashtag suggestions,
alt text for an image, a title and description for a short video.

Each feature builds its prompt, reads the model's answer, checks it against the editorial
line and the network's rules (`writing_rules`), and has an offline answer
(`writing_offline`) that needs no model. An answer that breaks a rule is never shown: the
gateway asks once more, then falls back to the offline draft, which is itself repaired
until it passes. Every result is a draft a person edits and saves as usual.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from orchestre.assistant import repository, writing_offline
from orchestre.assistant.gateway import Drafted, Message, draft
from orchestre.assistant.writing_rules import LANGUAGES, Target, problem, without_banned
from orchestre.connectors.rules.text import YOUTUBE_TITLE_LIMIT
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.posts import editorial
from orchestre.posts.validation import EditorialRules, instance_options
from orchestre.workspaces.permissions import Actor, Permission

LANGUAGE_NAMES = {"fr": "French", "en": "English"}
TOPIC_MAX = 2000
TEXT_MAX = 10_000
HASHTAGS_MAX = 10
TREND_DAYS = 7
ALT_MAX = 1000
IMAGE_BYTES_MAX = 4 * 1024 * 1024
_HASHTAG = re.compile(r"^#[^\W_][\w]{0,99}$")


@dataclass(frozen=True)
class CaptionBrief:
    topic: str
    language: str = "en"
    tone: str = "friendly"
    call_to_action: str = ""
    pillar_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AdaptedVariant:
    channel_id: uuid.UUID
    network: str
    text: str
    thread: list[str] = field(default_factory=list)
    first_comment: str = ""
    title: str = ""


@dataclass(frozen=True)
class HashtagSuggestion:
    tag: str
    why: str  # "required", "history", "trend" or "text"


@dataclass(frozen=True)
class VideoText:
    title: str
    description: str


def _rules(session: Session, actor: Actor) -> tuple[EditorialRules, str]:
    line = editorial.get_line(session, actor)
    return EditorialRules.from_line(line), line.tone_notes or ""


def _invalid(field_name: str, rule: str, message: str) -> Invalid:
    return Invalid(message, errors=[FieldError(field_name, rule, message)])


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise _invalid("language", "choice", "The language is fr or en.")
    return language


def _line_prompt(rules: EditorialRules, tone_notes: str) -> str:
    """The editorial line, as the model must follow it."""
    lines = []
    if tone_notes.strip():
        lines.append(f"Brand voice: {tone_notes.strip()}")
    if rules.banned_words:
        lines.append("Never use these words: " + ", ".join(rules.banned_words) + ".")
    required = [f"#{t.lstrip('#')}" for t in rules.required_hashtags]
    required += [f"@{m.lstrip('@')}" for m in rules.required_mentions]
    if required:
        lines.append("Always include: " + " ".join(required) + ".")
    return "\n".join(lines)


def _plain(text: str) -> str:
    """A model's text without the wrapping some models add (quotes, code fences, labels)."""
    out = text.strip()
    fence = re.fullmatch(r"```[a-z]*\n?(.*?)\n?```", out, re.DOTALL)
    if fence:
        out = fence.group(1).strip()
    out = re.sub(r"^(caption|légende|text|texte)\s*:\s*", "", out, flags=re.IGNORECASE)
    if len(out) >= 2 and out[0] == out[-1] and out[0] in "\"'«":
        out = out[1:-1].strip()
    if not out:
        raise ValueError("the answer is empty")
    return out


def _json_object(text: str) -> dict[str, object]:
    out = text.strip()
    fence = re.fullmatch(r"```[a-z]*\n?(.*?)\n?```", out, re.DOTALL)
    if fence:
        out = fence.group(1)
    try:
        found = json.loads(out)
    except ValueError as exc:
        raise ValueError("the answer is not the JSON object asked for") from exc
    if not isinstance(found, dict):
        raise ValueError("the answer is not a JSON object")
    return found


# --- caption ---------------------------------------------------------------------------------


def caption(session: Session, actor: Actor, brief: CaptionBrief) -> Drafted[str]:
    """A caption from a brief: topic, pillar, tone, call to action, language."""
    actor.require(Permission.ASSISTANT_USE)
    language = _language(brief.language)
    if not brief.topic.strip() or len(brief.topic) > TOPIC_MAX:
        raise _invalid("topic", "length", "Say what the post is about (1 to 2,000 characters).")
    if brief.tone not in writing_offline.TONES:
        raise _invalid("tone", "choice", "The tone is one of " + ", ".join(writing_offline.TONES))
    pillar_name, pillar_about = "", ""
    if brief.pillar_id is not None:
        pillar = repository.pillar(session, actor.workspace_id, brief.pillar_id)
        if pillar is None:
            raise NotFound("No such content pillar.")
        pillar_name, pillar_about = pillar.name, pillar.description
    rules, tone_notes = _rules(session, actor)
    examples = [t for t, _ in repository.best_posts(session, actor.workspace_id, brief.pillar_id)]
    system = "\n".join(
        part
        for part in (
            "You write social media captions for a brand. Answer with the caption only: "
            "no title, no quotes, no explanation.",
            f"Write in {LANGUAGE_NAMES[language]}, in a {brief.tone} tone.",
            _line_prompt(rules, tone_notes),
            "At most 2,200 characters; end with up to three relevant hashtags.",
        )
        if part
    )
    user = [f"Topic: {brief.topic.strip()}"]
    if pillar_name:
        user.append(
            f"Content pillar: {pillar_name}" + (f" ({pillar_about})" if pillar_about else "")
        )
    if brief.call_to_action.strip():
        user.append(f"Call to action: {brief.call_to_action.strip()}")
    if examples:
        user.append("Our best posts, for the style (do not copy them):")
        user += [f"---\n{text[:800]}" for text in examples]
    offline_brief = writing_offline.Brief(
        brief.topic, language, brief.tone, brief.call_to_action, pillar_name
    )
    return draft(
        session,
        actor,
        feature="writing.caption",
        prompt_id="writing.caption/1",
        messages=[Message("system", system), Message("user", "\n".join(user))],
        parse=_plain,
        offline=lambda: writing_offline.caption(offline_brief, rules, examples),
        check=lambda text: problem([text], rules, language=language, target=Target("instagram")),
        max_tokens=700,
    )


# --- adapting to networks --------------------------------------------------------------------


def adapt(
    session: Session,
    actor: Actor,
    text: str,
    channel_ids: Sequence[uuid.UUID],
    language: str | None = None,
) -> list[Drafted[AdaptedVariant]]:
    """The text adapted to each channel's network, each within its rules and the line."""
    actor.require(Permission.ASSISTANT_USE)
    if not text.strip() or len(text) > TEXT_MAX:
        raise _invalid("text", "length", "Write the text to adapt first (1 to 10,000 characters).")
    if language is not None:
        _language(language)
    found = repository.channels(session, actor.workspace_id, list(dict.fromkeys(channel_ids)))
    if len(found) != len(set(channel_ids)) or not found:
        raise NotFound("No such channel.")
    rules, tone_notes = _rules(session, actor)
    return [
        _adapt_one(
            session,
            actor,
            text,
            c.id,
            c.network,
            instance_options(c.settings or {}),
            rules,
            tone_notes,
            language,
        )
        for c in found
    ]


NETWORK_STYLE = {
    "x": "short and punchy; a thread of numbered posts if it cannot fit in one",
    "bluesky": "conversational; a thread if it cannot fit in one post",
    "mastodon": "plain and friendly, hashtags in CamelCase; a thread if needed",
    "threads": "conversational; a thread if needed",
    "linkedin": "professional, short paragraphs, hashtags at the end",
    "instagram": "visual and warm, line breaks, all hashtags at the end (30 at most)",
    "facebook": "friendly, one or two short paragraphs",
    "tiktok": "short, lively, hashtags at the end",
    "youtube": "a description for a short video, with a title of at most 100 characters",
}


def _adapt_one(
    session: Session,
    actor: Actor,
    text: str,
    channel_id: uuid.UUID,
    network: str,
    options: dict[str, int],
    rules: EditorialRules,
    tone_notes: str,
    language: str | None,
) -> Drafted[AdaptedVariant]:
    target = Target(network, options)

    def offline() -> AdaptedVariant:
        made = writing_offline.adapt_to(text, target, rules)
        return AdaptedVariant(
            channel_id, network, made.text, list(made.thread), made.first_comment, made.title
        )

    def parse(answer: str) -> AdaptedVariant:
        found = _json_object(answer)
        body = found.get("text")
        thread = found.get("thread") or []
        if not isinstance(body, str) or not body.strip():
            raise ValueError("the answer has no text")
        if not isinstance(thread, list) or not all(isinstance(p, str) for p in thread):
            raise ValueError("thread must be a list of texts")
        comment = found.get("first_comment") or ""
        title = found.get("title") or ""
        return AdaptedVariant(
            channel_id,
            network,
            body.strip(),
            [str(p).strip() for p in thread if str(p).strip()],
            comment.strip() if isinstance(comment, str) else "",
            title.strip() if isinstance(title, str) else "",
        )

    def check(value: AdaptedVariant) -> str | None:
        opts: dict[str, object] = dict(options)
        if network == "youtube":
            opts["title"] = value.title
        if value.thread and network not in writing_offline.THREAD_NETWORKS:
            return f"{network} has no threads: answer with one text"
        return problem(
            [value.text, *value.thread],
            rules,
            language=language,
            target=Target(network, opts),
            first_comment=value.first_comment,
        )

    style = NETWORK_STYLE.get(network, "keep the text as it is")
    system = "\n".join(
        p
        for p in (
            f"You adapt a social media post for {network}: {style}.",
            "Keep its meaning and its language; respect the network's length limit.",
            _line_prompt(rules, tone_notes),
            'Answer with a JSON object: {"text": "...", "thread": ["second post", ...], '
            '"first_comment": "", "title": ""} (thread only for a thread, title only for '
            "YouTube).",
        )
        if p
    )
    return draft(
        session,
        actor,
        feature="writing.adapt",
        prompt_id="writing.adapt/1",
        messages=[Message("system", system), Message("user", text)],
        parse=parse,
        offline=offline,
        check=check,
        max_tokens=1200,
        json_mode=True,
    )


# --- hashtags --------------------------------------------------------------------------------


def _weighted_tags(pairs: Sequence[tuple[Sequence[str], float]]) -> dict[str, float]:
    """Each hashtag's total weight, spelled as first seen (case ignored)."""
    counts: dict[str, float] = {}
    spelled: dict[str, str] = {}
    for tags, weight in pairs:
        for tag in tags:
            key = tag.lstrip("#").casefold()
            name = spelled.setdefault(key, "#" + tag.lstrip("#"))
            counts[name] = counts.get(name, 0.0) + weight
    return counts


def hashtag_candidates(
    session: Session, actor: Actor, text: str, language: str, rules: EditorialRules
) -> list[HashtagSuggestion]:
    """Required tags first, then the workspace's tags that did best, the listening trends
    in the text's language, and the text's own words; once each, banned words left out."""
    from orchestre.connectors.rules.twitter_text import extract_hashtags

    history = _weighted_tags(
        [
            ([t.text for t in extract_hashtags(body)], 1.0 + score)
            for body, score in repository.post_texts_with_engagement(session, actor.workspace_id)
        ]
    )
    since = utcnow() - timedelta(days=TREND_DAYS)
    trends = _weighted_tags(
        [
            (tags, 1.0)
            for tags, lang in repository.mention_hashtags(session, actor.workspace_id, since)
            if lang in (None, language)
        ]
    )
    words = {w.casefold() for w in re.findall(r"\w{3,}", text)}
    found: list[HashtagSuggestion] = []
    seen: set[str] = set()
    banned = {b.casefold() for b in rules.banned_words}

    def offer(tag: str, why: str) -> None:
        key = tag.casefold()
        if key in seen or key.lstrip("#") in banned or not _HASHTAG.match(tag):
            return
        seen.add(key)
        found.append(HashtagSuggestion(tag, why))

    for tag in rules.required_hashtags:
        offer("#" + tag.lstrip("#"), "required")
    # History and trends that the text speaks about come first, then the others.
    ranked_history = sorted(history, key=lambda t: (t[1:].casefold() not in words, -history[t], t))
    ranked_trends = sorted(trends, key=lambda t: (t[1:].casefold() not in words, -trends[t], t))
    for tag in ranked_history[:4]:
        offer(tag, "history")
    for tag in ranked_trends[:3]:
        offer(tag, "trend")
    for word in writing_offline.keywords(text, limit=4):
        offer(writing_offline.as_hashtag(word), "text")
    for tag in ranked_history[4:] + ranked_trends[3:]:
        offer(tag, "history" if tag in history else "trend")
    return found[:HASHTAGS_MAX]


def hashtags(
    session: Session, actor: Actor, text: str, language: str
) -> Drafted[list[HashtagSuggestion]]:
    actor.require(Permission.ASSISTANT_USE)
    language = _language(language)
    if not text.strip() or len(text) > TEXT_MAX:
        raise _invalid("text", "length", "Write the text first (1 to 10,000 characters).")
    rules, _tone = _rules(session, actor)
    candidates = hashtag_candidates(session, actor, text, language, rules)
    why = {c.tag.casefold(): c.why for c in candidates}

    def parse(answer: str) -> list[HashtagSuggestion]:
        tags = _json_object(answer).get("hashtags")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValueError('"hashtags" must be a list of texts')
        out: list[HashtagSuggestion] = []
        for raw in tags:
            tag = "#" + raw.strip().lstrip("#")
            if tag.casefold() not in {s.tag.casefold() for s in out}:
                out.append(HashtagSuggestion(tag, why.get(tag.casefold(), "model")))
        return out

    def check(value: list[HashtagSuggestion]) -> str | None:
        if not value or len(value) > HASHTAGS_MAX:
            return "give 1 to 10 hashtags"
        bad = [s.tag for s in value if not _HASHTAG.match(s.tag)]
        if bad:
            return f"not a hashtag: {bad[0]} (one word, letters and digits)"
        return problem([" ".join(s.tag for s in value)], EditorialRules(rules.banned_words))

    system = (
        f"You suggest hashtags for a social media post written in {LANGUAGE_NAMES[language]}. "
        'Answer with a JSON object {"hashtags": ["#tag", ...]}: 3 to 10 hashtags, most relevant '
        "first, preferring the candidates (the brand's own and current trends)."
    )
    listed = ", ".join(f"{c.tag} ({c.why})" for c in candidates) or "none"
    user = f"Post:\n{text}\n\nCandidates: {listed}"
    return draft(
        session,
        actor,
        feature="writing.hashtags",
        prompt_id="writing.hashtags/1",
        messages=[
            Message("system", system + "\n" + _line_prompt(rules, "")),
            Message("user", user),
        ],
        parse=parse,
        offline=lambda: candidates or [HashtagSuggestion("#" + language.upper(), "text")],
        check=check,
        max_tokens=200,
        json_mode=True,
    )


# --- alt text and short videos ---------------------------------------------------------------


def alt_text(
    session: Session,
    actor: Actor,
    media_id: uuid.UUID,
    post_text: str,
    language: str,
    image: bytes | None = None,
) -> Drafted[str]:
    """A description of an image for people who cannot see it (`image`: its bytes, sent
    only to a model that reads images)."""
    actor.require(Permission.ASSISTANT_USE)
    language = _language(language)
    asset = repository.media(session, actor.workspace_id, media_id)
    if asset is None:
        raise NotFound("No such media.")
    rules, _tone = _rules(session, actor)
    facts = f"{asset.kind}, {asset.width or '?'}x{asset.height or '?'} px, file {asset.filename}"
    images: tuple[str, ...] = ()
    if image is not None and len(image) <= IMAGE_BYTES_MAX and asset.kind in ("image", "gif"):
        encoded = base64.b64encode(image).decode()
        images = (f"data:{asset.content_type};base64,{encoded}",)
    system = (
        f"You write alt text in {LANGUAGE_NAMES[language]} for an image in a social media post: "
        "what it shows, in one or two sentences, at most 1,000 characters, without "
        "'image of'. Answer with the alt text only."
    )
    user = f"Image: {facts}\nThe post it illustrates:\n{post_text[:2000]}"

    def check(text: str) -> str | None:
        if len(text) > ALT_MAX:
            return "at most 1,000 characters"
        return problem([text], EditorialRules(rules.banned_words), language=language)

    return draft(
        session,
        actor,
        feature="writing.alt_text",
        prompt_id="writing.alt_text/1",
        messages=[Message("system", system), Message("user", user, images=images)],
        parse=_plain,
        offline=lambda: without_banned(
            writing_offline.alt_text(asset.kind, asset.width, asset.height, post_text, language),
            rules,
        ),
        check=check,
        max_tokens=300,
    )


def video_text(session: Session, actor: Actor, text: str, language: str) -> Drafted[VideoText]:
    """A title (at most 100 characters) and a description for a short video."""
    actor.require(Permission.ASSISTANT_USE)
    language = _language(language)
    if not text.strip() or len(text) > TEXT_MAX:
        raise _invalid("text", "length", "Say what the video is about (1 to 10,000 characters).")
    rules, tone_notes = _rules(session, actor)

    def parse(answer: str) -> VideoText:
        found = _json_object(answer)
        title, description = found.get("title"), found.get("description")
        if not isinstance(title, str) or not isinstance(description, str):
            raise ValueError('the answer needs "title" and "description" texts')
        return VideoText(title.strip(), description.strip())

    def check(value: VideoText) -> str | None:
        target = Target("youtube", {"title": value.title})
        return problem([value.description], rules, language=language, target=target) or problem(
            [value.title], EditorialRules(rules.banned_words)
        )

    system = "\n".join(
        p
        for p in (
            f"You write the title and description of a short vertical video, in "
            f"{LANGUAGE_NAMES[language]}. The title has at most {YOUTUBE_TITLE_LIMIT} "
            "characters and no < or >.",
            _line_prompt(rules, tone_notes),
            'Answer with a JSON object {"title": "...", "description": "..."}.',
        )
        if p
    )
    return draft(
        session,
        actor,
        feature="writing.video",
        prompt_id="writing.video/1",
        messages=[Message("system", system), Message("user", text)],
        parse=parse,
        offline=lambda: VideoText(
            writing_offline.video_title(text, rules),
            writing_offline.video_description(text, rules),
        ),
        check=check,
        max_tokens=700,
        json_mode=True,
    )
