"""The workspaces use cases called directly, as the CLI, the demo and the web pages do."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.errors import Conflict, Forbidden, Invalid, NotFound
from orchestre.models import AuditEntry, EditorialLine
from orchestre.workspaces import auth, service
from orchestre.workspaces.permissions import Role
from tests.factories import add_member, make_user, make_workspace

STRONG = "a long enough password"


def test_create_user_normalises_the_email_and_refuses_a_duplicate(db: Session) -> None:
    user = service.create_user(db, " Ana@Example.COM ", "Ana", STRONG, locale="fr")
    assert (user.email, user.locale, user.timezone) == ("ana@example.com", "fr", None)
    assert auth.verify_password(STRONG, user.password_hash)
    with pytest.raises(Conflict) as caught:
        service.create_user(db, "ANA@example.com", "Other Ana", STRONG)
    assert caught.value.code == "email_taken"
    assert service.find_user_by_email(db, "  ANA@example.com") is user
    assert service.find_user_by_email(db, "nobody@example.com") is None


def test_create_user_lists_every_broken_rule(db: Session) -> None:
    with pytest.raises(Invalid) as caught:
        service.create_user(db, "ana@", "", "short", locale="de", timezone="Moon/Base")
    rules = {(e.field, e.rule) for e in caught.value.errors}
    assert rules == {
        ("email", "email"),
        ("name", "required"),
        ("password", "min_length"),
        ("locale", "locale"),
        ("timezone", "timezone"),
    }


def test_create_workspace_makes_the_creator_owner_with_a_slug_and_an_editorial_line(
    db: Session,
) -> None:
    owner = make_user(db)
    workspace = service.create_workspace(db, owner, "Crème Brûlée & Co", timezone="Europe/Paris")
    assert workspace.slug == "creme-brulee-co"
    assert db.get(EditorialLine, workspace.id) is not None
    [(listed, membership)] = service.workspaces_of(db, owner.id)
    assert listed.id == workspace.id
    assert membership.roles == [Role.OWNER.value]
    twin = service.create_workspace(db, make_user(db), "Crème brûlée & co")
    assert twin.slug == "creme-brulee-co-2"
    with pytest.raises(Conflict):
        service.create_workspace(db, owner, "crème brûlée & co")


def test_a_name_without_letters_still_gets_a_slug(db: Session) -> None:
    workspace = service.create_workspace(db, make_user(db), "日本")
    assert workspace.slug == "workspace"


def test_set_current_workspace_needs_a_membership(db: Session, settings: Settings) -> None:
    user = make_user(db)
    mine, theirs = make_workspace(db), make_workspace(db)
    add_member(db, mine, user, "analyst")
    _, web_session = auth.open_session(db, settings, user)
    service.set_current_workspace(db, web_session, mine.id)
    assert web_session.current_workspace_id == mine.id
    with pytest.raises(NotFound):
        service.set_current_workspace(db, web_session, theirs.id)


def test_issued_token_resolves_to_its_owner_in_its_workspace(db: Session) -> None:
    workspace = make_workspace(db)
    user = make_user(db)
    add_member(db, workspace, user, "reviewer")
    actor = auth.actor_for(db, user.id, workspace.id)
    raw, token = service.issue_token(db, actor, "laptop")
    resolved_user, resolved_token = auth.resolve_api_token(db, raw)
    assert (resolved_user.id, resolved_token.id) == (user.id, token.id)
    token_actor = auth.actor_for(db, user.id, workspace.id, token.id)
    assert token_actor.roles == frozenset({Role.REVIEWER})


def test_every_member_change_needs_members_manage(db: Session) -> None:
    workspace = make_workspace(db)
    owner, manager = make_user(db), make_user(db)
    owner_membership = add_member(db, workspace, owner, "owner")
    add_member(db, workspace, manager, "social_media_manager")
    actor = auth.actor_for(db, manager.id, workspace.id)
    with pytest.raises(Forbidden):
        service.add_member(db, actor, "x@example.com", ["analyst"])
    with pytest.raises(Forbidden):
        service.change_roles(db, actor, owner_membership.id, ["analyst"])
    with pytest.raises(Forbidden):
        service.remove_member(db, actor, owner_membership.id)


def test_profile_audit_never_holds_the_password_hash(db: Session) -> None:
    user = make_user(db)
    service.update_profile(db, user, name="New name", timezone="Europe/Paris")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
    assert entry.after is not None
    assert entry.after["name"] == "New name"
    assert "password_hash" not in entry.after
    assert user.password_hash not in str(entry.before)
