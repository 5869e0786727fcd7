"""The weekly digest's rules: when it is due on a workspace's clock, and the
recommendations it makes from facts, each a sentence in English and French built from
its figures and carrying them (so every number can be checked).

Pure computation: the facts come in as plain data (digest_service.py gathers them from
listening, the inbox and the posts' metrics); nothing here reads a database or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

HASHTAG_MIN_COUNT = 5  # competitors' mentions carrying it this week
HASHTAG_RATIO = 2.0
VOLUME_CHANGE = 0.25  # a change of brand mentions worth a line: +-25 %
NEGATIVE_CHANGE = 0.05  # five points of negative share


# -- when -------------------------------------------------------------------------------


def scheduled_instant(week_monday: date, weekday: int, hour: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of `weekday` (0 = Monday) at `hour` in the week of `week_monday`, on
    the zone's wall clock. An hour the clock skips (spring forward) is the first instant
    after the gap (02:00 -> 03:00); an hour it repeats (fall back) is its first occurrence."""
    if not 0 <= weekday <= 6 or not 0 <= hour <= 23:
        raise ValueError("weekday is 0 (Monday) to 6, hour 0 to 23")
    local = datetime.combine(week_monday + timedelta(days=weekday), time(hour), zone)
    # fold=0: zoneinfo reads a skipped wall time with the offset before the change, which
    # lands just past the gap (02:00 -> 03:00), and a repeated one as its first occurrence.
    return local.astimezone(UTC)


def due_week(now: datetime, weekday: int, hour: int, zone: ZoneInfo) -> date | None:
    """The Monday of the week whose digest is due at `now`: the digest sent in a week covers
    the seven days before its scheduled instant and is keyed by that week's Monday. None
    before this week's instant."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    if now >= scheduled_instant(monday, weekday, hour, zone):
        return monday
    return None


def next_instant(now: datetime, weekday: int, hour: int, zone: ZoneInfo) -> datetime:
    """The next scheduled instant strictly after `now` (for the settings page)."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    for weeks in range(3):
        at = scheduled_instant(monday + timedelta(weeks=weeks), weekday, hour, zone)
        if at > now:
            return at
    raise AssertionError("unreachable: a week always has its instant")


# -- facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HashtagFact:
    """A hashtag in competitors' mentions this week and last, and the brand's last post with it."""

    tag: str
    this_week: int
    last_week: int
    last_post_engagement: float | None = None  # engagement rate, percent
    median_engagement: float | None = None  # the brand's median over its recent posts


@dataclass(frozen=True)
class TopicFact:
    label: str
    status: str  # new or rising
    estimated: float
    previous_estimated: float
    negative_share: float | None


@dataclass(frozen=True)
class VolumeFact:
    mentions: int
    previous_mentions: int
    negative_share: float | None
    previous_negative_share: float | None


@dataclass(frozen=True)
class BestPostFact:
    excerpt: str
    network: str
    format: str
    engagement: float  # percent
    median_engagement: float | None


@dataclass(frozen=True)
class BurstFact:
    term: str
    observed: int
    expected: float


@dataclass(frozen=True)
class Facts:
    hashtags: list[HashtagFact] = field(default_factory=list)
    topics: list[TopicFact] = field(default_factory=list)
    volume: VolumeFact | None = None
    best_post: BestPostFact | None = None
    bursts: list[BurstFact] = field(default_factory=list)


@dataclass(frozen=True)
class Recommendation:
    kind: str
    figures: dict[str, Any]
    en: str
    fr: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "figures": self.figures, "en": self.en, "fr": self.fr}


# -- sentences --------------------------------------------------------------------------


def _num(value: float, lang: str) -> str:
    """1 decimal at most, French decimal comma: 4.0 -> "4", 2.5 -> "2,5"."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "fr" else text


def _pct(share: float, lang: str) -> str:
    number = _num(share * 100, lang)
    return f"{number} %" if lang == "fr" else f"{number}%"


def _hashtag(fact: HashtagFact) -> Recommendation | None:
    if fact.this_week < HASHTAG_MIN_COUNT:
        return None
    figures: dict[str, Any] = {
        "tag": fact.tag,
        "this_week": fact.this_week,
        "last_week": fact.last_week,
    }
    if fact.last_week:
        ratio = round(fact.this_week / fact.last_week, 1)
        if ratio < HASHTAG_RATIO:
            return None
        figures["ratio"] = ratio
        en = (
            f"{fact.tag} rose {_num(ratio, 'en')}x in your competitors' posts this week "
            f"({fact.this_week} vs {fact.last_week})"
        )
        fr = (
            f"{fact.tag} a été multiplié par {_num(ratio, 'fr')} dans les publications de vos "
            f"concurrents cette semaine ({fact.this_week} contre {fact.last_week})"
        )
    else:
        en = f"{fact.tag} appeared in {fact.this_week} of your competitors' posts this week"
        fr = (
            f"{fact.tag} est apparu dans {fact.this_week} publications de vos concurrents "
            "cette semaine"
        )
    if fact.last_post_engagement is not None and fact.median_engagement:
        times = round(fact.last_post_engagement / fact.median_engagement, 1)
        figures.update(
            last_post_engagement=fact.last_post_engagement,
            median_engagement=fact.median_engagement,
            times_median=times,
        )
        en += (
            f"; your last post on it had {_num(times, 'en')}x your median engagement "
            f"({_num(fact.last_post_engagement, 'en')}% vs {_num(fact.median_engagement, 'en')}%)"
        )
        fr += (
            f" ; votre dernière publication avec ce hashtag a eu {_num(times, 'fr')} fois votre "
            f"engagement médian ({_num(fact.last_post_engagement, 'fr')} % contre "
            f"{_num(fact.median_engagement, 'fr')} %)"
        )
    else:
        en += "; you have not posted with it yet"
        fr += " ; vous ne l'avez pas encore utilisé"
    return Recommendation("hashtag", figures, en + ".", fr + ".")


def _topic(fact: TopicFact) -> Recommendation:
    figures: dict[str, Any] = {
        "label": fact.label,
        "status": fact.status,
        "estimated": fact.estimated,
        "previous_estimated": fact.previous_estimated,
    }
    est_en, est_fr = _num(fact.estimated, "en"), _num(fact.estimated, "fr")
    if fact.status == "new":
        en = f"New topic: “{fact.label}”, about {est_en} messages this week."
        fr = f"Nouveau sujet : « {fact.label} », environ {est_fr} messages cette semaine."
    else:
        prev_en, prev_fr = _num(fact.previous_estimated, "en"), _num(fact.previous_estimated, "fr")
        en = f"Rising topic: “{fact.label}”, about {est_en} messages this week vs {prev_en}."
        fr = f"Sujet en hausse : « {fact.label} », environ {est_fr} messages contre {prev_fr}."
    if fact.negative_share is not None:
        figures["negative_share"] = fact.negative_share
        en = en[:-1] + f", {_pct(fact.negative_share, 'en')} negative."
        fr = fr[:-1] + f", dont {_pct(fact.negative_share, 'fr')} négatifs."
    return Recommendation("topic", figures, en, fr)


def _volume(fact: VolumeFact) -> list[Recommendation]:
    found: list[Recommendation] = []
    if fact.previous_mentions:
        change = (fact.mentions - fact.previous_mentions) / fact.previous_mentions
        if abs(change) >= VOLUME_CHANGE:
            figures = {
                "mentions": fact.mentions,
                "previous_mentions": fact.previous_mentions,
                "change": round(change, 3),
            }
            sign = "+" if change > 0 else "-"
            en = (
                f"Brand mentions: {fact.mentions} this week vs {fact.previous_mentions} "
                f"({sign}{_pct(abs(change), 'en')})."
            )
            fr = (
                f"Mentions de la marque : {fact.mentions} cette semaine contre "
                f"{fact.previous_mentions} ({sign}{_pct(abs(change), 'fr')})."
            )
            found.append(Recommendation("volume", figures, en, fr))
    now, before = fact.negative_share, fact.previous_negative_share
    if now is not None and before is not None and now - before >= NEGATIVE_CHANGE:
        figures = {"negative_share": now, "previous_negative_share": before}
        en = (
            f"Negative share of brand mentions rose to {_pct(now, 'en')} "
            f"from {_pct(before, 'en')}: look at what drives it before it grows."
        )
        fr = (
            f"La part de mentions négatives est passée à {_pct(now, 'fr')} "
            f"contre {_pct(before, 'fr')} : voyez ce qui la fait monter avant qu'elle grandisse."
        )
        found.append(Recommendation("negative", figures, en, fr))
    return found


def _best(fact: BestPostFact) -> Recommendation:
    figures: dict[str, Any] = {
        "excerpt": fact.excerpt,
        "network": fact.network,
        "format": fact.format,
        "engagement": fact.engagement,
    }
    en = (
        f"Best post of the week: “{fact.excerpt}” ({fact.format} on {fact.network}), "
        f"{_num(fact.engagement, 'en')}% engagement"
    )
    fr = (
        f"Meilleure publication de la semaine : « {fact.excerpt} » ({fact.format} sur "
        f"{fact.network}), {_num(fact.engagement, 'fr')} % d'engagement"
    )
    if fact.median_engagement:
        figures["median_engagement"] = fact.median_engagement
        en += f" vs a median of {_num(fact.median_engagement, 'en')}%; post more {fact.format}s"
        fr += (
            f" contre une médiane de {_num(fact.median_engagement, 'fr')} % ; publiez davantage "
            f"ce format ({fact.format})"
        )
    return Recommendation("best_post", figures, en + ".", fr + ".")


def _burst(fact: BurstFact) -> Recommendation:
    figures = {"term": fact.term, "observed": fact.observed, "expected": fact.expected}
    en = (
        f"Burst: “{fact.term}” in {fact.observed} mentions in one hour where "
        f"{_num(fact.expected, 'en')} were expected."
    )
    fr = (
        f"Pic : « {fact.term} » dans {fact.observed} mentions en une heure, "
        f"pour {_num(fact.expected, 'fr')} attendues."
    )
    return Recommendation("burst", figures, en, fr)


def recommendations(facts: Facts, limit: int = 12) -> list[Recommendation]:
    """The digest's lines, most actionable first: competitors' hashtags, topics, the
    brand's volume and tone, the best post, bursts."""
    found: list[Recommendation] = []
    hashtags = sorted(facts.hashtags, key=lambda h: (-h.this_week, h.tag))
    found += [r for r in map(_hashtag, hashtags) if r is not None][:5]
    found += [_topic(t) for t in facts.topics if t.status in ("new", "rising")][:3]
    if facts.volume is not None:
        found += _volume(facts.volume)
    if facts.best_post is not None:
        found.append(_best(facts.best_post))
    found += [_burst(b) for b in facts.bursts[:3]]
    return found[:limit]
