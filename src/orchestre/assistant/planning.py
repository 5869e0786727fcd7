"""Content planning, the pure part: pillar shares, time slots and offline draft texts.

No database and no clock of its own, so every rule here is tested directly; the use cases
that read the workspace and store a plan are in `planning_service`.

- Pillars: the plan's items are shared among pillars toward their target shares, counting
  the posts of each pillar already published or scheduled in the recent past (a pillar
  behind its target gets more). Quotas are whole numbers by largest remainder; ties go to
  the pillar that comes first by name. Pillars without any target (all at 0 %) share
  equally. The quotas are then spread over time by smooth weighted round robin, so a
  pillar's items do not bunch together.
- Slots: per channel and per week, the best hours of the week (the best-time estimates,
  ranked one standard error down) on the workspace's wall clock, turned into UTC day by
  day, so 09:00 stays 09:00 across a daylight saving change; an hour the clocks skip is
  not offered and an hour that happens twice is taken at its first occurrence. Items of
  one channel are at least `MIN_GAP` apart, at most `per_day` a day, and `TAKEN_GAP` away
  from what that channel already has scheduled.
- Offline texts: templates in the workspace's language around the pillar (its
  description, or the opening of its best past post), with hashtags from the pillar's best
  posts and the editorial line's required tags; the first candidate that passes the
  network's text rules and the editorial line wins.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from orchestre.errors import Invalid
from orchestre.insights.besttime import HourEstimate
from orchestre.kit.timezones import local_to_utc
from orchestre.models import Severity
from orchestre.posts.validation import EditorialRules, Finding, VariantContent, check_variant

MIN_WEEKS, MAX_WEEKS = 1, 8
MAX_PER_WEEK = 21
MIN_GAP = timedelta(hours=4)  # between two items of one channel
TAKEN_GAP = timedelta(hours=2)  # between an item and a post already scheduled on its channel
LEAD = timedelta(hours=1)  # no item sooner than this after the plan is made
HOURS_PER_WEEK = 168
# Findings a text alone cannot settle: the person adds the media or a title before review.
NOT_TEXT_RULES = ("media", "title.")
_HASHTAG = re.compile(r"(?<![\w#])#(\w{2,40})")
_SENTENCE = re.compile(r"(.+?[.!?…])(?:\s|$)", re.DOTALL)


# --- pillars --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PillarTarget:
    id: uuid.UUID
    name: str
    share: int  # target share in percent (0: none set)


@dataclass(frozen=True)
class Allocation:
    quotas: dict[uuid.UUID, int]
    basis: str  # "targets" or "equal" (no pillar has a target share)


def allocate(
    total: int, pillars: Sequence[PillarTarget], history: Mapping[uuid.UUID, int] | None = None
) -> Allocation:
    """How many of `total` items each pillar gets, toward its target share.

    `history` counts each pillar's recent posts: the wanted count of a pillar is its share
    of (history + total), its deficit what it lacks of that, and the items go to deficits
    in proportion, whole numbers by largest remainder (ties: the pillar first by name).
    """
    if not pillars or total <= 0:
        return Allocation({p.id: 0 for p in pillars}, "equal")
    ordered = sorted(pillars, key=lambda p: (p.name.casefold(), str(p.id)))
    targeted = sum(p.share for p in ordered) > 0
    weights = {p.id: float(p.share if targeted else 1) for p in ordered}
    weight_sum = sum(weights.values())
    had = history or {}
    grand = total + sum(had.get(p.id, 0) for p in ordered)
    deficits = {
        p.id: max(0.0, grand * weights[p.id] / weight_sum - had.get(p.id, 0)) for p in ordered
    }
    if sum(deficits.values()) <= 0:  # every pillar already at or over its share
        deficits = {p.id: weights[p.id] for p in ordered}
    deficit_sum = sum(deficits.values())
    exact = {p.id: total * deficits[p.id] / deficit_sum for p in ordered}
    quotas = {p.id: math.floor(exact[p.id]) for p in ordered}
    left = total - sum(quotas.values())
    by_remainder = sorted(ordered, key=lambda p: -(exact[p.id] - quotas[p.id]))
    for pillar in by_remainder[:left]:
        quotas[pillar.id] += 1
    return Allocation(quotas, "targets" if targeted else "equal")


def spread(quotas: Mapping[uuid.UUID, int], order: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The pillars one item after the other (smooth weighted round robin, ties by `order`)."""
    total = sum(quotas.values())
    current = dict.fromkeys(order, 0)
    sequence: list[uuid.UUID] = []
    for _ in range(total):
        for pillar in order:
            current[pillar] += quotas.get(pillar, 0)
        chosen = max(order, key=lambda p: (current[p], -order.index(p)))
        current[chosen] -= total
        sequence.append(chosen)
    return sequence


# --- slots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedSlot:
    starts_at: datetime  # UTC
    local: datetime  # naive wall time in the workspace's zone
    score: float


def week_dates(first_day: date, week: int) -> list[date]:
    return [first_day + timedelta(days=7 * week + d) for d in range(7)]


def _candidates(
    hours: Sequence[HourEstimate], days: Sequence[date], zone_name: str
) -> list[PlannedSlot]:
    found = []
    for day in days:
        for hour in range(24):
            wall = datetime.combine(day, time(hour))
            try:
                instant = local_to_utc(wall, zone_name)
            except Invalid:  # the clocks skip this hour (spring forward)
                continue
            found.append(PlannedSlot(instant, wall, hours[wall.weekday() * 24 + hour].cautious))
    return found


def channel_slots(
    hours: Sequence[HourEstimate],
    zone_name: str,
    first_day: date,
    weeks: int,
    per_week: int,
    now: datetime,
    taken: Sequence[datetime] = (),
) -> list[PlannedSlot]:
    """Up to `per_week` slots in each of `weeks` weeks from `first_day` (local), best first
    within a week, returned in time order."""
    if len(hours) != HOURS_PER_WEEK:
        raise ValueError(f"best times have {HOURS_PER_WEEK} hours, not {len(hours)}")
    per_day = max(1, math.ceil(per_week / 7))
    chosen: list[PlannedSlot] = []
    for week in range(weeks):
        days = week_dates(first_day, week)
        candidates = sorted(_candidates(hours, days, zone_name), key=lambda s: (-s.score, s.local))
        picked = 0
        per_date: dict[date, int] = {}
        for slot in candidates:
            if picked >= per_week:
                break
            if slot.starts_at < now + LEAD or per_date.get(slot.local.date(), 0) >= per_day:
                continue
            if any(abs(slot.starts_at - other.starts_at) < MIN_GAP for other in chosen):
                continue
            if any(abs(slot.starts_at - other) < TAKEN_GAP for other in taken):
                continue
            chosen.append(slot)
            per_date[slot.local.date()] = per_date.get(slot.local.date(), 0) + 1
            picked += 1
    return sorted(chosen, key=lambda s: s.starts_at)


# --- texts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PillarBrief:
    """What the offline assistant knows of a pillar: its words and its best past posts."""

    name: str
    description: str = ""
    best_posts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemSpec:
    """One item to write: where and when it goes, and about what."""

    position: int
    network: str
    handle: str
    local: datetime
    pillar: PillarBrief | None
    options: Mapping[str, object] = field(default_factory=dict)


TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "{pillar}: {angle} What do you think? Tell us in the comments.",
        "This week on {pillar}: {angle} Share it with someone it could help.",
        "{angle} More about {pillar} soon: follow us so you don't miss it.",
        "{pillar}, in a few words: {angle} Save this post for later.",
    ),
    "fr": (
        "{pillar} : {angle} Qu'en pensez-vous ? Dites-le-nous en commentaire.",
        "Cette semaine, {pillar} : {angle} Partagez-le à quelqu'un que ça peut aider.",
        "{angle} On vous en dit plus sur {pillar} très vite : suivez-nous.",
        "{pillar}, en quelques mots : {angle} Enregistrez ce post pour plus tard.",
    ),
}
NO_PILLAR = {"en": "our news", "fr": "nos actualités"}
GENERIC_ANGLE = {
    "en": "here is what we are working on.",
    "fr": "voici ce sur quoi nous travaillons.",
}
FOLLOW_UP = {"en": "Following up on “{quote}”:", "fr": "Pour prolonger « {quote} » :"}
MINIMAL = {"en": "{pillar}: more soon.", "fr": "{pillar} : la suite bientôt."}
QUOTE_CHARS = 80


def language_of(locale: str) -> str:
    return "fr" if locale.lower().startswith("fr") else "en"


def seed_of(*parts: object) -> int:
    """A seed from the inputs, so the same plan asked twice reads the same."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def first_sentence(text: str) -> str:
    flat = " ".join(_HASHTAG.sub("", text).split())
    found = _SENTENCE.match(flat)
    return (found.group(1) if found else flat).strip()


def _quote(text: str) -> str:
    sentence = first_sentence(text).rstrip(".!?…")
    if len(sentence) <= QUOTE_CHARS:
        return sentence
    return sentence[:QUOTE_CHARS].rsplit(" ", 1)[0] + "…"


def pillar_hashtags(pillar: PillarBrief | None, limit: int = 2) -> list[str]:
    """The hashtags most used in the pillar's best posts, most frequent first."""
    if pillar is None:
        return []
    counts: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for text in pillar.best_posts:
        for tag in _HASHTAG.findall(text):
            key = tag.casefold()
            counts[key] = counts.get(key, 0) + 1
            spelled.setdefault(key, tag)
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return ["#" + spelled[k] for k in ranked[:limit]]


def _angles(pillar: PillarBrief | None, language: str) -> list[str]:
    angles = []
    if pillar is not None and pillar.description.strip():
        angles.append(first_sentence(pillar.description))
    if pillar is not None and pillar.best_posts:
        quote = _quote(pillar.best_posts[0])
        if quote:
            angles.append(FOLLOW_UP[language].format(quote=quote) + " " + GENERIC_ANGLE[language])
    angles.append(GENERIC_ANGLE[language])
    return angles


def _tags_line(pillar: PillarBrief | None, rules: EditorialRules) -> str:
    tags: dict[str, str] = {}
    for tag in [*pillar_hashtags(pillar), *rules.required_hashtags]:
        bare = tag.lstrip("#")
        if bare:
            tags.setdefault(bare.casefold(), "#" + bare)
    mentions = {m.lstrip("@").casefold(): "@" + m.lstrip("@") for m in rules.required_mentions}
    return " ".join([*tags.values(), *(m for k, m in mentions.items() if k)])


def text_problems(
    text: str, network: str, rules: EditorialRules, options: Mapping[str, object] | None = None
) -> list[Finding]:
    """The blocking findings of a draft text on its network under the editorial line,
    leaving out what a text cannot hold (media, a video's title)."""
    content = VariantContent(text=text, network=network, options=dict(options or {}))
    return [
        f
        for f in check_variant(content, rules)
        if f.severity is Severity.ERROR and not f.rule.startswith(NOT_TEXT_RULES)
    ]


def offline_text(item: ItemSpec, language: str, rules: EditorialRules, seed: int) -> str:
    """A valid draft for the item: the first candidate without findings, from the fullest
    (template, angle, hashtags) to the barest; none at all only when the editorial line
    itself cannot be met (then the barest, which the person will see flagged)."""
    rng = random.Random(seed)
    templates = TEMPLATES[language]
    start = rng.randrange(len(templates))
    name = item.pillar.name if item.pillar is not None else NO_PILLAR[language]
    tags = _tags_line(item.pillar, rules)
    candidates = []
    for angle in _angles(item.pillar, language):
        for k in range(len(templates)):
            template = templates[(start + k) % len(templates)]
            body = " ".join(template.format(pillar=name, angle=angle).split())
            candidates.append(f"{body}\n\n{tags}" if tags else body)
    minimal = MINIMAL[language].format(pillar=name)
    candidates.append(f"{minimal}\n\n{tags}" if tags else minimal)
    for candidate in candidates:
        if not text_problems(candidate, item.network, rules, item.options):
            return candidate
    return candidates[-1]


# --- the provider's prompt and its answer -------------------------------------------------------

PROMPT_ID = "planning.items/1"
SYSTEM_PROMPT = (
    "You write social media post drafts for a content plan. Each item gives a network, a "
    "local time and a content pillar. Write one post per item, in the language asked, "
    "within the network's length, following the editorial line: never use a banned word, "
    "always include the required hashtags and mentions. Answer with JSON only, exactly "
    '{"items": [{"n": <item number>, "text": "<post text>"}]}.'
)


def prompt_of(items: Sequence[ItemSpec], language: str, rules: EditorialRules, tone: str) -> str:
    """The user message: the editorial line, then one line per item."""
    lines = [
        f"Language: {'French' if language == 'fr' else 'English'}.",
        f"Tone: {tone.strip() or 'friendly and clear'}.",
        f"Banned words: {', '.join(rules.banned_words) or 'none'}.",
        "Required hashtags: " + (", ".join(rules.required_hashtags) or "none") + ".",
        "Required mentions: " + (", ".join(rules.required_mentions) or "none") + ".",
        "Items:",
    ]
    for item in items:
        pillar = item.pillar
        about = f"pillar “{pillar.name}”" if pillar is not None else "no pillar"
        if pillar is not None and pillar.description.strip():
            about += f" ({first_sentence(pillar.description)})"
        lines.append(
            f"{item.position}. {item.network} {item.handle}, {item.local:%A %Y-%m-%d %H:%M}, "
            f"{about}."
        )
        if pillar is not None and pillar.best_posts:
            lines.append(f"   A past post of this pillar that did well: {pillar.best_posts[0]!r}")
    return "\n".join(lines)


def parse_items(answer: str) -> dict[int, str]:
    """{item number: text} from the model's JSON; ValueError when it is not that shape."""
    cleaned = answer.strip()
    if cleaned.startswith("```"):  # a fenced block, as some models answer
        cleaned = cleaned.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(cleaned)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from exc
    rows = data.get("items") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValueError('no "items" list')
    found: dict[int, str] = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        number, text = row.get("n"), row.get("text")
        usable = isinstance(number, int) and not isinstance(number, bool)
        if usable and isinstance(text, str) and text.strip():
            assert isinstance(number, int)
            found.setdefault(number, text.strip())
    if not found:
        raise ValueError("no item with a number and a text")
    return found


Judge = Callable[[int, str], str | None]


def choose_texts(
    proposed: Mapping[int, str], offline: Mapping[int, str], judge: Judge
) -> dict[int, tuple[str, str | None]]:
    """Per item: the provider's text when the judge finds nothing wrong, else the offline
    text with the reason (None: the provider's text was used)."""
    chosen: dict[int, tuple[str, str | None]] = {}
    for number, fallback in offline.items():
        text = proposed.get(number)
        if text is None:
            chosen[number] = (fallback, "the provider wrote no text for this item")
            continue
        problem = judge(number, text)
        chosen[number] = (fallback, problem) if problem else (text, None)
    return chosen
