"""The sandbox's other accounts: public profiles and posts anyone can look up (competitors).

Any well-formed handle names an account; its followers, its posting rhythm, formats and
the engagement of each post are pure functions of (seed, handle, time), so a benchmark
collected twice reads the same history and counts only ever grow.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestre.connectors.base import (
    PermanentError,
    PublicAccount,
    PublicAccountPost,
    PublicFormat,
)
from orchestre.connectors.sandbox import audience
from orchestre.connectors.sandbox.refusals import BASE_URL, NETWORK

HANDLE = re.compile(r"^[a-z0-9_.]{2,30}$")
# Public accounts exist from this instant on (their follower curve starts here).
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
FORMATS: tuple[PublicFormat, ...] = (
    PublicFormat.TEXT,
    PublicFormat.IMAGE,
    PublicFormat.VIDEO,
    PublicFormat.CAROUSEL,
    PublicFormat.LINK,
)
WEIGHTS: tuple[float, ...] = (3, 4, 2, 1, 2)
# A post's engagement approaches its final count with this time constant.
TAU = timedelta(hours=10)
LOOK_BACK_DAYS = 60


def normalise(handle: str) -> str:
    return handle.strip().removeprefix("@").lower()


def lookup(seed: int, handle: str, now: datetime) -> PublicAccount:
    name = normalise(handle)
    if not HANDLE.match(name):
        raise PermanentError(
            f"No sandbox account is named {handle!r}: a handle is 2 to 30 letters, digits, "
            "dots or underscores.",
            network=NETWORK,
            code="not_found",
        )
    rng = audience.rng_for(seed, "public", name)
    followers = audience.followers_at(seed, f"public:{name}", EPOCH, now)
    days = max(0, (now - EPOCH).days)
    return PublicAccount(
        external_id=f"pub_{name}",
        handle=name,
        display_name=name.replace("_", " ").replace(".", " ").title(),
        followers=followers,
        following=rng.randint(20, 900),
        posts_count=int(days * _rhythm(seed, name)),
        url=f"{BASE_URL}/@{name}",
    )


def _rhythm(seed: int, name: str) -> float:
    """Posts per day on average (0.3 to 2.2)."""
    return audience.rng_for(seed, "rhythm", name).uniform(0.3, 2.2)


def posts(seed: int, account: PublicAccount, now: datetime, limit: int) -> list[PublicAccountPost]:
    """The account's posts of the last `LOOK_BACK_DAYS`, newest first."""
    name = account.handle
    rhythm = _rhythm(seed, name)
    out: list[PublicAccountPost] = []
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(LOOK_BACK_DAYS):
        day = today - timedelta(days=back)
        rng = audience.rng_for(seed, "public-day", name, day.date().isoformat())
        count = sum(1 for _ in range(3) if rng.random() < rhythm / 3)
        minutes = [rng.randint(7 * 60, 22 * 60) for _ in range(count)]
        times = sorted((day + timedelta(minutes=m) for m in minutes), reverse=True)
        for index, at in enumerate(times):
            if at > now:
                continue
            out.append(_post(seed, account, at, index, now))
            if len(out) >= limit:
                return out
    return out


def _post(
    seed: int, account: PublicAccount, at: datetime, index: int, now: datetime
) -> PublicAccountPost:
    key = f"{account.handle}-{at:%Y%m%d%H%M}-{index}"
    rng = audience.rng_for(seed, "public-post", key)
    kind = rng.choices(FORMATS, WEIGHTS)[0]
    boost = {PublicFormat.VIDEO: 1.8, PublicFormat.CAROUSEL: 1.5, PublicFormat.IMAGE: 1.2}
    grown = 1 - math.exp(-(now - at) / TAU)
    final = (account.followers or 0) * rng.uniform(0.004, 0.03) * boost.get(kind, 1.0) * grown
    return PublicAccountPost(
        external_id=f"pp_{key}",
        created_at=at,
        format=kind,
        text=f"{account.display_name}: post {index + 1} of {at:%d %b}",
        url=f"{BASE_URL}/@{account.handle}/{key}",
        likes=int(final * 0.75),
        reposts=int(final * 0.12),
        replies=int(final * 0.1),
        quotes=int(final * 0.03),
        views=int(final * 25) if kind is PublicFormat.VIDEO else None,
    )


# Over HTTP (`orchestre sandbox serve`) ----------------------------------------------------


def account_to_json(account: PublicAccount) -> dict[str, object]:
    return {
        "id": account.external_id,
        "handle": account.handle,
        "display_name": account.display_name,
        "followers": account.followers,
        "following": account.following,
        "posts_count": account.posts_count,
        "url": account.url,
    }


def account_from_json(body: dict[str, Any]) -> PublicAccount:
    return PublicAccount(
        external_id=str(body["id"]),
        handle=str(body["handle"]),
        display_name=str(body.get("display_name") or ""),
        followers=body.get("followers"),
        following=body.get("following"),
        posts_count=body.get("posts_count"),
        url=body.get("url"),
    )


def posts_to_json(posts: list[PublicAccountPost]) -> dict[str, object]:
    return {
        "items": [
            {
                "id": p.external_id,
                "created_at": p.created_at.isoformat(),
                "format": p.format.value,
                "text": p.text,
                "url": p.url,
                "likes": p.likes,
                "reposts": p.reposts,
                "replies": p.replies,
                "quotes": p.quotes,
                "views": p.views,
            }
            for p in posts
        ]
    }


def posts_from_json(body: dict[str, Any]) -> list[PublicAccountPost]:
    return [
        PublicAccountPost(
            external_id=str(p["id"]),
            created_at=datetime.fromisoformat(p["created_at"]),
            format=PublicFormat(p["format"]),
            text=str(p.get("text") or ""),
            url=p.get("url"),
            likes=p.get("likes"),
            reposts=p.get("reposts"),
            replies=p.get("replies"),
            quotes=p.get("quotes"),
            views=p.get("views"),
        )
        for p in body.get("items", [])
    ]
