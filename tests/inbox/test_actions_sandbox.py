"""The inbox's network actions end to end on the sandbox network: a comment arrives, the
team answers, hides and likes, and the network shows it (each exactly once)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from orchestre.connectors.base import AccountRef, AmbiguousError, DraftPost, Installation
from orchestre.connectors.sandbox import SandboxConnector
from orchestre.connectors.sandbox.inbound import say
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.inbox import actions, tasks
from orchestre.inbox.ingest import ingest
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, Conversation, InboxMessage, Workspace
from orchestre.worker.queue import pending_jobs
from orchestre.worker.registry import run
from orchestre.workspaces.permissions import Actor
from tests.factories import make_channel, make_workspace
from tests.inbox.ingest_fakes import KeywordClassifier
from tests.inbox.team_support import actor_for


@dataclass
class SandboxGateway:
    network: SandboxNetwork

    def open(self, session: Session, channel: Channel) -> Installation:
        account = AccountRef(channel.network, channel.external_id, channel.handle)
        return SandboxConnector(self.network).open(account)


@dataclass
class Stage:
    db: Session
    channel: Channel
    sandbox: SandboxNetwork
    installation: Installation
    post_id: str

    def comment(self, text: str) -> InboxMessage:
        heard = say(self.sandbox, self.channel.external_id, text, post_id=self.post_id)
        [stored] = ingest(
            self.db, self.channel, [heard], source="poll", classifier=KeywordClassifier()
        )
        return stored

    def agent(self, role: str) -> Actor:
        ws = self.db.get(Workspace, self.channel.workspace_id)
        assert ws is not None
        return actor_for(self.db, ws, role)

    def conversation_of(self, message: InboxMessage) -> Conversation:
        conversation = self.db.get(Conversation, message.conversation_id)
        assert conversation is not None
        return conversation

    def thread(self) -> list[tuple[str, bool, bool]]:
        """(text, ours, hidden) of every comment on the post, as the network shows them."""
        page = self.installation.read_comments(self.post_id, limit=100)
        return [(i.text, i.own, i.hidden) for i in page.items]


@pytest.fixture
def stage(db: Session, clock: FrozenClock) -> Iterator[Stage]:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    sandbox = SandboxNetwork(seed=5, clock=clock, sleep=lambda _s: None)
    sandbox.account(channel.external_id, channel.handle)
    gateway = SandboxGateway(sandbox)
    installation = gateway.open(db, channel)
    post = installation.publish(DraftPost(text="Our spring collection", client_ref="post-1"))
    previous = tasks.configure(gateway)
    yield Stage(db, channel, sandbox, installation, post.external_id)
    tasks.configure(previous)


def test_an_answer_appears_on_the_network_once(db: Session, stage: Stage) -> None:
    agent = stage.agent("community_manager")
    conversation = stage.conversation_of(stage.comment("Do you ship to Belgium?"))
    reply = actions.request_reply(db, agent, conversation, "Yes, in 3 days.")
    assert tasks.deliver_reply(db, reply.id) == "sent"
    assert tasks.deliver_reply(db, reply.id) == "nothing to do"
    assert stage.thread() == [
        ("Do you ship to Belgium?", False, False),
        ("Yes, in 3 days.", True, False),
    ]
    assert not reply.external_id.startswith("pending:")


def test_a_reply_whose_answer_was_lost_is_found_not_sent_again(db: Session, stage: Stage) -> None:
    agent = stage.agent("community_manager")
    conversation = stage.conversation_of(stage.comment("Any news?"))
    reply = actions.request_reply(db, agent, conversation, "Tomorrow.")
    stage.sandbox.time_out_next()  # the network takes the reply but the answer is lost
    with pytest.raises(AmbiguousError):  # the worker retries it
        tasks.deliver_reply(db, reply.id)
    assert reply.outbound_state == "sending"
    assert tasks.deliver_reply(db, reply.id) == "sent"
    ours = [text for text, own, _ in stage.thread() if own]
    assert ours == ["Tomorrow."]


def test_hide_and_show_again_on_the_network(db: Session, stage: Stage) -> None:
    insult = stage.comment("You are idiots")
    actions.request_hide(db, insult)
    assert tasks.carry_out(db, insult.id, "hide") == "done"
    assert stage.thread() == [("You are idiots", False, True)]
    actions.request_hide(db, insult, hidden=False)
    assert tasks.carry_out(db, insult.id, "unhide") == "done"
    assert stage.thread() == [("You are idiots", False, False)]


def test_like_and_delete_on_the_network(db: Session, stage: Stage) -> None:
    kind = stage.comment("Lovely!")
    actions.request_like(db, kind)
    assert tasks.carry_out(db, kind.id, "like") == "done"
    assert kind.external_id in stage.sandbox.likes_of(stage.channel.external_id)
    actions.request_delete(db, kind)
    assert tasks.carry_out(db, kind.id, "delete") == "done"
    assert stage.thread() == []


def test_the_jobs_sent_after_commit_run_as_the_worker_runs_them(db: Session, stage: Stage) -> None:
    agent = stage.agent("community_manager")
    question = stage.comment("Is it vegan?")
    actions.request_hide(db, question)
    actions.request_hide(db, question, hidden=False)
    reply = actions.request_reply(db, agent, stage.conversation_of(question), "It is.")
    jobs = [j for j in pending_jobs(db) if j.name.startswith("inbox.")]
    assert [j.name for j in jobs] == ["inbox.moderate", "inbox.moderate", "inbox.send_reply"]
    for job in jobs:  # what a worker does with each, by name and JSON arguments
        run(db, job.name, job.kwargs)
    assert reply.outbound_state == "sent"
    assert stage.thread() == [("Is it vegan?", False, False), ("It is.", True, False)]


def _sent_jobs(db: Session) -> list[dict[str, object]]:
    return [job.kwargs for job in pending_jobs(db) if job.name == tasks.SEND_REPLY_TASK]


def test_a_reply_whose_job_was_lost_is_handed_on_and_sent_once(
    db: Session, stage: Stage, clock: FrozenClock
) -> None:
    agent = stage.agent("community_manager")
    conversation = stage.conversation_of(stage.comment("Is the shop open on Sunday?"))
    reply = actions.request_reply(db, agent, conversation, "Yes, from 10 to 18.")
    first_job = _sent_jobs(db)[-1]  # lost with its process: it never runs
    assert tasks.resend_stalled(db, clock.now()) == 0  # too early to suspect anything

    clock.advance(minutes=11)
    assert tasks.resend_stalled(db, clock.now()) == 1
    handed = _sent_jobs(db)[-1]
    assert handed["token"] == reply.send_token
    assert tasks.resend_stalled(db, clock.now()) == 0  # the new job answers for it now

    assert tasks.deliver_reply(db, reply.id, reply.send_token) == "sent"
    # The job thought lost turns up after all: it stands aside.
    assert tasks.deliver_reply(db, reply.id, first_job.get("token")) == "nothing to do"
    ours = [text for text, own, _ in stage.thread() if own]
    assert ours == ["Yes, from 10 to 18."]


def test_an_older_job_stands_aside_once_the_reply_was_handed_on(
    db: Session, stage: Stage, clock: FrozenClock
) -> None:
    agent = stage.agent("community_manager")
    conversation = stage.conversation_of(stage.comment("Do you deliver to Lyon?"))
    reply = actions.request_reply(db, agent, conversation, "We do.")
    clock.advance(minutes=11)
    assert tasks.resend_stalled(db, clock.now()) == 1
    assert tasks.deliver_reply(db, reply.id) == "superseded"
    assert reply.outbound_state == "queued"
    assert [text for text, own, _ in stage.thread() if own] == []


def test_a_reply_in_flight_is_not_handed_on_until_its_lease_runs_out(
    db: Session, stage: Stage, clock: FrozenClock
) -> None:
    agent = stage.agent("community_manager")
    conversation = stage.conversation_of(stage.comment("Any news of my order?"))
    reply = actions.request_reply(db, agent, conversation, "It left this morning.")
    clock.advance(minutes=11)
    stage.sandbox.time_out_next()  # taken by the network, the answer lost
    with pytest.raises(AmbiguousError):
        tasks.deliver_reply(db, reply.id)
    assert reply.outbound_state == "sending"
    assert tasks.resend_stalled(db, clock.now()) == 0  # its job's retry answers for it

    clock.advance(minutes=11)  # the retry never came
    assert tasks.resend_stalled(db, clock.now()) == 1
    assert tasks.deliver_reply(db, reply.id, reply.send_token) == "sent"  # found, not resent
    ours = [text for text, own, _ in stage.thread() if own]
    assert ours == ["It left this morning."]
