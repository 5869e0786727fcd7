"""Review links, service side: signed and expiring tokens, the use cases, and the history."""

from __future__ import annotations

import hmac
import uuid

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from orchestre.approvals import review_links as links
from orchestre.approvals import service as approvals
from orchestre.approvals.review_links_tokens import LinkSigner
from orchestre.errors import Forbidden, Invalid, NotFound
from orchestre.kit.clock import FrozenClock
from orchestre.kit.crypto import new_key
from orchestre.models import (
    ApprovalStep,
    AuditEntry,
    PostComment,
    ReviewLink,
    VariantState,
)
from orchestre.workspaces.auth import actor_for
from tests.approvals.conftest import SMM_STEP, Team, make_post, person, set_steps, variant_states
from tests.factories import make_workspace

S = VariantState


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner([new_key()])


def _make(
    db: Session, team: Team, signer: LinkSigner, post_ids: list[uuid.UUID], **kwargs: object
) -> links.Created:
    data = links.LinkInput(post_ids=post_ids, reviewer_name="Clara Client", **kwargs)  # type: ignore[arg-type]
    return links.create_link(db, team.actor(db, team.smm), signer, data)


def _actions(db: Session, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- the token -----------------------------------------------------------------------


def test_the_token_is_signed_and_stored_only_hashed(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    stored = db.get(ReviewLink, made.link.id)
    assert stored is not None
    assert made.token not in (stored.token_hash, stored.reviewer_name)
    assert links.resolve(db, signer, made.token).id == made.link.id
    assert made.path == f"/review/{made.token}"


def test_a_token_altered_by_one_character_is_refused(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    token = _make(db, team, signer, [post.id]).token
    for index in (0, len(token) // 2, len(token) - 1):
        swapped = "A" if token[index] != "A" else "B"
        with pytest.raises(NotFound):
            links.resolve(db, signer, token[:index] + swapped + token[index + 1 :])
    with pytest.raises(NotFound):
        links.resolve(db, signer, token + "x")
    with pytest.raises(NotFound):
        links.resolve(db, signer, "not-a-token")


def test_a_token_signed_with_another_key_is_refused(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    forged = LinkSigner([new_key()]).new_token(made.link.id)
    with pytest.raises(NotFound):
        links.resolve(db, signer, forged)


def test_a_validly_signed_token_that_is_not_the_stored_one_is_refused(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    # Someone holding the key could sign an id; the stored hash still has to match.
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    with pytest.raises(NotFound):
        links.resolve(db, signer, signer.new_token(made.link.id))


def test_links_keep_working_after_a_key_rotation(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    old = new_key()
    before = LinkSigner([old])
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, before, [post.id])
    rotated = LinkSigner([new_key(), old])
    assert links.resolve(db, rotated, made.token).id == made.link.id


def test_expiry_is_enforced_even_with_a_valid_signature(
    db: Session, team: Team, signer: LinkSigner, clock: FrozenClock
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id], days=3)
    clock.advance(days=2, hours=23)
    assert links.resolve(db, signer, made.token)
    clock.advance(hours=1)
    with pytest.raises(NotFound) as refused:
        links.resolve(db, signer, made.token)
    assert refused.value.code == "review_link_not_found"


def test_a_revoked_link_is_refused_and_the_revocation_audited(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    links.revoke_link(db, team.actor(db, team.smm), made.link.id)
    with pytest.raises(NotFound):
        links.resolve(db, signer, made.token)
    assert [v.status for v in links.list_links(db, team.actor(db, team.smm))] == ["revoked"]
    assert len(_actions(db, "review_link.revoked")) == 1
    assert len(_actions(db, "review_link.created")) == 1


# --- making links ------------------------------------------------------------------------


def test_expiry_defaults_to_seven_days_and_is_at_most_ninety(
    db: Session, team: Team, signer: LinkSigner, clock: FrozenClock
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    assert (made.link.expires_at - clock.now()).days == 7
    with pytest.raises(Invalid) as too_long:
        _make(db, team, signer, [post.id], days=91)
    assert too_long.value.errors[0].field == "days"
    with pytest.raises(Invalid):
        _make(db, team, signer, [])


def test_a_foreign_post_id_is_not_found(db: Session, team: Team, signer: LinkSigner) -> None:
    other = make_workspace(db)
    foreign = make_post(db, other, team.author.user, [])
    mine = make_post(db, team.ws, team.author.user, team.channels)
    with pytest.raises(NotFound):
        _make(db, team, signer, [mine.id, foreign.id])


def test_only_review_links_manage_makes_revokes_or_lists(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    for who in (team.author, team.brand, team.analyst):
        actor = team.actor(db, who)
        with pytest.raises(Forbidden):
            links.create_link(
                db, actor, signer, links.LinkInput(post_ids=[post.id], reviewer_name="X")
            )
        with pytest.raises(Forbidden):
            links.revoke_link(db, actor, made.link.id)
        with pytest.raises(Forbidden):
            links.list_links(db, actor)


def test_a_link_of_another_workspace_cannot_be_revoked(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    stranger_ws = make_workspace(db)
    boss = person(db, stranger_ws, "owner")
    with pytest.raises(NotFound):
        links.revoke_link(db, actor_for(db, boss.id, stranger_ws.id), made.link.id)


def test_a_step_can_be_given_only_by_someone_who_may_decide_it(
    db: Session, team: Team, signer: LinkSigner, two_steps: list[ApprovalStep]
) -> None:
    brand_step, smm_step = two_steps
    post = make_post(db, team.ws, team.author.user, team.channels)
    with pytest.raises(Forbidden):
        _make(db, team, signer, [post.id], step_id=brand_step.id)  # the SMM is no reviewer
    assert _make(db, team, signer, [post.id], step_id=smm_step.id).link.step_name == smm_step.name
    with pytest.raises(Invalid):
        _make(db, team, signer, [post.id], step_id=smm_step.id, allow_decisions=False)


# --- using links -------------------------------------------------------------------------


def test_opening_counts_and_shows_only_the_links_posts(
    db: Session, team: Team, signer: LinkSigner, clock: FrozenClock
) -> None:
    shown = make_post(db, team.ws, team.author.user, team.channels, text="For the client")
    make_post(db, team.ws, team.author.user, team.channels, text="Internal only")
    made = _make(db, team, signer, [shown.id])
    review = links.open_review(db, signer, made.token)
    assert [p.post.id for p in review.posts] == [shown.id]
    assert len(review.posts[0].variants) == 2
    links.open_review(db, signer, made.token)
    assert made.link.open_count == 2
    assert made.link.last_opened_at == clock.now()
    assert len(_actions(db, "review_link.opened")) == 1  # at most hourly


def test_a_post_removed_from_the_set_or_deleted_is_gone(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    first = make_post(db, team.ws, team.author.user, team.channels, text="first")
    second = make_post(db, team.ws, team.author.user, team.channels, text="second")
    made = _make(db, team, signer, [first.id, second.id])
    links.remove_post(db, team.actor(db, team.smm), made.link.id, first.id)
    db.delete(second)
    db.flush()
    assert links.open_review(db, signer, made.token).posts == []
    with pytest.raises(NotFound):
        links.act(db, signer, made.token, first.id, "comment", "Still there?")


def test_a_post_outside_the_link_cannot_be_acted_on(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    shown = make_post(db, team.ws, team.author.user, team.channels)
    hidden = make_post(db, team.ws, team.author.user, team.channels, state=S.IN_REVIEW)
    made = _make(db, team, signer, [shown.id])
    with pytest.raises(NotFound):
        links.act(db, signer, made.token, hidden.id, "approved", "")
    with pytest.raises(NotFound):
        links.act(db, signer, made.token, hidden.id, "comment", "hello")


def test_a_comment_is_recorded_under_the_reviewers_name(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id], allow_decisions=False)
    links.act(db, signer, made.token, post.id, "comment", "Love the photo")
    stored = db.scalars(select(PostComment).where(PostComment.post_id == post.id)).one()
    assert (stored.author_id, stored.author_label, stored.body) == (
        None,
        "Clara Client",
        "Love the photo",
    )
    assert stored.review_link_id == made.link.id
    assert len(_actions(db, "review_link.used")) == 1
    with pytest.raises(Forbidden):  # comment only
        links.act(db, signer, made.token, post.id, "approved", "")


def test_an_approval_through_a_link_for_the_current_step_decides_it(
    db: Session, team: Team, signer: LinkSigner, two_steps: list[ApprovalStep]
) -> None:
    brand_step, smm_step = two_steps
    post = make_post(db, team.ws, team.author.user, team.channels, state=S.IN_REVIEW)
    post.review_round = 1
    # The owner may decide every step; the link is made for the first one.
    made = links.create_link(
        db,
        team.actor(db, team.owner),
        signer,
        links.LinkInput(post_ids=[post.id], reviewer_name="Clara", step_id=brand_step.id),
    )
    links.act(db, signer, made.token, post.id, "approved", "Good to go")
    review = approvals.review_of(db, team.actor(db, team.smm), post.id)
    assert review.current_step is not None
    assert review.current_step.id == smm_step.id
    decision = review.decisions[-1]
    assert (decision.decided_by_name, decision.via_review_link, decision.advisory) == (
        "Clara",
        True,
        False,
    )
    assert decision.step_id == brand_step.id


def test_an_approval_through_a_link_for_another_step_only_advises(
    db: Session, team: Team, signer: LinkSigner, two_steps: list[ApprovalStep]
) -> None:
    brand_step, smm_step = two_steps
    post = make_post(db, team.ws, team.author.user, team.channels, state=S.IN_REVIEW)
    post.review_round = 1
    made = _make(db, team, signer, [post.id], step_id=smm_step.id)  # not the current step
    links.act(db, signer, made.token, post.id, "approved", "")
    links.act(db, signer, made.token, post.id, "changes_requested", "Darker photo please")
    review = approvals.review_of(db, team.actor(db, team.smm), post.id)
    assert review.current_step is not None
    assert review.current_step.id == brand_step.id
    assert [(d.decision, d.advisory, d.step_id) for d in review.decisions] == [
        ("approved", True, None),
        ("changes_requested", True, None),
    ]
    assert variant_states(db, post.id) == ["in_review", "in_review"]


def test_a_link_without_a_step_never_approves_a_post(
    db: Session, team: Team, signer: LinkSigner, two_steps: list[ApprovalStep]
) -> None:
    # A contributor cannot route around the review by sending the post to a friend.
    post = make_post(db, team.ws, team.smm.user, team.channels, state=S.IN_REVIEW)
    post.review_round = 1
    made = _make(db, team, signer, [post.id])
    links.act(db, signer, made.token, post.id, "approved", "")
    assert variant_states(db, post.id) == ["in_review", "in_review"]


def test_a_link_made_by_the_author_does_not_approve_their_own_post(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    (smm_step,) = set_steps(db, team.ws, SMM_STEP)
    post = make_post(db, team.ws, team.smm.user, team.channels, state=S.IN_REVIEW)
    post.review_round = 1
    made = _make(db, team, signer, [post.id], step_id=smm_step.id)
    links.act(db, signer, made.token, post.id, "approved", "")
    assert variant_states(db, post.id) == ["in_review", "in_review"]
    review = approvals.review_of(db, team.actor(db, team.smm), post.id)
    assert review.decisions[-1].advisory


def test_changes_requested_through_a_link_for_the_step_send_the_post_back(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    (smm_step,) = set_steps(db, team.ws, SMM_STEP)
    post = make_post(db, team.ws, team.author.user, team.channels, state=S.IN_REVIEW)
    post.review_round = 1
    made = _make(db, team, signer, [post.id], step_id=smm_step.id)
    with pytest.raises(Invalid):
        links.act(db, signer, made.token, post.id, "changes_requested", "  ")
    links.act(db, signer, made.token, post.id, "changes_requested", "Shorter text")
    assert variant_states(db, post.id) == ["draft", "draft"]
    links.act(db, signer, made.token, post.id, "approved", "")  # no longer in review
    assert variant_states(db, post.id) == ["draft", "draft"]


def test_the_last_step_approved_through_a_link_approves_the_post(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    (smm_step,) = set_steps(db, team.ws, SMM_STEP)
    post = make_post(db, team.ws, team.author.user, team.channels, state=S.IN_REVIEW)
    post.review_round = 1
    made = _make(db, team, signer, [post.id], step_id=smm_step.id)
    links.act(db, signer, made.token, post.id, "approved", "")
    assert variant_states(db, post.id) == ["approved", "approved"]
    assert _actions(db, "post.approved")


def test_a_revoked_link_cannot_act(db: Session, team: Team, signer: LinkSigner) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    links.revoke_link(db, team.actor(db, team.smm), made.link.id)
    with pytest.raises(NotFound):
        links.act(db, signer, made.token, post.id, "comment", "late")


# --- guessing ----------------------------------------------------------------------------


def test_a_bad_signature_is_refused_without_reading_the_database(
    db: Session, team: Team, signer: LinkSigner
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    token = made.token
    db.expunge_all()  # nothing cached: any lookup would have to query
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        with pytest.raises(NotFound):
            links.resolve(db, signer, token[:-1] + ("A" if token[-1] != "A" else "B"))
        assert statements == []
        links.resolve(db, signer, token)
        assert statements  # a good signature is looked up
    finally:
        event.remove(connection, "before_cursor_execute", count)


def test_the_stored_hash_is_compared_in_constant_time(
    db: Session, team: Team, signer: LinkSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    made = _make(db, team, signer, [post.id])
    compared: list[tuple[str, str]] = []

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return hmac.compare_digest(a.encode(), b.encode())

    monkeypatch.setattr(links, "constant_time_equals", spy)
    links.resolve(db, signer, made.token)
    with pytest.raises(NotFound):
        links.resolve(db, signer, signer.new_token(made.link.id))
    assert len(compared) == 2
    assert compared[0][0] == made.link.token_hash
