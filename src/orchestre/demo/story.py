"""Living one demo post's story: written, reviewed, scheduled, published or not, commented."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from orchestre.approvals.comments import add_comment
from orchestre.approvals.service import decide, submit
from orchestre.audit.service import record
from orchestre.connectors.base import AccountRef, Installation, PermanentError
from orchestre.connectors.sandbox import SandboxConnector, shared_network
from orchestre.demo.content import TIMEZONE, Fate, Story
from orchestre.kit.clock import Clock, FrozenClock, set_clock, utcnow
from orchestre.models import Channel, Workspace
from orchestre.posts.scheduling import schedule
from orchestre.posts.schemas import PostCreate, ScheduleCreate, VariantCreate
from orchestre.posts.service import create_post, load_post
from orchestre.publishing.claims import claim_due
from orchestre.publishing.policy import EnginePolicy
from orchestre.publishing.sending import SendContext, send
from orchestre.workspaces.permissions import Actor

PARIS = ZoneInfo(TIMEZONE)
FAILURE = (
    "The network refused the post: the photo was missing from the upload (simulated by the "
    "sandbox). Attach the photo again, then retry."
)


@dataclass
class Cast:
    """The demo's workspace, people (as actors, by role), channels, pillars and campaigns."""

    workspace: Workspace
    by_role: dict[str, Actor]
    channels: dict[str, uuid.UUID] = field(default_factory=dict)
    pillars: dict[str, uuid.UUID] = field(default_factory=dict)
    campaigns: dict[str, uuid.UUID] = field(default_factory=dict)
    now: datetime | None = None

    def today(self) -> date:
        assert self.now is not None
        return self.now.astimezone(PARIS).date()


class TimeMachine:
    """Runs the story on a clock that starts `days` ago and only moves forward, then puts
    the real clock back. Every service stamps its rows with this clock, so the demo's
    history reads like two weeks of work."""

    def __init__(self, now: datetime, days: int) -> None:
        self.now = now
        self.clock = FrozenClock(now - timedelta(days=days))
        self._previous: Clock | None = None

    def __enter__(self) -> TimeMachine:
        self._previous = set_clock(self.clock)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._previous is not None
        set_clock(self._previous)

    def go_to(self, moment: datetime) -> None:
        if moment > self.clock.now():
            self.clock.advance(seconds=(moment - self.clock.now()).total_seconds())

    def wait(self, minutes: int = 20) -> None:
        self.clock.advance(minutes=minutes)


def _paris(day: date, hour: str) -> datetime:
    wall = time.fromisoformat(hour)
    return datetime.combine(day, wall, tzinfo=PARIS).astimezone(UTC)


def tell(session: Session, cast: Cast, machine: TimeMachine, story: Story) -> None:
    """Take one post from its first draft to where its story ends."""
    if story.fate in (Fate.PUBLISHED, Fate.FAILED):
        going_out = _paris(cast.today() - timedelta(days=story.days), story.hour)
        machine.go_to(going_out - timedelta(days=2))
    else:
        machine.go_to(machine.now - timedelta(days=2))
    post_id = _write(session, cast, story)
    if story.fate is Fate.DRAFT:
        _discuss(session, cast, machine, post_id, story)
        return
    machine.wait()
    submit(session, cast.by_role[story.author], post_id)
    _review(session, cast, machine, post_id, story)
    if story.fate in (Fate.PUBLISHED, Fate.FAILED):
        machine.wait()
        _schedule_at(session, cast, post_id, going_out)
        machine.go_to(going_out)
        _go_out(session, cast, post_id, published=story.fate is Fate.PUBLISHED)
        _discuss(session, cast, machine, post_id, story)
    elif story.fate is Fate.SCHEDULED:
        machine.wait()
        _schedule_next_week(session, cast, post_id, story)


def _write(session: Session, cast: Cast, story: Story) -> uuid.UUID:
    channel_ids = [cast.channels[key] for key in story.channels]
    view = create_post(
        session,
        cast.by_role[story.author],
        PostCreate(
            title=story.title,
            base_text=story.text,
            channel_ids=channel_ids,
            variants=[
                VariantCreate(channel_id=cast.channels[key], text=text)
                for key, text in story.per_channel.items()
            ],
            pillar_id=cast.pillars[story.pillar],
            campaign_id=cast.campaigns[story.campaign] if story.campaign else None,
            tags=list(story.tags),
            internal_notes=story.notes,
        ),
    )
    return view.post.id


def _review(
    session: Session, cast: Cast, machine: TimeMachine, post_id: uuid.UUID, story: Story
) -> None:
    """Decide the review steps as far as the story goes (brand review, then final check)."""
    if story.fate is Fate.AWAITING_BRAND:
        _discuss(session, cast, machine, post_id, story)
        return
    machine.wait(45)
    reviewer = cast.by_role["reviewer"]
    if story.fate is Fate.CHANGES_REQUESTED:
        decide(session, reviewer, post_id, "changes_requested", story.comment)
        return
    brand_comment = story.comment if story.fate is Fate.AWAITING_FINAL else ""
    decide(session, reviewer, post_id, "approved", brand_comment)
    if story.fate is Fate.AWAITING_FINAL:
        return
    machine.wait(30)
    decide(session, cast.by_role["social_media_manager"], post_id, "approved")


def _discuss(
    session: Session, cast: Cast, machine: TimeMachine, post_id: uuid.UUID, story: Story
) -> None:
    if story.comment:
        machine.wait(15)
        add_comment(session, cast.by_role["social_media_manager"], post_id, story.comment)


def _schedule_at(session: Session, cast: Cast, post_id: uuid.UUID, when: datetime) -> None:
    schedule(session, cast.by_role["social_media_manager"], post_id, ScheduleCreate(at=when))


def _schedule_next_week(session: Session, cast: Cast, post_id: uuid.UUID, story: Story) -> None:
    """Next week's calendar: `story.days` is the weekday (0 is Monday), in Paris time."""
    today = cast.today()
    monday = today + timedelta(days=7 - today.weekday())
    day = monday + timedelta(days=story.days)
    local = f"{day.isoformat()}T{story.hour}"
    schedule(
        session, cast.by_role["social_media_manager"], post_id, ScheduleCreate(local_time=local)
    )


class _SandboxGateway:
    def open(self, session: Session, channel: Channel) -> Installation:
        account = AccountRef(channel.network, channel.external_id, channel.handle)
        return SandboxConnector(shared_network()).open(account)


def _go_out(session: Session, cast: Cast, post_id: uuid.UUID, *, published: bool) -> None:
    """The publishing engine sends the post to the sandbox network at its time, as in
    production; a failed story has the sandbox refuse it."""
    manager = cast.by_role["social_media_manager"]
    post = load_post(session, manager, post_id)
    before = {"variant_states": {str(v.id): v.state for v in post.variants}}
    sandbox = shared_network()
    context = SendContext(
        gateway=_SandboxGateway(), policy=EnginePolicy(max_attempts=1), clock=utcnow
    )
    for claim in claim_due(
        session,
        now=utcnow(),
        worker="demo",
        policy=context.policy,
        variants=[v.id for v in post.variants],
    ):
        if not published:
            sandbox.fail_next(PermanentError(FAILURE, network="sandbox"))
        send(session, context, claim.publication_id, claim.token)
    session.flush()
    post = load_post(session, manager, post_id)
    record(
        session,
        None,
        "post.published" if published else "post.failed",
        "post",
        post.id,
        before=before,
        after={"variant_states": {str(v.id): v.state for v in post.variants}},
        workspace_id=cast.workspace.id,
    )
