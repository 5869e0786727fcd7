"""The demo's analytics history: ninety days of posts measured as they aged.

On a clock rewound ninety days, posts go through the real path (written, reviewed,
scheduled, sent by the publishing engine to the sandbox network), and every six hours
the real collectors run: post metrics at their stages (so `PublicationStats` is kept by
the code that keeps it in production) and each channel's followers and profile visits.
Images are real files through the media library; videos too when ffmpeg is installed.
The spring campaign gets daily spend and revenue (`CampaignResult`), as an ad platform
export would bring them, so ROI and ROAS have figures.
"""

from __future__ import annotations

import io
import logging
import random
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics.channel_metrics import collect_channels
from orchestre.approvals.service import decide, submit
from orchestre.config import Settings
from orchestre.connectors.base import AccountRef, Capability, Installation
from orchestre.connectors.sandbox import SandboxConnector, shared_network
from orchestre.demo import content as c
from orchestre.demo.story import PARIS, Cast, TimeMachine
from orchestre.demo.story import _go_out as go_out
from orchestre.insights.collection import collect_due
from orchestre.kit.clock import utcnow
from orchestre.media.storage import media_storage
from orchestre.models import Channel
from orchestre.models.analytics import CampaignResult
from orchestre.models.editorial import Campaign
from orchestre.posts import media
from orchestre.posts.scheduling import schedule
from orchestre.posts.schemas import PostCreate, ScheduleCreate, VariantCreate
from orchestre.posts.service import create_post

log = logging.getLogger(__name__)

HISTORY_DAYS = 90
# The collectors run twice a day over the history (a post's 1 h and 6 h stages are taken
# together, late, as a job that did not run would), and channels are measured daily:
# enough for the dashboards' shapes, and the demo fills in seconds, not minutes.
TICK = timedelta(hours=12)
CHANNEL_EVERY = timedelta(days=1)
SEED = 2024
# What a history post says, by pillar: (French, English).
LINES = {
    c.CRAFT: [
        ("Le levain nourri à 5 h, le pain sort à 7 h.", "Starter fed at 5am, bread out at 7am."),
        ("Tourage du jour : 27 couches de beurre.", "Today's lamination: 27 layers of butter."),
        ("Farine de meule, blé de Beauce.", "Stone-ground flour, wheat from the Beauce."),
        ("Notre baguette tradition, pas à pas.", "Our tradition baguette, step by step."),
    ],
    c.SEASONS: [
        ("La vitrine change avec la saison.", "The window changes with the season."),
        ("Première tarte aux fruits de l'année.", "The year's first fruit tart."),
        ("Le chocolat chaud revient au comptoir.", "Hot chocolate is back at the counter."),
    ],
    c.COMMUNITY: [
        ("Merci aux voisins pour ce samedi !", "Thank you, neighbours, for this Saturday!"),
        ("Rencontrez Inès, notre nouvelle apprentie.", "Meet Inès, our new apprentice."),
        ("Atelier pain avec l'école du quartier.", "Bread workshop with the local school."),
    ],
}
Options = dict[str, object]
# What the history's posts are, in turn: every format has its share.
KINDS = ("image", "text", "carousel", "short", "image", "text", "video", "image", "short", "text")
PALETTE = ["#b45309", "#f59e0b", "#15803d", "#7c3aed", "#be123c", "#0e7490"]


@dataclass(frozen=True)
class _Planned:
    days_ago: int
    hour: str
    pillar: str
    channels: tuple[str, ...]
    media_ids: tuple[uuid.UUID, ...]
    options: dict[str, object]
    text: str


class _SharedSandbox:
    """The collectors' way to the demo's sandbox network (every capability)."""

    def capabilities(self, network: str) -> frozenset[Capability]:
        return frozenset(Capability)

    def open(self, session: Session, channel: Channel) -> Installation:
        account = AccountRef(channel.network, channel.external_id, channel.handle)
        return SandboxConnector(shared_network()).open(account)


def fill_analytics(session: Session, settings: Settings, cast: Cast) -> int:
    """Tell the ninety days of history; returns how many posts went out."""
    assert cast.now is not None
    rng = random.Random(SEED)
    library = _Library(session, settings, cast)
    plan = _plan(rng, library)
    opener = _SharedSandbox()
    with TimeMachine(cast.now, HISTORY_DAYS) as machine:
        tick = machine.clock.now()
        for planned in plan:
            going_out = _at(cast.today() - timedelta(days=planned.days_ago), planned.hour)
            tick = _measure_until(session, opener, machine, tick, going_out - timedelta(hours=3))
            _tell(session, cast, machine, planned, going_out)
        _measure_until(session, opener, machine, tick, cast.now)
    _campaign_results(session, cast, rng)
    return len(plan)


def _measure_until(
    session: Session,
    opener: _SharedSandbox,
    machine: TimeMachine,
    tick: datetime,
    end: datetime,
) -> datetime:
    """Run both collectors every `TICK` up to `end`; returns the next tick."""
    while tick <= end:
        machine.go_to(tick)
        collect_due(session, opener, clock=utcnow, commit=False)
        collect_channels(session, opener, clock=utcnow, every=CHANNEL_EVERY, commit=False)
        tick += TICK
    return tick


def _at(day: date, hour: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hour), tzinfo=PARIS).astimezone(UTC)


def _plan(rng: random.Random, library: _Library) -> list[_Planned]:
    """A post every two to four days, on days the demo's stories leave free, oldest first."""
    taken = {story.days for story in c.STORIES if story.fate.value in ("published", "failed")}
    plan: list[_Planned] = []
    day = HISTORY_DAYS - 1
    pillars = list(LINES)
    while day >= 1:
        if day not in taken:
            pillar = rng.choices(pillars, weights=(40, 35, 25))[0]
            plan.append(_planned(rng, library, day, pillar))
        day -= rng.choice((2, 3, 3, 4))
    return plan


def _planned(rng: random.Random, library: _Library, day: int, pillar: str) -> _Planned:
    french, english = rng.choice(LINES[pillar])
    text = f"{french}\n{english}\n#MaisonLumiere"
    kind = KINDS[day % len(KINDS)]
    files, options = library.pick(kind, rng)
    if kind == "text":
        channels: tuple[str, ...] = rng.choice(((c.PRO,), (c.FEDI,), (c.PRO, c.FEDI)))
    elif files:
        channels = (c.PHOTO,) if kind in ("short", "video") else (c.PHOTO, c.FEDI)
    else:  # no video without ffmpeg: an image post instead
        files, options = library.pick("image", rng)
        channels = (c.PHOTO,)
    hour = rng.choice(("08:30", "12:15", "17:45", "19:00"))
    return _Planned(day, hour, pillar, channels, files, options, text)


class _Library:
    """The history's media, uploaded once through the media library and reused."""

    def __init__(self, session: Session, settings: Settings, cast: Cast) -> None:
        self._session = session
        self._settings = settings
        self._actor = cast.by_role["content_creator"]
        self.images = [self._upload(_image(color), f"vitrine-{i}.jpg") for i, color in
                       enumerate(PALETTE)]  # fmt: skip
        self.short = self._video(9 / 16, 22, "coulisses.mp4")
        self.long = self._video(16 / 9, 150, "atelier.mp4")

    def pick(
        self, kind: str, rng: random.Random
    ) -> tuple[tuple[uuid.UUID, ...], dict[str, object]]:
        if kind == "image":
            return (rng.choice(self.images),), {}
        if kind == "carousel":
            return tuple(rng.sample(self.images, 3)), {}
        if kind == "short" and self.short:
            return (self.short,), {"format": "reel"}
        if kind == "video" and self.long:
            return (self.long,), {}
        return (), {}

    def _upload(self, data: bytes, filename: str) -> uuid.UUID:
        asset = media.upload(
            self._session,
            self._actor,
            io.BytesIO(data),
            filename,
            media_root=self._settings.media_dir,
            max_bytes=self._settings.max_upload_bytes,
            storage=media_storage(self._settings),
        )
        return asset.id

    def _video(self, ratio: float, seconds: int, filename: str) -> uuid.UUID | None:
        data = _clip(ratio, seconds)
        return self._upload(data, filename) if data else None


def _image(color: str) -> bytes:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (1080, 1350), color)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((240, 375, 840, 975), fill="#fde68a")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


def _clip(ratio: float, seconds: int) -> bytes | None:
    """A small plain video of that shape and length (None without ffmpeg: the history has
    no videos then)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    width, height = (360, 640) if ratio < 1 else (640, 360)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        command = [
            ffmpeg, "-loglevel", "error", "-f", "lavfi",
            "-i", f"color=c=0xb45309:size={width}x{height}:rate=5:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
        ]  # fmt: skip
        try:
            subprocess.run(command, check=True, timeout=120)  # noqa: S603 - our own arguments
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("demo: no video for the history (%s)", exc)
            return None
        return path.read_bytes()


def _tell(
    session: Session, cast: Cast, machine: TimeMachine, planned: _Planned, going_out: datetime
) -> None:
    """Written by the content creator, approved, scheduled and sent at its time."""
    creator = cast.by_role["content_creator"]
    campaign = _campaign_on(session, cast, going_out)
    view = create_post(
        session,
        creator,
        PostCreate(
            base_text=planned.text,
            channel_ids=[cast.channels[key] for key in planned.channels],
            variants=[
                VariantCreate(
                    channel_id=cast.channels[key],
                    media_ids=list(planned.media_ids) or None,
                    options=planned.options or None,
                )
                for key in planned.channels
            ],
            pillar_id=cast.pillars[planned.pillar],
            campaign_id=campaign,
        ),
    )
    post_id = view.post.id
    machine.wait()
    submit(session, creator, post_id)
    machine.wait(45)
    decide(session, cast.by_role["reviewer"], post_id, "approved", "")
    machine.wait(30)
    manager = cast.by_role["social_media_manager"]
    decide(session, manager, post_id, "approved")
    machine.wait()
    schedule(session, manager, post_id, ScheduleCreate(at=going_out))
    machine.go_to(going_out)
    go_out(session, cast, post_id, published=True)


def _campaign_on(session: Session, cast: Cast, moment: datetime) -> uuid.UUID | None:
    """The campaign running that day, if any (the spring campaign's last fortnight)."""
    day = moment.astimezone(PARIS).date()
    for campaign_id in cast.campaigns.values():
        campaign = session.get(Campaign, campaign_id)
        starts, ends = (campaign.starts_on, campaign.ends_on) if campaign else (None, None)
        if starts and ends and starts <= day <= ends:
            return campaign_id
    return None


def _campaign_results(session: Session, cast: Cast, rng: random.Random) -> None:
    """Daily paid results of the running campaigns up to yesterday, as an ad platform's
    export gives them: spend, impressions, clicks, conversions and revenue."""
    yesterday = cast.today() - timedelta(days=1)
    for campaign_id in cast.campaigns.values():
        campaign = session.get(Campaign, campaign_id)
        if not campaign or not campaign.starts_on or campaign.starts_on > yesterday:
            continue
        daily = (campaign.budget or 0) / max(1, (campaign.ends_on or yesterday).toordinal()
                                             - campaign.starts_on.toordinal() + 1)  # fmt: skip
        known = set(
            session.scalars(select(CampaignResult.day).where(
                CampaignResult.campaign_id == campaign_id))
        )  # fmt: skip
        day = campaign.starts_on
        while day <= yesterday:
            if day not in known:
                session.add(_result(cast, campaign, day, daily, rng))
            day += timedelta(days=1)
    session.flush()


def _result(
    cast: Cast, campaign: Campaign, day: date, daily: float, rng: random.Random
) -> CampaignResult:
    spend = round(daily * rng.uniform(0.7, 1.2), 2)
    impressions = int(spend / rng.uniform(6.0, 9.0) * 1000)  # a CPM of 6 to 9 euros
    clicks = int(impressions * rng.uniform(0.008, 0.02))
    conversions = int(clicks * rng.uniform(0.03, 0.08))
    return CampaignResult(
        workspace_id=cast.workspace.id,
        campaign_id=campaign.id,
        channel_key="",
        day=day,
        source="demo",
        spend=spend,
        revenue=round(conversions * rng.uniform(28, 42), 2),  # a strawberry cake or two
        conversions=conversions,
        impressions=impressions,
        clicks=clicks,
        currency=campaign.currency,
    )
