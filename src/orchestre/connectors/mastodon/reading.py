"""Reading an account's inbox on Mastodon: replies under a status, mentions, direct messages.

Mastodon delivers every reply, mention and direct message to us as a `mention`
notification (a reply names the author it answers). `GET /api/v1/notifications
?types[]=mention` is read once and split three ways, so nothing shows twice:

- a direct-visibility status is a message (`read_messages`);
- a status answering one of our statuses is a comment (`read_comments()` for all posts);
- anything else is a mention (`read_mentions`).

Cursors are notification ids: each page asks for what came after (`min_id`), oldest
first; the first read (no cursor) starts from the oldest notification the instance
keeps. The next cursor comes from the Link header (`rel="prev"`: its `min_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from orchestre.connectors.base import Interaction, InteractionKind, InteractionPage
from orchestre.connectors.mastodon.wire import (
    call,
    interaction,
    json_list,
    json_object,
    link_cursor,
)

NOTIFICATIONS_MAX = 80
# Which notifications a view keeps, from the status they carry.
Keep = Callable[[Mapping[str, Any]], bool]


def id_order(external_id: str) -> tuple[int, str]:
    """Mastodon ids are growing numbers written as text (other servers use fixed-length
    sortable strings): by length, then by text, orders both as the server does."""
    return (len(external_id), external_id)


@dataclass(frozen=True)
class Reader:
    """The account whose inbox is read: its client, id and instance host."""

    client: httpx.Client
    own_id: str
    host: str

    def is_message(self, status: Mapping[str, Any]) -> bool:
        return status.get("visibility") == "direct"

    def is_comment(self, status: Mapping[str, Any]) -> bool:
        return not self.is_message(status) and (
            str(status.get("in_reply_to_account_id") or "") == self.own_id
        )

    def is_mention(self, status: Mapping[str, Any]) -> bool:
        return not self.is_message(status) and not self.is_comment(status)

    def notifications(
        self, keep: Keep, kind: InteractionKind, *, cursor: str | None, limit: int
    ) -> InteractionPage:
        asked = max(1, min(limit, NOTIFICATIONS_MAX))
        params: list[tuple[str, str | int]] = [
            ("types[]", "mention"),
            ("limit", asked),
            ("min_id", cursor or "0"),
        ]
        response = call(self.client, "GET", "/api/v1/notifications", params=params)
        page = sorted(json_list(response), key=lambda n: id_order(str(n.get("id", ""))))
        items: list[Interaction] = []
        for notification in page:
            status = notification.get("status")
            if isinstance(status, dict) and keep(status):
                items.append(self._from_notification(status, kind))
        newest = str(page[-1]["id"]) if page else None
        next_cursor = link_cursor(response, "prev", "min_id") or newest or cursor
        return InteractionPage(items, next_cursor, has_more=len(page) >= asked)

    def _from_notification(self, status: Mapping[str, Any], kind: InteractionKind) -> Interaction:
        answered = status.get("in_reply_to_id")
        answered_id = str(answered) if answered else None
        return interaction(
            status,
            kind,
            own_id=self.own_id,
            host=self.host,
            post_external_id=answered_id if kind is InteractionKind.COMMENT else None,
            parent_external_id=answered_id if kind is InteractionKind.MESSAGE else None,
        )

    def context(self, post_id: str, *, cursor: str | None, limit: int) -> InteractionPage:
        """The replies under one status (`GET /api/v1/statuses/:id/context` descendants),
        oldest first after the status id `cursor`."""
        response = call(self.client, "GET", f"/api/v1/statuses/{post_id}/context")
        descendants = json_object(response).get("descendants")
        statuses = [s for s in descendants or [] if isinstance(s, dict) and s.get("id")]
        statuses.sort(key=lambda s: id_order(str(s["id"])))
        if cursor:
            statuses = [s for s in statuses if id_order(str(s["id"])) > id_order(cursor)]
        chosen = statuses[: max(1, limit)]
        items = [self._from_descendant(post_id, s) for s in chosen]
        next_cursor = items[-1].external_id if items else cursor
        return InteractionPage(items, next_cursor, has_more=len(statuses) > len(chosen))

    def _from_descendant(self, post_id: str, status: Mapping[str, Any]) -> Interaction:
        parent = str(status.get("in_reply_to_id") or post_id)
        top = parent == post_id
        return interaction(
            status,
            InteractionKind.COMMENT if top else InteractionKind.REPLY,
            own_id=self.own_id,
            host=self.host,
            post_external_id=post_id,
            parent_external_id=None if top else parent,
        )
