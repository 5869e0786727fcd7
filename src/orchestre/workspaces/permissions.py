"""Roles, permissions and the one enforcement point. docs/permissions.md mirrors MATRIX."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from orchestre.errors import Forbidden


class Role(enum.StrEnum):
    OWNER = "owner"
    SOCIAL_MEDIA_MANAGER = "social_media_manager"
    COMMUNITY_MANAGER = "community_manager"
    CONTENT_CREATOR = "content_creator"
    REVIEWER = "reviewer"
    ANALYST = "analyst"


class Permission(enum.StrEnum):
    WORKSPACE_VIEW = "workspace.view"
    WORKSPACE_MANAGE = "workspace.manage"  # settings, editorial line, review steps
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"
    CHANNELS_VIEW = "channels.view"
    CHANNELS_MANAGE = "channels.manage"
    POSTS_VIEW = "posts.view"
    POSTS_CREATE = "posts.create"  # write drafts, edit one's own drafts
    POSTS_EDIT_ANY = "posts.edit_any"  # edit anyone's posts
    POSTS_DELETE = "posts.delete"
    POSTS_SUBMIT = "posts.submit"  # send a draft for review
    POSTS_APPROVE = "posts.approve"  # decide a review step
    POSTS_SCHEDULE = "posts.schedule"  # schedule, unschedule, publish now
    PUBLISHING_PAUSE = "publishing.pause"  # crisis pause and resume of publishing
    POSTS_COMMENT = "posts.comment"
    CAMPAIGNS_MANAGE = "campaigns.manage"
    MEDIA_UPLOAD = "media.upload"
    AUDIT_VIEW = "audit.view"
    ANALYTICS_VIEW = "analytics.view"
    ANALYTICS_MANAGE = "analytics.manage"  # goals, reports, their schedules and share links
    INBOX_VIEW = "inbox.view"
    INBOX_REPLY = "inbox.reply"
    INBOX_MODERATE = "inbox.moderate"
    LISTENING_VIEW = "listening.view"  # listening queries, mentions, brand health
    LISTENING_MANAGE = "listening.manage"  # create, change, delete queries; collect now
    ASSISTANT_USE = "assistant.use"  # ask the assistant for drafts, plans, replies, summaries
    ASSISTANT_MANAGE = "assistant.manage"  # set up the model provider, review the call log
    UGC_VIEW = "ugc.view"  # the UGC board, rights requests, contests and their entries
    UGC_MANAGE = "ugc.manage"  # collect UGC, ask for rights, run contests, review submissions
    REVIEW_LINKS_MANAGE = "review_links.manage"  # signed links for reviewers without an account


P = Permission

_READ = {
    P.WORKSPACE_VIEW,
    P.MEMBERS_VIEW,
    P.CHANNELS_VIEW,
    P.POSTS_VIEW,
    P.ANALYTICS_VIEW,
    P.LISTENING_VIEW,
    P.UGC_VIEW,
}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.SOCIAL_MEDIA_MANAGER: frozenset(
        _READ
        | {
            P.WORKSPACE_MANAGE,
            P.CHANNELS_MANAGE,
            P.POSTS_CREATE,
            P.POSTS_EDIT_ANY,
            P.POSTS_DELETE,
            P.POSTS_SUBMIT,
            P.POSTS_APPROVE,  # a review step may be given to the social media manager role
            P.POSTS_SCHEDULE,
            P.PUBLISHING_PAUSE,
            P.POSTS_COMMENT,
            P.CAMPAIGNS_MANAGE,
            P.MEDIA_UPLOAD,
            P.AUDIT_VIEW,
            P.ANALYTICS_MANAGE,
            P.INBOX_VIEW,
            P.INBOX_REPLY,
            P.INBOX_MODERATE,
            P.LISTENING_MANAGE,
            P.ASSISTANT_USE,
            P.ASSISTANT_MANAGE,
            P.UGC_MANAGE,
            P.REVIEW_LINKS_MANAGE,
        }
    ),
    Role.COMMUNITY_MANAGER: frozenset(
        _READ
        | {
            P.POSTS_CREATE,
            P.POSTS_SUBMIT,
            P.POSTS_COMMENT,
            P.MEDIA_UPLOAD,
            P.INBOX_VIEW,
            P.INBOX_REPLY,
            P.INBOX_MODERATE,
            P.PUBLISHING_PAUSE,  # the community manager is the first to see a crisis
            P.LISTENING_MANAGE,
            P.ASSISTANT_USE,
            P.UGC_MANAGE,
        }
    ),
    Role.CONTENT_CREATOR: frozenset(
        _READ | {P.POSTS_CREATE, P.POSTS_SUBMIT, P.POSTS_COMMENT, P.MEDIA_UPLOAD, P.ASSISTANT_USE}
    ),
    Role.REVIEWER: frozenset(_READ | {P.POSTS_APPROVE, P.POSTS_COMMENT}),
    Role.ANALYST: frozenset(_READ | {P.AUDIT_VIEW, P.ANALYTICS_MANAGE, P.ASSISTANT_USE}),
}


def roles_with(*permissions: Permission) -> tuple[str, ...]:
    """The roles granted any of `permissions`, in the matrix's order (for telling people)."""
    wanted = frozenset(permissions)
    return tuple(role.value for role, granted in MATRIX.items() if granted & wanted)


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= MATRIX[role]
    return frozenset(granted)


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which workspace, with which roles: the input of every use case."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID
    roles: frozenset[Role]
    token_id: uuid.UUID | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """The one enforcement point: every use case calls it before acting."""
        if not self.can(permission):
            raise Forbidden(
                f"Your role does not allow this action ({permission.value}).",
                code="forbidden",
            )

    def has_role(self, role: Role) -> bool:
        return role in self.roles
