"""The sandbox's simulated audience: deterministic engagement curves and arrival plans.

Everything here is a pure function of (seed, identifier, elapsed time), so the same seed
gives the same numbers and texts on every run, and metrics only ever grow.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.connectors.sandbox.content import (
    AUTHORS,
    Language,
    Tone,
    comment_text,
    mention_text,
    message_text,
    pick_author,
    pick_tone,
)
from orchestre.connectors.sandbox.refusals import BASE_URL

MAX_COMMENTS_PER_POST = 40
# Comments and engagement arrive mostly in the first hours; nothing after a week.
ARRIVAL_HORIZON = timedelta(days=7)
MENTION_MEAN_GAP = timedelta(hours=5)
MESSAGE_MEAN_GAP = timedelta(hours=14)


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator fixed by the seed and a name, independent of call order elsewhere."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def followers_at(seed: int, account_id: str, created_at: datetime, at: datetime) -> int:
    """`base` when the sandbox first saw the account, growing steadily after; before that
    (a history told on a rewound clock) the account had fewer, never under half."""
    rng = rng_for(seed, "followers", account_id)
    base = rng.randint(300, 25_000)
    daily_growth = rng.uniform(0.0005, 0.004)
    days = (at - created_at).total_seconds() / 86_400
    return int(base * max(0.5, 1 + daily_growth * days))


def profile_visits_on(seed: int, account_id: str, day: date, followers: int) -> int:
    """Visits of the account's profile during one day: 0.5-4 % of its followers, more at
    the weekend."""
    rng = rng_for(seed, "visits", account_id, day.isoformat())
    weekend = 1.4 if day.weekday() >= 5 else 1.0
    return int(followers * rng.uniform(0.005, 0.04) * weekend)


@dataclass(frozen=True)
class Curve:
    """How one post's audience grows: impressions approach `reach` with time constant `tau`.

    A video is watched by `view_rate` of those who see it, for `completion` of its
    `video_seconds` on average (a little less as it reaches people further away)."""

    reach: float
    tau_seconds: float
    like_rate: float
    repost_rate: float
    click_rate: float
    save_rate: float = 0.0
    view_rate: float = 0.0
    video_seconds: float = 0.0
    completion: float = 0.0

    @classmethod
    def for_post(cls, seed: int, post_id: str, followers: int) -> Curve:
        rng = rng_for(seed, "curve", post_id)
        like_rate = rng.uniform(0.01, 0.07)
        return cls(
            reach=followers * rng.uniform(0.2, 1.6),
            tau_seconds=rng.uniform(1_800, 6 * 3_600),
            like_rate=like_rate,
            repost_rate=like_rate * rng.uniform(0.08, 0.3),
            click_rate=rng.uniform(0.004, 0.03),
            # Drawn last, so the figures above stay those of earlier versions.
            save_rate=like_rate * rng.uniform(0.05, 0.25),
            view_rate=rng.uniform(0.3, 0.8),
            video_seconds=rng.uniform(12, 150),
            completion=rng.uniform(0.25, 0.75),
        )

    def metrics(
        self, elapsed: timedelta, *, has_link: bool, video: bool = False
    ) -> dict[str, float]:
        seconds = max(0.0, elapsed.total_seconds())
        spread = 1 - math.exp(-seconds / self.tau_seconds)
        impressions = int(self.reach * spread)
        out: dict[str, float] = {
            "impressions": impressions,
            "reach": int(impressions * 0.82),
            "likes": int(impressions * self.like_rate),
            "reposts": int(impressions * self.repost_rate),
            "saves": int(impressions * self.save_rate),
        }
        if has_link:
            out["clicks"] = int(impressions * self.click_rate)
        if video:
            views = int(impressions * self.view_rate)
            completion = self.completion * (1 - 0.15 * spread)
            out["video_views"] = views
            out["watch_time"] = round(views * self.video_seconds * completion, 1)
            out["completion"] = round(completion, 4)
        return out

    def comment_offsets(self, seed: int, post_id: str) -> list[timedelta]:
        """When each comment on the post arrives, relative to publication, in order."""
        rng = rng_for(seed, "comments", post_id)
        count = min(MAX_COMMENTS_PER_POST, int(self.reach * rng.uniform(0.002, 0.008)))
        count += rng.randint(1, 3)
        offsets = []
        for _ in range(count):
            seconds = rng.expovariate(1 / self.tau_seconds) + rng.uniform(20, 240)
            offsets.append(timedelta(seconds=min(seconds, ARRIVAL_HORIZON.total_seconds())))
        return sorted(offsets)


@dataclass(frozen=True)
class Said:
    """One simulated person's words: who, in which language and tone, and what."""

    kind: InteractionKind
    author_handle: str
    author_name: str
    language: Language
    tone: Tone
    text: str
    reply_to_previous: bool = False


def comment(seed: int, post_id: str, index: int) -> Said:
    rng = rng_for(seed, "comment", post_id, index)
    tone = pick_tone(rng)
    handle, name, preferred = pick_author(rng, tone)
    language: Language = preferred if rng.random() < 0.85 else ("en" if preferred == "fr" else "fr")
    # Some comments answer the previous one, which makes threads in the inbox.
    threaded = index > 0 and tone not in ("spam",) and rng.random() < 0.18
    return Said(
        kind=InteractionKind.REPLY if threaded else InteractionKind.COMMENT,
        author_handle=handle,
        author_name=name,
        language=language,
        tone=tone,
        text=comment_text(rng, tone, language),
        reply_to_previous=threaded,
    )


def mention(seed: int, account_id: str, handle: str, index: int) -> Said:
    rng = rng_for(seed, "mention", account_id, index)
    tone = pick_tone(rng)
    author, name, language = pick_author(rng, tone)
    return Said(
        kind=InteractionKind.MENTION,
        author_handle=author,
        author_name=name,
        language=language,
        tone=tone,
        text=mention_text(rng, tone, language, handle),
    )


def message(seed: int, account_id: str, index: int) -> Said:
    rng = rng_for(seed, "message", account_id, index)
    author, name, language = rng.choice(AUTHORS)  # regular people; spammers write in public
    return Said(
        kind=InteractionKind.MESSAGE,
        author_handle=author,
        author_name=name,
        language=language,
        tone="neutral",
        text=message_text(rng, language),
    )


def next_gap(seed: int, stream: str, account_id: str, index: int, mean: timedelta) -> timedelta:
    """The time between one mention (or message) and the next, exponential around `mean`."""
    rng = rng_for(seed, "gap", stream, account_id, index)
    return timedelta(seconds=rng.expovariate(1 / mean.total_seconds()) + 60)


def heard(
    said: Said,
    external_id: str,
    at: datetime,
    *,
    post_id: str | None = None,
    parent_id: str | None = None,
) -> Interaction:
    """What was said, as the network reports it."""
    return Interaction(
        kind=InteractionKind.REPLY if parent_id else said.kind,
        external_id=external_id,
        author_id=f"sbx-user-{said.author_handle}",
        author_handle=said.author_handle,
        author_name=said.author_name,
        text=said.text,
        created_at=at,
        language=said.language,
        post_external_id=post_id,
        parent_external_id=parent_id,
        url=f"{BASE_URL}/@{said.author_handle}/{external_id}",
    )
